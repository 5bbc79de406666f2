/* filter.c: the path filter, compiled once at start and then only read,
 * so that upload threads may use it while the main thread does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "missing/ere.h"
#include "filter.h"
#include "fmt.h"

struct filter {
	struct ere **res;
	size_t n;
	int include;	/* the patterns say what to keep, not what to skip */
};

struct filter *
filter_new(const char *const *excludes, size_t nexcludes,
    const char *const *includes, size_t nincludes, char *err, size_t errlen)
{
	struct filter *f = calloc(1, sizeof(*f));
	const char *const *pats = nincludes ? includes : excludes;
	size_t n = nincludes ? nincludes : nexcludes;

	if (f == NULL || (n > 0 && (f->res = calloc(n, sizeof(*f->res))) ==
	    NULL)) {
		snprintf(err, errlen, "out of memory");
		free(f);
		return NULL;
	}
	f->include = nincludes > 0;
	for (; f->n < n; f->n++) {
		const char *why;

		if ((f->res[f->n] = ere_compile(pats[f->n], &why)) == NULL) {
			/* A truncated message still names the pattern. */
			if (snprintf(err, errlen, "invalid regular expression "
			    "'%s': %s", pats[f->n], why) < 0 && errlen > 0)
				err[0] = '\0';
			filter_free(f);
			return NULL;
		}
	}
	return f;
}

void
filter_free(struct filter *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++)
		ere_free(f->res[i]);
	free(f->res);
	free(f);
}

int
filter_keep(const struct filter *f, const char *path)
{
	if (f->n == 0)
		return strstr(path, "-tmp") == NULL;
	for (size_t i = 0; i < f->n; i++) {
		int r = ere_match(f->res[i], path, strlen(path));

		/* Out of memory (-1): better an upload too many than a
		 * file left out. */
		if (r != 0)
			return r < 0 || f->include;
	}
	return !f->include;
}
