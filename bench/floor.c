/* floor.c: the CPU floor of one single-PUT upload over HTTPS: the project's
 * MD5 and BearSSL's AES-128-GCM (AES-NI) over the same bytes, in memory. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "md5.h"

/*
 * Whatever an upload does, it must read every byte once for Content-MD5 and
 * once more to encrypt it into TLS records; nothing else is unavoidable.
 * This program does just that to a buffer that is already in memory, so
 * its CPU time is what tablesnap's time is compared with: no disk, page
 * cache, system calls or network. The MD5 pass comes first and the record
 * encryption second, as in tablesnap (hash pass, then send pass). Records
 * carry 16 KiB, the TLS maximum, with TLS 1.2's 13-byte additional data.
 *
 * Output: one "name value" pair a line, for bench/bench.py.
 */

#define MIB		(1024 * 1024)
#define RECORD		16384

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor [-m MiB] [-r repeats]\n");
	exit(2);
}

/* Fills the buffer with xorshift output: incompressible, and every page
 * touched before the clock starts. */
static void
fill(unsigned char *p, size_t n)
{
	uint64_t x = 0x2545f4914f6cdd1dULL;

	for (size_t i = 0; i + 8 <= n; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(p + i, &x, 8);
	}
}

static void
md5_pass(const unsigned char *p, size_t n, unsigned char out[16])
{
	struct md5_ctx c;

	md5_init(&c);
	md5_update(&c, p, n);
	md5_final(&c, out);
}

static void
br_md5_pass(const unsigned char *p, size_t n, unsigned char out[16])
{
	br_md5_context c;

	br_md5_init(&c);
	br_md5_update(&c, p, n);
	br_md5_out(&c, out);
}

static void
put_be(unsigned char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* Encrypts p in place as TLS 1.2 AES-128-GCM records. */
static void
gcm_pass(const br_block_ctr_class *ctr, br_ghash gh, unsigned char *p,
    size_t n, unsigned char tag[16])
{
	static const unsigned char key[16] = "0123456789abcdef";
	br_aes_x86ni_ctr_keys keys;
	br_gcm_context gc;
	unsigned char iv[12] = { 1, 2, 3, 4 }, aad[13] = { 0 };
	uint64_t seq = 0;

	ctr->init(&keys.vtable, key, sizeof(key));
	br_gcm_init(&gc, &keys.vtable, gh);
	for (size_t off = 0; off < n; off += RECORD, seq++) {
		size_t len = n - off < RECORD ? n - off : RECORD;

		/* Explicit nonce and AAD as BearSSL's record layer makes them. */
		put_be(iv + 4, seq, 8);
		put_be(aad, seq, 8);
		aad[8] = 23;
		aad[9] = 3;
		aad[10] = 3;
		put_be(aad + 11, len, 2);
		br_gcm_reset(&gc, iv, sizeof(iv));
		br_gcm_aad_inject(&gc, aad, sizeof(aad));
		br_gcm_flip(&gc);
		br_gcm_run(&gc, 1, p + off, len);
		br_gcm_get_tag(&gc, tag);
	}
}

static double
median(double *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
			double t = v[k];

			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int
main(int argc, char **argv)
{
	const br_block_ctr_class *ctr = br_aes_x86ni_ctr_get_vtable();
	br_ghash gh = br_ghash_pclmul_get();
	long mib = 1024, reps = 3;
	unsigned char *buf, d1[16], d2[16], tag[16];
	double *m, *bm, *g;
	size_t n;
	int ch;

	while ((ch = getopt(argc, argv, "m:r:")) != -1) {
		switch (ch) {
		case 'm':
			mib = strtol(optarg, NULL, 10);
			break;
		case 'r':
			reps = strtol(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (mib <= 0 || reps <= 0 || reps > 100 || optind != argc)
		usage();
	if (ctr == NULL || gh == 0) {
		/* The product falls back to portable code; so would this. */
		fprintf(stderr, "floor: no AES-NI or PCLMUL on this CPU\n");
		return 1;
	}
	n = (size_t)mib * MIB;
	buf = malloc(n);
	m = calloc((size_t)reps, sizeof(*m));
	bm = calloc((size_t)reps, sizeof(*bm));
	g = calloc((size_t)reps, sizeof(*g));
	if (buf == NULL || m == NULL || bm == NULL || g == NULL) {
		fprintf(stderr, "floor: %s\n", strerror(ENOMEM));
		return 1;
	}
	fill(buf, n);
	for (int r = 0; r < reps; r++) {
		double t;

		/* The two MD5s before the encryption changes the bytes. */
		fill(buf, n);
		t = cpu_now();
		md5_pass(buf, n, d1);
		m[r] = cpu_now() - t;
		t = cpu_now();
		br_md5_pass(buf, n, d2);
		bm[r] = cpu_now() - t;
		if (memcmp(d1, d2, 16) != 0) {
			fprintf(stderr, "floor: md5 and br_md5 disagree\n");
			return 1;
		}
		t = cpu_now();
		gcm_pass(ctr, gh, buf, n, tag);
		g[r] = cpu_now() - t;
	}
	/* Per GiB, whatever -m was. */
	double scale = 1024.0 / (double)mib;
	double mm = median(m, (int)reps) * scale;
	double mb = median(bm, (int)reps) * scale;
	double mg = median(g, (int)reps) * scale;
	printf("bytes %zu\nrepeats %ld\n", n, reps);
	printf("md5_cpu_s_per_gib %.3f\n", mm);
	printf("br_md5_cpu_s_per_gib %.3f\n", mb);
	printf("aes128gcm_cpu_s_per_gib %.3f\n", mg);
	printf("floor_cpu_s_per_gib %.3f\n", mm + mg);
	printf("br_floor_cpu_s_per_gib %.3f\n", mb + mg);
	free(buf);
	free(m);
	free(bm);
	free(g);
	return 0;
}
