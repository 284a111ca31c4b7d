/*
 * lingrad — gradient descent for y_hat = w*x + b through a small autograd engine.
 *
 * The whole public C API, and its contract. Each statement below is checked by a
 * test (tests/test_contract.c, tests/test_thread_safety.c unless named).
 *
 * Errors
 *  - Functions that can fail return lg_status; on failure lg_last_error() holds a
 *    one-line message a user can act on (thread-local, valid until the next failure
 *    on the same thread). The library never prints and never exits.
 *  - Graph ops return an lg_tensor * owned by the graph, or NULL on failure. A NULL
 *    input after a failure the graph recorded makes an op return NULL without
 *    touching the message, so expressions can be chained and checked once
 *    (lg_graph_status()); a NULL input with no failure recorded fails the op itself
 *    ("lg_add: b (input 2) is NULL").
 *  - On failure, out-parameters are set to NULL (or zeroed) and nothing is leaked.
 *  - Handles and pointers (tests/test_api_calls, generated from this header: every
 *    function, each pointer argument NULL in turn). A NULL where a handle, a
 *    pointer or an array is expected fails with LG_EINVAL and "<function>:
 *    <argument> is NULL" in lg_last_error(); a function that returns no status
 *    then returns NULL, 0, NaN, false or (lg_tensor_dtype) no dtype, and leaves
 *    the same message. Exceptions, each stated at its function: every free (NULL
 *    is a no-op, no message); an op given a NULL input that an earlier failure
 *    explains (the chaining rule above); a NULL that a function documents as a
 *    choice (lg_graph_set_isa, lg_set_default_isa, lg_isa_names' not_runnable);
 *    buf with len 0 in the snprintf-like functions.
 *  - Enums and counts are checked: a dtype or mode outside its enum fails with
 *    LG_EINVAL naming it; lg_dtype_name, lg_mode_name and lg_mode_describe give
 *    "unknown dtype" / "unknown mode" and lg_dtype_size 0 for one (never a
 *    plausible answer); every thread count is 1 to LG_MAX_THREADS.
 *
 * Ownership
 *  - Whatever lingrad allocates for the caller, the caller frees: leaf tensors with
 *    lg_tensor_free, graphs with lg_graph_free, a training result with
 *    lg_train_result_free. Each free accepts NULL (or a zeroed result).
 *  - Op outputs belong to their graph and live until its next reset (see lg_tensor).
 *  - lingrad keeps no pointer to the caller's memory after a call returns, except
 *    the array given to lg_tensor_wrap, until that tensor is freed.
 *
 * Threads
 *  - Distinct objects may be used from different threads at once: graphs, tensors,
 *    training runs (concurrent lg_train calls may share x and y: lg_train only
 *    reads them), data generation, CSV reads and writes (writes to one path from
 *    several threads each replace the file whole: the last rename wins).
 *  - One graph, with the tensors its ops read and write, is used by one thread at
 *    a time; lingrad's own threads work inside a call and are done when it returns.
 *  - Every call may be made from inside the caller's OpenMP parallel region. Its
 *    own parallel regions then nest: with OpenMP's default of one active level
 *    they run on the calling thread alone. Results are bitwise the same either way.
 *  - With pinning on (lg_topology(): pinning), lingrad binds its worker thread i
 *    to core (c + i) mod cores, c the core the calling thread is on, when a
 *    parallel call starts, and does not undo it: those are OpenMP's pooled
 *    threads, so the caller's own later parallel regions run with the same
 *    bindings. While lg_train runs its epochs on several threads, the calling
 *    thread is held on core c (so the scheduler cannot put it on a worker's
 *    core), and its own binding is given back before lg_train returns. Setting
 *    OMP_PROC_BIND or OMP_PLACES turns lingrad's pinning off (OpenMP's then rules).
 *  - Process defaults (the kernel table, the thread count, the topology) are fixed
 *    once, race-free; see lg_set_default_threads.
 */
#ifndef LINGRAD_H
#define LINGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks what the shared library exports; everything else in it is hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define LG_API __attribute__((visibility("default")))
#else
#define LG_API
#endif

/* ---- version ---------------------------------------------------------------- */

