/* test_md5.c: unit tests for md5.c: the RFC 1321 test suite, and digests
 * equal to BearSSL's br_md5 for random data, lengths, splits and alignments. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "encode.h"
#include "md5.h"
#include "unit.h"

void	test_md5(void);

static void	test_rfc1321(void);
static void	test_lengths(void);
static void	test_random_splits(void);
static void	test_unaligned(void);
static void	test_large(void);

/* RFC 1321, appendix A.5. */
static const struct {
	const char	*in;
	const char	*hex;
} rfc1321[] = {
	{ "", "d41d8cd98f00b204e9800998ecf8427e" },
	{ "a", "0cc175b9c0f1b6a831c399e269772661" },
	{ "abc", "900150983cd24fb0d6963f7d28e17f72" },
	{ "message digest", "f96b697d7cb7938d525a2f31aaf161d0" },
	{ "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	    "d174ab98d277d9f5a5611c2c9f419d9f" },
	{ "1234567890123456789012345678901234567890123456789012345678901234"
	    "5678901234567890", "57edf4a22be3c955ac49da2e2107b67a" },
};

/* A fixed xorshift generator: the same bytes on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static void
fill(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
}

static void
ref_md5(const void *p, size_t n, unsigned char out[16])
{
	br_md5_context bc;

	br_md5_init(&bc);
	br_md5_update(&bc, p, n);
	br_md5_out(&bc, out);
}

void
test_md5(void)
{
	test_rfc1321();
	test_lengths();
	test_random_splits();
	test_unaligned();
	test_large();
}

static void
test_rfc1321(void)
{
	for (size_t i = 0; i < sizeof(rfc1321) / sizeof(rfc1321[0]); i++) {
		unsigned char d[MD5_LEN];
		char hex[2 * MD5_LEN + 1];
		struct md5_ctx c;
		size_t n = strlen(rfc1321[i].in);

		md5(rfc1321[i].in, n, d);
		hex_encode(d, sizeof(d), hex);
		CHECK_STR(hex, rfc1321[i].hex);

		/* The same, one byte at a time. */
		md5_init(&c);
		for (size_t k = 0; k < n; k++)
			md5_update(&c, rfc1321[i].in + k, 1);
		md5_final(&c, d);
		hex_encode(d, sizeof(d), hex);
		CHECK_STR(hex, rfc1321[i].hex);
	}
}

/* Every length around the padding boundaries (55/56/63/64 ...) and more. */
static void
test_lengths(void)
{
	static unsigned char buf[1100];
	int bad = 0;

	fill(buf, sizeof(buf));
	for (size_t n = 0; n <= sizeof(buf); n++) {
		unsigned char d[MD5_LEN], want[MD5_LEN];

		md5(buf, n, d);
		ref_md5(buf, n, want);
		if (memcmp(d, want, MD5_LEN) != 0) {
			if (bad++ == 0)
				fprintf(stderr, "    first bad length %zu\n", n);
		}
	}
	CHECK(bad == 0);
}

/* Random lengths fed in random pieces: the buffering must not matter. */
static void
test_random_splits(void)
{
	size_t cap = 300000;
	unsigned char *buf = malloc(cap);
	int bad = 0;

	CHECK(buf != NULL);
	if (buf == NULL)
		return;
	fill(buf, cap);
	for (int round = 0; round < 300; round++) {
		size_t n = next_rand() % (round < 200 ? 1000 : cap), off = 0;
		unsigned char d[MD5_LEN], want[MD5_LEN];
		struct md5_ctx c;

		md5_init(&c);
		while (off < n) {
			size_t piece = next_rand() % (next_rand() % 4 == 0 ?
			    70000 : 130);

			if (piece > n - off)
				piece = n - off;
			md5_update(&c, buf + off, piece);
			off += piece;
		}
		md5_final(&c, d);
		ref_md5(buf, n, want);
		if (memcmp(d, want, MD5_LEN) != 0)
			bad++;
	}
	CHECK(bad == 0);
	free(buf);
}

/* Whole blocks are read straight from the caller's buffer: any address. */
static void
test_unaligned(void)
{
	static unsigned char buf[4096 + 8];
	int bad = 0;

	fill(buf, sizeof(buf));
	for (size_t a = 0; a < 8; a++) {
		unsigned char d[MD5_LEN], want[MD5_LEN];

		md5(buf + a, 4096, d);
		ref_md5(buf + a, 4096, want);
		bad += memcmp(d, want, MD5_LEN) != 0;
	}
	CHECK(bad == 0);
}

/* Past 2^29 bytes the bit count no longer fits 32 bits. Rather than hash
 * that much, both hashes are put in the same mid-stream state (BearSSL's
 * br_md5_set_state) with a large count, then given the same tail. */
static void
test_large(void)
{
	static const uint64_t counts[] = { (uint64_t)1 << 29,
	    ((uint64_t)1 << 32) + 64, (uint64_t)5 << 40 };
	unsigned char tail[200];
	int bad = 0;

	fill(tail, sizeof(tail));
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		for (size_t n = 0; n < sizeof(tail); n += 7) {
			unsigned char d[MD5_LEN], want[MD5_LEN], st[16];
			struct md5_ctx c;
			br_md5_context bc;

			md5_init(&c);
			for (int k = 0; k < 4; k++) {
				c.state[k] = next_rand();
				st[4 * k] = (unsigned char)c.state[k];
				st[4 * k + 1] = (unsigned char)(c.state[k] >> 8);
				st[4 * k + 2] = (unsigned char)(c.state[k] >> 16);
				st[4 * k + 3] = (unsigned char)(c.state[k] >> 24);
			}
			c.count = counts[i];
			md5_update(&c, tail, n);
			md5_final(&c, d);
			br_md5_init(&bc);
			br_md5_set_state(&bc, st, counts[i]);
			br_md5_update(&bc, tail, n);
			br_md5_out(&bc, want);
			bad += memcmp(d, want, MD5_LEN) != 0;
		}
	}
	CHECK(bad == 0);
}
