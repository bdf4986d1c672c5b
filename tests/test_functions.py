"""clogreg.sigmoid and clogreg.softmax against numpy float64 references and
the softmax tutorial's published output."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import clogreg


def test_softmax_reproduces_the_seed():
    # Published in the softmax tutorial: [0.95033021 0.04731416 0.00235563]
    assert_allclose(clogreg.softmax([8, 5, 2]),
                    [0.95033021, 0.04731416, 0.00235563], atol=5e-9)


def test_softmax_axis_and_shape_match_numpy():
    Z = np.random.default_rng(0).normal(scale=10, size=(3, 4, 5))
    for axis in (0, 1, 2, -1):
        e = np.exp(Z - Z.max(axis=axis, keepdims=True))
        assert_allclose(clogreg.softmax(Z, axis=axis),
                        e / e.sum(axis=axis, keepdims=True), rtol=1e-13)


def test_softmax_extreme_finite_inputs_no_warning():
    with np.errstate(all="raise"):
        out = clogreg.softmax([1e308, -1e308, 0.0])
    assert_allclose(out, [1.0, 0.0, 0.0])
    assert clogreg.softmax(np.float32([1, 2])).dtype == np.float32


def test_sigmoid_scalar_vector_and_extremes():
    assert clogreg.sigmoid(0.0) == 0.5
    assert isinstance(clogreg.sigmoid(0.0), np.floating)
    z = np.array([[-1e308, -50.0], [50.0, 1e308]])
    with np.errstate(all="raise"):
        out = clogreg.sigmoid(z)
    assert out.shape == (2, 2)
    assert_allclose(out, [[0.0, np.exp(-50.0)], [1.0, 1.0]], rtol=1e-15, atol=1e-300)
    assert clogreg.sigmoid(np.float32([1.0])).dtype == np.float32
    assert clogreg.sigmoid([np.inf, -np.inf]).tolist() == [1.0, 0.0]


@pytest.mark.parametrize("func", [clogreg.sigmoid, clogreg.softmax])
def test_non_numeric_input_is_a_type_error(func):
    with pytest.raises(TypeError, match="numeric"):
        func(["a", "b"])
