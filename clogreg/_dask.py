"""Fitting and predicting on Dask collections (the optional ``dask`` extra).

Design
------
* The solvers are the engine's own (``clogreg.solvers``): they are handed
  an ``Objective`` whose data is a ``DaskData`` instead of a ``RowMatrix``.
  Each evaluation of the objective maps the engine's fused pass
  (``kernels._loss_gradient``, and ``kernels._hessian_product`` for
  newton) over the row blocks where they live; only the parameters go out
  and only fixed-size partial sums (a loss and a coefficient-sized
  gradient per block) come back.  The solver's arithmetic on them -- the
  change of variables, the penalty, the division by the weight sum, the
  steps -- is the in-memory fit's, in the same C code.
* Deterministic: the client adds the blocks' partial sums in block order,
  and a block's sums do not depend on the worker or its threads, so the
  coefficients are bitwise identical whatever the number of workers,
  threads per worker or block placement.  (They equal the in-memory fit's
  to rounding: the in-memory pass adds rows in another order.)
* Passes over the data: one to discover the classes (with their counts,
  for class_weight='balanced', and the validation of every block), one to
  encode the labels and the weights into the persisted blocks, one for
  the column statistics when standardize or the preconditioner needs them,
  then one per evaluation.  A newton Hessian product reuses the
  probabilities its evaluation left on the worker (recomputed from the
  parameters, identically, if that worker is gone).
* Fault tolerance is Dask's: a lost block is recomputed from the
  collection's graph.  A block that cannot be recomputed (its data lived
  only on the lost worker) is an error naming the cause, never a fit on
  the remaining rows.

Dask and distributed are imported here only, lazily, when a fit or a
prediction receives a Dask collection.
"""

from __future__ import annotations

import itertools
import threading
import uuid

import numpy as np

from . import kernels
from ._validation import (
    _check_labels,
    _sorted_unique,
    as_row_matrix,
    check_feature_names,
    check_sample_weight,
    check_X,
    check_y,
    encode_labels,
    feature_names,
)


def is_dask_collection(obj) -> bool:
    """True for a dask.array / dask.dataframe collection (without importing
    dask: its collections implement the ``__dask_graph__`` protocol)."""
    return hasattr(obj, "__dask_graph__") and callable(
        getattr(obj, "__dask_graph__", None))


def _client():
    try:
        from distributed import get_client
    except ImportError:
        raise ImportError(
            "clogreg: fitting on a Dask collection needs dask and distributed: "
            "pip install 'clogreg[dask]'") from None
    try:
        return get_client()
    except ValueError:
        raise ValueError(
            "clogreg: fitting on a Dask collection needs a distributed Client: "
            "from distributed import Client, LocalCluster; "
            "client = Client(LocalCluster(host='127.0.0.1')) (or your cluster's "
            "address) before calling fit") from None


# ------------------------------------------------------------- inputs
def _as_row_blocks(X, name="X", verbose=0):
    """(dask array chunked by rows only, feature names or None); with
    ``verbose``, a note when its column chunks are merged."""
    import dask.array as da
    names = None
    if hasattr(X, "columns") and not isinstance(X, da.Array):
        # a dask DataFrame: numeric columns, names -> feature_names_in_
        names = feature_names(X)
        bad = [c for c, t in X.dtypes.items() if not np.issubdtype(t, np.number)
               and not np.issubdtype(t, np.bool_)]
        if bad:
            raise TypeError(f"{name} has non-numeric columns {bad[:5]}; clogreg "
                            "fits numeric features only: drop or encode them")
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise TypeError(f"{name} is a {type(X).__name__}; on Dask, clogreg fits a "
                        "dask.array or a dask.dataframe")
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got "
                         f"{X.ndim}-D")
    if any(np.isnan(c) for c in X.chunks[0]):
        raise ValueError(f"{name} has unknown chunk sizes; compute them first "
                         "(X.compute_chunk_sizes(), or to_dask_array(lengths=True))")
    if X.numblocks[1] > 1:
        # The fused pass needs whole rows: one column chunk, rechunked once
        # (the blocks are persisted afterwards, so this is not repeated).
        if verbose:
            print(f"clogreg: {name} has {X.numblocks[1]} column chunks; "
                  "rechunked once into one (the fused pass reads whole rows)",
                  flush=True)
        X = X.rechunk({1: -1})
    return X, names


