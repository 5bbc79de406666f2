/* test_listing.c: the backup layout (keys, the listing's name and body)
 * and the checks that keep a path from the bucket below the target, with
 * fixed vectors: the crafted names of issue 18 among them. */
#include <stdlib.h>
#include <string.h>

#include "../listing.h"
#include "unit.h"

static void	test_keys(void);
static void	test_boto_keys(void);
static void	test_abs_path(void);
static void	test_safe_paths(void);
static void	test_show(void);
static void	test_read(void);
static void	test_read_refused(void);
static void	test_round_trip(void);

static void
test_keys(void)
{
	char *p;

	p = listing_key("", "host", ":", "/d/ks", "/");
	CHECK_STR(p, "host:/d/ks/");
	free(p);
	p = listing_key("backups/", "h", "|", "/x", "");
	CHECK_STR(p, "backups/h|/x");
	free(p);
	p = listing_file_key("p/", "h", ":", "/d/ks/cf", "a-Data.db");
	CHECK_STR(p, "p/h:/d/ks/cf/a-Data.db");
	free(p);
	/* The root's listing says "/": its files are "/name", as uploaded. */
	p = listing_file_key("", "h", ":", "/", "x");
	CHECK_STR(p, "h:/x");
	free(p);
	p = listing_of("h:/d/a-Data.db");
	CHECK_STR(p, "h:/d/a-Data.db-listdir.json");
	free(p);
	CHECK(listing_is_listing("h:/d/a-listdir.json", 19));
	CHECK(listing_is_listing("x-listdir.json", 14));
	CHECK(!listing_is_listing("-listdir.json", 13));
	CHECK(!listing_is_listing("h:/d/a-listdir.jso", 18));
	CHECK(!listing_is_listing("h:/d/a-Data.db", 14));
}

/* The keys the original (boto 2) really stored: empty path elements
 * dropped, so --keyname-separator / and a prefix with slashes give the
 * keys already in the bucket of a host switched from it. */
static void
test_boto_keys(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{ "node1//var/lib/x", "node1/var/lib/x" },
		{ "/backups//node1:/var/x", "backups/node1:/var/x" },
		{ "a///b////c", "a/b/c" },
		{ "///x", "x" },
		{ "x/", "x/" },
		{ "x///", "x/" },
		{ "//", "" },
		{ "/", "" },
		{ "", "" },
		{ "node1:/var/lib/x", "node1:/var/lib/x" },
		{ "a:b/c", "a:b/c" },
	};
	char *p;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *s = strdup(v[i].in);

		CHECK(s != NULL);
		if (s == NULL)
			continue;
		CHECK_STR(listing_boto_key(s), v[i].out);
		free(s);
	}
	/* --keyname-separator / */
	p = listing_key("", "node1", "/", "/var/lib/c/ks/cf/a-Data.db", "");
	CHECK_STR(p, "node1/var/lib/c/ks/cf/a-Data.db");
	free(p);
	p = listing_file_key("", "node1", "/", "/var/lib/c/ks/cf", "a-TOC.txt");
	CHECK_STR(p, "node1/var/lib/c/ks/cf/a-TOC.txt");
	free(p);
	/* The prefix of the keys below a directory, and below the root. */
	p = listing_key("", "node1", "/", "/var/lib", "/");
	CHECK_STR(p, "node1/var/lib/");
	free(p);
	p = listing_key("", "node1", "/", "", "/");
	CHECK_STR(p, "node1/");
	free(p);
	p = listing_file_key("", "node1", "/", "/", "x");
	CHECK_STR(p, "node1/x");
	free(p);
	/* -p /backups// */
	p = listing_key("/backups//", "node1", ":", "/var/x", "");
	CHECK_STR(p, "backups/node1:/var/x");
	free(p);
	p = listing_file_key("/backups//", "node1", ":", "/var", "x");
	CHECK_STR(p, "backups/node1:/var/x");
	free(p);
	/* -p a/ and a separator ending in '/' */
	p = listing_key("a/", "h", "/", "/d", "/");
	CHECK_STR(p, "a/h/d/");
	free(p);
	p = listing_key("a/", "h", "//", "/d", "");
	CHECK_STR(p, "a/h/d");
	free(p);
	/* Default options: today's keys, ":/" stays. */
	p = listing_key("", "node1", ":", "/var/lib/x", "");
	CHECK_STR(p, "node1:/var/lib/x");
	free(p);
	p = listing_key("", "node1", ":", "", "/");
	CHECK_STR(p, "node1:/");
	free(p);
	p = listing_of("node1/var/a-Data.db");
	CHECK_STR(p, "node1/var/a-Data.db-listdir.json");
	free(p);
}

