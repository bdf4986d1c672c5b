"""Check embed_cython against clogreg's Python API and numpy.

Run after `pip install --no-build-isolation examples/embed/cython_ext`;
exits non-zero if any result disagrees.
"""

import embed_cython
import numpy as np
from numpy.testing import assert_allclose

import clogreg
from clogreg import LogisticRegression

rng = np.random.default_rng(0)

# Scalars and a softmax row: clogreg's own vectorised functions.
for z in [-800.0, -3.0, 0.0, 3.0, 40.0]:
    s, l1p = embed_cython.scalars(z)
    assert_allclose(s, clogreg.sigmoid([z])[0], rtol=1e-15)
    assert_allclose(l1p, np.logaddexp(0.0, z), rtol=1e-15)
scores = np.array([8.0, 5.0, 2.0])
p, lse = embed_cython.softmax(scores)
assert_allclose(p, clogreg.softmax(scores), rtol=1e-15)
assert_allclose(lse, np.logaddexp.reduce(scores), rtol=1e-15)

# Prediction: a model given by its coefficients, binary and multinomial,
# float64 and float32 X.
X = rng.normal(size=(200, 4))
for coef, intercept, classes in [
        (rng.normal(size=(1, 4)), rng.normal(size=1), [0, 1]),
        (rng.normal(size=(3, 4)), rng.normal(size=3), [0, 1, 2])]:
    model = LogisticRegression.from_coef(coef, intercept, classes=classes)
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)
        rtol = 1e-6 if dtype == np.float32 else 1e-13
        assert_allclose(embed_cython.predict_proba(Xd, coef, intercept),
                        model.predict_proba(Xd), rtol=rtol)

# The fused loss and gradient, against numpy (float64).
y = rng.integers(0, 3, size=200).astype(np.int32)
coef, intercept = rng.normal(size=(3, 4)), rng.normal(size=3)
loss, g_coef, g_intercept = embed_cython.loss_grad(X, y, coef, intercept)
Z = X @ coef.T + intercept
P = np.exp(Z - np.logaddexp.reduce(Z, axis=1, keepdims=True))
R = P.copy()
R[np.arange(200), y] -= 1.0
assert_allclose(loss, -np.log(P[np.arange(200), y]).sum(), rtol=1e-12)
assert_allclose(g_coef, R.T @ X, rtol=1e-10, atol=1e-12)
assert_allclose(g_intercept, R.sum(axis=0), rtol=1e-10, atol=1e-12)

# A solver written downstream, with the GIL released: it reaches clogreg's
# own unpenalised optimum.
yb = (X @ [1.0, -1.0, 0.5, 0.0] + rng.logistic(size=200) > 0).astype(np.int32)
coef, intercept = embed_cython.fit_gd(X, yb, learning_rate=2.0, n_iter=3000,
                                      n_threads=2)
ref = LogisticRegression(penalty=None, tol=1e-10, max_iter=1000).fit(X, yb)
assert_allclose(coef, ref.coef_, atol=1e-5)
assert_allclose(intercept, ref.intercept_, atol=1e-5)

print("embed_cython: all results agree with clogreg's Python API")