def _aligned(v, X, name):
    """v (dask or numpy, 1-D) as a dask array chunked like X's rows."""
    import dask.array as da
    if v is None:
        return None
    if hasattr(v, "to_dask_array"):          # dask Series
        v = v.to_dask_array(lengths=True)
    if not isinstance(v, da.Array):
        v = np.asarray(v)
        if v.ndim != 1 or v.shape[0] != X.shape[0]:
            raise ValueError(f"{name} has shape {v.shape} but X has {X.shape[0]} "
                             "rows: X and y have inconsistent numbers of samples")
        return da.from_array(v, chunks=(X.chunks[0],))
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {v.shape}")
    if v.shape[0] != X.shape[0]:
        raise ValueError(f"{name} has {v.shape[0]} entries but X has {X.shape[0]} "
                         "rows: X and y have inconsistent numbers of samples")
    if v.chunks[0] != X.chunks[0]:
        v = v.rechunk((X.chunks[0],))
    return v


# ------------------------------------------------- the worker-side tasks
def _prepare_block(x, y, w):
    """Validate one block as ``fit`` validates X, y and sample_weight in
    memory; return it with its sorted labels and their counts."""
    x = check_X(x, accept_sparse=True)        # dense or CSR blocks
    labels, codes = _sorted_unique(_check_labels(y, x.shape[0]))
    w = check_sample_weight(w, x.shape[0])
    counts = np.bincount(codes, minlength=labels.shape[0])
    return (x, np.asarray(y), w), labels, counts


def _block_labels(prepared):
    return prepared[1], prepared[2]


def _encode_block(prepared, classes, per_class):
    """(X, int32 class codes, weights times the class weights or None)."""
    (x, y, w), _, _ = prepared
    codes = encode_labels(y, classes, x.shape[0])
    if per_class is not None:
        cw = per_class[codes]
        w = cw if w is None else w * cw
    return x, codes, w


def _block_sums(block):
    x, codes, w = block
    return (float(x.shape[0]) if w is None else float(np.sum(w)),
            np.bincount(codes, weights=w, minlength=0))


def _block_moments(block, key, threads, weighted):
    """One block's weighted column moments: (weight, mean, std, max and sum
    of the squared row norms, rows)."""
    x, _, w = block
    if not weighted:
        w = None
    d = x.shape[1]
    mean = np.zeros(d)
    std = np.zeros(d)
    max_sq, mean_sq = kernels._column_moments(as_row_matrix(x), w, mean, std)
    weight = float(x.shape[0]) if w is None else float(np.sum(w))
    return weight, mean, std, max_sq, mean_sq * x.shape[0], x.shape[0]


# Probabilities of the last kept evaluation, per block, in this worker
# process: {block key: (token, proba)}; a Hessian product with another token
# (or after the worker restarted) recomputes them.
_PROBA = {}
_PROBA_LOCK = threading.Lock()


def _worker_threads():
    """The threads of the Dask worker running this task (1 outside one):
    its kernels use them all, as the task is the worker's only one."""
    try:
        from distributed import get_worker
        return max(1, int(get_worker().state.nthreads))
    except Exception:
        return 1


def _run_blocks(func, blocks, keys, *args):
    """``func`` on each of one worker's blocks in turn: one task per worker
    and evaluation (a task costs the scheduler a round trip, ~10 ms)."""
    threads = _worker_threads()
    return [func(block, key, threads, *args)
            for block, key in zip(blocks, keys, strict=True)]


