/* The JIT's 128-bit hash: two independent 64-bit lanes over the same bytes.
 * It names cache entries and checks that an object file is whole; it is not
 * a defence against someone forging a file (the cache directory is private,
 * and a loaded object's embedded source is compared byte for byte anyway). */
#ifndef LG_JIT_HASH_H
#define LG_JIT_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_hash128 {
    uint64_t a, b;
} lg_hash128;

/* Streaming: feed parts with lg_hasher_add, in order, then lg_hasher_end. */
typedef struct lg_hasher {
    uint64_t a, b;
    uint64_t total;
    unsigned char tail[8];
    size_t ntail;
} lg_hasher;

void lg_hasher_init(lg_hasher *h);
void lg_hasher_add(lg_hasher *h, const void *data, size_t len);
/* A part preceded by its length, so ("ab","c") and ("a","bc") differ. */
void lg_hasher_add_part(lg_hasher *h, const void *data, size_t len);
lg_hash128 lg_hasher_end(const lg_hasher *h);

lg_hash128 lg_hash128_of(const void *data, size_t len);
/* 32 lowercase hex digits and a NUL. */
void lg_hash128_hex(lg_hash128 h, char out[33]);

#endif
