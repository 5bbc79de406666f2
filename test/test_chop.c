/* test_chop.c: tablechop's rule as pure functions: ages in whole days and
 * exact, the original's observed example, directory boundaries, per-table
 * rule under a keyspace, the as-of time; its command line; the
 * multi-object delete body and answer. */
#include <stdlib.h>
#include <string.h>

#include "../chop.h"
#include "../keyset.h"
#include "../s3ops.h"
#include "unit.h"

#define DAY	86400000LL
#define HOUR	3600000LL

/* An object of a scenario; a listing names the keys in refs. */
struct sobj {
	const char *key;
	long long mtime;
	const char *refs[8];
};

static void	rule(const struct sobj *, size_t, long long,
		    const struct chop_age *, int *);
static char	*deleted(const struct sobj *, size_t, long long, const char *);
static void	test_age(void);
static void	test_expired(void);
static void	test_under(void);
static void	test_observed(void);
static void	test_per_directory(void);
static void	test_as_of(void);
static void	test_referenced(void);
static void	test_parse(void);
static void	test_delete_xml(void);

static int
is_listing(const char *key)
{
	size_t n = strlen(key);

	return n > 13 && strcmp(key + n - 13, "-listdir.json") == 0;
}

/* The rule end to end; keep[i] is the verdict on s[i]. */
static void
rule(const struct sobj *s, size_t n, long long as_of,
    const struct chop_age *age, int *keep)
{
	struct chop_obj *o = calloc(n, sizeof(*o));
	struct keyset *refs = keyset_new();

	for (size_t i = 0; i < n; i++) {
		o[i].key = s[i].key;
		o[i].mtime_ms = s[i].mtime;
		o[i].listing = is_listing(s[i].key);
	}
	chop_keep_listings(o, n, as_of, age);
	/* What chop.c does with the listings it reads. */
	for (size_t i = 0; i < n; i++)
		for (int k = 0; o[i].listing && o[i].keep && s[i].refs[k];
		    k++)
			CHECK(keyset_add(refs, s[i].refs[k], 0) == 0);
	chop_mark_referenced(o, n, refs);
	chop_keep_files(o, n, as_of);
	for (size_t i = 0; i < n; i++)
		keep[i] = o[i].keep;
	keyset_free(refs);
	free(o);
}

/* The deleted keys' last path components, space-separated, in order. */
static char *
deleted(const struct sobj *s, size_t n, long long as_of, const char *age)
{
	static char out[1024];
	struct chop_age a;
	int keep[64];

	out[0] = '\0';
	if (chop_parse_age(age, &a) < 0) {
		strcpy(out, "(bad age)");
		return out;
	}
	rule(s, n, as_of, &a, keep);
	for (size_t i = 0; i < n; i++) {
		if (keep[i])
			continue;
		if (out[0] != '\0')
			strcat(out, " ");
		strcat(out, strrchr(s[i].key, '/') + 1);
	}
	return out;
}

static void
test_age(void)
{
	struct chop_age a;

	CHECK(chop_parse_age("7", &a) == 0 && a.whole_days && a.ms == 7 * DAY);
	CHECK(chop_parse_age("0", &a) == 0 && a.whole_days && a.ms == 0);
	CHECK(chop_parse_age("-1", &a) == 0 && a.whole_days && a.ms == -DAY);
	CHECK(chop_parse_age("0.5", &a) == 0 && !a.whole_days &&
	    a.ms == 12 * HOUR);
	CHECK(chop_parse_age(".25", &a) == 0 && !a.whole_days &&
	    a.ms == 6 * HOUR);
	CHECK(chop_parse_age("36h", &a) == 0 && !a.whole_days &&
	    a.ms == 36 * HOUR);
	CHECK(chop_parse_age("90m", &a) == 0 && a.ms == 90 * 60000LL);
	CHECK(chop_parse_age("30s", &a) == 0 && a.ms == 30000);
	CHECK(chop_parse_age("1.5s", &a) == 0 && a.ms == 1500);
	CHECK(chop_parse_age("2d", &a) == 0 && !a.whole_days &&
	    a.ms == 2 * DAY);
	CHECK(chop_parse_age("", &a) < 0);
	CHECK(chop_parse_age("-", &a) < 0);
	CHECK(chop_parse_age("7.", &a) < 0);
	CHECK(chop_parse_age("7x", &a) < 0);
	CHECK(chop_parse_age("7hh", &a) < 0);
	CHECK(chop_parse_age("1e3", &a) < 0);
	CHECK(chop_parse_age("seven", &a) < 0);
	CHECK(chop_parse_age("+7", &a) < 0);
	CHECK(chop_parse_age("9999999999", &a) < 0);
}

