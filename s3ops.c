/* s3ops.c: HEAD, PUT and the multipart calls, with the checks of their
 * answers that S3 leaves to the client (ETags, 200 answers carrying
 * <Error>). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "s3ops.h"
#include "xml.h"

#define MAX_XML_ANSWER (1024 * 1024)

static void
set_msg(char *err, const char *msg)
{
	size_t n = strlen(msg);

	if (n >= S3_ERRLEN)
		n = S3_ERRLEN - 1;
	memcpy(err, msg, n);
	err[n] = '\0';
}

static void
errf(char *err, const char *what, const struct s3_response *resp)
{
	/* Truncation only shortens the log line. */
	if (snprintf(err, S3_ERRLEN, "%s: %s", what, resp->error) < 0)
		err[0] = '\0';
}

/* Copies an ETag header value without its quotes. */
static void
copy_etag(const char *v, char *out, size_t cap)
{
	size_t n;

	out[0] = '\0';
	if (v == NULL)
		return;
	if (*v == '"')
		v++;
	n = strcspn(v, "\"");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

int
s3_head_object(struct s3_client *c, const char *key,
    struct s3_object_info *info, char *err)
{
	struct s3_request req = { .method = "HEAD", .key = key, .head = 1,
	    .body_fd = -1 };
	struct s3_response resp;
	const char *v;
	char *end;
	int r;

	memset(info, 0, sizeof(*info));
	if (s3_request(c, &req, &resp) < 0) {
		errf(err, "HEAD", &resp);
		s3_response_free(&resp);
		return -1;
	}
	if (resp.status == 404) {
		s3_response_free(&resp);
		return 0;
	}
	if (resp.status != 200) {
		errf(err, "HEAD", &resp);
		s3_response_free(&resp);
		return -1;
	}
	v = http_header(&resp.http, "Content-Length");
	info->size = v ? strtoll(v, &end, 10) : -1;
	copy_etag(http_header(&resp.http, "ETag"), info->etag,
	    sizeof(info->etag));
	v = http_header(&resp.http, "x-amz-meta-md5sum");
	if (v != NULL && strlen(v) < sizeof(info->md5sum))
		strcpy(info->md5sum, v);
	r = 1;
	s3_response_free(&resp);
	return r;
}

static int
put(struct s3_client *c, const char *query, const struct s3_put *p,
    char *etag, char *err, const char *what)
{
	struct s3_request req = {
		.method = "PUT", .key = p->key, .query = query,
		.headers = p->headers, .nheaders = p->nheaders,
		.body = p->body, .body_len = p->body_len, .body_fd = p->fd,
		.body_off = p->off, .body_fd_len = p->len,
		.payload_sha256 = p->sha256_hex,
	};
	struct s3_response resp;

	if (s3_request(c, &req, &resp) < 0 || resp.status != 200) {
		errf(err, what, &resp);
		s3_response_free(&resp);
		return -1;
	}
	if (etag != NULL)
		copy_etag(http_header(&resp.http, "ETag"), etag, 80);
	s3_response_free(&resp);
	return 0;
}

int
s3_put_object(struct s3_client *c, const struct s3_put *p, char *etag,
    char *err)
{
	return put(c, NULL, p, etag, err, "PUT");
}

/* A POST whose 200 answer must still be checked for an <Error> body. */
static int
post_xml(struct s3_client *c, const char *key, const char *query,
    const struct sigv4_header *headers, size_t nheaders, const char *body,
    struct s3_response *resp, char *err, const char *what)
{
	struct s3_request req = {
		.method = "POST", .key = key, .query = query,
		.headers = headers, .nheaders = nheaders, .body = body,
		.body_len = body ? strlen(body) : 0, .body_fd = -1,
		.max_body = MAX_XML_ANSWER,
	};

	if (s3_request(c, &req, resp) < 0 || resp->status != 200) {
		errf(err, what, resp);
		return -1;
	}
	if (resp->body != NULL && xml_text(resp->body, resp->body_len, "Code",
	    resp->code, sizeof(resp->code)) >= 0) {
		s3_describe(resp);
		errf(err, what, resp);
		return -1;
	}
	return 0;
}

char *
s3_mpu_create(struct s3_client *c, const char *key,
    const struct sigv4_header *headers, size_t nheaders, char *err)
{
	struct s3_response resp;
	char id[1024];
	char *out = NULL;

	if (post_xml(c, key, "uploads", headers, nheaders, NULL, &resp, err,
	    "initiate multipart upload") == 0) {
		if (resp.body != NULL && xml_text(resp.body, resp.body_len,
		    "UploadId", id, sizeof(id)) > 0)
			out = strdup(id);
		else
			set_msg(err, "initiate multipart upload: no UploadId "
			    "in the answer");
	}
	s3_response_free(&resp);
	return out;
}

static char *
upload_query(const char *upload_id, int part_number)
{
	char *eid = uri_encode(upload_id, strlen(upload_id), 0);
	char *q;
	int n;

	if (eid == NULL)
		return NULL;
	if (part_number > 0)
		n = asprintf(&q, "partNumber=%d&uploadId=%s", part_number, eid);
	else
		n = asprintf(&q, "uploadId=%s", eid);
	free(eid);
	return n < 0 ? NULL : q;
}

int
s3_mpu_part(struct s3_client *c, const char *upload_id, int part_number,
    const struct s3_put *p, char *etag, char *err)
{
	char *q = upload_query(upload_id, part_number);
	int r;

	if (q == NULL) {
		set_msg(err, "out of memory");
		return -1;
	}
	r = put(c, q, p, etag, err, "upload part");
	free(q);
	return r;
}

/* Appends to a buffer that was sized for the whole document. */
static int
append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

int
s3_mpu_complete(struct s3_client *c, const char *key, const char *upload_id,
    char (*etags)[33], int nparts, char *err)
{
	static const struct sigv4_header ct = { "content-type",
	    "application/xml" };
	struct s3_response resp;
	char *q = upload_query(upload_id, 0), *body = NULL;
	/* A <Part> line is at most 90 bytes: 10000 parts, 32-byte ETags. */
	size_t cap = 64 + (size_t)nparts * 96, len = 0;
	int r, bad;

	if (q == NULL || (body = malloc(cap)) == NULL) {
		set_msg(err, "out of memory");
		free(q);
		return -1;
	}
	bad = append(body, cap, &len, "<CompleteMultipartUpload>");
	for (int i = 0; i < nparts && !bad; i++)
		bad = append(body, cap, &len, "<Part><PartNumber>%d</PartNumber>"
		    "<ETag>\"%s\"</ETag></Part>", i + 1, etags[i]);
	if (!bad)
		bad = append(body, cap, &len, "</CompleteMultipartUpload>");
	if (bad) {
		set_msg(err, "internal error: part list does not fit");
		free(body);
		free(q);
		return -1;
	}
	r = post_xml(c, key, q, &ct, 1, body, &resp, err,
	    "complete multipart upload");
	s3_response_free(&resp);
	free(body);
	free(q);
	return r;
}

int
s3_mpu_abort(struct s3_client *c, const char *key, const char *upload_id,
    char *err)
{
	struct s3_request req = { .method = "DELETE", .key = key,
	    .body_fd = -1 };
	struct s3_response resp;
	int r = -1;

	req.query = upload_query(upload_id, 0);
	if (req.query == NULL) {
		set_msg(err, "out of memory");
		return -1;
	}
	if (s3_request(c, &req, &resp) == 0 &&
	    (resp.status == 204 || resp.status == 200 || resp.status == 404))
		r = 0;
	else
		errf(err, "abort multipart upload", &resp);
	s3_response_free(&resp);
	free((char *)req.query);
	return r;
}

int
s3_check_bucket(struct s3_client *c, char *err, char *code, size_t codelen)
{
	/* A GET, not a HEAD: only a body carries the error code
	 * (InvalidAccessKeyId, SignatureDoesNotMatch, ...). */
	struct s3_request req = { .method = "GET", .key = NULL,
	    .query = "list-type=2&max-keys=1", .body_fd = -1,
	    .max_body = MAX_XML_ANSWER };
	struct s3_response resp;
	int r = -1;

	code[0] = '\0';
	if (s3_request(c, &req, &resp) < 0)
		errf(err, "cannot reach S3", &resp);
	else if (resp.status != 200) {
		if (snprintf(code, codelen, "%s", resp.code) >= (int)codelen)
			code[0] = '\0';
		errf(err, "bucket check failed", &resp);
	} else
		r = 0;
	s3_response_free(&resp);
	return r;
}
