/* Kernel tables: the scalar table against exact and long-double references, every
 * other runnable table against the scalar one, and the blocked driver. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "kernels.h"
#include "parallel.h"

static const size_t sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 1000, 4097, 100003};
#define N_SIZES (sizeof sizes / sizeof sizes[0])
#define MAX_N 100003
#define PAD 4 /* room for misaligned starts */

typedef struct bufs {
    double *xd, *yd, *ad;
    float *xf, *yf, *af;
} bufs;

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 11;
}

static void fill(bufs *b, uint64_t seed)
{
    for (size_t i = 0; i < MAX_N + PAD; i++) {
        b->xd[i] = (double)lcg(&seed) * 0x1p-53;
        b->yd[i] = 0.3 * b->xd[i] + 0.5 + ((double)lcg(&seed) * 0x1p-53 - 0.5) * 0.02;
        b->ad[i] = (double)lcg(&seed) * 0x1p-52 - 1.0;
        b->xf[i] = (float)b->xd[i];
        b->yf[i] = (float)b->yd[i];
        b->af[i] = (float)b->ad[i];
    }
}

/* Small dyadic values: every product and sum below is exact in float and double,
 * so the kernels must return exactly the integer arithmetic's answer. */
static void check_exact(const lg_kernels *k)
{
    enum { N = 1000 };
    static float xf[N], yf[N];
    static double xd[N], yd[N];
    long double sr = 0, srx = 0, srr = 0;
    for (int i = 0; i < N; i++) {
        xd[i] = xf[i] = (float)(i % 17) * 0.25f;
        yd[i] = yf[i] = (float)(i % 5) * 0.5f - 1.0f;
        long double r = 0.75L * xd[i] - 0.5L - yd[i];
        sr += r;
        srx += r * xd[i];
        srr += r * r;
    }
    lg_mse_sums s32 = k->f32.mse(xf, yf, N, 0.75f, -0.5f);
    lg_mse_sums s64 = k->f64.mse(xd, yd, N, 0.75, -0.5);
    CHECK(s32.r == (double)sr && s32.rx == (double)srx && s32.rr == (double)srr);
    CHECK(s64.r == (double)sr && s64.rx == (double)srx && s64.rr == (double)srr);
}

/* The scalar table against long-double sums over the same inputs. */
static void check_reference(const lg_kernels *k, const bufs *b, size_t n, size_t off)
{
    const double *x = b->xd + off, *y = b->yd + off;
    long double sr = 0, srx = 0, srr = 0, sx = 0, sxy = 0;
    for (size_t i = 0; i < n; i++) {
        long double r = (long double)(0.25 * x[i]) + 0.125L - y[i];
        sr += r;
        srx += r * x[i];
        srr += r * r;
        sx += x[i];
        sxy += (long double)x[i] * y[i];
    }
    lg_mse_sums s = k->f64.mse(x, y, n, 0.25, 0.125);
    double tol = 1e-13 * (double)(n + 1);
    CHECK_REL(s.r, (double)sr, tol);
    CHECK_REL(s.rx, (double)srx, tol);
    CHECK_REL(s.rr, (double)srr, tol);
    CHECK_REL(k->f64.sum(x, n), (double)sx, tol);
    CHECK_REL(k->f64.dot(x, y, n), (double)sxy, tol);
}

static int same_f32(const float *p, const float *q, size_t n, float tol)
{
    for (size_t i = 0; i < n; i++)
        if (fabsf(p[i] - q[i]) > tol * (fabsf(q[i]) > 1 ? fabsf(q[i]) : 1))
            return 0;
    return 1;
}

static int same_f64(const double *p, const double *q, size_t n, double tol)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(p[i] - q[i]) > tol * (fabs(q[i]) > 1 ? fabs(q[i]) : 1))
            return 0;
    return 1;
}

/* Elementwise entries of table k against the scalar table, f32. FMA-based tables may
 * round a*x+b once instead of twice, hence the small tolerance. */
static void check_elementwise_f32(const lg_kernels *k, const bufs *b, size_t n, size_t off,
                                  float *got, float *want)
{
    const lg_kernels_f32 *s = &lg_kernels_scalar.f32, *t = &k->f32;
    const float *x = b->xf + off, *y = b->yf + off, *a = b->af + off;
    const float tol = 4e-7f;
    t->axpb(x, n, 1.5f, -0.25f, got), s->axpb(x, n, 1.5f, -0.25f, want);
    CHECK(same_f32(got, want, n, tol));
    t->add(x, y, n, got), s->add(x, y, n, want);
    CHECK(same_f32(got, want, n, 0));
    t->sub(x, y, n, got), s->sub(x, y, n, want);
    CHECK(same_f32(got, want, n, 0));
    t->mul(x, y, n, got), s->mul(x, y, n, want);
    CHECK(same_f32(got, want, n, 0));
    t->square(a, n, got), s->square(a, n, want);
    CHECK(same_f32(got, want, n, 0));
    memcpy(got, a, n * sizeof *got), memcpy(want, a, n * sizeof *want);
    t->axpy(x, n, -0.75f, got), s->axpy(x, n, -0.75f, want);
    CHECK(same_f32(got, want, n, tol));
    t->mulacc(x, y, n, 2.0f, got), s->mulacc(x, y, n, 2.0f, want);
    CHECK(same_f32(got, want, n, tol));
}

