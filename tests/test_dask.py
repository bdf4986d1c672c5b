"""Fitting and predicting on Dask collections, on a real LocalCluster.

References: the in-memory fit on the same numpy data (the same engine, so
equal to rounding), scikit-learn's LogisticRegression at a tight tol (an
independent optimum), bitwise equality across worker counts and across a
killed worker, and the numpy predictions of the fitted model.
"""

import os
import time

import dask.array as da
import dask.dataframe as dd
import distributed
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import clogreg
from clogreg import LogisticRegression

# distributed's servers leave sockets to the garbage collector on shutdown
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings(
                  "ignore::pytest.PytestUnraisableExceptionWarning")]


def _cluster(n_workers, threads):
    return distributed.LocalCluster(
        n_workers=n_workers, threads_per_worker=threads, processes=True,
        host="127.0.0.1", dashboard_address=":0", silence_logs=40)


@pytest.fixture(scope="module")
def client():
    with _cluster(2, 1) as cluster, distributed.Client(cluster) as c:
        yield c


def _data(n=1200, d=8, n_classes=2, seed=0, dtype=np.float64):
    X, y = make_classification(n, d, n_informative=5, n_classes=n_classes,
                               random_state=seed)
    X[:, 0] = X[:, 0] * 30 + 5          # unscaled: the preconditioner works
    return X.astype(dtype), y


def _kill(client, worker):
    """End a worker process abruptly (its nanny starts a new, empty one)."""
    try:
        client.run(os._exit, 1, workers=[worker])
    except distributed.comm.core.CommClosedError:
        pass            # the worker died before it could answer


def _dask(X, y, chunk=250, w=None):
    out = [da.from_array(X, chunks=(chunk, X.shape[1])),
           da.from_array(y, chunks=chunk)]
    if w is not None:
        out.append(da.from_array(w, chunks=chunk))
    return out


CASES = [
    dict(),                                            # lbfgs, L2
    dict(solver="newton"),
    # gd and OWL-QN need hundreds of iterations on these data (in memory
    # too): compare the first 40, the same path to rounding
    dict(solver="gd", tol=1e-6, max_iter=40),
    dict(l1_ratio=1.0, C=0.5, tol=1e-6, max_iter=40),
    dict(l1_ratio=0.5, C=0.5, tol=1e-6, max_iter=40),
    dict(standardize=True),
    dict(class_weight="balanced"),
    dict(penalty=None, solver="newton"),
]


@pytest.mark.filterwarnings("ignore::clogreg.ConvergenceWarning")
@pytest.mark.parametrize("params", CASES, ids=lambda p: str(p) or "default")
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fit_equals_the_in_memory_fit(client, params, n_classes):
    X, y = _data(n_classes=n_classes)
    Xd, yd = _dask(X, y)
    kw = dict(tol=1e-8, max_iter=1000)
    kw.update(params)
    ours = LogisticRegression(**kw).fit(Xd, yd)
    ref = LogisticRegression(**kw).fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-6)
    assert_array_equal(ours.classes_, ref.classes_)
    assert abs(int(ours.n_iter_[0]) - int(ref.n_iter_[0])) <= 2
    assert ours.loss_curve_.shape == (int(ours.n_iter_[0]),)


def test_fit_matches_scikit_learn_with_sample_weights(client):
    # independent optimum: scikit-learn's newton-cholesky at tol=1e-12
    X, y = _data(seed=3)
    w = np.random.default_rng(3).uniform(0.2, 3.0, size=y.shape[0])
    Xd, yd, wd = _dask(X, y, w=w)
    ours = LogisticRegression(C=0.3, tol=1e-10).fit(Xd, yd, sample_weight=wd)
    ref = SkLogisticRegression(C=0.3, tol=1e-12, solver="newton-cholesky").fit(
        X, y, sample_weight=w)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-7)
    assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-6, atol=1e-7)


def test_float32_blocks_give_a_float32_model(client):
    X, y = _data(dtype=np.float32)
    Xd, yd = _dask(X, y)
    ours = LogisticRegression(tol=1e-8).fit(Xd, yd)
    ref = LogisticRegression(tol=1e-8).fit(X, y)
    assert ours.coef_.dtype == np.float32
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-5, atol=1e-6)


