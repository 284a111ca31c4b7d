/* Data files over MPI ranks: each rank ends with its slice (lg_ranks_slice) of
 * the pairs of one file. CSV has no index, so rank 0 parses it all and sends
 * each rank its slice; an .npy file says where every pair is, so each rank reads
 * only its own bytes, collectively with MPI-IO (MPI_File_read_at_all), which
 * lets the MPI library aggregate the reads on a parallel file system. Every
 * step ends in an agreement, so a failure on any rank ends the read on all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dtype.h"
#include "core/error.h"
#include "data/npy_slice.h"
#include "exec/parallel.h"
#include "exec/ranks.h"
#include "lingrad_mpi.h"

/* MPI counts are ints: big slices move in pieces of this many elements or bytes. */
#define PIECE ((size_t)1 << 28)

static void slice_of(size_t n, int rank, int size, size_t *begin, size_t *count)
{
    lg_blocks b = lg_blocks_of(n);
    lg_ranks r = {n, b.len, b.count, 0, 0, NULL, NULL, NULL};
    lg_ranks_share(n, b.len, b.count, (size_t)rank, (size_t)size, &r.first_block, &r.blocks);
    lg_ranks_slice(&r, begin, count);
}

static lg_status new_pair(lg_dtype dt, size_t n, lg_tensor **x, lg_tensor **y)
{
    lg_status st = lg_tensor_new(dt, n, false, x);
    return st == LG_OK ? lg_tensor_new(dt, n, false, y) : st;
}

static void free_pair(lg_tensor **x, lg_tensor **y)
{
    lg_tensor_free(*x);
    lg_tensor_free(*y);
    *x = *y = NULL;
}

static lg_status mpi_status(int rc, const char *what, const char *path)
{
    if (rc == MPI_SUCCESS)
        return LG_OK;
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, text, &len);
    return lg_fail(LG_EIO, "%s '%s': %.*s", what, path, len, text);
}

/* ---- CSV: rank 0 parses, then sends -------------------------------------------------- */

static int send_run(const char *p, size_t count, size_t es, int to, MPI_Comm comm)
{
    int rc = MPI_SUCCESS;
    for (size_t done = 0; rc == MPI_SUCCESS && done < count; done += PIECE) {
        size_t k = count - done < PIECE ? count - done : PIECE;
        rc = MPI_Send(p + done * es, (int)(k * es), MPI_BYTE, to, 0, comm);
    }
    return rc;
}

static int recv_run(char *p, size_t count, size_t es, MPI_Comm comm)
{
    int rc = MPI_SUCCESS;
    for (size_t done = 0; rc == MPI_SUCCESS && done < count; done += PIECE) {
        size_t k = count - done < PIECE ? count - done : PIECE;
        rc = MPI_Recv(p + done * es, (int)(k * es), MPI_BYTE, 0, 0, comm, MPI_STATUS_IGNORE);
    }
    return rc;
}

/* Rank 0 holds all of ax, ay; every rank gets its slice into x, y. */
static lg_status scatter(MPI_Comm comm, int rank, int size, lg_tensor *ax, lg_tensor *ay, lg_tensor *x, lg_tensor *y, const char *path)
{
    size_t es = lg_esize(lg_tensor_dtype(x)), n = rank == 0 ? lg_tensor_size(ax) : 0;
    int rc = MPI_SUCCESS;
    if (rank != 0) {
        rc = recv_run(lg_tensor_data(x), lg_tensor_size(x), es, comm);
        if (rc == MPI_SUCCESS)
            rc = recv_run(lg_tensor_data(y), lg_tensor_size(y), es, comm);
        return mpi_status(rc, "cannot receive the slice of", path);
    }
    for (int q = 0; q < size && rc == MPI_SUCCESS; q++) {
        size_t begin, count;
        slice_of(n, q, size, &begin, &count);
        const char *px = (const char *)lg_tensor_data(ax) + begin * es;
        const char *py = (const char *)lg_tensor_data(ay) + begin * es;
        if (q == 0) {
            memcpy(lg_tensor_data(x), px, count * es);
            memcpy(lg_tensor_data(y), py, count * es);
            continue;
        }
        rc = send_run(px, count, es, q, comm);
        if (rc == MPI_SUCCESS)
            rc = send_run(py, count, es, q, comm);
    }
    return mpi_status(rc, "cannot send the slices of", path);
}

/* How many pairs rank 0 read, on every rank (0 where it failed). */
static size_t shared_count(MPI_Comm comm, lg_tensor *ax)
{
    unsigned long long n = ax ? (unsigned long long)lg_tensor_size(ax) : 0;
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, comm);
    return (size_t)n;
}

/* The readers' arguments, checked on every rank and agreed on (a NULL on one
 * rank must not leave the others waiting in a collective). */
static lg_status read_args(MPI_Comm comm, const char *fn, const char *path, lg_dtype dtype,
                           struct lg_ranks **share, lg_tensor **x, lg_tensor **y)
{
    lg_status st = !share ? lg_fail_null(fn, "share") : !x ? lg_fail_null(fn, "x")
                   : !y ? lg_fail_null(fn, "y") : !path ? lg_fail_null(fn, "path")
                   : lg_dtype_check(dtype, fn);
    if (share)
        *share = NULL;
    if (x)
        *x = NULL;
    if (y)
        *y = NULL;
    return lg_mpi_agree(comm, st);
}

