/* s3.c: one S3 request end to end: address it, sign it, send it over a
 * pooled connection, read the answer, and retry what S3 says to retry.
 * Knows the S3 wire rules, not what the requests are for. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "creds.h"
#include "encode.h"
#include "fmt.h"
#include "isotime.h"
#include "log.h"
#include "protect.h"
#include "ratelimit.h"
#include "s3.h"
#include "version.h"
#include "xml.h"

#define MAX_IDLE_CONNS	64
#define MAX_ERROR_BODY	(256 * 1024)

struct s3_client {
	struct s3_config cfg;
	char *port, *connect_host, *bucket;
	pthread_mutex_t lock;		/* guards everything below */
	char *host, *region;		/* replaced when S3 names the region */
	char *host_header;		/* Host: value, with the bucket when
					 * virtual-hosted, port when not default */
	unsigned where_gen;		/* bumps when host or region change */
	struct cred_chain *chain;	/* the keys come from here */
	struct http_conn *idle[MAX_IDLE_CONNS];
	size_t nidle;
	long clock_offset;
	struct s3_stats stats;
	struct ratelimit *limit;	/* --max-bandwidth, or NULL */
	struct sse_c *sse_c;		/* --sse-c-key-file, or NULL */
	struct http_session_cache tls_sessions;	/* resumed by new conns */
};

static char *
dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The Host value for an endpoint host: with the bucket when
 * virtual-hosted, with the port when not the default. */
static char *
host_header_for(const struct s3_config *cfg, const char *host)
{
	struct buf hh = { 0 };

	if (cfg->path_style)
		buf_printf(&hh, "%s", host);
	else
		buf_printf(&hh, "%s.%s", cfg->bucket, host);
	if (strcmp(cfg->port, cfg->tls ? "443" : "80") != 0)
		buf_printf(&hh, ":%s", cfg->port);
	return buf_take(&hh);
}

struct s3_client *
s3_client_new(const struct s3_config *cfg)
{
	struct s3_client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->cfg = *cfg;
	c->host = strdup(cfg->host);
	c->port = strdup(cfg->port);
	c->connect_host = dup_or_null(cfg->connect_host);
	c->region = strdup(cfg->region);
	c->bucket = strdup(cfg->bucket);
	c->host_header = host_header_for(cfg, cfg->host);
	if (c->host == NULL || c->port == NULL || c->region == NULL ||
	    c->bucket == NULL || c->host_header == NULL ||
	    (cfg->connect_host && c->connect_host == NULL) ||
	    pthread_mutex_init(&c->lock, NULL) != 0 ||
	    http_session_cache_init(&c->tls_sessions) != 0) {
		s3_client_free(c);
		return NULL;
	}
	/* Host and region may be replaced later (under the lock): the
	 * copies in cfg would dangle, so there are none. */
	c->cfg.host = NULL;
	c->cfg.port = c->port;
	c->cfg.connect_host = c->connect_host;
	c->cfg.region = NULL;
	c->cfg.bucket = c->bucket;
	return c;
}

void
s3_client_free(struct s3_client *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nidle; i++)
		http_conn_free(c->idle[i]);
	free(c->host);
	free(c->port);
	free(c->connect_host);
	free(c->region);
	free(c->bucket);
	free(c->host_header);
	ratelimit_free(c->limit);
	if (c->sse_c != NULL)
		explicit_bzero(c->sse_c, sizeof(*c->sse_c));
	free(c->sse_c);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->tls_sessions.lock);
	/* The session parameters hold a master secret. */
	explicit_bzero(&c->tls_sessions.sess, sizeof(c->tls_sessions.sess));
	free(c);
}

int
s3_client_set_sse_c(struct s3_client *c, const struct sse_c *k)
{
	if (c->sse_c == NULL && (c->sse_c = malloc(sizeof(*c->sse_c))) == NULL)
		return -1;
	*c->sse_c = *k;
	return 0;
}

int
s3_sse_c_applies(const char *method, const char *key, const char *query)
{
	return key != NULL && strcmp(method, "DELETE") != 0 &&
	    (query == NULL || strcmp(query, "uploads") == 0 ||
	    strncmp(query, "partNumber=", 11) == 0);
}

void
s3_client_set_cred_chain(struct s3_client *c, struct cred_chain *ch)
{
	pthread_mutex_lock(&c->lock);
	c->chain = ch;
	pthread_mutex_unlock(&c->lock);
}

int
s3_client_set_bandwidth(struct s3_client *c, long long bytes_per_sec)
{
	ratelimit_free(c->limit);
	c->limit = NULL;
	if (bytes_per_sec > 0 && (c->limit = ratelimit_new(bytes_per_sec)) ==
	    NULL)
		return -1;
	return 0;
}

