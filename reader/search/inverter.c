/* reader.search._inverter: postings of many texts, made without a Python object a word.

Why in C. Inverting a million abstracts (about 200 words each) was half an
import's CPU at 1M papers: 38 us a paper in Python, of which a few are folding
the text and the rest making a string of each word, a set of them, and a dict
look-up and an append for each distinct one. A library does no better (polars:
36 us). Here each word is a run of bytes looked up in a hash table of its own;
a string is made once a distinct word, when the postings are laid out.

The rule is `reader.words`'s: a word is a run of what `fold` leaves between
spaces. An ASCII text is folded here by that rule's table (letters lowered,
digits kept, the rest spaces); any other text is folded by the `fold` it is
given, and its UTF-8 split at spaces (`fold` leaves no other separator).
`reader.search.postings.Inversion` is the Python side, and the Python
inverter the fallback where this is not built; a test holds the two equal. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;
    size_t at;     /* the word's bytes: arena[at:at + size] */
    uint32_t size;
    int32_t last;  /* the last document added to its postings */
    int32_t *docs;
    uint32_t count, room;
} Word;

typedef struct {
    PyObject_HEAD
    char *arena;
    size_t arena_used, arena_room;
    Word *words;
    size_t count, room;
    uint32_t *slots; /* a word's number + 1; 0: empty */
    size_t slot_count; /* a power of two, at least twice the words */
    long long next;   /* the least document number `add` takes next */
    uint32_t *order;  /* the words in order, once laid out; then `documents` hands their postings over */
    int failed;       /* an `add` failed part-way: its postings are not a text's whole, so none is given */
    size_t given_words, given_docs; /* how far `documents` has gone: word, and document within it */
} Inverter;

/* ASCII as `words.fold` folds it: a letter lowered, a digit kept, anything else 0 (a space). */
static unsigned char FOLDED[128];

static uint64_t hash_of(const char *bytes, size_t size) {
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < size; i++) {
        hash ^= (unsigned char)bytes[i];
        hash *= 1099511628211ULL;
    }
    return hash;
}

static int grow_slots(Inverter *self) {
    size_t count = self->slot_count ? self->slot_count * 2 : 1 << 16;
    uint32_t *slots = calloc(count, sizeof(uint32_t));
    if (!slots) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t n = 0; n < self->count; n++) {
        size_t i = self->words[n].hash & (count - 1);
        while (slots[i])
            i = (i + 1) & (count - 1);
        slots[i] = (uint32_t)(n + 1);
    }
    free(self->slots);
    self->slots = slots;
    self->slot_count = count;
    return 0;
}

static int append_doc(Word *word, int32_t doc) {
    if (word->count == word->room) {
        /* 1.5x, not 2x: the postings are most of a worker's memory, and room never used is held too */
        uint32_t room = word->room ? word->room + word->room / 2 + 1 : 2;
        int32_t *docs = realloc(word->docs, (size_t)room * sizeof(int32_t));
        if (!docs) {
            PyErr_NoMemory();
            return -1;
        }
        word->docs = docs;
        word->room = room;
    }
    word->docs[word->count++] = doc;
    word->last = doc;
    return 0;
}

/* `doc` into the postings of the word `bytes`, once however often the document has it. */
static int add_word(Inverter *self, const char *bytes, size_t size, int32_t doc) {
    uint64_t hash = hash_of(bytes, size);
    size_t mask = self->slot_count - 1;
    size_t i = hash & mask;
    while (self->slots[i]) {
        Word *word = &self->words[self->slots[i] - 1];
        if (word->hash == hash && word->size == size && memcmp(self->arena + word->at, bytes, size) == 0)
            return word->last == doc ? 0 : append_doc(word, doc);
        i = (i + 1) & mask;
    }
    if (size > UINT32_MAX || self->count >= UINT32_MAX - 1) {
        PyErr_SetString(PyExc_OverflowError, "too many words to invert");
        return -1;
    }
    if (self->arena_used + size > self->arena_room) {
        size_t room = self->arena_room ? self->arena_room : 1 << 20;
        while (self->arena_used + size > room)
            room *= 2;
        char *arena = realloc(self->arena, room);
        if (!arena) {
            PyErr_NoMemory();
            return -1;
        }
        self->arena = arena;
        self->arena_room = room;
    }
    if (self->count == self->room) {
        size_t room = self->room ? self->room * 2 : 1 << 14;
        Word *words = realloc(self->words, room * sizeof(Word));
        if (!words) {
            PyErr_NoMemory();
            return -1;
        }
        self->words = words;
        self->room = room;
    }
    memcpy(self->arena + self->arena_used, bytes, size);
    Word *word = &self->words[self->count];
    *word = (Word){.hash = hash, .at = self->arena_used, .size = (uint32_t)size, .last = -1};
    self->arena_used += size;
    self->slots[i] = (uint32_t)(++self->count);
    if (append_doc(word, doc) < 0)
        return -1;
    return self->count * 2 > self->slot_count ? grow_slots(self) : 0;
}

