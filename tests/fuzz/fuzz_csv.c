/* libFuzzer harness: any bytes as a CSV file, read as f64 and as f32. The reader
 * must either return tensors of equal size with finite values, or fail with a
 * message; never crash, hang or leak. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include "data/csv.h"
#include "csv_oracle.h"

static void read_as(const uint8_t *data, size_t size, lg_dtype dt)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return; /* fmemopen refuses size 0 on some libcs */
    lg_tensor *x, *y;
    lg_error_clear();
    lg_status s = lg_csv_read_stream(f, "fuzz.csv", dt, &x, &y);
    fclose(f);
    const char *problem = csv_outcome_problem(s, x, y, data, size);
    if (problem) {
        fprintf(stderr, "fuzz_csv: %s (status %s: %s)\n", problem, lg_status_name(s),
                lg_last_error());
        abort();
    }
    lg_tensor_free(x);
    lg_tensor_free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_as(data, size, LG_F64);
    read_as(data, size, LG_F32);
    return 0;
}
