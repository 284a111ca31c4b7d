/* .npy (src/data/npy.c, npy_header.c). The files are built here byte by byte
 * from the format's description (NEP 1), so the reader is checked against the
 * format and not against lg_npy_write: every layout, dtype, byte order and
 * version reads bit-exactly into both dtypes; each defect is refused with a
 * message naming the file and what is wrong, and no tensors; what lg_npy_write
 * writes is np.save's layout and reads back as it was. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <float.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data/npy_header.h"

static char dir[] = "/tmp/lingrad-test-npy-XXXXXX";

static const char *path_of(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static bool host_big(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 0;
}

/* ---- building files ------------------------------------------------------------------ */

typedef struct elem_type {
    lg_dtype dt;
    bool big; /* stored big-endian ('>'), else little ('<') */
} elem_type;

typedef struct layout {
    bool rows;    /* shape (2, n), x in row 0; else (n, 2), x in column 0 */
    bool fortran; /* 'fortran_order': True */
} layout;

/* The header's version, and where its padding puts the data: at an offset
 * that is `rem` modulo `mod` (numpy: 0 modulo 64). */
typedef struct format {
    unsigned major, minor;
    size_t mod, rem;
} format;

#define V1 ((format){1, 0, 64, 0})
#define V2 ((format){2, 0, 64, 0})
#define V3 ((format){3, 0, 64, 0})

/* v as the file stores it: its f4 or f8 bytes (rounded here, in IEEE mode), in
 * the file's byte order. */
static void encode(double v, elem_type t, unsigned char *out)
{
    unsigned char b[8];
    size_t es = lg_dtype_size(t.dt);
    float f = (float)v;
    memcpy(b, t.dt == LG_F32 ? (const void *)&f : (const void *)&v, es);
    for (size_t k = 0; k < es; k++)
        out[k] = b[t.big != host_big() ? es - 1 - k : k];
}

/* Where pair i's x (which 0) or y (1) lies, by numpy's definition rather than
 * the reader's: element (a, b) of an (r, c) array is at a * c + b in C order,
 * at a + b * r in Fortran order. */
static size_t file_index(layout l, size_t n, size_t i, int which)
{
    size_t a = l.rows ? (size_t)which : i, b = l.rows ? i : (size_t)which;
    size_t r = l.rows ? 2 : n, c = l.rows ? n : 2;
    return l.fortran ? a + b * r : a * c + b;
}

/* The array's bytes for pairs (x[i], y[i]); the caller frees them. */
static unsigned char *array_bytes(const double *x, const double *y, size_t n, layout l,
                                  elem_type t, size_t *bytes)
{
    size_t es = lg_dtype_size(t.dt);
    unsigned char *d = malloc(2 * n * es);
    if (!d)
        abort(); /* a test that cannot allocate a few MB has nothing to say */
    for (size_t i = 0; i < n; i++)
        for (int w = 0; w < 2; w++)
            encode(w ? y[i] : x[i], t, d + file_index(l, n, i, w) * es);
    *bytes = 2 * n * es;
    return d;
}

/* The dict numpy writes for such an array. */
static void dict_for(char *out, size_t cap, layout l, elem_type t, size_t n)
{
    snprintf(out, cap, "{'descr': '%c%s', 'fortran_order': %s, 'shape': (%zu, %zu), }",
             t.big ? '>' : '<', t.dt == LG_F32 ? "f4" : "f8", l.fortran ? "True" : "False",
             l.rows ? (size_t)2 : n, l.rows ? n : (size_t)2);
}

/* Magic, version, the header's length (little-endian: 2 bytes in 1.0, 4 from
 * 2.0), the dict, then spaces and a closing '\n' up to the data's offset. Returns
 * the header's size; out holds at least strlen(dict) + 12 + f.mod bytes. */
static size_t header(unsigned char *out, format f, const char *dict)
{
    size_t prefix = f.major == 1 ? 10 : 12, len = strlen(dict), total = prefix + len + 1;
    while (total % f.mod != f.rem)
        total++;
    size_t hlen = total - prefix;
    memcpy(out, "\x93NUMPY", 6);
    out[6] = (unsigned char)f.major;
    out[7] = (unsigned char)f.minor;
    for (size_t k = 0; k < prefix - 8; k++)
        out[8 + k] = (unsigned char)(hlen >> 8 * k);
    memcpy(out + prefix, dict, len);
    memset(out + prefix + len, ' ', total - 1 - prefix - len);
    out[total - 1] = '\n';
    return total;
}

