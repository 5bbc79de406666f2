/* restore.h: tableslurp, the restore: the files a backup listing names,
 * from S3 into a local directory, each verified before it lands. */
#ifndef TABLESNAP_RESTORE_H
#define TABLESNAP_RESTORE_H

#include <stddef.h>
#include <sys/types.h>

#include "companion.h"
#include "listing.h"
#include "s3ops.h"

struct restore_opts {
	struct common_opts c;
	int preserve;		/* -p: owner, group, mode from the metadata */
	int preserve_special;	/* --preserve-special-bits: and 07000 */
	int force;		/* --force: download even identical files */
	int recursive;		/* -r: every table under origin */
	int threads;		/* -t: downloads at once (4) */
	const char *owner, *group;	/* -o, -g: names or numbers */
	const char *file;	/* -f: the listing of this file */
	const char *commitlogs;	/* --commitlogs DIR */
	const char *bucket, *origin, *target;
};

/* Parses tableslurp's command line (argv[0] is the program). Pure. */
enum cli_result restore_parse(int argc, char **argv, struct restore_opts *o,
    char *err, size_t errlen);

extern const char restore_usage[];
extern const char *const restore_help[];	/* pieces, then NULL */
/* Its command line: tables, texts (for help checks and usage errors). */
extern const struct cli_program restore_program;

/* One table directory to restore, and the listing chosen for it. */
struct restore_table {
	char *rel;		/* "" or "ks/cf" below origin (with -r) */
	char *listing_key;
	long long listing_ms;	/* its LastModified */
	int refused;		/* rel has a ".", ".." or empty component */
};

/* Pure: the newest listing (by LastModified, then key) of each directory
 * `depth` levels below prefix (which ends with "/"), among keys
 * prefix + rel + "<name>-listdir.json"; listings later than as_of_ms
 * (when >= 0) are not looked at. A rel that is not a path below prefix
 * (listing_safe_rel) is returned with refused set, for the caller to
 * report; such a listing is never read. Returns the count (tables sorted by rel)
 * or -1 when out of memory. */
long restore_find_tables(const struct s3_list *l, const char *prefix,
    int depth, long long as_of_ms, struct restore_table **out);
void restore_tables_free(struct restore_table *t, size_t n);

/* Pure: the hex MD5 a download must have: x-amz-meta-md5sum when it is
 * one (1), else a single-part ETag (2); 0 when neither can tell. */
int restore_expected_md5(const char *md5sum, const char *etag,
    char out[33]);

/* Pure: Cassandra commit log segments "CommitLog-<version>-<id>.log";
 * 1 and the id, or 0. */
int restore_commitlog_id(const char *name, unsigned long long *id);

/* Pure: a segment is restored when it is newer than since_ms, the oldest
 * of the restored listings: its id (ms since the epoch when the segment
 * was made, compared as a number, not as a string as the original did)
 * or its upload is later (a segment older by id may still have been
 * written to after since_ms; replaying extra mutations is harmless). */
int restore_commitlog_wanted(const char *name, long long mtime_ms,
    long long since_ms);

/* What x-amz-meta-stat says, parsed. Pure. */
struct restore_stat {
	int has_uid, has_gid, has_mode;
	long long uid, gid, mode;
	char *user, *group;	/* malloc'd or NULL */
};
int restore_parse_stat(const char *json, struct restore_stat *st);
void restore_stat_free(struct restore_stat *st);

/* tableslurp / tablesnap restore: returns the exit status (0 when every
 * file the listings name is in place and verified, 1 otherwise (a file
 * missing from the bucket included), 2 for a bad command line). Every
 * path below target comes from openat(2) on target with O_NOFOLLOW: a
 * symbolic link planted in the target is never followed. */
int restore_main(int argc, char **argv);

#endif
