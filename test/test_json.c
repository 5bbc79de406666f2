/* test_json.c: json.c against Python's json.dumps: every byte value, a
 * round-trip validator, the -listdir.json example and the stat table. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "../json.h"
#include "../listing.h"
#include "unit.h"

static const char *json_of(struct buf *, const void *, size_t);
static size_t	ref_utf8(const unsigned char *, size_t);
static int	hex4(const char *, unsigned int *);
static int	put_utf8(unsigned char *, size_t, size_t *, unsigned long);
static int	roundtrip(const unsigned char *, size_t, const char *,
		    size_t);
static void	md5_hex(br_md5_context *, char *);
static void	b64(const unsigned char *, size_t, char *);
static uint32_t	rng(uint64_t *);
static size_t	gen_random(uint64_t *, unsigned char *);
static void	test_single_bytes(void);
static void	test_sweeps(void);
static void	test_vectors(void);
static void	test_listing(void);
static void	test_stat(void);
static void	test_failed_buf(void);

/*
 * json.dumps(bytes([b]).decode('utf-8', 'surrogateescape')) for b = 0..255,
 * written by /usr/bin/python3 (the same bytes as Python 2's json.dumps for
 * the bytes that are valid UTF-8).
 */
static const char *const single[256] = {
	"\"\\u0000\"", "\"\\u0001\"", "\"\\u0002\"", "\"\\u0003\"",
	"\"\\u0004\"", "\"\\u0005\"", "\"\\u0006\"", "\"\\u0007\"",
	"\"\\b\"", "\"\\t\"", "\"\\n\"", "\"\\u000b\"",
	"\"\\f\"", "\"\\r\"", "\"\\u000e\"", "\"\\u000f\"",
	"\"\\u0010\"", "\"\\u0011\"", "\"\\u0012\"", "\"\\u0013\"",
	"\"\\u0014\"", "\"\\u0015\"", "\"\\u0016\"", "\"\\u0017\"",
	"\"\\u0018\"", "\"\\u0019\"", "\"\\u001a\"", "\"\\u001b\"",
	"\"\\u001c\"", "\"\\u001d\"", "\"\\u001e\"", "\"\\u001f\"",
	"\" \"", "\"!\"", "\"\\\"\"", "\"#\"",
	"\"$\"", "\"%\"", "\"&\"", "\"'\"",
	"\"(\"", "\")\"", "\"*\"", "\"+\"",
	"\",\"", "\"-\"", "\".\"", "\"/\"",
	"\"0\"", "\"1\"", "\"2\"", "\"3\"",
	"\"4\"", "\"5\"", "\"6\"", "\"7\"",
	"\"8\"", "\"9\"", "\":\"", "\";\"",
	"\"<\"", "\"=\"", "\">\"", "\"?\"",
	"\"@\"", "\"A\"", "\"B\"", "\"C\"",
	"\"D\"", "\"E\"", "\"F\"", "\"G\"",
	"\"H\"", "\"I\"", "\"J\"", "\"K\"",
	"\"L\"", "\"M\"", "\"N\"", "\"O\"",
	"\"P\"", "\"Q\"", "\"R\"", "\"S\"",
	"\"T\"", "\"U\"", "\"V\"", "\"W\"",
	"\"X\"", "\"Y\"", "\"Z\"", "\"[\"",
	"\"\\\\\"", "\"]\"", "\"^\"", "\"_\"",
	"\"`\"", "\"a\"", "\"b\"", "\"c\"",
	"\"d\"", "\"e\"", "\"f\"", "\"g\"",
	"\"h\"", "\"i\"", "\"j\"", "\"k\"",
	"\"l\"", "\"m\"", "\"n\"", "\"o\"",
	"\"p\"", "\"q\"", "\"r\"", "\"s\"",
	"\"t\"", "\"u\"", "\"v\"", "\"w\"",
	"\"x\"", "\"y\"", "\"z\"", "\"{\"",
	"\"|\"", "\"}\"", "\"~\"", "\"\\u007f\"",
	"\"\\udc80\"", "\"\\udc81\"", "\"\\udc82\"", "\"\\udc83\"",
	"\"\\udc84\"", "\"\\udc85\"", "\"\\udc86\"", "\"\\udc87\"",
	"\"\\udc88\"", "\"\\udc89\"", "\"\\udc8a\"", "\"\\udc8b\"",
	"\"\\udc8c\"", "\"\\udc8d\"", "\"\\udc8e\"", "\"\\udc8f\"",
	"\"\\udc90\"", "\"\\udc91\"", "\"\\udc92\"", "\"\\udc93\"",
	"\"\\udc94\"", "\"\\udc95\"", "\"\\udc96\"", "\"\\udc97\"",
	"\"\\udc98\"", "\"\\udc99\"", "\"\\udc9a\"", "\"\\udc9b\"",
	"\"\\udc9c\"", "\"\\udc9d\"", "\"\\udc9e\"", "\"\\udc9f\"",
	"\"\\udca0\"", "\"\\udca1\"", "\"\\udca2\"", "\"\\udca3\"",
	"\"\\udca4\"", "\"\\udca5\"", "\"\\udca6\"", "\"\\udca7\"",
	"\"\\udca8\"", "\"\\udca9\"", "\"\\udcaa\"", "\"\\udcab\"",
	"\"\\udcac\"", "\"\\udcad\"", "\"\\udcae\"", "\"\\udcaf\"",
	"\"\\udcb0\"", "\"\\udcb1\"", "\"\\udcb2\"", "\"\\udcb3\"",
	"\"\\udcb4\"", "\"\\udcb5\"", "\"\\udcb6\"", "\"\\udcb7\"",
	"\"\\udcb8\"", "\"\\udcb9\"", "\"\\udcba\"", "\"\\udcbb\"",
	"\"\\udcbc\"", "\"\\udcbd\"", "\"\\udcbe\"", "\"\\udcbf\"",
	"\"\\udcc0\"", "\"\\udcc1\"", "\"\\udcc2\"", "\"\\udcc3\"",
	"\"\\udcc4\"", "\"\\udcc5\"", "\"\\udcc6\"", "\"\\udcc7\"",
	"\"\\udcc8\"", "\"\\udcc9\"", "\"\\udcca\"", "\"\\udccb\"",
	"\"\\udccc\"", "\"\\udccd\"", "\"\\udcce\"", "\"\\udccf\"",
	"\"\\udcd0\"", "\"\\udcd1\"", "\"\\udcd2\"", "\"\\udcd3\"",
	"\"\\udcd4\"", "\"\\udcd5\"", "\"\\udcd6\"", "\"\\udcd7\"",
	"\"\\udcd8\"", "\"\\udcd9\"", "\"\\udcda\"", "\"\\udcdb\"",
	"\"\\udcdc\"", "\"\\udcdd\"", "\"\\udcde\"", "\"\\udcdf\"",
	"\"\\udce0\"", "\"\\udce1\"", "\"\\udce2\"", "\"\\udce3\"",
	"\"\\udce4\"", "\"\\udce5\"", "\"\\udce6\"", "\"\\udce7\"",
	"\"\\udce8\"", "\"\\udce9\"", "\"\\udcea\"", "\"\\udceb\"",
	"\"\\udcec\"", "\"\\udced\"", "\"\\udcee\"", "\"\\udcef\"",
	"\"\\udcf0\"", "\"\\udcf1\"", "\"\\udcf2\"", "\"\\udcf3\"",
	"\"\\udcf4\"", "\"\\udcf5\"", "\"\\udcf6\"", "\"\\udcf7\"",
	"\"\\udcf8\"", "\"\\udcf9\"", "\"\\udcfa\"", "\"\\udcfb\"",
	"\"\\udcfc\"", "\"\\udcfd\"", "\"\\udcfe\"", "\"\\udcff\"",
};

