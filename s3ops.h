/* s3ops.h: the S3 operations tablesnap uses (HEAD, PUT, multipart), built
 * on s3_request. Each returns 0 on success, or -1 with a one-line reason in
 * err (the S3 error code and status, or the network error). */
#ifndef TABLESNAP_S3OPS_H
#define TABLESNAP_S3OPS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "s3.h"

#define S3_ERRLEN 512

/* What a HEAD says of an object. */
struct s3_object_info {
	long long size;
	char etag[80];		/* without quotes */
	char md5sum[40];	/* x-amz-meta-md5sum, "" when absent */
};

/* 1: exists (info filled), 0: no such key, -1: error. */
int s3_head_object(struct s3_client *c, const char *key,
    struct s3_object_info *info, char *err);

/* PUT of a body in memory or a file range (req-like fields). headers are
 * the extra signed headers (metadata, Content-MD5, Content-Type, ...).
 * The ETag S3 returns (unquoted) goes to etag (80 bytes) when not NULL. */
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
    char *err);

/* Multipart: create returns a malloc'd upload id. */
char *s3_mpu_create(struct s3_client *c, const char *key,
    const struct sigv4_header *headers, size_t nheaders, char *err);
/* One part: put->key, fd, off, len, headers (Content-MD5) are used. */
int s3_mpu_part(struct s3_client *c, const char *upload_id, int part_number,
    const struct s3_put *put, char *etag, char *err);
/* etags[i] is the unquoted hex ETag of part i+1. */
int s3_mpu_complete(struct s3_client *c, const char *key,
    const char *upload_id, char (*etags)[33], int nparts, char *err);
int s3_mpu_abort(struct s3_client *c, const char *key, const char *upload_id,
    char *err);

/* An unfinished multipart upload (ListMultipartUploads). */
struct s3_upload {
	char *upload_id;
	time_t initiated;	/* server time */
};
/* The unfinished uploads of exactly this key; free with s3_uploads_free. */
int s3_mpu_list(struct s3_client *c, const char *key, struct s3_upload **out,
    size_t *n, char *err);
void s3_uploads_free(struct s3_upload *u, size_t n);

/* A stored part of an unfinished upload (ListParts). */
struct s3_part {
	int number;
	long long size;
	char etag[33];		/* unquoted hex MD5 of the part */
};
int s3_mpu_parts(struct s3_client *c, const char *key, const char *upload_id,
    struct s3_part **out, size_t *n, char *err);

/* Checks that the bucket exists and the keys may list it. */
int s3_check_bucket(struct s3_client *c, char *err, char *code, size_t codelen);

#endif
