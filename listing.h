/* listing.h: the one owner of the backup layout in S3: keys (prefix + host
 * name + separator + path), the "-listdir.json" listing's name and body,
 * written and read with one grammar and one strictness, and the checks
 * that keep a path taken from the bucket below where it is restored.
 * Pure: no I/O, no clock. */
#ifndef TABLESNAP_LISTING_H
#define TABLESNAP_LISTING_H

#include <stddef.h>

#include "json.h"

/* A listing's key is the key of the file it was written for + this. */
#define LISTING_SUFFIX	"-listdir.json"

/* ---- keys ---- */

/* key as the original (boto 2) really stored it: runs of '/' collapsed
 * to one, a leading '/' dropped, a trailing one kept. In place; returns
 * key. Every key and key prefix below goes through it, so that with
 * --keyname-separator / or -p /backups// the keys are the original's
 * ("node1/var/...", "backups/node1:/..."); default options have no '/'
 * run and keep their keys. */
char *listing_boto_key(char *key);

/* prefix + name + separator + path + tail, through listing_boto_key,
 * malloc'd (NULL: out of memory). path is absolute, as tablesnap saw it;
 * a tail of "/" gives the prefix of the keys below path. */
char *listing_key(const char *prefix, const char *name, const char *sep,
    const char *path, const char *tail);

/* The key of file name in directory dir ("/" or a path without a final
 * '/'), as tablesnap stored it: listing_key(..., dir + "/" + file, ""). */
char *listing_file_key(const char *prefix, const char *name, const char *sep,
    const char *dir, const char *file);

/* The key of the listing written for the file of file_key, malloc'd. */
char *listing_of(const char *file_key);

/* Whether key is a listing's: ends with LISTING_SUFFIX after at least one
 * byte of a file name. */
int listing_is_listing(const char *key, size_t len);

/* ---- paths ---- */

/* A path as tablesnap put it in keys: absolute, "." and ".." resolved, no
 * "//", no trailing "/"; the root is "". For paths given on the command
 * line. malloc'd; NULL when not absolute (or out of memory). */
char *listing_abs_path(const char *p);

/* A name a listing may hold for a file of its directory, and a component
 * of a directory taken from the bucket: not empty, no '/', no NUL (len is
 * the decoded length), not "." or "..". */
int listing_safe_name(const char *name, size_t len);

/* rel (len bytes): "" or safe names joined by single '/' (no leading or
 * trailing '/'): a path that stays below the directory it is joined to. */
int listing_safe_rel(const char *rel, size_t len);

/* dir (len bytes): a directory as tablesnap writes it in a listing: "/",
 * or "/" + safe names joined by single '/'. */
int listing_safe_dir(const char *dir, size_t len);

/* s as escape_controls (encode.h) shows it (NUL too), for one message
 * line about a name that was refused. malloc'd; NULL when out of
 * memory. */
char *listing_show(const char *s, size_t len);

/* ---- the body ---- */

/* The body tablesnap writes for dir's files, in the original's bytes:
 * {"<dir>": ["<name>", ...]} with ", " and ": " separators, no final
 * newline, names in the order given, each a JSON string (json.h). */
void listing_write(struct buf *b, const char *dir, const char *const *names,
    size_t n);

/* One directory member of a listing: its safe names, and a line for each
 * entry refused (not a string, or not a safe name). */
struct listing_set {
	const char *dir;		/* a safe dir (listing_safe_dir) */
	const char **names;
	size_t n;
	/* Each as listing_show() shows it, or "(not a string)". */
	char **refused;
	size_t nrefused;
};

struct listing {
	struct listing_set *sets;	/* in document order */
	size_t n;
	void *tree;			/* what the strings point into */
};

/*
 * Reads a listing body. The grammar: one JSON object whose members are
 * each a directory (listing_safe_dir, so a listing cannot name a place
 * outside the tree it was written for) with an array of file names. A
 * body that is not such an object, or any member that is not, refuses the
 * whole listing (-1, err says why); entries that are not safe names are
 * refused one by one into the set's refused list. 0 and *l otherwise.
 */
int listing_read(const char *body, size_t len, struct listing *l, char *err,
    size_t errlen);
void listing_free(struct listing *l);

/* The set of dir (the last when repeated, as Python reads it), or NULL. */
const struct listing_set *listing_find(const struct listing *l,
    const char *dir);

#endif
