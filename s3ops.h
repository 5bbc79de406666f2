/* s3ops.h: the S3 operations tablesnap uses (HEAD, PUT, multipart), built
 * on s3_request. Each returns 0 on success, or -1 with why in err: the
 * answer's status and S3 error code as data, and a line for the log. */
#ifndef TABLESNAP_S3OPS_H
#define TABLESNAP_S3OPS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "s3.h"

#define S3_ERRLEN 512

/* Why an operation failed. Decide on status and code, never on text. */
struct s3_error {
	int status;		/* the HTTP status; 0: no answer */
	char code[64];		/* S3's error code; "" when none */
	char text[S3_ERRLEN];	/* one line for the log */
};

/* The Content-MD5 value of a body: base64 of its MD5, into b64
 * (S3_MD5_B64 bytes, NUL-terminated). */
#define S3_MD5_B64	25
void s3_content_md5(const void *body, size_t len, char *b64);

/* What a HEAD says of an object. */
struct s3_object_info {
	long long size;
	char etag[80];		/* without quotes */
	char md5sum[40];	/* x-amz-meta-md5sum, "" when absent */
	long long lock_until_ms; /* Object Lock retain-until, 0: none */
};

/* 1: exists (info filled), 0: no such key, -1: error. */
int s3_head_object(struct s3_client *c, const char *key,
    struct s3_object_info *info, struct s3_error *err);

/* PUT of a body in memory or a file range (req-like fields). headers are
 * the extra signed headers (metadata, Content-MD5, Content-Type, ...).
 * The ETag S3 returns (unquoted) goes to etag (80 bytes) when not NULL.
 * 0: stored; 1: a conditional header (If-None-Match: *) refused it;
 * -1: error (err says why). */
struct s3_put {
	const char *key;
	const struct sigv4_header *headers;
	size_t nheaders;
	const void *body;
	size_t body_len;
	int fd;			/* >= 0: send this file range instead */
	off_t off, len;
	const char *sha256_hex;	/* plain HTTP with a file body */
	void (*on_send)(void *arg, long long bytes);	/* progress */
	void *on_send_arg;
};
int s3_put_object(struct s3_client *c, const struct s3_put *put, char *etag,
    struct s3_error *err);

/* Multipart: create returns a malloc'd upload id. */
char *s3_mpu_create(struct s3_client *c, const char *key,
    const struct sigv4_header *headers, size_t nheaders, struct s3_error *err);
/* One part: put->key, fd, off, len, headers (Content-MD5) are used. */
int s3_mpu_part(struct s3_client *c, const char *upload_id, int part_number,
    const struct s3_put *put, char *etag, struct s3_error *err);
/* etags[i] is the unquoted hex ETag of part i+1. */
int s3_mpu_complete(struct s3_client *c, const char *key,
    const char *upload_id, char (*etags)[33], int nparts, struct s3_error *err);
int s3_mpu_abort(struct s3_client *c, const char *key, const char *upload_id,
    struct s3_error *err);

/* An unfinished multipart upload (ListMultipartUploads). */
struct s3_upload {
	char *upload_id;
	long long initiated_ms;	/* server time, ms since the epoch */
};
/* The unfinished uploads of exactly this key; free with s3_uploads_free. */
int s3_mpu_list(struct s3_client *c, const char *key, struct s3_upload **out,
    size_t *n, struct s3_error *err);
void s3_uploads_free(struct s3_upload *u, size_t n);

/* A stored part of an unfinished upload (ListParts). */
struct s3_part {
	int number;
	long long size;
	char etag[33];		/* unquoted hex MD5 of the part */
};
int s3_mpu_parts(struct s3_client *c, const char *key, const char *upload_id,
    struct s3_part **out, size_t *n, struct s3_error *err);

/* Whether the bucket has Object Lock (GET /?object-lock): 1 enabled,
 * 0 not, -1 error (err says why). */
int s3_object_lock_enabled(struct s3_client *c, struct s3_error *err);

/* PutObjectRetention (PUT /key?retention, with Content-MD5): the key's
 * current version locked in mode until ms since the epoch. 0 or -1. */
