/* s3ops.c: HEAD, PUT and the multipart calls, with the checks of their
 * answers that S3 leaves to the client (ETags, 200 answers carrying
 * <Error>). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "isotime.h"
#include "md5.h"
#include "protect.h"
#include "s3ops.h"
#include "xml.h"

#define MAX_XML_ANSWER (1024 * 1024)

void
s3_content_md5(const void *body, size_t len, char *b64)
{
	unsigned char digest[MD5_LEN];

	md5(body, len, digest);
	base64_encode(digest, sizeof(digest), b64);
}

/* Appends "name=value" to a query, value encoded, after a '&' unless it
 * is the first; nothing when value is NULL. */
static void
add_param(struct buf *b, const char *name, const char *value)
{
	char *e;

	if (value == NULL)
		return;
	if ((e = uri_encode(value, strlen(value), 0)) == NULL)
		b->failed = 1;
	else
		buf_printf(b, "%s%s=%s", b->len > 0 ? "&" : "", name, e);
	free(e);
}

/* A failure of ours, not an answer of S3's. */
static void
set_msg(struct s3_error *err, const char *msg)
{
	err->status = 0;
	err->code[0] = '\0';
	err_set(err->text, sizeof(err->text), "%s", msg);
}

/* What S3 (or the network) answered to what. */
static void
errf(struct s3_error *err, const char *what, const struct s3_response *resp)
{
	/* What S3 answers a GET of an SSE-C object without its key. */
	int sse_c = resp->status == 400 && strstr(resp->error, "ncryption");

	err->status = resp->status;
	err_set(err->code, sizeof(err->code), "%s", resp->code);
	err_set(err->text, sizeof(err->text), "%s: %s%s", what, resp->error,
	    sse_c ? " (an object encrypted with a customer key needs "
	    "--sse-c-key-file)" : "");
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

/* What a HEAD and a GET both tell: Content-Length (-1 when absent), the
 * ETag (80 bytes), x-amz-meta-md5sum (40 bytes, "" when absent or too
 * long) and the Object Lock's retain-until date (0: none). */
static void
read_meta(const struct s3_response *resp, long long *size, char *etag,
    char *md5sum, long long *lock_until_ms)
{
	const char *v = http_header(&resp->http, "Content-Length");

	*size = v ? strtoll(v, NULL, 10) : -1;
	copy_etag(http_header(&resp->http, "ETag"), etag, 80);
	v = http_header(&resp->http, "x-amz-meta-md5sum");
	if (v != NULL && strlen(v) < 40)
		strcpy(md5sum, v);
	v = http_header(&resp->http, "x-amz-object-lock-retain-until-date");
	if (v == NULL || isotime_parse_ms(v, lock_until_ms) < 0)
		*lock_until_ms = 0;
}

int
s3_head_object(struct s3_client *c, const char *key,
    struct s3_object_info *info, struct s3_error *err)
{
	struct s3_request req = { .method = "HEAD", .key = key, .head = 1,
	    .body_fd = -1 };
	struct s3_response resp;
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
	read_meta(&resp, &info->size, info->etag, info->md5sum,
	    &info->lock_until_ms);
	r = 1;
	s3_response_free(&resp);
	return r;
}

static int
put(struct s3_client *c, const char *query, const struct s3_put *p,
    char *etag, struct s3_error *err, const char *what)
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
	int r = s3_request(c, &req, &resp);

	/* An If-None-Match: * refused: 412, or AWS's 409 when another
	 * write of the key was under way. */
	if (r == 0 && (resp.status == 412 || (resp.status == 409 &&
	    strcmp(resp.code, "ConditionalRequestConflict") == 0))) {
		s3_response_free(&resp);
		return 1;
	}
	if (r < 0 || resp.status != 200) {
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
    struct s3_error *err)
{
	return put(c, NULL, p, etag, err, "PUT");
}

/* A POST whose 200 answer must still be checked for an <Error> body. */
static int
post_xml(struct s3_client *c, const char *key, const char *query,
    const struct sigv4_header *headers, size_t nheaders, const char *body,
    struct s3_response *resp, struct s3_error *err, const char *what)
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
    const struct sigv4_header *headers, size_t nheaders, struct s3_error *err)
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
    const struct s3_put *p, char *etag, struct s3_error *err)
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

