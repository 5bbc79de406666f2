/* protect.c: SSE-C keys and Object Lock documents: parsing and building,
 * without I/O. The key is wiped from every buffer of ours that held it. */
#include <stdio.h>
#include <string.h>

#include "companion.h"
#include "encode.h"
#include "fmt.h"
#include "md5.h"
#include "protect.h"

int
sse_c_parse(const void *data, size_t len, struct sse_c *c, char *err,
    size_t errlen)
{
	unsigned char key[SSE_C_KEY_LEN + 3], digest[MD5_LEN];
	const char *s = data;
	long n = SSE_C_KEY_LEN;

	if (len == SSE_C_KEY_LEN)
		memcpy(key, data, len);
	else {
		if (len == 45 && s[44] == '\n')
			len--;
		n = len == 44 ? base64_decode(s, len, key, sizeof(key)) : -1;
	}
	if (n != SSE_C_KEY_LEN) {
		explicit_bzero(key, sizeof(key));
		return err_set(err, errlen, "not a 256-bit key (32 bytes, or "
		    "44 base64 characters)");
	}
	base64_encode(key, SSE_C_KEY_LEN, c->key_b64);
	md5(key, SSE_C_KEY_LEN, digest);
	base64_encode(digest, sizeof(digest), c->md5_b64);
	explicit_bzero(key, sizeof(key));
	return 0;
}

int
lock_retention_body(const char *mode, long long until_ms, char *out,
    size_t cap)
{
	char when[32];
	int n;

	companion_format_time(until_ms, when);
	n = snprintf(out, cap, "<Retention xmlns=\"http://s3.amazonaws.com/"
	    "doc/2006-03-01/\"><Mode>%s</Mode><RetainUntilDate>%s"
	    "</RetainUntilDate></Retention>", mode, when);
	return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int
lock_refused(const char *code, const char *message)
{
	return strcmp(code, "AccessDenied") == 0 &&
	    strstr(message, "lock") != NULL;
}
