/* unit.h: the unit-test runner's checks. Each test file defines its suites as
 * void test_<name>(void) and test/unit.c lists them. */
#ifndef TABLESNAP_UNIT_H
#define TABLESNAP_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_passed, unit_failed;

void unit_check(int ok, const char *file, int line, const char *what);

/* One assertion: counts a pass, or prints the failure and counts it. */
#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond)
#define CHECK_STR(got, want) do { \
	const char *g_ = (got), *w_ = (want); \
	int ok_ = g_ != NULL && strcmp(g_, w_) == 0; \
	unit_check(ok_, __FILE__, __LINE__, #got " == " #want); \
	if (!ok_) \
		fprintf(stderr, "    got:  %s\n    want: %s\n", \
		    g_ ? g_ : "(null)", w_); \
} while (0)
#define CHECK_MEM(got, glen, want, wlen) unit_check((glen) == (wlen) && \
	memcmp((got), (want), (wlen)) == 0, __FILE__, __LINE__, \
	#got " equals " #want)

/* Whether one of the pieces of a help text (NULL-terminated) holds s. */
static inline int
unit_help_has(const char *const *parts, const char *s)
{
	for (; *parts != NULL; parts++)
		if (strstr(*parts, s) != NULL)
			return 1;
	return 0;
}

#endif
