/* unit.c: runs every unit-test suite of the pure code and prints the
 * closing "N passed, N failed" line; exits 1 when anything failed. */
#include <stdio.h>
#include "unit.h"

int unit_passed, unit_failed;

void
unit_check(int ok, const char *file, int line, const char *what)
{
	if (ok) {
		unit_passed++;
		return;
	}
	unit_failed++;
	fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
}

/* Weak, so that one suite can be built alone while it is written; a suite
 * missing from the full build counts as a failure. */
#define SUITE(name) void name(void) __attribute__((weak))
SUITE(test_encode);
SUITE(test_md5);
SUITE(test_s3sign);
SUITE(test_s3);
SUITE(test_json);
SUITE(test_buf);
SUITE(test_htab);
SUITE(test_xml);
SUITE(test_http);
SUITE(test_options);
SUITE(test_queue);
SUITE(test_upload);
SUITE(test_keyset);
SUITE(test_jsonread);
SUITE(test_restore);
SUITE(test_chop);
SUITE(test_listing);
SUITE(test_creds);
SUITE(test_ere);
SUITE(test_isotime);
SUITE(test_fmt);
SUITE(test_accounts);
SUITE(test_fqdn);
SUITE(test_protect);
SUITE(test_verify);

static const struct {
	const char *name;
	void (*run)(void);
} suites[] = {
	{ "encode", test_encode },
	{ "md5", test_md5 },
	{ "s3sign", test_s3sign },
	{ "s3", test_s3 },
	{ "json", test_json },
	{ "buf", test_buf },
	{ "htab", test_htab },
	{ "xml", test_xml },
	{ "http", test_http },
	{ "options", test_options },
	{ "queue", test_queue },
	{ "upload", test_upload },
	{ "keyset", test_keyset },
	{ "jsonread", test_jsonread },
	{ "restore", test_restore },
	{ "chop", test_chop },
	{ "listing", test_listing },
	{ "creds", test_creds },
	{ "ere", test_ere },
	{ "isotime", test_isotime },
	{ "fmt", test_fmt },
	{ "accounts", test_accounts },
	{ "fqdn", test_fqdn },
	{ "protect", test_protect },
	{ "verify", test_verify },
};

int
main(void)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		int before = unit_failed;
		if (suites[i].run == NULL) {
			unit_check(0, __FILE__, __LINE__, "suite is missing");
			fprintf(stderr, "suite %s: missing\n", suites[i].name);
			continue;
		}
		suites[i].run();
		fprintf(stderr, "suite %s: %s\n", suites[i].name,
		    unit_failed == before ? "ok" : "FAILED");
	}
	printf("unit: %d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
