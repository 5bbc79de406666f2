/* fuzz_jsonread.c: libFuzzer target for jsonread.c, the reader of the
 * listings and stat metadata that restore downloads from S3. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "listing.h"
#include "jsonread.h"

/*
 * Byte 0 picks the test.
 *   even: jr_parse of the rest, any bytes; a tree that comes back is
 *         walked and checked;
 *   odd:  round trip: the rest split at NUL bytes into a directory and
 *         names, written by listing_write (listing.c), read back by jr_parse:
 *         the same bytes must come out.
 */
#define MAX_NAMES	64
#define MAX_DEPTH	64

static void	walk(const struct jr_value *, int);
static void	parse_any(const char *, size_t);
static void	round_trip(const char *, size_t);

static void
walk(const struct jr_value *v, int depth)
{
	size_t i;

	if (depth > MAX_DEPTH + 1)
		abort();	/* deeper than jsonread.h allows */
	switch (v->type) {
	case JR_NULL:
	case JR_FALSE:
	case JR_TRUE:
	case JR_NUMBER:
		break;
	case JR_STRING:
		if (v->str == NULL || v->str[v->len] != '\0')
			abort();
		break;
	case JR_ARRAY:
	case JR_OBJECT:
		if (v->len > 0 && v->items == NULL)
			abort();
		for (i = 0; i < v->len; i++) {
			if ((v->type == JR_OBJECT) != (v->items[i].key != NULL))
				abort();
			walk(&v->items[i], depth + 1);
		}
		break;
	default:
		abort();
	}
}

static void
parse_any(const char *text, size_t len)
{
	struct jr_value *v;
	char err[96];

	memset(err, 'x', sizeof(err));
	if ((v = jr_parse(text, len, err, sizeof(err))) == NULL) {
		if (memchr(err, '\0', sizeof(err)) == NULL || err[0] == '\0')
			abort();
		return;
	}
	walk(v, 0);
	jr_free(v);
}

static void
round_trip(const char *s, size_t n)
{
	const char *names[MAX_NAMES];
	const struct jr_value *list;
	struct jr_value *v;
	struct buf j;
	char *copy, err[96];
	size_t k = 0, i, off;

	if ((copy = malloc(n + 1)) == NULL)
		abort();
	memcpy(copy, s, n);
	copy[n] = '\0';
	for (off = 0; off <= n && k < MAX_NAMES; off += strlen(copy + off) + 1)
		names[k++] = copy + off;
	buf_init(&j);
	listing_write(&j, names[0], names + 1, k - 1);
	if (j.failed)
		abort();
	if ((v = jr_parse(j.data, j.len, err, sizeof(err))) == NULL)
		abort();	/* json.c wrote what jsonread.c refuses */
	if (v->type != JR_OBJECT || v->len != 1)
		abort();
	list = &v->items[0];
	if (v->items[0].key_len != strlen(names[0]) ||
	    memcmp(v->items[0].key, names[0], strlen(names[0])) != 0)
		abort();
	if (list->type != JR_ARRAY || list->len != k - 1)
		abort();
	for (i = 1; i < k; i++)
		if (list->items[i - 1].type != JR_STRING ||
		    list->items[i - 1].len != strlen(names[i]) ||
		    memcmp(list->items[i - 1].str, names[i],
		    strlen(names[i])) != 0)
			abort();
	jr_free(v);
	buf_free(&j);
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		round_trip((const char *)data + 1, size - 1);
	else
		parse_any((const char *)data + 1, size - 1);
	return 0;
}