long
s3_clock_offset(struct s3_client *c)
{
	long off;

	pthread_mutex_lock(&c->lock);
	off = c->clock_offset;
	pthread_mutex_unlock(&c->lock);
	return off;
}

void
s3_get_stats(struct s3_client *c, struct s3_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

/* ---- connections ---- */

static struct http_conn *
conn_get(struct s3_client *c)
{
	struct http_conn *conn = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->nidle > 0)
		conn = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->lock);
	if (conn == NULL &&
	    (conn = http_conn_new(c->cfg.tls ? c->cfg.anchors : NULL)) != NULL)
		http_conn_set_session_cache(conn, &c->tls_sessions);
	return conn;
}

/* Returns a connection to the pool: open for keep-alive, or closed but
 * with its buffers and its TLS session for a quick reopen. */
static void
conn_put(struct s3_client *c, struct http_conn *conn)
{
	pthread_mutex_lock(&c->lock);
	if (c->nidle < MAX_IDLE_CONNS) {
		c->idle[c->nidle++] = conn;
		conn = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (conn != NULL)
		http_conn_free(conn);
}

/* Where one attempt goes: a copy, as a region correction may replace the
 * client's at any time. */
struct where {
	char *region, *host, *host_header;
	unsigned gen;
	long clock_offset;	/* signed with our clock plus this */
};

static void
where_free(struct where *w)
{
	free(w->region);
	free(w->host);
	free(w->host_header);
	memset(w, 0, sizeof(*w));
}

static int
where_copy(struct s3_client *c, struct where *w)
{
	pthread_mutex_lock(&c->lock);
	w->region = strdup(c->region);
	w->host = strdup(c->host);
	w->host_header = strdup(c->host_header);
	w->gen = c->where_gen;
	w->clock_offset = c->clock_offset;
	pthread_mutex_unlock(&c->lock);
	if (w->region == NULL || w->host == NULL || w->host_header == NULL) {
		where_free(w);
		return -1;
	}
	return 0;
}

/* A connection opened before the host changed must not be kept. */
static int
where_stale(struct s3_client *c, const struct where *w)
{
	int stale;

	pthread_mutex_lock(&c->lock);
	stale = w->gen != c->where_gen && c->cfg.region_host;
	pthread_mutex_unlock(&c->lock);
	return stale;
}

static int
conn_ready(struct s3_client *c, struct http_conn *conn,
    const struct where *w, int *reused)
{
	const char *server = c->cfg.path_style ? w->host : w->host_header;
	char *name = NULL;
	int r;

	*reused = http_conn_is_open(conn);
	if (*reused)
		return 0;
	if (!c->cfg.path_style) {
		/* The TLS name is the Host value without its port. */
		size_t n = strcspn(server, ":");

		if ((name = strndup(server, n)) == NULL)
			return -1;
		server = name;
	}
	r = http_conn_open(conn, c->connect_host ? c->connect_host : server,
	    c->port, server, c->cfg.timeout_ms);
	free(name);
	if (r == 0) {
		http_conn_set_timeout(conn, c->cfg.timeout_ms);
		pthread_mutex_lock(&c->lock);
		c->stats.connections++;
		pthread_mutex_unlock(&c->lock);
	}
	return r;
}

/* ---- one attempt ---- */

struct creds {
	char *ak, *sk, *tk;
	unsigned long gen;		/* the chain's generation */
};

/* The keys for one attempt; err gets why there are none. */
static int
creds_copy(struct s3_client *c, struct creds *cr, char *err, size_t errlen)
{
	struct cred_keys k;

	if (c->chain != NULL) {
		if (cred_get(c->chain, &k, err, errlen) < 0)
			return -1;
		cr->ak = k.access_key;
		cr->sk = k.secret_key;
		cr->tk = k.token;
		cr->gen = k.generation;
		return 0;
	}
	/* Truncation only shortens the message. */
	if (snprintf(err, errlen, "no credentials") < 0)
		err[0] = '\0';
	return -1;
}

static void
creds_free(struct creds *cr)
{
	free_secret(cr->ak);
	free_secret(cr->sk);
	free_secret(cr->tk);
	cr->ak = cr->sk = cr->tk = NULL;
}

/* The request path: /bucket/key (path style) or /key, encoded once. */
static char *
request_path(struct s3_client *c, const char *key)
{
	struct buf b = { 0 };
	char *ek = NULL;

	if (key != NULL && (ek = uri_encode(key, strlen(key), 1)) == NULL)
		return NULL;
	if (c->cfg.path_style)
		buf_printf(&b, "/%s%s%s", c->bucket, ek ? "/" : "", ek ? ek : "");
	else
		buf_printf(&b, "/%s", ek ? ek : "");
	free(ek);
	return buf_take(&b);
}

/* Builds the whole request head, signed. */
static char *
request_head(const struct s3_request *req, const char *path,
    const char *payload_hash, const struct creds *cr, const struct where *w,
    const struct sse_c *k, time_t now)
{
	struct sigv4_header *h;
	struct sigv4_request sr;
	char amz_date[17], *auth;
	size_t n = 0;
	struct buf b = { 0 };
	long long body_len = req->body_fd >= 0 ? (long long)req->body_fd_len :
	    (long long)req->body_len;

	h = calloc(req->nheaders + 7, sizeof(*h));
	if (h == NULL)
		return NULL;
	sigv4_amz_date(now, amz_date);
	h[n++] = (struct sigv4_header){ "host", w->host_header };
	h[n++] = (struct sigv4_header){ "x-amz-date", amz_date };
	h[n++] = (struct sigv4_header){ "x-amz-content-sha256", payload_hash };
	if (cr->tk != NULL)
		h[n++] = (struct sigv4_header){ "x-amz-security-token", cr->tk };
	for (size_t i = 0; i < req->nheaders; i++)
		h[n++] = req->headers[i];
	if (k != NULL && s3_sse_c_applies(req->method, req->key, req->query)) {
		h[n++] = (struct sigv4_header){
		    "x-amz-server-side-encryption-customer-algorithm",
		    "AES256" };
		h[n++] = (struct sigv4_header){
		    "x-amz-server-side-encryption-customer-key", k->key_b64 };
		h[n++] = (struct sigv4_header){
		    "x-amz-server-side-encryption-customer-key-md5",
		    k->md5_b64 };
	}
	sr = (struct sigv4_request){
		.method = req->method, .canonical_uri = path,
		.query = req->query ? req->query : "", .headers = h,
		.nheaders = n, .payload_hash = payload_hash,
		.amz_date = amz_date, .region = w->region, .service = "s3",
		.access_key = cr->ak, .secret_key = cr->sk,
	};
	auth = sigv4_authorization(&sr);
	if (auth == NULL) {
		free(h);
		return NULL;
	}
	buf_printf(&b, "%s %s%s%s HTTP/1.1\r\n", req->method, path,
	    req->query ? "?" : "", req->query ? req->query : "");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s: %s\r\n", h[i].name, h[i].value);
	buf_printf(&b, "Authorization: %s\r\n", auth);
	if (body_len > 0 || strcmp(req->method, "PUT") == 0 ||
	    strcmp(req->method, "POST") == 0)
		buf_printf(&b, "Content-Length: %lld\r\n", body_len);
	buf_printf(&b, "User-Agent: tablesnap/" TABLESNAP_VERSION "\r\n\r\n");
	free(auth);
	free(h);
	return buf_take(&b);
}

static void
set_error(struct s3_response *resp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(resp->error, sizeof(resp->error), fmt, ap);
	va_end(ap);
}

/* Sends a file body, in pieces when a bandwidth limit or a progress
 * report needs them (one sendfile or pread loop otherwise). */
static int
send_file_body(struct s3_client *c, struct http_conn *conn,
    const struct s3_request *req, long long *deadline)
{
	off_t off = req->body_off, end = req->body_off + req->body_fd_len;

	if (c->limit == NULL && req->on_send == NULL)
		return http_write_fd(conn, req->body_fd, off, req->body_fd_len);
	while (off < end) {
		off_t n = end - off < S3_SEND_PIECE ? end - off : S3_SEND_PIECE;

		if (c->limit != NULL) {
			/* Time the limit holds the body back is not the
			 * server's: the deadline moves by as much. */
			long long t0 = http_now_ms();

			ratelimit_take(c->limit, (size_t)n);
			if (*deadline > 0) {
				*deadline += http_now_ms() - t0;
				http_conn_set_deadline(conn, *deadline);
			}
		}
		if (http_write_fd(conn, req->body_fd, off, n) < 0)
			return -1;
		off += n;
		if (req->on_send != NULL)
			req->on_send(req->on_send_arg, (long long)n);
	}
	return 0;
}

static int
send_request(struct s3_client *c, struct http_conn *conn, const char *head,
    const struct s3_request *req, long long *deadline)
{
	if (http_write(conn, head, strlen(head)) < 0)
		return -1;
	if (req->body_fd >= 0) {
		if (req->body_fd_len > 0 &&
		    send_file_body(c, conn, req, deadline) < 0)
			return -1;
	} else if (req->body_len > 0 &&
	    http_write(conn, req->body, req->body_len) < 0)
		return -1;
	return http_flush(conn);
}

/* Reads the answer's body as the request wants it. */
static int
read_body(struct http_conn *conn, const struct s3_request *req,
    struct s3_response *resp)
{
	int ok = resp->status >= 200 && resp->status < 300;
	char buf[4096];
	long n;

	if (req->head)
		return 0;
	if (ok && req->sink != NULL) {
		while ((n = http_read_body(conn, &resp->http, buf,
		    sizeof(buf))) > 0)
			if (req->sink->write(req->sink->arg, buf, (size_t)n) < 0)
				return -2;
		return n < 0 ? -1 : 0;
	}
	if (!ok || req->max_body > 0)
		return http_read_body_all(conn, &resp->http, &resp->body,
		    &resp->body_len, ok ? req->max_body : MAX_ERROR_BODY);
	while ((n = http_read_body(conn, &resp->http, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -1 : 0;
}

static void
parse_error_code(struct s3_response *resp)
{
	resp->code[0] = '\0';
	if (resp->body != NULL && resp->body_len > 0 &&
	    xml_text(resp->body, resp->body_len, "Code", resp->code,
	    sizeof(resp->code)) < 0)
		resp->code[0] = '\0';
}

enum attempt_result {
	ATTEMPT_ANSWER,		/* S3 answered */
	ATTEMPT_NET,		/* no answer: network, TLS, timeout */
	ATTEMPT_STALE,		/* a kept-alive connection had been closed */
	ATTEMPT_FATAL,		/* out of memory, sink failure, bad request,
				 * cancelled */
};

/* ms for size bytes at the floor rate. */
static long long
floor_ms(long long size)
{
	return size > 0 ? size * 1000 / S3_FLOOR_RATE : 0;
}

/* After a failed attempt: when the cancel fd says stop, the error says so
 * and nothing is retried. */
static enum attempt_result
net_or_cancelled(struct s3_client *c, struct s3_response *resp,
    enum attempt_result ar)
{
	if (!s3_cancelled(c))
		return ar;
	set_error(resp, "cancelled: the program is stopping");
	return ATTEMPT_FATAL;
}

/* The connection goes back to the pool without this request's limits. */
static void
conn_done(struct s3_client *c, struct http_conn *conn)
{
	http_conn_set_deadline(conn, 0);
	conn_put(c, conn);
}

static enum attempt_result
attempt(struct s3_client *c, const struct s3_request *req, const char *path,
    const char *payload_hash, const struct creds *cr, const struct where *w,
    struct s3_response *resp)
{
	struct http_conn *conn;
	char *head = NULL;
	int reused = 0, sent, r;
	long long deadline = 0, cl;
	enum http_fail why = HTTP_FAIL_NONE;

	head = request_head(req, path, payload_hash, cr, w, c->sse_c,
	    time(NULL) + w->clock_offset);
	if (head == NULL) {
		set_error(resp, "out of memory");
		return ATTEMPT_FATAL;
	}
	if ((conn = conn_get(c)) == NULL) {
		free_secret(head);	/* it holds the token */
		set_error(resp, "out of memory");
		return ATTEMPT_FATAL;
	}
	http_conn_set_cancel(conn, c->cfg.cancel_fd);
	if (c->cfg.timeout_ms > 0) {
		deadline = http_now_ms() + c->cfg.timeout_ms +
		    floor_ms(req->body_fd >= 0 ? (long long)req->body_fd_len :
		    (long long)req->body_len);
		http_conn_set_deadline(conn, deadline);
	}
	if (conn_ready(c, conn, w, &reused) < 0) {
		set_error(resp, "%s:%s: %s", c->connect_host ? c->connect_host :
		    w->host, c->port, http_error(conn));
		free_secret(head);
		http_conn_close(conn);
		conn_done(c, conn);
		return net_or_cancelled(c, resp, ATTEMPT_NET);
	}
	sent = send_request(c, conn, head, req, &deadline);
	free_secret(head);
	/* Keep why the send failed: that, not the read after it, is news. */
	if (sent < 0) {
		set_error(resp, "%s", http_error(conn));
		why = http_fail_kind(conn);
	}
	/* Even when sending failed, the server may have answered first
	 * (an early 403 or 400): read what it said. */
	r = http_read_head(conn, &resp->http, req->head);
	if (r < 0) {
		if (sent == 0) {
			set_error(resp, "%s", http_error(conn));
			why = http_fail_kind(conn);
		}
		http_conn_close(conn);
		conn_done(c, conn);
		/* A kept-alive connection the server had closed fails at once
		 * (closed, reset); one that timed out was open and slow: that
		 * is a real attempt. */
		return net_or_cancelled(c, resp, reused &&
		    why != HTTP_FAIL_TIMEOUT && why != HTTP_FAIL_DEADLINE ?
		    ATTEMPT_STALE : ATTEMPT_NET);
	}
	resp->status = resp->http.status;
	/* The answer's body has its own time at the floor rate; one of
	 * unknown length, S3_SLOW_ANSWER_MS. */
	cl = resp->http.content_length;
	if (deadline > 0 && !req->head)
		http_conn_set_deadline(conn, deadline + (cl >= 0 ?
		    floor_ms(cl) : S3_SLOW_ANSWER_MS));
	r = read_body(conn, req, resp);
	if (r < 0) {
		set_error(resp, r == -2 ? "cannot store the body" : "%s",
		    http_error(conn));
		http_conn_close(conn);
		conn_done(c, conn);
		resp->status = 0;
		return net_or_cancelled(c, resp, r == -2 ? ATTEMPT_FATAL :
		    ATTEMPT_NET);
	}
	if (sent < 0 || !resp->http.keep_alive || where_stale(c, w))
		http_conn_close(conn);
	conn_done(c, conn);
	parse_error_code(resp);
	return ATTEMPT_ANSWER;
}

/* An attempt with the current keys and addressing, kept in cr and w for
 * what the answer may ask to fix; signed with the clock this request
 * learned when own_offset is not NULL (see s3_request). */
static enum attempt_result
attempt_now(struct s3_client *c, const struct s3_request *req,
    const char *path, const char *payload_hash, const long *own_offset,
    struct creds *cr, struct where *w, struct s3_response *resp)
{
	char err[256];

	if (creds_copy(c, cr, err, sizeof(err)) < 0) {
		creds_free(cr);
		set_error(resp, "%s", err);
		return ATTEMPT_FATAL;
	}
	if (where_copy(c, w) < 0) {
		set_error(resp, "out of memory");
		return ATTEMPT_FATAL;
	}
	if (own_offset != NULL)
		w->clock_offset = *own_offset;
	return attempt(c, req, path, payload_hash, cr, w, resp);
}

/* ---- answers that a new region or new keys cure ---- */

/* The region in an S3 host name: "b.s3.eu-west-1.amazonaws.com",
 * "s3-eu-west-1.amazonaws.com", "s3.dualstack.eu-west-1.amazonaws.com";
 * "s3.amazonaws.com" and "s3-external-1" are us-east-1. */
static int
region_of_host(const char *host, char *out, size_t cap)
{
	const char *aws = strstr(host, ".amazonaws.com"), *l1, *l0;
	const char *r = NULL;
	size_t n;

	if (aws == NULL || aws == host)
		return -1;
	for (l1 = aws; l1 > host && l1[-1] != '.'; l1--)
		;
	n = (size_t)(aws - l1);
	if ((n == 2 && strncmp(l1, "s3", 2) == 0) ||
	    (n == 13 && strncmp(l1, "s3-external-1", 13) == 0)) {
		r = "us-east-1";
		n = 9;
	} else if (n > 3 && strncmp(l1, "s3-", 3) == 0) {
		r = l1 + 3;
		n -= 3;
	} else if (l1 - host >= 3) {
		for (l0 = l1 - 1; l0 > host && l0[-1] != '.'; l0--)
			;
		if ((l1 - l0 == 3 && strncmp(l0, "s3.", 3) == 0) ||
		    (l1 - l0 == 10 && strncmp(l0, "dualstack.", 10) == 0))
			r = l1;
	}
	return r != NULL && snprintf(out, cap, "%.*s", (int)n, r) < (int)cap ?
	    0 : -1;
}

/* HEAD on the bucket: S3 names its region in x-amz-bucket-region. */
static void
probe_region(struct s3_client *c, const struct creds *cr,
    const struct where *w, char *out, size_t cap)
{
	struct s3_request head = { .method = "HEAD", .head = 1,
	    .body_fd = -1 };
	struct s3_response r;
	char *path = request_path(c, NULL);
	const char *v;

	memset(&r, 0, sizeof(r));
	if (path != NULL && attempt(c, &head, path, SIGV4_EMPTY_SHA256, cr, w,
	    &r) == ATTEMPT_ANSWER &&
	    (v = http_header(&r.http, "x-amz-bucket-region")) != NULL &&
	    snprintf(out, cap, "%s", v) >= (int)cap)
		out[0] = '\0';
	free(path);
	s3_response_free(&r);
}

/* The bucket's region when S3 says it is not the one signed for
 * (301 PermanentRedirect, 400 AuthorizationHeaderMalformed with a
 * <Region>, or an x-amz-bucket-region header): 1 with out filled, else 0. */
static int
answer_region(struct s3_client *c, const struct s3_request *req,
    const struct creds *cr, const struct where *w,
    const struct s3_response *resp, char *out, size_t cap)
{
	const char *hdr = http_header(&resp->http, "x-amz-bucket-region");
	const char *code = resp->code;
	int st = resp->status, illegal;
	char ep[256];

	out[0] = '\0';
	illegal = strcmp(code, "IllegalLocationConstraintException") == 0;
	if (st != 301 && st != 307 && st != 400 && st != 403)
		return 0;
	if (st == 400 && !req->head && !illegal &&
	    strcmp(code, "AuthorizationHeaderMalformed") != 0)
		return 0;
	if (st == 403 && hdr == NULL)
		return 0;
	if (hdr != NULL) {
		if (snprintf(out, cap, "%s", hdr) >= (int)cap)
			out[0] = '\0';
	} else if (resp->body != NULL && xml_text(resp->body, resp->body_len,
	    "Region", out, cap) > 0)
		;
	else if (resp->body != NULL && xml_text(resp->body, resp->body_len,
	    "Endpoint", ep, sizeof(ep)) > 0 &&
	    region_of_host(ep, out, cap) == 0)
		;
	else if (!req->head && (st == 301 || illegal))
		probe_region(c, cr, w, out, cap);
	else
		out[0] = '\0';
	return out[0] != '\0' && cred_region_valid(out) &&
	    strcmp(out, w->region) != 0;
}

/* Signs for the region from now on, and for AWS's own endpoint sends to
 * that region's host; a custom endpoint keeps its host. */
static int
set_region(struct s3_client *c, const struct where *w, const char *region)
{
	struct http_conn *drop[MAX_IDLE_CONNS];
	size_t ndrop = 0;
	char *r = strdup(region), *host = NULL, *hh = NULL;
	int changed = 0;

	if (c->cfg.region_host) {
		if (asprintf(&host, "s3.%s.amazonaws.com", region) < 0)
			host = NULL;
	} else
		host = strdup(w->host);
	if (r == NULL || host == NULL ||
	    (hh = host_header_for(&c->cfg, host)) == NULL) {
		free(r);
		free(host);
		return -1;
	}
	pthread_mutex_lock(&c->lock);
	if (strcmp(c->region, w->region) == 0) {	/* not corrected yet */
		char *t;

		t = c->region, c->region = r, r = t;
		t = c->host, c->host = host, host = t;
		t = c->host_header, c->host_header = hh, hh = t;
		c->where_gen++;
		/* Idle connections go to the old host. */
		if (c->cfg.region_host) {
			memcpy(drop, c->idle, c->nidle * sizeof(drop[0]));
			ndrop = c->nidle;
			c->nidle = 0;
		}
		changed = 1;
	}
	pthread_mutex_unlock(&c->lock);
	for (size_t i = 0; i < ndrop; i++)
		http_conn_free(drop[i]);
	/* Once per correction: later requests sign for it from the start. */
	if (changed)
		log_warning("Bucket %s is in region %s, not %s: signing for %s "
		    "from now on%s%s%s", c->bucket, region, w->region, region,
		    c->cfg.region_host ? ", at s3." : "",
		    c->cfg.region_host ? region : "",
		    c->cfg.region_host ? ".amazonaws.com" : "");
	free(r);
	free(host);
	free(hh);
	return 0;
}

/* The one list of the codes S3 (and STS, whose spellings S3-compatible
 * servers borrow) gives when it refuses the keys: each is the keys'
 * fault (a message names their source), and new keys may cure all but
 * the last. */
static const char *const key_codes[] = {
	"ExpiredToken", "ExpiredTokenException", "InvalidToken",
	"TokenRefreshRequired", "InvalidAccessKeyId", "InvalidClientTokenId",
	"SignatureDoesNotMatch",
	/* A policy's answer: the same identity gets it again. */
	"AccessDenied",
};
#define NKEY_CODES	(sizeof(key_codes) / sizeof(key_codes[0]))

/* code's place in key_codes, NKEY_CODES when absent. */
static size_t
key_code(const char *code)
{
	size_t i = 0;

	while (i < NKEY_CODES && strcmp(code, key_codes[i]) != 0)
		i++;
	return i;
}

int
s3_code_keys_may_cure(const char *code)
{
	return key_code(code) < NKEY_CODES - 1;
}

int
s3_code_blames_keys(const char *code)
{
	return key_code(code) < NKEY_CODES;
}

/* S3 refused the keys in a way new keys may cure. A HEAD answer has no
 * body, so no code: a bare 400 or 403 may be an expired token too. */
static int
keys_refused(const struct s3_request *req, const struct s3_response *resp)
{
	if (req->head && resp->code[0] == '\0')
		return resp->status == 400 || resp->status == 403;
	return s3_code_keys_may_cure(resp->code);
}

/* 1 when the answer was cured: sign and send again. */
static int
fix_answer(struct s3_client *c, const struct s3_request *req,
    const struct creds *cr, const struct where *w,
    const struct s3_response *resp)
{
	char region[64];

	if (answer_region(c, req, cr, w, resp, region, sizeof(region)))
		return set_region(c, w, region) == 0;
	if (c->chain != NULL && keys_refused(req, resp))
		return cred_refused(c->chain, cr->gen) == 1;
	return 0;
}

/* ---- retry policy ---- */

static int
is_throttle(const char *code)
{
	static const char *const codes[] = {
		"SlowDown", "Throttling", "ThrottlingException",
		"RequestLimitExceeded", "BandwidthLimitExceeded",
		"RequestThrottled", "TooManyRequestsException",
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

static int
is_retryable(int status, const char *code)
{
	static const char *const codes[] = {
		"InternalError", "RequestTimeout", "RequestTimeoutException",
		"PriorRequestNotComplete", "ServiceUnavailable",
	};

	if (status == 500 || status == 502 || status == 503 || status == 504 ||
	    status == 429 || is_throttle(code))
		return 1;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(code, codes[i]) == 0)
			return 1;
	return 0;
}

/* A 403 for a wrong clock: RequestTimeTooSkewed, or, for a HEAD (its
 * answer has no body to name the error), a Date further than S3's 15
 * minutes from the time we signed with (our clock plus signed_offset: not
 * the client's offset now, which another thread may have changed since).
 * Then learns the server clock from that Date header into *learned and
 * the client, and returns 0. */
static int
learn_clock(struct s3_client *c, const struct s3_request *req,
    const struct s3_response *resp, long signed_offset, long *learned)
{
	const char *date = http_header(&resp->http, "Date");
	time_t server;
	long off;

	if (resp->status != 403 || date == NULL ||
	    isotime_parse_http(date, &server) < 0)
		return -1;
	off = (long)(server - time(NULL));
	if (strcmp(resp->code, "RequestTimeTooSkewed") != 0 &&
	    !(req->head && resp->code[0] == '\0' &&
	    labs(off - signed_offset) > 15 * 60))
		return -1;
	pthread_mutex_lock(&c->lock);
	c->clock_offset = off;
	pthread_mutex_unlock(&c->lock);
	*learned = off;
	return 0;
}

static uint64_t
random64(void)
{
	static __thread uint64_t state;
	struct timespec ts;

	if (state == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&ts ^ 0x9e3779b97f4a7c15ULL;
	}
	/* xorshift64*: jitter only, no secrets. */
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 2685821657736338717ULL;
}

/* Full jitter: uniform in [0, min(base * 2^(attempt-1), 20 s)]. */
static int
backoff_ms(int attempt, int throttled)
{
	long long base_ms = throttled ? 1000 : 200, cap_ms = 20000;
	long long limit = base_ms << (attempt > 10 ? 10 : attempt - 1);

	if (limit > cap_ms)
		limit = cap_ms;
	return (int)(random64() % (uint64_t)(limit + 1));
}

int
s3_backoff_wait(struct s3_client *c, int attempt, int throttled)
{
	return http_sleep(c->cfg.cancel_fd, backoff_ms(attempt, throttled));
}

int
s3_cancelled(struct s3_client *c)
{
	return http_fd_cancelled(c->cfg.cancel_fd);
}

static void
reset_response(struct s3_response *resp)
{
	s3_response_free(resp);
	memset(resp, 0, sizeof(*resp));
}

static void
count(struct s3_client *c, int retry)
{
	pthread_mutex_lock(&c->lock);
	c->stats.requests++;
	if (retry)
		c->stats.retries++;
	pthread_mutex_unlock(&c->lock);
}

int
s3_request(struct s3_client *c, const struct s3_request *req,
    struct s3_response *resp)
{
	char payload_hash[65];
	char *path;
	int attempts = c->cfg.retries + 1, stale_retries = 2, fixes = 3;
	int clock_fixes = 4;
	long own_offset;	/* the clock this request learned */
	const long *own = NULL;
	int result = -1;

	memset(resp, 0, sizeof(*resp));
	if (req->body_fd >= 0 && !c->cfg.tls && req->payload_sha256 == NULL) {
		set_error(resp, "internal error: plain HTTP needs the payload "
		    "hash");
		return -1;
	}
	if (c->cfg.tls && (req->body_fd >= 0 || req->body_len > 0))
		strcpy(payload_hash, SIGV4_UNSIGNED_PAYLOAD);
	else if (req->body_fd >= 0)
		memcpy(payload_hash, req->payload_sha256, 65);
	else
		sigv4_sha256_hex(req->body, req->body_len, payload_hash);
	if ((path = request_path(c, req->key)) == NULL) {
		set_error(resp, "out of memory");
		return -1;
	}
	for (int i = 1; i <= attempts; i++) {
		enum attempt_result ar;
		struct creds cr = { 0 };
		struct where w = { 0 };
		long signed_offset;
		int fixed;

		reset_response(resp);
		if (s3_cancelled(c)) {
			set_error(resp, "cancelled: the program is stopping");
			break;
		}
		if (req->sink != NULL && req->sink->reset != NULL && i > 1 &&
		    req->sink->reset(req->sink->arg) < 0) {
			set_error(resp, "cannot restart the download");
			break;
		}
		count(c, i > 1);
		ar = attempt_now(c, req, path, payload_hash, own, &cr, &w,
		    resp);
		if (ar == ATTEMPT_NET || ar == ATTEMPT_ANSWER) {
			pthread_mutex_lock(&c->lock);
			c->stats.down = ar == ATTEMPT_NET ||
			    is_retryable(resp->status, resp->code);
			pthread_mutex_unlock(&c->lock);
		}
		signed_offset = w.clock_offset;
		/* A wrong region or refused keys: cured, not a retry. */
		fixed = ar == ATTEMPT_ANSWER && fixes > 0 &&
		    fix_answer(c, req, &cr, &w, resp);
		creds_free(&cr);
		where_free(&w);
		if (fixed) {
			fixes--;
			i--;
			continue;
		}
		if (ar == ATTEMPT_STALE && stale_retries-- > 0) {
			i--;	/* the server closed an idle connection */
			continue;
		}
		if (ar == ATTEMPT_FATAL)
			break;
		if (ar == ATTEMPT_ANSWER) {
			/* The request goes on with the clock it learned
			 * itself, whatever another thread's answer taught the
			 * client meanwhile. The first few cures are not
			 * retries: with several threads, one may have signed
			 * with a clock just corrected by another. */
			if (learn_clock(c, req, resp, signed_offset,
			    &own_offset) == 0 && (clock_fixes > 0 ||
			    i < attempts)) {
				log_warning("Clock skew: the S3 clock is %+ld s "
				    "from ours; signing with its time from now "
				    "on", own_offset);
				own = &own_offset;
				if (clock_fixes-- > 0)
					i--;
				continue;
			}
			if (!is_retryable(resp->status, resp->code) ||
			    i == attempts) {
				result = 0;
				break;
			}
			s3_describe(resp);
		}
		if (i < attempts) {
			/* One line per retry: a user sees a flaky network or
			 * throttling before it turns into failed uploads. */
			log_info("Retrying %s %s (attempt %d of %d): %s",
			    req->method, req->key ? req->key : c->bucket, i + 1,
			    attempts, resp->error);
			if (s3_backoff_wait(c, i, ar == ATTEMPT_ANSWER &&
			    (resp->status == 503 ||
			    is_throttle(resp->code))) < 0) {
				set_error(resp, "cancelled: the program is "
				    "stopping");
				break;
			}
		}
	}
	free(path);
	if (result == 0 && resp->status >= 300)
		s3_describe(resp);
	return result;
}

void
s3_response_free(struct s3_response *resp)
{
	http_response_free(&resp->http);
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

void
s3_describe(struct s3_response *resp)
{
	char msg[256] = "";

	if (resp->body != NULL && xml_text(resp->body, resp->body_len,
	    "Message", msg, sizeof(msg)) < 0)
		msg[0] = '\0';
	if (resp->code[0] == '\0' && resp->status == 404)
		strcpy(resp->code, "NotFound");
	else if (resp->code[0] == '\0' && resp->status == 403)
		strcpy(resp->code, "Forbidden");
	set_error(resp, "%s (HTTP %d)%s%s", resp->code[0] ? resp->code :
	    "error", resp->status, msg[0] ? ": " : "", msg);
}