/* LG_VERSION_MAJOR, _MINOR, _PATCH, _STRING ("0.1.0") and _NUMBER (MAJOR * 1000000
 * + MINOR * 1000 + PATCH), generated from CMake's project(VERSION) and installed
 * beside this header.
 *
 * ABI policy. While MAJOR is 0, any change a program must be recompiled for (the
 * layout or meaning of lg_train_opts, lg_train_result, lg_epoch_record,
 * lg_topology_info or lg_cpu_id, an enum's values, a signature) bumps MINOR;
 * a PATCH release changes none of them. From 1.0 such a change bumps MAJOR, and
 * MINOR only adds functions and enum values. So code built against 0.1.x works
 * with any 0.1.y, and find_package(lingrad 0.1) accepts exactly those.
 *
 * lingrad comes as a static library (liblingrad.a) and a shared one
 * (liblingrad.so, SONAME liblingrad.so.MAJOR.MINOR while MAJOR is 0, then
 * liblingrad.so.MAJOR), which exports only the functions marked LG_API here.
 * The header must come from the same install as the library a program links or
 * loads. To check, compare lg_version_number() / 1000 (while MAJOR is 0) with
 * LG_VERSION_NUMBER / 1000.
 *
 * 0.4.0: op inputs, lg_backward's loss and lg_graph_eval's tensor became const
 * (source compatible; a MINOR step under this policy), with the NULL, enum,
 * count, version and value checks of the contract above. */
#include "lingrad_version.h"

/* The version the library was built with, e.g. "0.2.0" and 2000 (0.2.0). */
LG_API const char *lg_version(void);
LG_API int lg_version_number(void);

/* ---- errors ----------------------------------------------------------------- */

typedef enum lg_status {
    LG_OK = 0,
    LG_EINVAL,      /* an argument is out of range or inconsistent */
    LG_ENOMEM,      /* an allocation failed or a size overflows */
    LG_EIO,         /* a file could not be opened, read or written */
    LG_EPARSE,      /* a file's contents are malformed */
    LG_EDIVERGED,   /* training produced a non-finite loss or parameter */
    LG_EUNSUPPORTED /* the request needs something this build or CPU lacks */
} lg_status;

LG_API const char *lg_last_error(void);
LG_API const char *lg_status_name(lg_status s);

/* ---- tensors ---------------------------------------------------------------- */

typedef enum lg_dtype { LG_F32 = 0, LG_F64 = 1 } lg_dtype;

/* "f32", "f64", or "unknown dtype"; 4, 8, or 0 for a value that is no dtype. */
LG_API const char *lg_dtype_name(lg_dtype d);
LG_API size_t lg_dtype_size(lg_dtype d);

/* A 1-D tensor of n elements; n == 1 is a scalar and broadcasts in ops.
 *
 * Two kinds, with different owners:
 *  - leaves (lg_tensor_new, lg_tensor_scalar, lg_tensor_wrap, the data functions):
 *    the caller owns them and frees each with lg_tensor_free;
 *  - op outputs (lg_add ... lg_mse_linear): the graph owns them. They live until
 *    the graph's next lg_graph_reset, lg_graph_set_isa or lg_graph_free, and must
 *    not be used after it. lingrad catches such a use however many steps back
 *    the output was made: passing one to an op, lg_backward or lg_graph_eval
 *    fails with LG_EINVAL ("a tensor from an earlier step"), its accessors give
 *    NULL, NaN, 0 or no dtype, and lg_tensor_set and lg_zero_grad fail with
 *    LG_EINVAL. (An op output's handle carries the step that made it, in 23
 *    bits its address never uses; headers are reused within each 8,388,608
 *    steps, and retired, never to be reused, when those bits wrap:
 *    docs/library.md.) After lg_graph_free its outputs must not be touched at
 *    all. lg_tensor_free on one fails with LG_EINVAL.
 *
 * Versions. Every write through the API (lg_tensor_set) bumps the tensor's
 * version, and each op records the versions of its inputs. lg_backward and
 * lg_graph_eval fail with LG_EINVAL, in eager and graph mode, when an input of
 * any op on the tape (a leaf or an op output) was written after the op used it,
 * or an op's own output was written (graph mode would compute it again):
 * eager mode would otherwise mix old values (its forward) with new ones (the
 * backward reads its inputs again), and graph mode would compute with the new
 * values what was recorded with the old. The message names the op, the input
 * and its place on the tape; record the step again. lg_graph_replay runs on the
 * current values by design and is not checked. Writes through the pointer
 * lg_tensor_data returns, or to an array given to lg_tensor_wrap, are not seen:
 * make them before recording the step that reads them. */
