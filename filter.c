/* filter.c: the path filter, compiled once at start and then only read,
 * so that upload threads may use it while the main thread does. */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"

struct filter {
	regex_t *res;
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

	if (f == NULL || (n > 0 && (f->res = calloc(n, sizeof(regex_t))) ==
	    NULL)) {
		snprintf(err, errlen, "out of memory");
		free(f);
		return NULL;
	}
	f->include = nincludes > 0;
	for (; f->n < n; f->n++) {
		char why[128];
		int rc = regcomp(&f->res[f->n], pats[f->n],
		    REG_EXTENDED | REG_NOSUB);

		if (rc != 0) {
			regerror(rc, &f->res[f->n], why, sizeof(why));
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
		regfree(&f->res[i]);
	free(f->res);
	free(f);
}

int
filter_keep(const struct filter *f, const char *path)
{
	if (f->n == 0)
		return strstr(path, "-tmp") == NULL;
	for (size_t i = 0; i < f->n; i++)
		if (regexec(&f->res[i], path, 0, NULL, 0) == 0)
			return f->include;
	return !f->include;
}
