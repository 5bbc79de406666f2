/* fmt.c: string helpers (see fmt.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

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

const char *
env_value(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

const char *
decimal_scaled(const char *s, long long scale, long long *out)
{
	long long whole = 0, frac = 0, div = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (p - s == 18)
			return NULL;
		whole = whole * 10 + (*p - '0');
	}
	if (*p == '.' && p[1] >= '0' && p[1] <= '9')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (div == 1000000000)
				return NULL;
			frac = frac * 10 + (*p - '0');
			div *= 10;
		}
	if (p == s)
		return NULL;
	/* frac * scale stays below 10^9 * scale: fine for the scales used
	 * (days in ms, GiB); the whole part is checked. */
	if (scale <= 0 || scale > 4LL << 30 ||
	    whole > (LLONG_MAX - scale) / scale)
		return NULL;
	*out = whole * scale + (frac * scale + div / 2) / div;
	return p;
}

void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}