static void
test_abs_path(void)
{
	char *p;

	p = listing_abs_path("/var/lib//cassandra/data/ks/cf/");
	CHECK_STR(p, "/var/lib/cassandra/data/ks/cf");
	free(p);
	p = listing_abs_path("/a/./b/../c");
	CHECK_STR(p, "/a/c");
	free(p);
	p = listing_abs_path("/");
	CHECK_STR(p, "");
	free(p);
	p = listing_abs_path("/../..");
	CHECK_STR(p, "");
	free(p);
	CHECK(listing_abs_path("relative/path") == NULL);
	CHECK(listing_abs_path("") == NULL);
}

static void
test_safe_paths(void)
{
	static const struct {
		const char *s;
		size_t len;
		int name, rel, dir;
	} v[] = {
		{ "ks-cf-ka-1-Data.db", 18, 1, 1, 0 },
		{ "..x", 3, 1, 1, 0 },
		{ "x..", 3, 1, 1, 0 },
		{ "...", 3, 1, 1, 0 },
		{ ".hidden", 7, 1, 1, 0 },
		{ "", 0, 0, 1, 0 },
		{ ".", 1, 0, 0, 0 },
		{ "..", 2, 0, 0, 0 },
		{ "a/b", 3, 0, 1, 0 },
		{ "a\0b", 3, 0, 0, 0 },
		{ "ks/cf", 5, 0, 1, 0 },
		{ "../..", 5, 0, 0, 0 },
		{ "ks/..", 5, 0, 0, 0 },
		{ "ks/./cf", 7, 0, 0, 0 },
		{ "ks//cf", 6, 0, 0, 0 },
		{ "ks/", 3, 0, 0, 0 },
		{ "/ks", 3, 0, 0, 1 },
		{ "/", 1, 0, 0, 1 },
		{ "/data/ks/cf", 11, 0, 0, 1 },
		{ "/data/../..", 11, 0, 0, 0 },
		{ "/data/..", 8, 0, 0, 0 },
		{ "/data/.", 7, 0, 0, 0 },
		{ "/data//x", 8, 0, 0, 0 },
		{ "/data/", 6, 0, 0, 0 },
		{ "//", 2, 0, 0, 0 },
		{ "/da\0ta", 6, 0, 0, 0 },
		{ "/\xff\x01odd", 6, 0, 0, 1 },
		{ "\xff\x01odd", 5, 1, 1, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int n = listing_safe_name(v[i].s, v[i].len);
		int r = listing_safe_rel(v[i].s, v[i].len);
		int d = listing_safe_dir(v[i].s, v[i].len);

		CHECK(n == v[i].name && r == v[i].rel && d == v[i].dir);
		if (n != v[i].name || r != v[i].rel || d != v[i].dir)
			fprintf(stderr, "    vector %zu: name %d rel %d dir %d"
			    "\n", i, n, r, d);
	}
}

static void
test_show(void)
{
	char *p = listing_show("a\0b\n\x7f\xc3\xa9", 7);

	CHECK_STR(p, "a\\x00b\\x0a\\x7f\xc3\xa9");
	free(p);
	p = listing_show("\xff/\xc3", 3);	/* not UTF-8 */
	CHECK_STR(p, "\\xff/\\xc3");
	free(p);
	p = listing_show("", 0);
	CHECK_STR(p, "");
	free(p);
}

static void
test_read(void)
{
	static const char ok[] = "{\"/d/ks/cf\": [\"a-Data.db\", "
	    "\"a-Index.db\"], \"/d/ks/cf\": [\"b-Data.db\"], \"/\": []}";
	struct listing l;
	const struct listing_set *s;
	char err[256];

	CHECK(listing_read(ok, strlen(ok), &l, err, sizeof(err)) == 0);
	CHECK(l.n == 3);
	/* Repeated: the last, as Python reads it. */
	s = listing_find(&l, "/d/ks/cf");
	CHECK(s != NULL && s->n == 1 && strcmp(s->names[0], "b-Data.db") ==
	    0 && s->nrefused == 0);
	s = listing_find(&l, "/");
	CHECK(s != NULL && s->n == 0);
	CHECK(listing_find(&l, "/d/ks") == NULL);
	listing_free(&l);
	CHECK(l.sets == NULL && l.tree == NULL);

	/* Whole listings refused, with the reason. */
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "{\"/data/../..\": [\"pwned\"]}", "not an absolute path" },
		{ "{\"/data/ks\": [\"a\"], \"/data/..\": []}",
		    "/data/.." },
		{ "{\"data/ks\": [\"a\"]}", "not an absolute path" },
		{ "{\"\": [\"a\"]}", "not an absolute path" },
		{ "{\"/d/\": [\"a\"]}", "/d/" },
		{ "{\"/d//e\": [\"a\"]}", "/d//e" },
		{ "{\"/d\\u0000x\": [\"a\"]}", "/d\\x00x" },
		{ "{\"/d\": \"a\"}", "no file list for: /d" },
		{ "{\"/d\": {\"a\": 1}}", "no file list" },
		{ "[\"/d\", [\"a\"]]", "not a JSON object" },
		{ "\"/d\"", "not a JSON object" },
		{ "{\"/d\": [\"a\"]", "not valid JSON" },
		{ "", "not valid JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = listing_read(bad[i].body, strlen(bad[i].body), &l, err,
		    sizeof(err));

		CHECK(r < 0 && strstr(err, bad[i].why) != NULL);
		if (r == 0)
			listing_free(&l);
		else if (strstr(err, bad[i].why) == NULL)
			fprintf(stderr, "    %s: %s\n", bad[i].body, err);
	}
	/* A short err buffer still gets a terminated message. */
	CHECK(listing_read("[]", 2, &l, err, 5) < 0 && strlen(err) < 5);
}