int s3_put_retention(struct s3_client *c, const char *key, const char *mode,
    long long until_ms, struct s3_error *err);

/* Checks that the bucket exists and the keys may list it. */
int s3_check_bucket(struct s3_client *c, struct s3_error *err);

/* ---- reading and deleting: ListObjectsV2, GET, DeleteObjects ---- */

/* One object of a listing. */
struct s3_entry {
	char *key;
	long long size;
	long long mtime_ms;	/* LastModified, ms since the epoch (UTC) */
	char etag[80];		/* without quotes */
};

/* What ListObjectsV2 found; zero it before the first use. */
struct s3_list {
	struct s3_entry *entries;	/* in the server's (key) order */
	size_t n, cap;
	char **prefixes;		/* CommonPrefixes (with a delimiter) */
	size_t nprefixes, pcap;
};

/* Every key under prefix: ListObjectsV2 page after page (continuation
 * tokens), keys asked URL-encoded so that any byte survives the XML. With
 * a delimiter ("/"), deeper keys come back as prefixes instead. Appends to
 * out. */
int s3_list_objects(struct s3_client *c, const char *prefix,
    const char *delimiter, struct s3_list *out, struct s3_error *err);
/* The same, handing each page to page_fn and keeping none, so that memory
 * holds one page (1,000 keys) whatever the count. page_fn returns 0, or
 * -1 for out of memory, which ends the listing. */
int s3_list_objects_by_page(struct s3_client *c, const char *prefix,
    const char *delimiter, int (*page_fn)(void *, const struct s3_list *),
    void *ctx, struct s3_error *err);
void s3_list_free(struct s3_list *l);

/* Pure: one ListObjectsV2 answer appended to out; *truncated, and the
 * malloc'd NextContinuationToken (NULL when none). 0, or -1 when the
 * document is malformed or memory ran out. */
int s3_list_parse(const char *xml, size_t len, struct s3_list *out,
    int *truncated, char **next_token);

/* What a GET answer said of the object. */
struct s3_get_info {
	long long size;		/* Content-Length, -1 when absent */
	char etag[80];		/* without quotes */
	char md5sum[40];	/* x-amz-meta-md5sum, "" when absent */
	char *stat;		/* x-amz-meta-stat, malloc'd, NULL when absent */
	long long lock_until_ms; /* Object Lock retain-until, 0: none */
};

/* Streams the object's body into sink (reset before a retry starts it
 * again). 1: stored, 0: no such key, -1: error. Free info afterwards. */
int s3_get_object(struct s3_client *c, const char *key,
    const struct s3_sink *sink, struct s3_get_info *info, struct s3_error *err);
void s3_get_info_free(struct s3_get_info *info);

/* GET of a small object (at most max bytes) into a malloc'd NUL-terminated
 * buffer. 1: read, 0: no such key, -1: error. */
int s3_get_small(struct s3_client *c, const char *key, size_t max,
    char **body, size_t *len, long long *mtime_ms, struct s3_error *err);

/* Multi-object delete: POST /?delete with Content-MD5, at most
 * S3_DELETE_MAX keys. Returns the number of keys S3 could not delete
 * (their errors in *errs, free with s3_delete_errors_free), or -1 when the
 * request itself failed (err says why; nothing is known deleted). */
#define S3_DELETE_MAX 1000
struct s3_delete_error {
	char *key;
	char code[64];
	char message[256];
};
int s3_delete_objects(struct s3_client *c, const char *const *keys, size_t n,
    struct s3_delete_error **errs, size_t *nerrs, struct s3_error *err);
void s3_delete_errors_free(struct s3_delete_error *errs, size_t n);

/* Pure: the <Delete> body (quiet mode) for keys, malloc'd. */
char *s3_delete_body(const char *const *keys, size_t n);
/* Pure: the per-key <Error>s of a <DeleteResult>. The count, or -1 when
 * the document is not a DeleteResult. */
int s3_delete_parse(const char *xml, size_t len,
    struct s3_delete_error **errs, size_t *nerrs);

#endif
