/*
 * A plain-C extension that calls clogreg's kernels through its C API.
 *
 * The C API is the header "clogreg/capi_api.h", which clogreg installs in
 * its package (put clogreg.get_include() on the include path).  The header
 * declares one function pointer per kernel; import_clogreg__capi(), called
 * once in the module init function below, imports clogreg.capi and fills
 * them in.  After that the kernels are plain C calls that need no GIL.
 *
 * Arrays arrive through the buffer protocol (numpy arrays, array.array,
 * memoryviews, ...), so this file needs no numpy headers.  X may be float64
 * or float32, C-contiguous; everything else is float64, and y is C int.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "clogreg/capi_api.h"

/* Element types this module accepts. */
enum kind { KIND_F64, KIND_F32, KIND_INT };

/* Which kind a buffer holds, or -1.  Formats are native byte order. */
static int buffer_kind(const Py_buffer *b)
{
    const char *f = b->format ? b->format : "B";
    if (*f == '@' || *f == '=')
        f++;
    if (f[0] == '\0' || f[1] != '\0')
        return -1;
    if (*f == 'd' && b->itemsize == 8)
        return KIND_F64;
    if (*f == 'f' && b->itemsize == 4)
        return KIND_F32;
    if ((*f == 'i' || *f == 'l') && b->itemsize == (Py_ssize_t)sizeof(int))
        return KIND_INT;
    return -1;
}

/* Get a C-contiguous buffer of `ndim` dimensions holding one of the kinds
 * in `allowed` (a bit mask).  Returns its kind, or -1 with an exception. */
static int get_array(PyObject *obj, Py_buffer *b, int ndim, unsigned allowed,
                     int writable, const char *name)
{
    int kind;
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, b, flags) < 0)
        return -1;
    kind = buffer_kind(b);
    if (b->ndim != ndim || kind < 0 || !(allowed & (1u << kind))) {
        PyErr_Format(PyExc_TypeError,
                     "%s must be a %d-D C-contiguous array of %s", name, ndim,
                     allowed == (1u << KIND_INT) ? "C int" :
                     allowed == (1u << KIND_F64) ? "float64" : "float64 or float32");
        PyBuffer_Release(b);
        return -1;
    }
    return kind;
}

static PyObject *py_capi_version(PyObject *self, PyObject *noargs)
{
    return PyLong_FromLong(clogreg_capi_version());
}

static PyObject *py_sigmoid(PyObject *self, PyObject *arg)
{
    double z = PyFloat_AsDouble(arg);
    if (z == -1.0 && PyErr_Occurred())
        return NULL;
    return PyFloat_FromDouble(clogreg_sigmoid(z));
}

static PyObject *py_log1pexp(PyObject *self, PyObject *arg)
{
    double z = PyFloat_AsDouble(arg);
    if (z == -1.0 && PyErr_Occurred())
        return NULL;
    return PyFloat_FromDouble(clogreg_log1pexp(z));
}

/* softmax_row(scores, out) -> log(sum(exp(scores))); float64 or float32,
 * both of the same type and length. */
static PyObject *py_softmax_row(PyObject *self, PyObject *args)
{
    PyObject *scores_obj, *out_obj, *result = NULL;
    Py_buffer s, o;
    int ks, ko;
    double lse;
    const unsigned floats = (1u << KIND_F64) | (1u << KIND_F32);
    if (!PyArg_ParseTuple(args, "OO", &scores_obj, &out_obj))
        return NULL;
    if ((ks = get_array(scores_obj, &s, 1, floats, 0, "scores")) < 0)
        return NULL;
    if ((ko = get_array(out_obj, &o, 1, floats, 1, "out")) < 0)
        goto release_s;
    if (ko != ks || o.shape[0] != s.shape[0] || s.shape[0] < 1) {
        PyErr_SetString(PyExc_ValueError,
                        "scores and out must be non-empty, of one dtype and length");
        goto release_o;
    }
    Py_BEGIN_ALLOW_THREADS
    if (ks == KIND_F64)
        lse = clogreg_softmax_row_f64((const double *)s.buf, (double *)o.buf, s.shape[0]);
    else
        lse = clogreg_softmax_row_f32((const float *)s.buf, (float *)o.buf, s.shape[0]);
    Py_END_ALLOW_THREADS
    result = PyFloat_FromDouble(lse);
release_o:
    PyBuffer_Release(&o);
release_s:
    PyBuffer_Release(&s);
    return result;
}

