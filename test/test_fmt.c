/* test_fmt.c: unit tests for fmt.c: str_scaled rounds as printf does;
 * err_set shows where it cut a message. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fmt.h"
#include "unit.h"

void	test_fmt(void);

static void	test_scaled(void);
static void	test_err_set(void);

static int mismatches;

void
test_fmt(void)
{
	test_scaled();
	test_err_set();
}

/* str_scaled and printf's "%.3f"/"%.1f" agree, ties and near-ties too. */
static int
scaled_same(double v, unsigned scale)
{
	char want[64], got[64];
	long long q = str_scaled(v, scale);

	snprintf(want, sizeof(want), scale == 1000 ? "%.3f" : "%.1f", v);
	if (scale == 1000)
		snprintf(got, sizeof(got), "%s%lld.%03lld", signbit(v) ? "-" :
		    "", q / 1000, q % 1000);
	else
		snprintf(got, sizeof(got), "%s%lld.%lld", signbit(v) ? "-" : "",
		    q / 10, q % 10);
	if (strcmp(want, got) == 0)
		return 1;
	if (mismatches++ < 10)
		fprintf(stderr, "    %.17g: printf %s, str_scaled %s\n", v,
		    want, got);
	return 0;
}

static void
test_scaled(void)
{
	static const double v[] = {
		0, -0.0, 1, -1, 0.5, 0.05, 0.0005, 0.0015, 0.0025, 1.2345,
		2.675, 0.125, 0.375, 1e-300, 5e-324, 12.9999, 99.95, 0.25,
		1764175943.123456, 1764175943.9995, 4503599627370495.5,
		1e15, 123456789.0625, -2.5, -0.0004,
	};
	static const double pow10[] = { 1, 10, 100, 1e3, 1e4, 1e5, 1e6 };
	unsigned seed = 12345;

	mismatches = 0;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		scaled_same(v[i], 1000);
		scaled_same(v[i], 10);
	}
	/* Halves of the last printed digit are exact ties in binary. */
	for (int i = 0; i < 4000; i++) {
		scaled_same((i + 0.5) / 1000, 1000);
		scaled_same((i + 0.5) / 10, 10);
		scaled_same(i / 8.0, 10);
	}
	for (int i = 0; i < 20000; i++) {
		uint64_t bits;
		double x;

		seed = seed * 1103515245 + 12345;
		x = (double)(seed >> 8) / (1 << 12) * pow10[seed % 7];
		scaled_same(x, 1000);
		scaled_same(x, 10);
		/* The double just below. */
		memcpy(&bits, &x, sizeof(bits));
		bits -= x > 0;
		memcpy(&x, &bits, sizeof(x));
		scaled_same(x, 1000);
	}
	CHECK(str_scaled(1e300, 1000) == LLONG_MAX);
	CHECK(str_scaled(INFINITY, 10) == LLONG_MAX);
	CHECK(str_scaled(NAN, 10) == 0);
	CHECK(mismatches == 0);
}

/* An error message longer than the caller's buffer: the reader must see
 * that it was cut, not take "connect to s3.eu-west-1.am" for the whole
 * story; a buffer of no bytes is never written. */
static void
test_err_set(void)
{
	char err[16], none[1] = { 'x' }, tiny[4];

	CHECK(err_set(err, sizeof(err), "%s: %d", "short", 42) == -1);
	CHECK_STR(err, "short: 42");
	CHECK(err_set(err, sizeof(err), "connect to %s port %d: %s",
	    "s3.eu-west-1.amazonaws.com", 443, "connect timeout") == -1);
	CHECK_STR(err, "connect to s...");
	CHECK(strlen(err) == sizeof(err) - 1);
	err_set(err, sizeof(err), "%.15s", "exactly fifteen");
	CHECK_STR(err, "exactly fifteen");
	err_set(err, sizeof(err), "%.16s", "exactly sixteen!");
	CHECK_STR(err, "exactly sixt...");
	CHECK(err_set(none, 0, "anything %d", 1) == -1);
	CHECK(none[0] == 'x');
	/* Too small for the mark: cut short as snprintf cuts. */
	err_set(tiny, sizeof(tiny), "abcdef");
	CHECK_STR(tiny, "abc");
}
