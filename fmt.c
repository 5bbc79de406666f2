/* fmt.c: string helpers (see fmt.h). */
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fmt.h"

int
str_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	return n;
}

int
str_vfmt(char *dst, size_t cap, const char *fmt, va_list ap)
{
	return vsnprintf(dst, cap, fmt, ap);
}

int
err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
	static const char unprintable[] = "(unprintable error)";
	int n;

	if (errlen == 0)
		return -1;
	n = vsnprintf(err, errlen, fmt, ap);
	if (n < 0) {
		err[0] = '\0';
		strncat(err, unprintable, errlen - 1);
	} else if ((size_t)n >= errlen && errlen > 4)
		memcpy(err + errlen - 4, "...", 4);
	return -1;
}

int
str_afmt(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	return n;
}

int
str_vafmt(char **out, const char *fmt, va_list ap)
{
	return vasprintf(out, fmt, ap);
}

long long
str_scaled(double v, unsigned scale)
{
	uint64_t bits, m, q, r, half;
	int e;

	_Static_assert(DBL_MANT_DIG == 53, "IEEE 754 binary64");
	memcpy(&bits, &v, sizeof(bits));
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (e == 0x7ff)
		return m != 0 ? 0 : LLONG_MAX;
	if (e != 0)
		m |= UINT64_C(1) << 52;
	else
		e = 1;
	/* v = m * 2^(e - 1075) exactly, and m * scale < 2^63. */
	m *= scale;
	e -= 1075;
	if (e >= 0)
		return e < 64 && m <= (uint64_t)LLONG_MAX >> e ?
		    (long long)(m << e) : LLONG_MAX;
	if (e <= -64)
		return 0;	/* below 2^-11: rounds to 0 */
	q = m >> -e;
	r = m & ((UINT64_C(1) << -e) - 1);
	half = UINT64_C(1) << (-e - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	return (long long)q;
}

char *
str_ndup(const char *s, size_t n)
{
	char *copy = n < SIZE_MAX ? malloc(n + 1) : NULL;

	if (copy != NULL) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}
