"""The demo dataset: the batch-gradient-descent tutorial's simulated data."""

import numpy as np


def make_gaussian_clouds(n_per_class=10000, seed=10):
    """Two correlated Gaussian clouds, as in the batch-gradient-descent tutorial.

    Class 0 ~ N([0, 0], [[1, .5], [.5, 1]]), class 1 ~ N([1, 4], same
    covariance), ``n_per_class`` points each, float32 features (the tutorial
    casts with ``astype(np.float32)``).  Uses numpy's legacy
    ``RandomState``, whose stream numpy keeps stable across releases, so
    the data are the same everywhere.

    Returns
    -------
    X : ndarray of shape (2 * n_per_class, 2), float32
    y : ndarray of shape (2 * n_per_class,), float64 of 0.0 and 1.0

    Examples
    --------
    >>> from clogreg._datasets import make_gaussian_clouds
    >>> X, y = make_gaussian_clouds(100)
    >>> X.shape, X.dtype.name, int(y.sum())
    ((200, 2), 'float32', 100)
    """
    rng = np.random.RandomState(seed)
    cov = [[1, 0.5], [0.5, 1]]
    x1 = rng.multivariate_normal([0, 0], cov, n_per_class)
    x2 = rng.multivariate_normal([1, 4], cov, n_per_class)
    X = np.vstack((x1, x2)).astype(np.float32)
    y = np.hstack((np.zeros(n_per_class), np.ones(n_per_class)))
    return X, y
