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
		.payload_sha256 = p->sha256_hex, .on_send = p->on_send,
		.on_send_arg = p->on_send_arg,
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

/* "2026-11-26T14:00:00.000Z" as a time; -1 when malformed. */
static time_t
iso8601(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (end == NULL)
		return -1;
	return timegm(&tm);
}

/* A GET of an XML listing, kept whole. */
static int
get_xml(struct s3_client *c, const char *key, const char *query,
    struct s3_response *resp, char *err, const char *what)
{
	struct s3_request req = { .method = "GET", .key = key, .query = query,
	    .body_fd = -1, .max_body = MAX_XML_ANSWER };

	if (s3_request(c, &req, resp) < 0 || resp->status != 200 ||
	    resp->body == NULL) {
		errf(err, what, resp);
		return -1;
	}
	return 0;
}

/* The text of element tag inside span, decoded, malloc'd (NULL: absent). */
static char *
span_text(const struct xml_span *sp, const char *tag)
{
	size_t pos = 0;
	struct xml_span v;

	if (xml_next(sp->p, sp->len, &pos, tag, &v) != 1)
		return NULL;
	return xml_decode(&v);
}

/* Query marker values for the next page, or 0 when the last was final. */
static int
next_page(const struct s3_response *resp, const char *tag1, char **v1,
    const char *tag2, char **v2)
{
	struct xml_span doc = { resp->body, resp->body_len };
	char *trunc = span_text(&doc, "IsTruncated");
	int more = trunc != NULL && strcmp(trunc, "true") == 0;

	free(trunc);
	free(*v1);
	*v1 = more ? span_text(&doc, tag1) : NULL;
	if (v2 != NULL) {
		free(*v2);
		*v2 = more ? span_text(&doc, tag2) : NULL;
	}
	return more && *v1 != NULL && (v2 == NULL || *v2 != NULL);
}

static int
add_upload(struct s3_upload **out, size_t *n, const struct xml_span *up,
    const char *key)
{
	char *k = span_text(up, "Key"), *id = span_text(up, "UploadId");
	char *when = span_text(up, "Initiated");
	struct s3_upload *grown;
	int r = 0;

	if (k != NULL && id != NULL && strcmp(k, key) == 0) {
		grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (grown == NULL)
			r = -1;
		else {
			*out = grown;
			grown[*n].upload_id = id;
			grown[*n].initiated = when ? iso8601(when) : -1;
			(*n)++;
			id = NULL;
		}
	}
	free(k);
	free(id);
	free(when);
	return r;
}

int
s3_mpu_list(struct s3_client *c, const char *key, struct s3_upload **out,
    size_t *n, char *err)
{
	char *ekey = uri_encode(key, strlen(key), 0), *km = NULL, *im = NULL;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (ekey == NULL) {
		set_msg(err, "out of memory");
		return -1;
	}
	do {
		struct s3_response resp;
		char *q = NULL, *ekm = NULL, *eim = NULL;
		size_t pos = 0;
		struct xml_span up;

		if (km != NULL) {
			ekm = uri_encode(km, strlen(km), 0);
			eim = uri_encode(im, strlen(im), 0);
		}
		if ((km != NULL && (ekm == NULL || eim == NULL)) ||
		    asprintf(&q, "prefix=%s&uploads%s%s%s%s", ekey,
		    ekm ? "&key-marker=" : "", ekm ? ekm : "",
		    eim ? "&upload-id-marker=" : "", eim ? eim : "") < 0) {
			set_msg(err, "out of memory");
			free(ekm);
			free(eim);
			r = -1;
			break;
		}
		free(ekm);
		free(eim);
		r = get_xml(c, NULL, q, &resp, err, "list multipart uploads");
		free(q);
		while (r == 0 && xml_next(resp.body, resp.body_len, &pos,
		    "Upload", &up) == 1)
			if (add_upload(out, n, &up, key) < 0) {
				set_msg(err, "out of memory");
				r = -1;
			}
		if (r == 0 && !next_page(&resp, "NextKeyMarker", &km,
		    "NextUploadIdMarker", &im)) {
			s3_response_free(&resp);
			break;
		}
		s3_response_free(&resp);
	} while (r == 0);
	free(km);
	free(im);
	free(ekey);
	if (r < 0) {
		s3_uploads_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return r;
}

void
s3_uploads_free(struct s3_upload *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(u[i].upload_id);
	free(u);
}

static int
add_part(struct s3_part **out, size_t *n, const struct xml_span *sp)
{
	char *num = span_text(sp, "PartNumber"), *size = span_text(sp, "Size");
	char *etag = span_text(sp, "ETag");
	struct s3_part *grown;
	int r = 0;

	if (num != NULL && size != NULL && etag != NULL) {
		grown = realloc(*out, (*n + 1) * sizeof(**out));
		if (grown == NULL)
			r = -1;
		else {
			*out = grown;
			grown[*n].number = atoi(num);
			grown[*n].size = strtoll(size, NULL, 10);
			copy_etag(etag, grown[*n].etag, sizeof(grown[*n].etag));
			(*n)++;
		}
	}
	free(num);
	free(size);
	free(etag);
	return r;
}

int
s3_mpu_parts(struct s3_client *c, const char *key, const char *upload_id,
    struct s3_part **out, size_t *n, char *err)
{
	char *base = upload_query(upload_id, 0), *marker = NULL;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (base == NULL) {
		set_msg(err, "out of memory");
		return -1;
	}
	do {
		struct s3_response resp;
		struct xml_span sp;
		size_t pos = 0;
		char *q;

		if (asprintf(&q, "%s%s%s", base, marker ?
		    "&part-number-marker=" : "", marker ? marker : "") < 0) {
			set_msg(err, "out of memory");
			r = -1;
			break;
		}
		r = get_xml(c, key, q, &resp, err, "list parts");
		free(q);
		while (r == 0 && xml_next(resp.body, resp.body_len, &pos,
		    "Part", &sp) == 1)
			if (add_part(out, n, &sp) < 0) {
				set_msg(err, "out of memory");
				r = -1;
			}
		if (r == 0 && !next_page(&resp, "NextPartNumberMarker", &marker,
		    NULL, NULL)) {
			s3_response_free(&resp);
			break;
		}
		s3_response_free(&resp);
	} while (r == 0);
	free(marker);
	free(base);
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
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
