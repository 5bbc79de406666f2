/* num.c: a small strtod (pure). The value is an integer mantissa of up to
 * 64 bits times a power of the base, rounded once where it can be. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "num.h"

static int	digit(char, unsigned);
static long	mantissa(const char **, unsigned, uint64_t *);
static long	exponent(const char **, char);
static double	times_ten_to(double, long);

double
num_strtod(const char *s, char **end)
{
	const char *p = s;
	uint64_t m = 0;
	double v;
	int neg = 0;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] | 32) == 'x' && (digit(p[2], 16) >= 0 ||
	    (p[2] == '.' && digit(p[3], 16) >= 0))) {
		long e;

		p += 2;
		e = 4 * mantissa(&p, 16, &m);
		/* Only (double)m rounds: ldexp is exact (not subnormals). */
		v = ldexp((double)m, (int)(e + exponent(&p, 'p')));
	} else if (digit(*p, 10) >= 0 || (*p == '.' && digit(p[1], 10) >= 0)) {
		long e = mantissa(&p, 10, &m);

		v = times_ten_to((double)m, e + exponent(&p, 'e'));
	} else {
		if (end != NULL)
			*end = (char *)s;
		return 0;
	}
	if (m != 0 && (v < DBL_MIN || v > DBL_MAX))
		errno = ERANGE;
	if (end != NULL)
		*end = (char *)p;
	return neg ? -v : v;
}

/* The value of c as a digit in base, or -1. */
static int
digit(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && (c | 32) >= 'a' && (c | 32) <= 'f')
		return (c | 32) - 'a' + 10;
	return -1;
}

/* Reads digits with at most one '.': as many leading digits as fit in
 * *m, and returns the power of the base the others and the fraction
 * make. Digits past 64 bits are dropped (below the double's 53) but for
 * a sticky bit. */
static long
mantissa(const char **p, unsigned base, uint64_t *m)
{
	long scale = 0;
	int d, dot = 0;

	for (;; (*p)++) {
		if (**p == '.' && !dot) {
			dot = 1;
			continue;
		}
		if ((d = digit(**p, base)) < 0)
			return scale;
		if (*m <= (UINT64_MAX - (base - 1)) / base) {
			*m = *m * base + (unsigned)d;
			scale -= dot;
		} else {
			scale += !dot;
			/* Sticky bit: a dropped digit that is not 0 still
			 * breaks a tie; *m has over 60 bits here, so bit 0
			 * is below those the double keeps. */
			*m |= d != 0;
		}
	}
}

/* An exponent after the letter ("e" or "p"): the text is consumed only
 * when digits follow, as strtod does ("1e" is 1 and stops at 'e'). */
static long
exponent(const char **p, char letter)
{
	const char *q = *p;
	long e = 0;
	int neg = 0;

	if ((*q | 32) != letter)
		return 0;
	q++;
	if (*q == '+' || *q == '-')
		neg = *q++ == '-';
	if (digit(*q, 10) < 0)
		return 0;
	for (; digit(*q, 10) >= 0; q++)
		if (e < 100000)		/* far beyond any double */
			e = e * 10 + (*q - '0');
	*p = q;
	return neg ? -e : e;
}

/* v * 10^e. Powers up to 1e22 are exact doubles, so with a mantissa of
 * up to 53 bits the one multiplication or division rounds correctly. */
static double
times_ten_to(double v, long e)
{
	static const double p2[] = {
		1e1, 1e2, 1e4, 1e8, 1e16, 1e32, 1e64, 1e128, 1e256,
	};
	unsigned long n = (unsigned long)(e < 0 ? -e : e);
	double pw = 1;

	if (v == 0)
		return 0;
	if (n <= 22) {
		for (int i = 0; n != 0; i++, n >>= 1)
			if (n & 1)
				pw *= p2[i];
		return e < 0 ? v / pw : v * pw;
	}
	/* Step by step, so that 1e-300 is not 1 / 1e300 overflowed. */
	for (int i = 0; n != 0 && v != 0 && !isinf(v); i++, n >>= 1) {
		if (i == 8) {	/* 1e256 as often as it takes */
			for (; n != 0 && v != 0 && !isinf(v); n--)
				v = e < 0 ? v / p2[8] : v * p2[8];
			break;
		}
		if (n & 1)
			v = e < 0 ? v / p2[i] : v * p2[i];
	}
	return v;
}
