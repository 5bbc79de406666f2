/* test_verify.c: tableverify's pure parts: its command line (--deep with
 * and without PERCENT), the choice of listings, the classification of
 * objects and files on disk, the --deep sample, the Prometheus text. */
#include <stdlib.h>
#include <string.h>

#include "../verify.h"
#include "unit.h"

static void	test_parse(void);
static void	test_object(void);
static void	test_local(void);
static void	test_sample(void);
static void	test_prom(void);

static int
parse(char **argv, struct verify_opts *o, char *err)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	return verify_parse(argc, argv, o, err, 256);
}

static void
test_parse(void)
{
	struct verify_opts o;
	char err[256];
	char *a1[] = { "tableverify", "-r", "--deep", "b", "/d", NULL };
	char *a2[] = { "tableverify", "--deep", "10", "b", "/d", NULL };
	char *a3[] = { "tableverify", "b", "/d", "--deep=25", "--local",
	    "--repair", "-t", "8", "--stats-file", "/x.prom", NULL };
	char *a4[] = { "tableverify", "--all-hosts", "b", "--deep", NULL };
	char *a5[] = { "tableverify", "--deep", "101", "b", "/d", NULL };
	char *a6[] = { "tableverify", "--deep=0", "b", "/d", NULL };
	char *a7[] = { "tableverify", "b", NULL };
	char *a8[] = { "tableverify", "--all-hosts", "b", "/d", NULL };
	char *a9[] = { "tableverify", "--all", "--local", "b", "/d", NULL };
	char *a10[] = { "tableverify", "--all-hosts", "--repair", "b", NULL };
	char *a11[] = { "tableverify", NULL };
	char *a12[] = { "tableverify", "", "/d", NULL };
	char *a13[] = { "tableverify", "--deep", "-r", "b", "/d", NULL };
	char *a14[] = { "tableverify", "-P", "p/", "--as-of", "@100", "-n",
	    "h", "--all", "b", "/d", NULL };

	CHECK(parse(a1, &o, err) == CLI_OK);
	CHECK(o.recursive && o.deep == 100 && !o.local && o.threads == 4);
	CHECK_STR(o.bucket, "b");
	CHECK_STR(o.path, "/d");
	/* A number after --deep is its PERCENT, not a positional. */
	CHECK(parse(a2, &o, err) == CLI_OK);
	CHECK(o.deep == 10 && o.path != NULL);
	CHECK(parse(a3, &o, err) == CLI_OK);
	CHECK(o.deep == 25 && o.local && o.repair && o.threads == 8);
	CHECK_STR(o.stats_file, "/x.prom");
	CHECK(parse(a4, &o, err) == CLI_OK);
	CHECK(o.all_hosts && o.deep == 100 && o.path == NULL);
	CHECK(parse(a5, &o, err) == CLI_USAGE);
	CHECK(strstr(err, "argument --deep: invalid value '101'") != NULL);
	CHECK(parse(a6, &o, err) == CLI_USAGE);
	CHECK(parse(a7, &o, err) == CLI_USAGE);
	CHECK_STR(err, "the following arguments are required: path");
	CHECK(parse(a8, &o, err) == CLI_USAGE);
	CHECK(strstr(err, "--all-hosts: not allowed") != NULL);
	CHECK(parse(a9, &o, err) == CLI_USAGE);
	CHECK(strstr(err, "--all: not allowed") != NULL);
	CHECK(parse(a10, &o, err) == CLI_USAGE);
	CHECK(parse(a11, &o, err) == CLI_USAGE);
	CHECK_STR(err, "the following arguments are required: bucket, path");
	CHECK(parse(a12, &o, err) == CLI_USAGE);
	CHECK(strstr(err, "empty bucket name") != NULL);
	CHECK(parse(a13, &o, err) == CLI_OK);
	CHECK(o.deep == 100 && o.recursive);
	CHECK(parse(a14, &o, err) == CLI_OK);
	CHECK(o.all && o.c.as_of_given && o.c.as_of_ms == 100000);
	CHECK_STR(o.c.prefix, "p/");
	CHECK_STR(o.c.name, "h");
	CHECK(unit_help_has(verify_help, "--stats-file"));
}

static void
test_object(void)
{
	static const char a[] = "0123456789abcdef0123456789abcdef";
	static const char b[] = "fedcba9876543210fedcba9876543210";
	struct verify_facts f;
	char want[33], why[256];

	/* Sound: md5sum and a plain ETag agree (case aside). */
	f = (struct verify_facts){ a, "0123456789ABCDEF0123456789ABCDEF", 5,
	    NULL, 0 };
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	CHECK_STR(want, a);
	/* Bytes changed under the metadata: the ETag tells. */
	f.etag = b;
	CHECK(verify_object(&f, want, why, sizeof(why)) == VK_MISMATCHED);
	CHECK_STR(why, "md5sum metadata " "0123456789abcdef0123456789abcdef"
	    ", ETag fedcba9876543210fedcba9876543210");
	CHECK_STR(want, a);
	/* A multipart ETag cannot tell without a download... */
	f.etag = "0123456789abcdef0123456789abcdef-3";
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	/* ... the download can. */
	f.got_md5 = b;
	f.got_size = 5;
	CHECK(verify_object(&f, want, why, sizeof(why)) == VK_MISMATCHED);
	CHECK(strstr(why, "content MD5 fedcba") != NULL);
	f.got_md5 = a;
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	f.got_size = 4;
	CHECK(verify_object(&f, want, why, sizeof(why)) == VK_MISMATCHED);
	CHECK_STR(why, "read 4 of 5 bytes");
	/* No md5sum: a plain ETag is the MD5 to expect. */
	f = (struct verify_facts){ "", b, 5, NULL, 0 };
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	CHECK_STR(want, b);
	/* Neither: nothing to expect but what was downloaded. */
	f = (struct verify_facts){ "", "x-2", 5, NULL, 0 };
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	CHECK_STR(want, "");
	f.got_md5 = a;
	f.got_size = 5;
	CHECK(verify_object(&f, want, why, sizeof(why)) == 0);
	CHECK_STR(want, a);
	/* md5sum metadata that is no MD5 at all. */
	f = (struct verify_facts){ "garbage", a, 5, NULL, 0 };
	CHECK(verify_object(&f, want, why, sizeof(why)) == VK_MISMATCHED);
	CHECK(strstr(why, "'garbage' is not an MD5") != NULL);
}