def test_csr_blocks_fit_and_predict_as_the_dense_matrix(client):
    # reference: the in-memory fit on the same CSR matrix
    import scipy.sparse as sp
    rng = np.random.default_rng(17)
    X = sp.random(1000, 30, density=0.1, format="csr", random_state=17)
    y = (X @ rng.normal(size=30) > 0).astype(int)
    Xd = da.from_array(X, chunks=(250, 30), asarray=False)
    yd = da.from_array(y, chunks=250)
    for params in (dict(), dict(solver="newton"), dict(standardize=True)):
        ours = LogisticRegression(tol=1e-10, **params).fit(Xd, yd)
        ref = LogisticRegression(tol=1e-10, **params).fit(X, y)
        assert_allclose(ours.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    assert_array_equal(ours.predict_proba(Xd).compute(), ours.predict_proba(X))


def test_warm_start_continues_from_the_previous_fit(client):
    # reference: the in-memory warm-started fit (newton, max_iter=2 twice)
    X, y = _data(seed=19)
    Xd, yd = _dask(X, y)
    ours = LogisticRegression(solver="newton", warm_start=True, max_iter=2)
    ref = LogisticRegression(solver="newton", warm_start=True, max_iter=2)
    for _ in range(2):
        with pytest.warns(clogreg.ConvergenceWarning):
            ours.fit(Xd, yd)
        with pytest.warns(clogreg.ConvergenceWarning):
            ref.fit(X, y)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-12)


def test_bitwise_identical_for_one_and_two_workers(client):
    X, y = _data(n_classes=3, seed=5)
    Xd, yd = _dask(X, y, chunk=150)
    for params in (dict(), dict(solver="newton")):
        two = LogisticRegression(**params).fit(Xd, yd)
        with _cluster(1, 2) as cluster, distributed.Client(cluster) as one_client:
            with one_client.as_current():
                one = LogisticRegression(**params).fit(Xd, yd)
        assert_array_equal(one.coef_, two.coef_)
        assert_array_equal(one.intercept_, two.intercept_)
        assert_array_equal(one.n_iter_, two.n_iter_)


def test_a_killed_worker_changes_nothing(client):
    # Dask recomputes the persisted blocks the killed worker held; the fit
    # ends with the same coefficients, bitwise, as an undisturbed one.
    X, y = _data(n=2000, seed=7)
    Xd, yd = _dask(X, y, chunk=200)
    ref = LogisticRegression(solver="newton", tol=1e-10).fit(Xd, yd)
    victim = sorted(client.scheduler_info()["workers"])[0]
    calls = []

    def kill_once(iteration, objective):
        if not calls:
            _kill(client, victim)
        calls.append(iteration)

    model = LogisticRegression(solver="newton", tol=1e-10, callback=kill_once)
    model.fit(Xd, yd)
    assert len(calls) == int(model.n_iter_[0]) >= 2
    assert_array_equal(model.coef_, ref.coef_)
    assert_array_equal(model.intercept_, ref.intercept_)
    client.wait_for_workers(2, timeout=60)


def test_data_that_cannot_be_recomputed_is_a_clear_error():
    # Blocks scattered to one worker have no graph to recompute them from.
    X, y = _data(n=800, seed=9)
    with _cluster(2, 1) as cluster, distributed.Client(cluster) as c:
        workers = sorted(c.scheduler_info()["workers"])
        parts = [c.scatter(X[i:i + 200], workers=[workers[0]])
                 for i in range(0, 800, 200)]
        Xd = da.concatenate([
            da.from_delayed(p, shape=(200, X.shape[1]), dtype=X.dtype)
            for p in parts])
        yd = da.from_array(y, chunks=200)
        calls = []

        def kill_once(iteration, objective):
            if not calls:
                _kill(c, workers[0])
            calls.append(iteration)

        with pytest.raises(RuntimeError, match="cannot be recomputed"):
            LogisticRegression(callback=kill_once).fit(Xd, yd)


def test_dask_dataframe_names_the_features(client):
    import pandas as pd
    X, y = _data(n=900)
    cols = [f"f{i}" for i in range(X.shape[1])]
    frame = dd.from_pandas(pd.DataFrame(X, columns=cols), npartitions=3)
    target = dd.from_pandas(pd.Series(y), npartitions=3)
    ours = LogisticRegression(tol=1e-8).fit(frame, target)
    ref = LogisticRegression(tol=1e-8).fit(pd.DataFrame(X, columns=cols), y)
    assert ours.feature_names_in_.tolist() == cols
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_are_lazy_and_equal_numpy(client, n_classes):
    X, y = _data(n_classes=n_classes, seed=11)
    model = LogisticRegression().fit(X, y)
    Xd = da.from_array(X, chunks=(300, X.shape[1]))
    for method in ("predict", "predict_proba", "predict_log_proba",
                   "decision_function"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array)
        assert lazy.name.startswith(f"clogreg-{method}")
        assert_array_equal(lazy.compute(), getattr(model, method)(X))