def _block_loss_gradient(block, key, threads, coef, intercept, token):
    x, codes, w = block
    Xm = as_row_matrix(x)
    k = coef.shape[0]
    grad_coef = np.zeros_like(coef)
    grad_intercept = None if intercept is None else np.zeros(k)
    proba = None if token is None else np.empty(x.shape[0] * k)
    loss = kernels._loss_gradient(Xm, codes, w, coef, intercept, grad_coef,
                                  grad_intercept, threads, proba)
    if token is not None:
        with _PROBA_LOCK:
            _PROBA[key] = (token, proba)
    return loss, grad_coef, grad_intercept


def _block_hessian_product(block, key, threads, coef, intercept, token,
                           v_coef, v_intercept):
    x, codes, w = block
    Xm = as_row_matrix(x)
    with _PROBA_LOCK:
        kept = _PROBA.get(key)
    if kept is not None and kept[0] == token:
        proba = kept[1]
    else:
        # Not here (a new worker, after a failure): the same kernel gives
        # the same probabilities from the same parameters.
        k = coef.shape[0]
        proba = np.empty(x.shape[0] * k)
        kernels._loss_gradient(Xm, codes, w, coef, intercept, np.zeros_like(coef),
                               None if intercept is None else np.zeros(k),
                               threads, proba)
    out_coef = np.zeros_like(v_coef)
    out_intercept = None if v_intercept is None else np.zeros(v_coef.shape[0])
    kernels._hessian_product(Xm, w, proba, v_coef, v_intercept, out_coef,
                             out_intercept, threads)
    return out_coef, out_intercept


def _forget_all(keys):
    with _PROBA_LOCK:
        for key in keys:
            _PROBA.pop(key, None)