/* The file `name` holding a then b (either may be empty). */
static const char *write_parts(const char *name, const void *a, size_t alen, const void *b,
                               size_t blen)
{
    const char *path = path_of(name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(a, 1, alen, f) == alen && fwrite(b, 1, blen, f) == blen);
        CHECK(fclose(f) == 0);
    }
    return path;
}

static const char *write_npy(const char *name, format f, const char *dict, const void *data,
                             size_t bytes)
{
    unsigned char h[1024];
    size_t hlen = header(h, f, dict);
    return write_parts(name, h, hlen, data, bytes);
}

/* Pairs with a different x and y in each, of both signs, not round in binary
 * (so f64 -> f32 rounds), and in the first pairs the edges: -0, f32 subnormals
 * (1e-45 rounds to the smallest), values near FLT_MAX, an f64 subnormal. */
static void fill_pairs(double *x, double *y, size_t n)
{
    static const double edges[][2] = {{-0.0, 1e-40}, {3.0e38, -1e-45}, {1e-310, -3.4e38}};
    for (size_t i = 0; i < n; i++) {
        x[i] = (i % 2 ? -1.0 : 1.0) * ((double)i / 3.0 + 0.1);
        y[i] = 1e-3 * (double)i - 2.0 / 7.0;
    }
    for (size_t k = 0; k < 3 && k < n; k++)
        x[k] = edges[k][0], y[k] = edges[k][1];
}

/* ---- checking reads ------------------------------------------------------------------ */

/* The first i at which t differs, bit for bit, from v[i] as stored in a `file`
 * array and then converted to t's dtype ((float): to nearest), or SIZE_MAX. */
static size_t first_mismatch(const lg_tensor *t, const double *v, size_t n, lg_dtype file)
{
    const void *d = lg_tensor_cdata(t);
    for (size_t i = 0; i < n; i++) {
        double s = file == LG_F32 ? (double)(float)v[i] : v[i];
        float s32 = (float)s;
        bool same = lg_tensor_dtype(t) == LG_F32
                        ? memcmp(&s32, (const float *)d + i, sizeof s32) == 0
                        : memcmp(&s, (const double *)d + i, sizeof s) == 0;
        if (!same)
            return i;
    }
    return SIZE_MAX;
}

static void check_read_as(const char *path, const char *what, lg_dtype to, const double *x,
                          const double *y, size_t n, lg_dtype file)
{
    lg_tensor *rx = NULL, *ry = NULL;
    CHECK_OK(lg_npy_read(path, to, &rx, &ry));
    bool sized = rx && ry && lg_tensor_size(rx) == n && lg_tensor_size(ry) == n;
    CHECK(sized);
    size_t bx = sized ? first_mismatch(rx, x, n, file) : 0;
    size_t by = sized ? first_mismatch(ry, y, n, file) : 0;
    if (bx != SIZE_MAX || by != SIZE_MAX)
        fprintf(stderr, "%s, read as %s: x first differs at %zu, y at %zu (%zu: nowhere)\n",
                what, lg_dtype_name(to), bx, by, SIZE_MAX);
    CHECK(bx == SIZE_MAX && by == SIZE_MAX);
    lg_tensor_free(rx);
    lg_tensor_free(ry);
}

/* path holds the pairs (x[i], y[i]) as `file` values: probe says so, and both
 * dtypes read them. */
static void check_reads(const char *path, const char *what, const double *x, const double *y,
                        size_t n, lg_dtype file)
{
    lg_dtype dt = (lg_dtype)-1;
    size_t pn = 0;
    CHECK_OK(lg_npy_probe(path, &dt, &pn));
    if (dt != file || pn != n)
        fprintf(stderr, "%s: probe says %zu pairs of dtype %d\n", what, pn, (int)dt);
    CHECK(dt == file && pn == n);
    check_read_as(path, what, LG_F32, x, y, n, file);
    check_read_as(path, what, LG_F64, x, y, n, file);
}

/* ---- accepted ------------------------------------------------------------------------ */

/* Every layout x dtype x byte order x version; n from a single pair to many of
 * lingrad's blocks (2,048 to 16,384 pairs, exec/parallel.h), so the threaded
 * copy and a short last block are exercised. */
