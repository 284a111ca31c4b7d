/* One kernel table (LINGRAD_ISA) against the scalar table, entry by entry, for
 * awkward sizes and misaligned starts; the table itself (so the scalar one too)
 * against what each entry means, on exact inputs; and the scalar table against
 * long-double references. Elementwise entries must match the scalar table
 * bit for bit; reductions within a rounding bound scaled by the sum of |terms|. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "exec/isa.h"
#include "kernels.h"
#include "exec/parallel.h"

static const size_t sizes[] = {0, 1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 64, 65, 1000, 4097, 100003};
#define N_SIZES (sizeof sizes / sizeof sizes[0])
#define MAX_N 100003
#define PAD 4 /* room for starts misaligned by 1..3 elements */

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

/* |got - want| <= tol * scale, where scale is the sum of |terms| (so cancellation
 * cannot make a correct result look wrong) plus a floor for empty sums. A
 * recursive double sum of n terms is within (n-1) * 2^-53 of that scale. */
#define CHECK_SUM(got, want, scale, tol) \
    CHECK(fabs((got) - (want)) <= (tol) * ((scale) + 1e-300))

/* The rounding bound of a double sum of n terms (3 roundings per term in the
 * fused kernel), doubled when two different summation orders are compared. */
static double f64_tol(size_t n)
{
    return 3.0 * 0x1p-53 * (double)(n + 1);
}

/* Small dyadic values: every product and sum is exact in float and double, so
 * any correct table returns exactly the integer arithmetic's answer. */
static void check_exact(const lg_kernels *k)
{
    enum { N = 1000 };
    static float xf[N], yf[N];
    static double xd[N], yd[N];
    long double sr = 0, srx = 0, srr = 0, sx = 0, sxy = 0;
    for (int i = 0; i < N; i++) {
        xd[i] = xf[i] = (float)(i % 17) * 0.25f;
        yd[i] = yf[i] = (float)(i % 5) * 0.5f - 1.0f;
        long double r = 0.75L * xd[i] - 0.5L - yd[i];
        sr += r, srx += r * xd[i], srr += r * r, sx += xd[i], sxy += (long double)xd[i] * yd[i];
    }
    lg_mse_sums s32 = k->f32.mse(xf, yf, N, 0.75f, -0.5f);
    lg_mse_sums s64 = k->f64.mse(xd, yd, N, 0.75, -0.5);
    CHECK(s32.r == (double)sr && s32.rx == (double)srx && s32.rr == (double)srr);
    CHECK(s64.r == (double)sr && s64.rx == (double)srx && s64.rr == (double)srr);
    CHECK(k->f32.sum(xf, N) == (double)sx && k->f64.sum(xd, N) == (double)sx);
    CHECK(k->f32.dot(xf, yf, N) == (double)sxy && k->f64.dot(xd, yd, N) == (double)sxy);
}

/* The scalar table against long-double sums over the same inputs. */
static void check_scalar_reference(const bufs *b, size_t n, size_t off)
{
    const lg_kernels *k = &lg_kernels_scalar;
    const double *x = b->xd + off, *y = b->yd + off;
    long double sr = 0, srx = 0, srr = 0, sx = 0, sxy = 0;
    double ar = 0, arx = 0;
    for (size_t i = 0; i < n; i++) {
        long double r = (long double)(0.25 * x[i]) + 0.125L - y[i];
        sr += r, srx += r * x[i], srr += r * r, sx += x[i], sxy += (long double)x[i] * y[i];
        ar += fabs((double)r), arx += fabs((double)r * x[i]);
    }
    lg_mse_sums s = k->f64.mse(x, y, n, 0.25, 0.125);
    double tol = f64_tol(n);
    CHECK_SUM(s.r, (double)sr, ar, tol);
    CHECK_SUM(s.rx, (double)srx, arx, tol);
    CHECK_SUM(s.rr, (double)srr, (double)srr, tol);
    CHECK_SUM(k->f64.sum(x, n), (double)sx, (double)sx, tol);
    CHECK_SUM(k->f64.dot(x, y, n), (double)sxy, (double)sxy, tol);
}

static bool same_f32(const float *p, const float *q, size_t n)
{
    return n == 0 || memcmp(p, q, n * sizeof *p) == 0;
}

