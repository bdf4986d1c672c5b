"""Check embed_c against clogreg's Python API and numpy.

Run after `pip install --no-build-isolation examples/embed/c_ext`; exits
non-zero if any result disagrees.
"""

import embed_c
import numpy as np
from numpy.testing import assert_allclose

import clogreg
from clogreg import LogisticRegression

rng = np.random.default_rng(0)
assert embed_c.capi_version() >= 1

# Scalars and softmax rows: clogreg's own vectorised functions.
for z in [-800.0, -3.0, 0.0, 3.0, 40.0]:
    assert_allclose(embed_c.sigmoid(z), clogreg.sigmoid([z])[0], rtol=1e-15)
    assert_allclose(embed_c.log1pexp(z), np.logaddexp(0.0, z), rtol=1e-15)
for dtype in (np.float64, np.float32):
    scores = np.array([8.0, 5.0, 2.0], dtype=dtype)
    out = np.empty_like(scores)
    lse = embed_c.softmax_row(scores, out)
    assert_allclose(out, clogreg.softmax(scores), rtol=1e-6)
    assert_allclose(lse, np.logaddexp.reduce([8.0, 5.0, 2.0]), rtol=1e-15)

# Prediction: a model given by its coefficients, binary and multinomial,
# float64 and float32 X.
X = rng.normal(size=(200, 4))
for coef, intercept, classes in [
        (rng.normal(size=(1, 4)), rng.normal(size=1), [0, 1]),
        (rng.normal(size=(3, 4)), rng.normal(size=3), [0, 1, 2])]:
    model = LogisticRegression.from_coef(coef, intercept, classes=classes)
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)
        out = np.empty((200, max(2, len(coef))))
        embed_c.predict_proba(Xd, coef, intercept, out, 2)
        rtol = 1e-6 if dtype == np.float32 else 1e-13
        assert_allclose(out, model.predict_proba(Xd), rtol=rtol)

# The fused loss and gradient, against numpy (float64).
y = rng.integers(0, 3, size=200).astype(np.intc)
coef, intercept = rng.normal(size=(3, 4)), rng.normal(size=3)
g_coef, g_intercept = np.empty((3, 4)), np.empty(3)
loss = embed_c.loss_grad(X, y, coef, intercept, g_coef, g_intercept)
Z = X @ coef.T + intercept
P = np.exp(Z - np.logaddexp.reduce(Z, axis=1, keepdims=True))
R = P.copy()
R[np.arange(200), y] -= 1.0
assert_allclose(loss, -np.log(P[np.arange(200), y]).sum(), rtol=1e-12)
assert_allclose(g_coef, R.T @ X, rtol=1e-10, atol=1e-12)
assert_allclose(g_intercept, R.sum(axis=0), rtol=1e-10, atol=1e-12)

print("embed_c: all results agree with clogreg's Python API")
