/* A kernel table's sum and dot add in the order its lg_red_order states
 * (kernels.h), bit for bit: graph mode's generated loops follow that statement
 * instead of calling the entry, so a table whose code and statement disagree
 * would give graph mode other bits than eager. Each stated order is replayed
 * here in plain C and compared with the entries on every size up to a few
 * blocks, around every block and group boundary, and from misaligned starts. */
#include <stdint.h>

#include "check.h"
#include "exec/isa.h"
#include "kernels.h"

enum { MAX_N = 4 * 2048 + 64, PAD = 4 };

/* Halves s[0..m) pairwise (j plus j + h, h = m/2, then a quarter, ...) to one. */
static double halve(double *s, size_t m)
{
    for (size_t h = m / 2; h >= 1; h /= 2)
        for (size_t j = 0; j < h; j++)
            s[j] = s[j] + s[j + h];
    return s[0];
}

static float term_f32(float a, const float *p, const float *q, size_t i)
{
    return q ? fmaf(p[i], q[i], a) : a + p[i];
}

/* One block's groups and vectors, as the order adds them; returns where it stopped. */
static size_t lanes_f32(const lg_red_order *o, const float *p, const float *q, size_t i, size_t end,
                        float v[])
{
    size_t V = o->lanes, G = 4 * V;
    bool masked = o->kind == LG_ORDER_LANES_MASKED;
    float a[64] = {0};
    for (; i + G <= end; i += G)
        for (size_t l = 0; l < G; l++)
            a[l] = term_f32(a[l], p, q, i + l);
    for (; masked ? i < end : i + V <= end; i += V)
        for (size_t l = 0; l < V; l++)
            a[l] = i + l < end ? term_f32(a[l], p, q, i + l) : a[l] + 0.0f;
    for (size_t l = 0; l < V; l++)
        v[l] = (a[l] + a[V + l]) + (a[2 * V + l] + a[3 * V + l]);
    return i;
}

static double ordered_f32(const lg_red_order *o, const float *p, const float *q, size_t n)
{
    if (o->kind == LG_ORDER_SERIAL) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += q ? (double)p[i] * (double)q[i] : (double)p[i];
        return s;
    }
    size_t V = o->lanes, F = o->flush ? o->flush : n;
    double S[32] = {0}, total = 0.0;
    for (size_t b = 0; b < n; b += F) {
        size_t end = n - b < F ? n : b + F;
        float v[16];
        size_t i = lanes_f32(o, p, q, b, end, v);
        double d[16];
        for (size_t j = 0; j < V / 2; j++)
            d[j] = (double)v[j] + (double)v[j + V / 2];
        if (o->kind == LG_ORDER_LANES_MASKED) {
            for (size_t j = 0; j < V / 2; j++)
                S[j] += d[j];
            continue;
        }
        double s = halve(d, V / 2);
        for (; i < end; i++)
            s += q ? (double)(p[i] * q[i]) : (double)p[i];
        total += s;
    }
    return o->kind == LG_ORDER_LANES_MASKED ? halve(S, V / 2) : total;
}

static double ordered_f64(const lg_red_order *o, const double *p, const double *q, size_t n)
{
    if (o->kind == LG_ORDER_SERIAL) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += q ? p[i] * q[i] : p[i];
        return s;
    }
    size_t V = o->lanes, G = 4 * V, i = 0;
    bool masked = o->kind == LG_ORDER_LANES_MASKED;
    double a[64] = {0}, v[16];
    for (; i + G <= n; i += G)
        for (size_t l = 0; l < G; l++)
            a[l] = q ? fma(p[i + l], q[i + l], a[l]) : a[l] + p[i + l];
    for (; masked ? i < n : i + V <= n; i += V)
        for (size_t l = 0; l < V; l++)
            a[l] = i + l >= n ? a[l] + 0.0 : q ? fma(p[i + l], q[i + l], a[l]) : a[l] + p[i + l];
    for (size_t l = 0; l < V; l++)
        v[l] = (a[l] + a[V + l]) + (a[2 * V + l] + a[3 * V + l]);
    double s = halve(v, V);
    for (; i < n; i++)
        s = q ? fma(p[i], q[i], s) : s + p[i];
    return s;
}

