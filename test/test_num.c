/* test_num.c: unit tests for num.c, differential against the C library's
 * strtod: the same value (bit for bit where num.h promises it), the same
 * end, the same ERANGE. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "unit.h"

void	test_num(void);

static int mismatches;

/* ulps: how far the values may be apart (0: bit for bit). */
static void
same(const char *s, double ulps)
{
	char *e1, *e2;
	double a, b;
	int r1, r2;

	errno = 0;
	a = strtod(s, &e1);
	r1 = errno == ERANGE;
	errno = 0;
	b = num_strtod(s, &e2);
	r2 = errno == ERANGE;
	if (e1 == e2 && r1 == r2 && (memcmp(&a, &b, sizeof(a)) == 0 ||
	    (ulps > 0 && fabs(a - b) <= ulps * fabs(a) * DBL_EPSILON)))
		return;
	if (mismatches++ < 10)
		fprintf(stderr, "    \"%s\": strtod %.17g end +%d%s, "
		    "num_strtod %.17g end +%d%s\n", s, a, (int)(e1 - s),
		    r1 ? " ERANGE" : "", b, (int)(e2 - s), r2 ? " ERANGE" : "");
}

void
test_num(void)
{
	static const char *const fixed[] = {
		"0", "1", "-1", "+1", "  7", "\t\n\v\f\r 8", "1.5", "-0.25",
		".5", "5.", "-.5", "0.1", "0.2", "0.3", "123.456", "1e3",
		"1E3", "1e+3", "1e-3", "1e", "1e+", "1e-x", "1.5G", "8M",
		"50M", "800K", "100000", "1x", "x", "", " ", "+", "-", ".",
		"-.", "..5", "1..5", "1.2.3", "0x10", "0X1f", "0x", "0xg",
		"0x.8", "0x1p3", "0x1P-2", "0x1.8p1", "0x400K", "0x1p", "00012",
		"1714566896.25", "1714566896", "1e22", "9007199254740992",
		"0e400", "0.000e-999", "-1e9",
		"999999999.999", "inf", "nan", "infinity", "-inf", "1,5", "1 5",
		"1-2",
		/* Past 16 hex digits: a dropped digit breaks a tie. */
		"0x1000000000000080001", "0x1.00000000000008000000001p0",
		"0x1000000000000080000",
	};
	/* Outside the promise: within a few ulps, the same end and ERANGE. */
	static const char *const approx[] = {
		"1e23", "9007199254740993", "4503599627370495.5", "1e308",
		"1e309", "2e308", "-1e400", "1e-300", "1e-320", "1e-400",
		"179769313486231570000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000000000000000"
		"000000000000000000000000000000000000000000000000000000000000"
		"00000000", "0.0000000000000000000000000000001",
		"1234567890123456789012345678901234567890",
		"0.1234567890123456789",
	};
	static const double pow10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	unsigned seed = 4242;
	char s[64];

	mismatches = 0;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		/* inf and nan are not read: both refuse them, differently. */
		if (strncmp(fixed[i], "inf", 3) == 0 ||
		    strcmp(fixed[i], "nan") == 0 ||
		    strcmp(fixed[i], "-inf") == 0)
			continue;
		same(fixed[i], 0);
	}
	for (size_t i = 0; i < sizeof(approx) / sizeof(approx[0]); i++)
		same(approx[i], 4);
	CHECK(num_strtod("inf", NULL) == 0 && num_strtod("nan", NULL) == 0);
	/* Up to 15 digits and powers of ten up to 22: bit for bit. */
	for (int i = 0; i < 200000; i++) {
		long long m;
		int e, frac = 0;

		seed = seed * 1103515245 + 12345;
		m = (long long)(seed >> 4) * (long long)pow10[seed % 7] +
		    (seed & 15);
		seed = seed * 1103515245 + 12345;
		e = (int)(seed % 45) - 22;
		snprintf(s, sizeof(s), "%lld", m % 1000000000000000LL);
		if (seed & 64) {	/* a decimal point inside */
			size_t len = strlen(s), at = (seed >> 8) % (len + 1);

			memmove(s + at + 1, s + at, len - at + 1);
			s[at] = '.';
			frac = (int)(len - at);
		}
		snprintf(s + strlen(s), sizeof(s) - strlen(s), "e%d", e);
		/* Bit for bit when the power of ten is within 1e22. */
		same(s, e - frac >= -22 ? 0 : 4);
		/* Hex, with a binary exponent. */
		snprintf(s, sizeof(s), "0x%llxp%d", m, e * 40);
		same(s, 0);
	}
	/* Longer mantissas and exponents: within a few ulps. */
	for (int i = 0; i < 20000; i++) {
		seed = seed * 1103515245 + 12345;
		snprintf(s, sizeof(s), "%u%u.%ue%d", seed, seed * 7u,
		    seed * 13u, (int)(seed % 600) - 300);
		same(s, 8);
	}
	CHECK(mismatches == 0);
}
