/* chop.c: tablechop. Lists every key under the path once, applies the
 * original's retention rule per directory (as of a time, in UTC), reads
 * the kept listings in parallel, and deletes the rest 1,000 keys a request. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chop.h"
#include "fmt.h"
#include "keyset.h"
#include "help.h"
#include "listing.h"
#include "log.h"
#include "protect.h"
#include "s3ops.h"
#include "setup.h"

#define DAY_MS		86400000LL

/* Beside companion_options and common_options, which have --aws-key and
 * --aws-secret. */
static const struct cli_opt chop_rows[] = {
	CLI_SET('d', "debug", struct chop_opts, dry_run, 1),
	CLI_SET('l', "list-deletes", struct chop_opts, list, 1),
	CLI_NUM('j', "parallel", struct chop_opts, parallel, 1, 64),
	CLI_STR('k', "key", struct chop_opts, c.aws_key),
	CLI_STR('s', "secret", struct chop_opts, c.aws_secret),
	CLI_END,
};

const char chop_usage[] =
    "usage: tablechop [-h] [-d] [-l] [-j PARALLEL] [-k KEY] [-s SECRET]\n"
    "                 [--token TOKEN] [--aws-region REGION] [-n NAME]\n"
    "                 [-P PREFIX] [--keyname-separator SEP]\n"
    "                 [--endpoint URL] [--ca-file PEM]\n"
    "                 [--path-style | --virtual-host] [--retries N]\n"
    "                 [--as-of TIME] [--version]\n"
    "                 bucket path age\n";

const char *const chop_help[] = {
    "Delete old tablesnap backups under a path: in each directory, keep\n"
    "the newest listing, every listing younger than age, and every file a\n"
    "kept listing names; delete the rest. Also run as `tablesnap chop ...`.\n"
    "\n"
    "positional arguments:\n"
    "  bucket                S3 bucket\n"
    "  path                  directory as tablesnap saw it, e.g.\n"
    "                        /var/lib/cassandra/data/ks/cf; keys below it\n"
    "                        only (/ks/cf does not take in /ks/cf2)\n"
    "  age                   days (whole days, as the original counted\n"
    "                        them; may be negative: -1 keeps only the\n"
    "                        newest listing), or exact with a fraction or a\n"
    "                        unit: 0.5, 36h, 90m, 30s, 2d\n"
    "\n"
    "options:\n",
    HELP_HELP,
    "  -d, --debug           dry run: delete nothing, say what would go\n"
    "                        (debug output on)\n"
    "  -l, --list-deletes    log every key deleted\n"
    "  -j, --parallel N      listings read at once (default: 5)\n"
    "  -k, --key KEY         access key id (also --aws-key; default:\n"
    "                        AWS_ACCESS_KEY_ID)\n"
    "  -s, --secret SECRET   secret key (also --aws-secret; default:\n"
    "                        AWS_SECRET_ACCESS_KEY)\n",
    HELP_TOKEN_REGION,
    HELP_KEYS,
    HELP_TLS,
    HELP_SSE_C,
    HELP_RETRIES,
    "  --as-of TIME          apply the rule as of TIME instead of now, for\n"
    "                        audits (with -d); objects uploaded later are\n"
    "                        never deleted (2024-05-01T12:00:00Z,\n",
    HELP_TIME_FORMS,
    "\n"
    "Ages are measured from each object's LastModified in UTC. A directory\n"
    "without any listing is left alone; no listing at all is an error.\n"
    "Exit status: 0 when everything due was deleted, 1 when there was no\n"
    "listing or anything could not be read or deleted, 2 for a bad command\n"
    "line.\n",
    NULL,
};

static const struct cli_table chop_tables[] = {
	{ chop_rows, 0 },
	{ companion_options, offsetof(struct chop_opts, c) },
	{ common_options, offsetof(struct chop_opts, c) },
};

const struct cli_program chop_program = {
	"tablechop", chop_usage, chop_help, chop_tables,
	sizeof(chop_tables) / sizeof(chop_tables[0]), 1,
};

/* ---- the command line ---- */

