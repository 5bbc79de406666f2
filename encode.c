/* encode.c: hex, base64, RFC 3986 percent-encoding, UTF-8 and escaped
 * names for log lines. Pure byte transforms; only uri_encode allocates. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"

static const char hexdigits[] = "0123456789abcdef";
static const char HEXDIGITS[] = "0123456789ABCDEF";
static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int	b64_value(unsigned char);
static int	is_unreserved(unsigned char);

void
hex_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;

	for (size_t i = 0; i < len; i++) {
		*out++ = hexdigits[p[i] >> 4];
		*out++ = hexdigits[p[i] & 0x0f];
	}
	*out = '\0';
}

int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *in, size_t len, void *out)
{
	unsigned char *o = out;
	int hi, lo;

	for (size_t i = 0; i < len; i++) {
		if ((hi = hex_value((unsigned char)in[2 * i])) < 0 ||
		    (lo = hex_value((unsigned char)in[2 * i + 1])) < 0)
			return -1;
		o[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void
base64_encode(const void *in, size_t len, char *out)
{
	const unsigned char *p = in;
	unsigned long v;

	for (; len >= 3; p += 3, len -= 3) {
		v = (unsigned long)p[0] << 16 | (unsigned long)p[1] << 8 | p[2];
		*out++ = b64chars[v >> 18 & 0x3f];
		*out++ = b64chars[v >> 12 & 0x3f];
		*out++ = b64chars[v >> 6 & 0x3f];
		*out++ = b64chars[v & 0x3f];
	}
	if (len > 0) {
		/* One or two bytes left: the missing ones count as zero
		 * bits and their sextets become '='. */
		v = (unsigned long)p[0] << 16;
		if (len == 2)
			v |= (unsigned long)p[1] << 8;
		*out++ = b64chars[v >> 18 & 0x3f];
		*out++ = b64chars[v >> 12 & 0x3f];
		*out++ = len == 2 ? b64chars[v >> 6 & 0x3f] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/*
 * Strict on purpose: the length must be a multiple of four, '=' may only
 * close the last quantum (at most two of them), and the bits the padding
 * leaves over must be zero, so every byte string has exactly one accepted
 * spelling (RFC 4648 section 3.5) and a mangled Content-MD5 or ETag cannot
 * decode to the same digest as the real one.
 */
long
base64_decode(const char *in, size_t len, void *out, size_t outcap)
{
	unsigned char *o = out;
	size_t pad = 0, outlen;
	unsigned long v;
	int c;

	if (len % 4 != 0 || len / 4 > LONG_MAX / 3)
		return -1;
	if (len > 0 && in[len - 1] == '=') {
		pad++;
		if (in[len - 2] == '=')
			pad++;
	}
	outlen = len / 4 * 3 - pad;
	if (outlen > outcap)
		return -1;

	for (size_t i = 0; i < len; i += 4) {
		/* The '=' of the last quantum decode as zero sextets; any
		 * other '=' fails b64_value below. */
		size_t nchars = i + 4 == len ? 4 - pad : 4;

		v = 0;
		for (size_t j = 0; j < 4; j++) {
			c = 0;
			if (j < nchars)
				c = b64_value((unsigned char)in[i + j]);
			if (c < 0)
				return -1;
			v = v << 6 | (unsigned long)c;
		}
		if (nchars == 4) {
			*o++ = v >> 16 & 0xff;
			*o++ = v >> 8 & 0xff;
			*o++ = v & 0xff;
		} else if (nchars == 3) {
			if ((v & 0xff) != 0)
				return -1;
			*o++ = v >> 16 & 0xff;
			*o++ = v >> 8 & 0xff;
		} else {
			if ((v & 0xffff) != 0)
				return -1;
			*o++ = v >> 16 & 0xff;
		}
	}
	return (long)outlen;
}

char *
uri_encode(const char *in, size_t len, int keep_slash)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t outlen = 0;
	char *out, *o;

	/* Size first: one byte per kept byte, three per escaped one. */
	if (len > (SIZE_MAX - 1) / 3)
		return NULL;
	for (size_t i = 0; i < len; i++)
		outlen += is_unreserved(p[i]) || (keep_slash && p[i] == '/') ?
		    1 : 3;
	if ((out = malloc(outlen + 1)) == NULL)
		return NULL;

	o = out;
	for (size_t i = 0; i < len; i++) {
		if (is_unreserved(p[i]) || (keep_slash && p[i] == '/')) {
			*o++ = (char)p[i];
			continue;
		}
		/* SigV4 wants upper-case hex; S3 compares the signed
		 * text byte for byte. */
		*o++ = '%';
		*o++ = HEXDIGITS[p[i] >> 4];
		*o++ = HEXDIGITS[p[i] & 0x0f];
	}
	*o = '\0';
	return out;
}

/*
 * The ranges of the second byte are what rule out overlongs (E0, F0),
 * UTF-16 surrogates (ED) and code points above U+10FFFF (F4).
 */
size_t
utf8_seq(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (len == 0)
		return 0;
	if (u[0] >= 0xc2 && u[0] <= 0xdf)
		n = 2;
	else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		if (u[0] == 0xe0)
			lo = 0xa0;
		else if (u[0] == 0xed)
			hi = 0x9f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		if (u[0] == 0xf0)
			lo = 0x90;
		else if (u[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (len < n || u[1] < lo || u[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (u[i] < 0x80 || u[i] > 0xbf)
			return 0;
	return n;
}

int
is_utf8(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80)
			i++;
		else if ((n = utf8_seq(s + i, len - i)) > 0)
			i += n;
		else
			return 0;
	}
	return 1;
}

size_t
utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The sextet a base64 character stands for, or -1 (also for '='). */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* RFC 3986 section 2.3, spelled out so that no locale can widen it. */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

size_t
escape_controls(const char *msg, size_t len, char *out)
{
	size_t o = 0, u;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch >= 0x80 && (u = utf8_seq(msg + i, len - i)) > 0) {
			memcpy(out + o, msg + i, u);
			o += u;
			i += u - 1;
		} else if (ch < 0x20 || ch >= 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			hex_encode(&ch, 1, out + o);
			o += 2;
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return o;
}
