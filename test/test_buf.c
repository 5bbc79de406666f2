/* test_buf.c: unit tests for buf.c: growth that keeps every byte, lengths
 * that would wrap size_t, formatted appends past the room, taking the
 * string, and the array growth rule. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unit.h"

void	test_buf(void);

static void	test_growth(void);
static void	test_printf(void);
static void	test_take(void);
static void	test_array_grow(void);

void
test_buf(void)
{
	test_growth();
	test_printf();
	test_take();
	test_array_grow();
}

static void
test_growth(void)
{
	struct buf b;
	char *big;
	size_t i, n = 100000;
	int same = 1;

	buf_init(&b);
	CHECK(!b.failed && b.data != NULL && b.len == 0 && b.data[0] == '\0');
	buf_add(&b, NULL, 0);
	CHECK(!b.failed && b.len == 0);

	/* Growth through many doublings keeps every byte. */
	if ((big = malloc(n)) == NULL) {
		CHECK(big != NULL);
		buf_free(&b);
		return;
	}
	for (i = 0; i < n; i++)
		big[i] = (char)('a' + i % 26);
	for (i = 0; i < n; i += 1000)
		buf_add(&b, big + i, 1000);
	CHECK(!b.failed && b.len == n && b.cap > n && b.data[n] == '\0');
	for (i = 0; i < n; i++)
		if (b.data[i] != big[i])
			same = 0;
	CHECK(same);
	free(big);

	/* A length that would wrap size_t fails without touching memory;
	 * later appends do nothing. */
	buf_add(&b, "x", SIZE_MAX);
	CHECK(b.failed);
	CHECK(b.len == n);
	buf_add(&b, "y", 1);
	CHECK(b.len == n);
	buf_adds(&b, "z");
	buf_printf(&b, "%d", 1);
	CHECK(b.len == n);
	CHECK(buf_reserve(&b, 0) == -1);
	buf_add(&b, "x", SIZE_MAX - n);
	CHECK(b.len == n);
	buf_free(&b);
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && !b.failed);

	/* Close to the wrap on a fresh buffer as well. */
	buf_init(&b);
	buf_add(&b, "ab", 2);
	buf_add(&b, "x", SIZE_MAX - 2);
	CHECK(b.failed && b.len == 2);
	buf_free(&b);

	/* A zeroed buffer is an empty one. */
	memset(&b, 0, sizeof(b));
	buf_adds(&b, "abc");
	CHECK(!b.failed && b.len == 3);
	CHECK_STR(b.data, "abc");
	CHECK(buf_reserve(&b, 1000) == 0 && b.cap >= 1004 && b.len == 3);
	buf_free(&b);
}

static void
test_printf(void)
{
	struct buf b = { 0 };
	char *want;
	size_t i;
	int ok = 1;

	buf_printf(&b, "%s=%d", "a", -5);
	CHECK_STR(b.data, "a=-5");
	buf_printf(&b, "%s", "");
	CHECK(b.len == 4);
	/* Longer than the room left: formatted again after growing. */
	if ((want = malloc(5001)) == NULL) {
		CHECK(want != NULL);
		buf_free(&b);
		return;
	}
	memset(want, 'q', 5000);
	want[5000] = '\0';
	buf_printf(&b, "[%s]%llu", want, 18446744073709551615ULL);
	CHECK(!b.failed && b.len == 4 + 5002 + 20);
	CHECK(memcmp(b.data, "a=-5[", 5) == 0);
	for (i = 0; i < 5000; i++)
		ok &= b.data[5 + i] == 'q';
	CHECK(ok);
	CHECK_STR(b.data + 5005, "]18446744073709551615");
	free(want);
	/* Many small ones, each at the edge of the room at some point. */
	buf_free(&b);
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%03zu,", i);
	CHECK(!b.failed && b.len == 4000 && strlen(b.data) == 4000);
	CHECK(memcmp(b.data + 3996, "999,", 4) == 0);
	buf_free(&b);
}

static void
test_take(void)
{
	struct buf b = { 0 };
	char *s;

	/* Nothing added: still a string. */
	s = buf_take(&b);
	CHECK_STR(s, "");
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
	free(s);

	buf_adds(&b, "keep");
	s = buf_take(&b);
	CHECK_STR(s, "keep");
	CHECK(b.data == NULL && !b.failed);
	free(s);

	/* Failed: NULL, and the memory is freed (ASan's leak check). */
	buf_adds(&b, "lost");
	buf_add(&b, "x", SIZE_MAX);
	CHECK(buf_take(&b) == NULL);
	CHECK(b.data == NULL && b.len == 0 && !b.failed);
}

static void
test_array_grow(void)
{
	size_t cap = 0, i;
	long *v = NULL, *g;
	int ok = 1;

	g = array_grow(v, &cap, 1, sizeof(*v));
	CHECK(g != NULL && cap == 8);
	v = g;
	/* Enough room already: the same array. */
	CHECK(array_grow(v, &cap, 8, sizeof(*v)) == v && cap == 8);
	for (i = 0; i < 1000 && ok; i++) {
		if ((g = array_grow(v, &cap, i + 1, sizeof(*v))) == NULL) {
			ok = 0;
			break;
		}
		v = g;
		v[i] = (long)i * 7;
	}
	CHECK(ok && cap == 1024);
	for (i = 0; i < 1000; i++)
		ok &= v[i] == (long)i * 7;
	CHECK(ok);

	/* need * size would wrap: refused, the array and cap unchanged. */
	CHECK(array_grow(v, &cap, SIZE_MAX / 4, 8) == NULL && cap == 1024);
	CHECK(v[999] == 999 * 7);
	free(v);
}
