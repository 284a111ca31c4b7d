/* CSV: exact round trips, the accepted variations, and an error for each defect. */
#define _POSIX_C_SOURCE 200809L
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
    test_write_errors();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", dir);
    return check_done("test_csv");
}
