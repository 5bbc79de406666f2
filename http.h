/* http.h: a small HTTP/1.1 client over TCP or TLS (BearSSL), one connection
 * at a time, keep-alive. Knows nothing of S3: the caller writes the request. */
#ifndef TABLESNAP_HTTP_H
#define TABLESNAP_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <bearssl.h>

/* Trust anchors, loaded once at start and then shared read-only by every
 * connection and thread. */
struct tls_anchors {
	br_x509_trust_anchor *v;
	size_t n;
};

/* Loads every certificate of a PEM bundle as a trust anchor. Certificates
 * BearSSL cannot use are skipped and counted in *skipped (may be NULL).
 * Returns the number loaded (0 is possible: the caller decides), or -1 with
 * a one-line reason in err (the file, and what is wrong with it). */
long tls_anchors_load(struct tls_anchors *ta, const char *path,
    size_t *skipped, char *err, size_t errlen);
void tls_anchors_free(struct tls_anchors *ta);

/* One connection: socket, and for TLS the BearSSL contexts and the I/O
 * buffer, all in one heap block (BearSSL allocates nothing). A connection
 * remembers its last TLS session and resumes it on the next open. */
struct http_conn;

/* ta NULL: plain TCP. Returns NULL when out of memory. */
struct http_conn *http_conn_new(const struct tls_anchors *ta);
void http_conn_free(struct http_conn *c);

/* Connects to host:port (getaddrinfo, every address tried) within
 * timeout_ms; for TLS, server_name is sent as SNI and checked against the
 * certificate (NULL: host). Closes any previous connection first. */
int http_conn_open(struct http_conn *c, const char *host, const char *port,
    const char *server_name, int timeout_ms);
int http_conn_is_open(const struct http_conn *c);
void http_conn_close(struct http_conn *c);

/* Read and write timeout for every later socket operation: a wait for
 * the socket longer than that fails ("read timeout", "write timeout"). */
void http_conn_set_timeout(struct http_conn *c, int timeout_ms);

/* Cancellation: while cancel_fd (> 0; <= 0: none) is readable, every wait
 * of this connection (connect, TLS handshake, reads, writes) ends at once
 * and the call fails with "cancelled"; http_cancelled then says 1 until
 * the next open. The connection never reads cancel_fd: its owner makes it
 * readable (an eventfd written by a signal handler) and leaves it so. */
void http_conn_set_cancel(struct http_conn *c, int cancel_fd);
int http_cancelled(const struct http_conn *c);

/* A deadline for a whole request: every wait ends at at_ms (http_now_ms's
 * clock; 0: none) and the call fails with "request deadline passed",
 * however often the server sends a byte. Stays until changed. */
void http_conn_set_deadline(struct http_conn *c, long long at_ms);
long long http_now_ms(void);		/* CLOCK_MONOTONIC, ms */

/* Sleeps ms unless cancel_fd (> 0) is or becomes readable: 0 after the
 * whole sleep, -1 when cancelled. */
int http_sleep(int cancel_fd, int ms);
/* 1 when cancel_fd (> 0) is readable now. */
int http_fd_cancelled(int cancel_fd);

/* A TLS session shared by the connections to one server: a new connection
 * resumes what another one negotiated (an abbreviated handshake). The
 * caller owns it; http_session_cache_init before use. */
struct http_session_cache {
	pthread_mutex_t lock;
	int have;
	char name[256];
	br_ssl_session_parameters sess;
};
int http_session_cache_init(struct http_session_cache *cache);
void http_conn_set_session_cache(struct http_conn *c,
    struct http_session_cache *cache);

/* For tests: a connection over an already connected plain socket. */
struct http_conn *http_conn_from_fd(int fd);

/* The last error of this connection, one line without the newline:
 * "connection reset", "read timeout", "TLS: certificate not trusted (62)",
 * "malformed status line", … Never NULL. */
const char *http_error(const struct http_conn *c);

/* What kind of failure the last error was, for callers that decide on it
 * (a message is for people: never search it). */
enum http_fail {
	HTTP_FAIL_NONE,		/* no error since the last open */
	HTTP_FAIL_TIMEOUT,	/* a connect, read or write wait timed out */
	HTTP_FAIL_DEADLINE,	/* the request's deadline passed */
	HTTP_FAIL_CANCELLED,	/* the cancel fd became readable */
	HTTP_FAIL_CLOSED,	/* the server closed the connection */
	HTTP_FAIL_RESET,	/* the connection was reset */
	HTTP_FAIL_OTHER,	/* anything else: name lookup, TLS, a malformed
				 * answer, a local file, memory */
};
enum http_fail http_fail_kind(const struct http_conn *c);

/* Buffered request writing. Each returns 0, or -1 (see http_error). */
int http_write(struct http_conn *c, const void *buf, size_t len);
/* Sends len bytes of fd from offset off (pread). A file shorter than that
 * is an error ("file shrank"). */
int http_write_fd(struct http_conn *c, int fd, off_t off, off_t len);
int http_flush(struct http_conn *c);

/* Bounds on what a server may send. */
#define HTTP_MAX_HEAD (64 * 1024)	/* status line plus headers */

struct http_header_field {
	char *name;	/* as received */
	char *value;	/* leading/trailing white space removed */
};

struct http_response {
	int status;			/* 200 */
	int keep_alive;			/* connection reusable after the body */
	long long content_length;	/* -1 when not given */
	int chunked;
	struct http_header_field *fields;
	size_t nfields;
	/* body reading state, private to http.c */
	long long remaining;		/* in the current chunk or body */
	int body_state;
	char *store;			/* storage for fields */
};

/* Reads the status line and headers of the next response. no_body: the
 * request was HEAD (or the caller knows there is no body). 1xx responses
 * are skipped. Returns 0 or -1. */
int http_read_head(struct http_conn *c, struct http_response *r, int no_body);

/* Case-insensitive header lookup; NULL when absent. */
const char *http_header(const struct http_response *r, const char *name);

/* Reads body bytes (de-chunked). Returns the count (> 0), 0 at the end of
 * the body, -1 on error. After the end, the connection is ready for the
 * next request when r->keep_alive, and closed otherwise. */
long http_read_body(struct http_conn *c, struct http_response *r, void *buf,
    size_t cap);

/* Reads the whole body into a malloc'd NUL-terminated buffer. A body above
 * max bytes is an error ("response body too large"). */
int http_read_body_all(struct http_conn *c, struct http_response *r,
    char **out, size_t *outlen, size_t max);

/* Frees what http_read_head allocated. */
void http_response_free(struct http_response *r);

/* An http:// or https:// URL split: host (no brackets around IPv6, only
 * bytes a Host header can carry), port (the scheme's when none, 1-65535)
 * and the path with its query ("/" at least). 0, or -1 when url is not
 * such a URL or a part is too long for its field. Pure. */
struct http_url {
	int tls;
	char host[256], port[8];
	char path[1024];
};
int http_parse_url(const char *url, struct http_url *u);

#endif
