/* test_protect.c: unit tests for issue 15's pure parts: SSE-C key files,
 * the request headers of each option (which requests carry the customer
 * key, what an upload carries), the retention document, the choice of
 * the newest listings, Object Lock refusals, and the options' rules. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../options.h"
#include "../protect.h"
#include "../retention.h"
#include "../s3.h"
#include "../s3sign.h"
#include "../upload.h"
#include "unit.h"

void	test_protect(void);

static const char KEY_B64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
static const char KEY_MD5[] = "tP/LI3N87DFaSk0aoqYgzg==";

static void
key_files(void)
{
	unsigned char raw[33];
	char text[64], err[128];
	struct sse_c c;

	for (int i = 0; i < 33; i++)
		raw[i] = (unsigned char)i;
	/* 32 raw bytes, even with NUL and newline bytes among them. */
	CHECK(sse_c_parse(raw, 32, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.key_b64, KEY_B64);
	CHECK_STR(c.md5_b64, KEY_MD5);
	/* 44 base64 characters, with or without one final newline. */
	memset(&c, 0, sizeof(c));
	CHECK(sse_c_parse(KEY_B64, 44, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.key_b64, KEY_B64);
	CHECK_STR(c.md5_b64, KEY_MD5);
	snprintf(text, sizeof(text), "%s\n", KEY_B64);
	CHECK(sse_c_parse(text, 45, &c, err, sizeof(err)) == 0);
	CHECK_STR(c.key_b64, KEY_B64);
	/* Anything else is refused, naming no byte of it. */
	CHECK(sse_c_parse(raw, 31, &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "256-bit") != NULL);
	CHECK(sse_c_parse(raw, 33, &c, err, sizeof(err)) == -1);
	CHECK(sse_c_parse(KEY_B64, 43, &c, err, sizeof(err)) == -1);
	snprintf(text, sizeof(text), "%s\r\n", KEY_B64);
	CHECK(sse_c_parse(text, 46, &c, err, sizeof(err)) == -1);
	snprintf(text, sizeof(text), "%s", KEY_B64);
	text[10] = '*';
	CHECK(sse_c_parse(text, 44, &c, err, sizeof(err)) == -1);
	CHECK(strstr(err, "*") == NULL);
	/* 44 characters of a 33-byte value: not a 256-bit key. */
	CHECK(sse_c_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44,
	    &c, err, sizeof(err)) == -1);
	CHECK(sse_c_parse("", 0, &c, err, sizeof(err)) == -1);
}

static void
customer_key_requests(void)
{
	static const struct {
		const char *method, *key, *query;
		int applies;
	} v[] = {
		{ "PUT", "k", NULL, 1 },		/* PutObject */
		{ "POST", "k", "uploads", 1 },		/* initiate */
		{ "PUT", "k", "partNumber=3&uploadId=x", 1 },
		{ "HEAD", "k", NULL, 1 },
		{ "GET", "k", NULL, 1 },
		{ "POST", "k", "uploadId=x", 0 },	/* complete */
		{ "DELETE", "k", "uploadId=x", 0 },	/* abort */
		{ "GET", "k", "uploadId=x", 0 },	/* list parts */
		{ "PUT", "k", "retention", 0 },
		{ "DELETE", "k", NULL, 0 },
		{ "GET", NULL, "list-type=2&prefix=a", 0 },
		{ "GET", NULL, "object-lock", 0 },
		{ "POST", NULL, "delete", 0 },
		{ "HEAD", NULL, NULL, 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(s3_sse_c_applies(v[i].method, v[i].key, v[i].query) ==
		    v[i].applies);
}

static const char *
header(const struct sigv4_header *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(h[i].name, name) == 0)
			return h[i].value;
	return NULL;
}

static enum cli_result
parse(struct options *o, char *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = "tablesnap";
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 29)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc++] = "b";
	argv[argc++] = "/p";
	argv[argc] = NULL;
	options_free(o);
	return options_parse(argc, argv, o, err, 256);
}