# ------------------------------------------------------ the data object
class DaskData:
    """Persisted row blocks of a Dask collection, as the engine's external
    data (see ``clogreg.solvers.Objective``): the sums over rows that the
    solvers need, computed block by block on the workers."""

    def __init__(self, client, blocks, n_samples, n_features, n_classes,
                 fit_intercept, dtype, weight_sum, class_totals):
        self.client = client
        self.blocks = blocks                  # futures, in row order
        self.keys = [f.key for f in blocks]
        self.n_samples = int(n_samples)
        self.n_features = int(n_features)
        self.shape = (self.n_samples, self.n_features)
        self.k = int(n_classes)
        self.fit_intercept = bool(fit_intercept)
        self.dtype = dtype
        self.weight_sum = float(weight_sum)
        self.class_totals = class_totals
        self._error = None
        self._kept = None                     # (token, coef, intercept)
        self._fit_id = uuid.uuid4().hex[:8]
        self._counter = itertools.count()
        self.n_evaluations = 0

    # -- the engine's protocol -------------------------------------------
    def _split(self, theta):
        kd = self.k * self.n_features
        coef = np.array(theta[:kd]).reshape(self.k, self.n_features)
        intercept = np.array(theta[kd:]) if self.fit_intercept else None
        return coef, intercept

    def _gather(self, futures, what):
        try:
            return self.client.gather(futures)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:    # distributed's cancellations included
            raise RuntimeError(
                f"clogreg: the Dask cluster failed to compute the {what} "
                f"({type(exc).__name__}: {exc}); a block that cannot be "
                "recomputed (its data lived only on a lost worker) stops the "
                "fit rather than fitting the remaining rows: build X from a "
                "source Dask can read again (files, a function), then refit"
            ) from exc

    def _evaluation(self):
        return f"{self._fit_id}-{next(self._counter)}"

    def _map(self, func, what, *args):
        """``func(block, key, threads, *args)`` for every block, one task per
        worker holding blocks (a lost block's task runs where the
        scheduler recomputes it): the results in block order."""
        try:
            holders = self.client.who_has(self.blocks)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:
            holders = {}        # placement unknown: the scheduler decides
        groups = {}
        for i, future in enumerate(self.blocks):
            where = holders.get(future.key) or (None,)
            groups.setdefault(where[0], []).append(i)
        name = self._evaluation()
        place = {}
        futures = []
        for g, (worker, idx) in enumerate(groups.items()):
            if worker is not None:      # a preference: it may have died since
                place = dict(workers=[worker], allow_other_workers=True)
            futures.append(self.client.submit(
                _run_blocks, func, [self.blocks[i] for i in idx],
                [self.keys[i] for i in idx], *args, pure=False,
                key=f"clogreg-{what.replace(' ', '-')}-{name}-{g}", **place))
            place = {}
        done = self._gather(futures, what)
        out = [None] * len(self.blocks)
        for idx, results in zip(groups.values(), done, strict=True):
            for i, r in zip(idx, results, strict=True):
                out[i] = r
        return out, name

    def loss_gradient_into(self, eff, grad, keep):
        coef, intercept = self._split(eff)
        token = f"{self._fit_id}-keep-{next(self._counter)}" if keep else None
        parts, _ = self._map(_block_loss_gradient, "loss gradient", coef,
                             intercept, token)
        self.n_evaluations += 1
        loss = 0.0
        for part in parts:                      # block order
            loss += part[0]
        self._add_in_block_order([part[1:] for part in parts], grad)
        if keep:
            self._kept = (token, coef, intercept)
        return loss

    def hessian_product_into(self, v, out):
        token, coef, intercept = self._kept
        v_coef, v_intercept = self._split(v)
        parts, _ = self._map(_block_hessian_product, "hessian product", coef,
                             intercept, token, v_coef, v_intercept)
        self.n_evaluations += 1
        self._add_in_block_order(parts, out)

    def _add_in_block_order(self, parts, out):
        """The blocks' (coefficient, intercept) sums added in block order,
        into the flat parameter vector ``out``: the same additions, in the
        same order, whatever worker computed each block."""
        total = np.zeros((self.k, self.n_features))
        total_b = np.zeros(self.k) if self.fit_intercept else None
        for part_coef, part_intercept in parts:
            total += part_coef
            if total_b is not None:
                total_b += part_intercept
        kd = self.k * self.n_features
        out[:kd] = total.ravel()
        if total_b is not None:
            out[kd:] = total_b

    # -- statistics ------------------------------------------------------
    def column_moments(self, weighted=True):
        """(mean, std, max and mean of the squared row norms): one pass,
        the blocks' moments combined in block order (Chan et al.'s
        pairwise update); a column constant in every block with the same
        value is exactly constant, as in memory."""
        parts, _ = self._map(_block_moments, "column moments", weighted)
        d = self.n_features
        total = 0.0
        mean = np.zeros(d)
        m2 = np.zeros(d)
        const = None
        value = None
        max_sq = 0.0
        sum_sq = 0.0
        rows = 0
        for weight, m, s, mx, ssq, n in parts:
            max_sq = max(max_sq, mx)
            sum_sq += ssq
            rows += n
            if weight <= 0.0:
                continue
            if const is None:
                const, value = s == 0.0, m.copy()
            else:
                const &= (s == 0.0) & (m == value)
            new = total + weight
            delta = m - mean
            mean = mean + delta * (weight / new)
            m2 = m2 + s * s * weight + delta * delta * (total * weight / new)
            total = new
        std = np.sqrt(np.maximum(m2 / total, 0.0))
        if const is not None:
            mean[const] = value[const]
            std[const] = 0.0
        return mean, std, max_sq, sum_sq / max(rows, 1)

    def release(self):
        """Drop the persisted blocks and the workers' kept probabilities."""
        keys, self.blocks = self.keys, []
        try:
            self.client.run(_forget_all, keys)
        except Exception:       # a closed cluster: nothing left to free
            pass


