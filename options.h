/* options.h: the command lines of the three programs, as the original's
 * argparse took them: one engine read against tables of options (a
 * program's own, and the common ones stated once). Parsing is pure: it
 * fills structs and reports errors; main decides. */
#ifndef TABLESNAP_OPTIONS_H
#define TABLESNAP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "fmt.h"

/* ---- the engine ---- */

enum cli_result {
	CLI_OK,
	CLI_HELP,		/* -h: print help, exit 0 */
	CLI_VERSION,		/* --version */
	CLI_USAGE,		/* bad command line: err says why, exit 2 */
	CLI_NOMEM,
};

enum cli_kind {
	CLI_FLAG,	/* no value: stores n in an int */
	CLI_ANSWER,	/* no value: parsing ends with result n (-h) */
	CLI_STRING,	/* one value: a const char * points to it */
	CLI_INT,	/* one value: a whole number in [n, max] into an int */
	CLI_OPTINT,	/* as CLI_INT, the value optional: taken when the next
			 * word is a whole number (or attached), else max */
	CLI_CALL,	/* one value, handed to fn */
	CLI_LIST,	/* one or more, greedy as argparse's nargs='+', onto a
			 * NULL-terminated array (its count at offset max) */
};

/* fn's base is the base of the option's table; returns a cli_result. */
typedef int (*cli_fn)(void *base, const char *name, const char *value,
    char *err, size_t errlen);

/* Packed into 24 bytes: the programs have about 70 rows. */
struct cli_opt {
	const char *long_name;	/* NULL: short only */
	union {
		struct {
			int n, max;	/* CLI_LIST: max is the count's
					 * offset */
		};
		cli_fn fn;	/* CLI_CALL */
	};
	unsigned short off;	/* the field, from the table's base */
	char short_name;	/* 0: long only */
	unsigned char kind;	/* enum cli_kind */
};

/* One row each: -x/--long-name and where the value goes in type. */
#define CLI_ROW(s, l, k, o, lo, hi) \
	{ .long_name = l, .n = lo, .max = hi, .off = o, .short_name = s, \
	    .kind = k }
#define CLI_SET(s, l, type, field, v) \
	CLI_ROW(s, l, CLI_FLAG, offsetof(type, field), v, 0)
#define CLI_STR(s, l, type, field) \
	CLI_ROW(s, l, CLI_STRING, offsetof(type, field), 0, 0)
#define CLI_NUM(s, l, type, field, lo, hi) \
	CLI_ROW(s, l, CLI_INT, offsetof(type, field), lo, hi)
#define CLI_OPTNUM(s, l, type, field, lo, hi) \
	CLI_ROW(s, l, CLI_OPTINT, offsetof(type, field), lo, hi)
#define CLI_FN(s, l, f) \
	{ .long_name = l, .fn = f, .short_name = s, .kind = CLI_CALL }
#define CLI_APPEND(s, l, type, field, count) \
	CLI_ROW(s, l, CLI_LIST, offsetof(type, field), 0, offsetof(type, count))
#define CLI_RET(s, l, r) CLI_ROW(s, l, CLI_ANSWER, 0, r, 0)
#define CLI_END CLI_ROW(0, NULL, CLI_FLAG, 0, 0, 0)	/* ends the rows */

/* Rows, and where the struct their offsets are from lies in the
 * program's options struct. */
struct cli_table {
	const struct cli_opt *opts;	/* up to CLI_END */
	size_t base;
};

/* A program's command line: its name, texts, option tables, and how it
 * reads "-1". */
struct cli_program {
	const char *name;
	const char *usage;		/* a tab: the indentation */
	const char *const *help;	/* pieces, then NULL; a tab: spaces to
					 * column 24 (setup_help_text) */
	const struct cli_table *tables;
	size_t ntables;
	int negative_numbers;	/* "-1", "-.5" are values, not options */
};

/* argparse's rules: unique prefixes of long options, --opt=value,
 * -tVALUE, grouped flags, options between positionals, "--" ends the
 * options. Reads argv against p's tables as if they were one table,
 * storing into opts (p's options struct). Positionals go to pos (more
 * than maxpos is a usage error). err is emptied first and holds one line
 * on CLI_USAGE. */
