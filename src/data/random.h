/*
 * Counter-based random numbers: the value for (seed, stream, index) is a hash of
 * those three, so any element can be made on its own, in any order, on any
 * thread, and always comes out the same.
 */
#ifndef LG_RANDOM_H
#define LG_RANDOM_H

#include <stdint.h>

/* SplitMix64's finaliser: a bijection on 64 bits with full avalanche. */
static inline uint64_t lg_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Each (seed, stream) gets its own key, so sequences of nearby seeds or of
 * different streams are not shifted copies of one another. */
static inline uint64_t lg_rng_key(uint64_t seed, uint32_t stream)
{
    return lg_mix64(lg_mix64(seed) ^ (0x9e3779b97f4a7c15u * ((uint64_t)stream + 1)));
}

/* The index-th draw of a keyed sequence: SplitMix64 evaluated at position index. */
static inline uint64_t lg_rng_at(uint64_t key, uint64_t index)
{
    return lg_mix64(key + 0x9e3779b97f4a7c15u * (index + 1));
}

/* The top 53 bits as a double in [0, 1). */
static inline double lg_rng_unit(uint64_t bits)
{
    return (double)(bits >> 11) * 0x1.0p-53;
}

#endif
