/* test_encode.c: unit tests for encode.c (hex, base64, percent-encoding,
 * UTF-8) against RFC 4648 vectors, all 256 byte values, round trips and an
 * independent UTF-8 validator over every short string. */
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "encode.h"
#include "unit.h"

void	test_encode(void);

static void	test_hex(void);
static void	test_base64_vectors(void);
static void	test_base64_bad(void);
static void	test_base64_roundtrip(void);
static void	test_base64_md5(void);
static void	test_uri_bytes(void);
static void	test_uri_examples(void);
static void	test_hex_decode(void);
static void	test_utf8_short(void);
static void	test_utf8_long(void);
static void	test_utf8_put(void);
static int	ref_utf8_valid(const unsigned char *, size_t);

/* RFC 4648 section 10. */
static const struct {
	const char	*raw;
	const char	*b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

void
test_encode(void)
{
	test_hex();
	test_base64_vectors();
	test_base64_bad();
	test_base64_roundtrip();
	test_base64_md5();
	test_uri_bytes();
	test_uri_examples();
	test_hex_decode();
	test_utf8_short();
	test_utf8_long();
	test_utf8_put();
}

static void
test_hex(void)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
	    0xff };
	unsigned char all[256];
	char out[2 * 256 + 2];
	char want[3];

	memset(out, 'X', sizeof(out));
	hex_encode("", 0, out);
	CHECK_STR(out, "");

	memset(out, 'X', sizeof(out));
	hex_encode(bytes, sizeof(bytes), out);
	CHECK_STR(out, "00017f80abff");
	CHECK(out[13] == 'X');	/* nothing written past 2*len+1 */

	hex_encode("foobar", 6, out);
	CHECK_STR(out, "666f6f626172");

	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	hex_encode(all, sizeof(all), out);
	CHECK(strlen(out) == 512);
	for (int i = 0; i < 256; i++) {
		snprintf(want, sizeof(want), "%02x", i);
		if (memcmp(out + 2 * i, want, 2) != 0) {
			CHECK(!"hex of a byte value");
			fprintf(stderr, "    byte 0x%02x\n", i);
		}
	}
	CHECK(out[510] == 'f' && out[511] == 'f' && out[512] == '\0');
}

static void
test_base64_vectors(void)
{
	char enc[16];
	unsigned char dec[16];
	long n;

	CHECK(BASE64_LEN(0) == 0);
	CHECK(BASE64_LEN(1) == 4);
	CHECK(BASE64_LEN(3) == 4);
	CHECK(BASE64_LEN(4) == 8);
	CHECK(BASE64_LEN(16) == 24);

	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		size_t rawlen = strlen(rfc4648[i].raw);

		memset(enc, 'X', sizeof(enc));
		base64_encode(rfc4648[i].raw, rawlen, enc);
		CHECK_STR(enc, rfc4648[i].b64);
		CHECK(strlen(enc) == BASE64_LEN(rawlen));
		CHECK(enc[BASE64_LEN(rawlen) + 1] == 'X');

		/* Exactly enough room is enough. */
		n = base64_decode(rfc4648[i].b64, strlen(rfc4648[i].b64), dec,
		    rawlen);
		CHECK(n == (long)rawlen);
		if (n >= 0)
			CHECK_MEM(dec, (size_t)n, rfc4648[i].raw, rawlen);
	}

	/* len, not the NUL, ends the input. */
	CHECK(base64_decode("Zm9vYmFy", 4, dec, sizeof(dec)) == 3);
	CHECK_MEM(dec, 3, "foo", 3);
	CHECK(base64_decode("", 0, NULL, 0) == 0);

	/* The whole alphabet, '+' and '/' included. */
	n = base64_decode("+/+/", 4, dec, sizeof(dec));
	CHECK(n == 3 && dec[0] == 0xfb && dec[1] == 0xff && dec[2] == 0xbf);
	base64_encode("\xfb\xff\xbf", 3, enc);
	CHECK_STR(enc, "+/+/");
	n = base64_decode("AAECAwQFBgcICQoL", 16, dec, sizeof(dec));
	CHECK(n == 12);
	for (long i = 0; i < n; i++)
		CHECK(dec[i] == i);
}

