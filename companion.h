/* companion.h: what tableslurp, tableverify and tablechop share: the
 * options only they take, the start, reading a listing from S3, hashing
 * downloads and files, the progress line, a small worker pool, and
 * SIGINT/SIGTERM; keys and paths are listing.h's, the sweep sweep.h's. */
#ifndef TABLESNAP_COMPANION_H
#define TABLESNAP_COMPANION_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "listing.h"
#include "md5.h"
#include "options.h"

/* ---- the options both tools take ---- */

/* Beside common_options (options.h): --token (also --aws-token), -P
 * (--prefix) and --as-of. Their base is a struct common_opts. The help
 * lines of the common options are in help.h. */
extern const struct cli_opt companion_options[];

/* Pure: the usage error for a command line that has only npos of the
 * positional arguments names ("bucket, path, age"): "the following
 * arguments are required: path, age" into err. CLI_USAGE. */
enum cli_result companion_required(char *err, size_t errlen,
    const char *names, size_t npos);

/* ---- times (pure); keys and paths are listing.h's ---- */

/* "2024-05-01T12:00:00.250Z" into out (32 bytes). */
void companion_format_time(long long ms, char out[32]);

/* ---- starting ---- */

struct s3_setup;

/* After the parse r of program p (err its message): the help, version or
 * usage error as setup_parsed does, else the log (debug: as TDEBUG) and
 * path made absolute into *abs (listing_abs_path; a usage error naming
 * argument arg when it is not). The exit status, or -1: carry on. */
int companion_begin(const struct cli_program *p, enum cli_result r,
    const char *err, int debug, const char *arg, const char *path,
    char **abs);

/* The host name (-n, else the FQDN) into *name (NULL when unknown: an
 * error when need_name), the signals (companion_signals), then S3 for
 * bucket into su (setup_s3). 0, or -1 when the program must stop
 * (logged). */
int companion_connect(struct s3_setup *su, struct common_opts *c,
    const char *bucket, int need_name, char **name);

/* ---- listings ---- */

struct s3_client;
struct s3_error;

/* A listing read from S3: its body, parsed, and the file list of the
 * directory asked for. */
struct companion_listing {
	char *body;
	struct listing l;
	const struct listing_set *set;	/* NULL when no directory asked */
};

/* GETs the listing key and reads it (listing_read); with dir, its file
 * list for dir too. 1; 0 when S3 has no such key; -1 when S3 did not give
 * it (e says why); -2 when it is refused (why says why), -3 when it has
 * no file list for dir (why: "no file list for <dir>"). Free cl
 * afterwards, whatever the answer. */
int companion_get_listing(struct s3_client *s3, const char *key,
    const char *dir, struct companion_listing *cl, struct s3_error *e,
    char *why, size_t whylen);
void companion_listing_free(struct companion_listing *cl);

/* ---- downloads and files ---- */

struct s3_sink;

/* What a GET gives, hashed and (fd >= 0) written to fd. */
struct companion_sink {
	int fd;			/* -1: hashed only */
	int werr;		/* errno of a failed write */
	struct md5_ctx md5;
	long long bytes;
	atomic_llong *done;	/* the run's byte count, for progress */
};
/* Starts s (fd and done set) and makes sink write into it: each write
 * counts into *done (a reset takes back what was counted) and fails once
 * companion_stopped. */
void companion_sink(struct companion_sink *s, struct s3_sink *sink);

/* The hex MD5 of what is left to read in fd: 0, or -1 (errno). */
int companion_md5_fd(int fd, char hex[33]);

/* The hex digest of c, which is then finished. */
void companion_md5_hex(struct md5_ctx *c, char hex[33]);

/* ---- progress ---- */

/* fn(ctx) logs a progress line every 10 seconds (the tests shorten it
 * with TABLESNAP_TEST_PROGRESS_MS) from companion_progress_start until
 * companion_progress_stop. Without a thread there are no lines. */
struct companion_progress {
	void (*fn)(void *ctx);
	void *ctx;
	int wake;		/* eventfd, written by stop */
	int started;
	pthread_t th;
};
void companion_progress_start(struct companion_progress *p,
    void (*fn)(void *ctx), void *ctx);
void companion_progress_stop(struct companion_progress *p);

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