# ------------------------------------------------------------------ fit
def prepare(est, X, y, sample_weight, solver):
    """The persisted blocks of a Dask fit: (DaskData, classes, names)."""
    import dask
    if solver == "sgd":
        raise ValueError(
            "solver='sgd' draws mini-batches in one process; on Dask, use "
            "solver='lbfgs' (the default), 'newton' or 'gd', or call "
            "partial_fit on the blocks in turn")
    client = _client()
    X, names = _as_row_blocks(X, verbose=int(est.verbose))
    y = _aligned(y, X, "y")
    if y is None:
        raise ValueError("y is required")
    sw = _aligned(sample_weight, X, "sample_weight")
    xs = X.to_delayed().ravel()
    ys = y.to_delayed().ravel()
    ws = [None] * len(xs) if sw is None else sw.to_delayed().ravel()
    fit_id = uuid.uuid4().hex[:8]
    prepared = client.compute([
        dask.delayed(_prepare_block, pure=False)(
            xb, yb, wb, dask_key_name=f"clogreg-validate-{fit_id}-{i}")
        for i, (xb, yb, wb) in enumerate(zip(xs, ys, ws, strict=True))])
    label_parts = client.gather(client.map(
        _block_labels, prepared, pure=False,
        key=[f"clogreg-labels-{fit_id}-{i}" for i in range(len(prepared))]))
    labels = np.concatenate([p[0] for p in label_parts])
    classes, codes = _sorted_unique(labels)
    check_y(classes, classes.shape[0])          # the number of classes
    counts = np.zeros(classes.shape[0], dtype=np.int64)
    start = 0
    for lab, cnt in label_parts:
        np.add.at(counts, codes[start:start + lab.shape[0]], cnt)
        start += lab.shape[0]
    est._check_solver_classes(classes)
    per_class = est._per_class_weight(classes, counts)
    blocks = client.map(
        _encode_block, prepared, classes=classes, per_class=per_class,
        pure=False, key=[f"clogreg-block-{fit_id}-{i}" for i in range(len(prepared))])
    del prepared
    sums = client.gather(client.map(
        _block_sums, blocks, pure=False,
        key=[f"clogreg-weights-{fit_id}-{i}" for i in range(len(blocks))]))
    weight_sum = 0.0
    totals = np.zeros(classes.shape[0])
    for wsum, tot in sums:
        weight_sum += wsum
        totals[:tot.shape[0]] += tot
    if not weight_sum > 0:
        raise ValueError("the sample weights (times the class weights) sum to 0")
    k = 1 if classes.shape[0] == 2 else classes.shape[0]
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    data = DaskData(client, blocks, X.shape[0], X.shape[1], k, est.fit_intercept,
                    np.dtype(dtype), weight_sum, totals)
    return data, classes, names


# ----------------------------------------------------------- prediction
def _predict_block(x, model, method):
    return getattr(model, method)(x)


def map_prediction(model, method, X):
    """``model.method`` on each row block of the Dask collection X, lazily
    (the same kernels on each block); the feature names and count are
    checked now, the values when the blocks are computed."""
    import copy
    state = model.__dict__
    check_feature_names(state.get("feature_names_in_"), X)
    X, _ = _as_row_blocks(X)
    if X.shape[1] != state["n_features_in_"]:
        raise ValueError(f"X has {X.shape[1]} features, but {type(model).__name__} "
                         f"is expecting {state['n_features_in_']} features as "
                         "input (the number it was fitted with)")
    # The blocks are plain arrays: a copy without the names predicts them.
    model = copy.copy(model)
    model.__dict__.pop("feature_names_in_", None)
    if method == "predict":
        dtype = model.classes_.dtype
        return X.map_blocks(_predict_block, model, method, dtype=dtype,
                            drop_axis=1, name=f"clogreg-{method}")
    if method == "decision_function" and model.coef_.shape[0] == 1:
        return X.map_blocks(_predict_block, model, method, dtype=np.float64,
                            drop_axis=1, name=f"clogreg-{method}")
    width = model.coef_.shape[0] if method == "decision_function" \
        else max(model.coef_.shape[0], 2)
    dtype = np.float64 if method in ("decision_function", "predict_log_proba") \
        else (np.float32 if X.dtype == np.float32 else np.float64)
    return X.map_blocks(_predict_block, model, method, dtype=dtype,
                        chunks=(X.chunks[0], (width,)),
                        name=f"clogreg-{method}")


__all__ = ["DaskData", "is_dask_collection", "map_prediction", "prepare"]
