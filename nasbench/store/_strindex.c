/* Optional native look-up for nasbench.store._lookup.StringIndex.
 *
 * Contract: rows() answers exactly what StringIndex's numpy path answers, from the same
 * index file (the buffers are numpy views of its memory map, checked in Python and again
 * here): for every input string it computes the build's hash of the string's fixed-width
 * words, reads the bucket's multiplier and the slot's row, and accepts the row only when
 * the string has the row's length and the same bytes.  It returns False at the first input
 * that is not an ASCII str or not a stored string (the caller then answers through the
 * space's parser); it reads nothing outside the buffers it is given and writes only `out`.
 *
 * The strings are processed in small batches so that the look-ups of one batch are
 * prefetched together: a first pass over cold tables waits on memory once per batch
 * instead of once per string.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch((const void *)(p), 0, 1)
#else
#define PREFETCH(p) ((void)(p))
#endif

#define MAX_WIDTH 256
#ifndef BATCH
#define BATCH 32
#endif

static int
get_buffer(PyObject *obj, Py_buffer *view, int writable, Py_ssize_t itemsize, const char *what)
{
    if (PyObject_GetBuffer(obj, view, writable ? PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS
                                               : PyBUF_C_CONTIGUOUS) < 0) {
        return -1;
    }
    if (itemsize > 1 && view->len % itemsize != 0) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes is not a whole number of %zd-byte items",
                     what, view->len, itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

static inline uint64_t
load_u64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w); /* native byte order, as numpy's uint64 view of the bytes */
    return w;
}

PyDoc_STRVAR(rows_doc,
"rows(strings, words, hash_mults, mix, bucket_mults, slot_row, lengths, width, bbits, sbits,"
" out) -> bool\n\n"
"Write the row of every string of the list or tuple `strings` into `out` (intp items);\n"
"True when every one is exactly a stored string, False at the first that is not.");