static void test_layouts(void)
{
    static const size_t ns[] = {1, 3, 4097, 100003};
    static const layout layouts[] = {{true, false}, {false, false}, {true, true}, {false, true}};
    static const elem_type types[] = {{LG_F32, false}, {LG_F64, false}, {LG_F32, true},
                                      {LG_F64, true}};
    const format formats[] = {V1, V2, V3};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++) {
        size_t n = ns[a], bytes;
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        if (!x || !y)
            abort();
        fill_pairs(x, y, n);
        for (size_t b = 0; b < 4; b++)
            for (size_t c = 0; c < 4; c++) {
                char dict[128], what[200];
                unsigned char *data = array_bytes(x, y, n, layouts[b], types[c], &bytes);
                dict_for(dict, sizeof dict, layouts[b], types[c], n);
                for (size_t d = 0; d < 3; d++) {
                    const char *p = write_npy("layout.npy", formats[d], dict, data, bytes);
                    snprintf(what, sizeof what, "version %u.0, %s", formats[d].major, dict);
                    check_reads(p, what, x, y, n, types[c].dt);
                }
                free(data);
            }
        free(x), free(y);
    }
}

/* Dicts numpy does not write but Python reads as the same literal (numpy's own
 * reader accepts them). */
static void test_header_forms(void)
{
    static const char *const dicts[] = {
        "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (3, 2)}",
        "{  'descr' :  '<f8' ,'fortran_order':False ,  'shape' : ( 3 ,  2 ) ,  }",
        "{'descr':\t'<f8',\t'fortran_order': False, 'shape': (3L, 2L), }",
        "{'shape': (3, 2,), 'fortran_order': False, 'descr': '<f8'}",
        "{'descr':'<f8','fortran_order':False,'shape':(3,2)}",
    };
    const size_t n = 3;
    double x[3], y[3];
    fill_pairs(x, y, n);
    size_t bytes;
    unsigned char *data = array_bytes(x, y, n, (layout){false, false}, (elem_type){LG_F64, false},
                                      &bytes);
    for (size_t i = 0; i < sizeof dicts / sizeof dicts[0]; i++)
        check_reads(write_npy("form.npy", V1, dicts[i], data, bytes), dicts[i], x, y, n, LG_F64);
    free(data);
}

/* A header not padded to 64 bytes is valid too (numpy reads it): the data then
 * lies at an odd offset, which the copy must not read as aligned floats (UBSan
 * says so; a vectorised loop could fault). Planar and interleaved, f4 and f8,
 * over more than one block. */
static void test_unpadded_headers(void)
{
    const format odd[] = {{1, 0, 8, 3}, {2, 0, 8, 5}, {3, 0, 4, 1}};
    const size_t n = 5000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y)
        abort();
    fill_pairs(x, y, n);
    for (size_t k = 0; k < 4; k++) {
        elem_type t = {k % 2 ? LG_F64 : LG_F32, false};
        layout l = {k / 2 == 1, false};
        char dict[128];
        size_t bytes;
        dict_for(dict, sizeof dict, l, t, n);
        unsigned char *data = array_bytes(x, y, n, l, t, &bytes);
        for (size_t f = 0; f < 3; f++)
            check_reads(write_npy("odd.npy", odd[f], dict, data, bytes), dict, x, y, n, t.dt);
        free(data);
    }
    free(x), free(y);
}

/* ---- refused ------------------------------------------------------------------------- */

/* Reading path into dt fails with `want`, a message naming the file and saying
 * `phrase`, and both tensors NULL. */
static void refused_as(const char *path, lg_dtype dt, lg_status want, const char *phrase)
{
    int before = check_failures;
    lg_tensor *x = (lg_tensor *)1, *y = (lg_tensor *)1; /* must come back NULL */
    CHECK_STATUS(lg_npy_read(path, dt, &x, &y), want);
    CHECK(x == NULL && y == NULL);
    CHECK_ERROR_HAS(path);
    CHECK_ERROR_HAS(phrase);
    if (check_failures != before)
        fprintf(stderr, "  in the case: %s\n", phrase);
}

/* A file refused for what it is, whatever the dtype asked for: by probe too. */
static void refused(const char *path, lg_status want, const char *phrase)
{
    refused_as(path, LG_F64, want, phrase);
    refused_as(path, LG_F32, want, phrase);
    lg_dtype dt;
    size_t n;
    CHECK_STATUS(lg_npy_probe(path, &dt, &n), want);
    CHECK_ERROR_HAS(phrase);
}

