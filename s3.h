/* s3.h: S3 requests: addressing, SigV4 headers, retries with backoff, and a
 * pool of keep-alive connections shared by the upload threads. */
#ifndef TABLESNAP_S3_H
#define TABLESNAP_S3_H

#include <stddef.h>
#include <sys/types.h>

#include "http.h"
#include "s3sign.h"

struct s3_config {
	const char *host;	/* endpoint host name, without the bucket */
	const char *port;	/* "443" */
	const char *connect_host; /* NULL: connect to the Host name */
	int tls;
	int path_style;		/* bucket in the path (else in the host name) */
	const char *region;
	int region_host;	/* host is AWS's for the region: it follows a
				 * region correction (never a custom one) */
	const char *bucket;
	const struct tls_anchors *anchors;	/* shared, read-only */
	int retries;		/* extra attempts per request */
	int timeout_ms;		/* connect and per-read/write timeout; with
				 * the body's size, the whole request's
				 * deadline (S3_FLOOR_RATE) */
	int cancel_fd;		/* > 0: while readable, every request and
				 * backoff stops at once and fails with
				 * "cancelled" (http_conn_set_cancel);
				 * 0: none */
};

/* A request may take timeout_ms plus its body (sent, or received with a
 * sink) at this many bytes per second, plus any time the bandwidth limit
 * made it wait; then it fails ("request deadline passed") and is retried
 * as a network error. */
#define S3_FLOOR_RATE	(64 * 1024)
/* An answer body of unknown length (chunked) gets this long beyond the
 * deadline: S3 may take minutes to complete a multipart upload, sending
 * white space meanwhile. */
#define S3_SLOW_ANSWER_MS	(15 * 60 * 1000)

struct s3_client;

/* Copies what it needs of cfg. NULL when out of memory. */
struct s3_client *s3_client_new(const struct s3_config *cfg);
void s3_client_free(struct s3_client *c);

/* Takes every request's keys from the chain (refreshed there), and
 * reports keys S3 refuses to it. Call before the threads start. */
struct cred_chain;
void s3_client_set_cred_chain(struct s3_client *c, struct cred_chain *ch);

/* Sends the SSE-C key headers (algorithm AES256, key, key MD5) with every
 * request on an object's data: PUT, multipart initiate and parts, HEAD and
 * GET (s3_sse_c_applies). Copies k; call before the threads start. */
struct sse_c;
int s3_client_set_sse_c(struct s3_client *c, const struct sse_c *k);
/* Pure: whether a request of method on key (NULL: the bucket) with query
 * reads or writes the object's data, so carries the SSE-C headers. */
int s3_sse_c_applies(const char *method, const char *key, const char *query);

/* A sink for the body of a successful GET; reset is called before a retry
 * starts the body again. Each returns 0, or -1 to stop. */
struct s3_sink {
	int (*write)(void *arg, const void *buf, size_t len);
	int (*reset)(void *arg);
	void *arg;
};

struct s3_request {
	const char *method;
	const char *key;		/* raw key; NULL: the bucket itself */
	const char *query;		/* encoded query string, or NULL */
	const struct sigv4_header *headers;	/* extra headers, signed */
	size_t nheaders;
	const void *body;		/* body in memory ... */
	size_t body_len;
	int body_fd;			/* ... or, when >= 0, a file range */
	off_t body_off;
	off_t body_fd_len;
	const char *payload_sha256;	/* plain HTTP with a file body: its
					 * hex SHA-256 (memory bodies are
					 * hashed here) */
	int head;			/* HEAD: the answer has no body */
	size_t max_body;		/* answer bytes kept in resp->body */
	const struct s3_sink *sink;	/* GET: 2xx body goes here */
	/* Called after each piece (at most S3_SEND_PIECE bytes) of a file
	 * body went out: progress reports. */
	void (*on_send)(void *arg, long long bytes);
	void *on_send_arg;
};

#define S3_SEND_PIECE (1024 * 1024)

/* Limits the bytes per second of every file body sent (shared by all
 * threads); 0 removes the limit. Call before the threads start. */
int s3_client_set_bandwidth(struct s3_client *c, long long bytes_per_sec);

struct s3_response {
	int status;			/* 0: no answer at all */
	struct http_response http;	/* status line and headers */
	char *body;			/* NUL-terminated, or NULL */
	size_t body_len;
	char code[64];			/* S3 error code, "" when none */
	char error[512];		/* one line for the log when failed */
};

/* Sends the request, retrying network errors, 5xx, throttling and clock
 * skew with backoff. Returns 0 when S3 answered (any status: look at
 * resp->status and resp->code), -1 when no usable answer came after every
 * attempt (resp->error says why). Always free resp afterwards. */
int s3_request(struct s3_client *c, const struct s3_request *req,
    struct s3_response *resp);
void s3_response_free(struct s3_response *resp);

/* Fills resp->error from the answer: "NoSuchBucket (404): message". */
void s3_describe(struct s3_response *resp);

/* Sleeps a full-jitter backoff for the attempt-th retry (1-based). */
/* The same, ended early by the client's cancel fd: 0, or -1 when
 * cancelled. */
int s3_backoff_wait(struct s3_client *c, int attempt, int throttled);

/* 1 when the client's cancel fd is readable: its requests fail. */
int s3_cancelled(struct s3_client *c);

/* S3 error codes about the keys, from one table: whether new keys may cure
 * the refusal (the credential chain is asked for fresh ones), and whether
 * the keys are to blame (a refusal at start names where they came from;
 * AccessDenied is theirs although new keys of the same identity would
 * not help). 0 for any other code, "" included. */
int s3_code_keys_may_cure(const char *code);
int s3_code_blames_keys(const char *code);

/* Seconds the server clock is ahead of ours (learned from skew errors). */
long s3_clock_offset(struct s3_client *c);

/* Counters for the status line and the metrics. */
struct s3_stats {
	unsigned long requests, retries, connections;
	int down;	/* the last attempt got no answer, or a 5xx/throttle */
};
void s3_get_stats(struct s3_client *c, struct s3_stats *out);

#endif
