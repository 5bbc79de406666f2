/* fuzz_json.c: libFuzzer target for json.c: whatever the bytes, the writer
 * emits canonical Python 2 json.dumps text that decodes back to them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "listing.h"

/*
 * Input layout: byte 0 picks the writer.
 *   0: json_string of the rest;
 *   1: listing_write: the rest split at NUL bytes, the first piece is the
 *      directory, the others the names;
 *   2: json_stat: bytes 1-12 are uid, gid, mode, the rest split at the
 *      first NUL gives user and group (byte 0 of each: 'N' for none).
 * A small checker parses the output with the exact separators Python 2
 * writes, and every string must decode (surrogateescape for the \udcXX of
 * bytes that are not UTF-8) to the bytes that went in.
 */
#define MAX_NAMES 64

struct rd {
	const char *p, *end;
};

struct bytes {
	unsigned char *p;
	size_t len;
};

static int	lit(struct rd *, const char *);
static int	hex4(struct rd *, unsigned *);
static void	put_utf8(struct bytes *, unsigned long);
static int	escape(struct rd *, struct bytes *);
static int	string(struct rd *, struct bytes *);
static int	number(struct rd *, unsigned long long *);
static void	expect_string(struct rd *, const uint8_t *, size_t);
static void	fuzz_string(const uint8_t *, size_t);
static void	fuzz_listing(const uint8_t *, size_t);
static void	fuzz_stat(const uint8_t *, size_t);

static int
lit(struct rd *r, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
		return -1;
	r->p += n;
	return 0;
}

