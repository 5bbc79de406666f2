/* keyset.c: a chained hash table of strings to sizes that doubles as it
 * fills. Pure: no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"

struct entry {
	struct entry *next;
	long long size;
	char key[];
};

struct keyset {
	struct entry **b;
	size_t nb, n;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

struct keyset *
keyset_new(void)
{
	struct keyset *ks = calloc(1, sizeof(*ks));

	if (ks == NULL)
		return NULL;
	ks->nb = 256;
	if ((ks->b = calloc(ks->nb, sizeof(*ks->b))) == NULL) {
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
	for (size_t i = 0; i < ks->nb; i++)
		for (struct entry *e = ks->b[i], *next; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(ks->b);
	free(ks);
}

static struct entry *
find(const struct keyset *ks, const char *key)
{
	struct entry *e = ks->b[hash(key) % ks->nb];

	while (e != NULL && strcmp(e->key, key) != 0)
		e = e->next;
	return e;
}

/* Doubles the table; on failure it just stays slower. */
static void
grow(struct keyset *ks)
{
	size_t nb = ks->nb * 2;
	struct entry **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return;
	for (size_t i = 0; i < ks->nb; i++)
		for (struct entry *e = ks->b[i], *next; e != NULL; e = next) {
			size_t h = hash(e->key) % nb;

			next = e->next;
			e->next = b[h];
			b[h] = e;
		}
	free(ks->b);
	ks->b = b;
	ks->nb = nb;
}

int
keyset_add(struct keyset *ks, const char *key, long long size)
{
	struct entry *e = find(ks, key);
	size_t len, h;

	if (e != NULL) {
		e->size = size;
		return 0;
	}
	len = strlen(key);
	if ((e = malloc(sizeof(*e) + len + 1)) == NULL)
		return -1;
	memcpy(e->key, key, len + 1);
	e->size = size;
	if (ks->n >= ks->nb)
		grow(ks);
	h = hash(key) % ks->nb;
	e->next = ks->b[h];
	ks->b[h] = e;
	ks->n++;
	return 0;
}

long long
keyset_size(const struct keyset *ks, const char *key)
{
	const struct entry *e = find(ks, key);

	return e != NULL ? e->size : -1;
}

size_t
keyset_count(const struct keyset *ks)
{
	return ks->n;
}
