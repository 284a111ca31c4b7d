/* Reading and writing (x, y) pairs as CSV with the header "x,y". */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/atomic_file.h"
#include "data/csv.h"
#include "core/error.h"
#include "tensor/tensor.h"

/* Growing arrays of parsed pairs, kept in double until the end. */
typedef struct pairs {
    double *x, *y;
    size_t n, cap;
} pairs;

static int pairs_push(pairs *p, double x, double y)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 1024;
        if (cap > SIZE_MAX / sizeof(double))
            return -1;
        double *nx = realloc(p->x, cap * sizeof *nx);
        if (!nx)
            return -1;
        p->x = nx;
        double *ny = realloc(p->y, cap * sizeof *ny);
        if (!ny)
            return -1;
        p->y = ny;
        p->cap = cap;
    }
    p->x[p->n] = x;
    p->y[p->n] = y;
    p->n++;
    return 0;
}

/* Drops the line end: "\n", "\r\n", or "\r" before the end of the file. */
static void chomp(char *s, size_t *len)
{
    if (*len > 0 && s[*len - 1] == '\n')
        s[--*len] = '\0';
    if (*len > 0 && s[*len - 1] == '\r')
        s[--*len] = '\0';
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
    return strspn(s, "0123456789");
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
                         double *out)
{
    char *stop, q[48];
    double v = r->dtype == LG_F32 ? (double)strtof(start, &stop) : strtod(start, &stop);
    if (stop != start + len)
        return lg_fail(LG_EPARSE, "%s:%zu: %s value '%s' does not convert in this locale; "
                       "lingrad reads '.' as the decimal point", r->path, r->line, name,
                       quoted(start, len, q));
    if (!isfinite(v))
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
                             double *out)
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

static lg_status parse_row(const reader *r, const char *s, double *x, double *y)
{
    size_t fields = count_fields(s);
    if (fields != 2)
        return lg_fail(LG_EPARSE, "%s:%zu: expected 2 columns (x,y), found %zu", r->path, r->line,
                       fields);
    lg_status st = parse_field(r, &s, ',', "x", x);
    return st != LG_OK ? st : parse_field(r, &s, '\0', "y", y);
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

/* No valid row comes anywhere near this; a longer line is not our format, and
 * bounding it keeps a binary or endless file from eating memory. */
#define MAX_LINE 4096

enum { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_ERROR };

/* Reads one line (with its end, if any) into buf; *len counts NUL bytes too. */
static int read_line(FILE *f, char buf[MAX_LINE + 2], size_t *len)
{
    int c = EOF;
    size_t n = 0;
    while (n <= MAX_LINE && (c = getc(f)) != EOF) {
        buf[n++] = (char)c;
        if (c == '\n')
            break;
    }
    buf[n] = '\0';
    *len = n;
    if (c == EOF && ferror(f))
        return LINE_ERROR;
    if (n > MAX_LINE)
        return LINE_TOO_LONG;
    return n == 0 ? LINE_EOF : LINE_OK;
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

static lg_status read_lines(FILE *f, reader *r, pairs *p)
{
    char line[MAX_LINE + 2];
    size_t len;
    int got;
    while (errno = 0, (got = read_line(f, line, &len)) != LINE_EOF) {
        r->line++;
        lg_status st = check_line(r, got, line, len, errno);
        if (st != LG_OK)
            return st;
        chomp(line, &len);
        if (r->line == 1) {
            if (!header_ok(line)) {
                char q[48];
                return lg_fail(LG_EPARSE, "%s:1: expected the header 'x,y', found '%s'", r->path,
                               quoted(line, len, q));
            }
            continue;
        }
        if (blank(line))
            continue;
        double x, y;
        st = parse_row(r, line, &x, &y);
        if (st == LG_OK && pairs_push(p, x, y) != 0)
            st = lg_fail(LG_ENOMEM, "%s:%zu: out of memory after %zu rows", r->path, r->line, p->n);
        if (st != LG_OK)
            return st;
    }
    return LG_OK;
}

static lg_status to_tensor(const double *v, size_t n, lg_dtype dtype, lg_tensor **out)
{
    lg_status st = lg_tensor_new(dtype, n, false, out);
    for (size_t i = 0; st == LG_OK && i < n; i++)
        lg_tensor_set(*out, i, v[i]);
    return st;
}

lg_status lg_csv_read(const char *path, lg_dtype dtype, lg_tensor **x, lg_tensor **y)
{
    *x = *y = NULL;
    FILE *f = fopen(path, "r");
    if (!f)
        return lg_fail(LG_EIO, "cannot open '%s': %s", path, strerror(errno));
    lg_status st = lg_csv_read_stream(f, path, dtype, x, y);
    fclose(f);
    return st;
}

lg_status lg_csv_read_stream(FILE *f, const char *path, lg_dtype dtype, lg_tensor **x,
                             lg_tensor **y)
{
    *x = *y = NULL;
    reader r = {.path = path, .line = 0, .dtype = dtype};
    pairs p = {0};
    c_numeric cn = {0};
    lg_status st = c_numeric_enter(&cn, path);
    if (st != LG_OK)
        return st;
    st = read_lines(f, &r, &p);
    c_numeric_leave(&cn);
    if (st == LG_OK && r.line == 0)
        st = lg_fail(LG_EPARSE, "%s: the file is empty (expected the header 'x,y')", path);
    else if (st == LG_OK && p.n == 0)
        st = lg_fail(LG_EPARSE, "%s: no data rows after the header", path);
    if (st == LG_OK)
        st = to_tensor(p.x, p.n, dtype, x);
    if (st == LG_OK)
        st = to_tensor(p.y, p.n, dtype, y);
    if (st != LG_OK) {
        lg_tensor_free(*x);
        *x = NULL;
    }
    free(p.x);
    free(p.y);
    return st;
}

lg_status lg_csv_write(const char *path, const lg_tensor *x, const lg_tensor *y)
{
    if (x->n != y->n || x->dtype != y->dtype)
        return lg_fail(LG_EINVAL, "csv write: x and y must have the same size and dtype");
    c_numeric cn = {0};
    lg_status st = c_numeric_enter(&cn, path);
    if (st != LG_OK)
        return st;
    lg_atomic_file af;
    st = lg_atomic_open(&af, path);
    if (st == LG_OK) {
        /* Shortest digits that round-trip: 9 significant for float, 17 for double. */
        int sig = x->dtype == LG_F32 ? 9 : 17;
        fputs("x,y\n", af.f);
        for (size_t i = 0; i < x->n; i++)
            fprintf(af.f, "%.*g,%.*g\n", sig, lg_tensor_get(x, i), sig, lg_tensor_get(y, i));
        st = lg_atomic_commit(&af);
    }
    c_numeric_leave(&cn);
    return st;
}
