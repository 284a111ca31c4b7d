/* What a CSV read must give back, shared by the fuzz harness and by the test that
 * shows each check can fail (tests/test_csv_oracle.c). */
#ifndef LG_CSV_ORACLE_H
#define LG_CSV_ORACLE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"

/* Only the decimal grammar gets through (src/data/csv.c): after the header line,
 * an accepted file holds nothing but these bytes. strtod's other forms (hex, nan,
 * inf, \v before a number) would bring x, n, a, i, p or \v with them. */
static inline int csv_rows_are_decimal(const uint8_t *data, size_t size)
{
    static const char ok[] = "0123456789+-.eE, \t\r\n";
    const uint8_t *end = data + size, *p = memchr(data, '\n', size);
    for (p = p ? p : end; p < end; p++)
        if (!memchr(ok, *p, sizeof ok - 1))
            return 0;
    return 1;
}

/* NULL when the outcome of a read of data is acceptable, else what is wrong. The
 * caller clears the thread's message (lg_error_clear) before the read, so that a
 * failure which sets none is caught. */
static inline const char *csv_outcome_problem(lg_status s, const lg_tensor *x, const lg_tensor *y,
                                              const uint8_t *data, size_t size)
{
    if (s != LG_OK) {
        if (x || y)
            return "a failure handed back a tensor";
        return lg_error_is_set() ? NULL : "a failure set no message";
    }
    if (!x || !y || lg_tensor_size(x) != lg_tensor_size(y) || lg_tensor_size(x) == 0)
        return "a success gave no tensors, or tensors of different or zero size";
    if (!csv_rows_are_decimal(data, size))
        return "a file outside the decimal grammar was accepted";
    for (size_t i = 0; i < lg_tensor_size(x); i++)
        if (!isfinite(lg_tensor_get(x, i)) || !isfinite(lg_tensor_get(y, i)))
            return "a non-finite value was returned";
    return NULL;
}

#endif