enum cli_result cli_parse(const struct cli_program *p, int argc,
    char **argv, void *opts, const char **pos, size_t maxpos, size_t *npos,
    char *err, size_t errlen);

/* One line into err (err_set, fmt.h); evaluates to CLI_USAGE. */
#define cli_fail(err, errlen, ...) \
	(err_set((err), (errlen), __VA_ARGS__), CLI_USAGE)

/* ---- options all three programs take ---- */

struct common_opts {
	const char *aws_key, *aws_secret, *aws_token, *aws_region;
	const char *name;		/* NULL: the host's FQDN */
	const char *prefix;		/* "" */
	const char *separator;		/* ":" */
	const char *endpoint;		/* NULL: the environment, else AWS */
	const char *ca_file;		/* NULL: the environment, else the
					 * system bundle */
	int path_style;			/* 1 forced, -1 virtual forced, 0 auto */
	int retries;			/* extra attempts per request: 3 */
	int request_timeout;		/* seconds: connect, each read and
					 * write: 30 */
	const char *sse_c_key_file;	/* --sse-c-key-file: SSE-C key */
	int as_of_given;		/* companions: --as-of */
	long long as_of_ms;		/* ms since the epoch */
};

void common_defaults(struct common_opts *c);
/* An empty --aws-key, --aws-secret, --aws-token (-k, -s, --token) is
 * NULL, as if not given; cli_parse applies it to a common_options base. */
void common_drop_empty(struct common_opts *c);

/* --aws-key ... --version: the rows every program has, with spellings
 * the same in all three (-k, -s, -p/-P differ and are in each program's
 * table). Their base is a struct common_opts. */
extern const struct cli_opt common_options[];

/* ---- tablesnap ---- */

/* Events a user can listen for (--listen-events). */
#define LISTEN_MOVED_TO		0x1
#define LISTEN_CLOSE_WRITE	0x2
#define LISTEN_CREATE		0x4

#define MIB (1024LL * 1024)

struct options {
	struct common_opts c;
	int recursive, auto_add, backup, reduced_redundancy;
	int without_index, with_sse;
	int threads;			/* 4 */
	int md5_on_start;
	unsigned listen;		/* LISTEN_* bits; default MOVED_TO|CLOSE_WRITE */
	int delete_on_backup;
	const char **excludes, **includes;	/* NULL-terminated, malloc'd */
	size_t nexcludes, nincludes;
	long long max_upload_size;	/* bytes; 5120 MiB */
	long long chunk_size;		/* bytes; 64 MiB */
	int once;			/* --once: upload what is there, exit */
	int shutdown_timeout;		/* seconds for uploads in flight at exit */
	const char *stats_file;		/* --stats-file: Prometheus text */
	long long max_bandwidth;	/* bytes/s for all uploads, 0: none */
	int exit_on_lost_root;		/* exit 1 when a watched root is lost */
	const char *sse;		/* --sse: "AES256", "aws:kms" or NULL */
	const char *sse_kms_key_id;	/* --sse-kms-key-id, NULL: default */
	int sse_bucket_key;		/* --sse-bucket-key */
	const char *storage_class;	/* --storage-class, NULL: STANDARD */
	const char *listing_class;	/* --listing-storage-class */
	const char *lock_mode;		/* --object-lock-mode, or NULL */
	int lock_days;			/* --object-lock-days, 0: none */
	long long lock_until_ms;	/* --object-lock-until, 0: none */
	const char *bucket;
	const char **paths;		/* NULL-terminated, malloc'd */
	size_t npaths;
};

/* Parses argv (argv[0] is the program). Strings point into argv. On
 * CLI_USAGE, err holds one line naming the problem. Free o with
 * options_free whatever the result. */
enum cli_result options_parse(int argc, char **argv, struct options *o,
    char *err, size_t errlen);
void options_free(struct options *o);

extern const struct cli_program tablesnap_program;
/* The usage synopsis and the --help text. */
extern const char options_usage[];
extern const char *const options_help[];	/* pieces, then NULL */

#endif