/* json_string of len bytes into b (reset first); the escaped text. */
static const char *
json_of(struct buf *b, const void *s, size_t len)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
	json_string(b, s, len);
	return b->failed ? NULL : b->data;
}

/*
 * Length of the valid UTF-8 sequence at s, or 0. Written the long way round
 * (decode, then reject overlong, surrogate and out-of-range values), unlike
 * json.c's table of second-byte ranges, so the two can check each other.
 */
static size_t
ref_utf8(const unsigned char *s, size_t len)
{
	static const unsigned long min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	unsigned long cp;
	size_t n, i;

	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[n] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Four lower-case hex digits, as Python writes them; upper case fails. */
static int
hex4(const char *p, unsigned int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			*v = *v << 4 | (unsigned int)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v = *v << 4 | (unsigned int)(p[i] - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

static int
put_utf8(unsigned char *out, size_t cap, size_t *o, unsigned long cp)
{
	unsigned char u[4];
	size_t n, i;

	if (cp < 0x80)
		u[0] = (unsigned char)cp, n = 1;
	else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (cap - *o < n)
		return -1;
	for (i = 0; i < n; i++)
		out[(*o)++] = u[i];
	return 0;
}

/*
 * The round-trip validator: decodes the escaped text j back to bytes
 * (\uXXXX to UTF-8, surrogate pairs, \udcXX to byte XX) and compares with
 * the input. It also insists on the one form Python writes, so that an
 * encoder escaping too much fails too: only printable ASCII other than
 * " and \ is raw, \u00XX only where no short escape exists, \udcXX only
 * where the input byte starts no valid UTF-8 sequence. 1 when all holds.
 */
static int
roundtrip(const unsigned char *in, size_t inlen, const char *j, size_t jlen)
{
	unsigned char out[256];
	size_t i, o = 0;
	unsigned int v, w;
	const char *p;

	if (j == NULL || jlen < 2 || j[0] != '"' || j[jlen - 1] != '"' ||
	    strlen(j) != jlen)
		return 0;
	for (i = 1; i < jlen - 1;) {
		unsigned char c = (unsigned char)j[i];

		if (c != '\\') {
			if (c < 0x20 || c > 0x7e || c == '"' ||
			    o >= sizeof(out))
				return 0;
			out[o++] = c;
			i++;
			continue;
		}
		if (i + 1 >= jlen - 1)
			return 0;
		if ((p = strchr("\"\\bfnrt", j[i + 1])) != NULL &&
		    j[i + 1] != '\0') {
			if (o >= sizeof(out))
				return 0;
			out[o++] = (unsigned char)"\"\\\b\f\n\r\t"[p -
			    "\"\\bfnrt"];
			i += 2;
			continue;
		}
		if (j[i + 1] != 'u' || jlen - 1 - i < 6 || hex4(j + i + 2, &v))
			return 0;
		i += 6;
		if (v < 0x80) {
			if (v >= 0x20 && v != 0x7f)
				return 0;
			if (v == '\b' || v == '\f' || v == '\n' || v == '\r' ||
			    v == '\t' || o >= sizeof(out))
				return 0;
			out[o++] = (unsigned char)v;
		} else if (v >= 0xd800 && v <= 0xdbff) {
			if (jlen - 1 - i < 6 || j[i] != '\\' ||
			    j[i + 1] != 'u' ||
			    hex4(j + i + 2, &w) || w < 0xdc00 || w > 0xdfff)
				return 0;
			i += 6;
			if (put_utf8(out, sizeof(out), &o, 0x10000 +
			    ((unsigned long)(v - 0xd800) << 10) + (w - 0xdc00)))
				return 0;
		} else if (v >= 0xdc80 && v <= 0xdcff) {
			if (o >= sizeof(out) || o >= inlen ||
			    ref_utf8(in + o, inlen - o) != 0)
				return 0;
			out[o++] = (unsigned char)(v & 0xff);
		} else if (v >= 0xdc00 && v <= 0xdfff)
			return 0;
		else if (put_utf8(out, sizeof(out), &o, v))
			return 0;
	}
	return o == inlen && memcmp(out, in, inlen) == 0;
}

static void
md5_hex(br_md5_context *c, char *hex)
{
	unsigned char d[16];
	int i;

	br_md5_out(c, d);
	for (i = 0; i < 16; i++) {
		hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[d[i] & 0xf];
	}
	hex[32] = '\0';
}

/* Standard base64 with padding; out holds 4 * ((n + 2) / 3) + 1 bytes. */
static void
b64(const unsigned char *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned long v;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned long)in[i] << 16 | in[i + 1] << 8 | in[i + 2];
		*out++ = a[v >> 18];
		*out++ = a[v >> 12 & 63];
		*out++ = a[v >> 6 & 63];
		*out++ = a[v & 63];
	}
	if (i < n) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		*out++ = a[v >> 18];
		*out++ = a[v >> 12 & 63];
		*out++ = i + 1 < n ? a[v >> 6 & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* A 64-bit LCG, simple to replay in Python to get the expected MD5. */
static uint32_t
rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*s >> 33);
}

/*
 * A byte string mixing raw bytes, ASCII, UTF-8 encodings of any value up to
 * U+10FFFF (surrogates included, which must then be escaped) and a lead
 * byte with 0 to 3 continuation bytes. At most 39 + 4 bytes.
 */
static size_t
gen_random(uint64_t *s, unsigned char *b)
{
	size_t target = rng(s) % 40, n = 0, k;
	unsigned long cp;

	while (n < target) {
		switch (rng(s) % 4) {
		case 0:
			b[n++] = (unsigned char)(rng(s) & 0xff);
			break;
		case 1:
			b[n++] = (unsigned char)(rng(s) % 0x80);
			break;
		case 2:
			cp = rng(s) % 0x110000;
			if (cp < 0x80)
				b[n++] = (unsigned char)cp;
			else if (cp < 0x800) {
				b[n++] = (unsigned char)(0xc0 | cp >> 6);
				b[n++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				b[n++] = (unsigned char)(0xe0 | cp >> 12);
				b[n++] = (unsigned char)(0x80 |
				    (cp >> 6 & 0x3f));
				b[n++] = (unsigned char)(0x80 | (cp & 0x3f));
			} else {
				b[n++] = (unsigned char)(0xf0 | cp >> 18);
				b[n++] = (unsigned char)(0x80 |
				    (cp >> 12 & 0x3f));
				b[n++] = (unsigned char)(0x80 |
				    (cp >> 6 & 0x3f));
				b[n++] = (unsigned char)(0x80 | (cp & 0x3f));
			}
			break;
		default:
			b[n++] = (unsigned char)(0xc0 + rng(s) % 0x40);
			for (k = rng(s) % 4; k > 0; k--)
				b[n++] = (unsigned char)(0x80 + rng(s) % 0x40);
			break;
		}
	}
	return n;
}

static void
test_single_bytes(void)
{
	struct buf b;
	unsigned char c;
	int i, exact = 0, valid = 0;

	buf_init(&b);
	for (i = 0; i < 256; i++) {
		c = (unsigned char)i;
		json_of(&b, &c, 1);
		if (!b.failed && strcmp(b.data, single[i]) == 0)
			exact++;
		else
			fprintf(stderr, "    byte 0x%02x: got %s want %s\n", i,
			    b.failed ? "(failed)" : b.data, single[i]);
		if (roundtrip(&c, 1, b.data, b.len))
			valid++;
	}
	CHECK(exact == 256);
	CHECK(valid == 256);
	/* A few by eye, in case the table itself were wrong. */
	CHECK_STR(json_of(&b, "\x7f", 1), "\"\\u007f\"");
	CHECK_STR(json_of(&b, "\x1f", 1), "\"\\u001f\"");
	CHECK_STR(json_of(&b, "\"", 1), "\"\\\"\"");
	CHECK_STR(json_of(&b, "\\", 1), "\"\\\\\"");
	CHECK_STR(json_of(&b, "/", 1), "\"/\"");
	CHECK_STR(json_of(&b, "\xff", 1), "\"\\udcff\"");
	CHECK_STR(json_of(&b, "\0", 1), "\"\\u0000\"");
	buf_free(&b);
}

/*
 * Exhaustive and random sweeps, each checked by the round-trip validator
 * and, as a whole, against the MD5 of Python's output for the same inputs,
 * every output followed by "\n": /usr/bin/python3 fed the same strings
 * (the same LCG for the random ones) to
 * json.dumps(s.decode('utf-8', 'surrogateescape')).encode() + b'\n'.
 */
static void
test_sweeps(void)
{
	struct buf b;
	br_md5_context m;
	unsigned char s[64];
	char hex[33];
	uint64_t seed;
	size_t n;
	long bad;
	int a, c, d, e, i;

	buf_init(&b);

	/* All 65536 two-byte strings. */
	br_md5_init(&m);
	bad = 0;
	for (a = 0; a < 256; a++)
		for (c = 0; c < 256; c++) {
			s[0] = (unsigned char)a;
			s[1] = (unsigned char)c;
			json_of(&b, s, 2);
			if (!roundtrip(s, 2, b.data, b.len))
				bad++;
			br_md5_update(&m, b.data, b.len);
			br_md5_update(&m, "\n", 1);
		}
	md5_hex(&m, hex);
	CHECK(bad == 0);
	CHECK_STR(hex, "90080133af77e21fd9895306c9c50776");

	/* Every three-byte string led by E0..F4: all the three-byte cases,
	 * truncated four-byte ones, the ED surrogate block. */
	br_md5_init(&m);
	bad = 0;
	for (a = 0xe0; a <= 0xf4; a++)
		for (c = 0; c < 256; c++)
			for (d = 0; d < 256; d++) {
				s[0] = (unsigned char)a;
				s[1] = (unsigned char)c;
				s[2] = (unsigned char)d;
				json_of(&b, s, 3);
				if (!roundtrip(s, 3, b.data, b.len))
					bad++;
				br_md5_update(&m, b.data, b.len);
				br_md5_update(&m, "\n", 1);
			}
	md5_hex(&m, hex);
	CHECK(bad == 0);
	CHECK_STR(hex, "0e455e81b9832dae3ed85437ea929bd8");

	/* Four-byte strings led by F0..F4, any second byte, a continuation
	 * third byte and a good or bad fourth. */
	br_md5_init(&m);
	bad = 0;
	for (a = 0xf0; a <= 0xf4; a++)
		for (c = 0; c < 256; c++)
			for (d = 0x80; d < 0xc0; d++)
				for (e = 0; e < 3; e++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)c;
					s[2] = (unsigned char)d;
					s[3] = "\x80\xbf\x41"[e];
					json_of(&b, s, 4);
					if (!roundtrip(s, 4, b.data, b.len))
						bad++;
					br_md5_update(&m, b.data, b.len);
					br_md5_update(&m, "\n", 1);
				}
	md5_hex(&m, hex);
	CHECK(bad == 0);
	CHECK_STR(hex, "92c03065a7024559df0fdde2664ae69a");

	/* 5000 pseudo-random strings. */
	br_md5_init(&m);
	bad = 0;
	seed = 0x9e3779b97f4a7c15ULL;
	for (i = 0; i < 5000; i++) {
		n = gen_random(&seed, s);
		json_of(&b, s, n);
		if (!roundtrip(s, n, b.data, b.len))
			bad++;
		br_md5_update(&m, b.data, b.len);
		br_md5_update(&m, "\n", 1);
	}
	md5_hex(&m, hex);
	CHECK(bad == 0);
	CHECK_STR(hex, "76397bbb9708353992c7ef0659745971");

	/* The validator itself must reject what Python never writes. */
	CHECK(!roundtrip((const unsigned char *)"\xc3\xa9", 2,
	    "\"\\udcc3\\udca9\"", 14));
	CHECK(!roundtrip((const unsigned char *)"\xe9", 1, "\"\\u00E9\"", 8));
	CHECK(!roundtrip((const unsigned char *)"\n", 1, "\"\\u000a\"", 8));
	CHECK(!roundtrip((const unsigned char *)"\x1f", 1, "\"\x1f\"", 3));
	CHECK(roundtrip((const unsigned char *)"\xc3\xa9", 2, "\"\\u00e9\"",
	    8));
	buf_free(&b);
}

static void
test_vectors(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} v[] = {
#define V(s, w) { s, sizeof(s) - 1, w }
		V("\xc3\xa9", "\"\\u00e9\""),			/* é */
		V("\xe2\x82\xac", "\"\\u20ac\""),		/* € */
		/* U+1F600 */
		V("\xf0\x9f\x98\x80", "\"\\ud83d\\ude00\""),
		/* an overlong / */
		V("\xc0\xaf", "\"\\udcc0\\udcaf\""),
		V("\xc1\xbf", "\"\\udcc1\\udcbf\""),
		/* U+D800 */
		V("\xed\xa0\x80", "\"\\udced\\udca0\\udc80\""),
		V("\xed\x9f\xbf", "\"\\ud7ff\""),
		V("\xee\x80\x80", "\"\\ue000\""),
		V("\xef\xbf\xbf", "\"\\uffff\""),
		V("\xe0\xa0\x80", "\"\\u0800\""),
		V("\xe0\x9f\xbf", "\"\\udce0\\udc9f\\udcbf\""),
		V("\xc2\x80", "\"\\u0080\""),
		V("\xdf\xbf", "\"\\u07ff\""),
		V("\xf0\x90\x80\x80", "\"\\ud800\\udc00\""),
		V("\xf0\x8f\xbf\xbf", "\"\\udcf0\\udc8f\\udcbf\\udcbf\""),
		/* U+10FFFF */
		V("\xf4\x8f\xbf\xbf", "\"\\udbff\\udfff\""),
		V("\xf4\x90\x80\x80", "\"\\udcf4\\udc90\\udc80\\udc80\""),
		V("\xf5\x80\x80\x80", "\"\\udcf5\\udc80\\udc80\\udc80\""),
		/* truncated */
		V("\xe2\x82", "\"\\udce2\\udc82\""),
		V("\xe2\x82" "A", "\"\\udce2\\udc82A\""),
		V("\xf0\x9f\x98", "\"\\udcf0\\udc9f\\udc98\""),
		V("\x80\x80", "\"\\udc80\\udc80\""),		/* strays */
		V("\xff\xfe", "\"\\udcff\\udcfe\""),
		V("a\0b", "\"a\\u0000b\""),
		V("", "\"\""),
		V("tab\there \"q\" back\\slash\r\n\b\f",
		    "\"tab\\there \\\"q\\\" back\\\\slash\\r\\n\\b\\f\""),
#undef V
	};
	struct buf b;
	size_t i;
	int ok = 0;

	buf_init(&b);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		json_of(&b, v[i].in, v[i].len);
		if (!b.failed && strcmp(b.data, v[i].want) == 0 &&
		    b.len == strlen(v[i].want))
			ok++;
		else
			fprintf(stderr, "    vector %zu: got %s want %s\n", i,
			    b.failed ? "(failed)" : b.data, v[i].want);
	}
	CHECK(ok == (int)(sizeof(v) / sizeof(v[0])));
	buf_free(&b);
}

