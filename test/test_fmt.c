/* test_fmt.c: unit tests for fmt.c: err_set always ends the string and
 * shows where it cut a message. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "unit.h"

void	test_fmt(void);

static void	test_err_set(void);

void
test_fmt(void)
{
	test_err_set();
}

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
