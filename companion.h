/* companion.h: what tableslurp (restore) and tablechop (chop) share: the
 * command-line engine and common options, paths, key names, times, the
 * S3 set-up main lends them, a small worker pool, and SIGINT/SIGTERM. */
#ifndef TABLESNAP_COMPANION_H
#define TABLESNAP_COMPANION_H

#include <stddef.h>

#include "options.h"
#include "s3.h"

/* What tablesnap.c lends the companions, so that they set S3 up exactly as
 * the daemon does (endpoint, CA bundle, credentials, region, the bucket
 * check) without calling upward. s3_open logs and exits 1 on a start-up
 * failure, as the daemon does. */
struct companion_hooks {
	struct s3_client *(*s3_open)(const struct options *opt);
	char *(*fqdn)(void);		/* malloc'd, NULL when unknown */
};

/* ---- the command line ---- */

enum cli_kind {
	CLI_FLAG,
	CLI_VALUE,
};

struct cli_opt {
	char short_name;	/* 0: long only */
	const char *long_name;
	int id;
	enum cli_kind kind;
};

enum cli_result {
	CLI_OK,
	CLI_HELP,
	CLI_VERSION,
	CLI_USAGE,		/* err says why: exit 2 */
};

/* Called for each option found: 0 (CLI_OK), or a cli_result. name is the
 * spelling used ("-t", "--threads"); value is NULL for flags. */
typedef int (*cli_set_fn)(void *ctx, int id, const char *name,
    const char *value, char *err, size_t errlen);

/* A table of options; a command line is read against one or more (a
 * tool's own and common_options), as if they were one. */
struct cli_table {
	const struct cli_opt *opts;
	size_t n;
};

/* argparse's rules, as options.c applies them for tablesnap: unique
 * prefixes of long options, --opt=value, -tVALUE, grouped flags, options
 * between positionals, "--" ends the options. Positionals go to pos (at
 * most maxpos; more is a usage error). Pure. */
enum cli_result cli_parse(int argc, char **argv,
    const struct cli_table *tables, size_t ntables, cli_set_fn set,
    void *ctx, const char **pos, size_t maxpos, size_t *npos, char *err,
    size_t errlen);

/* Strict decimal in [min, max] for option name, else a usage message. */
int cli_number(const char *name, const char *s, long long min,
    long long max, long long *out, char *err, size_t errlen);

/* ---- options both tools take ---- */

enum common_id {
	COMMON_KEY = 1000, COMMON_SECRET, COMMON_TOKEN, COMMON_REGION,
	COMMON_NAME, COMMON_PREFIX, COMMON_SEPARATOR, COMMON_ENDPOINT,
	COMMON_CA_FILE, COMMON_PATH_STYLE, COMMON_VHOST, COMMON_RETRIES,
	COMMON_AS_OF, COMMON_HELP, COMMON_VERSION,
};

/* Every option both tools take with the same spelling: --aws-key and
 * --aws-secret, but not -k and -s, which each tool's table maps (tablechop
 * also spells them --key and --secret). Their ids are COMMON_*. */
extern const struct cli_table common_options;

/* The help lines of the common options are in help.h. */

struct common_opts {
	const char *aws_key, *aws_secret, *aws_token, *aws_region;
	const char *name;		/* NULL: the FQDN */
	const char *prefix;		/* "" */
	const char *separator;		/* ":" */
	const char *endpoint, *ca_file;
	int path_style;			/* 1, -1 or 0 (auto), as tablesnap */
	int retries;			/* 3 */
	int as_of_given;
	long long as_of_ms;		/* --as-of, ms since the epoch */
};

void common_defaults(struct common_opts *c);
/* Handles a COMMON_* id; for other ids returns -2 (not ours). */
int common_set(struct common_opts *c, int id, const char *name,
    const char *value, char *err, size_t errlen);
/* The struct options the S3 set-up reads: tablesnap's defaults with ours
 * on top. 0, or -1 when out of memory. Free it with options_free. */
int common_to_options(const struct common_opts *c, const char *bucket,
    struct options *o);

/* ---- paths, keys and times (pure) ---- */

/* A path as tablesnap put it in keys: absolute, no "//", no trailing "/";
 * the root is "". malloc'd; NULL when not absolute (or out of memory). */
char *companion_path(const char *p);

/* prefix + name + separator + path + tail, malloc'd. */
char *companion_key(const struct common_opts *c, const char *name,
    const char *path, const char *tail);

/* "2024-05-01T12:00:00.250Z" into out (32 bytes). */
void companion_format_time(long long ms, char out[32]);

/* A name a listing may hold for a file of its directory: not empty, no
 * '/', no NUL, not "." or "..". */
int companion_safe_name(const char *name, size_t len);

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

/* A temporary file the second signal removes (at most 64 at a time; the
 * others are removed by their owner only). Returns a slot for
 * companion_temp_remove, or -1. */
int companion_temp_add(const char *path);
void companion_temp_remove(int slot);

/* Milliseconds since the epoch, now. */
long long companion_now_ms(void);

#endif
