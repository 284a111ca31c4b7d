/* CSV: exact round trips, the accepted variations, and an error for each defect. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "data/csv.h"

static char dir[] = "/tmp/lingrad-test-csv-XXXXXX";

static const char *path_of(const char *name)
{
    static char buf[256];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static const char *write_text(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return p;
}

static const char *write_bytes(const char *name, const char *data, size_t len)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(data, 1, len, f) == len);
        fclose(f);
    }
    return p;
}

/* The file lg_csv_write made before it formatted rows into blocks: fprintf per row. */
static void write_by_printf(const char *path, const lg_tensor *x, const lg_tensor *y,
                            const char *eol)
{
    int sig = lg_tensor_dtype(x) == LG_F32 ? 9 : 17;
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fprintf(f, "x,y%s", eol);
    for (size_t i = 0; i < lg_tensor_size(x); i++)
        fprintf(f, "%.*g,%.*g%s", sig, lg_tensor_get(x, i), sig, lg_tensor_get(y, i), eol);
    CHECK(fclose(f) == 0);
}

static void test_round_trip(lg_dtype dt)
{
    size_t n = 1000, bytes = n * lg_dtype_size(dt);
    lg_tensor *x, *y, *rx, *ry;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, 11, dt, &x, &y));
    const char *p = path_of(dt == LG_F32 ? "rt32.csv" : "rt64.csv");
    CHECK_OK(lg_csv_write(p, x, y));
    CHECK_OK(lg_csv_read(p, dt, &rx, &ry));
    CHECK(lg_tensor_size(rx) == n && lg_tensor_size(ry) == n);
    CHECK(memcmp(lg_tensor_cdata(x), lg_tensor_cdata(rx), bytes) == 0);
    CHECK(memcmp(lg_tensor_cdata(y), lg_tensor_cdata(ry), bytes) == 0);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(rx), lg_tensor_free(ry);
}

