/* test_jsonread.c: jsonread.c on the listing and stat texts, every escape,
 * the surrogateescape round trip of json.c's output for all byte values,
 * numbers, and malformed documents. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../json.h"
#include "../listing.h"
#include "../jsonread.h"
#include "unit.h"

static struct jr_value *parse(const char *);
static int	bad(const char *);
static int	string_is(const char *, const char *, size_t);
static int	roundtrip(const unsigned char *, size_t);
static void	test_listing(void);
static void	test_stat(void);
static void	test_escapes(void);
static void	test_roundtrip(void);
static void	test_numbers(void);
static void	test_structure(void);
static void	test_malformed(void);

/* Parses an exact-size copy of s with no NUL after it, as an HTTP body
 * comes, so that the sanitizers see any read past the end. */
static struct jr_value *
parse(const char *s)
{
	char err[128];
	size_t len = strlen(s);
	char *body = malloc(len > 0 ? len : 1);
	struct jr_value *v = NULL;

	if (body != NULL) {
		memcpy(body, s, len);
		v = jr_parse(body, len, err, sizeof(err));
		free(body);
	}
	return v;
}

/* 1 when s is refused with a message. */
static int
bad(const char *s)
{
	char err[128] = "unset";
	struct jr_value *v = jr_parse(s, strlen(s), err, sizeof(err));

	if (v != NULL) {
		jr_free(v);
		return 0;
	}
	return strncmp(err, "offset ", 7) == 0;
}

/* The JSON string text decodes to exactly these bytes. */
static int
string_is(const char *text, const char *want, size_t wantlen)
{
	struct jr_value *v = parse(text);
	int ok;

	ok = v != NULL && v->type == JR_STRING && v->len == wantlen &&
	    memcmp(v->str, want, wantlen) == 0 && v->str[wantlen] == '\0';
	jr_free(v);
	return ok;
}

/* json.c's writer, then this reader: the same bytes come back. */
static int
roundtrip(const unsigned char *s, size_t len)
{
	struct buf b;
	struct jr_value *v;
	char err[128];
	int ok;

	buf_init(&b);
	json_string(&b, (const char *)s, len);
	if (b.failed) {
		buf_free(&b);
		return 0;
	}
	v = jr_parse(b.data, b.len, err, sizeof(err));
	ok = v != NULL && v->type == JR_STRING && v->len == len &&
	    memcmp(v->str, s, len) == 0;
	jr_free(v);
	buf_free(&b);
	return ok;
}

static void
test_listing(void)
{
	/* The original's example listing (its README). */
	const char *doc = "{\"/var/lib/cassandra/data/ks/cf\": "
	    "[\"ks-cf-ka-1-Data.db\", \"ks-cf-ka-3-Data.db\", "
	    "\"ks-cf-ka-1-Index.db\"]}";
	struct jr_value *v = parse(doc);
	const struct jr_value *set;

	CHECK(v != NULL && v->type == JR_OBJECT && v->len == 1);
	set = jr_member(v, "/var/lib/cassandra/data/ks/cf", 29);
	CHECK(set != NULL && set->type == JR_ARRAY && set->len == 3);
	if (set != NULL && set->len == 3) {
		CHECK_STR(set->items[0].str, "ks-cf-ka-1-Data.db");
		CHECK_STR(set->items[2].str, "ks-cf-ka-1-Index.db");
		CHECK(set->items[1].key == NULL);
	}
	CHECK(jr_member(v, "/var/lib/cassandra/data/ks/cf/", 30) == NULL);
	CHECK(jr_member(v, "/var/lib/cassandra/data/ks", 26) == NULL);
	jr_free(v);

	/* What listing_write writes reads back the same. */
	{
		const char *names[] = { "a-Data.db", "b\xff\n-Index.db",
		    "\xe2\x82\xac" };
		struct buf b;

		buf_init(&b);
		listing_write(&b, "/d/\xc3\xa9", names, 3);
		v = jr_parse(b.data, b.len, NULL, 0);
		set = jr_member(v, "/d/\xc3\xa9", 5);
		CHECK(set != NULL && set->len == 3);
		if (set != NULL && set->len == 3) {
			CHECK_STR(set->items[1].str, "b\xff\n-Index.db");
			CHECK_STR(set->items[2].str, "\xe2\x82\xac");
		}
		jr_free(v);
		buf_free(&b);
	}
}

