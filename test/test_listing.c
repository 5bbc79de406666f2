/* test_listing.c: the backup layout (keys, the listing's name and body)
 * and the checks that keep a path from the bucket below the target, with
 * fixed vectors: the crafted names of issue 18 among them. */
#include <stdlib.h>
#include <string.h>

#include "../keyset.h"
#include "../listing.h"
#include "../s3ops.h"
#include "../sweep.h"
#include "unit.h"

static void	test_keys(void);
static void	test_boto_keys(void);
static void	test_abs_path(void);
static void	test_safe_paths(void);
static void	test_show(void);
static void	test_read(void);
static void	test_read_refused(void);
static void	test_round_trip(void);
static void	add(struct s3_list *, const char *, long long);
static void	test_sweep_tables(void);
static void	test_sweep_depths(void);
static void	test_sweep_refused(void);
static void	test_sweep_missing(void);

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

/* ---- the backup index of a sweep (sweep.h) ---- */

static void
add(struct s3_list *l, const char *key, long long mtime)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->entries = realloc(l->entries, l->cap * sizeof(*l->entries));
	}
	memset(&l->entries[l->n], 0, sizeof(l->entries[0]));
	l->entries[l->n].key = strdup(key);
	l->entries[l->n++].mtime_ms = mtime;
}

/* Tables two levels down (-r), each with its listings newest first (the
 * older ones are where tableslurp and tableverify look when the newest is
 * not complete); --as-of cuts them. */
static void
test_sweep_tables(void)
{
	struct s3_list l = { 0 };
	struct sweep sw;

	add(&l, "h:/d/ks/cf/a-1-Data.db", 100);
	add(&l, "h:/d/ks/cf/a-1-Data.db-listdir.json", 100);
	add(&l, "h:/d/ks/cf/a-2-Data.db-listdir.json", 300);
	add(&l, "h:/d/ks/cf/a-3-Data.db-listdir.json", 200);
	add(&l, "h:/d/ks/cf2/b-1-Data.db-listdir.json", 50);
	add(&l, "h:/d/ks/cf/snapshots/s1/a-9-Data.db-listdir.json", 900);
	add(&l, "h:/d/ks2/t/c-1-Data.db-listdir.json", 10);
	add(&l, "h:/d/ks2/t/c-2-Data.db-listdir.json", 10);
	add(&l, "h:/d/top-Data.db-listdir.json", 5);
	add(&l, "h:/d/ks/cf/-listdir.json", 999);
	add(&l, "h:/dx/ks/cf/z-Data.db-listdir.json", 999);

	CHECK(sweep_index(&l, "h:/d/", 2, -1, &sw) == 0);
	CHECK(sw.nt == 3 && sw.nls == 6);
	if (sw.nt == 3) {
		CHECK_STR(sw.t[0].rel, "ks/cf");
		CHECK(!sw.t[0].refused && sw.t[0].n == 3);
		CHECK_STR(sw.t[0].ls[0].key,
		    "h:/d/ks/cf/a-2-Data.db-listdir.json");
		CHECK(sw.t[0].ls[0].ms == 300);
		CHECK_STR(sw.t[0].ls[1].key,
		    "h:/d/ks/cf/a-3-Data.db-listdir.json");
		CHECK(sw.t[0].ls[1].ms == 200);
		CHECK_STR(sw.t[0].ls[2].key,
		    "h:/d/ks/cf/a-1-Data.db-listdir.json");
		CHECK_STR(sw.t[1].rel, "ks/cf2");
		CHECK(sw.t[1].n == 1 && sw.t[1].dest == NULL);
		CHECK_STR(sw.t[2].rel, "ks2/t");
		/* Same time: the greater key first, for a fixed answer. */
		CHECK_STR(sw.t[2].ls[0].key,
		    "h:/d/ks2/t/c-2-Data.db-listdir.json");
	}
	/* Every key under base is seen, with its size. */
	CHECK(keyset_size(sw.seen, "h:/d/ks/cf/a-1-Data.db") == 0);
	CHECK(keyset_size(sw.seen, "h:/dx/ks/cf/z-Data.db-listdir.json") ==
	    -1);
	sweep_free(&sw);
	CHECK(sw.t == NULL && sw.seen == NULL);
	/* Point in time: later listings were not there yet. */
	CHECK(sweep_index(&l, "h:/d/", 2, 250, &sw) == 0);
	CHECK(sw.nt == 3 && sw.t[0].n == 2 && strcmp(sw.t[0].ls[0].key,
	    "h:/d/ks/cf/a-3-Data.db-listdir.json") == 0 && strcmp(
	    sw.t[0].ls[1].key, "h:/d/ks/cf/a-1-Data.db-listdir.json") == 0);
	sweep_free(&sw);
	CHECK(sweep_index(&l, "h:/d/", 2, 150, &sw) == 0);
	CHECK(sw.nt == 3 && strcmp(sw.t[0].ls[0].key,
	    "h:/d/ks/cf/a-1-Data.db-listdir.json") == 0);
	sweep_free(&sw);
	/* Before any listing of ks/cf: that table is not there yet. */
	CHECK(sweep_index(&l, "h:/d/", 2, 60, &sw) == 0);
	CHECK(sw.nt == 2 && strcmp(sw.t[0].rel, "ks/cf2") == 0);
	sweep_free(&sw);
	CHECK(sweep_index(&l, "h:/d/", 2, 5, &sw) == 0);
	CHECK(sw.nt == 0 && sw.nls == 0);
	sweep_free(&sw);
	s3_list_free(&l);
}

