/* fuzz_ere.c: libFuzzer target for ere.c: whatever the pattern, compiling
 * gives a program or a reason, and matching answers 0 or 1, quickly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "missing/ere.h"

/*
 * Input layout: the pattern up to the first NUL, the subject after it
 * (cut to MAX_SUBJECT: paths are a few KB, and the time of a match is
 * the subject's length times the program's, up to 64 K instructions).
 * Besides not crashing: a refused pattern has a reason, a match is the
 * same on a second run, and without ^ or $ in the pattern a subject that
 * matches still matches with bytes added at either end (a search finds
 * what it found before).
 */
#define MAX_SUBJECT	512

static int
match(const struct ere *re, const char *s, size_t n)
{
	int r = ere_match(re, s, n);

	if (r != 0 && r != 1)
		abort();
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	const uint8_t *nul;
	struct ere *re;
	char *pat, *wide;
	size_t plen, n;
	int r;

	nul = memchr(data, '\0', size);
	plen = nul ? (size_t)(nul - data) : size;
	n = nul ? size - plen - 1 : 0;
	if (n > MAX_SUBJECT)
		n = MAX_SUBJECT;
	if ((pat = malloc(plen + 1)) == NULL ||
	    (wide = malloc(n + 2)) == NULL)
		abort();
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	/* The subject with a byte either side, to look at it alone or not. */
	wide[0] = (char)0xff;
	if (n > 0)
		memcpy(wide + 1, nul + 1, n);
	wide[n + 1] = '\0';
	if ((re = ere_compile(pat, &why)) == NULL) {
		if (why == NULL || why[0] == '\0')
			abort();
	} else {
		r = match(re, wide + 1, n);
		if (match(re, wide + 1, n) != r)
			abort();
		if (r && strpbrk(pat, "^$") == NULL &&
		    (!match(re, wide, n + 1) || !match(re, wide + 1, n + 1)))
			abort();
	}
	ere_free(re);
	free(wide);
	free(pat);
	return 0;
}