enum cli_result
chop_parse(int argc, char **argv, struct chop_opts *o, char *err,
    size_t errlen)
{
	const char *pos[3];
	size_t npos;
	enum cli_result r;

	memset(o, 0, sizeof(*o));
	common_defaults(&o->c);
	o->parallel = 5;
	r = cli_parse(&chop_program, argc, argv, o, pos, 3, &npos, err, errlen);
	if (r != CLI_OK)
		return r;
	if (npos < 3)
		return companion_required(err, errlen, "bucket, path, age",
		    npos);
	if (pos[0][0] == '\0')
		return cli_fail(err, errlen, "argument bucket: empty bucket "
		    "name");
	if (chop_parse_age(pos[2], &o->age) < 0)
		return cli_fail(err, errlen, "argument age: invalid value '%s' "
		    "(days, or a number with s, m, h or d)", pos[2]);
	o->bucket = pos[0];
	o->path = pos[1];
	o->age_text = pos[2];
	return CLI_OK;
}

/* ---- pure rules ---- */

int
chop_parse_age(const char *s, struct chop_age *age)
{
	const char *p = s;
	size_t n;
	long long unit = DAY_MS, v;

	if (*p == '-')
		p++;
	n = strspn(p, "0123456789");
	if (p[n] == '.' && p[n + 1] >= '0' && p[n + 1] <= '9')
		n += 1 + strspn(p + n + 1, "0123456789");
	if (n == 0 || p[n] == '.')
		return -1;
	switch (p[n]) {
	case '\0': break;
	case 's': unit = 1000; break;
	case 'm': unit = 60000; break;
	case 'h': unit = 3600000; break;
	case 'd': unit = DAY_MS; break;
	default: return -1;
	}
	if (p[n] != '\0' && p[n + 1] != '\0')
		return -1;
	if (decimal_scaled(p, unit, &v) == NULL || v >= 1000000000 * unit)
		return -1;
	age->whole_days = p[n] == '\0' && strchr(s, '.') == NULL;
	age->ms = *s == '-' ? -v : v;
	return 0;
}

int
chop_expired(long long age_ms, const struct chop_age *age)
{
	if (age->whole_days) {
		/* Python's timedelta.days: floor. */
		long long days = age_ms >= 0 ? age_ms / DAY_MS :
		    -((-age_ms + DAY_MS - 1) / DAY_MS);

		return days > age->ms / DAY_MS;
	}
	return age_ms > age->ms;
}

int
chop_under(const char *key, const char *base)
{
	size_t n = strlen(base);

	return strncmp(key, base, n) == 0 && key[n] == '/' &&
	    key[n + 1] != '\0';
}

/* The length of key's directory part (up to its last '/'). */
static size_t
dir_len(const char *key)
{
	const char *slash = strrchr(key, '/');

	return slash ? (size_t)(slash - key) : 0;
}

static int
same_dir(const char *a, const char *b)
{
	size_t n = dir_len(a);

	return n == dir_len(b) && memcmp(a, b, n) == 0;
}

/* Directory, then newest first (then key, for a fixed order). */
static int
by_dir_newest(const void *pa, const void *pb)
{
	const struct chop_obj *a = *(struct chop_obj *const *)pa;
	const struct chop_obj *b = *(struct chop_obj *const *)pb;
	size_t la = dir_len(a->key), lb = dir_len(b->key);
	int c = memcmp(a->key, b->key, la < lb ? la : lb);

	if (c == 0 && la != lb)
		c = la < lb ? -1 : 1;
	if (c != 0)
		return c;
	if (a->mtime_ms != b->mtime_ms)
		return a->mtime_ms > b->mtime_ms ? -1 : 1;
	return -strcmp(a->key, b->key);
}

