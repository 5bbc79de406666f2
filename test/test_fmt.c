/* test_fmt.c: unit tests for fmt.c, differential against the C library's
 * snprintf: every flag, width, precision, length and conversion fmt.h
 * names, over edge values, and every truncation of each result. */
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

static void	test_ints(void);
static void	test_strings(void);
static void	test_misc(void);
static void	test_alloc(void);
static void	test_scaled(void);

static int mismatches;

/* Formats with both and compares the return values and the whole buffers
 * (bytes past the NUL must stay untouched) for sizes 0, 1, 2, half the
 * length, the length and one more, and without a buffer. */
static void
same(const char *fmt, ...)
{
	char a[512], b[512];
	size_t caps[6];
	va_list ap, aq;
	int na, nb;

	va_start(ap, fmt);
	va_copy(aq, ap);
	na = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	nb = str_vfmt(NULL, 0, fmt, ap);
	va_end(ap);
	if (na != nb)
		goto differ;
	caps[0] = 0, caps[1] = 1, caps[2] = 2;
	caps[3] = (size_t)na / 2, caps[4] = (size_t)na, caps[5] = caps[4] + 1;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		size_t cap = caps[i] < sizeof(a) ? caps[i] : sizeof(a);

		memset(a, 'X', sizeof(a));
		memset(b, 'X', sizeof(b));
		va_start(ap, fmt);
		na = vsnprintf(a, cap, fmt, ap);
		va_end(ap);
		va_start(ap, fmt);
		nb = str_vfmt(b, cap, fmt, ap);
		va_end(ap);
		if (na != nb || memcmp(a, b, sizeof(a)) != 0)
			goto differ;
	}
	va_end(aq);
	return;
differ:
	if (mismatches++ < 10) {
		vsnprintf(a, sizeof(a), fmt, aq);
		va_end(aq);
		va_start(ap, fmt);
		str_vfmt(b, sizeof(b), fmt, ap);
		va_end(ap);
		fprintf(stderr, "    fmt \"%s\": libc %d [%s], fmt.c %d [%s]\n",
		    fmt, na, a, nb, b);
	} else
		va_end(aq);
}

/* str_fmt without the format attribute, for formats the compiler would
 * refuse. */
static int
unchecked(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vfmt(dst, cap, fmt, ap);
	va_end(ap);
	return n;
}

void
test_fmt(void)
{
	test_ints();
	test_strings();
	test_misc();
	test_alloc();
	test_scaled();
}

static const char *const flags[] = {
	"", "-", "0", "+", " ", "-0", "-+", "- ", "0+", "0 ", "+ ", "-0+ ",
};
static const char *const widths[] = { "", "1", "2", "5", "21", "40" };
static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".25" };

/* Every combination of flags, width and precision around one conversion
 * and length; the caller passes the value with its C type. */
#define EACH_SPEC(len, conv, val) do { \
	char f_[64]; \
	for (size_t fi = 0; fi < sizeof(flags) / sizeof(flags[0]); fi++) \
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) \
	for (size_t pi = 0; pi < sizeof(precs) / sizeof(precs[0]); pi++) { \
		snprintf(f_, sizeof(f_), "<%%%s%s%s%s%s>", \
		    flags[fi], widths[wi], precs[pi], len, conv); \
		same(f_, val); \
	} \
} while (0)

static const long long svals[] = {
	0, 1, -1, 7, -7, 42, 100, -100, 255, 256, 65535, 65536, 32767,
	-32768, 127, -128, 2147483647, -2147483647 - 1, 4294967295LL,
	1234567890123LL, -987654321098LL, LLONG_MAX, LLONG_MIN,
};

static void
test_ints(void)
{
	static const char *const sconv[] = { "d", "i" };
	static const char *const uconv[] = { "u", "x", "X" };

	mismatches = 0;
	for (size_t i = 0; i < sizeof(svals) / sizeof(svals[0]); i++) {
		long long v = svals[i];
		unsigned long long u = (unsigned long long)v;

		for (size_t c = 0; c < 2; c++) {
			EACH_SPEC("", sconv[c], (int)v);
			EACH_SPEC("hh", sconv[c], (int)(signed char)v);
			EACH_SPEC("h", sconv[c], (int)(short)v);
			EACH_SPEC("l", sconv[c], (long)v);
			EACH_SPEC("ll", sconv[c], v);
			EACH_SPEC("j", sconv[c], (intmax_t)v);
			EACH_SPEC("z", sconv[c], (ssize_t)v);
			EACH_SPEC("t", sconv[c], (ptrdiff_t)v);
		}
		for (size_t c = 0; c < 3; c++) {
			EACH_SPEC("", uconv[c], (unsigned)u);
			EACH_SPEC("hh", uconv[c], (unsigned)(unsigned char)u);
			EACH_SPEC("h", uconv[c], (unsigned)(unsigned short)u);
			EACH_SPEC("l", uconv[c], (unsigned long)u);
			EACH_SPEC("ll", uconv[c], u);
			EACH_SPEC("j", uconv[c], (uintmax_t)u);
			EACH_SPEC("z", uconv[c], (size_t)u);
		}
		/* hh and h convert a full int argument down. */
		same("%hhd %hhu %hd %hu %hhx %hX", (int)v, (unsigned)u, (int)v,
		    (unsigned)u, (unsigned)u, (unsigned)u);
	}
	CHECK(mismatches == 0);
}