def test_distributed_fit_saves_and_loads_as_an_ordinary_model(client, tmp_path):
    X, y = _data(seed=13)
    model = LogisticRegression().fit(*_dask(X, y))
    path = tmp_path / "model.json"
    model.save(path)
    again = clogreg.load(path)
    assert_array_equal(again.predict_proba(X), model.predict_proba(X))


def test_refusals_are_clear(client):
    X, y = _data()
    Xd, yd = _dask(X, y)
    with pytest.raises(ValueError, match="solver='sgd'"):
        LogisticRegression(solver="sgd").fit(Xd, yd)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        LogisticRegression().fit(Xd, yd[:-10])
    bad = X.copy()
    bad[700, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LogisticRegression().fit(da.from_array(bad, chunks=(250, 8)), yd)
    with pytest.raises(ValueError, match="2 classes"):
        LogisticRegression().fit(Xd, da.zeros(X.shape[0], chunks=250))


def test_score_on_dask_collections_equals_numpy(client):
    # reference: score on the same numpy arrays
    X, y = _data(seed=21)
    model = LogisticRegression().fit(X, y)
    w = np.random.default_rng(21).uniform(0.5, 2.0, size=y.shape[0])
    Xd, yd, wd = _dask(X, y, w=w)
    assert model.score(Xd, yd) == model.score(X, y)
    assert model.score(Xd, yd, sample_weight=wd) == model.score(X, y, sample_weight=w)


def test_methods_that_need_memory_refuse_dask_instead_of_computing_it(client):
    X, y = _data()
    Xd, yd = _dask(X, y)
    model = LogisticRegression().fit(X, y)
    with pytest.raises(TypeError, match="partial_fit does not take Dask"):
        LogisticRegression().partial_fit(Xd, yd, classes=[0, 1])
    with pytest.raises(TypeError, match="inference does not take Dask"):
        model.inference(Xd, yd)
    with pytest.raises(TypeError, match="LogisticRegressionCV.fit does not take"):
        clogreg.LogisticRegressionCV().fit(Xd, yd)


def test_fit_tasks_carry_readable_names(client):
    # reference: the scheduler's task stream of the fit (what the dashboard
    # shows): one loss-gradient task per worker and evaluation
    X, y = _data(seed=23)
    with distributed.get_task_stream(client) as stream:
        model = LogisticRegression(solver="newton").fit(*_dask(X, y))
    keys = [str(t["key"]) for t in stream.data]
    for prefix in ("clogreg-validate-", "clogreg-block-", "clogreg-loss-gradient-",
                   "clogreg-hessian-product-", "clogreg-column-moments-"):
        assert any(k.startswith(prefix) for k in keys), prefix
    loss_tasks = [k for k in keys if k.startswith("clogreg-loss-gradient")]
    assert len(loss_tasks) <= 2 * model._n_passes


def test_verbose_lines_carry_the_elapsed_time(client, capsys):
    # reference: the wall time around the fit bounds the last line's value
    X, y = _data()
    start = time.perf_counter()
    model = LogisticRegression(verbose=1).fit(*_dask(X, y))
    wall = time.perf_counter() - start
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("clogreg: fit 1200 x 8 float64 Dask collection, "
                               "2 classes, solver lbfgs, on the Dask workers  ")
    assert lines[-1].startswith(f"clogreg: iter {int(model.n_iter_[0]):6d}")
    elapsed = [float(line.split("elapsed")[1].split()[0]) for line in lines]
    assert elapsed == sorted(elapsed) and 0 < elapsed[-1] <= wall


def test_column_chunks_are_merged_once_with_a_note(client, capsys):
    # reference: the same fit on row-only chunks
    X, y = _data(seed=25)
    Xd = da.from_array(X, chunks=(300, 3))         # 3 column chunks
    yd = da.from_array(y, chunks=300)
    ours = LogisticRegression(verbose=1).fit(Xd, yd)
    out = capsys.readouterr().out
    assert "X has 3 column chunks; rechunked once into one" in out
    ref = LogisticRegression().fit(*_dask(X, y, chunk=300))
    assert_array_equal(ours.coef_, ref.coef_)