static void
test_stat(void)
{
	struct jr_value *v;
	long long n;

	v = parse("{\"user\": \"cassandra\", \"gid\": 107, \"group\": "
	    "\"cassandra\", \"uid\": 105, \"mode\": 33188}");
	CHECK(v != NULL);
	CHECK_STR(jr_member_str(v, "user"), "cassandra");
	CHECK_STR(jr_member_str(v, "group"), "cassandra");
	CHECK(jr_member_int(v, "uid", &n) == 0 && n == 105);
	CHECK(jr_member_int(v, "gid", &n) == 0 && n == 107);
	CHECK(jr_member_int(v, "mode", &n) == 0 && n == 33188);
	CHECK(jr_member_int(v, "user", &n) == -1);
	CHECK(jr_member_int(v, "size", &n) == -1);
	CHECK(jr_member_str(v, "uid") == NULL);
	jr_free(v);

	/* Neither name resolved. */
	v = parse("{\"gid\": 0, \"uid\": 0, \"mode\": 33184}");
	CHECK(v != NULL && jr_member_str(v, "user") == NULL);
	CHECK(jr_member_int(v, "mode", &n) == 0 && n == 33184);
	jr_free(v);

	/* Not an object, a float, a name with a NUL byte. */
	v = parse("[1]");
	CHECK(v != NULL && jr_member_int(v, "uid", &n) == -1);
	jr_free(v);
	v = parse("{\"uid\": 1.0, \"user\": \"a\\u0000b\"}");
	CHECK(v != NULL && jr_member_int(v, "uid", &n) == -1);
	CHECK(v != NULL && jr_member_str(v, "user") == NULL);
	jr_free(v);

	/* Python keeps the last of repeated names. */
	v = parse("{\"uid\": 1, \"uid\": 2}");
	CHECK(jr_member_int(v, "uid", &n) == 0 && n == 2);
	jr_free(v);
}