static void
test_read_refused(void)
{
	/* Each entry on its own: the good ones kept, the bad ones named. */
	static const char body[] = "{\"/d\": [\"ok-1\", \"..\", \".\", \"\", "
	    "\"/etc/passwd\", \"a/b\", \"nul\\u0000x\", 7, null, [\"x\"], "
	    "\"ok-2\", \"..x\", \"\\udcff\\n\"]}";
	static const char *const want_refused[] = { "..", ".", "",
	    "/etc/passwd", "a/b", "nul\\x00x", "(not a string)",
	    "(not a string)", "(not a string)" };
	struct listing l;
	const struct listing_set *s;
	char err[256];

	CHECK(listing_read(body, strlen(body), &l, err, sizeof(err)) == 0);
	s = listing_find(&l, "/d");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(s->n == 4);
	if (s->n == 4) {
		CHECK_STR(s->names[0], "ok-1");
		CHECK_STR(s->names[1], "ok-2");
		CHECK_STR(s->names[2], "..x");
		CHECK_STR(s->names[3], "\xff\n");
	}
	CHECK(s->nrefused == sizeof(want_refused) / sizeof(want_refused[0]));
	for (size_t i = 0; i < s->nrefused && i < sizeof(want_refused) /
	    sizeof(want_refused[0]); i++)
		CHECK_STR(s->refused[i], want_refused[i]);
	listing_free(&l);
}

static void
test_round_trip(void)
{
	const char *names[] = { "a-Data.db", "\xff\x01odd", "\xc3\xa9" };
	struct listing l;
	const struct listing_set *s;
	struct buf b;
	char err[256];

	buf_init(&b);
	listing_write(&b, "/d/\xc3\xa9", names, 3);
	CHECK(!b.failed);
	CHECK(listing_read(b.data, b.len, &l, err, sizeof(err)) == 0);
	s = listing_find(&l, "/d/\xc3\xa9");
	CHECK(s != NULL && s->n == 3 && s->nrefused == 0);
	for (size_t i = 0; s != NULL && i < s->n && i < 3; i++)
		CHECK_STR(s->names[i], names[i]);
	listing_free(&l);
	buf_free(&b);
}

void
test_listing(void)
{
	test_keys();
	test_boto_keys();
	test_abs_path();
	test_safe_paths();
	test_show();
	test_read();
	test_read_refused();
	test_round_trip();
}