static void check_elementwise_f64(const lg_kernels *k, const bufs *b, size_t n, size_t off,
                                  double *got, double *want)
{
    const lg_kernels_f64 *s = &lg_kernels_scalar.f64, *t = &k->f64;
    const double *x = b->xd + off, *y = b->yd + off, *a = b->ad + off;
    const double tol = 4e-16;
    t->axpb(x, n, 1.5, -0.25, got), s->axpb(x, n, 1.5, -0.25, want);
    CHECK(same_f64(got, want, n, tol));
    t->add(x, y, n, got), s->add(x, y, n, want);
    CHECK(same_f64(got, want, n, 0));
    t->sub(x, y, n, got), s->sub(x, y, n, want);
    CHECK(same_f64(got, want, n, 0));
    t->mul(x, y, n, got), s->mul(x, y, n, want);
    CHECK(same_f64(got, want, n, 0));
    t->square(a, n, got), s->square(a, n, want);
    CHECK(same_f64(got, want, n, 0));
    memcpy(got, a, n * sizeof *got), memcpy(want, a, n * sizeof *want);
    t->axpy(x, n, -0.75, got), s->axpy(x, n, -0.75, want);
    CHECK(same_f64(got, want, n, tol));
    t->mulacc(x, y, n, 2.0, got), s->mulacc(x, y, n, 2.0, want);
    CHECK(same_f64(got, want, n, tol));
}

/* Reductions of table k against the scalar table. */
static void check_reductions(const lg_kernels *k, const bufs *b, size_t n, size_t off)
{
    const lg_kernels *s = &lg_kernels_scalar;
    double tol32 = 1e-6, tol64 = 1e-13;
    lg_mse_sums g = k->f32.mse(b->xf + off, b->yf + off, n, 0.25f, 0.125f);
    lg_mse_sums w = s->f32.mse(b->xf + off, b->yf + off, n, 0.25f, 0.125f);
    CHECK_REL(g.r, w.r, tol32 * (double)(n + 1));
    CHECK_REL(g.rx, w.rx, tol32 * (double)(n + 1));
    CHECK_REL(g.rr, w.rr, tol32 * (double)(n + 1));
    CHECK_REL(k->f32.sum(b->af + off, n), s->f32.sum(b->af + off, n), tol32 * (double)(n + 1));
    CHECK_REL(k->f32.dot(b->xf + off, b->af + off, n), s->f32.dot(b->xf + off, b->af + off, n),
              tol32 * (double)(n + 1));
    g = k->f64.mse(b->xd + off, b->yd + off, n, 0.25, 0.125);
    w = s->f64.mse(b->xd + off, b->yd + off, n, 0.25, 0.125);
    CHECK_REL(g.r, w.r, tol64 * (double)(n + 1));
    CHECK_REL(g.rx, w.rx, tol64 * (double)(n + 1));
    CHECK_REL(g.rr, w.rr, tol64 * (double)(n + 1));
    CHECK_REL(k->f64.sum(b->ad + off, n), s->f64.sum(b->ad + off, n), tol64 * (double)(n + 1));
}

/* The blocked driver splits at LG_BLOCK; its sums must match one long pass. */
static void check_driver(const lg_kernels *k, const bufs *b)
{
    size_t n = MAX_N;
    lg_mse_sums p = lg_par_mse(k, LG_F64, b->xd, b->yd, n, 0.25, 0.125);
    lg_mse_sums q = lg_kernels_scalar.f64.mse(b->xd, b->yd, n, 0.25, 0.125);
    CHECK_REL(p.r, q.r, 1e-12);
    CHECK_REL(p.rx, q.rx, 1e-12);
    CHECK_REL(p.rr, q.rr, 1e-12);
    CHECK_REL(lg_par_sum(k, LG_F32, b->af, n), lg_kernels_scalar.f32.sum(b->af, n), 1e-12);
    CHECK_REL(lg_par_dot(k, LG_F64, b->xd, b->yd, n), lg_kernels_scalar.f64.dot(b->xd, b->yd, n),
              1e-12);
}

static void check_table(const lg_kernels *k, bufs *b, void *got, void *want)
{
    printf("kernel table %s\n", k->name);
    check_exact(k);
    for (size_t off = 0; off < PAD; off++)
        for (size_t i = 0; i < N_SIZES; i++) {
            if (k == &lg_kernels_scalar)
                check_reference(k, b, sizes[i], off);
            check_elementwise_f32(k, b, sizes[i], off, got, want);
            check_elementwise_f64(k, b, sizes[i], off, got, want);
            check_reductions(k, b, sizes[i], off);
        }
    check_driver(k, b);
}

int main(void)
{
    bufs b;
    size_t bytes = (MAX_N + PAD) * sizeof(double);
    b.xd = malloc(bytes), b.yd = malloc(bytes), b.ad = malloc(bytes);
    b.xf = malloc(bytes), b.yf = malloc(bytes), b.af = malloc(bytes);
    void *got = malloc(bytes), *want = malloc(bytes);
    if (!b.xd || !b.yd || !b.ad || !b.xf || !b.yf || !b.af || !got || !want)
        return fprintf(stderr, "out of memory\n"), 1;
    fill(&b, 12345);
    for (size_t i = 0; i < lg_kernels_count(); i++) {
        const lg_kernels *k = lg_kernels_at(i);
        if (lg_kernels_runnable(k))
            check_table(k, &b, got, want);
        else
            printf("kernel table %s: not runnable on this CPU, skipped\n", k->name);
    }
    CHECK(lg_kernels_find("scalar") == &lg_kernels_scalar);
    CHECK(lg_kernels_find("no-such-isa") == NULL);
    CHECK(lg_kernels_runnable(lg_kernels_best()));
    free(b.xd), free(b.yd), free(b.ad), free(b.xf), free(b.yf), free(b.af);
    free(got), free(want);
    return check_done("test_kernels");
}