static void
test_base64_bad(void)
{
	static const char *bad[] = {
		"Zg",		/* padding missing */
		"Zg=",		/* padding short */
		"Zm9vY",	/* not a multiple of four */
		"Z===",		/* three '=' */
		"====",
		"=Zm9",		/* '=' first */
		"Zm=v",		/* '=' inside a quantum */
		"Zg==Zm9v",	/* '=' before the last quantum */
		"Zg=A",
		"Zm9v!A==",	/* not in the alphabet */
		"Zm9 v===",
		"Zm 9",		/* no white space */
		"Zm9\n",
		"Zm9-",		/* base64url is not accepted */
		"Zm9_",
		"Zh==",		/* non-zero bits under the padding */
		"Zm9=",
		"Zm9vYh==",
		"\xc3\xa9==",
	};
	unsigned char dec[16];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (base64_decode(bad[i], strlen(bad[i]), dec, sizeof(dec))
		    != -1) {
			CHECK(!"bad base64 rejected");
			fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
		} else
			CHECK(1);
	}
	/* len decides: a valid string cut short is not valid. */
	CHECK(base64_decode("Zm9vYmFy", 6, dec, sizeof(dec)) == -1);
	CHECK(base64_decode("Zm9vYg==", 7, dec, sizeof(dec)) == -1);
	CHECK(base64_decode("Zm9vYg==", 5, dec, sizeof(dec)) == -1);
	/* An embedded NUL counted by len is a bad character. */
	CHECK(base64_decode("Zm\0v", 4, dec, sizeof(dec)) == -1);

	/* Output one byte too small, for each amount of padding. */
	memset(dec, 'X', sizeof(dec));
	CHECK(base64_decode("Zm9vYmFy", 8, dec, 5) == -1);
	CHECK(base64_decode("Zm9vYmE=", 8, dec, 4) == -1);
	CHECK(base64_decode("Zm9vYg==", 8, dec, 3) == -1);
	CHECK(base64_decode("Zg==", 4, dec, 0) == -1);
	CHECK(dec[0] == 'X');	/* refused before writing */
}

static void
test_base64_roundtrip(void)
{
	unsigned char raw[300], dec[300];
	char enc[BASE64_LEN(300) + 1];
	unsigned long seed = 12345;
	long n;
	int ok = 1;

	/* Every length 0..300 of pseudo-random bytes (a fixed LCG). */
	for (size_t i = 0; i < sizeof(raw); i++) {
		seed = seed * 1103515245 + 12345;
		raw[i] = (unsigned char)(seed >> 16);
	}
	for (size_t len = 0; len <= sizeof(raw); len++) {
		base64_encode(raw, len, enc);
		n = base64_decode(enc, strlen(enc), dec, sizeof(dec));
		if (strlen(enc) != BASE64_LEN(len) || n != (long)len ||
		    memcmp(dec, raw, len) != 0) {
			ok = 0;
			fprintf(stderr, "    round trip of %zu bytes\n", len);
		}
	}
	CHECK(ok);

	/* Every byte value in every position of a quantum. */
	ok = 1;
	for (int v = 0; v < 256; v++) {
		for (int pos = 0; pos < 3; pos++) {
			unsigned char q[3] = { 0x55, 0xaa, 0x0f };

			q[pos] = (unsigned char)v;
			base64_encode(q, 3, enc);
			if (base64_decode(enc, 4, dec, 3) != 3 ||
			    memcmp(dec, q, 3) != 0)
				ok = 0;
		}
	}
	CHECK(ok);
}

static void
test_base64_md5(void)
{
	static const unsigned char md5_empty[16] = { 0xd4, 0x1d, 0x8c, 0xd9,
	    0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42,
	    0x7e };
	br_md5_context mc;
	unsigned char digest[br_md5_SIZE], dec[br_md5_SIZE];
	char b64[BASE64_LEN(br_md5_SIZE) + 1], hex[2 * br_md5_SIZE + 1];

	/* The Content-MD5 of an empty body. */
	br_md5_init(&mc);
	br_md5_update(&mc, "", 0);
	br_md5_out(&mc, digest);
	CHECK_MEM(digest, sizeof(digest), md5_empty, sizeof(md5_empty));
	base64_encode(digest, sizeof(digest), b64);
	CHECK_STR(b64, "1B2M2Y8AsgTpgAmY7PhCfg==");
	hex_encode(digest, sizeof(digest), hex);
	CHECK_STR(hex, "d41d8cd98f00b204e9800998ecf8427e");
	CHECK(base64_decode(b64, strlen(b64), dec, sizeof(dec)) == 16);
	CHECK_MEM(dec, sizeof(dec), md5_empty, sizeof(md5_empty));
}

/* The rule, written independently of encode.c: the RFC 3986 unreserved
 * set, listed. */
