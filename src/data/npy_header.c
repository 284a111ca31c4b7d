/* The NPY header (numpy's format description, NEP 1): a magic string, a version,
 * a length, and a Python dict literal {'descr': ..., 'fortran_order': ...,
 * 'shape': (...)}. Everything it says is checked here before any data is read:
 * a header is untrusted input. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "data/npy_header.h"

static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

lg_status lg_npy_header_size(const unsigned char *buf, size_t len, const char *path,
                             size_t *need)
{
    if (len == 0)
        return lg_fail(LG_EPARSE, "%s: the file is empty (expected an NPY file)", path);
    size_t cmp = len < sizeof magic ? len : sizeof magic;
    if (memcmp(buf, magic, cmp) != 0)
        return lg_fail(LG_EPARSE, "%s: not an NPY file: it does not begin with the NPY magic "
                       "\\x93NUMPY", path);
    if (len < 8)
        return lg_fail(LG_EPARSE, "%s: truncated: the file ends inside the NPY header", path);
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return lg_fail(LG_EPARSE, "%s: NPY format version %u.%u is not one lingrad reads "
                       "(1.0, 2.0 or 3.0)", path, major, minor);
    size_t prefix = major == 1 ? LG_NPY_PREFIX_V1 : LG_NPY_PREFIX_V2;
    if (len < prefix)
        return lg_fail(LG_EPARSE, "%s: truncated: the file ends inside the NPY header", path);
    /* 1.0 has a 2-byte length, 2.0 and 3.0 a 4-byte one; both little-endian */
    size_t hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    if (major > 1)
        hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    if (hlen > LG_NPY_MAX_HEADER)
        return lg_fail(LG_EPARSE, "%s: the NPY header says it is %zu bytes long; lingrad reads "
                       "headers of up to %zu bytes", path, hlen, LG_NPY_MAX_HEADER);
    *need = prefix + hlen;
    return LG_OK;
}

/* ---- the dict literal ------------------------------------------------------------ */

