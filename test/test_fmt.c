/* test_fmt.c: unit tests for fmt.c: err_set always ends the string and
 * shows where it cut a message; decimal_scaled is exact. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "unit.h"

void	test_fmt(void);

static void	test_err_set(void);
static void	test_decimal_scaled(void);

void
test_fmt(void)
{
	test_err_set();
	test_decimal_scaled();
}

static void
test_decimal_scaled(void)
{
	long long v = -1;
	const char *s;

	CHECK((s = decimal_scaled("7", 86400000, &v)) != NULL && *s == '\0' &&
	    v == 7 * 86400000LL);
	/* 0.1 is no binary fraction here: exactly a tenth of a day. */
	CHECK(decimal_scaled("0.1", 86400000, &v) != NULL && v == 8640000);
	CHECK(decimal_scaled(".25", 1000, &v) != NULL && v == 250);
	CHECK((s = decimal_scaled("1.5M", 1048576, &v)) != NULL && *s == 'M' &&
	    v == 1572864);
	/* Half up: 0.0005 s is 1 ms, 0.0004 s is 0. */
	CHECK(decimal_scaled("0.0005", 1000, &v) != NULL && v == 1);
	CHECK(decimal_scaled("0.0004", 1000, &v) != NULL && v == 0);
	CHECK((s = decimal_scaled("7.", 1, &v)) != NULL && *s == '.');
	CHECK(decimal_scaled("999999999999999999", 1, &v) != NULL &&
	    v == 999999999999999999LL);
	CHECK(decimal_scaled("0.999999999", 1073741824, &v) != NULL &&
	    v == 1073741823);
	v = 42;
	CHECK(decimal_scaled("1000000000000000000", 1, &v) == NULL);
	CHECK(decimal_scaled("0.1234567891", 1, &v) == NULL);
	CHECK(decimal_scaled("9999999999999", 1073741824, &v) == NULL);
	CHECK(decimal_scaled("", 1, &v) == NULL);
	CHECK(decimal_scaled("-1", 1, &v) == NULL);
	CHECK(decimal_scaled("e3", 1, &v) == NULL);
	CHECK(decimal_scaled(".", 1, &v) == NULL);
	CHECK(decimal_scaled("1", 0, &v) == NULL);
	CHECK(v == 42);
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
