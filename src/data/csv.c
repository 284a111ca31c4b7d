/* Reading and writing (x, y) pairs as CSV with the header "x,y". */
#define _POSIX_C_SOURCE 200809L
#define __STDC_WANT_IEC_60559_BFP_EXT__ 1 /* strfromd */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dtype.h"
#include "data/atomic_file.h"
#include "data/read_args.h"
#include "data/csv.h"
#include "core/error.h"
#include "tensor/tensor.h"

/* A parsed value in the dtype itself: an f32 value stays the float strtof
 * returned. Widened to double and narrowed back it would keep its bits, except
 * under the FTZ/DAZ modes a caller may have set, which turn subnormals into 0. */
typedef union value {
    float f;
    double d;
} value;

/* The rows read so far, in chunks of the target dtype: memory grows by one chunk
 * at a time and nothing is copied to grow, so resident memory stays the final
 * tensors plus a chunk. A chunk holds its x values, then its y values. Chunks
 * start at FIRST_CHUNK_ROWS rows, so that a small file costs no big buffer (a
 * 2 MiB map and its first touch made a 5-row read 35 times slower), and double up
 * to CHUNK_BYTES. That size makes lg_buffer_alloc_untouched map them with huge
 * pages (4 KiB pages fault at ~15 us each on the VM) and unmap them when freed:
 * a malloc heap would keep a freed chunk resident while the tensors are filled. */
#define FIRST_CHUNK_ROWS ((size_t)1024)
#define CHUNK_BYTES ((size_t)2 << 20)

typedef struct columns {
    lg_dtype dtype;
    size_t room; /* rows the last chunk holds */
    size_t fill; /* rows in it */
    size_t n;    /* rows in all */
    char **chunks;
    size_t count, cap;
} columns;

size_t lg_csv_chunk_rows(lg_dtype dtype, size_t k)
{
    size_t most = CHUNK_BYTES / (2 * lg_dtype_size(dtype));
    return k < 16 && FIRST_CHUNK_ROWS << k < most ? FIRST_CHUNK_ROWS << k : most;
}

static int columns_grow(columns *c)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        char **nc = cap <= SIZE_MAX / sizeof *nc ? realloc(c->chunks, cap * sizeof *nc) : NULL;
        if (!nc)
            return -1;
        c->chunks = nc;
        c->cap = cap;
    }
    size_t room = lg_csv_chunk_rows(c->dtype, c->count);
    void *chunk;
    if (lg_buffer_alloc_untouched(c->dtype, 2 * room, "csv rows", &chunk) != LG_OK)
        return -1;
    c->chunks[c->count++] = chunk;
    c->room = room;
    c->fill = 0;
    return 0;
}

static int columns_push(columns *c, value x, value y)
{
    if (c->fill == c->room && columns_grow(c) != 0)
        return -1;
    char *chunk = c->chunks[c->count - 1];
    if (c->dtype == LG_F32) {
        ((float *)chunk)[c->fill] = x.f;
        ((float *)chunk)[c->room + c->fill] = y.f;
    } else {
        ((double *)chunk)[c->fill] = x.d;
        ((double *)chunk)[c->room + c->fill] = y.d;
    }
    c->fill++;
    c->n++;
    return 0;
}

static void columns_free(columns *c)
{
    for (size_t k = 0; k < c->count; k++)
        lg_buffer_free(c->chunks[k], c->dtype, 2 * lg_csv_chunk_rows(c->dtype, k));
    free(c->chunks);
    *c = (columns){0};
}

/* Drops the line end ("\n", "\r\n", or "\r" before the end of the file) and
 * puts the NUL there: lines are parsed in place in the read buffer, where the next
 * line follows. */