/* One table directory (depth 0), and any depth (--all-hosts). */
static void
test_sweep_depths(void)
{
	struct s3_list l = { 0 };
	struct sweep sw;

	add(&l, "h:/d/ks/cf/a-1-Data.db-listdir.json", 100);
	add(&l, "h:/d/ks/cf/a-2-Data.db-listdir.json", 300);
	add(&l, "h:/d/ks/cf2/b-1-Data.db-listdir.json", 50);
	add(&l, "h:/d/top-listdir.json", 1);
	add(&l, "h:/dd/ks/t1/a-listdir.json", 1);
	CHECK(sweep_index(&l, "h:/d/ks/cf/", 0, -1, &sw) == 0);
	CHECK(sw.nt == 1 && strcmp(sw.t[0].rel, "") == 0 && sw.t[0].n == 2 &&
	    strcmp(sw.t[0].ls[0].key, "h:/d/ks/cf/a-2-Data.db-listdir.json") ==
	    0);
	sweep_free(&sw);
	CHECK(sweep_index(&l, "h:/d/ks/cf3/", 0, -1, &sw) == 0);
	CHECK(sw.nt == 0);
	sweep_free(&sw);
	CHECK(sweep_index(&l, "h:/d/", 0, -1, &sw) == 0);
	CHECK(sw.nt == 1 && sw.t[0].rel[0] == '\0' && !sw.t[0].refused);
	sweep_free(&sw);
	CHECK(sweep_index(&l, "h:/", -1, -1, &sw) == 0);
	CHECK(sw.nt == 4 && sw.nls == 5);
	if (sw.nt == 4) {
		CHECK_STR(sw.t[0].rel, "d");
		CHECK_STR(sw.t[3].rel, "dd/ks/t1");
	}
	sweep_free(&sw);
	s3_list_free(&l);
}

/* Issue 18: a rel that climbs out, stays put or has an empty part is
 * refused, never taken for a table below base; without a depth to fill,
 * a listing key has no directory part to abuse. */
static void
test_sweep_refused(void)
{
	struct s3_list l = { 0 };
	struct sweep sw;

	add(&l, "testhost:/data/../../pwned-listdir.json", 10);
	add(&l, "testhost:/data/ks/../x-listdir.json", 10);
	add(&l, "testhost:/data/./cf/x-listdir.json", 10);
	add(&l, "testhost:/data//cf/x-listdir.json", 10);
	add(&l, "testhost:/data/ks/cf/x-listdir.json", 10);
	add(&l, "testhost:/data/ks/cf/y-listdir.json", 5);
	CHECK(sweep_index(&l, "testhost:/data/", 2, -1, &sw) == 0);
	CHECK(sw.nt == 5);
	for (size_t i = 0; i < sw.nt; i++)
		CHECK(sw.t[i].refused == (strcmp(sw.t[i].rel, "ks/cf") != 0));
	sweep_free(&sw);
	CHECK(sweep_index(&l, "testhost:/data/", 0, -1, &sw) == 0);
	CHECK(sw.nt == 0);
	sweep_free(&sw);
	s3_list_free(&l);
}

/* Issue 14: a listing is complete when the sweep found every file it
 * names; directories the original listed do not count against it. */
static void
test_sweep_missing(void)
{
	struct s3_list l = { 0 };
	struct sweep sw;
	const char *names[] = { "a-1-Data.db", "a-2-Data.db", "snapshots",
	    "backups", "a-3-Data.db", "x y%-TOC.txt" };
	struct listing_set set = { "/d/ks/cf", names, 6, NULL, 0 };
	size_t miss[7];

	add(&l, "P/h|/d/ks/cf/a-1-Data.db", 1);
	add(&l, "P/h|/d/ks/cf/a-1-Data.db-listdir.json", 1);
	add(&l, "P/h|/d/ks/cf/backups/a-0-Data.db", 1);
	add(&l, "P/h|/d/ks/cf/x y%-TOC.txt", 1);
	add(&l, "P/h|/d/ks/cf2/a-3-Data.db", 1);	/* another table */
	add(&l, "Q/h|/d/ks/cf/a-2-Data.db", 1);	/* outside base */
	l.entries[0].size = 4242;
	CHECK(sweep_index(&l, "P/h|/d/", 2, -1, &sw) == 0);
	if (sw.seen == NULL)
		return;
	CHECK(keyset_size(sw.seen, "P/h|/d/ks/cf/a-1-Data.db") == 4242);
	CHECK(keyset_size(sw.seen, "P/h|/d/ks/cf/backups/") == 0);
	CHECK(keyset_size(sw.seen, "P/h|/d/ks/") == 0);
	CHECK(keyset_size(sw.seen, "Q/h|/d/ks/cf/a-2-Data.db") == -1);
	CHECK(sweep_seen_dir(sw.seen, "P/h|/d/ks/cf/backups") == 1);
	CHECK(sweep_seen_dir(sw.seen, "P/h|/d/ks/cf/a-1-Data.db") == 0);
	/* a-2 and a-3 are not there; "snapshots" (no object, nothing
	 * under it, no extension) and "backups" (keys under it) are the
	 * original's directories. */
	CHECK(sweep_missing(&set, "P/", "h", "|", sw.seen, miss) == 2);
	CHECK(miss[0] == 1 && miss[1] == 4);
	/* Complete. */
	set.n = 4;
	names[1] = "x y%-TOC.txt";
	CHECK(sweep_missing(&set, "P/", "h", "|", sw.seen, miss) == 0);
	/* The key is the listing's, from prefix, host and separator. */
	CHECK(sweep_missing(&set, "P/", "h", ":", sw.seen, miss) == 2);
	set.n = 0;
	CHECK(sweep_missing(&set, "P/", "h", "|", sw.seen, miss) == 0);
	sweep_free(&sw);
	s3_list_free(&l);
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
	test_sweep_tables();
	test_sweep_depths();
	test_sweep_refused();
	test_sweep_missing();
}