/* A valid (3, 2) '<f8' header; data of 48 bytes fits it. */
static const char ok_dict[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }";
static const unsigned char zeros[64];

/* The fixed part before the dict: magic and version. */
static void test_refused_prefix(void)
{
    unsigned char h[1024];
    size_t len = header(h, V1, ok_dict);
    refused(write_parts("empty.npy", "", 0, "", 0), LG_EPARSE, "the file is empty");
    refused(write_parts("short.npy", h, 4, "", 0), LG_EPARSE,
            "truncated: the file ends inside the NPY header");
    h[5] = 'X';
    refused(write_parts("magic.npy", h, len, zeros, 48), LG_EPARSE,
            "does not begin with the NPY magic");
    h[5] = 'Y', h[6] = 4;
    refused(write_parts("v4.npy", h, len, zeros, 48), LG_EPARSE,
            "NPY format version 4.0 is not one lingrad reads");
    h[6] = 1, h[7] = 1;
    refused(write_parts("v11.npy", h, len, zeros, 48), LG_EPARSE, "version 1.1 is not one");
    len = header(h, V2, ok_dict);
    refused(write_parts("short-v2.npy", h, 11, "", 0), LG_EPARSE, "ends inside the NPY header");
}

/* The sizes the header states, against its limit and the file's size. */
static void test_refused_lengths(void)
{
    unsigned char h[1024];
    size_t len = header(h, V1, ok_dict);
    h[8] = 0xe8, h[9] = 0x03; /* 1000 bytes, more than the file holds */
    char phrase[100];
    snprintf(phrase, sizeof phrase, "truncated: the NPY header says it is 1010 bytes, the file "
             "has %zu", len + 48);
    refused(write_parts("long-header.npy", h, len, zeros, 48), LG_EPARSE, phrase);
    len = header(h, V2, ok_dict);
    size_t over = LG_NPY_MAX_HEADER + 1;
    for (int k = 0; k < 4; k++)
        h[8 + k] = (unsigned char)(over >> 8 * k);
    snprintf(phrase, sizeof phrase, "says it is %zu bytes long; lingrad reads headers of up to "
             "%zu bytes", over, LG_NPY_MAX_HEADER);
    refused(write_parts("huge-header.npy", h, len, zeros, 48), LG_EPARSE, phrase);
    /* exactly the limit is allowed: then the file is too short for it */
    h[8] = 0, h[9] = 0, h[10] = 0x10;
    refused(write_parts("max-header.npy", h, len, zeros, 48), LG_EPARSE,
            "truncated: the NPY header says it is 1048588 bytes");
    refused(write_npy("data-short.npy", V1, ok_dict, zeros, 47), LG_EPARSE,
            "truncated: the header describes 48 bytes of data (3 pairs of f64), the file "
            "holds 47");
    refused(write_npy("data-long.npy", V1, ok_dict, zeros, 49), LG_EPARSE,
            "the file holds 49 bytes of data, but its header describes 48 (3 pairs of f64)");
}

typedef struct dict_case {
    const char *dict, *phrase;
} dict_case;

/* The dict's keys, dtype and shape. */
static void test_refused_dict(void)
{
    static const dict_case cases[] = {
        {"{'descr': '<f8', 'fortran_order': False, }", "NPY header has no 'shape' key"},
        {"{'fortran_order': False, 'shape': (3, 2), }", "NPY header has no 'descr' key"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), 'extra': 1, }",
         "NPY header has the key 'extra'; it holds only"},
        {"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
         "NPY header has the key 'descr' twice"},
        {"{'descr': '<i4', 'fortran_order': False, 'shape': (3, 2), }",
         "dtype '<i4' is not one lingrad reads"},
        {"{'descr': '<f2', 'fortran_order': False, 'shape': (3, 2), }", "dtype '<f2' is not one"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': (3, 2), }",
         "is an object array ('|O')"},
        {"{'descr': [('x', '<f8'), ('y', '<f8')], 'fortran_order': False, 'shape': (3,), }",
         "has a structured dtype"},
        {"{'descr': '<f8', 'fortran_order': 0, 'shape': (3, 2), }", "True or False"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': [3, 2], }", "malformed NPY header"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), ", "malformed NPY header"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }", "has shape (3, 5);"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", "has shape (5,);"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (), }", "has shape ();"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2, 2), }",
         "has shape (2, 2, 2);"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }",
         "shape (2, 2) is ambiguous"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 0), }",
         "has shape (2, 0): no pairs"},
        {"{'descr': '<f8', 'fortran_order': True, 'shape': (0, 2), }",
         "has shape (0, 2): no pairs"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 99999999999999999999), }",
         "a dimension of the shape is too large"},
        {"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 9999999999999999999), }",
         "too large for this machine"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        refused(write_npy("dict.npy", V1, cases[i].dict, zeros, 48), LG_EPARSE,
                cases[i].phrase);
}