int
s3_mpu_complete(struct s3_client *c, const char *key, const char *upload_id,
    char (*etags)[33], int nparts, struct s3_error *err)
{
	static const struct sigv4_header ct = { "content-type",
	    "application/xml" };
	struct s3_response resp;
	char *q = upload_query(upload_id, 0), *body;
	struct buf b = { 0 };
	int r;

	buf_adds(&b, "<CompleteMultipartUpload>");
	for (int i = 0; i < nparts; i++)
		buf_printf(&b, "<Part><PartNumber>%d</PartNumber>"
		    "<ETag>\"%s\"</ETag></Part>", i + 1, etags[i]);
	buf_adds(&b, "</CompleteMultipartUpload>");
	if ((body = buf_take(&b)) == NULL || q == NULL) {
		set_msg(err, "out of memory");
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
    struct s3_error *err)
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

/* A GET of an XML listing, kept whole. */
static int
get_xml(struct s3_client *c, const char *key, const char *query,
    struct s3_response *resp, struct s3_error *err, const char *what)
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

/* The decoded text of the first `tag` inside span, malloc'd; NULL when
 * absent (*bad stays 0) or malformed (*bad = 1). */
static char *
elem_text(const struct xml_span *in, const char *tag, int *bad)
{
	struct xml_span s;
	size_t pos = 0;
	char *v;
	int r = xml_next(in->p, in->len, &pos, tag, &s);

	if (r <= 0) {
		*bad = r < 0;
		return NULL;
	}
	if ((v = xml_decode(&s)) == NULL)
		*bad = 1;
	return v;
}

/* The text of element tag inside span, decoded, malloc'd (NULL: absent
 * or malformed). */
static char *
span_text(const struct xml_span *sp, const char *tag)
{
	int bad;

	return elem_text(sp, tag, &bad);
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

/* What a paged listing of uploads or parts fills. */
struct found {
	void *items;		/* struct s3_upload or struct s3_part */
	size_t n, cap;
	const char *key;	/* uploads: only this key's */
};

/* One page of a paged listing: GET q (on key, or the bucket), each
 * <elem> handed to add; the markers of the next page into *v1 and *v2 as
 * next_page reads them. 1: another page follows, 0: that was the last,
 * -1: failed (err says why). */
static int
read_page(struct s3_client *c, const char *key, const char *q,
    const char *what, const char *elem,
    int (*add)(struct found *, const struct xml_span *), struct found *f,
    const char *tag1, char **v1, const char *tag2, char **v2,
    struct s3_error *err)
{
	struct s3_response resp;
	struct xml_span sp;
	size_t pos = 0;
	int r = get_xml(c, key, q, &resp, err, what);

	while (r == 0 && xml_next(resp.body, resp.body_len, &pos, elem,
	    &sp) == 1)
		if (add(f, &sp) < 0) {
			set_msg(err, "out of memory");
			r = -1;
		}
	if (r == 0)
		r = next_page(&resp, tag1, v1, tag2, v2);
	s3_response_free(&resp);
	return r;
}

static int
add_upload(struct found *f, const struct xml_span *up)
{
	struct s3_upload **out = (struct s3_upload **)&f->items;
	size_t *n = &f->n;
	const char *key = f->key;
	char *k = span_text(up, "Key"), *id = span_text(up, "UploadId");
	char *when = span_text(up, "Initiated");
	struct s3_upload *grown;
	int r = 0;

	if (k != NULL && id != NULL && strcmp(k, key) == 0) {
		grown = array_grow(*out, &f->cap, *n + 1, sizeof(**out));
		if (grown == NULL)
			r = -1;
		else {
			*out = grown;
			grown[*n].upload_id = id;
			if (when == NULL ||
			    isotime_parse_ms(when, &grown[*n].initiated_ms) < 0)
				grown[*n].initiated_ms = -1;
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
    size_t *n, struct s3_error *err)
{
	char *km = NULL, *im = NULL;
	struct found f = { .key = key };
	int r = 1;

	while (r == 1) {
		struct buf b = { 0 };
		char *q;

		add_param(&b, "prefix", key);
		buf_adds(&b, "&uploads");
		add_param(&b, "key-marker", km);
		add_param(&b, "upload-id-marker", im);
		if ((q = buf_take(&b)) == NULL) {
			set_msg(err, "out of memory");
			r = -1;
		} else
			r = read_page(c, NULL, q, "list multipart uploads",
			    "Upload", add_upload, &f, "NextKeyMarker", &km,
			    "NextUploadIdMarker", &im, err);
		free(q);
	}
	free(km);
	free(im);
	*out = f.items;
	*n = f.n;
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
add_part(struct found *f, const struct xml_span *sp)
{
	struct s3_part **out = (struct s3_part **)&f->items;
	size_t *n = &f->n;
	char *num = span_text(sp, "PartNumber"), *size = span_text(sp, "Size");
	char *etag = span_text(sp, "ETag");
	struct s3_part *grown;
	int r = 0;

	if (num != NULL && size != NULL && etag != NULL) {
		grown = array_grow(*out, &f->cap, *n + 1, sizeof(**out));
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
    struct s3_part **out, size_t *n, struct s3_error *err)
{
	char *base = upload_query(upload_id, 0), *marker = NULL;
	struct found f = { .key = key };
	int r = 1;

	while (r == 1) {
		char *q = NULL;

		if (base == NULL || asprintf(&q, "%s%s%s", base, marker ?
		    "&part-number-marker=" : "", marker ? marker : "") < 0) {
			set_msg(err, "out of memory");
			q = NULL;
			r = -1;
		} else
			r = read_page(c, key, q, "list parts", "Part",
			    add_part, &f, "NextPartNumberMarker", &marker,
			    NULL, NULL, err);
		free(q);
	}
	free(marker);
	free(base);
	*out = f.items;
	*n = f.n;
	if (r < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return r;
}

/*
 * A 200 to ListObjectsV2 must be a listing. A 200 with an <Error> body (a
 * gateway's) or something else entirely (--endpoint pointing at a web
 * server) fails the bucket check at start, not every upload later.
 */
static int
is_listing(struct s3_response *resp)
{
	struct xml_span s;
	size_t pos = 0;

	if (resp->body != NULL && xml_next(resp->body, resp->body_len, &pos,
	    "ListBucketResult", &s) == 1)
		return 1;
	if (resp->body != NULL && xml_text(resp->body, resp->body_len, "Code",
	    resp->code, sizeof(resp->code)) >= 0)
		s3_describe(resp);
	else {
		resp->code[0] = '\0';
		/* Fits: a constant shorter than the buffer. */
		(void)snprintf(resp->error, sizeof(resp->error), "not an S3 "
		    "answer (HTTP 200 without a bucket listing)");
	}
	return 0;
}

int
s3_object_lock_enabled(struct s3_client *c, struct s3_error *err)
{
	struct s3_request req = { .method = "GET", .query = "object-lock",
	    .body_fd = -1, .max_body = MAX_XML_ANSWER };
	struct s3_response resp;
	int r = -1;

	if (s3_request(c, &req, &resp) < 0 || (resp.status != 200 &&
	    resp.status != 404))
		errf(err, "object lock configuration", &resp);
	else	/* 404 ObjectLockConfigurationNotFoundError: none */
		r = resp.status == 200 && resp.body != NULL &&
		    strstr(resp.body, "<ObjectLockEnabled>Enabled<") != NULL;
	s3_response_free(&resp);
	return r;
}

int
s3_put_retention(struct s3_client *c, const char *key, const char *mode,
    long long until_ms, struct s3_error *err)
{
	char body[256], md5_b64[S3_MD5_B64];
	struct sigv4_header h[1] = { { "content-md5", md5_b64 } };
	struct s3_put p = { .key = key, .headers = h, .nheaders = 1,
	    .body = body, .fd = -1 };

	if (lock_retention_body(mode, until_ms, body, sizeof(body)) < 0) {
		set_msg(err, "internal error: retention document too long");
		return -1;
	}
	p.body_len = strlen(body);
	s3_content_md5(body, p.body_len, md5_b64);
	return put(c, "retention", &p, NULL, err, "put object retention") == 0 ?
	    0 : -1;
}

int
s3_check_bucket(struct s3_client *c, struct s3_error *err)
{
	/* A GET, not a HEAD: only a body carries the error code
	 * (InvalidAccessKeyId, SignatureDoesNotMatch, ...). */
	struct s3_request req = { .method = "GET", .key = NULL,
	    .query = "list-type=2&max-keys=1", .body_fd = -1,
	    .max_body = MAX_XML_ANSWER };
	struct s3_response resp;
	int r = -1;

	if (s3_request(c, &req, &resp) < 0)
		errf(err, "cannot reach S3", &resp);
	else if (resp.status != 200 || !is_listing(&resp))
		errf(err, "bucket check failed", &resp);
	else
		r = 0;
	s3_response_free(&resp);
	return r;
}

/* ---- reading and deleting: ListObjectsV2, GET, DeleteObjects ---- */

#define MAX_LIST_ANSWER	(16 * 1024 * 1024)

void
s3_list_free(struct s3_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->entries[i].key);
	for (size_t i = 0; i < l->nprefixes; i++)
		free(l->prefixes[i]);
	free(l->entries);
	free(l->prefixes);
	memset(l, 0, sizeof(*l));
}

/* encoding-type=url: %XX and '+' for a space, as botocore decodes it. */
static int
url_decode(char *s)
{
	char *o = s;

	for (char *p = s; *p != '\0'; p++) {
		unsigned char v;

		if (*p == '+') {
			*o++ = ' ';
			continue;
		}
		if (*p != '%') {
			*o++ = *p;
			continue;
		}
		if (hex_decode(p + 1, 1, &v) < 0)
			return -1;
		if (v == 0)
			return -1;	/* no key holds a NUL byte */
		*o++ = (char)v;
		p += 2;
	}
	*o = '\0';
	return 0;
}

static int
push_entry(struct s3_list *l, struct s3_entry *e)
{
	struct s3_entry *g;

	if ((g = array_grow(l->entries, &l->cap, l->n + 1, sizeof(*g))) ==
	    NULL)
		return -1;
	l->entries = g;
	l->entries[l->n++] = *e;
	return 0;
}

static int
push_prefix(struct s3_list *l, char *p)
{
	char **g;

	if ((g = array_grow(l->prefixes, &l->pcap, l->nprefixes + 1,
	    sizeof(*g))) == NULL)
		return -1;
	l->prefixes = g;
	l->prefixes[l->nprefixes++] = p;
	return 0;
}

/* One <Contents> element. */
static int
parse_contents(const struct xml_span *sp, int url, struct s3_list *out)
{
	struct s3_entry e = { 0 };
	char *mtime, *size, *etag, *end;
	int bad = 0, r = -1;

	e.key = elem_text(sp, "Key", &bad);
	mtime = elem_text(sp, "LastModified", &bad);
	size = elem_text(sp, "Size", &bad);
	etag = elem_text(sp, "ETag", &bad);
	if (e.key != NULL && mtime != NULL && size != NULL && !bad &&
	    (!url || url_decode(e.key) == 0) &&
	    isotime_parse_ms(mtime, &e.mtime_ms) == 0) {
		e.size = strtoll(size, &end, 10);
		if (etag != NULL)
			copy_etag(etag, e.etag, sizeof(e.etag));
		if (*size != '\0' && *end == '\0' && e.size >= 0 &&
		    push_entry(out, &e) == 0) {
			e.key = NULL;
			r = 0;
		}
	}
	free(e.key);
	free(mtime);
	free(size);
	free(etag);
	return r;
}

int
s3_list_parse(const char *xml, size_t len, struct s3_list *out,
    int *truncated, char **next_token)
{
	struct xml_span doc = { xml, len }, sp;
	size_t pos = 0;
	char *enc, *trunc;
	int bad = 0, url, r;

	*truncated = 0;
	*next_token = NULL;
	enc = elem_text(&doc, "EncodingType", &bad);
	url = enc != NULL && strcmp(enc, "url") == 0;
	free(enc);
	while ((r = xml_next(xml, len, &pos, "Contents", &sp)) > 0)
		if (parse_contents(&sp, url, out) < 0)
			return -1;
	if (r < 0)
		return -1;
	pos = 0;
	while ((r = xml_next(xml, len, &pos, "CommonPrefixes", &sp)) > 0) {
		char *p = elem_text(&sp, "Prefix", &bad);

		if (p == NULL || (url && url_decode(p) < 0) ||
		    push_prefix(out, p) < 0) {
			free(p);
			return -1;
		}
	}
	if (r < 0 || bad)
		return -1;
	if ((trunc = elem_text(&doc, "IsTruncated", &bad)) != NULL) {
		*truncated = strcmp(trunc, "true") == 0;
		free(trunc);
	}
	if (*truncated)
		*next_token = elem_text(&doc, "NextContinuationToken", &bad);
	if (bad || (*truncated && *next_token == NULL)) {
		free(*next_token);
		*next_token = NULL;
		return -1;
	}
	return 0;
}

static char *
list_query(const char *prefix, const char *delimiter, const char *token)
{
	struct buf b = { 0 };

	buf_adds(&b, "list-type=2&encoding-type=url");
	add_param(&b, "prefix", prefix);
	add_param(&b, "delimiter", delimiter);
	add_param(&b, "continuation-token", token);
	return buf_take(&b);
}

/* The pages of a listing appended to out, or, with page_fn, each handed
 * to it and then dropped from out. */
static int
list_pages(struct s3_client *c, const char *prefix, const char *delimiter,
    struct s3_list *out, int (*page_fn)(void *, const struct s3_list *),
    void *ctx, struct s3_error *err)
{
	char *token = NULL;
	int truncated;

	do {
		struct s3_request req = { .method = "GET", .key = NULL,
		    .body_fd = -1, .max_body = MAX_LIST_ANSWER };
		struct s3_response resp;
		char *q = list_query(prefix, delimiter, token);
		int r = -1;

		free(token);
		token = NULL;
		if (q == NULL) {
			set_msg(err, "out of memory");
			return -1;
		}
		req.query = q;
		if (s3_request(c, &req, &resp) < 0 || resp.status != 200)
			errf(err, "list objects", &resp);
		else if (resp.body == NULL || s3_list_parse(resp.body,
		    resp.body_len, out, &truncated, &token) < 0)
			set_msg(err, "list objects: malformed answer");
		else if (page_fn != NULL && page_fn(ctx, out) < 0)
			set_msg(err, "out of memory");
		else
			r = 0;
		if (page_fn != NULL)
			s3_list_free(out);
		s3_response_free(&resp);
		free(q);
		if (r < 0) {
			free(token);
			return -1;
		}
	} while (truncated);
	return 0;
}

int
s3_list_objects(struct s3_client *c, const char *prefix,
    const char *delimiter, struct s3_list *out, struct s3_error *err)
{
	return list_pages(c, prefix, delimiter, out, NULL, NULL, err);
}

int
s3_list_objects_by_page(struct s3_client *c, const char *prefix,
    const char *delimiter, int (*page_fn)(void *, const struct s3_list *),
    void *ctx, struct s3_error *err)
{
	struct s3_list page = { 0 };
	int r = list_pages(c, prefix, delimiter, &page, page_fn, ctx, err);

	s3_list_free(&page);
	return r;
}

void
s3_get_info_free(struct s3_get_info *info)
{
	free(info->stat);
	info->stat = NULL;
}

static void
fill_get_info(const struct s3_response *resp, struct s3_get_info *info)
{
	const char *v;

	read_meta(resp, &info->size, info->etag, info->md5sum,
	    &info->lock_until_ms);
	v = http_header(&resp->http, "x-amz-meta-stat");
	if (v != NULL)
		info->stat = strdup(v);
}

/* NoSuchKey answers 404; so does NoSuchBucket, which is an error. */
static int
no_such_key(const struct s3_response *resp)
{
	return resp->status == 404 && strcmp(resp->code, "NoSuchBucket") != 0;
}

/* A GET: 1 the object came (200), 0 there is none, -1 failed. Free
 * resp afterwards in every case. */
static int
get(struct s3_client *c, const struct s3_request *req,
    struct s3_response *resp, struct s3_error *err)
{
	if (s3_request(c, req, resp) < 0) {
		errf(err, "GET", resp);
		return -1;
	}
	if (no_such_key(resp))
		return 0;
	if (resp->status != 200) {
		errf(err, "GET", resp);
		return -1;
	}
	return 1;
}

int
s3_get_object(struct s3_client *c, const char *key,
    const struct s3_sink *sink, struct s3_get_info *info, struct s3_error *err)
{
	struct s3_request req = { .method = "GET", .key = key, .body_fd = -1,
	    .sink = sink };
	struct s3_response resp;
	int r;

	memset(info, 0, sizeof(*info));
	if ((r = get(c, &req, &resp, err)) == 1)
		fill_get_info(&resp, info);
	s3_response_free(&resp);
	return r;
}

/* "Wed, 01 May 2024 12:34:56 GMT" */
static int
http_time(const char *v, long long *ms)
{
	time_t t;

	if (v == NULL || isotime_parse_http(v, &t) < 0)
		return -1;
	*ms = (long long)t * 1000;
	return 0;
}

int
s3_get_small(struct s3_client *c, const char *key, size_t max, char **body,
    size_t *len, long long *mtime_ms, struct s3_error *err)
{
	struct s3_request req = { .method = "GET", .key = key, .body_fd = -1,
	    .max_body = max };
	struct s3_response resp;
	int r;

	*body = NULL;
	*len = 0;
	r = get(c, &req, &resp, err);
	if (r == 1 && mtime_ms != NULL && http_time(http_header(&resp.http,
	    "Last-Modified"), mtime_ms) < 0) {
		set_msg(err, "GET: no usable Last-Modified");
		r = -1;
	}
	if (r == 1) {
		*body = resp.body ? resp.body : strdup("");
		*len = resp.body_len;
		resp.body = NULL;
		r = *body != NULL ? 1 : -1;
		if (r < 0)
			set_msg(err, "out of memory");
	}
	s3_response_free(&resp);
	return r;
}

char *
s3_delete_body(const char *const *keys, size_t n)
{
	struct buf b = { 0 };

	buf_adds(&b, "<Delete><Quiet>true</Quiet>");
	for (size_t i = 0; i < n; i++) {
		buf_adds(&b, "<Object><Key>");
		xml_escape(&b, keys[i]);
		buf_adds(&b, "</Key></Object>");
	}
	buf_adds(&b, "</Delete>");
	return buf_take(&b);
}

void
s3_delete_errors_free(struct s3_delete_error *errs, size_t n)
{
	for (size_t i = 0; errs != NULL && i < n; i++)
		free(errs[i].key);
	free(errs);
}

/* Code and Message are for the log only: absent or too long is "". */
static void
copy_text(const struct xml_span *sp, const char *tag, char *out, size_t cap)
{
	if (xml_text(sp->p, sp->len, tag, out, cap) < 0)
		out[0] = '\0';
}

int
s3_delete_parse(const char *xml, size_t len, struct s3_delete_error **errs,
    size_t *nerrs)
{
	struct xml_span result, sp;
	size_t pos = 0, n = 0, cap = 0;
	struct s3_delete_error *v = NULL;
	int r, bad = 0;

	*errs = NULL;
	*nerrs = 0;
	if (xml_next(xml, len, &pos, "DeleteResult", &result) <= 0)
		return -1;
	pos = 0;
	while ((r = xml_next(result.p, result.len, &pos, "Error", &sp)) > 0) {
		struct s3_delete_error *g = array_grow(v, &cap, n + 1,
		    sizeof(*g));

		if (g == NULL) {
			bad = 1;
			break;
		}
		v = g;
		memset(&v[n], 0, sizeof(v[n]));
		v[n].key = elem_text(&sp, "Key", &bad);
		copy_text(&sp, "Code", v[n].code, sizeof(v[n].code));
		copy_text(&sp, "Message", v[n].message, sizeof(v[n].message));
		n++;
		if (v[n - 1].key == NULL || bad) {
			bad = 1;
			break;
		}
	}
	if (r < 0 || bad) {
		s3_delete_errors_free(v, n);
		return -1;
	}
	*errs = v;
	*nerrs = n;
	return (int)n;
}

int
s3_delete_objects(struct s3_client *c, const char *const *keys, size_t n,
    struct s3_delete_error **errs, size_t *nerrs, struct s3_error *err)
{
	struct sigv4_header h[2];
	struct s3_request req = { .method = "POST", .key = NULL,
	    .query = "delete", .headers = h, .nheaders = 2, .body_fd = -1,
	    .max_body = MAX_LIST_ANSWER };
	struct s3_response resp;
	char md5_b64[S3_MD5_B64];
	char *body;
	int r = -1;

	*errs = NULL;
	*nerrs = 0;
	if (n == 0)
		return 0;
	if (n > S3_DELETE_MAX || (body = s3_delete_body(keys, n)) == NULL) {
		set_msg(err, n > S3_DELETE_MAX ? "internal error: too many "
		    "keys for one delete" : "out of memory");
		return -1;
	}
	s3_content_md5(body, strlen(body), md5_b64);
	h[0] = (struct sigv4_header){ "content-md5", md5_b64 };
	h[1] = (struct sigv4_header){ "content-type", "application/xml" };
	req.body = body;
	req.body_len = strlen(body);
	if (s3_request(c, &req, &resp) < 0 || resp.status != 200)
		errf(err, "delete objects", &resp);
	else if (resp.body == NULL || s3_delete_parse(resp.body,
	    resp.body_len, errs, nerrs) < 0)
		set_msg(err, "delete objects: malformed answer");
	else
		r = (int)*nerrs;
	s3_response_free(&resp);
	free(body);
	return r;
}