/* Buffers of a model: coef (n_classes, n_features) and intercept
 * (n_classes,) or None. */
typedef struct {
    Py_buffer coef, intercept;
    int has_intercept;
} model_buffers;

static int get_model(PyObject *coef_obj, PyObject *intercept_obj,
                     Py_ssize_t n_features, model_buffers *m)
{
    m->has_intercept = intercept_obj != Py_None;
    if (get_array(coef_obj, &m->coef, 2, 1u << KIND_F64, 0, "coef") < 0)
        return -1;
    if (m->coef.shape[1] != n_features || m->coef.shape[0] < 1) {
        PyErr_SetString(PyExc_ValueError, "coef must have shape (n_classes, n_features)");
        PyBuffer_Release(&m->coef);
        return -1;
    }
    if (m->has_intercept) {
        if (get_array(intercept_obj, &m->intercept, 1, 1u << KIND_F64, 0,
                      "intercept") < 0) {
            PyBuffer_Release(&m->coef);
            return -1;
        }
        if (m->intercept.shape[0] != m->coef.shape[0]) {
            PyErr_SetString(PyExc_ValueError, "intercept must have n_classes entries");
            PyBuffer_Release(&m->intercept);
            PyBuffer_Release(&m->coef);
            return -1;
        }
    }
    return 0;
}

static void release_model(model_buffers *m)
{
    if (m->has_intercept)
        PyBuffer_Release(&m->intercept);
    PyBuffer_Release(&m->coef);
}

/* loss_grad(X, y, coef, intercept, grad_coef, grad_intercept, n_threads=1)
 * -> weighted log-loss sum; the gradients are written into grad_coef
 * (shaped like coef) and grad_intercept (ignored when intercept is None). */
static PyObject *py_loss_grad(PyObject *self, PyObject *args)
{
    PyObject *X_obj, *y_obj, *coef_obj, *intercept_obj, *gc_obj, *gi_obj;
    PyObject *result = NULL;
    Py_buffer X, y, gc, gi;
    model_buffers m;
    int kx, n_threads = 1;
    Py_ssize_t n, d, K;
    double loss;
    if (!PyArg_ParseTuple(args, "OOOOOO|i", &X_obj, &y_obj, &coef_obj,
                          &intercept_obj, &gc_obj, &gi_obj, &n_threads))
        return NULL;
    if ((kx = get_array(X_obj, &X, 2, (1u << KIND_F64) | (1u << KIND_F32), 0, "X")) < 0)
        return NULL;
    n = X.shape[0];
    d = X.shape[1];
    if (get_array(y_obj, &y, 1, 1u << KIND_INT, 0, "y") < 0)
        goto release_X;
    if (get_model(coef_obj, intercept_obj, d, &m) < 0)
        goto release_y;
    K = m.coef.shape[0];
    if (get_array(gc_obj, &gc, 2, 1u << KIND_F64, 1, "grad_coef") < 0)
        goto release_m;
    if (m.has_intercept &&
            get_array(gi_obj, &gi, 1, 1u << KIND_F64, 1, "grad_intercept") < 0)
        goto release_gc;
    if (n < 1 || y.shape[0] != n || gc.shape[0] != K || gc.shape[1] != d ||
            (m.has_intercept && gi.shape[0] != K)) {
        PyErr_SetString(PyExc_ValueError, "inconsistent shapes");
        goto release_gi;
    }
    Py_BEGIN_ALLOW_THREADS
    if (kx == KIND_F64)
        loss = clogreg_loss_grad_f64(
            (const double *)X.buf, n, d, (const int *)y.buf, NULL,
            (const double *)m.coef.buf,
            m.has_intercept ? (const double *)m.intercept.buf : NULL, K, NULL,
            (double *)gc.buf, m.has_intercept ? (double *)gi.buf : NULL,
            n_threads);
    else
        loss = clogreg_loss_grad_f32(
            (const float *)X.buf, n, d, (const int *)y.buf, NULL,
            (const double *)m.coef.buf,
            m.has_intercept ? (const double *)m.intercept.buf : NULL, K, NULL,
            (double *)gc.buf, m.has_intercept ? (double *)gi.buf : NULL,
            n_threads);
    Py_END_ALLOW_THREADS
    if (loss < 0.0)
        PyErr_NoMemory();
    else
        result = PyFloat_FromDouble(loss);
release_gi:
    if (m.has_intercept)
        PyBuffer_Release(&gi);
release_gc:
    PyBuffer_Release(&gc);
release_m:
    release_model(&m);
release_y:
    PyBuffer_Release(&y);
release_X:
    PyBuffer_Release(&X);
    return result;
}

