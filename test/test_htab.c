/* test_htab.c: unit tests for htab.c: finding, replacing by remove and
 * add, growth from one bucket, removal from the middle of a chain, and
 * draining every node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "unit.h"

void	test_htab(void);

struct item {
	int value;
	struct htab_node node;
	char key[16];
};

void
test_htab(void)
{
	enum { N = 5000 };
	struct item *items = calloc(N, sizeof(*items));
	struct htab t;
	struct htab_node *n;
	size_t drained = 0;
	int ok = 1;

	if (items == NULL || htab_init(&t, 1) == -1) {
		CHECK(!"out of memory");
		free(items);
		return;
	}
	CHECK(htab_find(&t, "") == NULL && t.n == 0);
	for (int i = 0; i < N; i++) {
		snprintf(items[i].key, sizeof(items[i].key), "k%d", i);
		items[i].value = i;
		items[i].node.key = items[i].key;
		htab_add(&t, &items[i].node);
	}
	/* Grown by doubling from one bucket: never more nodes than buckets
	 * before an add. */
	CHECK(t.n == N && t.nb == 8192);
	for (int i = 0; i < N; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		n = htab_find(&t, key);
		ok &= n != NULL && HTAB_ENTRY(n, struct item, node)->value == i;
	}
	CHECK(ok);
	CHECK(htab_find(&t, "k5000") == NULL && htab_find(&t, "k") == NULL);

	/* Every other one out: the rest are still found. */
	for (int i = 0; i < N; i += 2)
		htab_remove(&t, &items[i].node);
	CHECK(t.n == N / 2);
	for (int i = 0; i < N; i++)
		ok &= (htab_find(&t, items[i].key) != NULL) == (i % 2 == 1);
	CHECK(ok);

	/* Back in, with a new value. */
	items[0].value = -1;
	htab_add(&t, &items[0].node);
	n = htab_find(&t, "k0");
	CHECK(n != NULL && HTAB_ENTRY(n, struct item, node)->value == -1);

	for (n = htab_drain(&t); n != NULL; n = n->next) {
		struct item *it = HTAB_ENTRY(n, struct item, node);

		ok &= it->value == -1 || it->value % 2 == 1;
		drained++;
	}
	CHECK(ok && drained == N / 2 + 1);
	CHECK(t.n == 0 && htab_find(&t, "k1") == NULL);
	htab_free(&t);
	CHECK(t.b == NULL && t.nb == 0);
	free(items);
}
