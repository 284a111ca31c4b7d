/* Op output headers at addresses never reused while their graph lives. */
#define _GNU_SOURCE /* mremap, MREMAP_MAYMOVE; MAP_ANONYMOUS, MAP_NORESERVE, MADV_DONTNEED */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "autograd/tensor_pool.h"

#ifndef MREMAP_DONTUNMAP /* Linux 5.7; older headers lack it, older kernels refuse it */
#define MREMAP_DONTUNMAP 4
#endif

/* A reservation holds ~600,000 headers (about 120,000 of the tutorial's eager
 * steps) and costs address space only until touched. Headers are handed out a
 * granule (~2,400) at a time. */
#define RESERVATION ((size_t)64 << 20)
#define GRANULE ((size_t)2 << 20)
#define PER_GRANULE (GRANULE / sizeof(lg_tensor))

struct lg_pool_span {
    struct lg_pool_span *older;
    char *base;
    bool given_back; /* wholly: every header in it belongs to a dropped step */
};

/* The pages of a dead granule move, without a copy, to the next granule the
 * pool will hand out, and the dead range stays mapped, reading as zeros. Fresh
 * pages would cost a page fault each (~15 us on a VM, where a tutorial step
 * costs ~2 us); moved ones cost one call per ~500 steps. */
static bool move_pages(char *from, char *to)
{
    return mremap(from, GRANULE, GRANULE, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) !=
           MAP_FAILED;
}

/* [p, p + len) reads as zeros from now on and holds no memory. A whole used
 * reservation is mapped afresh, which also frees its page tables and folds the
 * pieces move_pages left into one mapping. */
static void give_back(char *p, size_t len, bool whole)
{
    if (whole && mmap(p, len, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0) != MAP_FAILED)
        return;
    madvise(p, len, MADV_DONTNEED); /* advice: if refused, the memory stays, nothing breaks */
}

static struct lg_pool_span *reserve(struct lg_pool_span *older)
{
    struct lg_pool_span *s = malloc(sizeof *s);
    if (!s)
        return NULL;
    /* One granule extra, to start at a multiple of GRANULE: each granule is then
     * one huge page where the system gives them (a page fault and a page-table
     * entry per granule, and moving one entry moves it). */
    char *raw = mmap(NULL, RESERVATION + GRANULE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) {
        free(s);
        return NULL;
    }
    char *base = (char *)(((uintptr_t)raw + GRANULE - 1) / GRANULE * GRANULE);
    if (base > raw)
        munmap(raw, (size_t)(base - raw));
    munmap(base + RESERVATION, (size_t)(raw + GRANULE - base));
#ifdef MADV_HUGEPAGE
    madvise(base, RESERVATION, MADV_HUGEPAGE); /* advice: 4 KiB pages work too, slower */
#endif
    *s = (struct lg_pool_span){.older = older, .base = base};
    return s;
}

lg_tensor *lg_tensor_pool_take_granule(lg_tensor_pool *p)
{
    struct lg_pool_span *s = p->spans;
    char *at = p->end ? (char *)p->end : NULL;
    if (at) /* the granule after the one used up */
        at = s->base + ((size_t)(at - s->base) + GRANULE - 1) / GRANULE * GRANULE;
    if (!at || at + GRANULE > s->base + RESERVATION) {
        if (!(s = reserve(p->spans)))
            return NULL;
        p->spans = s;
        p->kept = at = s->base;
    }
    p->next = (lg_tensor *)at + 1;
    p->end = (lg_tensor *)at + PER_GRANULE;
    return (lg_tensor *)at;
}

void lg_tensor_pool_drop(lg_tensor_pool *p)
{
    struct lg_pool_span *s = p->spans;
    if (!s)
        return;
    /* Older reservations were wholly used: each is given back once, when the
     * step that left it is dropped. */
    for (struct lg_pool_span *o = s->older; o && !o->given_back; o = o->older) {
        give_back(o->base, RESERVATION, true);
        o->given_back = true;
    }
    char *current = s->base + ((size_t)((char *)p->end - s->base) - 1) / GRANULE * GRANULE;
    if (current <= p->kept)
        return;
    char *next = current + GRANULE;
    bool moved = next + GRANULE <= s->base + RESERVATION && move_pages(current - GRANULE, next);
    if (!moved || current - GRANULE > p->kept)
        give_back(p->kept, (size_t)(current - p->kept) - (moved ? GRANULE : 0), false);
    p->kept = current;
}

void lg_tensor_pool_free(lg_tensor_pool *p)
{
    for (struct lg_pool_span *s = p->spans, *older; s; s = older) {
        older = s->older;
        munmap(s->base, RESERVATION);
        free(s);
    }
    *p = (lg_tensor_pool){0};
}
