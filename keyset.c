/* keyset.c: the keys a listing found, with their sizes, in a hash table
 * (htab.c). Pure: no I/O. */
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "keyset.h"

struct entry {
	struct htab_node node;
	long long size;
	char key[];
};

struct keyset {
	struct htab t;
};

struct keyset *
keyset_new(void)
{
	struct keyset *ks = calloc(1, sizeof(*ks));

	if (ks == NULL)
		return NULL;
	if (htab_init(&ks->t, 256) == -1) {
		free(ks);
		return NULL;
	}
	return ks;
}

void
keyset_free(struct keyset *ks)
{
	if (ks == NULL)
		return;
	for (struct htab_node *n = htab_drain(&ks->t), *next; n != NULL;
	    n = next) {
		next = n->next;
		free(HTAB_ENTRY(n, struct entry, node));
	}
	htab_free(&ks->t);
	free(ks);
}

int
keyset_add(struct keyset *ks, const char *key, long long size)
{
	struct htab_node *n = htab_find(&ks->t, key);
	struct entry *e;
	size_t len;

	if (n != NULL) {
		HTAB_ENTRY(n, struct entry, node)->size = size;
		return 0;
	}
	len = strlen(key);
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -1;
	memcpy(e->key, key, len + 1);
	e->size = size;
	e->node.key = e->key;
	htab_add(&ks->t, &e->node);
	return 0;
}

long long
keyset_size(const struct keyset *ks, const char *key)
{
	const struct htab_node *n = htab_find(&ks->t, key);

	return n != NULL ? HTAB_ENTRY(n, const struct entry, node)->size : -1;
}

size_t
keyset_count(const struct keyset *ks)
{
	return ks->t.n;
}