static void
test_expired(void)
{
	struct chop_age a;

	/* Whole days as timedelta.days counts them. */
	chop_parse_age("7", &a);
	CHECK(!chop_expired(7 * DAY + 23 * HOUR, &a));
	CHECK(chop_expired(8 * DAY, &a));
	CHECK(!chop_expired(0, &a));
	chop_parse_age("0", &a);
	CHECK(!chop_expired(23 * HOUR, &a));
	CHECK(chop_expired(DAY, &a));
	/* -1: everything but the newest goes, even a listing 1 ms old. */
	chop_parse_age("-1", &a);
	CHECK(chop_expired(0, &a));
	CHECK(chop_expired(1, &a));
	/* Exact ages. */
	chop_parse_age("30s", &a);
	CHECK(!chop_expired(30000, &a));
	CHECK(chop_expired(30001, &a));
	chop_parse_age("0.5", &a);
	CHECK(!chop_expired(12 * HOUR, &a));
	CHECK(chop_expired(12 * HOUR + 1, &a));
}

static void
test_under(void)
{
	CHECK(chop_under("h:/ks/cf/a-Data.db", "h:/ks/cf"));
	CHECK(chop_under("h:/ks/cf/snapshots/x/a-Data.db", "h:/ks/cf"));
	CHECK(!chop_under("h:/ks/cf2/a-Data.db", "h:/ks/cf"));
	CHECK(!chop_under("h:/ks/cf-2/a-Data.db", "h:/ks/cf"));
	CHECK(!chop_under("h:/ks/cf", "h:/ks/cf"));
	CHECK(!chop_under("h:/ks/cf/", "h:/ks/cf"));
	CHECK(!chop_under("g:/ks/cf/a", "h:/ks/cf"));
	CHECK(chop_under("h:/ks/a", "h:"));
}

/*
 * As the original's tablechop was seen to act: listings of generations
 * 1/2/3 aged 10/5/0 days; generation 2's listing still names generation
 * 1's files, generation 3 is their compaction.
 */
