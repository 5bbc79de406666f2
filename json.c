/* json.c: the JSON writer for the -listdir.json body and x-amz-meta-stat,
 * byte-compatible with Python 2's json.dumps (ensure_ascii, ", " and ": "). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static int	jbuf_reserve(struct jbuf *, size_t);
static size_t	utf8_seq(const unsigned char *, size_t);
static void	append_u(struct jbuf *, unsigned int);
static void	append_num(struct jbuf *, unsigned long long);
static void	append_lit(struct jbuf *, const char *);

static const char hexdig[] = "0123456789abcdef";

void
jbuf_init(struct jbuf *b)
{
	b->len = 0;
	b->failed = 0;
	/* Allocate now so that data is a valid empty string from the start,
	 * as the header promises, even if nothing is ever appended. */
	b->cap = 64;
	if ((b->data = malloc(b->cap)) == NULL) {
		b->cap = 0;
		b->failed = 1;
		return;
	}
	b->data[0] = '\0';
}

void
jbuf_free(struct jbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->failed = 0;
}

/* Makes room for n more bytes plus the NUL; 0 on success. */
static int
jbuf_reserve(struct jbuf *b, size_t n)
{
	size_t need, ncap;
	char *p;

	if (b->failed)
		return -1;
	if (n > SIZE_MAX - 1 - b->len) {
		b->failed = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap ? b->cap : 64;
	while (ncap < need) {
		/* Doubling would wrap: ask for exactly what is needed. */
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if ((p = realloc(b->data, ncap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = ncap;
	return 0;
}

void
jbuf_append(struct jbuf *b, const char *s, size_t len)
{
	if (jbuf_reserve(b, len) == -1)
		return;
	if (len > 0)
		memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
append_lit(struct jbuf *b, const char *s)
{
	jbuf_append(b, s, strlen(s));
}

/* One \uXXXX escape, lower-case hex as Python writes it. */
static void
append_u(struct jbuf *b, unsigned int u)
{
	char e[6];

	e[0] = '\\';
	e[1] = 'u';
	e[2] = hexdig[(u >> 12) & 0xf];
	e[3] = hexdig[(u >> 8) & 0xf];
	e[4] = hexdig[(u >> 4) & 0xf];
	e[5] = hexdig[u & 0xf];
	jbuf_append(b, e, sizeof(e));
}

static void
append_num(struct jbuf *b, unsigned long long v)
{
	char d[24];	/* 20 digits hold any 64-bit value */
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	jbuf_append(b, d + i, sizeof(d) - i);
}

/*
 * Length of the valid RFC 3629 UTF-8 sequence starting at s (2 to 4), or 0
 * when s[0] does not start one. The ranges of the second byte are what rule
 * out overlongs (E0, F0), UTF-16 surrogates (ED) and code points above
 * U+10FFFF (F4); C0, C1 and F5..FF never start a sequence.
 */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void
json_string(struct jbuf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run, n, k;
	unsigned long cp;

	jbuf_append(b, "\"", 1);
	while (i < len && !b->failed) {
		/* Copy the longest stretch of bytes that stay as they are. */
		for (run = i; run < len && u[run] >= 0x20 && u[run] < 0x7f &&
		    u[run] != '"' && u[run] != '\\'; run++)
			;
		if (run > i) {
			jbuf_append(b, s + i, run - i);
			i = run;
			continue;
		}
		switch (u[i]) {
		case '"':
			jbuf_append(b, "\\\"", 2);
			break;
		case '\\':
			jbuf_append(b, "\\\\", 2);
			break;
		case '\b':
			jbuf_append(b, "\\b", 2);
			break;
		case '\f':
			jbuf_append(b, "\\f", 2);
			break;
		case '\n':
			jbuf_append(b, "\\n", 2);
			break;
		case '\r':
			jbuf_append(b, "\\r", 2);
			break;
		case '\t':
			jbuf_append(b, "\\t", 2);
			break;
		default:
			if (u[i] < 0x80) {
				/* Other controls and DEL. */
				append_u(b, u[i]);
				break;
			}
			if ((n = utf8_seq(u + i, len - i)) == 0) {
				/*
				 * Not UTF-8: Python 3's surrogateescape
				 * (U+DC00 + byte). Only this byte is taken;
				 * the next one is looked at afresh, which is
				 * what Python's decoder does too.
				 */
				append_u(b, 0xdc00 | u[i]);
				break;
			}
			cp = u[i] & (0x7f >> n);
			for (k = 1; k < n; k++)
				cp = cp << 6 | (u[i + k] & 0x3f);
			if (cp < 0x10000)
				append_u(b, (unsigned int)cp);
			else {
				cp -= 0x10000;
				append_u(b, (unsigned int)(0xd800 | cp >> 10));
				append_u(b,
				    (unsigned int)(0xdc00 | (cp & 0x3ff)));
			}
			i += n;
			continue;
		}
		i++;
	}
	jbuf_append(b, "\"", 1);
}

void
json_listing(struct jbuf *b, const char *dir, const char *const *names,
    size_t n)
{
	size_t i;

	if (dir == NULL || (n > 0 && names == NULL)) {
		b->failed = 1;
		return;
	}
	jbuf_append(b, "{", 1);
	json_string(b, dir, strlen(dir));
	jbuf_append(b, ": [", 3);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL) {
			b->failed = 1;
			return;
		}
		if (i > 0)
			jbuf_append(b, ", ", 2);
		json_string(b, names[i], strlen(names[i]));
	}
	jbuf_append(b, "]}", 2);
}

/*
 * The key order is that of a Python 2 dict holding these five keys, which
 * is what the original's json.dumps walked; the omitted names keep the
 * others in the same relative order (see original-tablesnap.md 1.11).
 */
void
json_stat(struct jbuf *b, uid_t uid, gid_t gid, mode_t mode,
    const char *user, const char *group)
{
	jbuf_append(b, "{", 1);
	if (user != NULL) {
		append_lit(b, "\"user\": ");
		json_string(b, user, strlen(user));
		append_lit(b, ", ");
	}
	append_lit(b, "\"gid\": ");
	append_num(b, (unsigned long long)gid);
	if (group != NULL) {
		append_lit(b, ", \"group\": ");
		json_string(b, group, strlen(group));
	}
	append_lit(b, ", \"uid\": ");
	append_num(b, (unsigned long long)uid);
	append_lit(b, ", \"mode\": ");
	append_num(b, (unsigned long long)mode);
	jbuf_append(b, "}", 1);
}
