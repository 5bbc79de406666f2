/* upload.h: uploading one file: the skip rule, the directory listing, the
 * metadata, and a single PUT or a multipart upload, verified. */
#ifndef TABLESNAP_UPLOAD_H
#define TABLESNAP_UPLOAD_H

#include <sys/stat.h>

#include "filter.h"
#include "options.h"
#include "queue.h"
#include "s3.h"

/* What upload_file reads: the user's options as they are (a new option is
 * read from there, with no copy to make), and what the daemon found. */
struct upload_config {
	const struct options *opt;	/* prefix, separator, -R, -i, ... */
	const char *name;		/* host name in the keys */
	const struct filter *filter;	/* for the listing's entries */
	int signed_payload;		/* plain HTTP: SHA-256 of every body */
	const char *const *roots;	/* the watched paths, absolute: no */
	size_t nroots;			/* link below one is followed */
};

enum upload_status {
	UPLOAD_DONE,		/* stored and verified */
	UPLOAD_SKIPPED,		/* already in S3 */
	UPLOAD_GONE,		/* the file vanished first */
	UPLOAD_REFUSED,		/* can never be uploaded (logged why): not
				 * a regular file, a name S3 cannot take,
				 * too large */
	UPLOAD_RETRY,		/* failed for now: try again later */
};

/* hint: what the finder knew of the object: ABSENT, no lookup; UNKNOWN, a
 * file up to 1 MiB goes out as a PUT if absent, a larger one is looked up
 * (HEAD) first; LIKELY, looked up first. *bytes: the size of the file
 * stored, when UPLOAD_DONE. */
enum upload_status upload_file(struct s3_client *c,
    const struct upload_config *cfg, const char *path, enum object_hint hint,
    long long *bytes);

/* Opens path to upload it, only if it is a regular file: no symbolic link
 * followed below root (the root itself is taken as named; NULL: only the
 * last component is not followed), never blocking (a FIFO), a device or a
 * FIFO not even opened. *st comes from the opened descriptor, which is
 * returned (blocking, close-on-exec). -1 with errno (ENOENT: gone); -2
 * when path is no regular file, *why then saying what it is ("a FIFO,
 * not a regular file"). */
int upload_open(const char *root, const char *path, struct stat *st,
    const char **why);

/* Why a file of this mode is not uploaded ("a FIFO, not a regular file");
 * NULL for a regular file. */
const char *upload_file_kind(mode_t mode);

/* Aborts the multipart uploads still in flight (at shutdown, when their
 * threads did not finish in time). Returns how many were aborted. */
int upload_abort_in_flight(struct s3_client *c);

/* The Content-Type the original's boto 2 sent for a file of this name:
 * Python's mimetypes.guess_type on its extension (the part after the last
 * dot of the last component, leading dots not counted; case ignored), of
 * which only .txt (text/plain, the -TOC.txt files) and .json
 * (application/json) occur in Cassandra's directories; everything else,
 * and no extension, is application/octet-stream. */
const char *upload_content_type(const char *name);

/* The part size for a file: the wanted size, raised to at least 5 MiB and
 * to what keeps the file within 10,000 parts (whole MiB). -1 when the file
 * is too large for S3 even with 5 GiB parts. */
long long upload_part_size(long long file_size, long long wanted);

/* Pure: the headers that say how an object is stored, into h (at most
 * UPLOAD_STORAGE_HEADERS): storage class (a listing's own, -R's), SSE,
 * KMS key, Bucket Key, Object Lock until until_ms (its text into until,
 * 32 bytes). Returns the count. */
#define UPLOAD_STORAGE_HEADERS	6
struct sigv4_header;
size_t upload_storage_headers(const struct options *o, int listing,
    long long until_ms, struct sigv4_header *h, char *until);

/* The key of a path: prefix + name + separator + path, malloc'd. */
char *upload_key(const struct upload_config *cfg, const char *path);

#endif