static const struct sobj observed[] = {
	{ "h:/d/ks/cf/ks-cf-ka-1-Data.db", -10 * DAY, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-1-Index.db", -10 * DAY, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-1-Data.db-listdir.json", -10 * DAY,
	    { "h:/d/ks/cf/ks-cf-ka-1-Data.db",
	    "h:/d/ks/cf/ks-cf-ka-1-Index.db" } },
	{ "h:/d/ks/cf/ks-cf-ka-2-Data.db", -5 * DAY, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-2-Index.db", -5 * DAY, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-2-Data.db-listdir.json", -5 * DAY,
	    { "h:/d/ks/cf/ks-cf-ka-1-Data.db",
	    "h:/d/ks/cf/ks-cf-ka-1-Index.db",
	    "h:/d/ks/cf/ks-cf-ka-2-Data.db",
	    "h:/d/ks/cf/ks-cf-ka-2-Index.db" } },
	{ "h:/d/ks/cf/ks-cf-ka-3-Data.db", -HOUR, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-3-Index.db", -HOUR, { 0 } },
	{ "h:/d/ks/cf/ks-cf-ka-3-Data.db-listdir.json", -HOUR,
	    { "h:/d/ks/cf/ks-cf-ka-3-Data.db",
	    "h:/d/ks/cf/ks-cf-ka-3-Index.db" } },
};
#define NOBSERVED (sizeof(observed) / sizeof(observed[0]))

static void
test_observed(void)
{
	CHECK_STR(deleted(observed, NOBSERVED, 0, "7"),
	    "ks-cf-ka-1-Data.db-listdir.json");
	CHECK_STR(deleted(observed, NOBSERVED, 0, "3"),
	    "ks-cf-ka-1-Data.db ks-cf-ka-1-Index.db "
	    "ks-cf-ka-1-Data.db-listdir.json ks-cf-ka-2-Data.db "
	    "ks-cf-ka-2-Index.db ks-cf-ka-2-Data.db-listdir.json");
	CHECK_STR(deleted(observed, NOBSERVED, 0, "30"), "");
	/* Only the newest listing and its files survive -1. */
	CHECK_STR(deleted(observed, NOBSERVED, 0, "-1"),
	    deleted(observed, NOBSERVED, 0, "3"));
	/* Whole days: generation 2 (5 days) is not past 5, nor is it at 5.9
	 * days; exactly: 4.5 days is. */
	CHECK_STR(deleted(observed, NOBSERVED, 0, "5"),
	    "ks-cf-ka-1-Data.db-listdir.json");
	CHECK_STR(deleted(observed, NOBSERVED, 22 * HOUR, "5"),
	    "ks-cf-ka-1-Data.db-listdir.json");
	CHECK_STR(deleted(observed, NOBSERVED, 0, "4.5"),
	    deleted(observed, NOBSERVED, 0, "3"));
	/* The same listings in seconds, evaluated as an exact age. */
	{
		struct sobj s[NOBSERVED];

		memcpy(s, observed, sizeof(s));
		for (size_t i = 0; i < NOBSERVED; i++)
			s[i].mtime = s[i].mtime / DAY * 1000;
		CHECK_STR(deleted(s, NOBSERVED, 0, "7s"),
		    "ks-cf-ka-1-Data.db-listdir.json");
		CHECK_STR(deleted(s, NOBSERVED, 0, "3s"),
		    deleted(observed, NOBSERVED, 0, "3"));
	}
}

/* A keyspace path: each table keeps its newest listing, however old. */
static void
test_per_directory(void)
{
	static const struct sobj s[] = {
		{ "h:/d/ks/cf/a-1-Data.db", -20 * DAY, { 0 } },
		{ "h:/d/ks/cf/a-1-Data.db-listdir.json", -20 * DAY,
		    { "h:/d/ks/cf/a-1-Data.db" } },
		{ "h:/d/ks/cf/a-2-Data.db", -9 * DAY, { 0 } },
		{ "h:/d/ks/cf/a-2-Data.db-listdir.json", -9 * DAY,
		    { "h:/d/ks/cf/a-2-Data.db" } },
		{ "h:/d/ks/cf2/b-1-Data.db", -30 * DAY, { 0 } },
		{ "h:/d/ks/cf2/b-1-Data.db-listdir.json", -30 * DAY,
		    { "h:/d/ks/cf2/b-1-Data.db" } },
		/* No listing in this directory: left alone. */
		{ "h:/d/ks/other/x-Index.db", -40 * DAY, { 0 } },
		/* Uploaded after the newest listing of cf: a backup under
		 * way, kept although no listing names it. */
		{ "h:/d/ks/cf/a-3-Index.db", -8 * DAY, { 0 } },
		/* Older and unnamed: deleted. */
		{ "h:/d/ks/cf/a-0-Index.db", -25 * DAY, { 0 } },
	};

	CHECK_STR(deleted(s, sizeof(s) / sizeof(s[0]), 0, "7"),
	    "a-1-Data.db a-1-Data.db-listdir.json a-0-Index.db");
	/* A listing in a subdirectory does not count for its parent. */
	{
		static const struct sobj t[] = {
			{ "h:/d/ks/cf/old-Index.db", -9 * DAY, { 0 } },
			{ "h:/d/ks/cf/snapshots/s/a-Data.db-listdir.json",
			    -DAY, { "h:/d/ks/cf/snapshots/s/a-Data.db" } },
			{ "h:/d/ks/cf/snapshots/s/a-Data.db", -DAY, { 0 } },
		};

		CHECK_STR(deleted(t, 3, 0, "-1"), "");
	}
}

/* As of a time: what was uploaded later is left alone, and a newer
 * listing still protects what it names. */
static void
test_as_of(void)
{
	static const struct sobj s[] = {
		{ "h:/p/f1", 0, { 0 } },
		{ "h:/p/f1-listdir.json", 0, { "h:/p/f1" } },
		{ "h:/p/f2", 2 * DAY, { 0 } },
		{ "h:/p/f2-listdir.json", 2 * DAY, { "h:/p/f2" } },
		{ "h:/p/f3", 10 * DAY, { 0 } },
		{ "h:/p/f3-listdir.json", 10 * DAY, { "h:/p/f3", "h:/p/f1" } },
	};

	/* As of day 5: f2's listing is the newest then; f1's is 5 days old. */
	CHECK_STR(deleted(s, 6, 5 * DAY, "5"), "");
	CHECK_STR(deleted(s, 6, 5 * DAY, "3"), "f1-listdir.json");
	CHECK_STR(deleted(s, 6, 5 * DAY, "-1"), "f1-listdir.json");
	/* As of day 20, f1 is still named by f3's listing. */
	CHECK_STR(deleted(s, 6, 20 * DAY, "-1"),
	    "f1-listdir.json f2 f2-listdir.json");
}

static void
test_referenced(void)
{
	struct chop_obj o[3] = {
		{ .key = "k/c" }, { .key = "k/a" }, { .key = "k/b" },
	};
	struct keyset *refs = keyset_new();

	CHECK(keyset_add(refs, "k/b", 0) == 0 &&
	    keyset_add(refs, "k/zz", 0) == 0 && keyset_add(refs, "k/c", 0) == 0);
	chop_mark_referenced(o, 3, refs);
	CHECK(o[0].referenced && !o[1].referenced && o[2].referenced);
	keyset_free(refs);
	refs = keyset_new();
	chop_mark_referenced(o, 3, refs);
	CHECK(o[0].referenced);
	keyset_free(refs);
}

static void
test_parse(void)
{
	struct chop_opts o;
	char err[256];
	char *a1[] = { "tablechop", "-d", "-l", "-j", "3", "-k", "AK", "-s",
	    "SK", "--token", "TK", "--aws-region", "eu-west-1", "-n", "h",
	    "bkt", "/d/ks/cf", "7", NULL };
	char *a2[] = { "tablechop", "bkt", "/p", "-1", "-P", "pre/",
	    "--keyname-separator=|", "--as-of", "2024-05-01T00:00:00Z",
	    "--endpoint", "https://x:1", "--path-style", NULL };
	char *a3[] = { "tablechop", "-dlj2", "bkt", "/p", "36h", NULL };
	char *a4[] = { "tablechop", "bkt", "/p", NULL };
	char *a5[] = { "tablechop", "bkt", "/p", "7x", NULL };
	char *a6[] = { "tablechop", "-x", "bkt", "/p", "1", NULL };
	char *a7[] = { "tablechop", "-h", NULL };
	char *a8[] = { "tablechop", "--as-of", "yesterday", "b", "/p", "1",
	    NULL };
	char *a9[] = { "tablechop", "b", "/p", "1", "extra", NULL };
	char *a10[] = { "tablechop", "-j", "0", "b", "/p", "1", NULL };

	CHECK(chop_parse(18, a1, &o, err, sizeof(err)) == CLI_OK);
	CHECK(o.dry_run && o.list && o.parallel == 3);
	CHECK_STR(o.c.aws_key, "AK");
	CHECK_STR(o.c.aws_secret, "SK");
	CHECK_STR(o.c.aws_token, "TK");
	CHECK_STR(o.c.aws_region, "eu-west-1");
	CHECK_STR(o.c.name, "h");
	CHECK_STR(o.bucket, "bkt");
	CHECK_STR(o.path, "/d/ks/cf");
	CHECK(o.age.whole_days && o.age.ms == 7 * DAY);
	CHECK_STR(o.c.prefix, "");
	CHECK_STR(o.c.separator, ":");
	CHECK(!o.c.as_of_given && o.c.retries == 3);

	CHECK(chop_parse(12, a2, &o, err, sizeof(err)) == CLI_OK);
	CHECK(o.age.ms == -DAY && !o.dry_run && o.parallel == 5);
	CHECK_STR(o.c.prefix, "pre/");
	CHECK_STR(o.c.separator, "|");
	CHECK(o.c.as_of_given && o.c.as_of_ms == 1714521600000LL);
	CHECK_STR(o.c.endpoint, "https://x:1");
	CHECK(o.c.path_style == 1);

	CHECK(chop_parse(5, a3, &o, err, sizeof(err)) == CLI_OK);
	CHECK(o.dry_run && o.list && o.parallel == 2 && o.age.ms == 36 * HOUR);

	CHECK(chop_parse(3, a4, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "required: age") != NULL);
	CHECK(chop_parse(4, a5, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "argument age") != NULL);
	CHECK(chop_parse(5, a6, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "-x") != NULL);
	CHECK(chop_parse(2, a7, &o, err, sizeof(err)) == CLI_HELP);
	CHECK(chop_parse(6, a8, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "--as-of") != NULL);
	CHECK(chop_parse(5, a9, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(chop_parse(6, a10, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(chop_usage, "bucket path age") != NULL);
	CHECK(unit_help_has(chop_help, "--as-of"));
}

static void
test_delete_xml(void)
{
	const char *keys[] = { "h:/d/a&b<c>\"'", "h:/d/\xc3\xa9\x01" };
	const char *ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	    "<Deleted><Key>h:/d/x</Key></Deleted></DeleteResult>";
	const char *errs = "<DeleteResult><Error><Key>h:/d/a&amp;b</Key>"
	    "<Code>AccessDenied</Code><Message>Access Denied</Message>"
	    "</Error><Deleted><Key>k2</Key></Deleted><Error><Key>k3</Key>"
	    "<Code>InternalError</Code></Error></DeleteResult>";
	const char *notresult = "<Error><Code>MalformedXML</Code></Error>";
	struct s3_delete_error *e;
	size_t n;
	char *body = s3_delete_body(keys, 2);

	CHECK_STR(body, "<Delete><Quiet>true</Quiet><Object><Key>"
	    "h:/d/a&amp;b&lt;c&gt;&quot;&apos;</Key></Object><Object><Key>"
	    "h:/d/\xc3\xa9&#x1;</Key></Object></Delete>");
	free(body);
	CHECK(s3_delete_parse(ok, strlen(ok), &e, &n) == 0 && n == 0);
	s3_delete_errors_free(e, n);
	CHECK(s3_delete_parse(errs, strlen(errs), &e, &n) == 2 && n == 2);
	if (n == 2) {
		CHECK_STR(e[0].key, "h:/d/a&b");
		CHECK_STR(e[0].code, "AccessDenied");
		CHECK_STR(e[0].message, "Access Denied");
		CHECK_STR(e[1].key, "k3");
		CHECK_STR(e[1].code, "InternalError");
		CHECK_STR(e[1].message, "");
	}
	s3_delete_errors_free(e, n);
	CHECK(s3_delete_parse(notresult, strlen(notresult), &e, &n) == -1);
	/* An <Error> without its <Key>. */
	notresult = "<DeleteResult><Error><Code>X</Code></Error>"
	    "</DeleteResult>";
	CHECK(s3_delete_parse(notresult, strlen(notresult), &e, &n) == -1);
}

void
test_chop(void)
{
	test_age();
	test_expired();
	test_under();
	test_observed();
	test_per_directory();
	test_as_of();
	test_referenced();
	test_parse();
	test_delete_xml();
}