static int
kept(int c, int keep_slash)
{
	static const char unreserved[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~";

	if (c == '/')
		return keep_slash;
	return memchr(unreserved, c, sizeof(unreserved) - 1) != NULL;
}

static void
test_uri_bytes(void)
{
	char in[256], want[3 * 256 + 1], one[4], *got;
	size_t wlen;
	int nkept, bad;

	for (int i = 0; i < 256; i++)
		in[i] = (char)i;

	for (int keep_slash = 0; keep_slash <= 1; keep_slash++) {
		/* Each byte value alone. */
		bad = 0;
		nkept = 0;
		for (int c = 0; c < 256; c++) {
			if (kept(c, keep_slash)) {
				one[0] = (char)c;
				one[1] = '\0';
				nkept++;
			} else
				snprintf(one, sizeof(one), "%%%02X", c);
			got = uri_encode(in + c, 1, keep_slash);
			if (got == NULL || strcmp(got, one) != 0) {
				bad++;
				fprintf(stderr, "    byte 0x%02x keep_slash %d:"
				    " got %s want %s\n", c, keep_slash,
				    got ? got : "(null)", one);
			}
			free(got);
		}
		CHECK(bad == 0);
		CHECK(nkept == 66 + keep_slash);

		/* All 256 in one string. */
		wlen = 0;
		for (int c = 0; c < 256; c++) {
			if (kept(c, keep_slash))
				want[wlen++] = (char)c;
			else
				wlen += (size_t)snprintf(want + wlen,
				    sizeof(want) - wlen, "%%%02X", c);
		}
		want[wlen] = '\0';
		got = uri_encode(in, sizeof(in), keep_slash);
		CHECK_STR(got, want);
		free(got);
	}
}

static void
test_uri_examples(void)
{
	static const struct {
		const char	*in;
		int		 keep_slash;
		const char	*want;
	} ex[] = {
		{ "test$file.text", 1, "test%24file.text" },
		{ "a b:c", 0, "a%20b%3Ac" },
		{ "\xc3\xa9", 0, "%C3%A9" },
		{ "", 1, "" },
		{ "/photos/2024/a+b.jpg", 1, "/photos/2024/a%2Bb.jpg" },
		{ "/photos/2024/a+b.jpg", 0, "%2Fphotos%2F2024%2Fa%2Bb.jpg" },
		{ "//a/./b/../c", 1, "//a/./b/../c" },
		{ "AZaz09-._~", 0, "AZaz09-._~" },
		{ "100%", 0, "100%25" },
		{ "x=1&y=2", 0, "x%3D1%26y%3D2" },
		{ "\x7f\x80\xff", 0, "%7F%80%FF" },
	};
	char *got;

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		got = uri_encode(ex[i].in, strlen(ex[i].in), ex[i].keep_slash);
		CHECK_STR(got, ex[i].want);
		free(got);
	}

	/* len counts, so an embedded NUL is encoded and does not stop. */
	got = uri_encode("a\0b", 3, 0);
	CHECK_STR(got, "a%00b");
	free(got);
	got = uri_encode("abc", 2, 0);
	CHECK_STR(got, "ab");
	free(got);
}

static void
test_hex_decode(void)
{
	static const char digits[] = "0123456789abcdefABCDEF";
	unsigned char out[4], all[256];
	char text[2 * 256 + 1];
	int ok = 1;

	for (int c = -1; c < 256; c++) {
		const char *at = c > 0 ? strchr(digits, c) : NULL;
		int want = at == NULL ? -1 : (int)(at - digits) < 16 ?
		    (int)(at - digits) : (int)(at - digits) - 6;

		if (hex_value(c) != want) {
			ok = 0;
			fprintf(stderr, "    hex_value(%d) = %d\n", c,
			    hex_value(c));
		}
	}
	CHECK(ok);

	CHECK(hex_decode("00ff7Fa0", 4, out) == 0);
	CHECK(out[0] == 0x00 && out[1] == 0xff && out[2] == 0x7f &&
	    out[3] == 0xa0);
	CHECK(hex_decode("", 0, out) == 0);
	CHECK(hex_decode("0g", 1, out) == -1);
	CHECK(hex_decode("g0", 1, out) == -1);
	CHECK(hex_decode(" 1", 1, out) == -1);
	CHECK(hex_decode("+1", 1, out) == -1);
	/* Stops at a NUL: never reads past the end of a C string. */
	CHECK(hex_decode("1", 1, out) == -1);
	CHECK(hex_decode("", 1, out) == -1);

	/* Every byte value round-trips through hex_encode. */
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	hex_encode(all, sizeof(all), text);
	{
		unsigned char back[256];

		CHECK(hex_decode(text, sizeof(back), back) == 0);
		CHECK(memcmp(back, all, sizeof(all)) == 0);
	}
}

