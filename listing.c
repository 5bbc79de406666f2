/* listing.c: the backup layout in S3 (keys, the -listdir.json listing
 * written and read) and the path checks for what comes from the bucket. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "fmt.h"
#include "json.h"
#include "jsonread.h"
#include "listing.h"

/* ---- keys ---- */

/*
 * The key the original stored for key: boto 2 (2.49) sends a key as the
 * path of its request, and that path is what S3 stores. S3Connection.
 * make_request builds it with the calling format's build_path_base
 * ("/" [bucket "/"] quote(key), boto/s3/connection.py, Ordinary and
 * Subdomain alike), then AWSAuthConnection.build_base_http_request
 * passes it through get_path (boto/connection.py, suppress_consec_slashes
 * on by default), which splits the path on '/', drops the empty elements and
 * joins the rest, adding one '/' back when the path ended with one. So:
 * runs of '/' collapse to one, a leading '/' goes, a trailing one stays
 * (one), and a key of slashes only becomes "". In place; returns key.
 */
char *
listing_boto_key(char *key)
{
	size_t o = 0;

	for (const char *p = key; *p != '\0'; p++)
		if (*p != '/' || (o > 0 && key[o - 1] != '/'))
			key[o++] = *p;
	key[o] = '\0';
	return key;
}

char *
listing_key(const char *prefix, const char *name, const char *sep,
    const char *path, const char *tail)
{
	char *key;

	if (asprintf(&key, "%s%s%s%s%s", prefix, name, sep, path, tail) < 0)
		return NULL;
	return listing_boto_key(key);
}

char *
listing_file_key(const char *prefix, const char *name, const char *sep,
    const char *dir, const char *file)
{
	char *key;

	if (asprintf(&key, "%s%s%s%s/%s", prefix, name, sep,
	    strcmp(dir, "/") == 0 ? "" : dir, file) < 0)
		return NULL;
	return listing_boto_key(key);
}

char *
listing_of(const char *file_key)
{
	return listing_key("", "", "", file_key, LISTING_SUFFIX);
}

int
listing_is_listing(const char *key, size_t len)
{
	size_t n = sizeof(LISTING_SUFFIX) - 1;

	return len > n && memcmp(key + len - n, LISTING_SUFFIX, n) == 0;
}

/* ---- paths ---- */

char *
listing_abs_path(const char *p)
{
	size_t o = 0;
	char *out;

	if (p[0] != '/' || (out = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	while (*p != '\0') {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			p += n;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return out;
}

int
listing_safe_name(const char *name, size_t len)
{
	return len > 0 && memchr(name, '\0', len) == NULL &&
	    memchr(name, '/', len) == NULL &&
	    !(len == 1 && name[0] == '.') &&
	    !(len == 2 && name[0] == '.' && name[1] == '.');
}

int
listing_safe_rel(const char *rel, size_t len)
{
	size_t at = 0;

	if (len == 0)
		return 1;
	for (;;) {
		const char *slash = memchr(rel + at, '/', len - at);
		size_t n = slash ? (size_t)(slash - (rel + at)) : len - at;

		if (!listing_safe_name(rel + at, n))
			return 0;
		if (slash == NULL)
			return 1;
		at += n + 1;
	}
}

int
listing_safe_dir(const char *dir, size_t len)
{
	if (len == 1 && dir[0] == '/')
		return 1;
	return len > 1 && dir[0] == '/' && listing_safe_rel(dir + 1, len - 1);
}

char *
listing_show(const char *s, size_t len)
{
	char *out = malloc(4 * len + 1);

	if (out != NULL)
		escape_controls(s, len, out);
	return out;
}

/* ---- the body ---- */

void
listing_write(struct buf *b, const char *dir, const char *const *names,
    size_t n)
{
	size_t i;

	if (dir == NULL || (n > 0 && names == NULL)) {
		b->failed = 1;
		return;
	}
	buf_add(b, "{", 1);
	json_string(b, dir, strlen(dir));
	buf_add(b, ": [", 3);
	for (i = 0; i < n; i++) {
		if (names[i] == NULL) {
			b->failed = 1;
			return;
		}
		if (i > 0)
			buf_add(b, ", ", 2);
		json_string(b, names[i], strlen(names[i]));
	}
	buf_add(b, "]}", 2);
}

static void
set_free(struct listing_set *s)
{
	for (size_t i = 0; i < s->nrefused; i++)
		free(s->refused[i]);
	free(s->refused);
	free(s->names);
}

void
listing_free(struct listing *l)
{
	for (size_t i = 0; l->sets != NULL && i < l->n; i++)
		set_free(&l->sets[i]);
	free(l->sets);
	jr_free(l->tree);
	memset(l, 0, sizeof(*l));
}

/* The entries of one member; -1 when out of memory. */
static int
read_set(const struct jr_value *m, struct listing_set *s)
{
	s->dir = m->key;
	s->names = calloc(m->len + 1, sizeof(*s->names));
	s->refused = calloc(m->len + 1, sizeof(*s->refused));
	if (s->names == NULL || s->refused == NULL)
		return -1;
	for (size_t i = 0; i < m->len; i++) {
		const struct jr_value *it = &m->items[i];
		char *shown;

		if (it->type == JR_STRING && listing_safe_name(it->str,
		    it->len)) {
			s->names[s->n++] = it->str;
			continue;
		}
		shown = it->type == JR_STRING ? listing_show(it->str, it->len) :
		    strdup("(not a string)");
		if (shown == NULL)
			return -1;
		s->refused[s->nrefused++] = shown;
	}
	return 0;
}

static int
fail(char *err, size_t errlen, const char *what, const char *s, size_t len)
{
	char *shown = s != NULL ? listing_show(s, len) : NULL;

	/* Truncation only shortens the message. */
	if (snprintf(err, errlen, "%s%s%s", what, shown ? ": " : "",
	    shown ? shown : "") < 0 && errlen > 0)
		err[0] = '\0';
	free(shown);
	return -1;
}

int
listing_read(const char *body, size_t len, struct listing *l, char *err,
    size_t errlen)
{
	char jerr[128];
	struct jr_value *v;

	memset(l, 0, sizeof(*l));
	if ((v = jr_parse(body, len, jerr, sizeof(jerr))) == NULL)
		return fail(err, errlen, "not valid JSON", jerr, strlen(jerr));
	l->tree = v;
	if (v->type != JR_OBJECT) {
		listing_free(l);
		return fail(err, errlen, "not a JSON object", NULL, 0);
	}
	if ((l->sets = calloc(v->len + 1, sizeof(*l->sets))) == NULL) {
		listing_free(l);
		return fail(err, errlen, "out of memory", NULL, 0);
	}
	for (size_t i = 0; i < v->len; i++) {
		const struct jr_value *m = &v->items[i];
		int r;

		if (!listing_safe_dir(m->key, m->key_len))
			r = fail(err, errlen, "a directory that is not an "
			    "absolute path without . or .. or empty parts",
			    m->key, m->key_len);
		else if (m->type != JR_ARRAY)
			r = fail(err, errlen, "no file list for", m->key,
			    m->key_len);
		else if ((r = read_set(m, &l->sets[l->n++])) < 0)
			fail(err, errlen, "out of memory", NULL, 0);
		if (r < 0) {
			listing_free(l);
			return -1;
		}
	}
	return 0;
}

const struct listing_set *
listing_find(const struct listing *l, const char *dir)
{
	for (size_t i = l->n; i > 0; i--)
		if (strcmp(l->sets[i - 1].dir, dir) == 0)
			return &l->sets[i - 1];
	return NULL;
}