static void
test_escapes(void)
{
	CHECK(string_is("\"\"", "", 0));
	CHECK(string_is("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t",
	    8));
	CHECK(string_is("\"\\u0041\\u00e9\\u20AC\"", "A\xc3\xa9\xe2\x82\xac",
	    6));
	CHECK(string_is("\"\\u0000\"", "\0", 1));
	CHECK(string_is("\"\\u007f\"", "\x7f", 1));
	/* Surrogate pairs: U+1F600 and U+10000, U+10FFFF. */
	CHECK(string_is("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4));
	CHECK(string_is("\"\\uD800\\uDC00\"", "\xf0\x90\x80\x80", 4));
	CHECK(string_is("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4));
	/* surrogateescape bytes, alone and next to others. */
	CHECK(string_is("\"\\udc80\"", "\x80", 1));
	CHECK(string_is("\"a\\udcffb\\udcc3\\udca9\"", "a\xff" "b\xc3\xa9",
	    5));
	/* Raw UTF-8 (and raw bytes) pass through as they are. */
	CHECK(string_is("\"\xc3\xa9\xf0\x9f\x98\x80\"",
	    "\xc3\xa9\xf0\x9f\x98\x80", 6));
	/* What no file name can be. */
	CHECK(bad("\"\\ud800\""));
	CHECK(bad("\"\\ud800x\""));
	CHECK(bad("\"\\ud800\\u0041\""));
	CHECK(bad("\"\\udc00\""));
	CHECK(bad("\"\\udc7f\""));
	CHECK(bad("\"\\udfff\""));
	CHECK(bad("\"\\x41\""));
	CHECK(bad("\"\\u12\""));
	CHECK(bad("\"\\u12g4\""));
	CHECK(bad("\"\\\""));
	CHECK(bad("\"a\nb\""));
	CHECK(bad("\"a\tb\""));
	CHECK(bad("\"abc"));
	CHECK(bad("\"abc\\"));
}

static void
test_roundtrip(void)
{
	unsigned char s[64];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int all = 1;

	/* Every byte value alone, and after and before ASCII. */
	for (int b = 0; b < 256; b++) {
		s[0] = 'x';
		s[1] = (unsigned char)b;
		s[2] = 'y';
		if (!roundtrip(s + 1, 1) || !roundtrip(s, 3)) {
			all = 0;
			fprintf(stderr, "    byte %d does not round-trip\n", b);
		}
	}
	CHECK(all);
	/* Pseudo-random strings, biased to high bytes. */
	all = 1;
	for (int i = 0; i < 5000 && all; i++) {
		size_t len = (size_t)(i % 40);

		for (size_t k = 0; k < len; k++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			s[k] = (unsigned char)((x * 2685821657736338717ULL) >>
			    56);
			if (k % 3 == 0)
				s[k] |= 0x80;
		}
		all = roundtrip(s, len);
	}
	CHECK(all);
	/* Valid multi-byte sequences, the largest and an overlong one. */
	CHECK(roundtrip((const unsigned char *)"\xf4\x8f\xbf\xbf", 4));
	CHECK(roundtrip((const unsigned char *)"\xc0\xaf", 2));
	CHECK(roundtrip((const unsigned char *)"\xed\xa0\x80", 3));
}

static void
test_numbers(void)
{
	struct jr_value *v;

	v = parse("0");
	CHECK(v != NULL && v->type == JR_NUMBER && v->is_int &&
	    v->integer == 0);
	jr_free(v);
	v = parse(" -42 ");
	CHECK(v != NULL && v->is_int && v->integer == -42);
	jr_free(v);
	v = parse("9223372036854775807");
	CHECK(v != NULL && v->is_int && v->integer == INT64_MAX);
	jr_free(v);
	v = parse("9223372036854775808");
	CHECK(v != NULL && v->type == JR_NUMBER && !v->is_int);
	jr_free(v);
	v = parse("1.5e3");
	CHECK(v != NULL && v->type == JR_NUMBER && !v->is_int);
	jr_free(v);
	v = parse("-0.25");
	CHECK(v != NULL && v->type == JR_NUMBER && !v->is_int);
	jr_free(v);
	v = parse("1E+2");
	CHECK(v != NULL && v->type == JR_NUMBER && !v->is_int);
	jr_free(v);
	CHECK(bad("01"));
	CHECK(bad("-"));
	CHECK(bad("1."));
	CHECK(bad(".5"));
	CHECK(bad("1e"));
	CHECK(bad("+1"));
	CHECK(bad("0x10"));
	CHECK(bad("NaN"));
	CHECK(bad("Infinity"));
}

static void
test_structure(void)
{
	struct jr_value *v;
	char deep[200];

	v = parse(" {\"a\" : [ true , false , null , {} , [] ] ,\n"
	    "\"b\":{}}\r\n");
	CHECK(v != NULL && v->type == JR_OBJECT && v->len == 2);
	if (v != NULL && v->len == 2) {
		const struct jr_value *a = jr_member(v, "a", 1);

		CHECK(a != NULL && a->type == JR_ARRAY && a->len == 5);
		if (a != NULL && a->len == 5) {
			CHECK(a->items[0].type == JR_TRUE);
			CHECK(a->items[1].type == JR_FALSE);
			CHECK(a->items[2].type == JR_NULL);
			CHECK(a->items[3].type == JR_OBJECT &&
			    a->items[3].len == 0);
			CHECK(a->items[4].type == JR_ARRAY &&
			    a->items[4].len == 0);
		}
		CHECK(jr_member(v, "b", 1) != NULL);
		CHECK(jr_member(v, "c", 1) == NULL);
	}
	jr_free(v);

	/* Many members: the item array grows. */
	{
		char big[8192];
		size_t o = 0;

		o += (size_t)snprintf(big + o, sizeof(big) - o, "[");
		for (int i = 0; i < 1000; i++)
			o += (size_t)snprintf(big + o, sizeof(big) - o, "%s%d",
			    i ? "," : "", i);
		snprintf(big + o, sizeof(big) - o, "]");
		v = parse(big);
		CHECK(v != NULL && v->len == 1000 &&
		    v->items[999].integer == 999);
		jr_free(v);
	}

	/* 64 levels are fine, 65 are refused. */
	memset(deep, '[', 64);
	memset(deep + 64, ']', 64);
	deep[128] = '\0';
	v = parse(deep);
	CHECK(v != NULL);
	jr_free(v);
	memset(deep, '[', 65);
	memset(deep + 65, ']', 65);
	deep[130] = '\0';
	CHECK(bad(deep));
	/* A member name with surrogateescape decodes like a string. */
	v = parse("{\"/d\\udcff\": 1}");
	CHECK(v != NULL && jr_member(v, "/d\xff", 3) != NULL);
	jr_free(v);
	jr_free(NULL);
}

static void
test_malformed(void)
{
	CHECK(bad(""));
	CHECK(bad("   "));
	CHECK(bad("[1,]"));
	CHECK(bad("[,1]"));
	CHECK(bad("[1 2]"));
	CHECK(bad("{\"a\"}"));
	CHECK(bad("{\"a\":}"));
	CHECK(bad("{\"a\":1,}"));
	CHECK(bad("{a:1}"));
	CHECK(bad("{'a':1}"));
	CHECK(bad("[1"));
	CHECK(bad("{\"a\":1"));
	CHECK(bad("[1]]"));
	CHECK(bad("{} {}"));
	CHECK(bad("tru"));
	CHECK(bad("nul"));
	CHECK(bad("True"));
	{
		/* A NUL byte after the value, counted in len; no room for
		 * the message is fine too. */
		char err[64];
		struct jr_value *v;

		CHECK(jr_parse("[1]\0", 4, err, sizeof(err)) == NULL);
		CHECK(jr_parse("[1,", 3, err, 0) == NULL);
		v = jr_parse("[1]", 3, err, 0);
		CHECK(v != NULL && v->len == 1);
		jr_free(v);
	}
}

void
test_jsonread(void)
{
	test_listing();
	test_stat();
	test_escapes();
	test_roundtrip();
	test_numbers();
	test_structure();
	test_malformed();
}