typedef struct lg_tensor lg_tensor;

/* A leaf tensor, zero-filled, 64-byte aligned. With requires_grad its gradient
 * buffer is allocated now (zeroed), so backward never allocates for leaves. */
LG_API lg_status lg_tensor_new(lg_dtype dtype, size_t n, bool requires_grad, lg_tensor **out);
LG_API lg_status lg_tensor_scalar(lg_dtype dtype, double value, bool requires_grad, lg_tensor **out);
/* A leaf tensor over the caller's n values at data, without a copy: numpy arrays,
 * memory-mapped files, an MPI rank's slice. data needs only the alignment of its
 * element type, but 64-byte-aligned data runs the kernels at full rate (data 16
 * bytes past a 64-byte boundary, as malloc returns it, measured 5-18% slower:
 * docs/benchmarks.md); the caller keeps it alive and unmoved until lg_tensor_free, which
 * frees lingrad's parts (the header, a gradient) and never data. Writes through
 * lg_tensor_set land in data. */
LG_API lg_status lg_tensor_wrap(lg_dtype dtype, size_t n, void *data, bool requires_grad,
                         lg_tensor **out);
/* Frees a leaf tensor (NULL is a no-op). An op output is the graph's: LG_EINVAL. */
LG_API lg_status lg_tensor_free(lg_tensor *t);

LG_API size_t lg_tensor_size(const lg_tensor *t);
LG_API lg_dtype lg_tensor_dtype(const lg_tensor *t);
LG_API bool lg_tensor_requires_grad(const lg_tensor *t);
/* Size, dtype and requires_grad; 0, no dtype (lg_dtype_size() of it is 0) and
 * false for a stale op output. */
/* The data, or NULL for a stale op output. Writes through it are not versioned
 * (see "Versions" above). */
LG_API void *lg_tensor_data(lg_tensor *t);
LG_API const void *lg_tensor_cdata(const lg_tensor *t);
/* The gradient buffer (same dtype and size), or NULL when none was computed. */
LG_API const void *lg_tensor_grad(const lg_tensor *t);
/* Element i (or the gradient's element i; 0 when there is no gradient) as double;
 * NaN when i >= size or the tensor is stale. */
LG_API double lg_tensor_get(const lg_tensor *t, size_t i);
LG_API double lg_tensor_grad_get(const lg_tensor *t, size_t i);
/* Sets element i, rounding to the tensor's dtype, and bumps the tensor's version.
 * LG_EINVAL when i >= size, the tensor is stale or not computed yet (graph mode),
 * or v is not finite or (f32) rounds past FLT_MAX: a value the tensor cannot
 * hold is refused here, naming the element, rather than stored as inf. Data that
 * reaches a tensor another way (lg_tensor_wrap's array) is checked by lg_train,
 * which names the first non-finite element. lg_tensor_scalar refuses the same
 * values. */
LG_API lg_status lg_tensor_set(lg_tensor *t, size_t i, double v);
/* Gradients accumulate across backward passes; this sets them back to zero
 * (LG_EINVAL on a stale tensor). */
LG_API lg_status lg_zero_grad(lg_tensor *t);

/* ---- autograd --------------------------------------------------------------- */

/* A graph records ops on a tape in the order they are built. Intermediate tensors
 * live in the graph's arena; lg_graph_reset() drops them all and keeps the memory,
 * so a training loop that resets once per step allocates nothing after step one. */
typedef struct lg_graph lg_graph;

LG_API lg_status lg_graph_new(lg_graph **out);
LG_API void lg_graph_free(lg_graph *g);
LG_API void lg_graph_reset(lg_graph *g);
/* The first failure recorded since the last reset (LG_OK if none). */
LG_API lg_status lg_graph_status(const lg_graph *g);
/* Selects the kernel table by ISA name ("scalar", ...), or with NULL the process
 * default (lg_isa_default()); resets the graph. */
