/* sweep.c: the backup index of one ListObjectsV2 sweep (tables, their
 * listings newest first, the keys seen) and the rule of a complete listing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyset.h"
#include "listing.h"
#include "s3ops.h"
#include "sweep.h"

/* A listing key under base: its rel (len bytes at rel) and its entry. */
struct found {
	const char *rel;
	size_t len;
	const struct s3_entry *e;
};

static int
rel_cmp(const struct found *a, const struct found *b)
{
	int c = memcmp(a->rel, b->rel, a->len < b->len ? a->len : b->len);

	if (c == 0 && a->len != b->len)
		c = a->len < b->len ? -1 : 1;
	return c;
}

/* By rel, then newest first, then the greater key first. */
static int
found_cmp(const void *pa, const void *pb)
{
	const struct found *a = pa, *b = pb;
	int c = rel_cmp(a, b);

	if (c == 0 && a->e->mtime_ms != b->e->mtime_ms)
		c = a->e->mtime_ms > b->e->mtime_ms ? -1 : 1;
	return c != 0 ? c : -strcmp(a->e->key, b->e->key);
}

/* Each key under base, and each directory below base it is in. */
static struct keyset *
seen_keys(const struct s3_list *l, const char *base)
{
	size_t plen = strlen(base);
	struct keyset *seen = keyset_new();
	int ok = seen != NULL;

	for (size_t i = 0; ok && i < l->nprefixes; i++)
		ok = keyset_add(seen, l->prefixes[i], 0) == 0;
	for (size_t i = 0; ok && i < l->n; i++) {
		const struct s3_entry *e = &l->entries[i];
		char *k;

		if (strncmp(e->key, base, plen) != 0)
			continue;
		if (keyset_add(seen, e->key, e->size) < 0 ||
		    (k = strdup(e->key)) == NULL) {
			ok = 0;
			break;
		}
		for (char *p = k + plen; ok && (p = strchr(p, '/')) != NULL;
		    p++) {
			char c = p[1];

			p[1] = '\0';
			ok = keyset_add(seen, k, 0) == 0;
			p[1] = c;
		}
		free(k);
	}
	if (!ok) {
		keyset_free(seen);
		return NULL;
	}
	return seen;
}

int
sweep_index(const struct s3_list *l, const char *base, int depth,
    long long as_of_ms, struct sweep *sw)
{
	size_t plen = strlen(base), n = 0;
	struct found *f = calloc(l->n + 1, sizeof(*f));
	struct sweep_table *t = NULL;

	memset(sw, 0, sizeof(*sw));
	if (f == NULL || (sw->seen = seen_keys(l, base)) == NULL)
		goto fail;
	for (size_t i = 0; i < l->n; i++) {
		const struct s3_entry *e = &l->entries[i];
		const char *rest = e->key + plen, *last;
		int slashes = 0;

		if (strncmp(e->key, base, plen) != 0 ||
		    (as_of_ms >= 0 && e->mtime_ms > as_of_ms))
			continue;
		for (const char *p = rest; *p != '\0'; p++)
			slashes += *p == '/';
		last = strrchr(rest, '/');
		last = last != NULL ? last + 1 : rest;
		if ((depth >= 0 && slashes != depth) ||
		    !listing_is_listing(last, strlen(last)))
			continue;
		f[n++] = (struct found){ rest, last > rest ?
		    (size_t)(last - rest) - 1 : 0, e };
	}
	qsort(f, n, sizeof(*f), found_cmp);
	if ((sw->t = calloc(n + 1, sizeof(*sw->t))) == NULL ||
	    (sw->ls = calloc(n + 1, sizeof(*sw->ls))) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++, sw->nls++) {
		if (i == 0 || rel_cmp(&f[i - 1], &f[i]) != 0) {
			t = &sw->t[sw->nt++];
			t->ls = &sw->ls[i];
			t->refused = !listing_safe_rel(f[i].rel, f[i].len);
			if ((t->rel = strndup(f[i].rel, f[i].len)) == NULL)
				goto fail;
		}
		t->n++;
		sw->ls[i].ms = f[i].e->mtime_ms;
		if ((sw->ls[i].key = strdup(f[i].e->key)) == NULL)
			goto fail;
	}
	free(f);
	return 0;
fail:
	free(f);
	sweep_free(sw);
	return -1;
}

void
sweep_free(struct sweep *sw)
{
	for (size_t i = 0; i < sw->nt; i++) {
		free(sw->t[i].rel);
		free(sw->t[i].dest);
	}
	for (size_t i = 0; i < sw->nls; i++)
		free(sw->ls[i].key);
	free(sw->t);
	free(sw->ls);
	keyset_free(sw->seen);
	memset(sw, 0, sizeof(*sw));
}

int
sweep_seen_dir(const struct keyset *seen, const char *key)
{
	char *dir;
	int yes;

	if (asprintf(&dir, "%s/", key) < 0)
		return -1;
	yes = keyset_size(seen, dir) >= 0;
	free(dir);
	return yes;
}

long
sweep_missing(const struct listing_set *set, const char *prefix,
    const char *host, const char *sep, const struct keyset *seen,
    size_t *missing)
{
	long n = 0;

	for (size_t i = 0; i < set->n; i++) {
		const char *name = set->names[i];
		char *key;
		int dir = 0;

		if (strchr(name + 1, '.') == NULL)
			continue;	/* a directory the original listed */
		if ((key = listing_file_key(prefix, host, sep, set->dir,
		    name)) == NULL)
			return -1;
		if (keyset_size(seen, key) < 0 &&
		    (dir = sweep_seen_dir(seen, key)) == 0)
			missing[n++] = i;
		free(key);
		if (dir < 0)
			return -1;
	}
	return n;
}
