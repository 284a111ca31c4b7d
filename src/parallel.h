/*
 * The driver between the autograd layer and the kernel tables: picks the dtype's
 * kernel; for reductions it cuts [0, n) into fixed blocks and adds the block
 * results in block order, so a sum depends on the data and the ISA only, never on
 * how blocks are shared out. Elementwise ops are one call for now. (Threads will
 * run the blocks; nothing above this file needs to change for that.)
 */
#ifndef LG_PARALLEL_H
#define LG_PARALLEL_H

#include "kernels.h"
#include "lingrad.h"

/* Elements per block of a reduction: long enough to amortise a call, short enough
 * that many blocks exist to share among threads. */
#define LG_BLOCK ((size_t)16384)

typedef enum lg_binop { LG_BIN_ADD, LG_BIN_SUB, LG_BIN_MUL } lg_binop;

lg_mse_sums lg_par_mse(const lg_kernels *k, lg_dtype dt, const void *x, const void *y,
                       size_t n, double w, double b);
double lg_par_sum(const lg_kernels *k, lg_dtype dt, const void *p, size_t n);
double lg_par_dot(const lg_kernels *k, lg_dtype dt, const void *p, const void *q, size_t n);

/* out = a*x + b; out may be x. */
void lg_par_axpb(const lg_kernels *k, lg_dtype dt, const void *x, size_t n, double a, double b,
                 void *out);
void lg_par_binary(const lg_kernels *k, lg_dtype dt, lg_binop op, const void *p, const void *q,
                   size_t n, void *out);
void lg_par_square(const lg_kernels *k, lg_dtype dt, const void *p, size_t n, void *out);
/* y += a*x */
void lg_par_axpy(const lg_kernels *k, lg_dtype dt, const void *x, size_t n, double a, void *y);
/* acc += s*p*q */
void lg_par_mulacc(const lg_kernels *k, lg_dtype dt, const void *p, const void *q, size_t n,
                   double s, void *acc);

#endif