LG_API lg_status lg_graph_set_isa(lg_graph *g, const char *isa);
LG_API const char *lg_graph_isa(const lg_graph *g);
/* Threads for the graph's kernels (1 to LG_MAX_THREADS; a new graph has
 * lg_default_threads()). Results are bitwise the same for any count. */
LG_API lg_status lg_graph_set_threads(lg_graph *g, int threads);
LG_API int lg_graph_threads(const lg_graph *g);

/* Elementwise ops: operands have equal sizes, or one of them is a scalar (n == 1).
 * Both must have the same dtype. Inputs are const: an op never writes their
 * values (lg_backward adds to the gradients of those that require one). */
LG_API lg_tensor *lg_add(lg_graph *g, const lg_tensor *a, const lg_tensor *b);
LG_API lg_tensor *lg_sub(lg_graph *g, const lg_tensor *a, const lg_tensor *b);
LG_API lg_tensor *lg_mul(lg_graph *g, const lg_tensor *a, const lg_tensor *b);
LG_API lg_tensor *lg_square(lg_graph *g, const lg_tensor *a);
/* -a, signed zeros included (-(+0) is -0). */
LG_API lg_tensor *lg_neg(lg_graph *g, const lg_tensor *a);
/* Reductions to a scalar, accumulated in double: the mean, and the sum. */
LG_API lg_tensor *lg_mean(lg_graph *g, const lg_tensor *a);
LG_API lg_tensor *lg_sum(lg_graph *g, const lg_tensor *a);
/* Fused mean((w*x + b - y)^2) for scalars w, b: one pass over x and y computes the
 * loss and the sums its backward needs. */
LG_API lg_tensor *lg_mse_linear(lg_graph *g, const lg_tensor *x, const lg_tensor *y,
                                const lg_tensor *w, const lg_tensor *b);

/* Reverse-mode pass from a scalar loss: every tensor with requires_grad that the
 * loss depends on gets d(loss)/d(tensor) added to its gradient. Once per reset. */
LG_API lg_status lg_backward(lg_graph *g, const lg_tensor *loss);

/* Graph mode (deferred execution), off in a new graph. With it on, the ops check
 * their inputs at once, as in eager mode (errors are never deferred), but only
 * record the tape; lg_backward and lg_graph_eval then run it as a whole: the
 * scheduler cuts it into sweeps that carry each block of the data through every
 * node it can (README: "Graph mode"), and a tape with the same structure as the
 * last one reuses its plan. Values and gradients are bitwise those of eager mode,
 * for every kernel table and thread count, except the sign bit of a NaN (a
 * gradient through lg_sub of a NaN was seen as +NaN in one mode and -NaN in the
 * other: tests/fuzz/fuzz_api.c).
 *
 * Until an op output is computed, its accessors give NULL (data) or NaN (get), and
 * lg_tensor_set on it fails with LG_EINVAL; nothing reads garbage. lg_backward
 * computes every scalar output (the loss among them) and the gradients of leaves;
 * it keeps no vector output and no gradient of a vector output (lg_tensor_grad
 * gives NULL, as for PyTorch's non-leaf .grad). lg_graph_eval(g, t) computes t
 * and every scalar output, keeping t's values until the next reset. Changing the
 * mode resets the graph. */
LG_API lg_status lg_graph_set_deferred(lg_graph *g, bool deferred);
LG_API bool lg_graph_deferred(const lg_graph *g);
LG_API lg_status lg_graph_eval(lg_graph *g, const lg_tensor *t);
/* Graph mode: runs the step that the last lg_backward ran again, on the same
 * tape, with the leaves' current values, without recording it again: the loss
 * and every scalar output are recomputed and the leaves' gradients have
 * d(loss)/d(leaf) added, bitwise as lg_graph_reset, recording the same ops on
 * the same leaves and lg_backward would. A training loop with a fixed graph
 * records once and replays each later step (lg_train does in graph mode).
 * Fails with LG_EINVAL, changing nothing, unless the last run on g was
 * lg_backward in graph mode with nothing since that drops its tape or plan
 * (lg_graph_reset, lg_graph_set_*, a plan lg_graph_eval ran). The tape's
 * leaves must still be alive, as for any op input. */