lg_status lg_mpi_csv_read(MPI_Comm comm, const char *path, lg_dtype dtype,
                          struct lg_ranks **share, lg_tensor **x, lg_tensor **y)
{
    lg_status st = read_args(comm, "lg_mpi_csv_read", path, dtype, share, x, y);
    if (st != LG_OK)
        return st;
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    lg_tensor *ax = NULL, *ay = NULL;
    st = lg_mpi_agree(comm, rank == 0 ? lg_csv_read(path, dtype, &ax, &ay) : LG_OK);
    size_t begin = 0, count = 0;
    if (st == LG_OK) {
        st = lg_mpi_ranks_new(comm, shared_count(comm, ax), share);
        if (st == LG_OK)
            lg_ranks_slice(*share, &begin, &count), st = new_pair(dtype, count, x, y);
        st = lg_mpi_agree(comm, st);
    }
    if (st == LG_OK)
        st = lg_mpi_agree(comm, scatter(comm, rank, size, ax, ay, *x, *y, path));
    free_pair(&ax, &ay);
    if (st != LG_OK) {
        free_pair(x, y);
        lg_mpi_ranks_free(*share);
        *share = NULL;
    }
    return st;
}

/* ---- .npy: every rank reads its own bytes ---------------------------------------------- */

/* The runs' bytes into raw, back to back. read_at_all is collective: every rank
 * makes as many calls as the rank with the most pieces, reading nothing in the rest. */
static lg_status read_runs(MPI_Comm comm, MPI_File fh, const uint64_t off[2],
                           const uint64_t len[2], unsigned char *raw, const char *path)
{
    unsigned long long mine = 0, most = 0;
    for (int k = 0; k < 2; k++)
        mine = mine > (len[k] + PIECE - 1) / PIECE ? mine : (len[k] + PIECE - 1) / PIECE;
    MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm);
    lg_status st = LG_OK;
    for (int k = 0; k < 2; k++) {
        unsigned char *run = raw + (k ? len[0] : 0);
        for (unsigned long long p = 0; p < most; p++) {
            uint64_t at = p * PIECE, want = at < len[k] ? len[k] - at : 0;
            want = want < PIECE ? want : PIECE;
            MPI_Status ms;
            int got = 0, rc = MPI_File_read_at_all(fh, (MPI_Offset)(off[k] + at),
                                                    want ? run + at : run, (int)want, MPI_BYTE,
                                                    &ms);
            if (rc == MPI_SUCCESS)
                MPI_Get_count(&ms, MPI_BYTE, &got);
            if (st == LG_OK && rc != MPI_SUCCESS)
                st = mpi_status(rc, "cannot read", path);
            else if (st == LG_OK && (uint64_t)got != want)
                st = lg_fail(LG_EIO, "cannot read '%s': %d of %llu bytes at offset %llu (did it "
                             "shrink?)", path, got, (unsigned long long)want,
                             (unsigned long long)(off[k] + at));
        }
    }
    return st;
}

/* This rank's slice: its bytes read collectively, then decoded. */
static lg_status read_slice(MPI_Comm comm, const char *path, const lg_npy_layout *l,
                            size_t begin, size_t count, lg_dtype dtype, lg_tensor **x,
                            lg_tensor **y)
{
    uint64_t off[2], len[2];
    lg_npy_slice_runs(l, begin, count, off, len);
    unsigned char *raw = malloc(len[0] + len[1] + 1);
    lg_status st = raw ? LG_OK : lg_fail(LG_ENOMEM, "%s: out of memory for %llu bytes of its "
                                         "slice", path, (unsigned long long)(len[0] + len[1]));
    MPI_File fh = MPI_FILE_NULL;
    st = lg_mpi_agree(comm, st);
    if (st == LG_OK)
        st = lg_mpi_agree(comm, mpi_status(MPI_File_open(comm, path, MPI_MODE_RDONLY,
                                                         MPI_INFO_NULL, &fh), "cannot open", path));
    if (st == LG_OK) {
        st = read_runs(comm, fh, off, len, raw, path);
        MPI_File_close(&fh);
        st = lg_mpi_agree(comm, st);
    }
    if (st == LG_OK)
        st = lg_mpi_agree(comm, lg_npy_slice_decode(l, path, raw, begin, count, dtype, x, y));
    free(raw);
    return st;
}

lg_status lg_mpi_npy_read(MPI_Comm comm, const char *path, lg_dtype dtype,
                          struct lg_ranks **share, lg_tensor **x, lg_tensor **y)
{
    lg_status st = read_args(comm, "lg_mpi_npy_read", path, dtype, share, x, y);
    if (st != LG_OK)
        return st;
    int rank;
    MPI_Comm_rank(comm, &rank);
    lg_npy_layout l;
    memset(&l, 0, sizeof l);
    st = lg_mpi_agree(comm, rank == 0 ? lg_npy_layout_read(path, &l) : LG_OK);
    if (st == LG_OK) { /* every rank runs the same build: the struct's bytes travel as they are */
        MPI_Bcast(&l, (int)sizeof l, MPI_BYTE, 0, comm);
        st = lg_mpi_agree(comm, lg_mpi_ranks_new(comm, l.n, share));
    }
    if (st == LG_OK) {
        size_t begin, count;
        lg_ranks_slice(*share, &begin, &count);
        st = read_slice(comm, path, &l, begin, count, dtype, x, y);
    }
    if (st != LG_OK) {
        free_pair(x, y);
        lg_mpi_ranks_free(*share);
        *share = NULL;
    }
    return st;
}