static bool same_f64(const double *p, const double *q, size_t n)
{
    return n == 0 || memcmp(p, q, n * sizeof *p) == 0;
}

/* Each elementwise entry does what its name says, in this table (the scalar
 * oracle included, which the comparisons below cannot check against itself).
 * add, sub and mul share one type, so a table with two of them swapped compiles;
 * on these inputs the three results differ in every element, so a swap fails. */
enum { MEANING_N = 101 }; /* a SIMD body and a tail for every vector width */

static void check_meaning_f32(const lg_kernels *k)
{
    float p[MEANING_N], q[MEANING_N], sum[MEANING_N], dif[MEANING_N], prod[MEANING_N];
    float got[MEANING_N + 1], want[MEANING_N];
    for (int i = 0; i < MEANING_N; i++) {
        p[i] = (float)(3 + i % 7), q[i] = 0.5f + 2.0f * (float)(i % 5);
        sum[i] = p[i] + q[i], dif[i] = p[i] - q[i], prod[i] = p[i] * q[i];
        CHECK(sum[i] != dif[i] && sum[i] != prod[i] && dif[i] != prod[i]);
    }
    got[MEANING_N] = 12345.0f;
    k->f32.add(p, q, MEANING_N, got);
    CHECK(same_f32(got, sum, MEANING_N));
    k->f32.sub(p, q, MEANING_N, got);
    CHECK(same_f32(got, dif, MEANING_N));
    k->f32.mul(p, q, MEANING_N, got);
    CHECK(same_f32(got, prod, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        want[i] = p[i] * p[i];
    k->f32.square(p, MEANING_N, got);
    CHECK(same_f32(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        want[i] = 1.5f * p[i] + -0.25f;
    k->f32.axpb(p, MEANING_N, 1.5f, -0.25f, got);
    CHECK(same_f32(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        got[i] = q[i], want[i] = q[i] + -0.75f * p[i];
    k->f32.axpy(p, MEANING_N, -0.75f, got);
    CHECK(same_f32(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        got[i] = q[i], want[i] = q[i] + 2.0f * p[i] * q[i];
    k->f32.mulacc(p, q, MEANING_N, 2.0f, got);
    CHECK(same_f32(got, want, MEANING_N));
    CHECK(got[MEANING_N] == 12345.0f);
}

static void check_meaning_f64(const lg_kernels *k)
{
    double p[MEANING_N], q[MEANING_N], sum[MEANING_N], dif[MEANING_N], prod[MEANING_N];
    double got[MEANING_N + 1], want[MEANING_N];
    for (int i = 0; i < MEANING_N; i++) {
        p[i] = 3 + i % 7, q[i] = 0.5 + 2.0 * (i % 5);
        sum[i] = p[i] + q[i], dif[i] = p[i] - q[i], prod[i] = p[i] * q[i];
        CHECK(sum[i] != dif[i] && sum[i] != prod[i] && dif[i] != prod[i]);
    }
    got[MEANING_N] = 12345.0;
    k->f64.add(p, q, MEANING_N, got);
    CHECK(same_f64(got, sum, MEANING_N));
    k->f64.sub(p, q, MEANING_N, got);
    CHECK(same_f64(got, dif, MEANING_N));
    k->f64.mul(p, q, MEANING_N, got);
    CHECK(same_f64(got, prod, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        want[i] = p[i] * p[i];
    k->f64.square(p, MEANING_N, got);
    CHECK(same_f64(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        want[i] = 1.5 * p[i] + -0.25;
    k->f64.axpb(p, MEANING_N, 1.5, -0.25, got);
    CHECK(same_f64(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        got[i] = q[i], want[i] = q[i] + -0.75 * p[i];
    k->f64.axpy(p, MEANING_N, -0.75, got);
    CHECK(same_f64(got, want, MEANING_N));
    for (int i = 0; i < MEANING_N; i++)
        got[i] = q[i], want[i] = q[i] + 2.0 * p[i] * q[i];
    k->f64.mulacc(p, q, MEANING_N, 2.0, got);
    CHECK(same_f64(got, want, MEANING_N));
    CHECK(got[MEANING_N] == 12345.0);
}

/* Elementwise entries: bit-identical to the scalar table, and nothing written
 * past the end (the sentinel after element n survives). */
static void check_elementwise_f32(const lg_kernels *k, const bufs *b, size_t n, size_t off,
                                  float *got, float *want)
{
    const lg_kernels_f32 *s = &lg_kernels_scalar.f32, *t = &k->f32;
    const float *x = b->xf + off, *y = b->yf + off, *a = b->af + off;
    got[n] = want[n] = 12345.0f;
    t->axpb(x, n, 1.5f, -0.25f, got), s->axpb(x, n, 1.5f, -0.25f, want);
    CHECK(same_f32(got, want, n + 1));
    t->add(x, y, n, got), s->add(x, y, n, want);
    CHECK(same_f32(got, want, n + 1));
    t->sub(x, y, n, got), s->sub(x, y, n, want);
    CHECK(same_f32(got, want, n + 1));
    t->mul(x, y, n, got), s->mul(x, y, n, want);
    CHECK(same_f32(got, want, n + 1));
    t->square(a, n, got), s->square(a, n, want);
    CHECK(same_f32(got, want, n + 1));
    for (size_t i = 0; i < n; i++)
        got[i] = want[i] = a[i];
    t->axpy(x, n, -0.75f, got), s->axpy(x, n, -0.75f, want);
    CHECK(same_f32(got, want, n + 1));
    t->mulacc(x, y, n, 2.0f, got), s->mulacc(x, y, n, 2.0f, want);
    CHECK(same_f32(got, want, n + 1));
    t->axpb(got, n, 1.0f, 0.5f, got), s->axpb(want, n, 1.0f, 0.5f, want); /* in place */
    CHECK(same_f32(got, want, n + 1));
    CHECK(got[n] == 12345.0f);
}

static void check_elementwise_f64(const lg_kernels *k, const bufs *b, size_t n, size_t off,
                                  double *got, double *want)
{
    const lg_kernels_f64 *s = &lg_kernels_scalar.f64, *t = &k->f64;
    const double *x = b->xd + off, *y = b->yd + off, *a = b->ad + off;
    got[n] = want[n] = 12345.0;
    t->axpb(x, n, 1.5, -0.25, got), s->axpb(x, n, 1.5, -0.25, want);
    CHECK(same_f64(got, want, n + 1));
    t->add(x, y, n, got), s->add(x, y, n, want);
    CHECK(same_f64(got, want, n + 1));
    t->sub(x, y, n, got), s->sub(x, y, n, want);
    CHECK(same_f64(got, want, n + 1));
    t->mul(x, y, n, got), s->mul(x, y, n, want);
    CHECK(same_f64(got, want, n + 1));
    t->square(a, n, got), s->square(a, n, want);
    CHECK(same_f64(got, want, n + 1));
    for (size_t i = 0; i < n; i++)
        got[i] = want[i] = a[i];
    t->axpy(x, n, -0.75, got), s->axpy(x, n, -0.75, want);
    CHECK(same_f64(got, want, n + 1));
    t->mulacc(x, y, n, 2.0, got), s->mulacc(x, y, n, 2.0, want);
    CHECK(same_f64(got, want, n + 1));
    t->axpb(got, n, 1.0, 0.5, got), s->axpb(want, n, 1.0, 0.5, want); /* in place */
    CHECK(same_f64(got, want, n + 1));
    CHECK(got[n] == 12345.0);
}

/* Sums of |terms| for the fused kernel's three sums at (w, b) = (0.25, 0.125). */
static void abs_sums(const bufs *b, size_t n, size_t off, double out[3])
{
    out[0] = out[1] = out[2] = 0;
    for (size_t i = 0; i < n; i++) {
        double r = 0.25 * b->xd[off + i] + 0.125 - b->yd[off + i];
        out[0] += fabs(r), out[1] += fabs(r * b->xd[off + i]), out[2] += r * r;
    }
}

/* Reductions: FMA and several accumulators reorder the rounding, so within
 * 1e-6 (f32 lanes, flushed to double every LG_F32_FLUSH elements) or twice the
 * double rounding bound (f64) of the sum of |terms|. */
static void check_reductions(const lg_kernels *k, const bufs *b, size_t n, size_t off)
{
    const lg_kernels *s = &lg_kernels_scalar;
    double abs3[3], asum32 = 0, adot32 = 0, asum64 = 0;
    abs_sums(b, n, off, abs3);
    for (size_t i = 0; i < n; i++) {
        asum32 += fabsf(b->af[off + i]), adot32 += fabsf(b->xf[off + i] * b->af[off + i]);
        asum64 += fabs(b->ad[off + i]);
    }
    lg_mse_sums g = k->f32.mse(b->xf + off, b->yf + off, n, 0.25f, 0.125f);
    lg_mse_sums w = s->f32.mse(b->xf + off, b->yf + off, n, 0.25f, 0.125f);
    CHECK_SUM(g.r, w.r, abs3[0], 1e-6);
    CHECK_SUM(g.rx, w.rx, abs3[1], 1e-6);
    CHECK_SUM(g.rr, w.rr, abs3[2], 1e-6);
    CHECK_SUM(k->f32.sum(b->af + off, n), s->f32.sum(b->af + off, n), asum32, 1e-6);
    CHECK_SUM(k->f32.dot(b->xf + off, b->af + off, n), s->f32.dot(b->xf + off, b->af + off, n), adot32, 1e-6);
    g = k->f64.mse(b->xd + off, b->yd + off, n, 0.25, 0.125);
    w = s->f64.mse(b->xd + off, b->yd + off, n, 0.25, 0.125);
    double tol = 2 * f64_tol(n);
    CHECK_SUM(g.r, w.r, abs3[0], tol);
    CHECK_SUM(g.rx, w.rx, abs3[1], tol);
    CHECK_SUM(g.rr, w.rr, abs3[2], tol);
    CHECK_SUM(k->f64.sum(b->ad + off, n), s->f64.sum(b->ad + off, n), asum64, tol);
    CHECK_SUM(k->f64.dot(b->xd + off, b->yd + off, n), s->f64.dot(b->xd + off, b->yd + off, n),
              s->f64.dot(b->xd + off, b->yd + off, n), tol);
}

/* The blocked driver (one thread here; test_threads covers more) matches one
 * long pass of the scalar kernel. */
static void check_driver(const lg_kernels *k, const bufs *b)
{
    size_t n = MAX_N;
    double abs3[3];
    abs_sums(b, n, 0, abs3);
    lg_exec ex = {.k = k, .threads = 1};
    lg_mse_sums p = lg_par_mse(&ex, LG_F64, b->xd, b->yd, n, 0.25, 0.125);
    lg_mse_sums q = lg_kernels_scalar.f64.mse(b->xd, b->yd, n, 0.25, 0.125);
    CHECK_SUM(p.r, q.r, abs3[0], 2 * f64_tol(n));
    CHECK_SUM(p.rx, q.rx, abs3[1], 2 * f64_tol(n));
    CHECK_SUM(p.rr, q.rr, abs3[2], 2 * f64_tol(n));
}

int main(void)
{
    check_isa_or_skip("test_kernels");
    const lg_kernels *k;
    CHECK_OK(lg_kernels_default(&k));
    bufs b;
    size_t bytes = (MAX_N + PAD) * sizeof(double);
    b.xd = malloc(bytes), b.yd = malloc(bytes), b.ad = malloc(bytes);
    b.xf = malloc(bytes), b.yf = malloc(bytes), b.af = malloc(bytes);
    void *got = malloc(bytes), *want = malloc(bytes);
    if (!b.xd || !b.yd || !b.ad || !b.xf || !b.yf || !b.af || !got || !want)
        return fprintf(stderr, "out of memory\n"), 1;
    fill(&b, 12345);
    check_exact(k);
    check_meaning_f32(k);
    check_meaning_f64(k);
    for (size_t off = 0; off < PAD; off++)
        for (size_t i = 0; i < N_SIZES; i++) {
            check_scalar_reference(&b, sizes[i], off);
            check_elementwise_f32(k, &b, sizes[i], off, got, want);
            check_elementwise_f64(k, &b, sizes[i], off, got, want);
            check_reductions(k, &b, sizes[i], off);
        }
    check_driver(k, &b);
    CHECK(lg_kernels_find("scalar") == &lg_kernels_scalar);
    CHECK(lg_kernels_find("no-such-isa") == NULL);
    CHECK(lg_kernels_runnable(lg_kernels_best()));
    free(b.xd), free(b.yd), free(b.ad), free(b.xf), free(b.yf), free(b.af);
    free(got), free(want);
    return check_done("test_kernels");
}