static void
upload_headers(void)
{
	struct sigv4_header h[UPLOAD_STORAGE_HEADERS];
	struct options o = { 0 };
	char err[256], until[32];
	size_t n;

	/* Nothing asked: nothing sent (STANDARD, no SSE, no lock). */
	CHECK(parse(&o, err, NULL) == CLI_OK);
	CHECK(upload_storage_headers(&o, 0, 0, h, until) == 0);
	CHECK(upload_storage_headers(&o, 1, 0, h, until) == 0);
	/* -R and --with-sse as the original sent them, listings too. */
	CHECK(parse(&o, err, "-R", "--with-sse", NULL) == CLI_OK);
	for (int listing = 0; listing < 2; listing++) {
		n = upload_storage_headers(&o, listing, 0, h, until);
		CHECK(n == 2);
		CHECK_STR(header(h, n, "x-amz-storage-class"),
		    "REDUCED_REDUNDANCY");
		CHECK_STR(header(h, n, "x-amz-server-side-encryption"),
		    "AES256");
	}
	/* KMS, classes per kind, a lock of days. */
	CHECK(parse(&o, err, "--sse", "aws:kms", "--sse-kms-key-id",
	    "alias/backups", "--sse-bucket-key", "--storage-class",
	    "STANDARD_IA", "--object-lock-mode", "COMPLIANCE",
	    "--object-lock-days", "30", NULL) == CLI_OK);
	CHECK(o.lock_days == 30);
	n = upload_storage_headers(&o, 0, 1714564800250LL, h, until);
	CHECK(n == 6);
	CHECK_STR(header(h, n, "x-amz-storage-class"), "STANDARD_IA");
	CHECK_STR(header(h, n, "x-amz-server-side-encryption"), "aws:kms");
	CHECK_STR(header(h, n, "x-amz-server-side-encryption-aws-kms-key-id"),
	    "alias/backups");
	CHECK_STR(header(h, n,
	    "x-amz-server-side-encryption-bucket-key-enabled"), "true");
	CHECK_STR(header(h, n, "x-amz-object-lock-mode"), "COMPLIANCE");
	CHECK_STR(header(h, n, "x-amz-object-lock-retain-until-date"),
	    "2024-05-01T12:00:00.250Z");
	/* A listing: STANDARD (no header) unless asked. */
	n = upload_storage_headers(&o, 1, 0, h, until);
	CHECK(n == 5 && header(h, n, "x-amz-storage-class") == NULL);
	CHECK(parse(&o, err, "--storage-class", "GLACIER_IR",
	    "--listing-storage-class", "ONEZONE_IA", "--object-lock-mode",
	    "GOVERNANCE", "--object-lock-until", "2030-01-02", NULL) ==
	    CLI_OK);
	CHECK(o.lock_until_ms == 1893542400000LL);
	n = upload_storage_headers(&o, 1, o.lock_until_ms, h, until);
	CHECK_STR(header(h, n, "x-amz-storage-class"), "ONEZONE_IA");
	CHECK_STR(header(h, n, "x-amz-object-lock-retain-until-date"),
	    "2030-01-02T00:00:00.000Z");
	/* Any class name S3 may know passes through. */
	CHECK(parse(&o, err, "--storage-class", "DEEP_ARCHIVE", NULL) ==
	    CLI_OK);
	CHECK_STR(o.storage_class, "DEEP_ARCHIVE");
	CHECK(parse(&o, err, "--sse-c-key-file", "/k", NULL) == CLI_OK);
	CHECK_STR(o.c.sse_c_key_file, "/k");
	options_free(&o);
}