static void
test_strings(void)
{
	static const char *const strs[] = {
		"", "a", "abc", "hello, world",
		"012345678901234567890123456789012345678901234567890123456789",
		"with\nnewline and % percent", "\xc3\xa9t\xc3\xa9",
	};
	static const char *const sflags[] = { "", "-" };
	static const char *const sprecs[] = {
		"", ".", ".0", ".2", ".5", ".100",
	};
	char f[64];

	mismatches = 0;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		for (size_t fi = 0; fi < 2; fi++)
			for (size_t wi = 0; wi < sizeof(widths) /
			    sizeof(widths[0]); wi++)
				for (size_t pi = 0; pi < 6; pi++) {
					snprintf(f, sizeof(f), "[%%%s%s%ss]",
					    sflags[fi], widths[wi], sprecs[pi]);
					same(f, strs[i]);
				}
	for (int c = 1; c < 256; c++) {
		same("%c", c);
		same("<%5c|%-3c>", c, c);
	}
	/* A precision reads no further than it says: no NUL needed. */
	{
		char raw[3] = { 'x', 'y', 'z' };
		char out[8];

		CHECK(str_fmt(out, sizeof(out), "%.3s|%.*s", raw, 2, raw) == 6);
		CHECK_STR(out, "xyz|xy");
	}
	CHECK(mismatches == 0);
}

static void
test_misc(void)
{
	char out[64];
	int x;

	mismatches = 0;
	same("plain text, no conversions");
	same("");
	same("%%");
	same("100%% sure, %d%%", 42);
	same("%*d|%-*d|%*d", 6, 42, 6, 42, -6, 42);
	same("%.*d|%.*d|%.*s", 4, 7, -1, 7, 3, "abcdef");
	same("%*.*s|%-*.*s", 8, 2, "abcdef", 8, 2, "abcdef");
	same("%p|%20p|%-20p", (void *)&x, (void *)&x, (void *)&x);
	same("%p|%10p|%-10p", (void *)NULL, (void *)NULL, (void *)NULL);
	same("%s %s", "(null) is not", "printed for NULL by fmt.c");
	same("%.3s%.0s%s", "abcdef", "hidden", "!");
	/* The call sites' layouts. */
	same("%s %s%s%s HTTP/1.1\r\n", "PUT", "/b/k", "?", "uploadId=1");
	same("Content-Length: %lld\r\n", 5368709120LL);
	same(",%03d %s ", 7, "INFO");
	same("&#x%X;", 0x1f);
	same("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", 2026, 11, 26, 9, 5, 3, 42);
	same("%zu files, %llu bytes", (size_t)3, 12345678901ULL);
	CHECK(mismatches == 0);

	/* Unknown conversions and floating point are refused. */
	errno = 0;
	CHECK(unchecked(out, sizeof(out), "%q") == -1 && errno == EINVAL);
	CHECK(unchecked(out, sizeof(out), "x%") == -1);
	CHECK(unchecked(out, sizeof(out), "%.1f", 1.5) == -1);
	/* Text too long for an int. */
	CHECK(unchecked(NULL, 0, "%2147483647d%2147483647d", 1, 2) == -1 &&
	    errno == EOVERFLOW);
	CHECK(unchecked(NULL, 0, "%99999999999d", 1) == -1);
	/* Always terminated when the size allows, even on error. */
	memset(out, 'X', sizeof(out));
	CHECK(unchecked(out, 4, "ab%q") == -1 && strcmp(out, "ab") == 0);
}

static void
test_alloc(void)
{
	char *s = NULL;

	CHECK(str_afmt(&s, "%s/%s-%d", "dir", "name", -3) == 11);
	CHECK_STR(s, "dir/name--3");
	free(s);
	s = NULL;
	CHECK(str_afmt(&s, "%s", "") == 0);
	CHECK_STR(s, "");
	free(s);
	s = NULL;
	CHECK(str_afmt(&s, "%600d", 1) == 600 && strlen(s) == 600);
	free(s);
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