typedef struct cursor {
    const char *start, *p, *end;
    const char *path;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static bool eat(cursor *c, char ch)
{
    skip_space(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

static lg_status malformed(const cursor *c, const char *expected)
{
    return lg_fail(LG_EPARSE, "%s: malformed NPY header: expected %s at byte %zu of the dict",
                   c->path, expected, (size_t)(c->p - c->start));
}

/* A quoted string without escapes (numpy writes none), at most cap - 1 bytes
 * kept; longer ones end in "..." so that a message can still show them. */
static lg_status read_string(cursor *c, char *out, size_t cap)
{
    skip_space(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return malformed(c, "a quoted string");
    char quote = *c->p++;
    size_t n = 0;
    bool cut = false;
    for (; c->p < c->end && *c->p != quote; c->p++) {
        if (*c->p == '\\')
            return malformed(c, "a string without escape sequences");
        if (n + 1 < cap)
            out[n++] = isprint((unsigned char)*c->p) ? *c->p : '?';
        else
            cut = true;
    }
    if (c->p >= c->end)
        return malformed(c, "the string's closing quote");
    c->p++;
    if (cut) /* cap > 4 at every call */
        memcpy(out + cap - 4, "...", 3);
    out[n] = '\0';
    return LG_OK;
}

/* After an item of a tuple or dict: its ',' (eaten), or the closing bracket
 * next (left for the loop). */
static bool separated(cursor *c, char close)
{
    if (eat(c, ','))
        return true;
    skip_space(c);
    return c->p < c->end && *c->p == close;
}

static bool eat_word(cursor *c, const char *word)
{
    skip_space(c);
    size_t len = strlen(word);
    if ((size_t)(c->end - c->p) < len || memcmp(c->p, word, len) != 0)
        return false;
    c->p += len;
    return true;
}

static lg_status read_bool(cursor *c, bool *out)
{
    if (eat_word(c, "True"))
        return *out = true, LG_OK;
    if (eat_word(c, "False"))
        return *out = false, LG_OK;
    return malformed(c, "True or False for 'fortran_order'");
}

/* A non-negative integer; the 'L' that Python 2's numpy wrote after long ints is accepted. */
static lg_status read_dim(cursor *c, uint64_t *out)
{
    skip_space(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p))
        return malformed(c, "a dimension (a non-negative integer)");
    uint64_t v = 0;
    for (; c->p < c->end && isdigit((unsigned char)*c->p); c->p++) {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return lg_fail(LG_EPARSE, "%s: NPY header: a dimension of the shape is too large",
                           c->path);
        v = 10 * v + d;
    }
    if (c->p < c->end && *c->p == 'L')
        c->p++;
    *out = v;
    return LG_OK;
}

/* (), (n,) or (a, b, ...) with an optional trailing comma. */
static lg_status read_shape(cursor *c, lg_npy_header *h)
{
    if (!eat(c, '('))
        return malformed(c, "a tuple '(' for 'shape'");
    h->ndim = 0;
    while (!eat(c, ')')) {
        if (h->ndim == LG_NPY_MAX_DIMS)
            return lg_fail(LG_EPARSE, "%s: NPY header: the shape has more than %d dimensions; "
                           "lingrad needs (2, n) or (n, 2)", c->path, LG_NPY_MAX_DIMS);
        lg_status st = read_dim(c, &h->shape[h->ndim++]);
        if (st != LG_OK)
            return st;
        if (!separated(c, ')'))
            return malformed(c, "',' or ')' in the shape");
    }
    return LG_OK;
}

static lg_status read_descr(cursor *c, lg_npy_header *h)
{
    skip_space(c);
    if (c->p < c->end && *c->p == '[')
        return lg_fail(LG_EPARSE, "%s: the array has a structured dtype (a list of fields); "
                       "lingrad reads a plain float32 ('<f4') or float64 ('<f8') array", c->path);
    char d[24];
    lg_status st = read_string(c, d, sizeof d);
    if (st != LG_OK)
        return st;
    if (strchr(d, 'O'))
        return lg_fail(LG_EPARSE, "%s: the array is an object array ('%s'): it holds Python "
                       "objects, not numbers; save a float32 or float64 array", c->path, d);
    bool order_ok = d[0] == '<' || d[0] == '>' || d[0] == '=';
    if (!order_ok || d[1] != 'f' || (d[2] != '4' && d[2] != '8') || d[3] != '\0')
        return lg_fail(LG_EPARSE, "%s: dtype '%s' is not one lingrad reads: float32 ('<f4') or "
                       "float64 ('<f8'), either byte order", c->path, d);
    h->dtype = d[2] == '4' ? LG_F32 : LG_F64;
    bool big = d[0] == '>' || (d[0] == '=' && lg_npy_host_big_endian());
    h->swap = big != lg_npy_host_big_endian();
    return LG_OK;
}

enum { KEY_DESCR = 1, KEY_FORTRAN = 2, KEY_SHAPE = 4 };

static lg_status read_entry(cursor *c, lg_npy_header *h, unsigned *seen)
{
    char key[40];
    lg_status st = read_string(c, key, sizeof key);
    if (st != LG_OK)
        return st;
    unsigned k = strcmp(key, "descr") == 0           ? KEY_DESCR
                 : strcmp(key, "fortran_order") == 0 ? KEY_FORTRAN
                 : strcmp(key, "shape") == 0         ? KEY_SHAPE
                                                     : 0;
    if (k == 0)
        return lg_fail(LG_EPARSE, "%s: NPY header has the key '%s'; it holds only 'descr', "
                       "'fortran_order' and 'shape'", c->path, key);
    if (*seen & k)
        return lg_fail(LG_EPARSE, "%s: NPY header has the key '%s' twice", c->path, key);
    *seen |= k;
    if (!eat(c, ':'))
        return malformed(c, "':' after a key");
    return k == KEY_DESCR ? read_descr(c, h) : k == KEY_FORTRAN ? read_bool(c, &h->fortran)
                                                                : read_shape(c, h);
}

static lg_status read_dict(cursor *c, lg_npy_header *h)
{
    if (!eat(c, '{'))
        return malformed(c, "the dict's '{'");
    unsigned seen = 0;
    while (!eat(c, '}')) {
        lg_status st = read_entry(c, h, &seen);
        if (st != LG_OK)
            return st;
        if (!separated(c, '}'))
            return malformed(c, "',' or '}' in the dict");
    }
    const char *missing = !(seen & KEY_DESCR) ? "descr" : !(seen & KEY_FORTRAN) ? "fortran_order"
                          : !(seen & KEY_SHAPE) ? "shape" : NULL;
    if (missing)
        return lg_fail(LG_EPARSE, "%s: NPY header has no '%s' key", c->path, missing);
    /* then only the padding: spaces and the closing newline */
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
    return c->p == c->end ? LG_OK : malformed(c, "only spaces and a newline after the dict");
}

lg_status lg_npy_parse(const unsigned char *buf, size_t len, const char *path, lg_npy_header *h)
{
    size_t need = 0;
    lg_status st = lg_npy_header_size(buf, len, path, &need);
    if (st != LG_OK)
        return st;
    if (len < need)
        return lg_fail(LG_EPARSE, "%s: truncated: the NPY header says it is %zu bytes, the file "
                       "has %zu", path, need, len);
    *h = (lg_npy_header){.major = buf[6], .minor = buf[7], .data_offset = need};
    size_t prefix = h->major == 1 ? LG_NPY_PREFIX_V1 : LG_NPY_PREFIX_V2;
    const char *dict = (const char *)buf + prefix;
    if (h->major < 3) /* 1.0 and 2.0 are latin-1; 3.0 is UTF-8, of which the keys are ASCII */
        for (size_t i = 0; i < need - prefix; i++)
            if (dict[i] == '\0')
                return lg_fail(LG_EPARSE, "%s: malformed NPY header: a NUL byte at byte %zu of "
                               "the dict", path, i);
    cursor c = {dict, dict, dict + (need - prefix), path};
    return read_dict(&c, h);
}

/* ---- the array as (x, y) pairs ----------------------------------------------------- */

static const char *shape_text(const lg_npy_header *h, char *out, size_t cap)
{
    size_t used = (size_t)snprintf(out, cap, "(");
    for (size_t i = 0; i < h->ndim && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%llu", i ? ", " : "",
                                 (unsigned long long)h->shape[i]);
    if (used < cap)
        snprintf(out + used, cap - used, h->ndim == 1 ? ",)" : ")");
    return out;
}

lg_status lg_npy_pairs(const lg_npy_header *h, const char *path, size_t *n, bool *planar,
                       uint64_t *data_bytes)
{
    char s[200];
    bool rows = h->ndim == 2 && h->shape[0] == 2, cols = h->ndim == 2 && h->shape[1] == 2;
    if (!rows && !cols)
        return lg_fail(LG_EPARSE, "%s: the array has shape %s; lingrad reads (2, n) (rows x, y) "
                       "or (n, 2) (columns x, y)", path, shape_text(h, s, sizeof s));
    if (rows && cols)
        return lg_fail(LG_EPARSE, "%s: shape (2, 2) is ambiguous: it could be (2, n) or (n, 2); "
                       "save at least three pairs", path);
    uint64_t count = rows ? h->shape[1] : h->shape[0];
    size_t esize = lg_dtype_size(h->dtype);
    if (count == 0)
        return lg_fail(LG_EPARSE, "%s: the array has shape %s: no pairs", path,
                       shape_text(h, s, sizeof s));
    if (count > SIZE_MAX / 2 / esize)
        return lg_fail(LG_EPARSE, "%s: the array has shape %s: too large for this machine", path,
                       shape_text(h, s, sizeof s));
    *n = (size_t)count;
    *planar = rows != h->fortran; /* (2, n) in C order or (n, 2) in Fortran order */
    *data_bytes = (uint64_t)count * 2 * esize;
    return LG_OK;
}