static void chomp(char *s, size_t *len)
{
    if (*len > 0 && s[*len - 1] == '\n')
        --*len;
    if (*len > 0 && s[*len - 1] == '\r')
        --*len;
    s[*len] = '\0';
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static int blank(const char *s)
{
    return *skip_space(s) == '\0';
}

static size_t count_fields(const char *s)
{
    size_t n = 1;
    for (; *s; s++)
        n += *s == ',';
    return n;
}

/* A token from the file, fit for an error message: at most 40 bytes, and bytes
 * that could garble a terminal shown as '?'. */
static const char *quoted(const char *s, size_t len, char out[48])
{
    size_t n = len > 40 ? 40 : len;
    for (size_t i = 0; i < n; i++)
        out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
    strcpy(out + n, len > 40 ? "..." : "");
    return out;
}

/* strtod and printf follow LC_NUMERIC, which a program calling lingrad may have
 * set to a locale whose decimal point is ','; a CSV number's point is always '.'.
 * uselocale() switches the calling thread only, for the length of one file. */
typedef struct c_numeric {
    locale_t c, saved;
} c_numeric;

static lg_status c_numeric_enter(c_numeric *cn, const char *path)
{
    cn->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (cn->c == (locale_t)0)
        return lg_fail(LG_ENOMEM, "%s: cannot make the C numeric locale: %s", path,
                       strerror(errno));
    cn->saved = uselocale(cn->c);
    return LG_OK;
}

static void c_numeric_leave(c_numeric *cn)
{
    uselocale(cn->saved);
    freelocale(cn->c);
}

typedef struct reader {
    const char *path;
    size_t line;
    lg_dtype dtype;
} reader;

/* The numbers a field may hold: the decimal forms that C's strtod, Python's float(),
 * numpy.loadtxt and pandas all read, and read alike:
 *
 *     number   = [sign] mantissa [exponent]
 *     mantissa = digits ["." [digits]] | "." digits      (so 5, 5., .5 and 5.25)
 *     exponent = ("e" | "E") [sign] digits
 *     sign     = "+" | "-"
 *     digits   = one or more of 0-9
 *
 * with spaces and tabs allowed around it. strtod alone would also take hex floats
 * (0x1p3) and nan(chars), which Python and numpy refuse, and \v, \f or \r before a
 * number, which hide a defect of the file. Python's float() takes 1_000 but
 * numpy.loadtxt and pandas do not (pandas keeps it as text), and in a data file it
 * is more likely a mangled thousands separator than a number. inf, infinity and
 * nan (any case) get a message of their own: numbers, but not finite ones. */
static size_t digits(const char *s)
{
    /* Not strspn: for the few digits of a field its set-up cost more than the scan. */
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9')
        n++;
    return n;
}

/* The length of the number at the start of s by the grammar above, 0 if none. */
static size_t decimal_length(const char *s)
{
    const char *p = s + (*s == '+' || *s == '-');
    size_t whole = digits(p), frac = 0;
    p += whole;
    if (*p == '.') {
        frac = digits(p + 1);
        p += 1 + frac;
    }
    if (whole + frac == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
        if (digits(e) > 0)
            p = e + digits(e);
    }
    return (size_t)(p - s);
}

static int is_word(const char *s, size_t len, const char *word)
{
    return len == strlen(word) && strncasecmp(s, word, len) == 0;
}

static lg_status not_a_number(const reader *r, const char *name, const char *start)
{
    char q[48];
    size_t len = strcspn(start, ",");
    const char *digits_at = start + (*start == '+' || *start == '-');
    if (digits_at[0] == '0' && (digits_at[1] == 'x' || digits_at[1] == 'X'))
        return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' is hexadecimal; write it in decimal "
                       "(Python's float() and numpy read only decimal numbers)", r->path, r->line,
                       name, quoted(start, len, q));
    size_t word = strcspn(digits_at, ", \t");
    const char *rest = skip_space(digits_at + word);
    if ((*rest == '\0' || *rest == ',') &&
        (is_word(digits_at, word, "inf") || is_word(digits_at, word, "infinity") ||
         is_word(digits_at, word, "nan")))
        return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' is not a finite %s number", r->path,
                       r->line, name, quoted(start, (size_t)(digits_at + word - start), q),
                       lg_dtype_name(r->dtype));
    return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' is not a number", r->path, r->line, name,
                   quoted(start, len, q));
}

/* Rounds the decimal once, to the nearest value of the dtype (strtof for f32:
 * rounding through a double first turns a few decimals just below FLT_MAX + half
 * an ulp into infinity). A value that rounds to infinity does not fit the dtype.
 * The text already matched the grammar, so a conversion that stops short can only
 * mean a locale with another decimal point, which the callers rule out: if one
 * slips through, say so rather than read 0.5 as 0. */
