/* CSV: exact round trips, the accepted variations, and an error for each defect. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

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
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_done("test_csv");
}
