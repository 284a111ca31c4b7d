/* Two multiply-rotate lanes with different seeds and constants, each
 * finished with MurmurHash3's 64-bit finaliser. Eight bytes per step, so
 * hashing the ~10 KB of a sweep's source costs microseconds on a cache hit. */
#include <string.h>

#include "jit/hash.h"

static uint64_t rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

/* MurmurHash3's fmix64: every input bit affects every output bit. */
static uint64_t fmix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static void step(lg_hasher *h, uint64_t w)
{
    h->a = rotl(h->a ^ (w * 0x9e3779b97f4a7c15ULL), 29) * 0xbf58476d1ce4e5b9ULL;
    h->b = rotl(h->b + (w * 0xc2b2ae3d27d4eb4fULL), 31) * 0x94d049bb133111ebULL + 0x165667b19e3779f9ULL;
}

void lg_hasher_init(lg_hasher *h)
{
    *h = (lg_hasher){.a = 0x243f6a8885a308d3ULL, .b = 0x13198a2e03707344ULL};
}

void lg_hasher_add(lg_hasher *h, const void *data, size_t len)
{
    const unsigned char *p = data;
    h->total += len;
    while (len > 0 && h->ntail > 0 && h->ntail < 8) {
        h->tail[h->ntail++] = *p++;
        len--;
        if (h->ntail == 8) {
            uint64_t w;
            memcpy(&w, h->tail, 8);
            step(h, w);
            h->ntail = 0;
        }
    }
    for (; len >= 8; p += 8, len -= 8) {
        uint64_t w;
        memcpy(&w, p, 8); /* unaligned load; byte order is the machine's, as is the cache */
        step(h, w);
    }
    memcpy(h->tail + h->ntail, p, len);
    h->ntail += len;
}

void lg_hasher_add_part(lg_hasher *h, const void *data, size_t len)
{
    uint64_t n = len;
    lg_hasher_add(h, &n, sizeof n);
    lg_hasher_add(h, data, len);
}

lg_hash128 lg_hasher_end(const lg_hasher *h)
{
    lg_hasher c = *h;
    unsigned char last[8] = {0};
    memcpy(last, c.tail, c.ntail);
    uint64_t w;
    memcpy(&w, last, 8);
    step(&c, w ^ ((uint64_t)c.ntail << 56));
    return (lg_hash128){fmix(c.a ^ c.total), fmix(c.b ^ rotl(c.total, 32))};
}

lg_hash128 lg_hash128_of(const void *data, size_t len)
{
    lg_hasher h;
    lg_hasher_init(&h);
    lg_hasher_add(&h, data, len);
    return lg_hasher_end(&h);
}

void lg_hash128_hex(lg_hash128 h, char out[33])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[i] = digits[(h.a >> (60 - 4 * i)) & 15];
        out[16 + i] = digits[(h.b >> (60 - 4 * i)) & 15];
    }
    out[32] = '\0';
}
