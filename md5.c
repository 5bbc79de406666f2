/* md5.c: MD5 (RFC 1321) written for speed: it is most of the CPU an upload
 * costs (the whole file is hashed for Content-MD5 before it is sent). */
#include <string.h>

#include "md5.h"

/*
 * MD5 is one long dependency chain: each step needs the previous step's
 * result. What a step can do before that result arrives is free, so every
 * step adds the message word and the constant first and leaves the least
 * work for after b is known:
 *   F = d ^ (b & (c ^ d))	c ^ d is ready early;
 *   G = (b & d) | (c & ~d)	the two halves have no common bit, so "|" is
 *				"+": c & ~d goes into a early, b & d last;
 *   H = b ^ (c ^ d)		one xor after b;
 *   I = c ^ (b | ~d)		~d is ready early.
 * The constants are immediates and the words are read straight from the
 * input, little-endian whatever the alignment (compilers turn the shifts
 * into one load on x86).
 */
#define ROTL(x, s)	(((x) << (s)) | ((x) >> (32 - (s))))
#define W(k)		le32(p + 4 * (k))

#define STEP_F(a, b, c, d, k, s, t) do {				\
	(a) += W(k) + (t);						\
	(a) += (d) ^ ((b) & ((c) ^ (d)));				\
	(a) = ROTL((a), (s)) + (b);					\
} while (0)
#define STEP_G(a, b, c, d, k, s, t) do {				\
	(a) += W(k) + (t) + ((c) & ~(d));				\
	(a) += (b) & (d);						\
	(a) = ROTL((a), (s)) + (b);					\
} while (0)
#define STEP_H(a, b, c, d, k, s, t) do {				\
	(a) += W(k) + (t);						\
	(a) += (b) ^ ((c) ^ (d));					\
	(a) = ROTL((a), (s)) + (b);					\
} while (0)
#define STEP_I(a, b, c, d, k, s, t) do {				\
	(a) += W(k) + (t);						\
	(a) += (c) ^ ((b) | ~(d));					\
	(a) = ROTL((a), (s)) + (b);					\
} while (0)

