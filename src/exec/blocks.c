/* The block layout, and running a range of blocks on one thread: what the
 * parallel driver and the persistent team share. */
#include "exec/fpmode.h"
#include "exec/parallel.h"
#include "exec/ranks.h"
#include "exec/team.h"

static size_t ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

static size_t round_up64(size_t a)
{
    return ceil_div(a, 64) * 64;
}

lg_blocks lg_blocks_of(size_t n)
{
    size_t len = round_up64(ceil_div(n, 64)); /* aim for 64 blocks ... */
    len = len < LG_BLOCK_MIN ? LG_BLOCK_MIN : len > LG_BLOCK_MAX ? LG_BLOCK_MAX : len;
    if (ceil_div(n, len) > LG_MAX_BLOCKS) /* ... but never more than LG_MAX_BLOCKS */
        len = round_up64(ceil_div(n, LG_MAX_BLOCKS));
    return (lg_blocks){.n = n, .len = len, .count = ceil_div(n, len)};
}

/* Every thread that runs lingrad's blocks comes through here: the one place to
 * flush subnormals (see fpmode.h) and give the thread its mode back. */
void lg_blocks_run(const lg_blocks *b, int worker, size_t first, size_t last, lg_block_fn *fn,
                   void *ctx)
{
    lg_fpmode mode = lg_fpmode_enter();
    for (size_t i = first; i < last; i++) {
        size_t begin = i * b->len, end = begin + b->len < b->n ? begin + b->len : b->n;
        fn(ctx, worker, i, begin, end);
    }
    lg_fpmode_leave(mode);
}

lg_blocks lg_exec_blocks(const lg_exec *ex, size_t n)
{
    if (!ex->ranks)
        return lg_blocks_of(n);
    size_t len = ex->ranks->block_len;
    return (lg_blocks){.n = n, .len = len, .count = ceil_div(n, len)};
}

size_t lg_exec_count(const lg_exec *ex, size_t n)
{
    return ex->ranks ? ex->ranks->n : n;
}

void lg_blocks_run_share(const lg_blocks *b, int t, int threads, lg_block_fn *fn, void *ctx)
{
    size_t first = b->count * (size_t)t / (size_t)threads;
    size_t last = b->count * (size_t)(t + 1) / (size_t)threads;
    lg_blocks_run(b, t, first, last, fn, ctx);
}

