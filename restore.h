/* restore.h: tableslurp, the restore: the files a backup listing names,
 * from S3 into a local directory, each verified before it lands. */
#ifndef TABLESNAP_RESTORE_H
#define TABLESNAP_RESTORE_H

#include <stddef.h>
#include <sys/types.h>

#include "companion.h"
#include "keyset.h"
#include "listing.h"
#include "s3ops.h"
#include "sweep.h"

struct restore_opts {
	struct common_opts c;
	int preserve;		/* -p: owner, group, mode from the metadata */
	int preserve_special;	/* --preserve-special-bits: and 07000 */
	int force;		/* --force: download even identical files */
	int recursive;		/* -r: every table under origin */
	int threads;		/* -t: downloads at once (4) */
	int allow_incomplete;	/* --allow-incomplete: the newest listing */
	int keep_table_ids;	/* --keep-table-ids: no table mapping */
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

/* Pure: Cassandra's table directory "<table>-<32 hex digits>": the
 * length of <table> (at least 1), or 0 when name is not one. */
size_t restore_table_len(const char *name);

/* Pure: the directory of the table of name ("<table>-<id>") among dirs,
 * the names of the subdirectories of its keyspace in the target: the
 * index of the one that is "<table>-<any id>"; -1 when none is, or name
 * is not of that form; -2 when two are (their indexes in two). */
long restore_map_table(const char *name, const char *const *dirs, size_t n,
    size_t two[2]);

/* Where a restore stands, for its progress line. */
struct restore_progress {
	size_t files_done, files;
	long long bytes_done, bytes;
	long long elapsed_ms;
};
/* Pure: "Progress: 12 of 2000 files, 0.8 of 125.0 MiB, 4.1 MiB/s,
 * about 30s left" into out; 0, or -1 when it did not fit. */
int restore_progress_line(const struct restore_progress *p, char *out,
    size_t len);

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
 * file the chosen listings name is in place and verified, 1 otherwise (a
 * file missing from the bucket included, with --allow-incomplete or when
 * no listing is complete; a table with two directories in the target),
 * 2 for a bad command line). Every
 * path below target comes from openat(2) on target with O_NOFOLLOW: a
 * symbolic link planted in the target is never followed. */
int restore_main(int argc, char **argv);

#endif