LG_API lg_status lg_graph_replay(lg_graph *g);
/* The sweep plan of the last tape lg_backward or lg_graph_eval ran, as text (one
 * line per sweep and step, and whether its sweeps run compiled); written as
 * snprintf does, returns the whole length. Empty before the first run. */
LG_API size_t lg_graph_plan_describe(const lg_graph *g, char *buf, size_t len);

/* Compiled sweeps, on in a new graph. When graph mode plans a new tape, each of
 * its sweeps becomes one C function that carries a tile through every step in
 * registers, compiled by the system C compiler with the kernel table's flags
 * and cached on disk (docs/jit.md: where, and the rules that keep it safe). A
 * plan is compiled once and reused with the plan; the same plan in another run
 * or process loads from the cache. Values and gradients are bitwise those of
 * the interpreted sweeps (and so of eager mode). Off, with LINGRAD_JIT=0, or
 * when no compiler works, the sweeps run interpreted: lg_graph_exec_describe
 * says which and why. Changing it resets the graph. */
LG_API lg_status lg_graph_set_compile(lg_graph *g, bool compile);
LG_API bool lg_graph_compile(const lg_graph *g);
/* How the last plan's sweeps run: "compiled", "compiled (from the cache)",
 * "interpreted: <why>", or "" before graph mode has planned anything. Written
 * as snprintf does; returns the whole length. */
LG_API size_t lg_graph_exec_describe(const lg_graph *g, char *buf, size_t len);
/* Seconds spent building plans and compiling (or loading) their sweeps since
 * the graph was made: one-time costs, apart from the per-step ones. */
LG_API double lg_graph_setup_seconds(const lg_graph *g);

/* ---- data ------------------------------------------------------------------- */

/* The tutorial's make_linear: x ~ U[0,1), y = w*x + b + U[-|noise|, |noise|].
 * Counter-based: element i depends only on (seed, i), so any range can be made
 * separately and equals the same range of a one-shot call. */
LG_API lg_status lg_make_linear(double w, double b, size_t n, double noise, uint64_t seed,
                         lg_dtype dtype, lg_tensor **x, lg_tensor **y);
/* Fills the caller's x[0..count) and y[0..count) with elements [start, start +
 * count), bit for bit as lg_make_linear makes them; LG_EINVAL on the same bad
 * parameters as lg_make_linear, or NULL arrays. */
LG_API lg_status lg_make_linear_range(double w, double b, double noise, uint64_t seed, lg_dtype dtype,
                               size_t start, size_t count, void *x, void *y);
/* A uniform draw in [0,1) from (seed, stream, index); the CLI's initial w and b
 * use stream LG_STREAM_INIT with index 0 (w) and 1 (b). */
#define LG_STREAM_X 0u
#define LG_STREAM_NOISE 1u
#define LG_STREAM_INIT 2u
LG_API double lg_uniform(uint64_t seed, uint32_t stream, uint64_t index);

/* CSV with header "x,y", one pair per line. Values round-trip exactly
 * (%.17g for f64, %.9g for f32). Blank lines, CRLF line ends and a UTF-8 BOM
 * are accepted; anything else malformed is an LG_EPARSE naming the line. */
LG_API lg_status lg_csv_read(const char *path, lg_dtype dtype, lg_tensor **x, lg_tensor **y);
/* Writes to a temporary file beside path and renames it into place. */
LG_API lg_status lg_csv_write(const char *path, const lg_tensor *x, const lg_tensor *y);

/* NumPy .npy files (format 1.0, 2.0 and 3.0) holding one array of shape (2, n)
 * (row 0 is x, row 1 is y) or (n, 2) (column 0 is x, column 1 is y), in C or
 * Fortran order, of float32 or float64 in either byte order (big-endian data is
 * byte-swapped). The values are converted to dtype: float64 to float32 rounds to
 * nearest. A non-finite value, or one too large for dtype, is an LG_EPARSE naming
 * its pair; so is anything else the file holds (another dtype or shape, shape
 * (2, 2), which could be either, an object array, a header that does not match
 * the file's size, a bad magic or version), naming the file and what was found.
 * The file is mapped and copied on the default threads. */
