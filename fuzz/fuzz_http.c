/* fuzz_http.c: libFuzzer target for the HTTP response reader of http.c: the
 * input is what a server sends, read through a real socket pair. */
#include <sys/socket.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

/*
 * Input layout: byte 0 chooses how the answer is read, the rest is the
 * server's byte stream.
 *   bit 0: the request was a HEAD (no body)
 *   bit 1: read the body piecewise with http_read_body, else all at once
 *   bit 2: a small limit for http_read_body_all (64 bytes)
 *   bits 4-7: piece size - 1 for piecewise reads (1..16)
 * Up to MAX_RESPONSES answers are read from one connection, as keep-alive
 * would.
 */
#define MAX_RESPONSES	4
#define PIECE_MAX	16

struct feed {
	int fd;
	const uint8_t *p;
	size_t len;
};

static void	*writer(void *);
static void	 check_head(const struct http_response *);
static void	 check_error(const struct http_conn *);
static int	 read_piecewise(struct http_conn *, struct http_response *,
		    size_t, size_t *);
static int	 one_response(struct http_conn *, unsigned);

/* The server side: sends everything, then closes its sending half so the
 * reader sees the end of the stream. A reader that stops early closes its
 * end, which ends a blocked send with EPIPE. */
static void *
writer(void *arg)
{
	struct feed *f = arg;
	ssize_t n;

	while (f->len > 0) {
		n = send(f->fd, f->p, f->len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		f->p += n;
		f->len -= (size_t)n;
	}
	(void)shutdown(f->fd, SHUT_WR);
	return NULL;
}

/* What http.h promises about a parsed head. */
static void
check_head(const struct http_response *r)
{
	size_t i;

	if (r->status < 200 || r->status > 599)
		abort();
	if (r->content_length < -1)
		abort();
	for (i = 0; i < r->nfields; i++) {
		if (r->fields[i].name == NULL || r->fields[i].value == NULL ||
		    r->fields[i].name[0] == '\0')
			abort();
		/* The lookup finds this field or an earlier one of the same
		 * name. */
		if (http_header(r, r->fields[i].name) == NULL)
			abort();
	}
}

/* One line, bounded, never empty. */
static void
check_error(const struct http_conn *c)
{
	const char *e = http_error(c);

	if (e == NULL || e[0] == '\0' || strlen(e) >= 512 ||
	    strchr(e, '\n') != NULL)
		abort();
}

static int
read_piecewise(struct http_conn *c, struct http_response *r, size_t piece,
    size_t *total)
{
	char buf[PIECE_MAX];
	long n;

	*total = 0;
	while ((n = http_read_body(c, r, buf, piece)) > 0) {
		if ((size_t)n > piece)
			abort();
		*total += (size_t)n;
	}
	return n == 0 ? 0 : -1;
}

/* Reads one answer; returns whether the connection can carry another. */
static int
one_response(struct http_conn *c, unsigned mode)
{
	struct http_response r;
	char *body = NULL;
	size_t len = 0, max = (mode & 4) ? 64 : 1 << 20;
	int rc;

	if (http_read_head(c, &r, mode & 1) == -1) {
		check_error(c);
		return 0;
	}
	check_head(&r);
	if (mode & 2)
		rc = read_piecewise(c, &r, ((mode >> 4) & 0xf) + 1, &len);
	else {
		rc = http_read_body_all(c, &r, &body, &len, max);
		if (rc == 0 && (body == NULL || body[len] != '\0' ||
		    len > max))
			abort();
	}
	if (rc == -1)
		check_error(c);
	/* A body of a known length comes out whole or not at all. */
	if (rc == 0 && !(mode & 1) && r.content_length >= 0 && !r.chunked &&
	    r.status != 204 && r.status != 304 &&
	    (long long)len != r.content_length)
		abort();
	free(body);
	rc = rc == 0 && r.keep_alive && http_conn_is_open(c);
	http_response_free(&r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_conn *c;
	struct feed f;
	pthread_t t;
	unsigned mode;
	int sv[2], i;

	if (size < 1)
		return 0;
	mode = data[0];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	f.fd = sv[1];
	f.p = data + 1;
	f.len = size - 1;
	if (pthread_create(&t, NULL, writer, &f) != 0)
		abort();
	if ((c = http_conn_from_fd(sv[0])) == NULL)
		abort();
	for (i = 0; i < MAX_RESPONSES; i++)
		if (!one_response(c, mode))
			break;
	http_conn_free(c);	/* closes sv[0]: a blocked writer gives up */
	if (pthread_join(t, NULL) != 0)
		abort();
	(void)close(sv[1]);
	return 0;
}
