/* md5.h: MD5 (RFC 1321) for Content-MD5 and x-amz-meta-md5sum, faster than
 * BearSSL's br_md5 and giving the same digests. Pure: no I/O, no allocation. */
#ifndef TABLESNAP_MD5_H
#define TABLESNAP_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_LEN	16

/* One running hash. Any number of contexts may be used at once, in any
 * threads; a context is used by one thread at a time. */
struct md5_ctx {
	uint32_t	state[4];
	uint64_t	count;		/* bytes hashed so far */
	unsigned char	buf[64];	/* the unfinished block */
};

void	md5_init(struct md5_ctx *ctx);
/* Whole 64-byte blocks are hashed straight from data, without a copy. */
void	md5_update(struct md5_ctx *ctx, const void *data, size_t len);
/* Writes the digest; the context must be initialised again before reuse. */
void	md5_final(struct md5_ctx *ctx, unsigned char out[MD5_LEN]);

/* The digest of one buffer. */
void	md5(const void *data, size_t len, unsigned char out[MD5_LEN]);

#endif