static void
option_rules(void)
{
	static const char *const bad[][7] = {
		{ "--sse", "aes256" },
		{ "--sse", "aws:kms", "--with-sse" },
		{ "--sse-kms-key-id", "k" },
		{ "--sse", "AES256", "--sse-kms-key-id", "k" },
		{ "--sse-bucket-key" },
		{ "--sse-c-key-file", "/k", "--with-sse" },
		{ "--sse-c-key-file", "/k", "--sse", "aws:kms" },
		{ "-R", "--storage-class", "STANDARD_IA" },
		{ "--storage-class", "standard" },
		{ "--storage-class", "A\r\nX-Evil:1" },
		{ "--listing-storage-class", "" },
		{ "--object-lock-mode", "GOVERNANCE" },
		{ "--object-lock-mode", "LEGAL_HOLD", "--object-lock-days", "1" },
		{ "--object-lock-days", "1" },
		{ "--object-lock-until", "2030-01-01" },
		{ "--object-lock-mode", "GOVERNANCE", "--object-lock-days", "0" },
		{ "--object-lock-mode", "GOVERNANCE", "--object-lock-until",
		    "tomorrow" },
		{ "--object-lock-mode", "GOVERNANCE", "--object-lock-days", "1",
		    "--object-lock-until", "2030-01-01" },
	};
	struct options o = { 0 };
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *const *w = bad[i];

		CHECK(parse(&o, err, w[0], w[1], w[2], w[3], w[4], w[5], NULL) ==
		    CLI_USAGE);
		CHECK(strncmp(err, "argument --", 11) == 0 ||
		    strncmp(err, "argument -R", 11) == 0);
	}
	CHECK(parse(&o, err, "--sse", "AES256", "--with-sse", NULL) == CLI_OK);
	options_free(&o);
}

static void
retention_document(void)
{
	char out[256];

	CHECK(lock_retention_body("GOVERNANCE", 1714564800250LL, out,
	    sizeof(out)) == 0);
	CHECK_STR(out, "<Retention xmlns=\"http://s3.amazonaws.com/doc/"
	    "2006-03-01/\"><Mode>GOVERNANCE</Mode><RetainUntilDate>"
	    "2024-05-01T12:00:00.250Z</RetainUntilDate></Retention>");
	CHECK(lock_retention_body("COMPLIANCE", 0, out, 100) == -1);
	CHECK(lock_refused("AccessDenied", "Access Denied because object "
	    "protected by object lock."));
	CHECK(lock_refused("AccessDenied", "forbidden by object lock"));
	CHECK(!lock_refused("AccessDenied", "Access Denied"));
	CHECK(!lock_refused("InternalError", "object lock"));
}

static void
newest_listings(void)
{
	struct retention_listing v[] = {
		{ "h:/d/b/x-Data.db-listdir.json", 50 },
		{ "h:/d/a/1-Data.db-listdir.json", 10 },
		{ "h:/d/a/3-Data.db-listdir.json", 30 },
		{ "h:/d/b/y-Data.db-listdir.json", 40 },
		{ "h:/d/a/2-Data.db-listdir.json", 20 },
		{ "h:/d/a-b/z-Data.db-listdir.json", 5 },
		{ "h:/d/a/sub/q-Data.db-listdir.json", 1 },
		{ "h:/d/b/w-Data.db-listdir.json", 50 },
	};
	size_t n = sizeof(v) / sizeof(v[0]), k;

	k = retention_newest(v, n);
	CHECK(k == 4);
	/* By directory: "h:/d/a" before "h:/d/a-b" before "h:/d/a/sub". */
	CHECK_STR(v[0].key, "h:/d/a/3-Data.db-listdir.json");
	CHECK_STR(v[1].key, "h:/d/a-b/z-Data.db-listdir.json");
	CHECK_STR(v[2].key, "h:/d/a/sub/q-Data.db-listdir.json");
	/* Two of the same second: the greater key, whatever the order. */
	CHECK_STR(v[3].key, "h:/d/b/x-Data.db-listdir.json");
	/* Every key is still there, once. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			CHECK(strcmp(v[i].key, v[j].key) != 0);
	CHECK(retention_newest(v, 0) == 0);
	CHECK(retention_newest(v, 1) == 1);
}

void
test_protect(void)
{
	key_files();
	customer_key_requests();
	upload_headers();
	option_rules();
	retention_document();
	newest_listings();
}
