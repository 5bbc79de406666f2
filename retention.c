/* retention.c: the Object Lock keeper: a thread that lists the listings
 * under each watched path, reads the newest of each directory, and
 * extends the retention of what it names (PutObjectRetention), pausing
 * between requests so that a pass spreads out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "companion.h"
#include "fmt.h"
#include "http.h"
#include "listing.h"
#include "log.h"
#include "retention.h"
#include "s3ops.h"

#define MAX_LISTING	(16 * 1024 * 1024)

struct retention {
	struct retention_config cfg;
	pthread_t thread;
	int stop_fd;
};

/* One pass: the listings found, and the counts for its summary. */
struct pass {
	struct retention *r;
	struct retention_listing *v;
	size_t n, cap;
	long long until_ms;
	int pause_ms;
	unsigned long extended, gone, failed;
	int stopped;
};

/* ---- pure ---- */

static size_t
dir_len(const char *key)
{
	const char *slash = strrchr(key, '/');

	return slash ? (size_t)(slash - key) : 0;
}

/* By directory, then newest first (then the greater key, for a stable
 * choice between listings of the same second). */
static int
cmp_listing(const void *a, const void *b)
{
	const struct retention_listing *x = a, *y = b;
	size_t lx = dir_len(x->key), ly = dir_len(y->key);
	int c = memcmp(x->key, y->key, lx < ly ? lx : ly);

	if (c != 0 || lx != ly)
		return c != 0 ? c : lx < ly ? -1 : 1;
	if (x->mtime_ms != y->mtime_ms)
		return x->mtime_ms > y->mtime_ms ? -1 : 1;
	return -strcmp(x->key, y->key);
}

size_t
retention_newest(struct retention_listing *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_listing);
	for (size_t i = 0; i < n; i++) {
		struct retention_listing t = v[k];

		/* Sorted: one of the directory of the last kept is older. */
		if (k > 0 && dir_len(v[i].key) == dir_len(v[k - 1].key) &&
		    memcmp(v[i].key, v[k - 1].key, dir_len(v[i].key)) == 0)
			continue;
		v[k++] = v[i];
		v[i] = t;
	}
	return k;
}

/* ---- a pass ---- */

static int
add_page(void *ctx, const struct s3_list *page)
{
	struct pass *p = ctx;

	if (http_fd_cancelled(p->r->stop_fd))
		return -1;	/* stopping: not one page more */
	for (size_t i = 0; i < page->n; i++) {
		const struct s3_entry *e = &page->entries[i];
		struct retention_listing *g;

		if (!listing_is_listing(e->key, strlen(e->key)))
			continue;
		if ((g = array_grow(p->v, &p->cap, p->n + 1, sizeof(*g))) ==
		    NULL || (g[p->n].key = strdup(e->key)) == NULL) {
			if (g != NULL)
				p->v = g;
			return -1;
		}
		p->v = g;
		g[p->n++].mtime_ms = e->mtime_ms;
	}
	return 0;
}

/* Each failure has its line; the pass goes on. */
static void
failed(struct pass *p, const char *key, const char *text)
{
	p->failed++;
	log_warning("Cannot keep %s locked: %s", key, text);
}

/* The date reaches one pass beyond the lock asked for: the next pass
 * comes before it runs out. */
static long long
lock_until(const struct retention_config *cfg)
{
	return ((long long)time(NULL) + s3_clock_offset(cfg->c)) * 1000 +
	    cfg->opt->lock_days * 86400000LL + cfg->every_ms;
}

/* One object's retention moved forward, after a pause. */
static void
extend(struct pass *p, const char *key)
{
	struct s3_error err;

	if (p->stopped || http_sleep(p->r->stop_fd, p->pause_ms) < 0) {
		p->stopped = 1;
		return;
	}
	/* From now, not from the pass's start: a pass of a big node takes
	 * hours at one request a second. */
	p->until_ms = lock_until(&p->r->cfg);
	if (s3_put_retention(p->r->cfg.c, key, p->r->cfg.opt->lock_mode,
	    p->until_ms, &err) == 0)
		p->extended++;
	else if (err.status == 404)
		p->gone++;	/* deleted meanwhile (tablechop) */
	else
		failed(p, key, err.text);
}

