/* protect.h: encryption with the user's key (SSE-C) and Object Lock, the
 * pure parts: the key file's contents, the key headers, the retention
 * document. No I/O, no clock. */
#ifndef TABLESNAP_PROTECT_H
#define TABLESNAP_PROTECT_H

#include <stddef.h>

#define SSE_C_KEY_LEN	32

/* The SSE-C header values of a key: base64 of the key (44 characters)
 * and of its MD5 (24), each NUL-terminated. */
struct sse_c {
	char key_b64[45];
	char md5_b64[25];
};

/* A key file's bytes: exactly 32 raw bytes, or 44 base64 characters
 * (one final newline allowed) of 32 bytes. 0 and c filled, or -1 with
 * why in err (never a byte of the key). */
int sse_c_parse(const void *data, size_t len, struct sse_c *c, char *err,
    size_t errlen);

/* The PutObjectRetention document for mode until ms since the epoch,
 * into out (cap bytes). 0, or -1 when it does not fit. */
int lock_retention_body(const char *mode, long long until_ms, char *out,
    size_t cap);

/* Whether a refused delete (its S3 code and message) was refused by
 * Object Lock: AccessDenied with "lock" in the message (S3: "object
 * protected by object lock", radosgw: "forbidden by object lock"). */
int lock_refused(const char *code, const char *message);

#endif