static lg_status convert(const reader *r, const char *start, size_t len, const char *name,
                         value *out)
{
    char *stop, q[48];
    value v;
    bool finite;
    if (r->dtype == LG_F32) {
        v.f = strtof(start, &stop);
        finite = isfinite(v.f);
    } else {
        v.d = strtod(start, &stop);
        finite = isfinite(v.d);
    }
    if (stop != start + len)
        return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' does not convert in this locale; "
                       "lingrad reads '.' as the decimal point", r->path, r->line, name,
                       quoted(start, len, q));
    if (!finite)
        return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' is not a finite %s number: it rounds to "
                       "infinity (the largest %s is %.9g)", r->path, r->line, name,
                       quoted(start, len, q), lg_dtype_name(r->dtype), lg_dtype_name(r->dtype),
                       r->dtype == LG_F32 ? (double)FLT_MAX : DBL_MAX);
    /* Underflow rounds to 0 or a subnormal, as any decimal rounds to the nearest
     * representable value: that is not an error. */
    *out = v;
    return LG_OK;
}

/* One field: a number by the grammar above, finite in the dtype, followed by `end`. */
static lg_status parse_field(const reader *r, const char **s, char end, const char *name,
                             value *out)
{
    const char *start = skip_space(*s);
    size_t len = decimal_length(start);
    const char *after = skip_space(start + len);
    if (len == 0 || *after != end)
        return not_a_number(r, name, start);
    lg_status st = convert(r, start, len, name, out);
    if (st == LG_OK)
        *s = after + (end != '\0');
    return st;
}

/* The column count is checked first in effect, but counted only when a field
 * fails: fields that parse hold no comma, so two that do make a row of two. */
static lg_status parse_row(const reader *r, const char *s, value *x, value *y)
{
    const char *p = s;
    lg_status st = parse_field(r, &p, ',', "x", x);
    if (st == LG_OK)
        st = parse_field(r, &p, '\0', "y", y);
    size_t fields = st == LG_OK ? 2 : count_fields(s);
    if (fields != 2)
        return lg_fail(LG_EPARSE, "%s:%zu: expected 2 columns (x,y), found %zu", r->path, r->line,
                       fields);
    return st;
}

static int header_ok(const char *s)
{
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB && (unsigned char)s[2] == 0xBF)
        s += 3; /* UTF-8 byte-order mark */
    s = skip_space(s);
    if (*s++ != 'x')
        return 0;
    s = skip_space(s);
    if (*s++ != ',')
        return 0;
    s = skip_space(s);
    if (*s++ != 'y')
        return 0;
    return blank(s);
}

/* No valid row comes anywhere near LG_CSV_MAX_LINE; a longer line is not our
 * format, and bounding it keeps a binary or endless file from eating memory. */
#define MAX_LINE LG_CSV_MAX_LINE

/* The file is read LG_CSV_BLOCK bytes at a time and split into lines with memchr:
 * a getc per byte, each a locked call, took longer than converting the numbers. */
_Static_assert(LG_CSV_BLOCK > MAX_LINE, "a refill must bring more than a line");

enum { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_ERROR };

/* Lines served in place from one buffer. A line that has not ended when the data
 * runs out is at most MAX_LINE bytes; it moves to the front, and the rest of the
 * block is read after it. One byte more holds the NUL that chomp writes after a
 * last line without an end. */
typedef struct line_src {
    FILE *f;
    char *buf;
    size_t pos, end; /* the unread bytes are buf[pos, end) */
    bool done;       /* fread came up short: the end of the file, or an error */
    bool failed;     /* an error, with this errno: */
    int err;
} line_src;

static lg_status line_src_open(line_src *s, FILE *f, const char *path)
{
    *s = (line_src){.f = f, .buf = malloc(LG_CSV_BLOCK + 1)};
    if (!s->buf)
        return lg_fail(LG_ENOMEM, "%s: out of memory for the read buffer", path);
    return LG_OK;
}

static void refill(line_src *s)
{
    size_t keep = s->end - s->pos, want = LG_CSV_BLOCK - keep;
    memmove(s->buf, s->buf + s->pos, keep);
    s->pos = 0;
    errno = 0;
    size_t got = fread(s->buf + keep, 1, want, s->f);
    s->end = keep + got;
    if (got < want) {
        s->done = true;
        s->failed = ferror(s->f) != 0;
        s->err = errno;
    }
}

