/* options.h: tablesnap's command line, as the original's argparse took it.
 * Parsing is pure: it fills a struct and reports errors; main decides. */
#ifndef TABLESNAP_OPTIONS_H
#define TABLESNAP_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

/* Events a user can listen for (--listen-events). */
#define LISTEN_MOVED_TO		0x1
#define LISTEN_CLOSE_WRITE	0x2
#define LISTEN_CREATE		0x4

#define MIB (1024LL * 1024)

struct options {
	const char *aws_key, *aws_secret, *aws_token, *aws_region;
	int recursive, auto_add, backup, reduced_redundancy;
	const char *prefix;		/* "" when not given */
	int without_index, with_sse;
	const char *separator;		/* ":" */
	int threads;			/* 4 */
	const char *name;		/* NULL: the host's FQDN */
	int md5_on_start;
	unsigned listen;		/* LISTEN_* bits; default MOVED_TO|CLOSE_WRITE */
	int delete_on_backup;
	const char **excludes, **includes;	/* NULL-terminated, malloc'd */
	size_t nexcludes, nincludes;
	long long max_upload_size;	/* bytes; 5120 MiB */
	long long chunk_size;		/* bytes; 256 MiB */
	int retries;			/* extra attempts per request */
	int request_timeout;		/* seconds: connect, each read and write */
	const char *endpoint;		/* --endpoint URL, NULL: AWS */
	const char *ca_file;		/* --ca-file PEM, NULL: system bundle */
	int path_style;			/* 1 forced, -1 virtual forced, 0 auto */
	int once;			/* --once: upload what is there, exit */
	int shutdown_timeout;		/* seconds for uploads in flight at exit */
	const char *stats_file;		/* --stats-file: Prometheus text */
	long long max_bandwidth;	/* bytes/s for all uploads, 0: none */
	int exit_on_lost_root;		/* exit 1 when a watched root is lost */
	const char *bucket;
	const char **paths;		/* NULL-terminated, malloc'd */
	size_t npaths;
};

enum options_result {
	OPTIONS_OK,
	OPTIONS_HELP,		/* -h: print help, exit 0 */
	OPTIONS_VERSION,	/* --version */
	OPTIONS_USAGE,		/* bad command line: err says why, exit 2 */
	OPTIONS_NOMEM,
};

/* Parses argv (argv[0] is the program). Strings point into argv. On
 * OPTIONS_USAGE, err holds one line naming the problem. */
enum options_result options_parse(int argc, char **argv, struct options *o,
    char *err, size_t errlen);
void options_free(struct options *o);

/* The usage synopsis and the --help text. */
extern const char options_usage[];
extern const char *const options_help[];	/* pieces, then NULL */

#endif
