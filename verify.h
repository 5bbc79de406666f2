/* verify.h: tableverify, proof that a backup can be restored: every file
 * the listings name is in S3 and intact (and, asked, on disk too). */
#ifndef TABLESNAP_VERIFY_H
#define TABLESNAP_VERIFY_H

#include <stddef.h>

#include "companion.h"
#include "s3ops.h"

struct verify_opts {
	struct common_opts c;
	int recursive;		/* -r: every path/<keyspace>/<table> */
	int all;		/* --all: every listing, not the newest */
	int deep;		/* --deep [PERCENT]: files downloaded, 0-100 */
	int local;		/* --local: compare with the files on disk */
	int repair;		/* --repair: upload what is missing again */
	int all_hosts;		/* --all-hosts: every host name, no path */
	int threads;		/* -t: checks at once (4) */
	const char *stats_file;	/* --stats-file: Prometheus text */
	const char *bucket, *path;
};

/* Parses tableverify's command line (argv[0] is the program). Pure. */
enum cli_result verify_parse(int argc, char **argv, struct verify_opts *o,
    char *err, size_t errlen);

extern const char verify_usage[];
extern const char *const verify_help[];	/* pieces, then NULL */
extern const struct cli_program verify_program;

/* The kinds of problem, in the order of the reports. */
enum verify_kind {
	VK_MISSING,		/* listed, no object */
	VK_MISMATCHED,		/* the object is not what its md5sum says */
	VK_UNREADABLE,		/* S3 refused to give it (or its listing) */
	VK_LOCAL_MISSING,	/* --local: not on disk */
	VK_LOCAL_MISMATCHED,	/* --local: the file on disk differs */
	VK_N
};
extern const char *const verify_kind_names[VK_N];	/* "missing", ... */

/* What S3 said of an object, and what a download of it gave. */
struct verify_facts {
	const char *md5sum;	/* x-amz-meta-md5sum, "" when absent */
	const char *etag;	/* unquoted */
	long long size;		/* the object's, -1 when unknown */
	const char *got_md5;	/* hex MD5 of the download, NULL: none */
	long long got_size;	/* bytes downloaded */
};

/* Pure: 0 when the object is what its metadata says (md5sum against a
 * plain ETag, and against the download when there was one), else
 * VK_MISMATCHED with one line in why. want gets the MD5 the file must
 * have (md5sum, else a plain ETag, else the download's; "" unknown). */
int verify_object(const struct verify_facts *f, char want[33], char *why,
    size_t whylen);

/* Pure: the file on disk (local_size -1: absent; local_md5 NULL: not
 * hashed) against the object (size -1: not to be compared, want "":
 * unknown). 0, VK_LOCAL_MISSING or VK_LOCAL_MISMATCHED with why. */
int verify_local(long long local_size, const char *local_md5,
    long long size, const char *want, char *why, size_t whylen);

/* Pure: whether the file of this key is among the PERCENT (0-100) of n
 * files downloaded by --deep: those whose hash with seed is below the
 * percent's share, so that a seed of the day covers other files each
 * day. */
int verify_sampled(const char *key, unsigned long long seed, int percent);

/* What the check of one host found, for the summary and the stats
 * file: problems, files, and per table the age of its newest complete
 * listing (a listing is complete when every file it names is in S3). */
struct verify_table_age {
	char *dir;
	double age;		/* seconds; < 0: none complete */
};
struct verify_host {
	char *host;
	unsigned long problems[VK_N];
	unsigned long files, unchecked, repaired;
	struct verify_table_age *t;
	size_t nt;
};

/* Pure: the Prometheus text format (label values escaped), malloc'd;
 * NULL when out of memory. */
char *verify_prom(const struct verify_host *h, size_t nh, double now_s);

/* tableverify / tablesnap verify: the exit status (0 sound, 1 problems,
 * 2 bad command line, 3 could not check). */
int verify_main(int argc, char **argv);

#endif
