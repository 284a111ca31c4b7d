/* The fuzz harness's checks (tests/fuzz/csv_oracle.h) can fail: each is fed the
 * bad outcome it exists to catch, including a failure that sets no message. */
#define _POSIX_C_SOURCE 200809L /* fmemopen */
#include "check.h"
#include "data/csv.h"
#include "fuzz/csv_oracle.h"

static const uint8_t good_file[] = "x,y\n0.5,1.5\n";

static void test_silent_failure_is_caught(void)
{
    lg_error_clear();
    /* A planted reader that fails without saying why. */
    CHECK(csv_outcome_problem(LG_EPARSE, NULL, NULL, good_file, sizeof good_file - 1) != NULL);
    lg_fail(LG_EPARSE, "fuzz.csv: line 2: planted");
    CHECK(csv_outcome_problem(LG_EPARSE, NULL, NULL, good_file, sizeof good_file - 1) == NULL);
}

static void test_failure_with_tensors_is_caught(void)
{
    lg_tensor *x;
    CHECK_STATUS(lg_tensor_new(LG_F64, 1, false, &x), LG_OK);
    lg_fail(LG_EPARSE, "planted");
    CHECK(csv_outcome_problem(LG_EPARSE, x, NULL, good_file, sizeof good_file - 1) != NULL);
    lg_tensor_free(x);
}

static void test_bad_successes_are_caught(void)
{
    lg_tensor *x, *y, *y2;
    CHECK_STATUS(lg_tensor_new(LG_F64, 1, false, &x), LG_OK);
    CHECK_STATUS(lg_tensor_new(LG_F64, 1, false, &y), LG_OK);
    CHECK_STATUS(lg_tensor_new(LG_F64, 2, false, &y2), LG_OK);
    const uint8_t *f = good_file;
    size_t n = sizeof good_file - 1;
    CHECK(csv_outcome_problem(LG_OK, x, y, f, n) == NULL);
    CHECK(csv_outcome_problem(LG_OK, x, NULL, f, n) != NULL);
    CHECK(csv_outcome_problem(LG_OK, x, y2, f, n) != NULL);
    static const uint8_t hex[] = "x,y\n0x1p-1,1.5\n";
    CHECK(csv_outcome_problem(LG_OK, x, y, hex, sizeof hex - 1) != NULL);
    ((double *)lg_tensor_data(y))[0] = NAN; /* lg_tensor_set refuses it */
    CHECK(csv_outcome_problem(LG_OK, x, y, f, n) != NULL);
    lg_tensor_free(x);
    lg_tensor_free(y);
    lg_tensor_free(y2);
}

/* The real reader passes: its failures say why. */
static void test_reader_failure_says_why(void)
{
    static const char bad[] = "x,y\n0.5,oops\n";
    FILE *fp = fmemopen((void *)bad, sizeof bad - 1, "r");
    CHECK(fp != NULL);
    if (!fp)
        return;
    lg_tensor *x, *y;
    lg_error_clear();
    lg_status s = lg_csv_read_stream(fp, "bad.csv", LG_F64, &x, &y);
    fclose(fp);
    CHECK(s == LG_EPARSE);
    CHECK(csv_outcome_problem(s, x, y, (const uint8_t *)bad, sizeof bad - 1) == NULL);
}

int main(void)
{
    test_silent_failure_is_caught();
    test_failure_with_tensors_is_caught();
    test_bad_successes_are_caught();
    test_reader_failure_says_why();
    return check_done("test_csv_oracle");
}
