/* libFuzzer harness: any bytes as a CSV file, read as f64 and as f32. The reader
 * must either return tensors of equal size with finite values, or fail with a
 * message; never crash, hang or leak. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/csv.h"

/* Only the decimal grammar gets through (src/data/csv.c): after the header line,
 * an accepted file holds nothing but these bytes. strtod's other forms (hex, nan,
 * inf, \v before a number) would bring x, n, a, i, p or \v with them. */
static int rows_are_decimal(const uint8_t *data, size_t size)
{
    static const char ok[] = "0123456789+-.eE, \t\r\n";
    const uint8_t *end = data + size, *p = memchr(data, '\n', size);
    for (p = p ? p : end; p < end; p++)
        if (!memchr(ok, *p, sizeof ok - 1))
            return 0;
    return 1;
}

static void read_as(const uint8_t *data, size_t size, lg_dtype dt)
{
    FILE *f = fmemopen((void *)data, size, "r");
    if (!f)
        return; /* fmemopen refuses size 0 on some libcs */
    lg_tensor *x, *y;
    lg_status s = lg_csv_read_stream(f, "fuzz.csv", dt, &x, &y);
    fclose(f);
    if (s != LG_OK) {
        if (x || y || !lg_last_error()[0])
            abort(); /* a failure hands back nothing and says why */
        return;
    }
    if (!x || !y || lg_tensor_size(x) != lg_tensor_size(y) || lg_tensor_size(x) == 0 ||
        !rows_are_decimal(data, size))
        abort();
    for (size_t i = 0; i < lg_tensor_size(x); i++)
        if (!isfinite(lg_tensor_get(x, i)) || !isfinite(lg_tensor_get(y, i)))
            abort(); /* non-finite values are rejected, never returned */
    lg_tensor_free(x);
    lg_tensor_free(y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_as(data, size, LG_F64);
    read_as(data, size, LG_F32);
    return 0;
}