static void
test_local(void)
{
	static const char a[] = "0123456789abcdef0123456789abcdef";
	char why[128];

	CHECK(verify_local(-1, NULL, 5, a, why, sizeof(why)) ==
	    VK_LOCAL_MISSING);
	CHECK_STR(why, "not on disk");
	CHECK(verify_local(4, a, 5, a, why, sizeof(why)) ==
	    VK_LOCAL_MISMATCHED);
	CHECK_STR(why, "4 bytes on disk, 5 in S3");
	CHECK(verify_local(5, "fedcba9876543210fedcba9876543210", 5, a, why,
	    sizeof(why)) == VK_LOCAL_MISMATCHED);
	CHECK(verify_local(5, a, 5, a, why, sizeof(why)) == 0);
	/* A corrupt object's size says nothing: the MD5 alone. */
	CHECK(verify_local(9, a, -1, a, why, sizeof(why)) == 0);
	/* Nothing known to compare with. */
	CHECK(verify_local(9, a, -1, "", why, sizeof(why)) == 0);
}

static void
test_sample(void)
{
	char key[32];
	int n10 = 0, n100 = 0, n0 = 0, moved = 0;

	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "h:/d/ks/t/f-%d-Data.db", i);
		n10 += verify_sampled(key, 20000, 10);
		n100 += verify_sampled(key, 20000, 100);
		n0 += verify_sampled(key, 20000, 0);
		/* Fixed for a key and a seed... */
		CHECK(verify_sampled(key, 20000, 10) ==
		    verify_sampled(key, 20000, 10));
		/* ... another share another day. */
		moved += verify_sampled(key, 20000, 10) !=
		    verify_sampled(key, 20001, 10);
	}
	CHECK(n100 == 10000 && n0 == 0);
	CHECK(n10 > 800 && n10 < 1200);
	CHECK(moved > 1400);
}

static void
test_prom(void)
{
	struct verify_table_age t[2] = {
		{ "/d/ks/t1", 60.5 },
		{ "/d/a\"b\\c\nd", -1 },
	};
	struct verify_host h = { "node-1", { 1, 2, 3, 4, 5 }, 10, 1, 0, t,
	    2 };
	char *text = verify_prom(&h, 1, 1700000000.25);

	CHECK_STR(text,
	    "# HELP tableverify_problems Problems by kind.\n"
	    "# TYPE tableverify_problems gauge\n"
	    "tableverify_problems{host=\"node-1\",kind=\"missing\"} 1\n"
	    "tableverify_problems{host=\"node-1\",kind=\"mismatched\"} 2\n"
	    "tableverify_problems{host=\"node-1\",kind=\"unreadable\"} 3\n"
	    "tableverify_problems{host=\"node-1\",kind=\"local_missing\"} 4\n"
	    "tableverify_problems{host=\"node-1\",kind=\"local_mismatched\"} "
	    "5\n"
	    "# HELP tableverify_files_checked Files checked.\n"
	    "# TYPE tableverify_files_checked gauge\n"
	    "tableverify_files_checked{host=\"node-1\"} 10\n"
	    "# HELP tableverify_files_unchecked Files not checked.\n"
	    "# TYPE tableverify_files_unchecked gauge\n"
	    "tableverify_files_unchecked{host=\"node-1\"} 1\n"
	    "# HELP tableverify_complete_listing_age_seconds Newest complete "
	    "listing age.\n"
	    "# TYPE tableverify_complete_listing_age_seconds gauge\n"
	    "tableverify_complete_listing_age_seconds{host=\"node-1\","
	    "dir=\"/d/ks/t1\"} 60.500\n"
	    "tableverify_complete_listing_age_seconds{host=\"node-1\","
	    "dir=\"/d/a\\\"b\\\\c\\nd\"} +Inf\n"
	    "# HELP tableverify_last_run_timestamp_seconds When it ran.\n"
	    "# TYPE tableverify_last_run_timestamp_seconds gauge\n"
	    "tableverify_last_run_timestamp_seconds 1700000000.250\n");
	free(text);
	/* No host: only the heads and the time. */
	text = verify_prom(NULL, 0, 0);
	CHECK(text != NULL && strstr(text, "{") == NULL);
	free(text);
}

void
test_verify(void)
{
	test_parse();
	test_object();
	test_local();
	test_sample();
	test_prom();
}
