/* test_restore.c: tableslurp's pure parts (command line, choice of
 * listings, MD5 to expect, commit log selection, stat metadata), the
 * companions' shared helpers, and the ListObjectsV2 answer parser. */
#include <stdlib.h>
#include <string.h>

#include "../companion.h"
#include "../restore.h"
#include "../s3ops.h"
#include "unit.h"

static void	test_parse(void);
static void	test_map_table(void);
static void	test_progress(void);
static void	test_expected_md5(void);
static void	test_commitlogs(void);
static void	test_stat(void);
static void	test_times(void);
static void	test_required(void);
static void	test_list_parse(void);

static void
test_parse(void)
{
	struct restore_opts o;
	char err[256];
	char *a1[] = { "tableslurp", "-k", "AK", "-s", "SK", "--token", "TK",
	    "--aws-region", "us-west-2", "-p", "-o", "cassandra", "-g",
	    "cassandra", "-t", "8", "--force", "-n", "host1", "bkt",
	    "/var/lib/cassandra/data/ks/cf", "/tmp/restore", NULL };
	char *a2[] = { "tableslurp", "-r", "--commitlogs", "/var/lib/cl",
	    "-P", "backups/", "--keyname-separator", "|", "--as-of=@100",
	    "b", "/d", "t", NULL };
	char *a3[] = { "tableslurp", "-f", "ks-cf-ka-1-Data.db", "b", "/d",
	    "t", NULL };
	char *a4[] = { "tableslurp", "-f", "x", "-r", "b", "/d", "t", NULL };
	char *a5[] = { "tableslurp", "b", "/d", NULL };
	char *a6[] = { "tableslurp", "-t0", "b", "/d", "t", NULL };
	char *a7[] = { "tableslurp", "--help", NULL };
	char *a8[] = { "tableslurp", "-f", "a/b", "b", "/d", "t", NULL };
	char *a9[] = { "tableslurp", "-pt3", "--aws-t", "T", "b", "/d", "t",
	    NULL };
	char *a10[] = { "tableslurp", "--pre", "x", "b", "/d", "t", NULL };

	CHECK(restore_parse(22, a1, &o, err, sizeof(err)) == CLI_OK);
	CHECK_STR(o.c.aws_key, "AK");
	CHECK_STR(o.c.aws_secret, "SK");
	CHECK_STR(o.c.aws_token, "TK");
	CHECK_STR(o.c.aws_region, "us-west-2");
	CHECK(o.preserve && o.force && o.threads == 8 && !o.recursive);
	CHECK_STR(o.owner, "cassandra");
	CHECK_STR(o.group, "cassandra");
	CHECK_STR(o.c.name, "host1");
	CHECK_STR(o.bucket, "bkt");
	CHECK_STR(o.origin, "/var/lib/cassandra/data/ks/cf");
	CHECK_STR(o.target, "/tmp/restore");
	CHECK(o.file == NULL && o.commitlogs == NULL);

	CHECK(restore_parse(12, a2, &o, err, sizeof(err)) == CLI_OK);
	CHECK(o.recursive && o.threads == 4 && !o.preserve);
	CHECK_STR(o.commitlogs, "/var/lib/cl");
	CHECK_STR(o.c.prefix, "backups/");
	CHECK_STR(o.c.separator, "|");
	CHECK(o.c.as_of_given && o.c.as_of_ms == 100000);

	CHECK(restore_parse(6, a3, &o, err, sizeof(err)) == CLI_OK);
	CHECK_STR(o.file, "ks-cf-ka-1-Data.db");
	CHECK(restore_parse(7, a4, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "not allowed") != NULL);
	CHECK(restore_parse(3, a5, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "required: target") != NULL);
	CHECK(restore_parse(5, a6, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(restore_parse(2, a7, &o, err, sizeof(err)) == CLI_HELP);
	CHECK(restore_parse(6, a8, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(restore_parse(7, a9, &o, err, sizeof(err)) == CLI_OK);
	CHECK(o.preserve && o.threads == 3);
	CHECK_STR(o.c.aws_token, "T");
	/* --preserve and --prefix: a prefix of both is refused. */
	CHECK(restore_parse(6, a10, &o, err, sizeof(err)) == CLI_USAGE);
	CHECK(strstr(err, "ambiguous") != NULL);
	CHECK(strstr(restore_usage, "bucket origin target") != NULL);
	CHECK(unit_help_has(restore_help, "--commitlogs"));

	/* --preserve is exact beside --preserve-special-bits. */
	{
		char *b1[] = { "tableslurp", "--preserve", "b", "/d", "t",
		    NULL };
		char *b2[] = { "tableslurp", "-p", "--preserve-special-bits",
		    "b", "/d", "t", NULL };

		CHECK(restore_parse(5, b1, &o, err, sizeof(err)) == CLI_OK);
		CHECK(o.preserve && !o.preserve_special);
		CHECK(restore_parse(6, b2, &o, err, sizeof(err)) == CLI_OK);
		CHECK(o.preserve && o.preserve_special);
		CHECK(unit_help_has(restore_help, "--preserve-special-bits"));
		CHECK(strstr(restore_usage, "[--preserve-special-bits]") !=
		    NULL);
	}
}

/* Issue 14: a rebuilt node's table directory under a new id. */
static void
test_map_table(void)
{
	const char *old = "t1-0123456789abcdef0123456789abcdef";
	const char *dirs[] = {
	    "t1_x-ffffffffffffffffffffffffffffffff",	/* another table */
	    "t-11111111111111111111111111111111",	/* a prefix of it */
	    "t1-fedcba9876543210fedcba9876543210",	/* new id */
	    "t1-0123456789ABCDEF0123456789abcdef",	/* not lower hex */
	    "t1-0123",
	    "t1-0123456789abcdef0123456789abcdef",	/* the same id */
	};
	size_t two[2] = { 9, 9 };

	CHECK(restore_table_len(old) == 2);
	CHECK(restore_table_len("t-0123456789abcdef0123456789abcdef") == 1);
	CHECK(restore_table_len("-0123456789abcdef0123456789abcdef") == 0);
	CHECK(restore_table_len("t10123456789abcdef0123456789abcdef") == 0);
	CHECK(restore_table_len("t1-0123456789abcdef0123456789abcde") == 0);
	CHECK(restore_table_len("t1-0123456789abcdef0123456789abcdefa") ==
	    0);
	CHECK(restore_table_len("t1") == 0 && restore_table_len("") == 0);
	CHECK(restore_map_table(old, dirs, 0, two) == -1);
	CHECK(restore_map_table(old, dirs, 2, two) == -1);
	CHECK(restore_map_table(old, dirs, 5, two) == 2);
	CHECK(restore_map_table(old, dirs + 5, 1, two) == 0);
	CHECK(restore_map_table(old, dirs, 6, two) == -2);
	CHECK(two[0] == 2 && two[1] == 5);
	/* Not a table directory: never mapped. */
	CHECK(restore_map_table("cf", dirs, 6, two) == -1);
	CHECK(restore_map_table("t-11111111111111111111111111111112", dirs,
	    6, two) == 1);
}

static void
test_progress(void)
{
	struct restore_progress p = { 12, 2000, 3 * 1048576, 125 * 1048576,
	    2000 };
	char line[200];

	CHECK(restore_progress_line(&p, line, sizeof(line)) == 0);
	CHECK_STR(line, "Progress: 12 of 2000 files, 3.0 of 125.0 MiB, "
	    "1.5 MiB/s, about 82s left");
	p.bytes_done = 0;	/* nothing yet: no time to tell */
	CHECK(restore_progress_line(&p, line, sizeof(line)) == 0);
	CHECK_STR(line, "Progress: 12 of 2000 files, 0.0 of 125.0 MiB, "
	    "0.0 MiB/s, about ?s left");
	p.bytes = p.bytes_done = 1572864;
	p.elapsed_ms = 0;
	p.files_done = 2000;
	CHECK(restore_progress_line(&p, line, sizeof(line)) == 0);
	CHECK_STR(line, "Progress: 2000 of 2000 files, 1.5 of 1.5 MiB, "
	    "0.0 MiB/s, about 0s left");
	CHECK(restore_progress_line(&p, line, 20) == -1);
}

static void
test_expected_md5(void)
{
	char out[33];

	CHECK(restore_expected_md5("6137cde4893c59f76f005a8123d8e8e6",
	    "0123456789abcdef0123456789abcdef", out) == 1);
	CHECK_STR(out, "6137cde4893c59f76f005a8123d8e8e6");
	CHECK(restore_expected_md5("", "0123456789ABCDEF0123456789ABCDEF",
	    out) == 2);
	CHECK_STR(out, "0123456789abcdef0123456789abcdef");
	CHECK(restore_expected_md5("", "0123456789abcdef0123456789abcdef-3",
	    out) == 0);
	CHECK(restore_expected_md5("bogus", "", out) == 0);
	CHECK(restore_expected_md5(NULL, NULL, out) == 0);
	CHECK(restore_expected_md5("6137cde4893c59f76f005a8123d8e8e", "",
	    out) == 0);
}

static void
test_commitlogs(void)
{
	unsigned long long id;

	CHECK(restore_commitlog_id("CommitLog-6-1714521600123.log", &id) &&
	    id == 1714521600123ULL);
	CHECK(restore_commitlog_id("CommitLog-7-5.log", &id) && id == 5);
	CHECK(restore_commitlog_id("CommitLog-10-42.log", &id) && id == 42);
	CHECK(!restore_commitlog_id("CommitLog-6-.log", &id));
	CHECK(!restore_commitlog_id("CommitLog--5.log", &id));
	CHECK(!restore_commitlog_id("CommitLog-6-5.log.tmp", &id));
	CHECK(!restore_commitlog_id("CommitLog-6-5xlog", &id));
	CHECK(!restore_commitlog_id("commitlog-6-5.log", &id));
	CHECK(!restore_commitlog_id("CommitLog-6-5", &id));
	CHECK(!restore_commitlog_id("CommitLog-6-99999999999999999999.log",
	    &id));
	/* The numeric comparison: "900" > 1000 was true as a string on
	 * Python 2; here it is not. */
	CHECK(!restore_commitlog_wanted("CommitLog-6-900.log", 500, 1000));
	CHECK(restore_commitlog_wanted("CommitLog-6-1001.log", 500, 1000));
	CHECK(!restore_commitlog_wanted("CommitLog-6-1000.log", 1000, 1000));
	/* An older segment uploaded after the listing: still written to. */
	CHECK(restore_commitlog_wanted("CommitLog-6-900.log", 1500, 1000));
	CHECK(!restore_commitlog_wanted("ks-cf-Data.db", 5000, 1000));
}

static void
test_stat(void)
{
	struct restore_stat st;

	CHECK(restore_parse_stat("{\"user\": \"cassandra\", \"gid\": 107, "
	    "\"group\": \"cassandra\", \"uid\": 105, \"mode\": 33188}", &st)
	    == 0);
	CHECK(st.has_uid && st.uid == 105 && st.has_gid && st.gid == 107);
	CHECK(st.has_mode && st.mode == 33188);
	CHECK_STR(st.user, "cassandra");
	CHECK_STR(st.group, "cassandra");
	restore_stat_free(&st);
	CHECK(restore_parse_stat("{\"gid\": 7, \"uid\": 5, \"mode\": 33184}",
	    &st) == 0);
	CHECK(st.user == NULL && st.group == NULL && st.uid == 5 &&
	    st.mode == 33184);
	restore_stat_free(&st);
	CHECK(restore_parse_stat("{\"uid\": -1, \"mode\": \"x\"}", &st) == 0);
	CHECK(!st.has_uid && !st.has_gid && !st.has_mode);
	restore_stat_free(&st);
	CHECK(restore_parse_stat("[]", &st) < 0);
	CHECK(restore_parse_stat("{", &st) < 0);
}

static void
test_times(void)
{
	char buf[32];

	/* Parsing is isotime.c's, in test_isotime.c. */
	companion_format_time(1714566896250LL, buf);
	CHECK_STR(buf, "2024-05-01T12:34:56.250Z");
	companion_format_time(0, buf);
	CHECK_STR(buf, "1970-01-01T00:00:00.000Z");
}

/* The three programs' "required" line, from what is still missing. */
static void
test_required(void)
{
	char err[128];

	CHECK(companion_required(err, sizeof(err), "bucket, origin, target",
	    0) == CLI_USAGE);
	CHECK_STR(err, "the following arguments are required: bucket, "
	    "origin, target");
	companion_required(err, sizeof(err), "bucket, origin, target", 2);
	CHECK_STR(err, "the following arguments are required: target");
	companion_required(err, sizeof(err), "bucket, path", 1);
	CHECK_STR(err, "the following arguments are required: path");
}

static void
test_list_parse(void)
{
	const char *page1 =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/"
	    "2006-03-01/\"><Name>b</Name><Prefix>h%3A%2Fd%2F</Prefix>"
	    "<KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
	    "<Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated>"
	    "<EncodingType>url</EncodingType>"
	    "<NextContinuationToken>tok/+=&amp;x</NextContinuationToken>"
	    "<Contents><Key>h%3A%2Fd%2Fa+b%2Bc%0Ad</Key>"
	    "<LastModified>2024-05-01T12:34:56.789Z</LastModified>"
	    "<ETag>&quot;0123456789abcdef0123456789abcdef&quot;</ETag>"
	    "<Size>42</Size><StorageClass>STANDARD</StorageClass></Contents>"
	    "<Contents><Key>h%3A%2Fd%2F%C3%A9-listdir.json</Key>"
	    "<LastModified>2024-05-01T12:34:57.000Z</LastModified>"
	    "<ETag>\"abc-2\"</ETag><Size>0</Size></Contents>"
	    "<CommonPrefixes><Prefix>h%3A%2Fd%2Fks%2F</Prefix>"
	    "</CommonPrefixes></ListBucketResult>";
	const char *plain = "<ListBucketResult><IsTruncated>false"
	    "</IsTruncated><Contents><Key>a&amp;b+c%41</Key>"
	    "<LastModified>2024-05-01T00:00:00Z</LastModified><Size>1</Size>"
	    "</Contents></ListBucketResult>";
	const char *bad_size = "<ListBucketResult><Contents><Key>a</Key>"
	    "<LastModified>2024-05-01T00:00:00Z</LastModified><Size>x</Size>"
	    "</Contents></ListBucketResult>";
	const char *bad_pct = "<ListBucketResult><EncodingType>url"
	    "</EncodingType><Contents><Key>a%4</Key><LastModified>"
	    "2024-05-01T00:00:00Z</LastModified><Size>1</Size></Contents>"
	    "</ListBucketResult>";
	const char *no_token = "<ListBucketResult><IsTruncated>true"
	    "</IsTruncated></ListBucketResult>";
	struct s3_list l = { 0 };
	char *tok;
	int trunc;

	CHECK(s3_list_parse(page1, strlen(page1), &l, &trunc, &tok) == 0);
	CHECK(trunc == 1);
	CHECK_STR(tok, "tok/+=&x");
	free(tok);
	CHECK(l.n == 2 && l.nprefixes == 1);
	if (l.n == 2) {
		CHECK_STR(l.entries[0].key, "h:/d/a b+c\nd");
		CHECK(l.entries[0].size == 42);
		CHECK(l.entries[0].mtime_ms == 1714566896789LL);
		CHECK_STR(l.entries[0].etag,
		    "0123456789abcdef0123456789abcdef");
		CHECK_STR(l.entries[1].key, "h:/d/\xc3\xa9-listdir.json");
		CHECK_STR(l.entries[1].etag, "abc-2");
		CHECK(l.entries[1].size == 0);
	}
	if (l.nprefixes == 1)
		CHECK_STR(l.prefixes[0], "h:/d/ks/");
	/* A second page appends; keys stay raw when not URL-encoded. */
	CHECK(s3_list_parse(plain, strlen(plain), &l, &trunc, &tok) == 0);
	CHECK(trunc == 0 && tok == NULL && l.n == 3);
	if (l.n == 3)
		CHECK_STR(l.entries[2].key, "a&b+c%41");
	s3_list_free(&l);
	CHECK(s3_list_parse(bad_size, strlen(bad_size), &l, &trunc, &tok) <
	    0);
	s3_list_free(&l);
	CHECK(s3_list_parse(bad_pct, strlen(bad_pct), &l, &trunc, &tok) < 0);
	s3_list_free(&l);
	CHECK(s3_list_parse(no_token, strlen(no_token), &l, &trunc, &tok) <
	    0);
	CHECK(tok == NULL);
	s3_list_free(&l);
}

void
test_restore(void)
{
	test_parse();
	test_map_table();
	test_progress();
	test_expected_md5();
	test_commitlogs();
	test_stat();
	test_times();
	test_required();
	test_list_parse();
}