LG_API lg_status lg_npy_read(const char *path, lg_dtype dtype, lg_tensor **x, lg_tensor **y);
/* The dtype and the number of pairs of an .npy file, from its header, checked
 * as lg_npy_read checks it (the values are not read). */
LG_API lg_status lg_npy_probe(const char *path, lg_dtype *dtype, size_t *n);
/* Shape (2, n), C order, format 1.0 with the data at a multiple of 64 bytes, as
 * np.save writes it; to a temporary file beside path, renamed into place. */
LG_API lg_status lg_npy_write(const char *path, const lg_tensor *x, const lg_tensor *y);

/* ---- training --------------------------------------------------------------- */

/* The training modes, each written once: X(constant, name, description). The
 * enum, the names lg_mode_from_name accepts, the CLI's --mode and its help,
 * `lingrad info` and the benchmarks' rows all come from this list, so a mode
 * added here reaches every one of them. The order is the enum's (values from 0,
 * part of the ABI: append only) and every list's. Graph mode runs the eager ops
 * through lg_graph_set_deferred. */
#define LG_MODES(X)                                                                     \
    X(LG_MODE_FUSED, "fused", "the hand-written MSE-linear kernel, no tape")            \
    X(LG_MODE_EAGER, "eager", "the tutorial's ops one by one")                          \
    X(LG_MODE_GRAPH, "graph", "the same ops recorded once, run as a whole, bitwise equal to eager")

#define LG_MODE_CONSTANT_(id, name, text) id,
typedef enum lg_mode { LG_MODES(LG_MODE_CONSTANT_) } lg_mode; /* FUSED 0, EAGER 1, GRAPH 2 */
#undef LG_MODE_CONSTANT_
/* How many modes there are; every value in [0, LG_MODE_COUNT) is one. Outside
 * the enum on purpose, so a switch that handles every mode needs no case for it. */
#define LG_MODE_ONE_(id, name, text) +1
enum { LG_MODE_COUNT = 0 LG_MODES(LG_MODE_ONE_) };
#undef LG_MODE_ONE_

/* "fused", "eager", "graph"; "unknown mode" for a value that is no mode. */
LG_API const char *lg_mode_name(lg_mode m);
/* The mode's one-line description from LG_MODES; "unknown mode" for a value that
 * is no mode. */
LG_API const char *lg_mode_describe(lg_mode m);
/* Every mode's name, in enum order, joined by sep ("fused, eager, graph").
 * Written as snprintf does (cut to len, terminated when len > 0; buf may be NULL
 * when len is 0); returns the length of the whole list. */
LG_API size_t lg_mode_names(char *buf, size_t len, const char *sep);
/* The mode named name (exactly, case included). An unknown or NULL name, or a
 * NULL out, fails with LG_EINVAL, the message listing the valid names. *out is
 * then left as it was, not zeroed as other out-parameters are: zero is a mode. */
LG_API lg_status lg_mode_from_name(const char *name, lg_mode *out);

typedef struct lg_epoch_record {
    long epoch;  /* 0-based */
    double loss; /* loss before this epoch's update */
    double w, b; /* parameters after this epoch's update */
} lg_epoch_record;

