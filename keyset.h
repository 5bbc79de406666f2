/* keyset.h: the keys (and sizes) a listing found in S3, so that -B can
 * skip files already there without one HEAD each. */
#ifndef TABLESNAP_KEYSET_H
#define TABLESNAP_KEYSET_H

#include <stddef.h>

struct keyset;

struct keyset *keyset_new(void);
void keyset_free(struct keyset *ks);

/* Adds key with its size (a later add of the same key replaces it).
 * 0, or -1 when out of memory. */
int keyset_add(struct keyset *ks, const char *key, long long size);

/* The size stored for key, or -1 when the key is not in the set. */
long long keyset_size(const struct keyset *ks, const char *key);

size_t keyset_count(const struct keyset *ks);

#endif
