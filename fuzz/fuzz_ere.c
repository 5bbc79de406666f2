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
 * same on a second run, and without ^ $ \A \Z in the pattern a subject
 * that matches still matches with bytes added at either end (a search
 * finds what it found before; the bytes added, 0xff and NUL, are no word
 * bytes, as no byte is, so \b and \B see the same). With (?i) in front,
 * a pattern is accepted as it was (also when it had a (?i), repeated) and
 * without [^ matches at least what it matched.
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

/* Whether the pattern may anchor: ^ $ \A \Z (or a \\A, to keep it simple). */
static int
anchored(const char *pat)
{
	return strpbrk(pat, "^$") != NULL || strstr(pat, "\\A") != NULL ||
	    strstr(pat, "\\Z") != NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = NULL;
	const uint8_t *nul;
	struct ere *re, *ire;
	char *pat, *wide, *ipat;
	size_t plen, n;
	int r;

	nul = memchr(data, '\0', size);
	plen = nul ? (size_t)(nul - data) : size;
	n = nul ? size - plen - 1 : 0;
	if (n > MAX_SUBJECT)
		n = MAX_SUBJECT;
	if ((pat = malloc(plen + 1)) == NULL ||
	    (wide = malloc(n + 2)) == NULL ||
	    (ipat = malloc(plen + 5)) == NULL)
		abort();
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	memcpy(ipat, "(?i)", 4);
	memcpy(ipat + 4, pat, plen + 1);
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
		if (r && !anchored(pat) &&
		    (!match(re, wide, n + 1) || !match(re, wide + 1, n + 1)))
			abort();
	}
	/* (?i) folds the sets before a [^...] negates them: such a set
	 * matches less, not more. */
	if (ipat[4] != '\0') {
		ire = ere_compile(ipat, &why);
		if ((ire == NULL) != (re == NULL) ||
		    (re != NULL && strstr(pat, "[^") == NULL &&
		    match(re, wide + 1, n) && !match(ire, wide + 1, n)))
			abort();
		ere_free(ire);
	}
	ere_free(re);
	free(ipat);
	free(wide);
	free(pat);
	return 0;
}