typedef struct lg_train_opts {
    double lr;        /* > 0 */
    long max_epochs;  /* >= 0; 0 evaluates the initial loss only */
    double tol;       /* stop before updating once loss < tol (0: never) */
    lg_mode mode;
    double init_w, init_b;
    const char *isa;  /* kernel table by name; NULL for the default */
    int threads;      /* 1 to LG_MAX_THREADS, or 0 for the default (lg_default_threads()) */
    /* Called after each recorded epoch; a non-zero return stops training. It runs
     * on the calling thread; once a team has started (threads > 1), inside
     * lingrad's OpenMP region: it must not use OpenMP worksharing constructs or
     * barriers (a parallel region of its own runs on one thread). It runs in the caller's
     * floating-point mode, not lingrad's (docs/numerics.md). */
    int (*on_epoch)(void *ctx, const lg_epoch_record *rec);
    void *ctx;
    /* NULL, or this process's share of a run over several processes (MPI ranks):
     * x and y then hold this rank's slice of the global data, and every rank
     * takes the same steps, bit for bit those of one process on all of it; every
     * rank must call lg_train, and all return the same status. Made by
     * lingrad_mpi.h; every mode. */
    const struct lg_ranks *ranks;
    /* Graph mode: run the sweeps interpreted, never compiled
     * (lg_graph_set_compile(g, false)); the bits are the same either way. */
    bool interpret;
    /* With threads > 1 a run starts on one thread and starts its team of threads
     * after the first epoch at which the epochs left are expected to pay back
     * the team's start (docs/threads.md), so that no run is slower for being
     * given threads; true starts the team before the first epoch instead (tests,
     * and benchmarks of the team's per-epoch time). The bits are the same. */
    bool threads_now;
} lg_train_opts;

/* What a run returns, epoch by epoch. Epoch e evaluates the loss of the current
 * (w, b), then updates them, and is recorded as history[e] = {e, that loss, the
 * updated w and b}. The run ends at the first of:
 *
 *   ending            last_epoch  n_history  final_loss is          w, b are
 *   max_epochs = 0    0           0          the initial loss      init_w, init_b
 *   max_epochs = E    E - 1       E          history[E-1].loss:    history[E-1].w, .b
 *                                            before the last update
 *   loss < tol at k   k           k          epoch k's loss, < tol history[k-1] (or init):
 *                                            (not in the history)  no update at epoch k
 *   on_epoch stops    k           k + 1      history[k].loss       history[k].w, .b
 *     after epoch k
 *   LG_EDIVERGED      the epoch   the epochs the last loss         the last finite ones
 *                     that failed before it  evaluated             recorded
 *
 * So final_loss is the loss of the parameters before the last update, as the
 * tutorial prints it, except after an early stop, where no update followed. */
typedef struct lg_train_result {
    lg_epoch_record *history; /* n_history records, epochs 0, 1, ... */
    size_t n_history;
    long last_epoch;       /* the epoch whose loss is final_loss */
    double final_loss;     /* the last loss evaluated */
    double w, b;           /* parameters at the end */
    bool stopped_early;    /* loss < tol was reached */
    bool interrupted;      /* on_epoch asked to stop */
    double seconds;        /* wall time of the epoch loop, start_seconds not included */
    /* Graph mode: the part of seconds spent planning and compiling (one-time
     * costs, in the first epoch), and how the sweeps ran, as
     * lg_graph_exec_describe says it; 0 and "" in the other modes. */
    double setup_seconds;
    char graph_exec[224];
    /* Starting the threads (a one-time cost, paid between two epochs): the team,
     * and in the process's first team making its threads and discovering the
     * topology (milliseconds) and pinning. 0 when no team started. */
    double start_seconds;
    /* The first epoch the team ran (0 with threads_now); -1 when every epoch ran
     * on one thread: one thread asked for, n below the grain, a run too short
     * for a team to pay back its start, or a team that started (start_seconds >
     * 0) and measured a hand-off too slow to split calls of n elements. */
    long threads_from_epoch;
} lg_train_result;

/* The tutorial's settings: lr 0.1, 500 epochs, tol 5e-5, fused, w = b = 0. */
LG_API void lg_train_opts_default(lg_train_opts *o);
/* Gradient descent on mean((w*x + b - y)^2) over the leaf tensors x and y, which
 * must not require gradients (LG_EINVAL: lg_train fits w and b only, and never
 * writes to x or y). On LG_EDIVERGED, and on LG_ENOMEM while the history grows,
 * the result still holds the history up to the failure. Call
 * lg_train_result_free after every return, whatever the status. */
LG_API lg_status lg_train(const lg_tensor *x, const lg_tensor *y, const lg_train_opts *opts,
                   lg_train_result *res);
LG_API void lg_train_result_free(lg_train_result *res);
/* The history as CSV "epoch,loss,w,b", written atomically (temporary file + rename). */
LG_API lg_status lg_history_write(const char *path, const lg_train_result *res);

/* ---- build and kernels ------------------------------------------------------ */

