/* test_upload.c: the rules of upload.c that need no server: the part size
 * at S3's limits, key naming, and the path filter. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "../filter.h"
#include "../keyset.h"
#include "../upload.h"
#include "unit.h"

#define MiB (1024LL * 1024)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)

static void
part_sizes(void)
{
	/* The wanted size when it fits; never below 5 MiB. */
	CHECK(upload_part_size(100 * MiB, 64 * MiB) == 64 * MiB);
	CHECK(upload_part_size(100 * MiB, 1 * MiB) == 5 * MiB);
	CHECK(upload_part_size(0, 0) == 5 * MiB);
	/* 10,000 parts of 5 MiB exactly: still 5 MiB. */
	CHECK(upload_part_size(10000 * 5 * MiB, 5 * MiB) == 5 * MiB);
	/* One byte more needs bigger parts, rounded up to whole MiB. */
	CHECK(upload_part_size(10000 * 5 * MiB + 1, 5 * MiB) == 6 * MiB);
	/* 1 TiB with 64 MiB wanted: at least 105 MiB (s3-protocol.md). */
	CHECK(upload_part_size(TiB, 64 * MiB) == 105 * MiB);
	/* 5 TiB, the largest object: 525 MiB parts, 10,000 or fewer. */
	{
		long long p = upload_part_size(5 * TiB, 256 * MiB);

		CHECK(p == 525 * MiB);
		CHECK((5 * TiB + p - 1) / p <= 10000);
	}
	/* More than 10,000 parts of 5 GiB: refused. */
	CHECK(upload_part_size(10000 * 5 * GiB, 5 * MiB) == 5 * GiB);
	CHECK(upload_part_size(10000 * 5 * GiB + 1, 5 * MiB) == -1);
	/* Every size keeps within 10,000 parts of at least 5 MiB. */
	for (long long s = 1; s < 60 * TiB; s = s * 3 + 12345) {
		long long p = upload_part_size(s, 5 * MiB);

		if (p < 0)
			continue;
		CHECK(p >= 5 * MiB && (s + p - 1) / p <= 10000 && p % MiB == 0);
	}
}

static void
keys(void)
{
	struct upload_config c = { .prefix = "backups/", .name = "cass1",
	    .separator = ":" };
	char *k = upload_key(&c, "/var/lib/cassandra/data/ks/cf/a-Data.db");

	CHECK_STR(k, "backups/cass1:/var/lib/cassandra/data/ks/cf/a-Data.db");
	free(k);
	c.prefix = "";
	c.separator = "";
	k = upload_key(&c, "/x");
	CHECK_STR(k, "cass1/x");
	free(k);
}

static void
filters(void)
{
	const char *ex[] = { "snapshots/", "\\.tmp$" };
	const char *in[] = { "Data\\.db$" };
	char err[256];
	struct filter *f;

	f = filter_new(NULL, 0, NULL, 0, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(filter_keep(f, "/d/ks-cf-ka-1-Data.db"));
	CHECK(!filter_keep(f, "/d/ks-cf-tmp-ka-1-Data.db"));
	CHECK(!filter_keep(f, "/d/x-tmp/ks-cf-ka-1-Data.db"));
	filter_free(f);
	f = filter_new(ex, 2, NULL, 0, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(!filter_keep(f, "/d/snapshots/a"));
	CHECK(!filter_keep(f, "/d/a.tmp"));
	CHECK(filter_keep(f, "/d/a.tmp.db"));
	CHECK(filter_keep(f, "/d/a-tmp-b"));	/* -e replaces the default */
	filter_free(f);
	f = filter_new(NULL, 0, in, 1, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(filter_keep(f, "/d/a-Data.db"));
	CHECK(!filter_keep(f, "/d/a-Index.db"));
	filter_free(f);
	{
		const char *bad[] = { "(" };

		f = filter_new(bad, 1, NULL, 0, err, sizeof(err));
		CHECK(f == NULL);
		CHECK(strstr(err, "'('") != NULL);
	}
}

void
test_upload(void)
{
	part_sizes();
	keys();
	filters();
}

/* The set -B uses to skip files a listing showed in S3. */
void
test_keyset(void)
{
	struct keyset *ks = keyset_new();
	char key[64];
	int ok = 1;

	CHECK(ks != NULL);
	CHECK(keyset_size(ks, "a") == -1);
	CHECK(keyset_add(ks, "a", 5) == 0);
	CHECK(keyset_size(ks, "a") == 5);
	CHECK(keyset_add(ks, "a", 7) == 0);	/* replaced, not doubled */
	CHECK(keyset_size(ks, "a") == 7 && keyset_count(ks) == 1);
	CHECK(keyset_add(ks, "", 0) == 0 && keyset_size(ks, "") == 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "host:/d/f%d", i);
		ok &= keyset_add(ks, key, i) == 0;
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "host:/d/f%d", i);
		ok &= keyset_size(ks, key) == i;
	}
	CHECK(ok);
	CHECK(keyset_size(ks, "host:/d/f20000") == -1);
	CHECK(keyset_count(ks) == 20002);
	keyset_free(ks);
}