/* The words of folded UTF-8 (or ASCII folded here when `fold_ascii`), each added for `doc`. */
static int add_text(Inverter *self, const char *text, Py_ssize_t size, int fold_ascii, int32_t doc, char *scratch) {
    Py_ssize_t start = -1;
    for (Py_ssize_t i = 0; i <= size; i++) {
        unsigned char c = i < size ? (unsigned char)text[i] : ' ';
        int inside = fold_ascii ? (c < 128 && FOLDED[c]) : c != ' ';
        if (inside) {
            if (start < 0)
                start = i;
            if (fold_ascii)
                scratch[i] = (char)FOLDED[c];
        } else if (start >= 0) {
            const char *word = fold_ascii ? scratch + start : text + start;
            if (add_word(self, word, (size_t)(i - start), doc) < 0)
                return -1;
            start = -1;
        }
    }
    return 0;
}

/* Is it past adding and laying out (laid out already, or an `add` failed)? Says so. */
static int spent(const Inverter *self) {
    if (self->order || self->failed)
        PyErr_SetString(PyExc_ValueError, self->failed ? "an earlier add failed" : "the postings were laid out already");
    return self->order || self->failed;
}

static PyObject *Inverter_add(Inverter *self, PyObject *args) {
    PyObject *texts, *fold;
    long long first;
    if (!PyArg_ParseTuple(args, "OLO:add", &texts, &first, &fold))
        return NULL;
    if (spent(self))
        return NULL;
    PyObject *seq = PySequence_Fast(texts, "texts must be a sequence");
    if (!seq)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (first < self->next || first > INT32_MAX - n) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "document numbers must ascend and fit 31 bits");
        return NULL;
    }
    if (!self->slots && grow_slots(self) < 0) {
        Py_DECREF(seq);
        return NULL;
    }
    char *scratch = NULL;
    Py_ssize_t scratch_size = 0;
    PyObject **items = PySequence_Fast_ITEMS(seq);
    int failed = 0;
    for (Py_ssize_t k = 0; k < n && !failed; k++) {
        PyObject *text = items[k];
        int32_t doc = (int32_t)(first + k);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be str");
            failed = 1;
        } else if (PyUnicode_IS_ASCII(text)) {
            Py_ssize_t size = PyUnicode_GET_LENGTH(text);
            if (size > scratch_size) {
                char *grown = realloc(scratch, (size_t)size);
                if (!grown) {
                    PyErr_NoMemory();
                    failed = 1;
                    break;
                }
                scratch = grown;
                scratch_size = size;
            }
            failed = add_text(self, (const char *)PyUnicode_DATA(text), size, 1, doc, scratch) < 0;
        } else {
            PyObject *folded = PyObject_CallOneArg(fold, text);
            Py_ssize_t size;
            const char *utf8 = folded && PyUnicode_Check(folded) ? PyUnicode_AsUTF8AndSize(folded, &size) : NULL;
            if (folded && !PyUnicode_Check(folded))
                PyErr_SetString(PyExc_TypeError, "fold must return str");
            failed = !utf8 || add_text(self, utf8, size, 0, doc, NULL) < 0;
            Py_XDECREF(folded);
        }
    }
    free(scratch);
    Py_DECREF(seq);
    if (failed) {
        self->failed = 1;
        return NULL;
    }
    self->next = first + n;
    Py_RETURN_NONE;
}

static const Inverter *sorting; /* qsort has no context; the GIL is held while it runs */

static int by_word(const void *a, const void *b) {
    const Word *x = &sorting->words[*(const uint32_t *)a], *y = &sorting->words[*(const uint32_t *)b];
    int order = memcmp(sorting->arena + x->at, sorting->arena + y->at, x->size < y->size ? x->size : y->size);
    return order ? order : (x->size > y->size) - (x->size < y->size);
}

/* (words, offsets): the words in order (UTF-8's byte order is str's), and where each
   one's documents start in what `documents` hands over, as int64 bytes (one more: the end). */