/*
 * An independent validator, in the manner of upload.c's: decode, then refuse
 * overlongs, surrogates and values above U+10FFFF.
 */
static int
ref_utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i], n, min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc0 && c <= 0xdf)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf7)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return 0;
		if (len - i <= n)
			return 0;
		for (unsigned k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* Every string of one and two bytes, and every three-byte string that
 * starts with a three-byte lead (E0..EF). */
static void
test_utf8_short(void)
{
	unsigned char s[3];
	size_t bad = 0, valid = 0;

	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		bad += is_utf8((char *)s, 1) != ref_utf8_valid(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			bad += is_utf8((char *)s, 2) != ref_utf8_valid(s, 2);
			valid += (size_t)ref_utf8_valid(s, 2);
			if (a < 0xe0 || a > 0xef)
				continue;
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				bad += is_utf8((char *)s, 3) !=
				    ref_utf8_valid(s, 3);
				if (utf8_seq((char *)s, 3) !=
				    (ref_utf8_valid(s, 3) ? 3u : 0u))
					bad++;
			}
		}
	}
	CHECK(bad == 0);
	/* 128 * 128 ASCII pairs and 1920 two-byte characters. */
	CHECK(valid == 128 * 128 + 1920);
	CHECK(is_utf8("", 0));
	CHECK(utf8_seq("", 0) == 0);
	CHECK(utf8_seq("a", 1) == 0);
}

/* Four-byte leads with every second byte and the edges of the others;
 * then the boundary code points, and a sequence cut short by len. */
static void
test_utf8_long(void)
{
	static const unsigned char edge[] = { 0x00, 0x7f, 0x80, 0xbf, 0xc0,
	    0xff };
	unsigned char s[4];
	size_t bad = 0;

	for (unsigned a = 0xf0; a <= 0xf8; a++)
		for (unsigned b = 0; b < 256; b++)
			for (size_t c = 0; c < sizeof(edge); c++)
				for (size_t d = 0; d < sizeof(edge); d++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = edge[c];
					s[3] = edge[d];
					bad += is_utf8((char *)s, 4) !=
					    ref_utf8_valid(s, 4);
				}
	CHECK(bad == 0);
	CHECK(is_utf8("\xf0\x90\x80\x80", 4));		/* U+10000 */
	CHECK(is_utf8("\xf4\x8f\xbf\xbf", 4));		/* U+10FFFF */
	CHECK(!is_utf8("\xf4\x90\x80\x80", 4));	/* U+110000 */
	CHECK(!is_utf8("\xf0\x8f\xbf\xbf", 4));	/* overlong */
	CHECK(!is_utf8("\xed\xa0\x80", 3));		/* U+D800 */
	CHECK(is_utf8("\xed\x9f\xbf", 3));		/* U+D7FF */
	CHECK(!is_utf8("\xc0\x80", 2));			/* overlong NUL */
	CHECK(is_utf8("a\0b", 3));			/* U+0000 is UTF-8 */
	CHECK(!is_utf8("\xe2\x82\xac", 2));		/* cut by len */
	CHECK(utf8_seq("\xe2\x82\xac", 3) == 3);
	CHECK(utf8_seq("\xe2\x82\xac", 2) == 0);
	CHECK(utf8_seq("\xf0\x9f\x98\x80", 4) == 4);
}

/* Every code point but the surrogates: the bytes utf8_put writes are
 * the one valid sequence for it, of the shortest length. */
static void
test_utf8_put(void)
{
	char out[4];
	size_t bad = 0, n;

	for (unsigned long cp = 0; cp <= 0x10ffff; cp++) {
		unsigned long back;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_put(out, cp);
		if (n != (cp < 0x80 ? 1u : cp < 0x800 ? 2u :
		    cp < 0x10000 ? 3u : 4u) || !is_utf8(out, n) ||
		    (n > 1 && utf8_seq(out, n) != n)) {
			bad++;
			continue;
		}
		back = n == 1 ? (unsigned char)out[0] :
		    (unsigned char)out[0] & (0x7f >> n);
		for (size_t k = 1; k < n; k++)
			back = back << 6 | ((unsigned char)out[k] & 0x3f);
		bad += back != cp;
	}
	CHECK(bad == 0);
}