/* The next line, with its end if it has one. Its outcome is the one a byte-by-byte
 * reader gets that stops after a '\n' or MAX_LINE + 1 bytes: too long, then a read
 * error once the data runs out mid-line, then the end of the file. */
static int next_line(line_src *s, char **line, size_t *len)
{
    char *nl;
    size_t avail;
    for (;;) {
        avail = s->end - s->pos;
        nl = memchr(s->buf + s->pos, '\n', avail > MAX_LINE ? MAX_LINE + 1 : avail);
        if (nl || avail > MAX_LINE || s->done)
            break;
        refill(s);
    }
    *line = s->buf + s->pos;
    *len = nl ? (size_t)(nl - *line) + 1 : avail;
    if (*len > MAX_LINE)
        return LINE_TOO_LONG;
    if (!nl && s->failed)
        return LINE_ERROR;
    s->pos += *len;
    return *len == 0 ? LINE_EOF : LINE_OK;
}

static lg_status check_line(const reader *r, int got, const char *line, size_t len, int err)
{
    if (got == LINE_ERROR)
        return lg_fail(LG_EIO, "cannot read '%s': %s", r->path, strerror(err));
    if (got == LINE_TOO_LONG)
        return lg_fail(LG_EPARSE, "%s:%zu: line is longer than %d bytes; is this an x,y CSV file?",
                       r->path, r->line, MAX_LINE);
    if (memchr(line, '\0', len))
        return lg_fail(LG_EPARSE, "%s:%zu: line contains a NUL byte; is this a text file?",
                       r->path, r->line);
    return LG_OK;
}

static lg_status check_header(const reader *r, const char *line, size_t len)
{
    char q[48];
    if (header_ok(line))
        return LG_OK;
    return lg_fail(LG_EPARSE, "%s:1: expected the header 'x,y', found '%s'", r->path,
                   quoted(line, len, q));
}

static lg_status read_row(const reader *r, const char *line, columns *c)
{
    value x, y;
    lg_status st = parse_row(r, line, &x, &y);
    if (st == LG_OK && columns_push(c, x, y) != 0)
        st = lg_fail(LG_ENOMEM, "%s:%zu: out of memory after %zu rows", r->path, r->line, c->n);
    return st;
}

static lg_status read_lines(line_src *src, reader *r, columns *c)
{
    char *line;
    size_t len;
    int got;
    while ((got = next_line(src, &line, &len)) != LINE_EOF) {
        r->line++;
        lg_status st = check_line(r, got, line, len, src->err);
        if (st != LG_OK)
            return st;
        chomp(line, &len);
        if (r->line == 1)
            st = check_header(r, line, len);
        else if (!blank(line))
            st = read_row(r, line, c);
        if (st != LG_OK)
            return st;
    }
    return LG_OK;
}

/* The tensors stay untouched until each chunk is copied in and at once freed, so
 * resident memory grows by what is copied as it shrinks by what is freed. */
static lg_status columns_to_tensors(columns *c, const char *path, lg_tensor **x, lg_tensor **y)
{
    lg_status st = lg_tensor_new_untouched(c->dtype, c->n, x);
    if (st == LG_OK)
        st = lg_tensor_new_untouched(c->dtype, c->n, y);
    if (st == LG_ENOMEM) {
        char why[512];
        snprintf(why, sizeof why, "%s", lg_last_error());
        return lg_fail(st, "%s: cannot hold the %zu rows read: %s", path, c->n, why);
    }
    if (st != LG_OK)
        return st;
    size_t esize = lg_dtype_size(c->dtype);
    for (size_t k = 0, at = 0; k < c->count; k++) {
        size_t room = lg_csv_chunk_rows(c->dtype, k), rows = k + 1 < c->count ? room : c->fill;
        memcpy((char *)(*x)->data + at * esize, c->chunks[k], rows * esize);
        memcpy((char *)(*y)->data + at * esize, c->chunks[k] + room * esize, rows * esize);
        lg_buffer_free(c->chunks[k], c->dtype, 2 * room);
        c->chunks[k] = NULL;
        at += rows;
    }
    return LG_OK;
}

