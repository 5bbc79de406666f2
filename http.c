/* http.c: HTTP/1.1 client over plain TCP or TLS (BearSSL, br_sslio), one
 * heap block per connection, keep-alive, strict response parsing. */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "http.h"

#define HTTP_RBUF	16384	/* read buffer: heads, chunk lines, bodies */
#define TLS_RECORD	16384	/* the most plaintext one record holds */
#define TLS_GATHER	(4 * BR_SSL_BUFSIZE_OUTPUT)	/* records per send */
#define HTTP_WBUF	8192	/* plain TCP write buffer: request heads */
#define HTTP_ERRLEN	512	/* room for a message naming a 255-byte host */
#define HTTP_TIMEOUT	30000	/* default read and write timeout, ms */
#define HTTP_MAXIO	(1 << 30)	/* largest single read or write */

enum body_state {
	BODY_DONE = 0,		/* no body, or all of it read */
	BODY_LENGTH,		/* Content-Length: remaining bytes left */
	BODY_CHUNK_SIZE,	/* chunked: next is a chunk-size line */
	BODY_CHUNK_DATA,	/* chunked: remaining bytes of this chunk */
	BODY_CLOSE,		/* delimited by the end of the connection */
	BODY_FAILED		/* an error ended it, closing the connection */
};

struct http_conn {
	int fd;			/* -1 when closed */
	int timeout_ms;		/* read/write timeout, 0 for none */
	int wait_ms;		/* the timeout of the wait under way: the
				 * connect timeout in the handshake */
	int cancel_fd;		/* readable: every wait ends; <= 0: none */
	int cancelled;		/* a wait ended because of it */
	long long deadline;	/* now_ms() when every wait ends; 0: none */
	int failed;		/* closed by an error: err stays until open */
	int werr;		/* a write failed: no more writes, only reads */
	int ioerr;		/* the transport stored its error in err */
	int eof;		/* the peer closed its side */
	int tls_unclean;	/* TLS ended by TCP close, not close_notify */
	char err[HTTP_ERRLEN];
	enum http_fail fail;	/* the kind of err */
	size_t rpos, rlen;	/* unread bytes are rbuf[rpos..rlen) */
	size_t wlen;		/* bytes waiting in wbuf (plain TCP only) */
	const struct tls_anchors *ta;	/* NULL: plain TCP */
	struct http_session_cache *cache;	/* shared sessions, or NULL */
	int have_sess;		/* sess is from a handshake with sess_name */
	char sess_name[256];
	br_ssl_session_parameters sess;
	br_sslio_context ioc;
	br_ssl_client_context sc;
	br_x509_minimal_context xc;
	unsigned char rbuf[HTTP_RBUF];
	unsigned char wbuf[HTTP_WBUF];
	unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
	int gathering;		/* records wait in gather (file bodies) */
	size_t gather_len;
	unsigned char gather[TLS_GATHER];
};

struct loader {
	br_pem_decoder_context pc;
	struct tls_anchors *ta;
	size_t cap;		/* allocated entries of ta->v */
	struct buf der;	/* the certificate being decoded */
	struct buf dn;		/* its subject DN */
	int inobj, incert;
	size_t ncert, skipped;
};

