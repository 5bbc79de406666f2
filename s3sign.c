/* s3sign.c: AWS Signature Version 4 for S3 requests signed in the header.
 * Pure: canonical request, string to sign and signature of a request struct. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "s3sign.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"
/* CredentialScope: <yyyymmdd>/<region>/<service>/aws4_request; the date is
 * the first eight characters of x-amz-date. */
#define SCOPE_FMT	"%.8s/%s/%s/aws4_request"

/* One query parameter, pointing into the caller's query string. */
struct qparam {
	const char	*name;
	size_t		 namelen;
	const char	*value;
	size_t		 valuelen;
};

/* One header in canonical form; order keeps repeated names in the order
 * they were given, since qsort is not stable. */
struct canon_header {
	const char	*name;
	const char	*value;
	size_t		 order;
};

static char	*strfmt(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 bytes_cmp(const char *, size_t, const char *, size_t);
static int	 qparam_cmp(const void *, const void *);
static char	*canonical_query(const char *);
static int	 is_space(char);
static char	*lower_copy(char *, const char *);
static char	*trimall_copy(char *, const char *);
static int	 canon_header_cmp(const void *, const void *);
static int	 canonical_headers(const struct sigv4_header *, size_t,
		    char **, char **);
static char	*canonical_request(const struct sigv4_request *, char **);
static char	*string_to_sign(const struct sigv4_request *, char **);
static void	 hmac_sha256(unsigned char[32], const void *, size_t,
		    const void *, size_t);
static int	 signature(const struct sigv4_request *, const char *,
		    char[65]);

void
sigv4_amz_date(time_t t, char out[17])
{
	struct tm tm;

	/* Years outside 1000-9999 do not fit the format; give "" rather
	 * than a date S3 would misread. */
	if (gmtime_r(&t, &tm) == NULL ||
	    snprintf(out, 17, "%04d%02d%02dT%02d%02d%02dZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 16)
		out[0] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	br_sha256_context sc;
	unsigned char hash[br_sha256_SIZE];

	br_sha256_init(&sc);
	br_sha256_update(&sc, data, len);
	br_sha256_out(&sc, hash);
	hex_encode(hash, sizeof(hash), out);
}

char *
sigv4_canonical_request(const struct sigv4_request *req)
{
	return canonical_request(req, NULL);
}

char *
sigv4_string_to_sign(const struct sigv4_request *req)
{
	return string_to_sign(req, NULL);
}

char *
sigv4_authorization(const struct sigv4_request *req)
{
	char *sts, *signed_headers, *auth = NULL;
	char sig[65];

	if ((sts = string_to_sign(req, &signed_headers)) == NULL)
		return NULL;
	if (signature(req, sts, sig) == 0)
		auth = strfmt(SIGV4_ALGORITHM " Credential=%s/" SCOPE_FMT
		    ",SignedHeaders=%s,Signature=%s", req->access_key,
		    req->amz_date, req->region, req->service, signed_headers,
		    sig);
	free(sts);
	free(signed_headers);
	return auth;
}

/*
 * Task 1: the canonical request. When signedp is not NULL it also receives
 * the SignedHeaders list, which the Authorization header repeats.
 */
static char *
canonical_request(const struct sigv4_request *req, char **signedp)
{
	char *query, *headers = NULL, *signed_headers = NULL, *cr = NULL;
	const char *uri = req->canonical_uri;

	/* S3 signs the path as sent, without normalisation; only an empty
	 * path stands for "/". */
	if (uri == NULL || uri[0] == '\0')
		uri = "/";
	if ((query = canonical_query(req->query)) != NULL &&
	    canonical_headers(req->headers, req->nheaders, &headers,
	    &signed_headers) == 0)
		cr = strfmt("%s\n"	/* HTTPRequestMethod */
		    "%s\n"		/* CanonicalURI */
		    "%s\n"		/* CanonicalQueryString */
		    "%s\n"		/* CanonicalHeaders (lines end in \n) */
		    "%s\n"		/* SignedHeaders */
		    "%s",		/* HashedPayload */
		    req->method, uri, query, headers, signed_headers,
		    req->payload_hash);
	free(query);
	free_secret(headers);	/* a token's, a customer key's value */
	if (cr != NULL && signedp != NULL)
		*signedp = signed_headers;
	else
		free(signed_headers);
	return cr;
}

/* Task 2: the string to sign; signedp as for canonical_request. */
static char *
string_to_sign(const struct sigv4_request *req, char **signedp)
{
	char *cr, *sts;
	char crhash[65];

	if ((cr = canonical_request(req, signedp)) == NULL)
		return NULL;
	sigv4_sha256_hex(cr, strlen(cr), crhash);
	free_secret(cr);
	sts = strfmt(SIGV4_ALGORITHM "\n"	/* Algorithm */
	    "%s\n"				/* RequestDateTime */
	    SCOPE_FMT "\n"			/* CredentialScope */
	    "%s",				/* HashedCanonicalRequest */
	    req->amz_date, req->amz_date, req->region, req->service, crhash);
	if (sts == NULL && signedp != NULL) {
		free(*signedp);
		*signedp = NULL;
	}
	return sts;
}

/* Task 3: the signing key, then the hex signature of sts into sig. */
static int
signature(const struct sigv4_request *req, const char *sts, char sig[65])
{
	unsigned char kdate[32], kregion[32], kservice[32], ksigning[32];
	unsigned char mac[32];
	char *ksecret;

	if ((ksecret = strfmt("AWS4%s", req->secret_key)) == NULL)
		return -1;
	hmac_sha256(kdate, ksecret, strlen(ksecret),
	    req->amz_date, strnlen(req->amz_date, 8));
	hmac_sha256(kregion, kdate, 32, req->region, strlen(req->region));
	hmac_sha256(kservice, kregion, 32, req->service, strlen(req->service));
	hmac_sha256(ksigning, kservice, 32, "aws4_request", 12);
	hmac_sha256(mac, ksigning, 32, sts, strlen(sts));
	hex_encode(mac, sizeof(mac), sig);

	/* The derived keys sign anything for the day: leave no copy on
	 * the heap or the stack. */
	explicit_bzero(ksecret, strlen(ksecret));
	free(ksecret);
	explicit_bzero(kdate, sizeof(kdate));
	explicit_bzero(kregion, sizeof(kregion));
	explicit_bzero(kservice, sizeof(kservice));
	explicit_bzero(ksigning, sizeof(ksigning));
	return 0;
}

static void
hmac_sha256(unsigned char out[32], const void *key, size_t keylen,
    const void *msg, size_t msglen)
{
	br_hmac_key_context kc;
	br_hmac_context hc;

	br_hmac_key_init(&kc, &br_sha256_vtable, key, keylen);
	br_hmac_init(&hc, &kc, 0);
	br_hmac_update(&hc, msg, msglen);
	br_hmac_out(&hc, out);
	explicit_bzero(&kc, sizeof(kc));
	explicit_bzero(&hc, sizeof(hc));
}

/*
 * CanonicalQueryString: the parameters sorted by name, then by value, in
 * byte order, each written "name=value" (a bare "uploads" becomes
 * "uploads=") and joined by '&'. Names and values are signed as given: the
 * caller encoded them for the request line already. Empty pieces ("a&&b")
 * carry no parameter and are dropped.
 */
static char *
canonical_query(const char *query)
{
	struct buf b = { 0 };
	struct qparam *params;
	const char *p, *end, *eq;
	size_t n = 1, nparams = 0;

	if (query == NULL)
		query = "";
	for (p = query; *p != '\0'; p++)
		if (*p == '&')
			n++;
	if ((params = calloc(n, sizeof(*params))) == NULL)
		return NULL;

	for (p = query; *p != '\0'; p = *end == '&' ? end + 1 : end) {
		end = p + strcspn(p, "&");
		if (end == p)
			continue;
		params[nparams].name = p;
		if ((eq = memchr(p, '=', (size_t)(end - p))) != NULL) {
			params[nparams].namelen = (size_t)(eq - p);
			params[nparams].value = eq + 1;
			params[nparams].valuelen = (size_t)(end - eq - 1);
		} else {
			params[nparams].namelen = (size_t)(end - p);
			params[nparams].value = "";
			params[nparams].valuelen = 0;
		}
		nparams++;
	}
	/* Sorting "name=value" strings whole would be wrong: "a-b=1" sorts
	 * before "a=2" although name "a" sorts before "a-b". */
	qsort(params, nparams, sizeof(*params), qparam_cmp);

	for (size_t i = 0; i < nparams; i++) {
		if (i > 0)
			buf_add(&b, "&", 1);
		buf_add(&b, params[i].name, params[i].namelen);
		buf_add(&b, "=", 1);
		buf_add(&b, params[i].value, params[i].valuelen);
	}
	free(params);
	return buf_take(&b);
}

static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam *x = a, *y = b;
	int c;

	if ((c = bytes_cmp(x->name, x->namelen, y->name, y->namelen)) != 0)
		return c;
	return bytes_cmp(x->value, x->valuelen, y->value, y->valuelen);
}

/* Byte order (memcmp compares as unsigned char); a prefix sorts first. */
static int
bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	if ((c = memcmp(a, b, alen < blen ? alen : blen)) != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/*
 * CanonicalHeaders and SignedHeaders: names lower-cased and sorted, values
 * trimmed with inner white space collapsed. A name given twice is signed
 * once, its values joined by ',' in the order given, as the spec merges
 * repeated headers. Both strings are malloc'd; -1 when out of memory.
 */
static int
canonical_headers(const struct sigv4_header *hdrs, size_t nhdrs,
    char **headersp, char **signedp)
{
	struct buf hb = { 0 }, sb = { 0 };
	struct canon_header *ch;
	char *text, *t;
	size_t textlen = 0, namelen, valuelen;

	*headersp = *signedp = NULL;
	/* One block holds every lower-cased name and trimmed value; a
	 * trimmed value is never longer than the original. */
	for (size_t i = 0; i < nhdrs; i++) {
		namelen = strlen(hdrs[i].name);
		valuelen = strlen(hdrs[i].value);
		if (namelen > SIZE_MAX - 2 - valuelen ||
		    textlen > SIZE_MAX - 2 - valuelen - namelen)
			return -1;
		textlen += namelen + valuelen + 2;
	}
	if ((ch = calloc(nhdrs > 0 ? nhdrs : 1, sizeof(*ch))) == NULL)
		return -1;
	if ((text = malloc(textlen > 0 ? textlen : 1)) == NULL) {
		free(ch);
		return -1;
	}
	t = text;
	for (size_t i = 0; i < nhdrs; i++) {
		ch[i].name = t;
		t = lower_copy(t, hdrs[i].name) + 1;
		ch[i].value = t;
		t = trimall_copy(t, hdrs[i].value) + 1;
		ch[i].order = i;
	}
	qsort(ch, nhdrs, sizeof(*ch), canon_header_cmp);

	for (size_t i = 0; i < nhdrs; i++) {
		if (i > 0 && strcmp(ch[i].name, ch[i - 1].name) == 0) {
			buf_add(&hb, ",", 1);
			buf_adds(&hb, ch[i].value);
			continue;
		}
		if (i > 0) {
			buf_add(&hb, "\n", 1);
			buf_add(&sb, ";", 1);
		}
		buf_adds(&hb, ch[i].name);
		buf_add(&hb, ":", 1);
		buf_adds(&hb, ch[i].value);
		buf_adds(&sb, ch[i].name);
	}
	if (nhdrs > 0)
		buf_add(&hb, "\n", 1);
	free(ch);
	explicit_bzero(text, textlen > 0 ? textlen : 1);
	free(text);

	*headersp = buf_take(&hb);
	*signedp = buf_take(&sb);
	if (*headersp == NULL || *signedp == NULL) {
		free(*headersp);
		free(*signedp);
		*headersp = *signedp = NULL;
		return -1;
	}
	return 0;
}

static int
canon_header_cmp(const void *a, const void *b)
{
	const struct canon_header *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return (x->order > y->order) - (x->order < y->order);
}

/* Copies src with A-Z lowered (ASCII only, whatever the locale); returns
 * the NUL at the end of the copy. */
static char *
lower_copy(char *dst, const char *src)
{
	for (; *src != '\0'; src++)
		*dst++ = *src >= 'A' && *src <= 'Z' ? *src - 'A' + 'a' : *src;
	*dst = '\0';
	return dst;
}

/* The spec's Trimall: drops leading and trailing white space and turns each
 * inner run into one space. Returns the NUL at the end of the copy. */
static char *
trimall_copy(char *dst, const char *src)
{
	int gap = 0;

	while (is_space(*src))
		src++;
	for (; *src != '\0'; src++) {
		if (is_space(*src)) {
			gap = 1;
			continue;
		}
		if (gap)
			*dst++ = ' ';
		gap = 0;
		*dst++ = *src;
	}
	*dst = '\0';
	return dst;
}

/* The C locale's isspace(), without depending on the locale. */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' ||
	    c == '\f' || c == '\r';
}

/* A malloc'd sprintf, NULL when out of memory. */
static char *
strfmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : s;
}