static void
test_listing(void)
{
	static const char want[] = "{\"/var/lib/cassandra/data/ks/cf\": "
	    "[\"ks-cf-ka-1-Data.db\", \"ks-cf-ka-3-Data.db\", "
	    "\"ks-cf-ka-1-Index.db\"]}";
	static const char *const names[] = {
		"ks-cf-ka-1-Data.db", "ks-cf-ka-3-Data.db",
		"ks-cf-ka-1-Index.db",
	};
	static const char *const odd[] = { "a\"b", "\xc3\xa9\xff", "" };
	struct buf b;
	br_md5_context m;
	unsigned char d[16];
	char b64s[25];

	buf_init(&b);
	listing_write(&b, "/var/lib/cassandra/data/ks/cf", names, 3);
	CHECK(!b.failed);
	CHECK(b.len == 102);
	CHECK_STR(b.data, want);
	br_md5_init(&m);
	br_md5_update(&m, b.data, b.len);
	br_md5_out(&m, d);
	b64(d, sizeof(d), b64s);
	CHECK_STR(b64s, "m+22UoTxuJIV8NRqLV9i0w==");
	buf_free(&b);

	/* The test's base64 itself, on RFC 4648's vectors. */
	b64((const unsigned char *)"f", 1, b64s);
	CHECK_STR(b64s, "Zg==");
	b64((const unsigned char *)"fo", 2, b64s);
	CHECK_STR(b64s, "Zm8=");
	b64((const unsigned char *)"foobar", 6, b64s);
	CHECK_STR(b64s, "Zm9vYmFy");

	buf_init(&b);
	listing_write(&b, "/d", NULL, 0);
	CHECK_STR(b.data, "{\"/d\": []}");
	buf_free(&b);

	buf_init(&b);
	listing_write(&b, "/d", names, 1);
	CHECK_STR(b.data, "{\"/d\": [\"ks-cf-ka-1-Data.db\"]}");
	buf_free(&b);

	buf_init(&b);
	listing_write(&b, "/x\\y", odd, 3);
	CHECK_STR(b.data,
	    "{\"/x\\\\y\": [\"a\\\"b\", \"\\u00e9\\udcff\", \"\"]}");
	buf_free(&b);

	/* Appending to what is there: the writer never resets the buffer. */
	buf_init(&b);
	buf_add(&b, "x", 1);
	listing_write(&b, "/d", NULL, 0);
	CHECK_STR(b.data, "x{\"/d\": []}");
	buf_free(&b);
}