/* The files a newest listing names, if their directory is still there,
 * then the listing itself; a dropped table's are all left to expire. */
static void
keep_listing(struct pass *p, const char *lkey)
{
	const struct options *o = p->r->cfg.opt;
	struct s3_error err;
	struct listing l;
	struct stat st;
	char *body, msg[256];
	size_t len, live = 0;
	int g;

	if (p->stopped || http_fd_cancelled(p->r->stop_fd)) {
		p->stopped = 1;
		return;
	}
	g = s3_get_small(p->r->cfg.c, lkey, MAX_LISTING, &body, &len, NULL,
	    &err);
	if (g <= 0) {
		if (g < 0)
			failed(p, lkey, err.text);
		return;
	}
	if (listing_read(body, len, &l, msg, sizeof(msg)) < 0) {
		failed(p, lkey, msg);
		free(body);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct listing_set *s = &l.sets[i];

		if (stat(s->dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		live++;
		for (size_t k = 0; k < s->n && !p->stopped; k++) {
			char *key = listing_file_key(o->c.prefix,
			    p->r->cfg.name, o->c.separator, s->dir,
			    s->names[k]);

			if (key != NULL)
				extend(p, key);
			free(key);
		}
	}
	listing_free(&l);
	free(body);
	if (live > 0)
		extend(p, lkey);
}

static void
run_pass(struct retention *r)
{
	const struct retention_config *cfg = &r->cfg;
	struct pass p = { .r = r };
	struct s3_error err;
	size_t k = 0;
	char when[32];

	p.until_ms = lock_until(cfg);	/* for the summary: the last set */
	p.pause_ms = (int)(cfg->every_ms / 2000 < 1000 ? cfg->every_ms / 2000 :
	    1000);
	for (size_t i = 0; i < cfg->nroots && !http_fd_cancelled(r->stop_fd);
	    i++) {
		char *base = listing_key(cfg->opt->c.prefix, cfg->name,
		    cfg->opt->c.separator, cfg->roots[i], "/");

		if (base != NULL && s3_list_objects_by_page(cfg->c, base, NULL,
		    add_page, &p, &err) < 0 && !http_fd_cancelled(r->stop_fd))
			failed(&p, base, err.text);
		free(base);
	}
	k = retention_newest(p.v, p.n);
	for (size_t i = 0; i < k && !p.stopped; i++)
		keep_listing(&p, p.v[i].key);
	companion_format_time(p.until_ms, when);
	if (!p.stopped)
		log_info("Object Lock: %lu objects of %zu listings kept until "
		    "%s, %lu gone, %lu failed", p.extended, k, when, p.gone,
		    p.failed);
	for (size_t i = 0; i < p.n; i++)
		free(p.v[i].key);
	free(p.v);
}

static void *
keeper(void *arg)
{
	struct retention *r = arg;
	uint32_t rnd = 0;
	long long wait;

	/* The first pass at a random time in the first quarter: nodes
	 * started together do not all ask at once. */
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)getpid();
	wait = (long long)(rnd % (uint32_t)(r->cfg.every_ms / 4 + 1));
	while (http_sleep(r->stop_fd, (int)wait) == 0) {
		run_pass(r);
		wait = r->cfg.every_ms;
	}
	return NULL;
}

struct retention *
retention_start(const struct retention_config *cfg,
    const pthread_attr_t *attr)
{
	struct retention *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	if ((r->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0 ||
	    pthread_create(&r->thread, attr, keeper, r) != 0) {
		if (r->stop_fd >= 0)
			close(r->stop_fd);
		free(r);
		return NULL;
	}
	return r;
}

void
retention_stop(struct retention *r)
{
	uint64_t one = 1;

	if (r == NULL)
		return;
	if (write(r->stop_fd, &one, sizeof(one)) != sizeof(one))
		abort();	/* an eventfd write of 1 cannot fail */
	pthread_join(r->thread, NULL);
	close(r->stop_fd);
	free(r);
}
