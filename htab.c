/* htab.c: the chained string-keyed hash table (FNV-1a, doubling). Pure:
 * no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "htab.h"

static size_t	slot(const char *, size_t);
static void	grow(struct htab *);

uint64_t
htab_hash(const char *key)
{
	uint64_t h = 1469598103934665603ULL;

	while (*key)
		h = (h ^ (unsigned char)*key++) * 1099511628211ULL;
	return h;
}

static size_t
slot(const char *key, size_t nb)
{
	return (size_t)(htab_hash(key) % nb);
}

int
htab_init(struct htab *t, size_t nb)
{
	t->n = 0;
	t->nb = nb;
	t->b = calloc(nb, sizeof(*t->b));
	return t->b != NULL ? 0 : -1;
}

void
htab_free(struct htab *t)
{
	free(t->b);
	t->b = NULL;
	t->nb = t->n = 0;
}

struct htab_node *
htab_find(const struct htab *t, const char *key)
{
	struct htab_node *n = t->b[slot(key, t->nb)];

	while (n != NULL && strcmp(n->key, key) != 0)
		n = n->next;
	return n;
}

static void
grow(struct htab *t)
{
	size_t nb = t->nb * 2;
	struct htab_node **b;

	if (nb < t->nb || nb > SIZE_MAX / sizeof(*b) ||
	    (b = calloc(nb, sizeof(*b))) == NULL)
		return;
	for (size_t i = 0; i < t->nb; i++)
		for (struct htab_node *n = t->b[i], *next; n != NULL;
		    n = next) {
			size_t h = slot(n->key, nb);

			next = n->next;
			n->next = b[h];
			b[h] = n;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

void
htab_add(struct htab *t, struct htab_node *n)
{
	size_t h;

	if (t->n >= t->nb)
		grow(t);
	h = slot(n->key, t->nb);
	n->next = t->b[h];
	t->b[h] = n;
	t->n++;
}

void
htab_remove(struct htab *t, struct htab_node *n)
{
	struct htab_node **pp = &t->b[slot(n->key, t->nb)];

	while (*pp != n)
		pp = &(*pp)->next;
	*pp = n->next;
	t->n--;
}

struct htab_node *
htab_drain(struct htab *t)
{
	struct htab_node *all = NULL;

	for (size_t i = 0; i < t->nb; i++)
		while (t->b[i] != NULL) {
			struct htab_node *n = t->b[i];

			t->b[i] = n->next;
			n->next = all;
			all = n;
		}
	t->n = 0;
	return all;
}