typedef struct bad_value {
    size_t i;
    int which; /* 0: x, 1: y */
    double v;
} bad_value;

typedef struct value_case {
    layout l;
    elem_type t;
    lg_dtype to;
    bad_value bad[2];
    const char *phrase;
} value_case;

/* Values the header cannot show: each pair is read, and the first bad one
 * named, wherever the block that holds it ran. n = 10,000 is five blocks of
 * 2,048 (exec/parallel.h): 4,100 and 5,000 share the third, 9,000 is in the
 * last. */
static void test_refused_values(void)
{
    static const value_case cases[] = {
        {{true, false}, {LG_F64, false}, LG_F64, {{5000, 0, NAN}, {5000, 0, NAN}},
         "pair 5000 (from 0) has a non-finite x (nan)"},
        {{false, false}, {LG_F32, false}, LG_F32, {{5000, 1, INFINITY}, {5000, 1, INFINITY}},
         "pair 5000 (from 0) has a non-finite y (inf)"},
        {{true, true}, {LG_F64, true}, LG_F32, {{9000, 0, NAN}, {5000, 1, -INFINITY}},
         "pair 5000 (from 0) has a non-finite y (-inf)"},
        {{false, true}, {LG_F32, true}, LG_F64, {{5000, 0, INFINITY}, {4100, 1, NAN}},
         "pair 4100 (from 0) has a non-finite y (nan)"},
        {{false, false}, {LG_F64, false}, LG_F64, {{5000, 1, NAN}, {5000, 0, INFINITY}},
         "pair 5000 (from 0) has a non-finite x (inf)"},
        {{true, false}, {LG_F32, false}, LG_F32, {{9999, 1, NAN}, {9999, 1, NAN}},
         "pair 9999 (from 0) has a non-finite y (nan)"},
        {{true, false}, {LG_F64, false}, LG_F32, {{5000, 0, 1e300}, {5000, 0, 1e300}},
         "pair 5000 (from 0) has x = 1.0000000000000001e+300, which does not fit f32"},
        {{false, false}, {LG_F64, true}, LG_F32, {{7000, 1, -1e300}, {9000, 0, NAN}},
         "pair 7000 (from 0) has y = -1.0000000000000001e+300, which does not fit f32"},
    };
    const size_t n = 10000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y)
        abort();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const value_case *vc = &cases[c];
        fill_pairs(x, y, n);
        for (int k = 0; k < 2; k++)
            (vc->bad[k].which ? y : x)[vc->bad[k].i] = vc->bad[k].v;
        char dict[128];
        size_t bytes;
        dict_for(dict, sizeof dict, vc->l, vc->t, n);
        unsigned char *data = array_bytes(x, y, n, vc->l, vc->t, &bytes);
        const char *p = write_npy("value.npy", V1, dict, data, bytes);
        free(data);
        refused_as(p, vc->to, LG_EPARSE, vc->phrase);
        lg_dtype dt;
        size_t pn;
        CHECK_OK(lg_npy_probe(p, &dt, &pn)); /* the header alone is fine */
        if (isfinite(vc->bad[0].v) && isfinite(vc->bad[1].v))
            check_read_as(p, vc->phrase, LG_F64, x, y, n, vc->t.dt); /* an f64 value */
    }
    free(x), free(y);
}

static void test_refused_paths(void)
{
    refused(dir, LG_EIO, "not a regular file");
    refused(path_of("missing.npy"), LG_EIO, "cannot open");
}

/* ---- writing ------------------------------------------------------------------------- */

/* The bytes of the file: np.save's format 1.0 header, 64-byte aligned, then
 * row x and row y as they are in memory. */