static void test_accepted(void)
{
    lg_tensor *x, *y;
    const char *p = write_text("ok.csv", "\xEF\xBB\xBFx,y\r\n0.5,1\r\n\r\n  0.25 , -2e-1 \r\n\n");
    CHECK_OK(lg_csv_read(p, LG_F64, &x, &y));
    CHECK(x && lg_tensor_size(x) == 2);
    if (x && y) {
        CHECK(lg_tensor_get(x, 0) == 0.5 && lg_tensor_get(y, 0) == 1.0);
        CHECK(lg_tensor_get(x, 1) == 0.25 && lg_tensor_get(y, 1) == -0.2);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    /* Underflow rounds to the nearest value, as any decimal does: a subnormal, or 0. */
    CHECK_OK(lg_csv_read(write_text("tiny.csv", "x,y\n1e-310,1e-400\n1e-50,1\n"), LG_F64, &x, &y));
    if (x && y) {
        CHECK(lg_tensor_get(x, 0) == 1e-310 && lg_tensor_get(y, 0) == 0.0);
        CHECK(lg_tensor_get(x, 1) == 1e-50);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    CHECK_OK(lg_csv_read(path_of("tiny.csv"), LG_F32, &x, &y));
    if (x && y)
        CHECK(lg_tensor_get(x, 0) == 0.0 && lg_tensor_get(x, 1) == 0.0 && lg_tensor_get(y, 1) == 1.0);
    lg_tensor_free(x), lg_tensor_free(y);
    /* The decimal forms Python's float() and numpy read alike (src/data/csv.c). */
    CHECK_OK(lg_csv_read(write_text("forms.csv", "x,y\n.5,5.\n+.5,-5.e3\n1E+5,00012\n"
                                                 "\t+0.25\t, 1e-0 \n"),
                         LG_F64, &x, &y));
    CHECK(x && lg_tensor_size(x) == 4);
    if (x && y && lg_tensor_size(x) == 4) {
        CHECK(lg_tensor_get(x, 0) == 0.5 && lg_tensor_get(y, 0) == 5.0);
        CHECK(lg_tensor_get(x, 1) == 0.5 && lg_tensor_get(y, 1) == -5000.0);
        CHECK(lg_tensor_get(x, 2) == 1e5 && lg_tensor_get(y, 2) == 12.0);
        CHECK(lg_tensor_get(x, 3) == 0.25 && lg_tensor_get(y, 3) == 1.0);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    /* no newline at the end of the last line */
    CHECK_OK(lg_csv_read(write_text("nonl.csv", "x,y\n1,2"), LG_F32, &x, &y));
    CHECK(x && lg_tensor_size(x) == 1);
    lg_tensor_free(x), lg_tensor_free(y);
}

typedef struct bad_case {
    const char *text;
    lg_status status;
    const char *mention;
} bad_case;

static void test_rejected(void)
{
    static const bad_case cases[] = {
        {"", LG_EPARSE, "empty"},
        {"x,y\n", LG_EPARSE, "no data rows"},
        {"a,b\n1,2\n", LG_EPARSE, ":1: expected the header"},
        {"x,y,z\n1,2,3\n", LG_EPARSE, ":1:"},
        {"x,y\n1,2\nabc,3\n", LG_EPARSE, ":3: x value 'abc' is not a number"},
        {"x,y\n1,2\n1,2x\n", LG_EPARSE, ":3: y value"},
        {"x,y\n1,nan\n", LG_EPARSE, ":2: y value 'nan' is not a finite"},
        {"x,y\ninf,1\n", LG_EPARSE, ":2: x value 'inf'"},
        {"x,y\n1e999,1\n", LG_EPARSE, ":2:"},
        {"x,y\n1,2,3\n", LG_EPARSE, ":2: expected 2 columns"},
        {"x,y\n1,2\n3\n", LG_EPARSE, ":3: expected 2 columns (x,y), found 1"},
        {"x,y\n1,2,\n", LG_EPARSE, ":2: expected 2 columns"},
        {"x,y\n,2\n", LG_EPARSE, ":2: x value '' is not a number"},
        /* What strtod takes beyond the decimal grammar, which Python or numpy refuse. */
        {"x,y\n1,2\n0x1p3,1\n", LG_EPARSE, ":3: x value '0x1p3' is hexadecimal"},
        {"x,y\n1,-0X10\n", LG_EPARSE, ":2: y value '-0X10' is hexadecimal"},
        {"x,y\n1,nan(123)\n", LG_EPARSE, ":2: y value 'nan(123)' is not a number"},
        {"x,y\n1_000,1\n", LG_EPARSE, ":2: x value '1_000' is not a number"},
        {"x,y\n1,\v2\n", LG_EPARSE, ":2: y value '?2' is not a number"},
        {"x,y\n\f1,2\n", LG_EPARSE, ":2: x value '?1' is not a number"},
        {"x,y\n1,\r2\n", LG_EPARSE, ":2: y value '?2' is not a number"},
        {"x,y\n-Infinity,1\n", LG_EPARSE, ":2: x value '-Infinity' is not a finite f64"},
        {"x,y\n1,NaN\n", LG_EPARSE, ":2: y value 'NaN' is not a finite f64"},
        {"x,y\n1e,1\n", LG_EPARSE, ":2: x value '1e' is not a number"},
        {"x,y\n.,1\n", LG_EPARSE, ":2: x value '.' is not a number"},
        {"x,y\n+-1,1\n", LG_EPARSE, ":2: x value '+-1' is not a number"},
        {"x,y\n1 2,1\n", LG_EPARSE, ":2: x value '1 2' is not a number"},
        /* DBL_MAX + half an ulp (2^1024 - 2^970) rounds to infinity */
        {"x,y\n1,1.7976931348623159e308\n", LG_EPARSE, ":2: y value '1.7976931348623159e308' "
                                                         "is not a finite f64 number"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lg_tensor *x = (lg_tensor *)1, *y = (lg_tensor *)1;
        const char *p = write_text("bad.csv", cases[i].text);
        CHECK_STATUS(lg_csv_read(p, LG_F64, &x, &y), cases[i].status);
        CHECK_ERROR_HAS(cases[i].mention);
        CHECK(x == NULL && y == NULL);
    }
    lg_tensor *x, *y;
    CHECK_STATUS(lg_csv_read(write_text("big.csv", "x,y\n1e39,1\n"), LG_F32, &x, &y), LG_EPARSE);
    CHECK_ERROR_HAS("finite f32");
    CHECK_STATUS(lg_csv_read(path_of("missing.csv"), LG_F64, &x, &y), LG_EIO);
    CHECK_ERROR_HAS("cannot open");
    CHECK_STATUS(lg_csv_read(dir, LG_F64, &x, &y), LG_EIO);
}

/* f32 data takes every decimal that rounds, once and to nearest, to a finite float:
 * |v| < FLT_MAX + half its ulp = 2^128 - 2^103 = 340282356779733661637539395458142568448
 * (that value itself ties to the even 2^128, infinity). */
static void test_f32_range(void)
{
    lg_tensor *x, *y;
    const char *p = write_text("fltmax.csv", "x,y\n3.4028235e38,-3.4028235e38\n"
                                             "340282356779733661637539395458142568447,1\n");
    CHECK_OK(lg_csv_read(p, LG_F32, &x, &y));
    CHECK(x && lg_tensor_size(x) == 2);
    if (x && y && lg_tensor_size(x) == 2) {
        CHECK(lg_tensor_get(x, 0) == FLT_MAX && lg_tensor_get(y, 0) == -FLT_MAX);
        /* read through a double, this one would round up to 2^128 - 2^103, then to infinity */
        CHECK(lg_tensor_get(x, 1) == FLT_MAX);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    static const char *const over[] = {"340282356779733661637539395458142568448", "3.40282357e38",
                                       "-3.40282357e38", "1e39"};
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        char text[96];
        snprintf(text, sizeof text, "x,y\n1,2\n%s,1\n", over[i]);
        CHECK_STATUS(lg_csv_read(write_text("over.csv", text), LG_F32, &x, &y), LG_EPARSE);
        CHECK_ERROR_HAS(":3: x value");
        CHECK_ERROR_HAS("is not a finite f32 number");
        CHECK(x == NULL && y == NULL);
    }
    /* the same numbers are ordinary f64 values */
    CHECK_OK(lg_csv_read(path_of("over.csv"), LG_F64, &x, &y));
    CHECK(x && lg_tensor_get(x, 1) == 1e39);
    lg_tensor_free(x), lg_tensor_free(y);
}

/* A program that sets a locale whose decimal point is ',' still reads and writes
 * '.' (skipped where no such locale is installed; LOCPATH may point to one). */
static void test_comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8",
                                        "ru_RU.UTF-8", "ru_RU.utf8"};
    const char *got = NULL;
    for (size_t i = 0; !got && i < sizeof names / sizeof names[0]; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got || strcmp(localeconv()->decimal_point, ",") != 0) {
        printf("skip: no locale with a ',' decimal point is installed\n");
        setlocale(LC_NUMERIC, "C");
        return;
    }
    lg_tensor *x, *y;
    CHECK_OK(lg_csv_read(write_text("point.csv", "x,y\n0.5,1.25\n"), LG_F64, &x, &y));
    CHECK(x && y && lg_tensor_get(x, 0) == 0.5 && lg_tensor_get(y, 0) == 1.25);
    if (x && y) {
        CHECK_OK(lg_csv_write(path_of("point-out.csv"), x, y));
        FILE *f = fopen(path_of("point-out.csv"), "r");
        char text[64] = "";
        CHECK(f && fread(text, 1, sizeof text - 1, f) > 0);
        CHECK(strcmp(text, "x,y\n0.5,1.25\n") == 0);
        if (f)
            fclose(f);
    }
    lg_tensor_free(x), lg_tensor_free(y);
    CHECK(strcmp(localeconv()->decimal_point, ",") == 0); /* the caller's locale is back */
    setlocale(LC_NUMERIC, "C");
}

/* The reader keeps rows in chunks (src/data/csv.c): a count that fills its
 * chunks exactly, and one that crosses several, read back the same bits in order. */
static void read_back(lg_dtype dt, size_t n, const char *eol)
{
    size_t bytes = n * lg_dtype_size(dt);
    lg_tensor *x, *y, *rx = NULL, *ry = NULL;
    CHECK_OK(lg_make_linear(0.3, 0.5, n, 0.01, n, dt, &x, &y));
    const char *p = path_of("chunks.csv");
    write_by_printf(p, x, y, eol);
    CHECK_OK(lg_csv_read(p, dt, &rx, &ry));
    CHECK(rx && ry && lg_tensor_size(rx) == n && lg_tensor_size(ry) == n);
    if (rx && ry && lg_tensor_size(rx) == n && lg_tensor_size(ry) == n) {
        CHECK(memcmp(lg_tensor_cdata(x), lg_tensor_cdata(rx), bytes) == 0);
        CHECK(memcmp(lg_tensor_cdata(y), lg_tensor_cdata(ry), bytes) == 0);
    }
    unlink(p);
    lg_tensor_free(x), lg_tensor_free(y), lg_tensor_free(rx), lg_tensor_free(ry);
}

/* The rows that chunks 0 to k - 1 hold. */
static size_t rows_before_chunk(lg_dtype dt, size_t k)
{
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        n += lg_csv_chunk_rows(dt, i);
    return n;
}

static void test_chunk_boundaries(lg_dtype dt)
{
    size_t big = 0; /* the first chunk of the largest size */
    while (lg_csv_chunk_rows(dt, big + 1) > lg_csv_chunk_rows(dt, big))
        big++;
    CHECK(lg_csv_chunk_rows(dt, 0) >= 100 && lg_csv_chunk_rows(dt, big) > 100000);
    read_back(dt, rows_before_chunk(dt, 1), "\n");             /* chunk 0 exactly full */
    read_back(dt, rows_before_chunk(dt, 3) + 1, "\n");         /* one row into chunk 3 */
    read_back(dt, rows_before_chunk(dt, big + 1), "\n");       /* the first largest one full */
    read_back(dt, rows_before_chunk(dt, big + 2) + 3, "\r\n"); /* into the third largest */
}

#define LINE_LIMIT LG_CSV_MAX_LINE
#define PADDED_ROWS 300

/* Row i as "i, ... L\n" padded with spaces to L bytes, its end included. */
static size_t put_padded_row(char *out, size_t i, size_t len)
{
    char tail[32];
    size_t head = (size_t)sprintf(out, "%zu,", i);
    size_t end = (size_t)snprintf(tail, sizeof tail, "%zu\n", len);
    memset(out + head, ' ', len - head - end);
    memcpy(out + len - end, tail, end);
    return len;
}

/* Lengths from 2,049 to the limit, every third at the limit, so that lines of
 * each kind straddle the blocks the reader reads, whatever their size. */
static size_t padded_length(size_t i)
{
    return i % 3 == 0 ? LINE_LIMIT : LINE_LIMIT - (i * 389) % 2048;
}

/* The header and PADDED_ROWS padded rows; row `longer` has one byte more than
 * the limit and row `nul` a NUL among its spaces (PADDED_ROWS for neither). */
static size_t padded_file(char *buf, size_t longer, size_t nul)
{
    size_t len = (size_t)sprintf(buf, "x,y\n");
    for (size_t i = 0; i < PADDED_ROWS; i++) {
        size_t row = put_padded_row(buf + len, i, i == longer ? LINE_LIMIT + 1 : padded_length(i));
        if (i == nul)
            buf[len + 8] = '\0';
        len += row;
    }
    return len;
}

static void check_padded_rows(const lg_tensor *x, const lg_tensor *y)
{
    CHECK(x && y && lg_tensor_size(x) == PADDED_ROWS);
    for (size_t i = 0; x && y && lg_tensor_size(x) == PADDED_ROWS && i < PADDED_ROWS; i++)
        if (lg_tensor_get(x, i) != (double)i || lg_tensor_get(y, i) != (double)padded_length(i)) {
            CHECK(!"padded row read back wrong");
            break;
        }
}

static void test_line_limit(void)
{
    char *buf = malloc(8 + PADDED_ROWS * (LINE_LIMIT + 1)), mention[64];
    CHECK(buf != NULL);
    if (!buf)
        return;
    lg_tensor *x, *y;
    size_t len = padded_file(buf, PADDED_ROWS, PADDED_ROWS);
    CHECK_OK(lg_csv_read(write_bytes("long.csv", buf, len), LG_F64, &x, &y));
    check_padded_rows(x, y);
    lg_tensor_free(x), lg_tensor_free(y);
    /* row i is line i + 2 */
    len = padded_file(buf, 211, PADDED_ROWS);
    CHECK_STATUS(lg_csv_read(write_bytes("long.csv", buf, len), LG_F64, &x, &y), LG_EPARSE);
    snprintf(mention, sizeof mention, ":213: line is longer than %d bytes", LINE_LIMIT);
    CHECK_ERROR_HAS(mention);
    len = padded_file(buf, PADDED_ROWS, 97);
    CHECK_STATUS(lg_csv_read(write_bytes("long.csv", buf, len), LG_F64, &x, &y), LG_EPARSE);
    CHECK_ERROR_HAS(":99: line contains a NUL byte");
    CHECK(x == NULL && y == NULL);
    /* A last line without its end may have the limit's bytes, and no more. */
    len = (size_t)sprintf(buf, "x,y\n");
    len += put_padded_row(buf + len, 7, LINE_LIMIT + 1) - 1;
    CHECK_OK(lg_csv_read(write_bytes("long.csv", buf, len), LG_F64, &x, &y));
    CHECK(x && lg_tensor_size(x) == 1 && lg_tensor_get(x, 0) == 7.0);
    lg_tensor_free(x), lg_tensor_free(y);
    len = (size_t)sprintf(buf, "x,y\n");
    len += put_padded_row(buf + len, 7, LINE_LIMIT + 2) - 1;
    CHECK_STATUS(lg_csv_read(write_bytes("long.csv", buf, len), LG_F64, &x, &y), LG_EPARSE);
    CHECK_ERROR_HAS(":2: line is longer than");
    free(buf);
}

/* Blank lines (skipped by the reader) of `bytes` bytes in all; *lines counts them. */
static size_t put_blank_lines(char *out, size_t bytes, size_t *lines)
{
    for (size_t left = bytes, len; left > 0; left -= len, out += len, ++*lines) {
        len = left < 4000 ? left : 4000;
        memset(out, ' ', len - 1);
        out[len - 1] = '\n';
    }
    return bytes;
}

/* A row of `len` bytes starting at file offset `start`, then the row "1,2". */
static bool line_at(size_t start, size_t len)
{
    char *buf = malloc(start + len + 16);
    if (!buf)
        return false;
    size_t lines = 1, n = (size_t)sprintf(buf, "x,y\n");
    n += put_blank_lines(buf + n, start - n, &lines);
    n += put_padded_row(buf + n, 7, len);
    n += (size_t)sprintf(buf + n, "1,2\n");
    lg_tensor *x, *y;
    lg_status s = lg_csv_read(write_bytes("edge.csv", buf, n), LG_F64, &x, &y);
    free(buf);
    char mention[64];
    snprintf(mention, sizeof mention, ":%zu: line is longer than", lines + 1);
    bool ok = len > LINE_LIMIT
                  ? s == LG_EPARSE && strstr(lg_last_error(), mention)
                  : s == LG_OK && lg_tensor_size(x) == 2 && lg_tensor_get(x, 0) == 7.0 &&
                        lg_tensor_get(y, 0) == (double)len && lg_tensor_get(y, 1) == 2.0;
    if (!ok)
        fprintf(stderr, "a %zu-byte line at offset %zu: %s\n", len, start, lg_last_error());
    if (s == LG_OK)
        lg_tensor_free(x), lg_tensor_free(y);
    return ok;
}

/* The limit holds wherever a line falls against the end of the first block read:
 * ending just before it, at it or just after, or starting there. */
static void test_line_at_block_end(void)
{
    for (size_t len = LINE_LIMIT; len <= LINE_LIMIT + 1; len++) {
        for (size_t start = LG_CSV_BLOCK - len - 1; start <= LG_CSV_BLOCK - len + 2; start++)
            CHECK(line_at(start, len));
        for (size_t start = LG_CSV_BLOCK - 2; start <= LG_CSV_BLOCK + 1; start++)
            CHECK(line_at(start, len));
    }
}

/* A stream that gives `text`, then fails with EIO. */
typedef struct failing_source {
    const char *text;
    size_t len, pos;
} failing_source;

static ssize_t read_then_fail(void *cookie, char *buf, size_t size)
{
    failing_source *src = cookie;
    size_t n = src->len - src->pos < size ? src->len - src->pos : size;
    if (n == 0) {
        errno = EIO;
        return -1;
    }
    memcpy(buf, src->text + src->pos, n);
    src->pos += n;
    return (ssize_t)n;
}

static lg_status read_failing(const char *text, lg_tensor **x, lg_tensor **y)
{
    failing_source src = {text, strlen(text), 0};
    FILE *f = fopencookie(&src, "r", (cookie_io_functions_t){.read = read_then_fail});
    CHECK(f != NULL);
    if (!f)
        return LG_EIO;
    lg_status s = lg_csv_read_stream(f, "failing.csv", LG_F64, x, y);
    fclose(f);
    return s;
}

/* A read error fails the read, after the rows before it were checked. */
static void test_read_error(void)
{
    lg_tensor *x, *y;
    CHECK_STATUS(read_failing("x,y\n1,2\n3,4\n", &x, &y), LG_EIO);
    CHECK_ERROR_HAS("cannot read 'failing.csv': Input/output error");
    CHECK(x == NULL && y == NULL);
    CHECK_STATUS(read_failing("x,y\n1,2\n3,", &x, &y), LG_EIO); /* a line cut short */
    CHECK_STATUS(read_failing("x,y\n1,2\nabc,4\n5", &x, &y), LG_EPARSE);
    CHECK_ERROR_HAS("failing.csv:3: x value 'abc' is not a number");
    CHECK(x == NULL && y == NULL);
}

/* Special values and more rows than one block: the same bytes as fprintf
 * per row made (write_by_printf). */
static void test_write_is_printf(lg_dtype dt)
{
    static const double special[] = {
        0.0,     -0.0,     1.0,     -1.0,    0.1,     1e-5,    123456789.0, 1e20,    -2.5e-30,
        FLT_MAX, -FLT_MAX, FLT_MIN, 1.4e-45, DBL_MAX, DBL_MIN, 4.9e-324,    NAN,     INFINITY,
        -INFINITY, -2.2250738585072014e-308};
    size_t n = 40000, k = sizeof special / sizeof special[0];
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(-3e5, 7e-9, n, 1e-3, 5, dt, &x, &y));
    /* Through the data pointer: lg_tensor_set refuses what a tensor cannot hold,
     * but the writer must still print whatever the memory holds, as printf does. */
    for (size_t i = 0; x && y && i < n; i += 3) {
        double vx = special[(i / 3) % k], vy = special[(i / 3 + 5) % k];
        if (dt == LG_F32)
            ((float *)lg_tensor_data(x))[i] = (float)vx, ((float *)lg_tensor_data(y))[i] = (float)vy;
        else
            ((double *)lg_tensor_data(x))[i] = vx, ((double *)lg_tensor_data(y))[i] = vy;
    }
    char *want = NULL, *got = NULL;
    size_t want_len = 0, got_len = 0;
    write_by_printf(path_of("printf.csv"), x, y, "\n");
    CHECK_OK(lg_csv_write(path_of("lib.csv"), x, y));
    FILE *a = fopen(path_of("printf.csv"), "rb"), *b = fopen(path_of("lib.csv"), "rb");
    if (a && b) {
        want = malloc(n * 64), got = malloc(n * 64);
        if (want && got) {
            want_len = fread(want, 1, n * 64, a);
            got_len = fread(got, 1, n * 64, b);
        }
    }
    CHECK(want_len > 600000 && want_len == got_len && memcmp(want, got, want_len) == 0);
    if (a)
        fclose(a);
    if (b)
        fclose(b);
    free(want), free(got);
    lg_tensor_free(x), lg_tensor_free(y);
}

static void test_write_errors(void)
{
    lg_tensor *x, *y;
    CHECK_OK(lg_make_linear(0.3, 0.5, 10, 0.01, 1, LG_F64, &x, &y));
    CHECK_STATUS(lg_csv_write(path_of("no/such/dir.csv"), x, y), LG_EIO);
    CHECK_ERROR_HAS("cannot write");
    lg_tensor *small;
    CHECK_OK(lg_tensor_new(LG_F64, 5, false, &small));
    CHECK_STATUS(lg_csv_write(path_of("mismatch.csv"), x, small), LG_EINVAL);
    lg_tensor_free(small);
    lg_tensor_free(x), lg_tensor_free(y);
}

int main(void)
{
    if (!mkdtemp(dir))
        return fprintf(stderr, "cannot create %s\n", dir), 1;
    test_round_trip(LG_F64);
    test_round_trip(LG_F32);
    test_accepted();
    test_rejected();
    test_f32_range();
    test_comma_locale();
    test_write_errors();
    test_chunk_boundaries(LG_F32);
    test_chunk_boundaries(LG_F64);
    test_line_limit();
    test_line_at_block_end();
    test_read_error();
    test_write_is_printf(LG_F32);
    test_write_is_printf(LG_F64);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_done("test_csv");
}
