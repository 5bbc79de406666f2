/* companion.h: what tableslurp (restore) and tablechop (chop) share: the
 * options only they take, times, a small worker pool, and SIGINT/SIGTERM;
 * keys and paths are listing.h's. */
#ifndef TABLESNAP_COMPANION_H
#define TABLESNAP_COMPANION_H

#include <stddef.h>

#include "options.h"

/* ---- the options both tools take ---- */

/* Beside common_options (options.h): --token (also --aws-token), -P
 * (--prefix) and --as-of. Their base is a struct common_opts. The help
 * lines of the common options are in help.h. */
extern const struct cli_opt companion_options[];

/* ---- times (pure); keys and paths are listing.h's ---- */

/* "2024-05-01T12:00:00.250Z" into out (32 bytes). */
void companion_format_time(long long ms, char out[32]);

/* ---- running ---- */

/* Calls fn(ctx, i) for i in [0, n) on up to nthreads threads (small
 * stacks), returning when all are done. */
void companion_parallel(size_t n, int nthreads,
    void (*fn)(void *ctx, size_t i), void *ctx);

/* SIGINT and SIGTERM set a flag that the work loops look at and make
 * the cancel fd readable, which ends every wait of the S3 client (give it
 * in s3_config.cancel_fd); a second one removes the registered temporary
 * files and exits 1 at once. SIGPIPE is ignored. */
void companion_signals(void);
int companion_stopped(void);
int companion_cancel_fd(void);		/* 0 before companion_signals */

/* A temporary file the second signal removes: path, relative to dirfd
 * (AT_FDCWD: the working directory), at most 64 at a time (the others are
 * removed by their owner only). Returns a slot for companion_temp_remove,
 * or -1. */
int companion_temp_add(int dirfd, const char *path);
void companion_temp_remove(int slot);

/* Milliseconds since the epoch, now. */
long long companion_now_ms(void);

#endif