static PyObject *Inverter_laid_out(Inverter *self, PyObject *Py_UNUSED(ignored)) {
    if (spent(self))
        return NULL;
    uint32_t *order = malloc((self->count ? self->count : 1) * sizeof(uint32_t));
    if (!order)
        return PyErr_NoMemory();
    for (size_t n = 0; n < self->count; n++)
        order[n] = (uint32_t)n;
    sorting = self;
    qsort(order, self->count, sizeof(uint32_t), by_word);
    sorting = NULL;
    PyObject *words = PyList_New((Py_ssize_t)self->count);
    PyObject *offsets = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((self->count + 1) * sizeof(int64_t)));
    if (!words || !offsets) {
        free(order);
        Py_XDECREF(words);
        Py_XDECREF(offsets);
        return NULL;
    }
    int64_t *offset = (int64_t *)PyBytes_AS_STRING(offsets);
    int64_t at = 0;
    for (size_t n = 0; n < self->count; n++) {
        Word *word = &self->words[order[n]];
        PyObject *text = PyUnicode_DecodeUTF8(self->arena + word->at, word->size, "strict");
        if (!text) {
            free(order);
            Py_DECREF(words);
            Py_DECREF(offsets);
            return NULL;
        }
        PyList_SET_ITEM(words, (Py_ssize_t)n, text);
        offset[n] = at;
        at += word->count;
    }
    offset[self->count] = at;
    self->order = order;
    return Py_BuildValue("(NN)", words, offsets);
}

/* The next of the laid-out words' documents, int32 bytes, at most `limit` of them (b"":
   all are given). Each word's postings are freed once given, so they are never held twice. */
static PyObject *Inverter_documents(Inverter *self, PyObject *arg) {
    Py_ssize_t limit = PyLong_AsSsize_t(arg);
    if (limit == -1 && PyErr_Occurred())
        return NULL;
    if (!self->order || limit < (Py_ssize_t)sizeof(int32_t)) {
        PyErr_SetString(PyExc_ValueError, "lay the postings out first, and ask for at least one document");
        return NULL;
    }
    size_t room = (size_t)limit / sizeof(int32_t), size = 0;
    for (size_t n = self->given_words, d = self->given_docs; n < self->count && size < room; n++, d = 0)
        size += self->words[self->order[n]].count - d;
    PyObject *chunk = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)((size < room ? size : room) * sizeof(int32_t)));
    if (!chunk)
        return NULL;
    int32_t *into = (int32_t *)PyBytes_AS_STRING(chunk);
    size_t left = size < room ? size : room;
    while (left) {
        Word *word = &self->words[self->order[self->given_words]];
        size_t take = word->count - self->given_docs;
        if (take > left)
            take = left;
        memcpy(into, word->docs + self->given_docs, take * sizeof(int32_t));
        into += take;
        left -= take;
        self->given_docs += take;
        if (self->given_docs == word->count) {
            free(word->docs);
            word->docs = NULL;
            self->given_words++;
            self->given_docs = 0;
        }
    }
    return chunk;
}

static void Inverter_dealloc(Inverter *self) {
    for (size_t n = 0; n < self->count; n++)
        free(self->words[n].docs);
    free(self->words);
    free(self->arena);
    free(self->slots);
    free(self->order);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMethodDef Inverter_methods[] = {
    {"add", (PyCFunction)Inverter_add, METH_VARARGS,
     "add(texts, first, fold): texts (str) of the documents first, first + 1, ... (above any added before)."},
    {"laid_out", (PyCFunction)Inverter_laid_out, METH_NOARGS,
     "laid_out() -> (words, offsets): the words sorted, and int64 bytes of where their documents start; once."},
    {"documents", (PyCFunction)Inverter_documents, METH_O,
     "documents(limit) -> bytes: the next int32 documents, word after word, at most limit bytes; b'' at the end."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject InverterType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "reader.search._inverter.Inverter",
    .tp_doc = "Postings of texts, word by word.",
    .tp_basicsize = sizeof(Inverter),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_dealloc = (destructor)Inverter_dealloc,
    .tp_methods = Inverter_methods,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_inverter", "Postings of texts, in C.", -1, NULL};

PyMODINIT_FUNC PyInit__inverter(void) {
    for (int c = 0; c < 128; c++) {
        if (c >= 'A' && c <= 'Z')
            FOLDED[c] = (unsigned char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            FOLDED[c] = (unsigned char)c;
    }
    if (PyType_Ready(&InverterType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&module);
    if (!m)
        return NULL;
    Py_INCREF(&InverterType);
    if (PyModule_AddObject(m, "Inverter", (PyObject *)&InverterType) < 0) {
        Py_DECREF(&InverterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