/* Pointers to the objects, grouped by directory, newest first. */
static struct chop_obj **
sorted(struct chop_obj *o, size_t n)
{
	struct chop_obj **v = calloc(n + 1, sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		v[i] = &o[i];
	qsort(v, n, sizeof(*v), by_dir_newest);
	return v;
}

void
chop_keep_listings(struct chop_obj *o, size_t n, long long as_of_ms,
    const struct chop_age *age)
{
	struct chop_obj **v = sorted(o, n);
	const char *dir = NULL;		/* of the group being walked */
	int have_newest = 0;

	for (size_t i = 0; i < n; i++)
		if (o[i].listing)
			o[i].keep = 1;	/* without memory: delete nothing */
	if (v == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct chop_obj *x = v[i];

		if (dir == NULL || !same_dir(dir, x->key)) {
			dir = x->key;
			have_newest = 0;
		}
		if (!x->listing || x->mtime_ms > as_of_ms)
			continue;
		x->keep = !have_newest ||
		    !chop_expired(as_of_ms - x->mtime_ms, age);
		have_newest = 1;
	}
	free(v);
}

void
chop_mark_referenced(struct chop_obj *o, size_t n, const struct keyset *refs)
{
	for (size_t i = 0; i < n; i++)
		o[i].referenced = o[i].referenced ||
		    keyset_size(refs, o[i].key) >= 0;
}

void
chop_keep_files(struct chop_obj *o, size_t n, long long as_of_ms)
{
	struct chop_obj **v = sorted(o, n);
	size_t start = 0;

	for (size_t i = 0; i < n; i++)
		if (!o[i].listing)
			o[i].keep = 1;	/* without memory: delete nothing */
	if (v == NULL)
		return;
	while (start < n) {
		size_t end = start;
		long long newest = -1;	/* of the listings at as_of */
		int any = 0;

		while (end < n && same_dir(v[start]->key, v[end]->key)) {
			if (v[end]->listing && v[end]->mtime_ms <= as_of_ms &&
			    !any) {
				newest = v[end]->mtime_ms;
				any = 1;
			}
			end++;
		}
		for (size_t i = start; i < end; i++) {
			struct chop_obj *x = v[i];

			if (x->listing)
				continue;
			x->keep = x->referenced || x->mtime_ms > as_of_ms ||
			    !any || x->mtime_ms > newest;
		}
		start = end;
	}
	free(v);
}

/* ---- the run ---- */

struct run {
	const struct chop_opts *o;
	struct s3_client *s3;
	const char *name;
	/* While the kept listings are read: */
	const char **listings;
	pthread_mutex_t lock;
	struct keyset *refs;	/* the keys they name */
	int failed;		/* one could not be read */
};

/* Reads one kept listing: every member protects its names (the original
 * refused listings with more than one member; tablesnap writes one).
 * Entries that are not file names protect nothing: said once each. */
static void
fetch_thread(void *ctx, size_t i)
{
	struct run *r = ctx;
	const char *lkey = r->listings[i];
	struct companion_listing cl = { 0 };
	struct s3_error err;
	char why[256], *key;
	int g = -4;		/* not read: stopped */

	if (!companion_stopped())
		g = companion_get_listing(r->s3, lkey, NULL, &cl, &err, why,
		    sizeof(why));
	if (g == -2)
		log_error("Listing %s: %s", lkey, why);
	else if (g == 0 || g == -1)
		log_error("Cannot read listing %s: %s", lkey,
		    g == 0 ? "it is gone" : err.text);
	pthread_mutex_lock(&r->lock);
	for (size_t m = 0; g > 0 && m < cl.l.n; m++) {
		const struct listing_set *set = &cl.l.sets[m];

		for (size_t k = 0; k < set->nrefused; k++)
			log_warning("Listing %s names a file that cannot be "
			    "in %s: %s: ignored", lkey, set->dir,
			    set->refused[k]);
		for (size_t k = 0; g > 0 && k < set->n; k++) {
			key = listing_file_key(r->o->c.prefix, r->name,
			    r->o->c.separator, set->dir, set->names[k]);
			if (key == NULL || keyset_add(r->refs, key, 0) < 0) {
				log_error("Out of memory");
				g = -1;
			}
			free(key);
		}
	}
	r->failed |= g <= 0;
	pthread_mutex_unlock(&r->lock);
	companion_listing_free(&cl);
}

/* Reads the kept listings and marks what they name. */
static int
read_listings(struct run *r, struct chop_obj *o, size_t n)
{
	size_t nl = 0;
	int ret = -1;

	if ((r->listings = calloc(n + 1, sizeof(*r->listings))) == NULL ||
	    (r->refs = keyset_new()) == NULL ||
	    pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r->listings);
		keyset_free(r->refs);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (o[i].listing && o[i].keep)
			r->listings[nl++] = o[i].key;
	companion_parallel(nl, r->o->parallel, fetch_thread, r);
	if (!r->failed) {
		chop_mark_referenced(o, n, r->refs);
		ret = 0;
	}
	pthread_mutex_destroy(&r->lock);
	free(r->listings);
	keyset_free(r->refs);
	return ret;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Deletes keys 1,000 a request; the count that could not be deleted.
 * Those Object Lock refused count in *retained too. */
static size_t
delete_keys(const struct run *r, const char **keys, size_t n,
    size_t *retained)
{
	size_t failed = 0;

	for (size_t at = 0; at < n; at += S3_DELETE_MAX) {
		size_t batch = n - at < S3_DELETE_MAX ? n - at : S3_DELETE_MAX;
		struct s3_delete_error *errs;
		size_t nerrs;
		struct s3_error err;
		int d;

		if (companion_stopped()) {
			log_error("Interrupted: %zu keys not deleted", n - at);
			return failed + n - at;
		}
		d = s3_delete_objects(r->s3, keys + at, batch, &errs, &nerrs,
		    &err);
		if (d < 0) {
			log_error("S3 delete failed for %zu keys: %s", batch,
			    err.text);
			failed += batch;
			continue;
		}
		log_debug("Delete request for %zu keys: %zu refused", batch,
		    nerrs);
		for (size_t i = 0; i < nerrs; i++) {
			int lock = lock_refused(errs[i].code, errs[i].message);

			*retained += (size_t)lock;
			log_msg(lock ? LOG_INFO_L : LOG_ERROR_L, "%s %s: %s %s",
			    lock ? "Retained" : "Cannot delete", errs[i].key,
			    errs[i].code, errs[i].message);
		}
		failed += nerrs;
		s3_delete_errors_free(errs, nerrs);
	}
	return failed;
}

/* The doomed keys: listings first, so that no listing ever names a file
 * already gone; each part sorted. */
static const char **
doomed(const struct chop_obj *o, size_t n, size_t *nlist, size_t *total)
{
	const char **v = calloc(n + 1, sizeof(*v));
	size_t k = 0;

	if (v == NULL)
		return NULL;
	for (int pass = 1; pass >= 0; pass--) {
		size_t start = k;

		for (size_t i = 0; i < n; i++)
			if (!o[i].keep && o[i].listing == pass)
				v[k++] = o[i].key;
		qsort(v + start, k - start, sizeof(*v), key_cmp);
		if (pass == 1)
			*nlist = k;
	}
	*total = k;
	return v;
}

/* With Object Lock a delete only hides an object behind a delete marker
 * (restores no longer see it, the bytes stay): one still locked is kept,
 * counted as retained. */
struct lock_check {
	const struct run *r;
	struct chop_obj *o;
	long long now;
};

static void
check_lock(void *ctx, size_t i)
{
	struct lock_check *lc = ctx;
	struct s3_object_info info;
	struct s3_error err;
	int g;

	if (lc->o[i].keep)
		return;
	g = s3_head_object(lc->r->s3, lc->o[i].key, &info, &err);
	if (g < 0)
		log_warning("Cannot read the Object Lock of %s: %s",
		    lc->o[i].key, err.text);
	else if (g == 1 && info.lock_until_ms > lc->now)
		lc->o[i].retained = 1;
}

static size_t
keep_locked(const struct run *r, struct chop_obj *o, size_t n,
    long long now)
{
	struct lock_check lc = { r, o, now };
	struct s3_error err;
	size_t k = 0;

	switch (s3_object_lock_enabled(r->s3, &err)) {
	case 0:
		return 0;
	case -1:	/* a lock may be there: look at each object */
		log_warning("Cannot read the Object Lock configuration: %s",
		    err.text);
		break;
	}
	companion_parallel(n, r->o->parallel, check_lock, &lc);
	for (size_t i = 0; i < n; i++)
		if (o[i].retained) {
			o[i].keep = 1;
			k++;
			log_msg(r->o->list ? LOG_INFO_L : LOG_DEBUG_L,
			    "Retained %s: under Object Lock", o[i].key);
		}
	return k;
}

static int
delete_all(const struct run *r, const struct chop_obj *o, size_t n,
    size_t retained)
{
	size_t nlist = 0, total = 0, failed, deleted, refused = 0;
	const char **keys = doomed(o, n, &nlist, &total);

	if (keys == NULL) {
		log_error("Out of memory");
		return 1;
	}
	for (size_t i = 0; i < total && (r->o->list || r->o->dry_run); i++) {
		if (r->o->dry_run)
			log_msg(r->o->list ? LOG_INFO_L : LOG_DEBUG_L,
			    "Would delete %s", keys[i]);
		else
			log_info("Deleting %s", keys[i]);
	}
	if (r->o->dry_run) {
		log_info("Would delete %zu/%zu files", total, n);
		log_info("Test mode, nothing deleted");
		free(keys);
		return 0;
	}
	log_info("Deleting %zu/%zu files", total, n);
	failed = delete_keys(r, keys, nlist, &refused);
	deleted = nlist - failed;
	if (failed > 0)
		log_error("%zu listings could not be deleted: the %zu files "
		    "due with them are kept for now", failed, total - nlist);
	else {
		failed = delete_keys(r, keys + nlist, total - nlist,
		    &refused);
		deleted += total - nlist - failed;
	}
	log_info("Deleted %zu files, %zu could not be deleted, %zu retained "
	    "by Object Lock", deleted, failed - refused, retained + refused);
	free(keys);
	return failed > refused ? 1 : 0;
}

/* The objects under base; their keys point into l. */
static struct chop_obj *
objects(const struct s3_list *l, const char *base, size_t *n, size_t *nlist)
{
	struct chop_obj *o = calloc(l->n + 1, sizeof(*o));

	*n = *nlist = 0;
	if (o == NULL)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct s3_entry *e = &l->entries[i];

		if (!chop_under(e->key, base))
			continue;
		o[*n].key = e->key;
		o[*n].mtime_ms = e->mtime_ms;
		o[*n].listing = listing_is_listing(e->key, strlen(e->key));
		*nlist += (size_t)o[*n].listing;
		(*n)++;
	}
	return o;
}

static size_t
count_kept(const struct chop_obj *o, size_t n, int listing)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += (size_t)(o[i].listing == listing && o[i].keep);
	return k;
}

