/* chop.h: tablechop, the retention: deletes the backups under a path that
 * no listing worth keeping still needs. */
#ifndef TABLESNAP_CHOP_H
#define TABLESNAP_CHOP_H

#include <stddef.h>

#include "companion.h"

struct keyset;

/* The age argument. A whole number of days (the original's form, may be
 * negative) counts whole days as the original did: a listing 7 days and
 * 23 hours old is 7 days old. A fraction ("0.5") or a unit ("36h", "90m",
 * "30s", "2d") is exact. */
struct chop_age {
	long long ms;
	int whole_days;
};

struct chop_opts {
	struct common_opts c;
	int dry_run;		/* -d */
	int list;		/* -l */
	int parallel;		/* -j: listings fetched at once (5) */
	const char *bucket, *path, *age_text;
	struct chop_age age;
};

/* Parses tablechop's command line (argv[0] is the program). Pure. */
enum cli_result chop_parse(int argc, char **argv, struct chop_opts *o,
    char *err, size_t errlen);

extern const char chop_usage[];
extern const char *const chop_help[];	/* pieces, then NULL */
/* Its command line: tables, texts (for help checks and usage errors). */
extern const struct cli_program chop_program;

/* Pure: 0 and *age, or -1. */
int chop_parse_age(const char *s, struct chop_age *age);

/* Pure: whether a listing age_ms old (as-of time minus LastModified) is
 * past the age: for whole days, when its whole days exceed the age; else
 * when it is older than the age. */
int chop_expired(long long age_ms, const struct chop_age *age);

/* Pure: whether key lies under the directory base (ends without '/'): at a
 * directory boundary, so /ks/cf is not a prefix of /ks/cf2. */
int chop_under(const char *key, const char *base);

/* One object under the path. */
struct chop_obj {
	const char *key;
	long long mtime_ms;
	int listing;		/* a -listdir.json */
	int referenced;		/* named by a kept listing (the caller's) */
	int keep;		/* the verdict */
	int retained;		/* due, but under Object Lock: kept */
};

/*
 * The rule, per directory (so that a keyspace path keeps the newest
 * listing of each of its tables): of the listings that existed at as_of,
 * keep the newest and every one not past the age. Listings uploaded
 * after as_of are kept (they did not exist then). Sets keep on listings.
 */
void chop_keep_listings(struct chop_obj *o, size_t n, long long as_of_ms,
    const struct chop_age *age);

/* Marks the objects whose keys are in refs (the keys the kept listings
 * name). */
void chop_mark_referenced(struct chop_obj *o, size_t n,
    const struct keyset *refs);

/*
 * Sets keep on the other files: a file stays when a kept listing names it,
 * when it was uploaded after as_of, when its directory had no listing at
 * as_of (nothing tells what it belongs to), or when it was uploaded after
 * the newest listing of its directory (a backup still under way).
 */
void chop_keep_files(struct chop_obj *o, size_t n, long long as_of_ms);

/* tablechop / tablesnap chop: returns the exit status (0, or 1 when there
 * were no listings or anything could not be read or deleted, 2 for a bad
 * command line). */
int chop_main(int argc, char **argv);

#endif