/* forwards */
static void	 seterr(struct http_conn *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static void	 seterr_kind(struct http_conn *, enum http_fail, const char *);
static void	 seterr_io(struct http_conn *, int, const char *);
static void	 seterr_tls(struct http_conn *, int);
static int	 tls_fail(struct http_conn *, const char *);
static void	 excerpt(char *, size_t, const char *);

static void	 add_bytes(void *, const void *, size_t);
static int	 pem_push(struct loader *, const void *, size_t, char *,
		    size_t, const char *);
static int	 add_cert(struct loader *);
static int	 add_anchor(struct loader *, const br_x509_pkey *);

static void	 tls_init(struct http_conn *);
static int	 tls_start(struct http_conn *, const char *, int);
static int	 tcp_connect(struct http_conn *, const char *, const char *,
		    int);
static int	 connect_one(struct http_conn *, const struct addrinfo *,
		    int);
static long long now_ms(void);
static long long wait_end(const struct http_conn *, int, int *);
static int	 wait_fd(const struct http_conn *, int, short, long long);
static int	 wait_connect(struct http_conn *, int, int);
static int	 wait_io(struct http_conn *, short, const char *);
static int	 fd_readable(int, int);
static void	 conn_fail(struct http_conn *);
static int	 can_read(struct http_conn *);
static int	 can_write(struct http_conn *);

static ssize_t	 sock_recv(struct http_conn *, void *, size_t);
static int	 sock_send(struct http_conn *, const void *, size_t);
static int	 gather_flush(struct http_conn *);
static int	 tls_low_read(void *, unsigned char *, size_t);
static int	 tls_low_write(void *, const unsigned char *, size_t);
static ssize_t	 conn_recv(struct http_conn *, void *, size_t);
static ssize_t	 fill(struct http_conn *);
static ssize_t	 read_some(struct http_conn *, void *, size_t);
static int	 getbyte(struct http_conn *, const char *);
static int	 write_fail(struct http_conn *);
static int	 tcp_flush(struct http_conn *);
static int	 tcp_sendfile(struct http_conn *, int, off_t, off_t);
static ssize_t	 read_file(struct http_conn *, int, void *, size_t, off_t);
static int	 tcp_copyfile(struct http_conn *, int, off_t, off_t);
static int	 tls_sendfile(struct http_conn *, int, off_t, off_t);
static int	 tls_sendfile_records(struct http_conn *, int, off_t, off_t);
static void	 cork(struct http_conn *, int);
static void	 sigpipe_block(sigset_t *, int *);
static void	 sigpipe_restore(const sigset_t *, int, int);

static int	 read_head(struct http_conn *, struct http_response *,
		    size_t *, size_t *);
static int	 parse_head(struct http_conn *, struct http_response *,
		    size_t, int *);
static char	*cut_line(char **);
static int	 parse_status(struct http_conn *, struct http_response *,
		    const char *, int *);
static int	 is_tchar(int);
static int	 parse_field(struct http_conn *, char *,
		    struct http_header_field *);
static int	 parse_length(const char *, long long *);
static int	 has_token(const char *, const char *);
static int	 frame_body(struct http_conn *, struct http_response *, int,
		    int);
static long	 body_data(struct http_conn *, struct http_response *, void *,
		    size_t);
static int	 chunk_size(struct http_conn *, struct http_response *);
static int	 skip_line(struct http_conn *, size_t *, size_t *);
static int	 skip_trailers(struct http_conn *);
static int	 body_end(struct http_conn *, struct http_response *);
static int	 body_fail(struct http_conn *, struct http_response *);

/*
 * Error messages.
 */

static void
seterr(struct http_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(c->err, sizeof c->err, fmt, ap);
	va_end(ap);
	c->fail = HTTP_FAIL_OTHER;
}

/* A message that stands for a kind of failure callers decide on. */
static void
seterr_kind(struct http_conn *c, enum http_fail kind, const char *msg)
{
	seterr(c, "%s", msg);
	c->fail = kind;
}

/* A failed socket call; dir is "read" or "write". */
static void
seterr_io(struct http_conn *c, int e, const char *dir)
{
	c->ioerr = 1;
	if (e == EAGAIN || e == EWOULDBLOCK) {
		seterr(c, "%s timeout", dir);
		c->fail = HTTP_FAIL_TIMEOUT;
	} else if (e == ECONNRESET)
		seterr_kind(c, HTTP_FAIL_RESET, "connection reset");
	else if (e == EPIPE)
		seterr_kind(c, HTTP_FAIL_CLOSED, "connection closed by server");
	else
		seterr(c, "%s: %s", dir, strerror(e));
}

/* Names the BearSSL errors a user can act on; the rest keep their number
 * (bearssl_ssl.h lists them). */
static void
seterr_tls(struct http_conn *c, int e)
{
	switch (e) {
	case BR_ERR_X509_NOT_TRUSTED:
		seterr(c, "TLS: certificate not trusted (check --ca-file)");
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		seterr(c, "TLS: certificate does not match host name %s",
		    br_ssl_engine_get_server_name(&c->sc.eng));
		break;
	case BR_ERR_X509_EXPIRED:
		seterr(c, "TLS: certificate expired or not yet valid "
		    "(check the system clock)");
		break;
	case BR_ERR_UNSUPPORTED_VERSION:
		/* What plain HTTP on the port looks like to the engine. */
		seterr(c, "TLS: the server does not answer in TLS 1.2 (plain "
		    "HTTP on this port?)");
		break;
	default:
		if (e >= BR_ERR_SEND_FATAL_ALERT)
			seterr(c, "TLS error %d (sent alert %d)", e,
			    e - BR_ERR_SEND_FATAL_ALERT);
		else if (e >= BR_ERR_RECV_FATAL_ALERT)
			seterr(c, "TLS error %d (server sent alert %d)", e,
			    e - BR_ERR_RECV_FATAL_ALERT);
		else
			seterr(c, "TLS error %d", e);
	}
}

/* After a failed br_sslio call: a transport error already has its message;
 * otherwise the engine's error code says what went wrong. */
static int
tls_fail(struct http_conn *c, const char *what)
{
	char msg[HTTP_ERRLEN];
	enum http_fail kind;
	int e;

	e = br_ssl_engine_last_error(&c->sc.eng);
	if (!c->ioerr) {
		if (e == BR_ERR_OK || (e == BR_ERR_IO && c->eof))
			seterr_kind(c, HTTP_FAIL_CLOSED,
			    "connection closed by server");
		else
			seterr_tls(c, e);
	}
	if (what != NULL) {
		memcpy(msg, c->err, sizeof msg);
		kind = c->fail;
		seterr(c, "%s: %s", what, msg);
		c->fail = kind;
	}
	return -1;
}

/* At most 40 bytes of s for an error message, unprintable ones as '?'. */
static void
excerpt(char *dst, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && i < 40 && s[i] != '\0'; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (cap > 0)
		dst[i] = '\0';
}

const char *
http_error(const struct http_conn *c)
{
	if (c == NULL)
		return "out of memory";
	return c->err[0] != '\0' ? c->err : "no error";
}

enum http_fail
http_fail_kind(const struct http_conn *c)
{
	if (c == NULL)
		return HTTP_FAIL_OTHER;	/* out of memory */
	return c->err[0] != '\0' ? c->fail : HTTP_FAIL_NONE;
}

/*
 * Trust anchors (loaded once at startup: malloc is fine here).
 */

/* buf_add as a BearSSL output callback, which cannot fail: a failure
 * sticks in the buffer's failed flag. */
static void
add_bytes(void *ctx, const void *p, size_t n)
{
	buf_add(ctx, p, n);
}

long
tls_anchors_load(struct tls_anchors *ta, const char *path, size_t *skipped,
    char *err, size_t errlen)
{
	struct loader l;
	unsigned char buf[4096];
	ssize_t n;
	int fd, rc = -1;

	memset(&l, 0, sizeof l);
	l.ta = ta;
	ta->v = NULL;
	ta->n = 0;
	if (skipped != NULL)
		*skipped = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	br_pem_decoder_init(&l.pc);
	for (;;) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_set(err, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (pem_push(&l, buf, (size_t)n, err, errlen, path) == -1)
			goto done;
	}
	/* As in BearSSL's tools: a final "\n" ends an object whose END line
	 * has no newline. */
	if (pem_push(&l, "\n", 1, err, errlen, path) == -1)
		goto done;
	if (l.inobj)
		err_set(err, errlen, "%s: truncated PEM object", path);
	else if (l.ncert == 0)
		err_set(err, errlen, "%s: no certificate found", path);
	else
		rc = 0;
done:
	(void)close(fd);	/* read-only: nothing was lost */
	buf_free(&l.der);
	buf_free(&l.dn);
	if (rc == -1) {
		tls_anchors_free(ta);
		return -1;
	}
	if (skipped != NULL)
		*skipped = l.skipped;
	return (long)ta->n;
}

static int
pem_push(struct loader *l, const void *data, size_t len, char *err,
    size_t errlen, const char *path)
{
	const unsigned char *p = data;
	const char *name;
	size_t n;

	while (len > 0) {
		n = br_pem_decoder_push(&l->pc, p, len);
		p += n;
		len -= n;
		switch (br_pem_decoder_event(&l->pc)) {
		case BR_PEM_BEGIN_OBJ:
			name = br_pem_decoder_name(&l->pc);
			l->inobj = 1;
			l->incert = strcmp(name, "CERTIFICATE") == 0 ||
			    strcmp(name, "X509 CERTIFICATE") == 0;
			l->der.len = 0;
			/* Keys and other objects in the bundle are ignored. */
			br_pem_decoder_setdest(&l->pc,
			    l->incert ? add_bytes : NULL, &l->der);
			break;
		case BR_PEM_END_OBJ:
			if (l->incert && add_cert(l) == -1) {
				err_set(err, errlen, "%s: out of memory", path);
				return -1;
			}
			l->inobj = l->incert = 0;
			break;
		case BR_PEM_ERROR:
			err_set(err, errlen, "%s: PEM syntax error", path);
			return -1;
		}
	}
	return 0;
}

/* Decodes the DER certificate in l->der into a trust anchor. Certificates
 * BearSSL cannot decode or use are counted, not fatal: one odd entry must
 * not lose the whole system bundle. Returns -1 only when out of memory. */
static int
add_cert(struct loader *l)
{
	br_x509_decoder_context dc;
	const br_x509_pkey *pk;

	l->ncert++;
	if (l->der.failed)
		return -1;
	l->dn.len = 0;
	br_x509_decoder_init(&dc, add_bytes, &l->dn);
	br_x509_decoder_push(&dc, l->der.data, l->der.len);
	if (l->dn.failed)
		return -1;
	pk = br_x509_decoder_get_pkey(&dc);
	if (pk == NULL || (pk->key_type != BR_KEYTYPE_RSA &&
	    pk->key_type != BR_KEYTYPE_EC)) {
		l->skipped++;
		return 0;
	}
	return add_anchor(l, pk);
}

/* One malloc'd block per anchor holds its DN then its key bytes, so that
 * tls_anchors_free frees dn.data alone. Every anchor gets BR_X509_TA_CA:
 * the file is a CA file, and old v1 roots carry no basicConstraints. */
static int
add_anchor(struct loader *l, const br_x509_pkey *pk)
{
	struct tls_anchors *ta = l->ta;
	br_x509_trust_anchor *a, *nv;
	unsigned char *blk;
	size_t klen;

	if (pk->key_type == BR_KEYTYPE_RSA)
		klen = pk->key.rsa.nlen + pk->key.rsa.elen;
	else
		klen = pk->key.ec.qlen;
	if ((nv = array_grow(ta->v, &l->cap, ta->n + 1, sizeof *nv)) == NULL)
		return -1;
	ta->v = nv;
	if ((blk = malloc(l->dn.len + klen + 1)) == NULL)
		return -1;
	a = &ta->v[ta->n];
	memset(a, 0, sizeof *a);
	if (l->dn.len > 0)
		memcpy(blk, l->dn.data, l->dn.len);
	a->dn.data = blk;
	a->dn.len = l->dn.len;
	a->flags = BR_X509_TA_CA;
	a->pkey.key_type = pk->key_type;
	blk += l->dn.len;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		memcpy(blk, pk->key.rsa.n, pk->key.rsa.nlen);
		memcpy(blk + pk->key.rsa.nlen, pk->key.rsa.e,
		    pk->key.rsa.elen);
		a->pkey.key.rsa.n = blk;
		a->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		a->pkey.key.rsa.e = blk + pk->key.rsa.nlen;
		a->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		memcpy(blk, pk->key.ec.q, pk->key.ec.qlen);
		a->pkey.key.ec.curve = pk->key.ec.curve;
		a->pkey.key.ec.q = blk;
		a->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	ta->n++;
	return 0;
}

void
tls_anchors_free(struct tls_anchors *ta)
{
	size_t i;

	if (ta == NULL)
		return;
	for (i = 0; i < ta->n; i++)
		free(ta->v[i].dn.data);
	free(ta->v);
	ta->v = NULL;
	ta->n = 0;
}

/*
 * Connections.
 */

struct http_conn *
http_conn_new(const struct tls_anchors *ta)
{
	struct http_conn *c;

	if ((c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->fd = -1;
	c->timeout_ms = c->wait_ms = HTTP_TIMEOUT;
	c->ta = ta;
	if (ta != NULL)
		tls_init(c);
	return c;
}

struct http_conn *
http_conn_from_fd(int fd)
{
	struct http_conn *c;
	int fl;

	if ((c = http_conn_new(NULL)) == NULL)
		return NULL;
	/* Non-blocking, as every connection: the waits are poll()s. */
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1) {
		free(c);
		return NULL;
	}
	c->fd = fd;
	return c;
}

void
http_conn_free(struct http_conn *c)
{
	if (c == NULL)
		return;
	http_conn_close(c);
	/* The session parameters hold the master secret. */
	explicit_bzero(c, sizeof *c);
	free(c);
}

/* A minimal BearSSL client: TLS 1.2, four ECDHE AES-GCM suites,
 * SHA-2 only. No ChaCha20: on x86-64 (AES-NI) AES-GCM is five times
 * faster, every S3 endpoint offers it, and the binary stays small. The
 * setup survives br_ssl_client_reset, so it is done once per connection
 * object. */
static void
tls_init(struct http_conn *c)
{
	static const uint16_t suites[] = {
		BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	};
	br_ssl_engine_context *eng = &c->sc.eng;
	br_x509_minimal_context *xc = &c->xc;

	br_ssl_client_zero(&c->sc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	br_ssl_engine_set_hash(eng, br_sha256_ID, &br_sha256_vtable);
	br_ssl_engine_set_hash(eng, br_sha384_ID, &br_sha384_vtable);
	br_ssl_engine_set_hash(eng, br_sha512_ID, &br_sha512_vtable);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	/* One generic implementation of P-256, P-384 and P-521 (ECDHE and
	 * ECDSA) and the i31 RSA code, not BearSSL's defaults, which add
	 * X25519 and faster but larger P-256 and RSA code (15 KB together):
	 * a full handshake, rare with session resumption, costs a few more
	 * milliseconds. No RSA key exchange suite: no br_rsa_public. */
	br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_ec(eng, &br_ec_prime_i31);
	br_ssl_engine_set_default_aes_gcm(eng);

	br_x509_minimal_init(xc, &br_sha256_vtable, c->ta->v, c->ta->n);
	br_x509_minimal_set_hash(xc, br_sha256_ID, &br_sha256_vtable);
	br_x509_minimal_set_hash(xc, br_sha384_ID, &br_sha384_vtable);
	br_x509_minimal_set_hash(xc, br_sha512_ID, &br_sha512_vtable);
	br_x509_minimal_set_rsa(xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(xc, &br_ec_prime_i31,
	    &br_ecdsa_i31_vrfy_asn1);
	br_ssl_engine_set_x509(eng, &xc->vtable);
	/* Bidirectional: an early error answer stays readable while the
	 * body is still being sent. */
	br_ssl_engine_set_buffer(eng, c->iobuf, sizeof c->iobuf, 1);
}

int
http_conn_open(struct http_conn *c, const char *host, const char *port,
    const char *server_name, int timeout_ms)
{
	http_conn_close(c);
	c->failed = c->werr = c->ioerr = c->eof = c->tls_unclean = 0;
	c->cancelled = 0;
	c->rpos = c->rlen = c->wlen = c->gather_len = 0;
	c->gathering = 0;
	c->err[0] = '\0';
	c->fail = HTTP_FAIL_NONE;
	if (server_name == NULL)
		server_name = host;
	if (c->ta != NULL && strlen(server_name) >= sizeof c->sess_name) {
		seterr(c, "server name too long");
		return -1;
	}
	if (tcp_connect(c, host, port, timeout_ms) == -1)
		return -1;
	if (c->ta != NULL && tls_start(c, server_name, timeout_ms) == -1) {
		conn_fail(c);
		return -1;
	}
	return 0;
}

int
http_session_cache_init(struct http_session_cache *cache)
{
	memset(cache, 0, sizeof *cache);
	return pthread_mutex_init(&cache->lock, NULL) == 0 ? 0 : -1;
}

void
http_conn_set_session_cache(struct http_conn *c,
    struct http_session_cache *cache)
{
	c->cache = cache;
}

/* A new connection starts from the session another one made. */
static void
session_from_cache(struct http_conn *c, const char *name)
{
	pthread_mutex_lock(&c->cache->lock);
	if (c->cache->have && strcmp(c->cache->name, name) == 0) {
		c->sess = c->cache->sess;
		memcpy(c->sess_name, c->cache->name, sizeof c->sess_name);
		c->have_sess = 1;
	}
	pthread_mutex_unlock(&c->cache->lock);
}

/* Resets the engine (resuming the last session when the name is the same)
 * and runs the handshake to its end, so that certificate errors come out
 * of http_conn_open and not out of the first write. */
static int
tls_start(struct http_conn *c, const char *name, int timeout_ms)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char seed[32];
	int resume = 0, e;

	if (!c->have_sess && c->cache != NULL)
		session_from_cache(c, name);
	if (c->have_sess && strcmp(c->sess_name, name) == 0) {
		br_ssl_engine_set_session_parameters(eng, &c->sess);
		resume = 1;
	}
	c->have_sess = 0;
	/* BearSSL seeds itself from /dev/urandom; getrandom also works in a
	 * chroot without /dev. */
	if (getrandom(seed, sizeof seed, GRND_NONBLOCK) == (ssize_t)sizeof seed)
		br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
	explicit_bzero(seed, sizeof seed);
	if (!br_ssl_client_reset(&c->sc, name, resume)) {
		seterr_tls(c, br_ssl_engine_last_error(eng));
		return -1;
	}
	br_sslio_init(&c->ioc, eng, tls_low_read, c, tls_low_write, c);
	c->wait_ms = timeout_ms;
	if (br_sslio_flush(&c->ioc) == -1) {
		c->wait_ms = c->timeout_ms;
		e = br_ssl_engine_last_error(eng);
		return tls_fail(c, c->ioerr || e == BR_ERR_OK ||
		    e == BR_ERR_IO ? "TLS handshake" : NULL);
	}
	c->wait_ms = c->timeout_ms;
	br_ssl_engine_get_session_parameters(eng, &c->sess);
	memcpy(c->sess_name, name, strlen(name) + 1);
	c->have_sess = 1;
	if (c->cache != NULL) {
		pthread_mutex_lock(&c->cache->lock);
		c->cache->sess = c->sess;
		memcpy(c->cache->name, c->sess_name, sizeof c->cache->name);
		c->cache->have = 1;
		pthread_mutex_unlock(&c->cache->lock);
	}
	return 0;
}

static int
tcp_connect(struct http_conn *c, const char *host, const char *port,
    int timeout_ms)
{
	struct addrinfo hints, *res, *ai;
	int rc, e, fd = -1;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		seterr(c, "%s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		fd = connect_one(c, ai, timeout_ms);
		if (fd == -1 && errno == ECANCELED) {
			c->cancelled = 1;
			seterr_kind(c, HTTP_FAIL_CANCELLED, "cancelled");
			break;
		}
		if (fd == -1) {
			e = errno;
			seterr(c, "connect to %s port %s: %s", host, port,
			    e == ETIMEDOUT ? "connect timeout" :
			    e == ETIME ? "request deadline passed" :
			    strerror(e));
			c->fail = e == ETIMEDOUT ? HTTP_FAIL_TIMEOUT :
			    e == ETIME ? HTTP_FAIL_DEADLINE : HTTP_FAIL_OTHER;
		}
	}
	freeaddrinfo(res);
	if (fd == -1)
		return -1;
	c->fd = fd;
	return 0;
}

/* Returns a connected non-blocking socket, or -1 with errno set
 * (ETIMEDOUT when timeout_ms passed, ETIME at the deadline, ECANCELED). */
static int
connect_one(struct http_conn *c, const struct addrinfo *ai, int timeout_ms)
{
	int fd, one = 1, e;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, ai->ai_protocol);
	if (fd == -1)
		return -1;
	/* EINTR on a non-blocking connect: it goes on in the background. */
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    ((errno != EINPROGRESS && errno != EINTR) ||
	    wait_connect(c, fd, timeout_ms) == -1))
		goto fail;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	(void)close(fd);	/* never connected: nothing to lose */
	errno = e;
	return -1;
}

static long long
now_ms(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail on Linux. */
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The earlier of now + ms (ms <= 0: none) and the deadline; -1: none.
 * *dead tells which. */
static long long
wait_end(const struct http_conn *c, int ms, int *dead)
{
	long long end = ms > 0 ? now_ms() + ms : -1;

	*dead = 0;
	if (c->deadline > 0 && (end < 0 || c->deadline < end)) {
		end = c->deadline;
		*dead = 1;
	}
	return end;
}

/* Polls fd for events and the cancel fd until end (-1: no end). 1: fd is
 * ready; 0: end came (errno ETIMEDOUT); -1: cancelled (errno ECANCELED),
 * or poll failed. */
static int
wait_fd(const struct http_conn *c, int fd, short events, long long end)
{
	struct pollfd p[2];
	long long left;
	int n;

	p[0].fd = fd;
	p[0].events = events;
	p[1].fd = c->cancel_fd > 0 ? c->cancel_fd : -1;
	p[1].events = POLLIN;
	for (;;) {
		p[0].revents = p[1].revents = 0;
		left = end < 0 ? -1 : end - now_ms();
		if (end >= 0 && left < 0)
			left = 0;
		n = poll(p, 2, left > INT_MAX ? INT_MAX : (int)left);
		if (n == -1 && errno != EINTR)
			return -1;
		if (n > 0 && p[1].revents != 0) {
			errno = ECANCELED;
			return -1;
		}
		if (n > 0)
			return 1;
		if (end >= 0 && now_ms() >= end) {
			errno = ETIMEDOUT;
			return 0;
		}
	}
}

static int
wait_connect(struct http_conn *c, int fd, int timeout_ms)
{
	socklen_t sl;
	long long end;
	int dead, n, soerr;

	end = wait_end(c, timeout_ms, &dead);
	if ((n = wait_fd(c, fd, POLLOUT, end)) <= 0) {
		if (n == 0 && dead)
			errno = ETIME;
		return -1;
	}
	sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

/* A socket call would block: waits for events within the timeout, the
 * deadline and until the cancel fd is readable. 0, or -1 with the
 * message set; dir is "read" or "write". */
static int
wait_io(struct http_conn *c, short events, const char *dir)
{
	long long end;
	int dead, n;

	end = wait_end(c, c->wait_ms, &dead);
	if ((n = wait_fd(c, c->fd, events, end)) > 0)
		return 0;
	c->ioerr = 1;
	if (n == 0 && dead)
		seterr_kind(c, HTTP_FAIL_DEADLINE, "request deadline passed");
	else if (n == 0) {
		seterr(c, "%s timeout", dir);
		c->fail = HTTP_FAIL_TIMEOUT;
	} else if (errno == ECANCELED) {
		c->cancelled = 1;
		seterr_kind(c, HTTP_FAIL_CANCELLED, "cancelled");
	} else
		seterr(c, "poll: %s", strerror(errno));
	return -1;
}

/* 1 when fd (> 0) is readable within ms (0: now), else 0. */
static int
fd_readable(int fd, int ms)
{
	struct pollfd p;
	long long end = now_ms() + ms, left = ms;
	int n;

	if (fd <= 0) {
		p.fd = -1;
		p.events = 0;
	} else {
		p.fd = fd;
		p.events = POLLIN;
	}
	for (;;) {
		p.revents = 0;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 1;
		left = end - now_ms();
		if (n == 0 || left <= 0 || (n == -1 && errno != EINTR))
			return 0;
	}
}

int
http_sleep(int cancel_fd, int ms)
{
	return fd_readable(cancel_fd, ms < 0 ? 0 : ms) ? -1 : 0;
}

int
http_fd_cancelled(int cancel_fd)
{
	return cancel_fd > 0 && fd_readable(cancel_fd, 0);
}

long long
http_now_ms(void)
{
	return now_ms();
}

void
http_conn_set_cancel(struct http_conn *c, int cancel_fd)
{
	c->cancel_fd = cancel_fd;
}

void
http_conn_set_deadline(struct http_conn *c, long long at_ms)
{
	c->deadline = at_ms > 0 ? at_ms : 0;
}

int
http_cancelled(const struct http_conn *c)
{
	return c->cancelled;
}

void
http_conn_set_timeout(struct http_conn *c, int timeout_ms)
{
	c->timeout_ms = c->wait_ms = timeout_ms;
}

int
http_conn_is_open(const struct http_conn *c)
{
	return c->fd != -1 && !c->werr;
}

/* A TLS connection still in good shape gets a close_notify, sent without
 * waiting: the server owes us nothing more. */
void
http_conn_close(struct http_conn *c)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *rec;
	size_t len;

	if (c->fd == -1)
		return;
	if (c->ta != NULL && !c->failed &&
	    !(br_ssl_engine_current_state(eng) & BR_SSL_CLOSED)) {
		br_ssl_engine_close(eng);
		rec = br_ssl_engine_sendrec_buf(eng, &len);
		if (rec != NULL)	/* best effort: ignore the result */
			(void)send(c->fd, rec, len,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	(void)close(c->fd);	/* a socket: nothing buffered to lose */
	c->fd = -1;
	c->failed = 0;
	c->rpos = c->rlen = c->wlen = 0;
}

/* Closes after an error, keeping the message for http_error. */
static void
conn_fail(struct http_conn *c)
{
	if (c->fd != -1) {
		(void)close(c->fd);	/* abandoned: no close_notify */
		c->fd = -1;
	}
	c->failed = 1;
	c->rpos = c->rlen = c->wlen = 0;
}

static int
can_read(struct http_conn *c)
{
	if (c->fd != -1)
		return 0;
	if (!c->failed)
		seterr(c, "not connected");
	return -1;
}

/* Errors are sticky: after the first, writes fail with its message. */
static int
can_write(struct http_conn *c)
{
	if (can_read(c) == -1 || c->werr)
		return -1;
	return 0;
}

/*
 * Transport.
 */

/* >0 bytes read, 0 at end of stream, -1 with the message set. */
static ssize_t
sock_recv(struct http_conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (len > HTTP_MAXIO)
		len = HTTP_MAXIO;
	for (;;) {
		n = recv(c->fd, buf, len, 0);
		if (n >= 0 || (errno != EINTR && errno != EAGAIN &&
		    errno != EWOULDBLOCK))
			break;
		if (errno != EINTR && wait_io(c, POLLIN, "read") == -1)
			return -1;
	}
	if (n == 0)
		c->eof = 1;
	else if (n == -1)
		seterr_io(c, errno, "read");
	return n;
}

/* MSG_NOSIGNAL: a peer gone away is EPIPE, not a SIGPIPE for the daemon. */
static int
sock_send(struct http_conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = send(c->fd, p, len > HTTP_MAXIO ? HTTP_MAXIO : len,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_io(c, POLLOUT, "write") == -1)
				return -1;
			continue;
		}
		if (n == -1) {
			seterr_io(c, errno, "write");
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* br_sslio callbacks: len is below 20000, end of stream is an error. */
static int
tls_low_read(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n;

	if (gather_flush(ctx) == -1)
		return -1;
	n = sock_recv(ctx, buf, len);
	return n > 0 ? (int)n : -1;
}

/* The records gathered so far, in one send. */
static int
gather_flush(struct http_conn *c)
{
	size_t len = c->gather_len;

	c->gather_len = 0;
	return len > 0 ? sock_send(c, c->gather, len) : 0;
}

/* While a file body goes out, records are gathered and sent four at a
 * time: one send(2) of 64 KiB costs loopback TCP a third less system time
 * than four of 16 KiB. What is gathered goes out before any read. */
static int
tls_low_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct http_conn *c = ctx;
	ssize_t n;

	if (c->gathering && len <= TLS_GATHER) {
		if (c->gather_len + len > TLS_GATHER && gather_flush(c) == -1)
			return -1;
		memcpy(c->gather + c->gather_len, buf, len);
		c->gather_len += len;
		return (int)len;
	}
	for (;;) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		if (wait_io(c, POLLOUT, "write") == -1)
			return -1;
	}
	seterr_io(c, errno, "write");
	return -1;
}

/* >0 bytes, 0 at the end of the stream, -1 on error. For TLS the end is a
 * close_notify, or a TCP close, which is marked unclean: a truncation. */
static ssize_t
conn_recv(struct http_conn *c, void *buf, size_t len)
{
	int n, e;

	if (can_read(c) == -1)
		return -1;
	if (c->ta == NULL)
		return sock_recv(c, buf, len);
	if ((n = br_sslio_read(&c->ioc, buf, len)) > 0)
		return n;
	e = br_ssl_engine_last_error(&c->sc.eng);
	if (c->ioerr)
		return -1;
	if (e == BR_ERR_OK)
		return 0;
	if (e == BR_ERR_IO && c->eof) {
		c->tls_unclean = 1;
		return 0;
	}
	seterr_tls(c, e);
	return -1;
}

static ssize_t
fill(struct http_conn *c)
{
	ssize_t n;

	c->rpos = c->rlen = 0;
	if ((n = conn_recv(c, c->rbuf, sizeof c->rbuf)) > 0)
		c->rlen = (size_t)n;
	return n;
}

/* Buffered bytes first; a large read with nothing buffered goes straight
 * into the caller's buffer. */
static ssize_t
read_some(struct http_conn *c, void *buf, size_t len)
{
	ssize_t n;
	size_t k;

	if (c->rpos == c->rlen) {
		if (len >= sizeof c->rbuf)
			return conn_recv(c, buf, len);
		if ((n = fill(c)) <= 0)
			return n;
	}
	k = c->rlen - c->rpos;
	if (k > len)
		k = len;
	memcpy(buf, c->rbuf + c->rpos, k);
	c->rpos += k;
	return (ssize_t)k;
}

/* One byte, or -1; the end of the stream is an error in `where'. */
static int
getbyte(struct http_conn *c, const char *where)
{
	ssize_t n;

	if (c->rpos == c->rlen) {
		if ((n = fill(c)) == -1)
			return -1;
		if (n == 0) {
			seterr(c, "connection closed in %s", where);
			c->fail = HTTP_FAIL_CLOSED;
			return -1;
		}
	}
	return c->rbuf[c->rpos++];
}

/*
 * Writing.
 */

/* The request cannot be completed; the server may still have answered,
 * so the socket stays open for http_read_head. */
static int
write_fail(struct http_conn *c)
{
	c->werr = 1;
	c->wlen = 0;
	return -1;
}

int
http_write(struct http_conn *c, const void *buf, size_t len)
{
	if (can_write(c) == -1)
		return -1;
	if (len == 0)
		return 0;
	if (c->ta != NULL) {
		if (br_sslio_write_all(&c->ioc, buf, len) == -1) {
			tls_fail(c, NULL);
			return write_fail(c);
		}
		return 0;
	}
	if (len > sizeof c->wbuf - c->wlen) {
		if (tcp_flush(c) == -1)
			return -1;
		if (len >= sizeof c->wbuf)
			return sock_send(c, buf, len) == -1 ? write_fail(c) : 0;
	}
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	return 0;
}

static int
tcp_flush(struct http_conn *c)
{
	size_t len = c->wlen;

	c->wlen = 0;
	if (sock_send(c, c->wbuf, len) == -1)
		return write_fail(c);
	return 0;
}

int
http_flush(struct http_conn *c)
{
	if (can_write(c) == -1)
		return -1;
	if (c->ta == NULL)
		return tcp_flush(c);
	if (br_sslio_flush(&c->ioc) == -1) {
		tls_fail(c, NULL);
		return write_fail(c);
	}
	return 0;
}

int
http_write_fd(struct http_conn *c, int fd, off_t off, off_t len)
{
	if (can_write(c) == -1)
		return -1;
	if (off < 0 || len < 0) {
		seterr(c, "bad file range");
		return -1;
	}
	if (c->ta != NULL)
		return tls_sendfile(c, fd, off, len);
	if (tcp_flush(c) == -1)
		return -1;
	return tcp_sendfile(c, fd, off, len);
}

/* sendfile(2) has no MSG_NOSIGNAL: SIGPIPE is blocked in this thread around
 * it, and one it raised is taken back (unless one was already pending), as
 * libpq does. */
static void
sigpipe_block(sigset_t *old, int *pending)
{
	sigset_t set, pend;

	(void)sigemptyset(&set);	/* cannot fail for SIGPIPE */
	(void)sigaddset(&set, SIGPIPE);
	*pending = 0;
	/* Cannot fail with a valid `how'. */
	(void)pthread_sigmask(SIG_BLOCK, &set, old);
	if (sigismember(old, SIGPIPE) == 1 && sigpending(&pend) == 0)
		*pending = sigismember(&pend, SIGPIPE) == 1;
}

static void
sigpipe_restore(const sigset_t *old, int pending, int epipe)
{
	struct timespec zero = { 0, 0 };
	sigset_t set;
	int e = errno;

	if (epipe && !pending) {
		(void)sigemptyset(&set);
		(void)sigaddset(&set, SIGPIPE);
		while (sigtimedwait(&set, NULL, &zero) == -1 && errno == EINTR)
			;
	}
	(void)pthread_sigmask(SIG_SETMASK, old, NULL);
	errno = e;
}

static int
tcp_sendfile(struct http_conn *c, int fd, off_t off, off_t len)
{
	sigset_t old;
	ssize_t n;
	int pending, e;

	while (len > 0) {
		sigpipe_block(&old, &pending);
		n = sendfile(c->fd, fd, &off,
		    len > HTTP_MAXIO ? HTTP_MAXIO : (size_t)len);
		e = errno;
		sigpipe_restore(&old, pending, n == -1 && e == EPIPE);
		if (n > 0) {
			len -= n;
			continue;
		}
		if (n == 0) {
			seterr(c, "file shrank");
			conn_fail(c);	/* the request body is short */
			return -1;
		}
		if (e == EINTR)
			continue;
		if (e == EAGAIN || e == EWOULDBLOCK) {
			if (wait_io(c, POLLOUT, "write") == -1)
				return write_fail(c);
			continue;
		}
		if (e == EINVAL || e == ENOSYS)	/* fd cannot be mmap'd */
			return tcp_copyfile(c, fd, off, len);
		if (e == ECONNRESET || e == EPIPE) {
			seterr_io(c, e, "write");
			return write_fail(c);
		}
		/* Most likely the file (EIO): the request body is short. */
		seterr(c, "sendfile: %s", strerror(e));
		conn_fail(c);
		return -1;
	}
	return 0;
}

/* Bytes of the body file at off: n > 0, or -1 with the connection failed
 * ("file shrank" when the file ends before off + want). */
static ssize_t
read_file(struct http_conn *c, int fd, void *buf, size_t want, off_t off)
{
	ssize_t n;

	do
		n = pread(fd, buf, want, off);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == 0)
		seterr(c, "file shrank");
	else
		seterr(c, "read file: %s", strerror(errno));
	conn_fail(c);
	return -1;
}

/* sendfile's fallback for files it cannot read: pread through wbuf. */
static int
tcp_copyfile(struct http_conn *c, int fd, off_t off, off_t len)
{
	ssize_t n;
	size_t want;

	while (len > 0) {
		want = len > (off_t)sizeof c->wbuf ? sizeof c->wbuf :
		    (size_t)len;
		if ((n = read_file(c, fd, c->wbuf, want, off)) == -1)
			return -1;
		if (sock_send(c, c->wbuf, (size_t)n) == -1)
			return write_fail(c);
		off += n;
		len -= n;
	}
	return 0;
}

/* While a body of several records goes out, the kernel holds the records
 * until a whole segment is full (64 KiB on loopback: a third of the
 * packets of a 1 GiB upload, counted in /proc/net/snmp, and of the CPU
 * each packet costs both ends). Uncorking sends what is held, and the last
 * record is written after it, so nothing waits. Best effort: without it
 * the records go out one by one, as before. */
static void
cork(struct http_conn *c, int on)
{
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &on, sizeof on);
}

/* pread straight into the engine's plaintext buffer: no copy besides the
 * encryption. A full buffer becomes a record; br_sslio_flush sends it. */
static int
tls_sendfile(struct http_conn *c, int fd, off_t off, off_t len)
{
	int rc;

	if (len <= TLS_RECORD)		/* one record: nothing to gather */
		return tls_sendfile_records(c, fd, off, len);
	cork(c, 1);
	c->gathering = 1;
	rc = tls_sendfile_records(c, fd, off, len);
	c->gathering = 0;
	if (gather_flush(c) == -1 && rc == 0)
		rc = write_fail(c);
	cork(c, 0);
	return rc;
}

static int
tls_sendfile_records(struct http_conn *c, int fd, off_t off, off_t len)
{
	br_ssl_engine_context *eng = &c->sc.eng;
	unsigned char *buf;
	size_t avail;
	ssize_t n;

	while (len > 0) {
		if ((buf = br_ssl_engine_sendapp_buf(eng, &avail)) == NULL) {
			if (br_sslio_flush(&c->ioc) == -1) {
				tls_fail(c, NULL);
				return write_fail(c);
			}
			buf = br_ssl_engine_sendapp_buf(eng, &avail);
			if (buf == NULL) {
				seterr(c, "TLS: engine not ready to send");
				return write_fail(c);
			}
		}
		if ((off_t)avail > len)
			avail = (size_t)len;
		if ((n = read_file(c, fd, buf, avail, off)) == -1)
			return -1;
		br_ssl_engine_sendapp_ack(eng, (size_t)n);
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Response head.
 */


int
http_read_head(struct http_conn *c, struct http_response *r, int no_body)
{
	size_t total = 0, hlen;
	int minor;

	memset(r, 0, sizeof *r);
	r->content_length = -1;
	if (can_read(c) == -1)
		goto fail;
	/* The request may sit in a buffer; a failed flush leaves the answer
	 * readable (werr), so go on. */
	if (!c->werr && (c->ta != NULL || c->wlen > 0))
		(void)http_flush(c);
	for (;;) {
		if (read_head(c, r, &total, &hlen) == -1 ||
		    parse_head(c, r, hlen, &minor) == -1)
			goto fail;
		if (r->status >= 200)
			break;
		if (r->status == 101) {
			seterr(c, "unexpected 101 Switching Protocols");
			goto fail;
		}
		http_response_free(r);	/* 1xx: interim, the real one follows */
	}
	if (frame_body(c, r, minor, no_body) == -1)
		goto fail;
	if (r->body_state == BODY_DONE && body_end(c, r) == -1)
		goto fail;
	return 0;
fail:
	http_response_free(r);
	r->body_state = BODY_FAILED;
	conn_fail(c);
	return -1;
}

/* Copies the head up to and including its empty line into r->store.
 * *total counts every head byte of this response, 1xx ones included. */
static int
read_head(struct http_conn *c, struct http_response *r, size_t *total,
    size_t *hlen)
{
	size_t len = 0, cap = 0, line = 0, take, ll;
	unsigned char *p, *nl;
	char ex[48], *grown;
	ssize_t n;

	for (;;) {
		if (c->rpos == c->rlen) {
			if ((n = fill(c)) == -1)
				return -1;
			if (n == 0) {
				seterr_kind(c, HTTP_FAIL_CLOSED, len == 0 ?
				    "connection closed by server" :
				    "connection closed in response head");
				return -1;
			}
		}
		p = c->rbuf + c->rpos;
		nl = memchr(p, '\n', c->rlen - c->rpos);
		take = nl != NULL ? (size_t)(nl - p) + 1 : c->rlen - c->rpos;
		if (take > HTTP_MAX_HEAD - *total) {
			seterr(c, "response head too large");
			return -1;
		}
		if ((grown = array_grow(r->store, &cap, len + take + 1, 1)) ==
		    NULL) {
			seterr(c, "out of memory");
			return -1;
		}
		r->store = grown;
		memcpy(r->store + len, p, take);
		len += take;
		c->rpos += take;
		*total += take;
		if (nl == NULL)
			continue;
		ll = len - line;
		if (ll == 1 || (ll == 2 && r->store[line] == '\r')) {
			if (line == 0) {
				len = 0;	/* stray CRLF before status */
				continue;
			}
			r->store[len] = '\0';
			*hlen = len;
			return 0;
		}
		/* A peer that is no HTTP server (an SSH banner) fails now,
		 * not after the read timeout; parse_status checks the rest. */
		if (line == 0 && (ll < 8 || memcmp(r->store, "HTTP/1.", 7))) {
			r->store[len] = '\0';
			excerpt(ex, sizeof ex, r->store);
			seterr(c, "malformed status line \"%s\"", ex);
			return -1;
		}
		line = len;
	}
}

/* Splits r->store in place into the status and the header fields, then
 * checks the fields framing depends on. */
static int
parse_head(struct http_conn *c, struct http_response *r, size_t hlen,
    int *minor)
{
	char *s = r->store, *line;
	size_t nlines = 0, i;

	if (memchr(s, '\0', hlen) != NULL) {
		seterr(c, "NUL byte in response head");
		return -1;
	}
	for (i = 0; i < hlen; i++)
		nlines += s[i] == '\n';
	line = cut_line(&s);
	if (parse_status(c, r, line, minor) == -1)
		return -1;
	/* nlines counts the status and the empty line too: enough. */
	if ((r->fields = calloc(nlines, sizeof *r->fields)) == NULL) {
		seterr(c, "out of memory");
		return -1;
	}
	while ((line = cut_line(&s)) != NULL && *line != '\0')
		if (parse_field(c, line, &r->fields[r->nfields++]) == -1)
			return -1;
	return 0;
}

/* The next LF-terminated line of *s, without its CR LF. */
static char *
cut_line(char **s)
{
	char *l = *s, *nl;

	if ((nl = strchr(l, '\n')) == NULL)
		return NULL;
	*nl = '\0';
	if (nl > l && nl[-1] == '\r')
		nl[-1] = '\0';
	*s = nl + 1;
	return l;
}

/* "HTTP/1.x NNN reason": only HTTP/1 is spoken here. */
static int
parse_status(struct http_conn *c, struct http_response *r, const char *l,
    int *minor)
{
	char ex[48];
	int i, st = 0;

	if (strncmp(l, "HTTP/1.", 7) != 0 || l[7] < '0' || l[7] > '9' ||
	    l[8] != ' ')
		goto bad;
	for (i = 9; i < 12; i++) {
		if (l[i] < '0' || l[i] > '9')
			goto bad;
		st = st * 10 + (l[i] - '0');
	}
	if ((l[12] != '\0' && l[12] != ' ') || st < 100 || st > 599 ||
	    strchr(l, '\r') != NULL)
		goto bad;
	*minor = l[7] - '0';
	r->status = st;
	return 0;
bad:
	excerpt(ex, sizeof ex, l);
	seterr(c, "malformed status line \"%s\"", ex);
	return -1;
}

static int
is_tchar(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* "name: value". A value continued on an indented line (obsolete folding)
 * is refused, like a name with white space before the colon. */
static int
parse_field(struct http_conn *c, char *line, struct http_header_field *f)
{
	char ex[48], *colon, *v, *e;

	excerpt(ex, sizeof ex, line);
	if (*line == ' ' || *line == '\t') {
		seterr(c, "folded header line \"%s\"", ex);
		return -1;
	}
	for (colon = line; is_tchar((unsigned char)*colon); colon++)
		;
	if (colon == line || *colon != ':' || strchr(colon, '\r') != NULL) {
		seterr(c, "malformed header line \"%s\"", ex);
		return -1;
	}
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	*e = '\0';
	f->name = line;
	f->value = v;
	return 0;
}

/* A plain non-negative decimal: no sign, no space, no list, no overflow. */
static int
parse_length(const char *s, long long *out)
{
	long long v = 0;
	int d;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (v > (LLONG_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Whether the comma-separated list v holds tok (case-insensitive). */
static int
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok), k;

	for (;;) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (*v == '\0')
			return 0;
		for (k = 0; v[k] != '\0' && v[k] != ','; k++)
			;
		while (k > 0 && (v[k - 1] == ' ' || v[k - 1] == '\t'))
			k--;
		if (k == n && strncasecmp(v, tok, n) == 0)
			return 1;
		v += k;
		while (*v != '\0' && *v != ',')
			v++;
	}
}

/* Decides how the body ends (RFC 9112 6.3) and whether the connection
 * can carry another request. */
static int
frame_body(struct http_conn *c, struct http_response *r, int minor,
    int no_body)
{
	struct http_header_field *f;
	long long v;
	int cl = 0, ka = 0;
	size_t i;

	for (i = 0; i < r->nfields; i++) {
		f = &r->fields[i];
		if (strcasecmp(f->name, "Content-Length") == 0) {
			if (parse_length(f->value, &v) == -1) {
				seterr(c, "bad Content-Length");
				return -1;
			}
			if (r->content_length != -1 && r->content_length != v) {
				seterr(c, "conflicting Content-Length");
				return -1;
			}
			r->content_length = v;
		} else if (strcasecmp(f->name, "Transfer-Encoding") == 0) {
			/* No Accept-Encoding is sent: only chunked, once. */
			if (r->chunked ||
			    strcasecmp(f->value, "chunked") != 0) {
				seterr(c, "unsupported Transfer-Encoding");
				return -1;
			}
			r->chunked = 1;
		} else if (strcasecmp(f->name, "Connection") == 0) {
			cl |= has_token(f->value, "close");
			ka |= has_token(f->value, "keep-alive");
		}
	}
	r->keep_alive = !cl && (minor >= 1 || ka);
	if (c->werr)	/* the request was not sent whole */
		r->keep_alive = 0;
	if (r->chunked && r->content_length != -1) {
		/* Chunked wins; the pair smells of request smuggling. */
		r->content_length = -1;
		r->keep_alive = 0;
	}
	if (no_body || r->status == 204 || r->status == 304)
		r->body_state = BODY_DONE;
	else if (r->chunked)
		r->body_state = BODY_CHUNK_SIZE;
	else if (r->content_length != -1) {
		r->body_state = r->content_length > 0 ? BODY_LENGTH : BODY_DONE;
		r->remaining = r->content_length;
	} else {
		r->body_state = BODY_CLOSE;
		r->keep_alive = 0;
	}
	return 0;
}

const char *
http_header(const struct http_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nfields; i++)
		if (strcasecmp(r->fields[i].name, name) == 0)
			return r->fields[i].value;
	return NULL;
}

void
http_response_free(struct http_response *r)
{
	free(r->fields);
	free(r->store);
	r->fields = NULL;
	r->store = NULL;
	r->nfields = 0;
}

/*
 * Response body.
 */

long
http_read_body(struct http_conn *c, struct http_response *r, void *buf,
    size_t cap)
{
	long n;

	if (cap == 0) {
		seterr(c, "http_read_body: no room");
		return -1;
	}
	if (cap > HTTP_MAXIO)
		cap = HTTP_MAXIO;
	for (;;) {
		switch (r->body_state) {
		case BODY_DONE:
			return 0;
		case BODY_CHUNK_SIZE:
			if (chunk_size(c, r) == -1)
				return body_fail(c, r);
			break;
		case BODY_LENGTH:
		case BODY_CHUNK_DATA:
		case BODY_CLOSE:
			/* 0: the state moved on, go round again */
			if ((n = body_data(c, r, buf, cap)) != 0)
				return n;
			break;
		default:
			if (can_read(c) == 0)
				seterr(c, "response body already failed");
			return -1;
		}
	}
}

static long
body_data(struct http_conn *c, struct http_response *r, void *buf,
    size_t cap)
{
	ssize_t n;
	int ch;

	if (r->body_state != BODY_CLOSE) {
		if (r->remaining == 0 && r->body_state == BODY_LENGTH)
			return body_end(c, r);
		if (r->remaining == 0) {
			/* the CRLF closing chunk data */
			if ((ch = getbyte(c, "chunked body")) == '\r')
				ch = getbyte(c, "chunked body");
			if (ch != '\n') {
				if (ch != -1)
					seterr(c, "missing CRLF after chunk");
				return body_fail(c, r);
			}
			r->body_state = BODY_CHUNK_SIZE;
			return 0;
		}
		if ((long long)cap > r->remaining)
			cap = (size_t)r->remaining;
	}
	if ((n = read_some(c, buf, cap)) > 0) {
		if (r->body_state != BODY_CLOSE)
			r->remaining -= n;
		return (long)n;
	}
	if (n == -1)
		return body_fail(c, r);
	if (r->body_state != BODY_CLOSE) {
		seterr_kind(c, HTTP_FAIL_CLOSED,
		    "connection closed in response body");
		return body_fail(c, r);
	}
	if (c->tls_unclean) {
		seterr_kind(c, HTTP_FAIL_CLOSED, "TLS: connection closed "
		    "without close_notify (response truncated?)");
		return body_fail(c, r);
	}
	return body_end(c, r);
}

/* chunk-size [ BWS ";" chunk-ext ] CRLF, read byte by byte: no line
 * buffer for a server to overflow. A size of 0 ends the body. */
static int
chunk_size(struct http_conn *c, struct http_response *r)
{
	long long v = 0;
	size_t ll, budget = HTTP_MAX_HEAD;
	int ch, d, ndig = 0;

	for (;;) {
		if ((ch = getbyte(c, "chunked body")) == -1)
			return -1;
		if ((d = hex_value(ch)) == -1)
			break;
		if (v > LLONG_MAX >> 4) {
			seterr(c, "chunk size too large");
			return -1;
		}
		v = v << 4 | d;
		ndig++;
	}
	while (ch == ' ' || ch == '\t')
		if ((ch = getbyte(c, "chunked body")) == -1)
			return -1;
	if (ch == ';') {
		if (skip_line(c, &ll, &budget) == -1)	/* extensions */
			return -1;
	} else if (ch == '\r') {
		if ((ch = getbyte(c, "chunked body")) == -1)
			return -1;
	}
	if (ndig == 0 || (ch != ';' && ch != '\n')) {
		seterr(c, "bad chunk size");
		return -1;
	}
	if (v == 0)
		return skip_trailers(c) == -1 ? -1 : body_end(c, r);
	r->remaining = v;
	r->body_state = BODY_CHUNK_DATA;
	return 0;
}

/* Consumes a line through its LF; *len is its length without CR LF.
 * *budget bounds what a server can make us read. */
static int
skip_line(struct http_conn *c, size_t *len, size_t *budget)
{
	size_t n = 0;
	int ch, cr = 0;

	for (;;) {
		if (*budget == 0) {
			seterr(c, "chunk line or trailers too long");
			return -1;
		}
		(*budget)--;
		if ((ch = getbyte(c, "chunked body")) == -1)
			return -1;
		if (ch == '\n')
			break;
		cr = ch == '\r';
		n++;
	}
	*len = cr ? n - 1 : n;
	return 0;
}

/* Trailer fields are not needed: skip them through the empty line. */
static int
skip_trailers(struct http_conn *c)
{
	size_t len, budget = HTTP_MAX_HEAD;

	do
		if (skip_line(c, &len, &budget) == -1)
			return -1;
	while (len > 0);
	return 0;
}

/* The body is complete: the connection is reusable or gets closed. */
static int
body_end(struct http_conn *c, struct http_response *r)
{
	r->body_state = BODY_DONE;
	r->remaining = 0;
	if (!r->keep_alive)
		http_conn_close(c);
	return 0;
}

/* The rest of the body cannot be found any more: drop the connection. */
static int
body_fail(struct http_conn *c, struct http_response *r)
{
	r->body_state = BODY_FAILED;
	conn_fail(c);
	return -1;
}

int
http_read_body_all(struct http_conn *c, struct http_response *r, char **out,
    size_t *outlen, size_t max)
{
	char *buf = NULL, *grown;
	size_t len = 0, cap = 0, room, limit;
	long n;

	*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	/* Reading one byte past max tells a body that is too large. */
	limit = max < SIZE_MAX - 1 ? max + 1 : SIZE_MAX - 1;
	if (r->body_state == BODY_LENGTH && (unsigned long long)r->remaining >
	    (unsigned long long)max)
		goto toolarge;
	if (r->body_state == BODY_LENGTH)
		cap = (size_t)r->remaining + 1;
	else
		cap = r->body_state == BODY_DONE ? 1 : 4096;
	if ((buf = malloc(cap)) == NULL)
		goto oom;
	for (;;) {
		if (len + 1 == cap) {
			if ((grown = array_grow(buf, &cap, cap + 1, 1)) == NULL)
				goto oom;
			buf = grown;
		}
		room = cap - 1 - len;
		if (room > limit - len)
			room = limit - len;
		if ((n = http_read_body(c, r, buf + len, room)) == -1) {
			free(buf);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(buf);
			goto toolarge;
		}
	}
	buf[len] = '\0';
	*out = buf;
	if (outlen != NULL)
		*outlen = len;
	return 0;
toolarge:
	seterr(c, "response body too large");
	return body_fail(c, r);
oom:
	free(buf);
	seterr(c, "out of memory");
	return body_fail(c, r);
}

/* ---- URLs ---- */

int
http_parse_url(const char *url, struct http_url *u)
{
	const char *p, *end, *colon, *host;
	size_t hlen, plen;

	memset(u, 0, sizeof(*u));
	if (strncmp(url, "https://", 8) == 0)
		u->tls = 1;
	else if (strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + (u->tls ? 8 : 7);
	end = p + strcspn(p, "/?#");
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL)
			return -1;
		host = p + 1;
		hlen = (size_t)(rb - host);
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return -1;
	} else {
		host = p;
		colon = memchr(p, ':', (size_t)(end - p));
		hlen = (size_t)((colon ? colon : end) - p);
	}
	if (hlen == 0 || hlen >= sizeof(u->host))
		return -1;
	memcpy(u->host, host, hlen);
	/* The host goes into the Host header: no byte that could end it. */
	if (strspn(u->host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%") != hlen)
		return -1;
	if (colon != NULL) {
		size_t n = (size_t)(end - colon - 1);

		if (n == 0 || n >= sizeof(u->port) ||
		    strspn(colon + 1, "0123456789") < n)
			return -1;
		memcpy(u->port, colon + 1, n);
		if (atoi(u->port) < 1 || atoi(u->port) > 65535)
			return -1;
	} else
		strcpy(u->port, u->tls ? "443" : "80");
	if (*end == '#')
		return -1;
	plen = strlen(end);
	if (plen + 2 > sizeof(u->path) || strpbrk(end, " \r\n") != NULL)
		return -1;
	if (*end != '/')
		u->path[0] = '/';
	strcat(u->path, end);
	return 0;
}