static PyObject *
rows(PyObject *self, PyObject *args)
{
    PyObject *seq_obj, *words_obj, *hm_obj, *bm_obj, *slot_obj, *len_obj, *out_obj;
    unsigned long long mix;
    Py_ssize_t width;
    int bbits, sbits;
    if (!PyArg_ParseTuple(args, "OOOKOOOniiO", &seq_obj, &words_obj, &hm_obj, &mix, &bm_obj,
                          &slot_obj, &len_obj, &width, &bbits, &sbits, &out_obj)) {
        return NULL;
    }
    if (!PyList_Check(seq_obj) && !PyTuple_Check(seq_obj)) {
        PyErr_SetString(PyExc_TypeError, "strings must be a list or a tuple");
        return NULL;
    }
    if (width <= 0 || width > MAX_WIDTH || width % 8 != 0 || bbits <= 0 || bbits >= 64
            || sbits <= 0 || sbits >= 64) {
        PyErr_Format(PyExc_ValueError, "bad index layout: width=%zd buckets=2**%d slots=2**%d",
                     width, bbits, sbits);
        return NULL;
    }
    Py_buffer words, hm, bm, slot, lens, out;
    int ok = -1; /* -1: an error is set; 0: an input is not a stored string; 1: all are */
    if (get_buffer(words_obj, &words, 0, width, "words") < 0) return NULL;
    if (get_buffer(hm_obj, &hm, 0, 8, "hash_mults") < 0) goto fail_words;
    if (get_buffer(bm_obj, &bm, 0, 8, "bucket_mults") < 0) goto fail_hm;
    if (get_buffer(slot_obj, &slot, 0, 4, "slot_row") < 0) goto fail_bm;
    if (get_buffer(len_obj, &lens, 0, 4, "lengths") < 0) goto fail_slot;
    if (get_buffer(out_obj, &out, 1, (Py_ssize_t)sizeof(Py_ssize_t), "out") < 0) goto fail_lens;

    ok = 1;
    const Py_ssize_t n_rows = words.len / width, k = width / 8;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq_obj);
    PyObject **items = PySequence_Fast_ITEMS(seq_obj);
    if (hm.len / 8 < k || bm.len / 8 != ((Py_ssize_t)1 << bbits)
            || slot.len / 4 != ((Py_ssize_t)1 << sbits) || lens.len / 4 != n_rows
            || out.len / (Py_ssize_t)sizeof(Py_ssize_t) != n) {
        PyErr_SetString(PyExc_ValueError, "index buffers do not match the layout");
        ok = -1;
        goto done;
    }
    const unsigned char *wbase = (const unsigned char *)words.buf;
    const uint64_t *hmul = (const uint64_t *)hm.buf, *bmul = (const uint64_t *)bm.buf;
    const uint32_t *slot_row = (const uint32_t *)slot.buf, *length = (const uint32_t *)lens.buf;
    Py_ssize_t *dst = (Py_ssize_t *)out.buf;
    const int bshift = 64 - bbits, sshift = 64 - sbits;

    const unsigned char *data[BATCH];
    Py_ssize_t size[BATCH];
    uint64_t hash[BATCH];
    unsigned char fixed[MAX_WIDTH];
    for (Py_ssize_t base = 0; base < n && ok == 1; base += BATCH) {
        const int m = (int)(n - base < BATCH ? n - base : BATCH);
        for (int i = 0; i < m; i++) { /* hash each string's fixed-width words */
            PyObject *s = items[base + i];
            if (!PyUnicode_Check(s)) {
                ok = 0;
                break;
            }
#if PY_VERSION_HEX < 0x030C0000
            if (PyUnicode_READY(s) < 0) {
                ok = -1;
                break;
            }
#endif
            if (!PyUnicode_IS_ASCII(s)
                    || PyUnicode_GET_LENGTH(s) > width) {
                ok = 0;
                break;
            }
            data[i] = (const unsigned char *)PyUnicode_DATA(s);
            size[i] = PyUnicode_GET_LENGTH(s);
            memset(fixed, 0, (size_t)width);
            memcpy(fixed, data[i], (size_t)size[i]);
            uint64_t h = 0;
            for (Py_ssize_t j = 0; j < k; j++) {
                h += load_u64(fixed + 8 * j) * hmul[j];
            }
            h ^= h >> 29;
            h *= (uint64_t)mix;
            h ^= h >> 32;
            hash[i] = h;
            PREFETCH(bmul + (h >> bshift));
        }
        if (ok != 1) break;
        for (int i = 0; i < m; i++) { /* the bucket's multiplier names the slot */
            hash[i] = (hash[i] * bmul[hash[i] >> bshift]) >> sshift;
            PREFETCH(slot_row + hash[i]);
        }
        for (int i = 0; i < m; i++) { /* the slot's row; fetch its string */
            const uint32_t row = slot_row[hash[i]];
            if ((Py_ssize_t)row >= n_rows) {
                ok = 0;
                break;
            }
            dst[base + i] = (Py_ssize_t)row;
            const unsigned char *w = wbase + (Py_ssize_t)row * width;
            PREFETCH(w);
            PREFETCH(w + width - 1);
            PREFETCH(length + row);
        }
        if (ok != 1) break;
        for (int i = 0; i < m; i++) { /* exact: same length, same bytes */
            const Py_ssize_t row = dst[base + i];
            if ((Py_ssize_t)length[row] != size[i]
                    || memcmp(wbase + row * width, data[i], (size_t)size[i]) != 0) {
                ok = 0;
                break;
            }
        }
    }
done:
    PyBuffer_Release(&out);
fail_lens:
    PyBuffer_Release(&lens);
fail_slot:
    PyBuffer_Release(&slot);
fail_bm:
    PyBuffer_Release(&bm);
fail_hm:
    PyBuffer_Release(&hm);
fail_words:
    PyBuffer_Release(&words);
    if (ok < 0) {
        return NULL;
    }
    return PyBool_FromLong(ok);
}

static PyMethodDef methods[] = {
    {"rows", rows, METH_VARARGS, rows_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_strindex",
    "Native exact string look-up for nasbench's string index (optional).", -1, methods,
};

PyMODINIT_FUNC
PyInit__strindex(void)
{
    return PyModule_Create(&module);
}
