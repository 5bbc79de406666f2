/* htab.h: a chained hash table of string keys whose nodes live inside the
 * caller's structs (no allocation per entry); it doubles as it fills. */
#ifndef TABLESNAP_HTAB_H
#define TABLESNAP_HTAB_H

#include <stddef.h>
#include <stdint.h>

/* Embed one in each entry and set key before htab_add; the key must not
 * change or go away while the node is in a table. */
struct htab_node {
	struct htab_node *next;
	const char *key;
};

struct htab {
	struct htab_node **b;
	size_t nb, n;		/* buckets, nodes */
};

/* The entry of type holding node n as its member. */
#define HTAB_ENTRY(n, type, member) \
	((type *)(void *)((char *)(n) - offsetof(type, member)))

/* An empty table of nb buckets (nb > 0): 0, or -1 when out of memory. */
int htab_init(struct htab *t, size_t nb);
/* Frees the buckets; the nodes are the caller's (see htab_drain). */
void htab_free(struct htab *t);

/* The node with this key, or NULL. */
struct htab_node *htab_find(const struct htab *t, const char *key);
/* Adds a node whose key is not in the table yet. Doubles the buckets
 * first when there are as many nodes as buckets (when that fails, the
 * table only gets slower). */
void htab_add(struct htab *t, struct htab_node *n);
/* Takes out a node that is in the table. */
void htab_remove(struct htab *t, struct htab_node *n);
/* Empties the table and returns its nodes chained by next, to be freed. */
struct htab_node *htab_drain(struct htab *t);

/* The table's hash of a key (FNV-1a), for tables of their own. */
uint64_t htab_hash(const char *key);

#endif