static void check_written_bytes(const char *path, const lg_tensor *x, const lg_tensor *y)
{
    size_t n = lg_tensor_size(x), es = lg_dtype_size(lg_tensor_dtype(x));
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    unsigned char *b = malloc((size_t)sb.st_size + 1);
    FILE *f = fopen(path, "rb");
    CHECK(b && f && fread(b, 1, (size_t)sb.st_size, f) == (size_t)sb.st_size);
    if (f)
        fclose(f);
    CHECK(sb.st_size >= 128);
    if (!b || sb.st_size < 128) {
        free(b);
        return;
    }
    CHECK(memcmp(b, "\x93NUMPY\x01\x00", 8) == 0);
    size_t off = 10 + (b[8] | (size_t)b[9] << 8);
    CHECK(off % 64 == 0);
    CHECK((size_t)sb.st_size == off + 2 * n * es);
    char want[128];
    int len = snprintf(want, sizeof want, "{'descr': '%c%s', 'fortran_order': False, "
                       "'shape': (2, %zu), }", host_big() ? '>' : '<',
                       es == 4 ? "f4" : "f8", n);
    CHECK(memcmp(b + 10, want, (size_t)len) == 0);
    size_t spaces = 0;
    for (size_t k = 10 + (size_t)len; k + 1 < off; k++)
        spaces += b[k] == ' ';
    CHECK(spaces == off - 11 - (size_t)len && b[off - 1] == '\n');
    if ((size_t)sb.st_size == off + 2 * n * es) {
        CHECK(memcmp(b + off, lg_tensor_cdata(x), n * es) == 0);
        CHECK(memcmp(b + off + n * es, lg_tensor_cdata(y), n * es) == 0);
    }
    free(b);
}

/* Written, then read back in both dtypes: the same bits in its own, rounded to
 * nearest in f32. */
static void test_write_round_trip(lg_dtype dt, size_t n)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 11, dt, &x, &y));
    if (!x || !y)
        return;
    const char *p = path_of("written.npy");
    CHECK_OK(lg_npy_write(p, x, y));
    check_written_bytes(p, x, y);
    double *xv = malloc(n * sizeof *xv), *yv = malloc(n * sizeof *yv);
    if (!xv || !yv)
        abort();
    for (size_t i = 0; i < n; i++)
        xv[i] = lg_tensor_get(x, i), yv[i] = lg_tensor_get(y, i);
    check_reads(p, dt == LG_F32 ? "written f32" : "written f64", xv, yv, n, dt);
    free(xv), free(yv);
    lg_tensor_free(x), lg_tensor_free(y);
}

static size_t entries_in(const char *path)
{
    DIR *d = opendir(path);
    size_t count = 0;
    CHECK(d != NULL);
    while (d && readdir(d))
        count++;
    if (d)
        closedir(d);
    return count;
}

static void test_write_refused(void)
{
    lg_tensor *x, *y, *small, *x32;
    CHECK_OK(lg_make_linear(0.3, 0.5, 10, 0.01, 1, LG_F64, &x, &y));
    CHECK_OK(lg_tensor_new(LG_F64, 5, false, &small));
    CHECK_OK(lg_tensor_new(LG_F32, 10, false, &x32));
    size_t before = entries_in(dir);
    const char *p = path_of("no/such/dir/out.npy");
    CHECK_STATUS(lg_npy_write(p, x, y), LG_EIO);
    CHECK_ERROR_HAS("cannot write");
    CHECK_ERROR_HAS(p);
    CHECK(access(path_of("no"), F_OK) != 0);
    CHECK_STATUS(lg_npy_write(path_of("mismatch.npy"), x, small), LG_EINVAL);
    CHECK_ERROR_HAS("same size");
    CHECK_STATUS(lg_npy_write(path_of("mismatch.npy"), x32, y), LG_EINVAL);
    CHECK(entries_in(dir) == before); /* no file, no temporary left behind */
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(small), lg_tensor_free(x32);
}

int main(void)
{
    if (!mkdtemp(dir))
        return fprintf(stderr, "cannot create %s\n", dir), 1;
    test_layouts();
    test_header_forms();
    test_unpadded_headers();
    test_refused_prefix();
    test_refused_lengths();
    test_refused_dict();
    test_refused_values();
    test_refused_paths();
    test_write_round_trip(LG_F32, 1);
    test_write_round_trip(LG_F32, 4097);
    test_write_round_trip(LG_F64, 4097);
    test_write_refused();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_done("test_npy");
}