static void
test_stat(void)
{
	struct buf b;

	buf_init(&b);
	json_stat(&b, 105, 107, 33188, "cassandra", "cassandra");
	CHECK_STR(b.data, "{\"user\": \"cassandra\", \"gid\": 107, "
	    "\"group\": \"cassandra\", \"uid\": 105, \"mode\": 33188}");
	buf_free(&b);

	buf_init(&b);
	json_stat(&b, 105, 107, 33188, "cassandra", NULL);
	CHECK_STR(b.data, "{\"user\": \"cassandra\", \"gid\": 107, "
	    "\"uid\": 105, \"mode\": 33188}");
	buf_free(&b);

	buf_init(&b);
	json_stat(&b, 105, 107, 33188, NULL, "cassandra");
	CHECK_STR(b.data, "{\"gid\": 107, \"group\": \"cassandra\", "
	    "\"uid\": 105, \"mode\": 33188}");
	buf_free(&b);

	buf_init(&b);
	json_stat(&b, 105, 107, 33188, NULL, NULL);
	CHECK_STR(b.data, "{\"gid\": 107, \"uid\": 105, \"mode\": 33188}");
	buf_free(&b);

	/* Extremes, mode 0100640, and a name that needs escaping. */
	buf_init(&b);
	json_stat(&b, 0, (gid_t)4294967295U, 33184, "c\"a\\t", NULL);
	CHECK_STR(b.data, "{\"user\": \"c\\\"a\\\\t\", \"gid\": 4294967295, "
	    "\"uid\": 0, \"mode\": 33184}");
	buf_free(&b);
}

/* A buffer that failed (here: a length that would wrap size_t) takes
 * nothing more from the writers. */
static void
test_failed_buf(void)
{
	static const char *const names[] = { "a" };
	struct buf b;

	buf_init(&b);
	buf_add(&b, "ab", 2);
	buf_add(&b, "x", SIZE_MAX - 2);
	CHECK(b.failed && b.len == 2);
	json_string(&b, "z", 1);
	listing_write(&b, "/d", names, 1);
	json_stat(&b, 1, 2, 3, "u", "g");
	CHECK(b.failed && b.len == 2);
	buf_free(&b);
}

void
test_json(void)
{
	test_single_bytes();
	test_sweeps();
	test_vectors();
	test_listing();
	test_stat();
	test_failed_buf();
}