/* Lists the keys below prefix (the directory's, with its final '/'),
 * decides, deletes: the exit status. */
static int
chop_run(struct run *r, const char *prefix)
{
	struct s3_list l = { 0 };
	struct chop_obj *o = NULL;
	struct s3_error err;
	char *base = NULL, when[32];
	size_t n = 0, nl = 0;
	long long as_of = r->o->c.as_of_given ? r->o->c.as_of_ms :
	    companion_now_ms();
	int status = 1;

	log_info("Connected to S3, getting keys ...");
	/* prefix ends with '/' (listing_key keeps a final one): base is the
	 * directory's key without it. */
	if ((base = strndup(prefix, strlen(prefix) - (prefix[0] != '\0'))) ==
	    NULL)
		log_error("Out of memory");
	else if (s3_list_objects(r->s3, prefix, NULL, &l, &err) < 0)
		log_error("Problem getting keys from S3 bucket: %s", err.text);
	else if ((o = objects(&l, base, &n, &nl)) == NULL)
		log_error("Out of memory");
	else {
		log_info("Found %zu index files and %zu data files", nl,
		    n - nl);
		companion_format_time(as_of, when);
		if (nl == 0)
			log_error("No -listdir.json listing under %s:%s: "
			    "nothing tells what to keep, nothing deleted",
			    r->o->bucket, prefix);
		else {
			log_info("Applying the rule as of %s, age %s", when,
			    r->o->age_text);
			chop_keep_listings(o, n, as_of, &r->o->age);
			log_info("Keeping %zu/%zu index files",
			    count_kept(o, n, 1), nl);
			if (read_listings(r, o, n) < 0)
				log_error("A kept listing could not be read: "
				    "nothing deleted");
			else {
				chop_keep_files(o, n, as_of);
				log_info("Keeping %zu/%zu data files",
				    count_kept(o, n, 0), n - nl);
				status = delete_all(r, o, n, keep_locked(r, o,
				    n, companion_now_ms()));
			}
		}
	}
	free(o);
	s3_list_free(&l);
	free(base);
	return status;
}

int
chop_main(int argc, char **argv)
{
	struct chop_opts o;
	struct run r = { .o = &o };
	struct s3_setup su = { 0 };
	char err[SETUP_ERRLEN], *path = NULL, *name = NULL, *prefix;
	enum cli_result cr;
	int status;

	/* -d: the original's dry run "at DEBUG level". */
	cr = chop_parse(argc, argv, &o, err, sizeof(err));
	if ((status = companion_begin(&chop_program, cr, err, o.dry_run,
	    "path", o.path, &path)) >= 0)
		return status;
	status = 1;
	if (companion_connect(&su, &o.c, o.bucket, 1, &name) == 0) {
		if ((prefix = listing_key(o.c.prefix, name, o.c.separator,
		    path, "/")) == NULL)
			log_error("Out of memory");
		r.s3 = su.s3;
		r.name = name;
		status = prefix != NULL ? chop_run(&r, prefix) : 1;
		free(prefix);
	}
	setup_free(&su);
	free(name);
	free(path);
	return status;
}