/* Four lower-case hex digits, as Python writes them. */
static int
hex4(struct rd *r, unsigned *v)
{
	int i;
	char c;

	if (r->end - r->p < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		c = *r->p++;
		if (c >= '0' && c <= '9')
			*v = *v << 4 | (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v = *v << 4 | (unsigned)(c - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static void
put_utf8(struct bytes *b, unsigned long cp)
{
	if (cp < 0x80)
		b->p[b->len++] = (unsigned char)cp;
	else if (cp < 0x800) {
		b->p[b->len++] = (unsigned char)(0xc0 | cp >> 6);
		b->p[b->len++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		b->p[b->len++] = (unsigned char)(0xe0 | cp >> 12);
		b->p[b->len++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b->p[b->len++] = (unsigned char)(0x80 | (cp & 0x3f));
	} else {
		b->p[b->len++] = (unsigned char)(0xf0 | cp >> 18);
		b->p[b->len++] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b->p[b->len++] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b->p[b->len++] = (unsigned char)(0x80 | (cp & 0x3f));
	}
}

/*
 * One escape after its backslash, decoded into b. Only the canonical form
 * is accepted: the short escapes where Python uses them, \u00XX for the
 * other controls and DEL, never \u for printable ASCII, surrogates only as
 * a high-low pair or as the \udc80-\udcff of a lone byte.
 */
static int
escape(struct rd *r, struct bytes *b)
{
	static const char shortesc[] = "\"\\bfnrt", shortval[] = "\"\\\b\f\n\r\t";
	unsigned u, lo;
	const char *s;

	if (r->p >= r->end)
		return -1;
	if (*r->p != 'u') {
		if (*r->p == '\0' || (s = strchr(shortesc, *r->p)) == NULL)
			return -1;
		r->p++;
		b->p[b->len++] = (unsigned char)shortval[s - shortesc];
		return 0;
	}
	r->p++;
	if (hex4(r, &u) == -1)
		return -1;
	if (u < 0x80) {
		if ((u >= 0x20 && u < 0x7f) ||
		    (u != 0 && strchr(shortval, (int)u) != NULL))
			return -1;	/* not how Python writes it */
		b->p[b->len++] = (unsigned char)u;
	} else if (u >= 0xd800 && u <= 0xdbff) {
		if (lit(r, "\\u") == -1 || hex4(r, &lo) == -1 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return -1;
		put_utf8(b, 0x10000 + ((unsigned long)(u - 0xd800) << 10) +
		    (lo - 0xdc00));
	} else if (u >= 0xdc00 && u <= 0xdfff) {
		if (u < 0xdc80 || u > 0xdcff)
			return -1;
		b->p[b->len++] = (unsigned char)(u & 0xff);
	} else
		put_utf8(b, u);
	return 0;
}

/* A quoted string of printable ASCII and escapes (ensure_ascii). b gets
 * at most as many bytes as the text has, which the callers allocate. */
static int
string(struct rd *r, struct bytes *b)
{
	char c;

	b->len = 0;
	if (lit(r, "\"") == -1)
		return -1;
	while (r->p < r->end) {
		c = *r->p++;
		if (c == '"')
			return 0;
		if (c == '\\') {
			if (escape(r, b) == -1)
				return -1;
		} else if (c >= 0x20 && c < 0x7f)
			b->p[b->len++] = (unsigned char)c;
		else
			return -1;
	}
	return -1;
}

/* A non-negative decimal without leading zeros. */
static int
number(struct rd *r, unsigned long long *v)
{
	const char *start = r->p;

	*v = 0;
	while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned long long)(*r->p++ - '0');
	}
	if (r->p == start || (r->p - start > 1 && *start == '0'))
		return -1;
	return 0;
}

/* The next string in r decodes to exactly want[0..n). */
static void
expect_string(struct rd *r, const uint8_t *want, size_t n)
{
	struct bytes b;

	if ((b.p = malloc((size_t)(r->end - r->p) + 4)) == NULL)
		abort();
	if (string(r, &b) == -1 || b.len != n ||
	    (n > 0 && memcmp(b.p, want, n) != 0))
		abort();
	free(b.p);
}

static void
fuzz_string(const uint8_t *s, size_t n)
{
	struct buf j;
	struct rd r;

	buf_init(&j);
	json_string(&j, (const char *)s, n);
	if (j.failed || strlen(j.data) != j.len)
		abort();
	r.p = j.data;
	r.end = j.data + j.len;
	expect_string(&r, s, n);
	if (r.p != r.end)
		abort();
	buf_free(&j);
}

static void
fuzz_listing(const uint8_t *s, size_t n)
{
	const char *names[MAX_NAMES];
	char *copy;
	size_t k = 0, i, off;
	struct buf j;
	struct rd r;

	/* NUL-separated pieces, each NUL-terminated in the copy. */
	if ((copy = malloc(n + 1)) == NULL)
		abort();
	memcpy(copy, s, n);
	copy[n] = '\0';
	for (off = 0; off <= n && k < MAX_NAMES; off += strlen(copy + off) + 1)
		names[k++] = copy + off;
	buf_init(&j);
	listing_write(&j, names[0], names + 1, k - 1);
	if (j.failed || strlen(j.data) != j.len)
		abort();
	r.p = j.data;
	r.end = j.data + j.len;
	if (lit(&r, "{") == -1)
		abort();
	expect_string(&r, (const uint8_t *)names[0], strlen(names[0]));
	if (lit(&r, ": [") == -1)
		abort();
	for (i = 1; i < k; i++) {
		if (i > 1 && lit(&r, ", ") == -1)
			abort();
		expect_string(&r, (const uint8_t *)names[i], strlen(names[i]));
	}
	if (lit(&r, "]}") == -1 || r.p != r.end)
		abort();
	buf_free(&j);
	free(copy);
}

static void
fuzz_stat(const uint8_t *s, size_t n)
{
	uint32_t v[3] = { 0, 0, 0 };
	unsigned long long got;
	const char *user, *group;
	char *copy;
	struct buf j;
	struct rd r;

	if (n < sizeof v)
		return;
	memcpy(v, s, sizeof v);
	s += sizeof v;
	n -= sizeof v;
	if ((copy = malloc(n + 2)) == NULL)
		abort();
	memcpy(copy, s, n);
	copy[n] = copy[n + 1] = '\0';
	user = copy;
	group = copy + strlen(copy) + 1;
	user = user[0] == 'N' ? NULL : user;
	group = group[0] == 'N' ? NULL : group;
	buf_init(&j);
	json_stat(&j, (uid_t)v[0], (gid_t)v[1], (mode_t)v[2], user, group);
	if (j.failed || strlen(j.data) != j.len)
		abort();
	r.p = j.data;
	r.end = j.data + j.len;
	if (lit(&r, "{") == -1)
		abort();
	if (user != NULL) {
		if (lit(&r, "\"user\": ") == -1)
			abort();
		expect_string(&r, (const uint8_t *)user, strlen(user));
		if (lit(&r, ", ") == -1)
			abort();
	}
	if (lit(&r, "\"gid\": ") == -1 || number(&r, &got) == -1 ||
	    got != (gid_t)v[1])
		abort();
	if (group != NULL) {
		if (lit(&r, ", \"group\": ") == -1)
			abort();
		expect_string(&r, (const uint8_t *)group, strlen(group));
	}
	if (lit(&r, ", \"uid\": ") == -1 || number(&r, &got) == -1 ||
	    got != (uid_t)v[0])
		abort();
	if (lit(&r, ", \"mode\": ") == -1 || number(&r, &got) == -1 ||
	    got != (mode_t)v[2])
		abort();
	if (lit(&r, "}") == -1 || r.p != r.end)
		abort();
	buf_free(&j);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_string(data + 1, size - 1);
		break;
	case 1:
		fuzz_listing(data + 1, size - 1);
		break;
	default:
		fuzz_stat(data + 1, size - 1);
		break;
	}
	return 0;
}
