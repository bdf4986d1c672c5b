"""Smoke test of an installed clogreg: does the wheel we built work at all?

Run from outside the source tree, after installing a wheel or an sdist:

    python tools/smoke_test.py [--require-openmp]

It checks what a broken build or a broken repair step would lose: the
engine imports and computes the right numbers (against numpy), the fit is
bitwise identical on one and two threads, the .pxd headers and the C API
header are installed where ``clogreg.get_include()`` says, no generated C
or Cython source is installed, and (with ``--require-openmp``, as for
release wheels) the engine was built with OpenMP.  It exits non-zero with
a message on the first failure.
"""

import argparse
import os
import sys

import numpy as np

import clogreg
from clogreg import LogisticRegression


def check(condition, message):
    if not condition:
        sys.exit(f"smoke test FAILED: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--require-openmp", action="store_true",
                        help="fail if the engine was built without OpenMP")
    args = parser.parse_args()

    config = clogreg.show_config(print_out=False)
    package = os.path.dirname(os.path.abspath(clogreg.__file__))
    print(f"clogreg {config['version']} from {package}")
    print(f"OpenMP: {config['openmp']}, threads: {config['threads']}")
    if args.require_openmp:
        check(config["openmp"], "the engine was built without OpenMP")

    # Headers for downstream builds, found through get_include().
    include = os.path.join(clogreg.get_include(), "clogreg")
    for name in ["kernels.pxd", "solvers.pxd", "_rowmatrix.pxd", "capi.pxd",
                 "capi_api.h"]:
        check(os.path.isfile(os.path.join(include, name)),
              f"{name} is not installed in {include}")
    with open(os.path.join(include, "capi_api.h"), encoding="utf-8") as f:
        check("import_clogreg__capi" in f.read(),
              "capi_api.h does not define import_clogreg__capi()")
    leftovers = [n for n in os.listdir(package) if n.endswith((".c", ".pyx"))]
    check(not leftovers, f"sources installed in the package: {leftovers}")

    # Known coefficients: the AND-gate tutorial's model, to the last bit.
    gate = LogisticRegression.from_coef([[2.5, 2.5]], [-4], classes=(0, 1))
    proba = gate.predict_proba([[0, 0], [0, 1], [1, 0], [1, 1]])[:, 1]
    z = np.array([-4.0, -1.5, -1.5, 1.0])
    check(np.allclose(proba, 1 / (1 + np.exp(-z)), rtol=1e-15, atol=0),
          f"AND-gate probabilities {proba}")

    # A fit, on one and on two threads (bitwise identical by design).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 5))
    y = (X @ [1.0, -2.0, 0.5, 0.0, 1.5] + rng.logistic(size=4000) > 0).astype(int)
    one = LogisticRegression(n_threads=1).fit(X, y)
    two = LogisticRegression(n_threads=2).fit(X, y)
    check(np.array_equal(one.coef_, two.coef_),
          "n_threads=1 and n_threads=2 fits differ")
    decision = X @ one.coef_[0] + one.intercept_[0]
    check(np.allclose(one.predict_proba(X)[:, 1], 1 / (1 + np.exp(-decision)),
                      rtol=1e-12, atol=1e-15),
          "predict_proba disagrees with numpy's sigmoid of the decision")
    accuracy = one.score(X, y)
    check(accuracy > 0.8, f"training accuracy {accuracy:.3f}")
    print(f"fit: {one.n_iter_[0]} iterations, accuracy {accuracy:.3f}, "
          f"coef {np.round(one.coef_[0], 2).tolist()}")
    print("smoke test passed")


if __name__ == "__main__":
    main()