lg_status lg_csv_read(const char *path, lg_dtype dtype, lg_tensor **x, lg_tensor **y)
{
    lg_status st = lg_read_args("lg_csv_read", path, dtype, x, y);
    if (st != LG_OK)
        return st;
    FILE *f = fopen(path, "r");
    if (!f)
        return lg_fail(LG_EIO, "cannot open '%s': %s", path, strerror(errno));
    st = lg_csv_read_stream(f, path, dtype, x, y);
    fclose(f);
    return st;
}

lg_status lg_csv_read_stream(FILE *f, const char *path, lg_dtype dtype, lg_tensor **x,
                             lg_tensor **y)
{
    *x = *y = NULL;
    reader r = {.path = path, .line = 0, .dtype = dtype};
    columns c = {.dtype = dtype};
    line_src src;
    c_numeric cn = {0};
    lg_status st = c_numeric_enter(&cn, path);
    if (st != LG_OK)
        return st;
    st = line_src_open(&src, f, path);
    if (st == LG_OK)
        st = read_lines(&src, &r, &c);
    free(src.buf);
    c_numeric_leave(&cn);
    if (st == LG_OK && r.line == 0)
        st = lg_fail(LG_EPARSE, "%s: the file is empty (expected the header 'x,y')", path);
    else if (st == LG_OK && c.n == 0)
        st = lg_fail(LG_EPARSE, "%s: no data rows after the header", path);
    if (st == LG_OK)
        st = columns_to_tensors(&c, path, x, y);
    if (st != LG_OK) {
        lg_tensor_free(*x);
        *x = NULL;
    }
    columns_free(&c);
    return st;
}

/* Rows are formatted into a block that one fwrite writes. strfromd is printf's
 * own %g conversion (the same digits) without the format parsing and the stream
 * lock of a fprintf per row: 8% fewer instructions per row. */
#define WRITE_BLOCK ((size_t)64 << 10)
/* Room for any row: two %.17g numbers (at most 24 bytes, "-2.2250738585072014e-308"),
 * a comma and the line end. */
#define MAX_ROW 64

static void write_rows(FILE *f, char *buf, const lg_tensor *x, const lg_tensor *y)
{
    /* Shortest digits that round-trip: 9 significant for float, 17 for double. */
    const char *fmt = x->dtype == LG_F32 ? "%.9g" : "%.17g";
    size_t used = 0;
    for (size_t i = 0; i < x->n; i++) {
        used += (size_t)strfromd(buf + used, MAX_ROW / 2, fmt, lg_tensor_get(x, i));
        buf[used++] = ',';
        used += (size_t)strfromd(buf + used, MAX_ROW / 2, fmt, lg_tensor_get(y, i));
        buf[used++] = '\n';
        if (used > WRITE_BLOCK - MAX_ROW) {
            fwrite(buf, 1, used, f);
            used = 0;
        }
    }
    fwrite(buf, 1, used, f);
}

static lg_status write_file(const char *path, char *buf, const lg_tensor *x, const lg_tensor *y)
{
    lg_atomic_file af;
    lg_status st = lg_atomic_open(&af, path);
    if (st != LG_OK)
        return st;
    fputs("x,y\n", af.f);
    write_rows(af.f, buf, x, y);
    return lg_atomic_commit(&af);
}

lg_status lg_csv_write(const char *path, const lg_tensor *x, const lg_tensor *y)
{
    if (!path || !x || !y)
        return lg_fail_null("lg_csv_write", !path ? "path" : !x ? "x" : "y");
    if (lg_tensor_unreadable(x) || lg_tensor_unreadable(y))
        return lg_fail(LG_EINVAL, "csv write: x and y must hold values (not a pending or "
                       "dropped op output)");
    x = lg_handle_tensor(x), y = lg_handle_tensor(y);
    if (x->n != y->n || x->dtype != y->dtype)
        return lg_fail(LG_EINVAL, "csv write: x and y must have the same size and dtype");
    char *buf = malloc(WRITE_BLOCK);
    if (!buf)
        return lg_fail(LG_ENOMEM, "cannot write '%s': out of memory", path);
    c_numeric cn = {0};
    lg_status st = c_numeric_enter(&cn, path);
    if (st == LG_OK) {
        st = write_file(path, buf, x, y);
        c_numeric_leave(&cn);
    }
    free(buf);
    return st;
}