static inline uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Hashes n whole blocks of 64 bytes at p into st. */
static void
md5_blocks(uint32_t st[4], const unsigned char *p, size_t n)
{
	uint32_t a = st[0], b = st[1], c = st[2], d = st[3];

	for (; n > 0; n--, p += 64) {
		uint32_t a0 = a, b0 = b, c0 = c, d0 = d;

		STEP_F(a, b, c, d, 0, 7, 0xd76aa478);
		STEP_F(d, a, b, c, 1, 12, 0xe8c7b756);
		STEP_F(c, d, a, b, 2, 17, 0x242070db);
		STEP_F(b, c, d, a, 3, 22, 0xc1bdceee);
		STEP_F(a, b, c, d, 4, 7, 0xf57c0faf);
		STEP_F(d, a, b, c, 5, 12, 0x4787c62a);
		STEP_F(c, d, a, b, 6, 17, 0xa8304613);
		STEP_F(b, c, d, a, 7, 22, 0xfd469501);
		STEP_F(a, b, c, d, 8, 7, 0x698098d8);
		STEP_F(d, a, b, c, 9, 12, 0x8b44f7af);
		STEP_F(c, d, a, b, 10, 17, 0xffff5bb1);
		STEP_F(b, c, d, a, 11, 22, 0x895cd7be);
		STEP_F(a, b, c, d, 12, 7, 0x6b901122);
		STEP_F(d, a, b, c, 13, 12, 0xfd987193);
		STEP_F(c, d, a, b, 14, 17, 0xa679438e);
		STEP_F(b, c, d, a, 15, 22, 0x49b40821);

		STEP_G(a, b, c, d, 1, 5, 0xf61e2562);
		STEP_G(d, a, b, c, 6, 9, 0xc040b340);
		STEP_G(c, d, a, b, 11, 14, 0x265e5a51);
		STEP_G(b, c, d, a, 0, 20, 0xe9b6c7aa);
		STEP_G(a, b, c, d, 5, 5, 0xd62f105d);
		STEP_G(d, a, b, c, 10, 9, 0x02441453);
		STEP_G(c, d, a, b, 15, 14, 0xd8a1e681);
		STEP_G(b, c, d, a, 4, 20, 0xe7d3fbc8);
		STEP_G(a, b, c, d, 9, 5, 0x21e1cde6);
		STEP_G(d, a, b, c, 14, 9, 0xc33707d6);
		STEP_G(c, d, a, b, 3, 14, 0xf4d50d87);
		STEP_G(b, c, d, a, 8, 20, 0x455a14ed);
		STEP_G(a, b, c, d, 13, 5, 0xa9e3e905);
		STEP_G(d, a, b, c, 2, 9, 0xfcefa3f8);
		STEP_G(c, d, a, b, 7, 14, 0x676f02d9);
		STEP_G(b, c, d, a, 12, 20, 0x8d2a4c8a);

		STEP_H(a, b, c, d, 5, 4, 0xfffa3942);
		STEP_H(d, a, b, c, 8, 11, 0x8771f681);
		STEP_H(c, d, a, b, 11, 16, 0x6d9d6122);
		STEP_H(b, c, d, a, 14, 23, 0xfde5380c);
		STEP_H(a, b, c, d, 1, 4, 0xa4beea44);
		STEP_H(d, a, b, c, 4, 11, 0x4bdecfa9);
		STEP_H(c, d, a, b, 7, 16, 0xf6bb4b60);
		STEP_H(b, c, d, a, 10, 23, 0xbebfbc70);
		STEP_H(a, b, c, d, 13, 4, 0x289b7ec6);
		STEP_H(d, a, b, c, 0, 11, 0xeaa127fa);
		STEP_H(c, d, a, b, 3, 16, 0xd4ef3085);
		STEP_H(b, c, d, a, 6, 23, 0x04881d05);
		STEP_H(a, b, c, d, 9, 4, 0xd9d4d039);
		STEP_H(d, a, b, c, 12, 11, 0xe6db99e5);
		STEP_H(c, d, a, b, 15, 16, 0x1fa27cf8);
		STEP_H(b, c, d, a, 2, 23, 0xc4ac5665);

		STEP_I(a, b, c, d, 0, 6, 0xf4292244);
		STEP_I(d, a, b, c, 7, 10, 0x432aff97);
		STEP_I(c, d, a, b, 14, 15, 0xab9423a7);
		STEP_I(b, c, d, a, 5, 21, 0xfc93a039);
		STEP_I(a, b, c, d, 12, 6, 0x655b59c3);
		STEP_I(d, a, b, c, 3, 10, 0x8f0ccc92);
		STEP_I(c, d, a, b, 10, 15, 0xffeff47d);
		STEP_I(b, c, d, a, 1, 21, 0x85845dd1);
		STEP_I(a, b, c, d, 8, 6, 0x6fa87e4f);
		STEP_I(d, a, b, c, 15, 10, 0xfe2ce6e0);
		STEP_I(c, d, a, b, 6, 15, 0xa3014314);
		STEP_I(b, c, d, a, 13, 21, 0x4e0811a1);
		STEP_I(a, b, c, d, 4, 6, 0xf7537e82);
		STEP_I(d, a, b, c, 11, 10, 0xbd3af235);
		STEP_I(c, d, a, b, 2, 15, 0x2ad7d2bb);
		STEP_I(b, c, d, a, 9, 21, 0xeb86d391);

		a += a0;
		b += b0;
		c += c0;
		d += d0;
	}
	st[0] = a;
	st[1] = b;
	st[2] = c;
	st[3] = d;
}

void
md5_init(struct md5_ctx *ctx)
{
	ctx->state[0] = 0x67452301;
	ctx->state[1] = 0xefcdab89;
	ctx->state[2] = 0x98badcfe;
	ctx->state[3] = 0x10325476;
	ctx->count = 0;
}

void
md5_update(struct md5_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t have = (size_t)(ctx->count & 63);

	ctx->count += len;
	if (have > 0) {
		size_t need = 64 - have;

		if (len < need) {
			memcpy(ctx->buf + have, p, len);
			return;
		}
		memcpy(ctx->buf + have, p, need);
		md5_blocks(ctx->state, ctx->buf, 1);
		p += need;
		len -= need;
	}
	if (len >= 64) {
		md5_blocks(ctx->state, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len > 0)
		memcpy(ctx->buf, p, len);
}

void
md5_final(struct md5_ctx *ctx, unsigned char out[MD5_LEN])
{
	size_t have = (size_t)(ctx->count & 63);
	uint64_t bits = ctx->count << 3;

	/* 0x80, zeros up to 56 mod 64, then the bit count little-endian. */
	ctx->buf[have++] = 0x80;
	if (have > 56) {
		memset(ctx->buf + have, 0, 64 - have);
		md5_blocks(ctx->state, ctx->buf, 1);
		have = 0;
	}
	memset(ctx->buf + have, 0, 56 - have);
	put_le32(ctx->buf + 56, (uint32_t)bits);
	put_le32(ctx->buf + 60, (uint32_t)(bits >> 32));
	md5_blocks(ctx->state, ctx->buf, 1);
	for (int i = 0; i < 4; i++)
		put_le32(out + 4 * i, ctx->state[i]);
}

void
md5(const void *data, size_t len, unsigned char out[MD5_LEN])
{
	struct md5_ctx ctx;

	md5_init(&ctx);
	md5_update(&ctx, data, len);
	md5_final(&ctx, out);
}