/* predict_proba(X, coef, intercept, out, n_threads=1): class probabilities
 * into out, shape (n_samples, 2) for one coef row, else (n_samples, K). */
static PyObject *py_predict_proba(PyObject *self, PyObject *args)
{
    PyObject *X_obj, *coef_obj, *intercept_obj, *out_obj;
    Py_buffer X, out;
    model_buffers m;
    int kx, status, n_threads = 1;
    Py_ssize_t n, d, K, width;
    if (!PyArg_ParseTuple(args, "OOOO|i", &X_obj, &coef_obj, &intercept_obj,
                          &out_obj, &n_threads))
        return NULL;
    if ((kx = get_array(X_obj, &X, 2, (1u << KIND_F64) | (1u << KIND_F32), 0, "X")) < 0)
        return NULL;
    n = X.shape[0];
    d = X.shape[1];
    if (get_model(coef_obj, intercept_obj, d, &m) < 0) {
        PyBuffer_Release(&X);
        return NULL;
    }
    K = m.coef.shape[0];
    width = K == 1 ? 2 : K;
    if (get_array(out_obj, &out, 2, 1u << KIND_F64, 1, "out") < 0) {
        status = -2;
    } else if (out.shape[0] != n || out.shape[1] != width) {
        PyErr_SetString(PyExc_ValueError, "out must have shape (n_samples, max(2, n_classes))");
        PyBuffer_Release(&out);
        status = -2;
    } else {
        Py_BEGIN_ALLOW_THREADS
        if (kx == KIND_F64)
            status = clogreg_predict_proba_f64(
                (const double *)X.buf, n, d, (const double *)m.coef.buf,
                m.has_intercept ? (const double *)m.intercept.buf : NULL, K,
                (double *)out.buf, n_threads);
        else
            status = clogreg_predict_proba_f32(
                (const float *)X.buf, n, d, (const double *)m.coef.buf,
                m.has_intercept ? (const double *)m.intercept.buf : NULL, K,
                (double *)out.buf, n_threads);
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&out);
        if (status != 0)
            PyErr_NoMemory();
    }
    release_model(&m);
    PyBuffer_Release(&X);
    if (status != 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"capi_version", py_capi_version, METH_NOARGS, "clogreg_capi_version()"},
    {"sigmoid", py_sigmoid, METH_O, "clogreg_sigmoid(z)"},
    {"log1pexp", py_log1pexp, METH_O, "clogreg_log1pexp(z)"},
    {"softmax_row", py_softmax_row, METH_VARARGS,
     "softmax_row(scores, out) -> log-sum-exp; softmax written into out"},
    {"loss_grad", py_loss_grad, METH_VARARGS,
     "loss_grad(X, y, coef, intercept, grad_coef, grad_intercept, n_threads=1)"
     " -> loss sum; gradients written into grad_coef and grad_intercept"},
    {"predict_proba", py_predict_proba, METH_VARARGS,
     "predict_proba(X, coef, intercept, out, n_threads=1): probabilities into out"},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "embed_c",
    "Example: clogreg's kernels called from C through clogreg/capi_api.h.",
    -1, methods
};

PyMODINIT_FUNC PyInit_embed_c(void)
{
    /* Import clogreg.capi and bind the kernels; -1 means an exception is
     * set (clogreg missing, or built with other function signatures). */
    if (import_clogreg__capi() < 0)
        return NULL;
    return PyModule_Create(&module);
}