/* Terms of mixed sign and size, every 7th a zero of either sign (a -0 term
 * must leave an accumulator at +0). */
static void fill(double *d, float *f, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005u + 1442695040888963407u;
        double u = (double)(seed >> 11) * 0x1p-53;
        double v = (u - 0.5) * (1 + (double)(seed % 5) * 100);
        if (i % 7 == 3)
            v = (seed >> 7 & 1) ? -0.0 : 0.0;
        d[i] = v;
        f[i] = (float)v;
    }
}

static bool same(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

static size_t mismatches;

static void compare(const char *what, size_t n, size_t off, double want, double got)
{
    if (same(want, got))
        return;
    if (mismatches++ < 8)
        fprintf(stderr, "  %s, n = %zu from element %zu: the stated order gives %a, the entry %a\n",
                what, n, off, want, got);
}

static void check_size(const lg_kernels *k, const double *pd, const double *qd, const float *pf,
                       const float *qf, size_t n, size_t off)
{
    const lg_red_order *o32 = &k->f32.order, *o64 = &k->f64.order;
    compare("f32 sum", n, off, ordered_f32(o32, pf + off, NULL, n), k->f32.sum(pf + off, n));
    compare("f32 dot", n, off, ordered_f32(o32, pf + off, qf + off, n), k->f32.dot(pf + off, qf + off, n));
    compare("f64 sum", n, off, ordered_f64(o64, pd + off, NULL, n), k->f64.sum(pd + off, n));
    compare("f64 dot", n, off, ordered_f64(o64, pd + off, qd + off, n), k->f64.dot(pd + off, qd + off, n));
}

static bool valid(const lg_red_order *o, bool f32)
{
    if (o->kind == LG_ORDER_SERIAL)
        return true;
    bool lanes = o->lanes >= 2 && o->lanes <= 16 && (o->lanes & (o->lanes - 1)) == 0;
    return (o->kind == LG_ORDER_LANES_MASKED || o->kind == LG_ORDER_LANES_REST) && lanes &&
           (f32 ? o->flush > 0 && o->flush % (4 * o->lanes) == 0 : o->flush == 0);
}

int main(void)
{
    check_isa_or_skip("test_red_order");
    const lg_kernels *k = lg_kernels_find(lg_isa_default());
    CHECK(k != NULL);
    if (!k)
        return check_done("test_red_order");
    CHECK(valid(&k->f32.order, true));
    CHECK(valid(&k->f64.order, false));
    double *pd = malloc((MAX_N + PAD) * sizeof *pd), *qd = malloc((MAX_N + PAD) * sizeof *qd);
    float *pf = malloc((MAX_N + PAD) * sizeof *pf), *qf = malloc((MAX_N + PAD) * sizeof *qf);
    CHECK(pd && qd && pf && qf);
    if (pd && qd && pf && qf && valid(&k->f32.order, true) && valid(&k->f64.order, false)) {
        fill(pd, pf, MAX_N + PAD, 1);
        fill(qd, qf, MAX_N + PAD, 2);
        size_t checked = 0;
        for (size_t n = 0; n <= MAX_N; n += n < 300 ? 1 : n % 512 == 0 ? 1 : n % 512 == 1 ? 510 : 1)
            for (size_t off = 0; off < PAD; off += n < 300 ? 3 : 1, checked++)
                check_size(k, pd, qd, pf, qf, n, off);
        printf("test_red_order: %s: %zu sizes and starts, sum and dot, f32 and f64: %zu differ\n",
               k->name, checked, mismatches);
        CHECK(mismatches == 0);
    }
    free(pd), free(qd), free(pf), free(qf);
    return check_done("test_red_order");
}
