/* test_s3.c: unit tests for s3.c's pure parts: the one table of the codes
 * with which S3 refuses keys. */
#include <stddef.h>

#include "s3.h"
#include "unit.h"

void	test_s3(void);

static void	test_key_codes(void);

void
test_s3(void)
{
	test_key_codes();
}

/*
 * Two lists once disagreed: the retry path fetched new keys on
 * ExpiredTokenException, but the start-up check did not say where those
 * keys came from; AccessDenied named the source at start. One table: every
 * refusal new keys may cure is the keys' fault, and AccessDenied (a
 * policy's answer) names the source without a futile refresh.
 */
static void
test_key_codes(void)
{
	static const char *const cured[] = {
		"ExpiredToken", "ExpiredTokenException", "InvalidToken",
		"TokenRefreshRequired", "InvalidAccessKeyId",
		"InvalidClientTokenId", "SignatureDoesNotMatch",
	};
	static const char *const other[] = {
		"", "NoSuchBucket", "SlowDown", "InternalError",
		"RequestTimeTooSkewed", "AuthorizationHeaderMalformed",
		"expiredtoken", "ExpiredToken ", "AccessDeniedX",
	};

	for (size_t i = 0; i < sizeof(cured) / sizeof(cured[0]); i++) {
		CHECK(s3_code_keys_may_cure(cured[i]));
		CHECK(s3_code_blames_keys(cured[i]));
	}
	CHECK(!s3_code_keys_may_cure("AccessDenied"));
	CHECK(s3_code_blames_keys("AccessDenied"));
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		CHECK(!s3_code_keys_may_cure(other[i]));
		CHECK(!s3_code_blames_keys(other[i]));
	}
}
