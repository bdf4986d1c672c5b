"""Type stubs of the compiled ``clogreg.capi`` (src/capi.pyx).

The module has no Python-level functions: its ``cdef api`` functions are
for C extensions, which reach them through ``capi_api.h`` (see
``clogreg.get_include()``).  Python sees only the capsules.
"""

from typing import Any

# name -> PyCapsule holding the C function pointer
__pyx_capi__: dict[str, Any]