/* Names of the kernel tables compiled in, and whether this CPU can run each
 * (an index i >= lg_isa_count() gives NULL and false). */
LG_API size_t lg_isa_count(void);
LG_API const char *lg_isa_name(size_t i);
LG_API bool lg_isa_supported(size_t i);
/* Those names joined by sep ("scalar, avx2"): with not_runnable NULL, only the
 * tables this CPU runs; otherwise every table, with not_runnable after each one
 * this CPU cannot run. Written as snprintf does (cut to len, terminated when len
 * > 0); returns the length of the whole list. */
LG_API size_t lg_isa_names(char *buf, size_t len, const char *sep, const char *not_runnable);
/* The table a new graph uses: the environment variable LINGRAD_ISA if set, else
 * the best this CPU runs. NULL when LINGRAD_ISA names a table this build or CPU
 * cannot run (lg_last_error() says which); lg_graph_new() then fails too. */
LG_API const char *lg_isa_default(void);
/* The CPU features the dispatcher sees, e.g. "x86-64 avx2 fma avx512f; OS saves ymm zmm". */
LG_API void lg_cpu_describe(char *buf, size_t len);

/* Which CPU this is: what benchmark baselines are keyed by (with the ISA). On x86
 * from CPUID: vendor ("AuthenticAMD", "GenuineIntel"), family, model and stepping
 * as the vendors define them (extended fields folded in: a Zen 4 is family 25,
 * model 17), and the brand string. Elsewhere the vendor is the architecture's
 * name and the numbers are 0. An emulator reports the CPU it emulates. */
typedef struct lg_cpu_id {
    char vendor[16];
    char brand[64];
    int family, model, stepping;
} lg_cpu_id;

LG_API void lg_cpu_identify(lg_cpu_id *out);

/* ---- threads and topology ----------------------------------------------------- */

/* Threads new graphs, training runs and data generation use: LINGRAD_THREADS if
 * set, else one per core. 0 when LINGRAD_THREADS is malformed (lg_last_error()). */
LG_API int lg_default_threads(void);

/* ---- process defaults ----------------------------------------------------------
 * The default kernel table and thread count are each fixed once per process, the
 * first time anything needs them: a graph, a tensor, training, data generation,
 * lg_isa_default() or lg_default_threads(). Before that, these set them
 * explicitly, overriding LINGRAD_ISA and LINGRAD_THREADS; afterwards they change
 * nothing and fail with LG_EINVAL, so a default set too late is never silently
 * ignored. Thread-safe. */
#define LG_MAX_THREADS 4096
/* 1 to LG_MAX_THREADS. */
LG_API lg_status lg_set_default_threads(int threads);
/* A table by name, or NULL for the best this CPU runs; LG_EUNSUPPORTED when this
 * build or CPU lacks it. */
LG_API lg_status lg_set_default_isa(const char *isa);

typedef struct lg_topology_info {
    int packages, cores, pus, numa_nodes;
    size_t l1d, l2, l3;      /* bytes; 0 = unknown */
    bool from_hwloc;         /* false: counts from sysconf, caches unknown */
    bool implausible_caches; /* sizes a real core cannot have (some VMs report them) */
    bool pinning;            /* lingrad binds worker i to core (caller's + i) mod cores */
    char pinning_why[96];    /* why not, when pinning is false */
} lg_topology_info;

LG_API void lg_topology(lg_topology_info *out);
/* For a program's main, before it starts any thread (it sets an environment
 * variable, which is not thread-safe): the topology's discovery then loads none
 * of hwloc's plugins, which look for GPUs, PCI devices and displays that lingrad
 * never asks about, and takes ~1.7 ms instead of ~8 (a 2-vCPU VM). Does nothing
 * where HWLOC_PLUGINS_BLACKLIST or HWLOC_PLUGINS_PATH is set, or after the
 * topology's discovery. lingrad's own programs call it. */
LG_API void lg_skip_hwloc_plugins(void);

LG_API const char *lg_build_compiler(void);
LG_API const char *lg_build_type(void);
LG_API const char *lg_build_flags(void);

#ifdef __cplusplus
}
#endif

#endif /* LINGRAD_H */
