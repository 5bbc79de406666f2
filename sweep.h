/* sweep.h: the backup index of one ListObjectsV2 sweep, as tableslurp
 * and tableverify read it: the tables, their listings newest first, the
 * keys seen, and the one rule of a complete listing. Pure. */
#ifndef TABLESNAP_SWEEP_H
#define TABLESNAP_SWEEP_H

#include <stddef.h>

#include "listing.h"

struct keyset;
struct s3_list;

/* One listing the sweep found. */
struct sweep_listing {
	char *key;
	long long ms;		/* its LastModified */
};

/* One table directory below the sweep's base: base + rel + "/" + the
 * listings' names ("" rel: base itself). */
struct sweep_table {
	char *rel;		/* "" or "ks/cf", no final '/' */
	int refused;		/* rel is not a path below base
				 * (listing_safe_rel): its listings are
				 * never read */
	/* Newest first (LastModified, then the greater key). */
	struct sweep_listing *ls;
	size_t n;
	char *dest;		/* the caller's (tableslurp: where in the
				 * target), freed with the index */
};

struct sweep {
	struct sweep_table *t;	/* sorted by rel */
	size_t nt;
	struct sweep_listing *ls;	/* every listing, table by table */
	size_t nls;
	/* Each key under base (with its size) and each directory "<dir>/"
	 * below base that keys continue under (CommonPrefixes too). */
	struct keyset *seen;
};

/* Pure: the index of the sweep l of the keys under base (ends with '/'):
 * the listings depth directories below base (-1: any depth) uploaded at
 * or before as_of_ms (< 0: any time), grouped by table. 0, or -1 when out
 * of memory. */
int sweep_index(const struct s3_list *l, const char *base, int depth,
    long long as_of_ms, struct sweep *sw);
void sweep_free(struct sweep *sw);

/* Whether key is a directory in seen (keys continue under key/): 1, 0,
 * or -1 when out of memory. */
int sweep_seen_dir(const struct keyset *seen, const char *key);

/*
 * Pure: whether a listing is complete, the one rule of tableslurp and
 * tableverify. The names of set whose objects the sweep (seen) did not
 * find: their indexes into set->names go to missing (room for set->n), in
 * listing order; returns their count, or -1 when out of memory. A name
 * counts as there when its key (listing_file_key with prefix, host, sep)
 * is in seen, or is a directory there, or has no extension after its
 * first byte: a directory the original tablesnap listed ("snapshots",
 * "backups"), as every file Cassandra writes has one.
 */
long sweep_missing(const struct listing_set *set, const char *prefix,
    const char *host, const char *sep, const struct keyset *seen,
    size_t *missing);

#endif
