"""Sphinx configuration of clogreg's documentation site.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
after ``pip install ".[docs]"``; it documents the installed clogreg.  The
pages are MyST Markdown; their code examples are executed by
``tests/test_docs.py``, the gallery scripts by sphinx-gallery here and by
``tests/test_gallery.py`` in the test suite.
"""

import os

import clogreg

project = "clogreg"
author = "clogreg developers"
copyright = "clogreg developers"
release = clogreg.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "gallery/*.ipynb", "gallery/*.py", "gallery/*.zip",
                    "gallery/*.json", "gallery/*.md5"]

# Headings up to level 3 get anchors, so pages can link to "page.md#section".
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
# numpydoc renders the Attributes and Methods sections itself.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

sphinx_gallery_conf = {
    "examples_dirs": os.path.join(os.path.dirname(__file__), "..", "examples",
                                  "gallery"),
    "gallery_dirs": "gallery",
    "filename_pattern": "/plot_",
    # Every script runs on every build: a broken example fails the build.
    "run_stale_examples": True,
    "abort_on_example_error": True,
    "download_all_examples": False,
    "remove_config_comments": True,
}

html_theme = "alabaster"
html_theme_options = {
    "description": "Fast, careful logistic regression",
    "fixed_sidebar": True,
}
html_static_path = []
