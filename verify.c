/* verify.c: tableverify. One ListObjectsV2 sweep per host finds the
 * listings and what objects exist; each listed file is then looked up
 * (HEAD) or downloaded and hashed (--deep), compared with the disk
 * (--local) and uploaded again when it can be (--repair). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "encode.h"
#include "help.h"
#include "keyset.h"
#include "listing.h"
#include "log.h"
#include "md5.h"
#include "restore.h"
#include "setup.h"
#include "stats.h"
#include "sweep.h"
#include "upload.h"
#include "verify.h"

#define EXIT_UNCHECKED	3

static const struct cli_opt verify_rows[] = {
	CLI_STR('k', NULL, struct verify_opts, c.aws_key),
	CLI_STR('s', NULL, struct verify_opts, c.aws_secret),
	CLI_SET('r', "recursive", struct verify_opts, recursive, 1),
	CLI_SET(0, "all", struct verify_opts, all, 1),
	CLI_OPTNUM(0, "deep", struct verify_opts, deep, 1, 100),
	CLI_SET(0, "local", struct verify_opts, local, 1),
	CLI_SET(0, "repair", struct verify_opts, repair, 1),
	CLI_SET(0, "all-hosts", struct verify_opts, all_hosts, 1),
	CLI_NUM('t', "threads", struct verify_opts, threads, 1, 256),
	CLI_STR(0, "stats-file", struct verify_opts, stats_file),
	CLI_END,
};

const char verify_usage[] =
    "usage: tableverify [-hr] [--all] [--deep [PERCENT]] [--local]\n"
    "                   [--repair] [options] bucket {path | --all-hosts}\n";

const char *const verify_help[] = {
    "Check that the files of tablesnap's listings are in S3, intact.\n"
    "\n"
    "positional arguments:\n"
    "  bucket                S3 bucket\n"
    "  path                  the directory as tablesnap saw it\n"
    "\n"
    "options:\n",
    HELP_HELP,
    "  -k, --aws-key KEY     access key id (default: AWS_ACCESS_KEY_ID)\n"
    "  -s, --aws-secret SECRET\n"
    "                        secret key (default: AWS_SECRET_ACCESS_KEY)\n",
    HELP_TOKEN_REGION,
    "  -r, --recursive       every table path/<keyspace>/<table>\n"
    "  --all                 every listing, not the newest\n"
    "  --deep [PERCENT]      download and hash (PERCENT of) the files\n"
    "  --local               compare with the files on disk\n"
    "  --repair              upload again from disk\n"
    "  --all-hosts           every host name, no path\n"
    "  -t, --threads N       checks at once (default: 4)\n"
    "  --stats-file PATH     write Prometheus metrics there\n",
    HELP_KEYS,
    HELP_TLS,
    HELP_RETRIES,
    "  --as-of TIME          point in time: the newest listings uploaded\n"
    "                        at or before TIME (2024-05-01T12:00:00Z,\n",
    HELP_TIME_FORMS,
    "\nExit status: 0 sound, 1 problems, 2 usage, 3 not all checked.\n",
    NULL,
};

static const struct cli_table verify_tables[] = {
	{ verify_rows, 0 },
	{ companion_options, offsetof(struct verify_opts, c) },
	{ common_options, offsetof(struct verify_opts, c) },
};

const struct cli_program verify_program = {
	"tableverify", verify_usage, verify_help, verify_tables,
	sizeof(verify_tables) / sizeof(verify_tables[0]), 1,
};

const char *const verify_kind_names[VK_N] = {
	"missing", "mismatched", "unreadable", "local_missing",
	"local_mismatched",
};

/* ---- the command line ---- */

enum cli_result
verify_parse(int argc, char **argv, struct verify_opts *o, char *err,
    size_t errlen)
{
	const char *pos[2];
	size_t npos;
	enum cli_result r;

	memset(o, 0, sizeof(*o));
	common_defaults(&o->c);
	o->threads = 4;
	r = cli_parse(&verify_program, argc, argv, o, pos, 2, &npos, err,
	    errlen);
	if (r != CLI_OK)
		return r;
	o->bucket = npos > 0 ? pos[0] : NULL;
	o->path = npos > 1 ? pos[1] : NULL;
	if (npos < (size_t)(2 - o->all_hosts))
		return companion_required(err, errlen, "bucket, path", npos);
	if (o->bucket[0] == '\0')
		return cli_fail(err, errlen, "argument bucket: empty bucket "
		    "name");
	if (o->all_hosts && (o->path || o->local || o->repair ||
	    o->recursive))
		return cli_fail(err, errlen, "argument --all-hosts: not "
		    "allowed with a path, -r, --local or --repair");
	if (o->all && (o->local || o->repair))
		return cli_fail(err, errlen, "argument --all: not allowed "
		    "with --local or --repair");
	return CLI_OK;
}

/* ---- pure rules ---- */

int
verify_object(const struct verify_facts *f, char want[33], char *why,
    size_t whylen)
{
	char etag[33];
	int which, plain;

	/* restore.c's rule: md5sum (1), else a plain ETag (2), lower-case;
	 * else what was downloaded. */
	want[0] = '\0';
	which = restore_expected_md5(f->md5sum, f->etag, want);
	plain = restore_expected_md5(NULL, f->etag, etag) == 2;
	if (which == 0 && f->got_md5 != NULL)
		restore_expected_md5(NULL, f->got_md5, want);
	if (f->md5sum[0] != '\0' && which != 1)
		return err_set(why, whylen, "md5sum metadata '%.40s' is not "
		    "an MD5", f->md5sum), VK_MISMATCHED;
	if (which == 1 && plain && strcmp(want, etag) != 0)
		return err_set(why, whylen, "md5sum metadata %s, ETag %s",
		    want, etag), VK_MISMATCHED;
	if (f->got_md5 == NULL)
		return 0;
	if (f->size >= 0 && f->got_size != f->size)
		return err_set(why, whylen, "read %lld of %lld bytes",
		    f->got_size, f->size), VK_MISMATCHED;
	if (which != 0 && strcmp(f->got_md5, want) != 0)
		return err_set(why, whylen, "content MD5 %s, expected %s",
		    f->got_md5, want), VK_MISMATCHED;
	return 0;
}

int
verify_local(long long local_size, const char *local_md5, long long size,
    const char *want, char *why, size_t whylen)
{
	if (local_size < 0)
		return err_set(why, whylen, "not on disk"), VK_LOCAL_MISSING;
	if (size >= 0 && local_size != size)
		return err_set(why, whylen, "%lld bytes on disk, %lld in S3",
		    local_size, size), VK_LOCAL_MISMATCHED;
	if (want[0] != '\0' && local_md5 != NULL &&
	    strcmp(local_md5, want) != 0)
		return err_set(why, whylen, "MD5 %s on disk, expected %s",
		    local_md5, want), VK_LOCAL_MISMATCHED;
	return 0;
}

int
verify_sampled(const char *key, unsigned long long seed, int percent)
{
	/* FNV-1a over the seed's bytes and the key. */
	unsigned long long h = 14695981039346656037ULL;

	for (int i = 0; i < 8; i++)
		h = (h ^ ((seed >> (8 * i)) & 0xff)) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h % 10000 < (unsigned long long)percent * 100;
}

/* A label value, with the text format's three escapes. Keys are UTF-8
 * (S3 has no other kind), and so are the values taken from them. */
static void
prom_label(struct buf *b, const char *name, const char *v)
{
	buf_printf(b, "%s=\"", name);
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			buf_add(b, "\\", 1);
		buf_add(b, *v == '\n' ? "n" : v, 1);
	}
	buf_add(b, "\"", 1);
}

/* One series: tableverify_<name>{host="...",<label>="..."} */
static void
prom_series(struct buf *b, const char *name, const char *host,
    const char *label, const char *v)
{
	buf_printf(b, "tableverify_%s{", name);
	prom_label(b, "host", host);
	if (label != NULL) {
		buf_add(b, ",", 1);
		prom_label(b, label, v);
	}
	buf_add(b, "} ", 2);
}

char *
verify_prom(const struct verify_host *h, size_t nh, double now_s)
{
	static const char *const heads[] = {
		"problems", "Problems by kind.",
		"files_checked", "Files checked.",
		"files_unchecked", "Files not checked.",
		"complete_listing_age_seconds", "Newest complete listing age.",
	};
	struct buf b;

	buf_init(&b);
	for (size_t m = 0; m < 4; m++) {
		const char *name = heads[2 * m];

		buf_printf(&b, "# HELP tableverify_%s %s\n# TYPE tableverify_%s "
		    "gauge\n", name, heads[2 * m + 1], name);
		for (size_t i = 0; i < nh; i++) {
			for (size_t k = 0; m == 0 && k < VK_N; k++) {
				prom_series(&b, name, h[i].host, "kind",
				    verify_kind_names[k]);
				buf_printf(&b, "%lu\n", h[i].problems[k]);
			}
			if (m == 1 || m == 2) {
				prom_series(&b, name, h[i].host, NULL, NULL);
				buf_printf(&b, "%lu\n", m == 1 ? h[i].files :
				    h[i].unchecked);
			}
			for (size_t k = 0; m == 3 && k < h[i].nt; k++) {
				prom_series(&b, name, h[i].host, "dir",
				    h[i].t[k].dir);
				if (h[i].t[k].age < 0)
					buf_adds(&b, "+Inf\n");
				else
					buf_printf(&b, "%.3f\n", h[i].t[k].age);
			}
		}
	}
	buf_printf(&b, "# HELP tableverify_last_run_timestamp_seconds When it "
	    "ran.\n# TYPE tableverify_last_run_timestamp_seconds gauge\n"
	    "tableverify_last_run_timestamp_seconds %.3f\n", now_s);
	return buf_take(&b);
}

/* ---- the run ---- */

/* One table directory. */
struct table {
	char *dir;		/* as tablesnap saw it */
	const struct sweep_table *s;	/* its listings */
	long long complete_ms;	/* newest complete listing, -1: none */
	unsigned long checked;	/* listings checked */
	unsigned long bad;	/* listings and names unreadable */
	unsigned long files, bad_files;
	int unchecked;		/* a listing S3 did not give */
	long long lock_ms;	/* earliest Object Lock expiry, 0: none */
};

/* One file to check. */
struct file {
	char *key, *path;	/* path: on disk */
	size_t table;
	long long size;		/* from the sweep, -1: no object */
	long long lock_ms;	/* its Object Lock's retain-until, 0: none */
	int deep;
	unsigned problems;	/* 1 << verify_kind */
	int unchecked, repaired;
	char want[33];		/* the MD5 it must have, "" unknown */
};

struct run {
	const struct verify_opts *o;
	struct s3_client *s3;
	const char *host, *origin, *root;
	unsigned long long seed;
	struct upload_config ucfg;
	pthread_mutex_t lock;
	atomic_ulong done, found;	/* files checked, problems */
	atomic_llong bytes;		/* downloaded */
	/* One host's, from here on. */
	struct sweep sw;	/* the sweep: tables, listings, keys */
	struct keyset *queued;	/* files already a job */
	struct table *t;
	size_t nt;
	struct file *f;
	size_t nf, fcap;
};

/* The progress line (companion_progress). */
static void
progress_line(void *ctx)
{
	struct run *r = ctx;

	log_info("Checked %lu of %zu files, %lu problems, %lld MiB",
	    atomic_load(&r->done), r->nf, atomic_load(&r->found),
	    atomic_load(&r->bytes) >> 20);
}

/* A problem with a file: one line naming its key (its path on disk for
 * the local kinds), counted. */
static void
problem(struct run *r, struct file *f, int kind, const char *why)
{
	log_error("%s: %s: %s", verify_kind_names[kind],
	    kind >= VK_LOCAL_MISSING ? f->path : f->key, why);
	f->problems |= 1u << kind;
	atomic_fetch_add(&r->found, 1);
}

/* The file on disk, opened as the daemon opens it (no link followed
 * below the root): *size (-1: absent) and its MD5. 0, or -1 when it
 * could not be read (logged). */
static int
local_file(const struct run *r, const struct file *f, long long *size,
    char md5[33])
{
	struct stat st;
	const char *kind = NULL;
	int fd = upload_open(r->root, f->path, &st, &kind), g = -1, e;

	*size = -1;
	if (fd >= 0) {
		*size = (long long)st.st_size;
		g = companion_md5_fd(fd, md5);
		e = errno;
		close(fd);
		errno = e;
	}
	if (g == 0 || (fd == -1 && errno == ENOENT))
		return 0;
	log_error("Cannot read %s: %s", f->path, kind ? kind :
	    strerror(errno));
	return -1;
}

/* The object: HEAD, or GET and hash with --deep. 1 when it is sound. */
static int
check_object(struct run *r, struct file *f)
{
	struct companion_sink s = { .fd = -1, .done = &r->bytes };
	struct s3_sink sink;
	struct s3_object_info hi;
	struct s3_get_info gi = { 0 };
	struct verify_facts facts = { hi.md5sum, hi.etag, -1, NULL, 0 };
	struct s3_error err;
	char got[33], why[256];
	int g = 0, kind = VK_MISSING;

	if (f->size >= 0 && f->deep) {
		companion_sink(&s, &sink);
		g = s3_get_object(r->s3, f->key, &sink, &gi, &err);
		companion_md5_hex(&s.md5, got);
		facts = (struct verify_facts){ gi.md5sum, gi.etag, gi.size,
		    got, s.bytes };
		f->lock_ms = gi.lock_until_ms;
	} else if (f->size >= 0) {
		g = s3_head_object(r->s3, f->key, &hi, &err);
		facts.size = hi.size;
		f->lock_ms = hi.lock_until_ms;
	}
	if (g > 0 && (kind = verify_object(&facts, f->want, why,
	    sizeof(why))) == 0 && f->want[0] == '\0')
		log_warning("Cannot verify %s: no md5sum, multipart ETag",
		    f->key);
	if (g == 0)
		problem(r, f, kind, "not in S3");
	else if (g > 0 && kind != 0)
		problem(r, f, kind, why);
	else if (g < 0 && err.status >= 400 && err.status < 500)
		problem(r, f, kind = VK_UNREADABLE, err.text);
	else if (g < 0) {
		/* No answer, or 5xx after the retries: not the object's. */
		log_error("Cannot check %s: %s", f->key, err.text);
		f->unchecked = 1;
	}
	s3_get_info_free(&gi);
	return g > 0 && kind == 0;
}

/* --repair: the file on disk goes up again, as the daemon sends it,
 * when it is what the listing expects (the MD5 the object should have,
 * where that is known). size and md5: the file on disk as --local read
 * it, or read here when size is NULL. */
static void
repair(struct run *r, struct file *f, const long long *size,
    const char *md5)
{
	long long own_size, bytes;
	char own_md5[33];

	if (size == NULL) {
		if (local_file(r, f, &own_size, own_md5) < 0)
			return;
		size = &own_size;
		md5 = own_md5;
	}
	if (*size < 0)
		log_error("Cannot repair %s: not on disk", f->key);
	else if (f->want[0] != '\0' && strcmp(md5, f->want) != 0)
		log_error("Cannot repair %s: MD5 %s on disk", f->key, md5);
	else if (upload_file(r->s3, &r->ucfg, f->path, OBJECT_ABSENT,
	    &bytes) != UPLOAD_DONE)
		log_error("Cannot repair %s: its upload failed", f->key);
	else {
		log_info("Repaired %s from %s", f->key, f->path);
		f->repaired = 1;
	}
}

static void
check_file(void *ctx, size_t i)
{
	struct run *r = ctx;
	struct file *f = &r->f[i];
	long long size;
	char md5[33], why[256];
	int sound, kind, on_disk = 0;	/* size and md5 read */

	f->unchecked = companion_stopped();
	if (f->unchecked)
		return;
	sound = check_object(r, f);
	if (r->o->local && !f->unchecked) {
		on_disk = local_file(r, f, &size, md5) == 0;
		if (!on_disk)
			f->unchecked = 1;
		else if ((kind = verify_local(size, md5, sound ? f->size : -1,
		    f->want, why, sizeof(why))) != 0)
			problem(r, f, kind, why);
	}
	if (r->o->repair && (f->problems & (1u << VK_MISSING |
	    1u << VK_MISMATCHED)))
		repair(r, f, on_disk ? &size : NULL, md5);
	atomic_fetch_add(&r->done, 1);
}

/* ---- what to check ---- */

static int
add_file(struct run *r, size_t table, char *key, char *path,
    long long size)
{
	struct file *f;

	if (keyset_size(r->queued, key) >= 0)
		return 0;	/* named by another listing too */
	if (keyset_add(r->queued, key, 0) < 0 ||
	    (f = array_grow(r->f, &r->fcap, r->nf + 1, sizeof(*f))) == NULL)
		return -1;
	r->f = f;
	f = &r->f[r->nf++];
	memset(f, 0, sizeof(*f));
	f->key = key;
	f->path = path;
	f->table = table;
	f->size = size;
	f->deep = r->o->deep > 0 && verify_sampled(key, r->seed, r->o->deep);
	return 1;
}

/* The file list of listing v: 1 when it is complete (sweep_missing), 0
 * when not, -1 when out of memory (logged). With jobs, each file becomes
 * one (locked): those in S3 and those missing; each name refused is
 * counted in the table. */
static int
listing_files(struct run *r, size_t ti, const struct sweep_listing *v,
    const struct listing_set *set, int jobs)
{
	struct table *t = &r->t[ti];
	char *key, *path;
	size_t *miss = NULL, m = 0;
	long nmiss = -1;
	int ret = 0;

	for (size_t i = 0; i < set->nrefused; i++)
		log_error("unreadable: %s: names %s", v->key,
		    set->refused[i]);
	if ((miss = calloc(set->n + 1, sizeof(*miss))) != NULL)
		nmiss = sweep_missing(set, r->o->c.prefix, r->host,
		    r->o->c.separator, r->sw.seen, miss);
	ret = nmiss < 0 ? -1 : 0;
	pthread_mutex_lock(&r->lock);
	t->bad += set->nrefused;
	for (size_t i = 0; jobs && i < set->n && ret >= 0; i++) {
		long long size;

		key = listing_file_key(r->o->c.prefix, r->host,
		    r->o->c.separator, t->dir, set->names[i]);
		if (asprintf(&path, "%s/%s", t->dir[1] ? t->dir : "",
		    set->names[i]) < 0)
			path = NULL;
		size = key ? keyset_size(r->sw.seen, key) : 0;
		if (key == NULL || path == NULL)
			ret = -1;
		else if (size >= 0 || (m < (size_t)nmiss && miss[m] == i &&
		    ++m))
			ret = add_file(r, ti, key, path, size);
		if (ret <= 0) {
			free(key);
			free(path);
		}
	}
	pthread_mutex_unlock(&r->lock);
	free(miss);
	if (ret < 0)
		log_error("Out of memory");
	return ret < 0 ? -1 : set->nrefused == 0 && nmiss == 0;
}

/* One table: its listings, newest first: the newest (every one with
 * --all) is checked; older ones are read only until one is complete. */
static void
table_thread(void *ctx, size_t ti)
{
	struct run *r = ctx;
	struct table *t = &r->t[ti];
	struct companion_listing cl;
	struct s3_error err;
	char why[256];

	for (size_t k = 0; k < t->s->n && !companion_stopped(); k++) {
		const struct sweep_listing *v = &t->s->ls[k];
		int jobs = k == 0 || r->o->all, g, c = -1, transient;

		if (!jobs && t->complete_ms >= 0)
			break;
		g = companion_get_listing(r->s3, v->key, t->dir, &cl, &err, why,
		    sizeof(why));
		/* No answer, or 5xx: not checked, rather than a problem. */
		transient = g == -1 && (err.status < 400 || err.status >= 500);
		if (g > 0)
			c = listing_files(r, ti, v, cl.set, jobs);
		else if (transient) {
			log_error("Cannot read %s: %s", v->key, err.text);
			t->unchecked = 1;
		} else
			log_error("unreadable: %s: %s", v->key, g == 0 ?
			    "not in S3" : g < -1 ? why : err.text);
		companion_listing_free(&cl);
		t->checked += (unsigned long)jobs;
		t->bad += c < 0 && !transient;
		if (c > 0 && t->complete_ms < 0)
			t->complete_ms = v->ms;
	}
}

/* The tables of the sweep (sorted by rel); the listings of a refused
 * one are problems. */
static int
make_tables(struct run *r, struct verify_host *out)
{
	if ((r->t = calloc(r->sw.nt + 1, sizeof(*r->t))) == NULL ||
	    (out->t = calloc(r->sw.nt + 1, sizeof(*out->t))) == NULL)
		return -1;
	for (size_t i = 0; i < r->sw.nt; i++) {
		const struct sweep_table *s = &r->sw.t[i];
		struct table *t = &r->t[r->nt];

		for (size_t k = 0; s->refused && k < s->n; k++) {
			log_error("unreadable: %s: not below %s", s->ls[k].key,
			    r->root);
			out->problems[VK_UNREADABLE]++;
		}
		if (s->refused)
			continue;
		t->s = s;
		t->complete_ms = -1;
		if (asprintf(&t->dir, "%s/%s", r->origin, s->rel) < 0)
			return -1;
		/* "/" for the root, else no final '/' */
		if (s->rel[0] == '\0' && t->dir[1] != '\0')
			t->dir[strlen(t->dir) - 1] = '\0';
		r->nt++;
	}
	return 0;
}

static void
free_run(struct run *r)
{
	for (size_t i = 0; i < r->nf; i++) {
		free(r->f[i].key);
		free(r->f[i].path);
	}
	for (size_t i = 0; i < r->nt; i++)
		free(r->t[i].dir);
	free(r->f);
	free(r->t);
	sweep_free(&r->sw);
	keyset_free(r->queued);
	memset(&r->sw, 0, sizeof(*r) - offsetof(struct run, sw));
}

static unsigned long
total(const struct verify_host *h)
{
	unsigned long n = 0;

	for (int k = 0; k < VK_N; k++)
		n += h->problems[k];
	return n;
}

/* Counts what the checks found into out, one line per table (per host
 * with --all-hosts); out takes the tables' directories. */
static void
summarize(struct run *r, struct verify_host *out, long long now_ms)
{
	long long oldest = -1;
	int none = r->nt == 0;
	char when[32], lock[64] = "";

	for (size_t i = 0; i < r->nf; i++) {
		const struct file *f = &r->f[i];

		struct table *t = &r->t[f->table];

		t->files++;
		t->bad_files += f->problems != 0;
		if (f->lock_ms > 0 && (t->lock_ms == 0 || f->lock_ms < t->lock_ms))
			t->lock_ms = f->lock_ms;
		for (int k = 0; k < VK_N; k++)
			out->problems[k] += (f->problems >> k) & 1;
		out->files += !f->unchecked;
		out->unchecked += (unsigned long)f->unchecked;
		out->repaired += (unsigned long)f->repaired;
	}
	for (size_t i = 0; i < r->nt; i++) {
		struct table *t = &r->t[i];

		out->problems[VK_UNREADABLE] += t->bad;
		out->unchecked += (unsigned long)t->unchecked;
		out->t[i].dir = t->dir;
		out->t[i].age = t->complete_ms < 0 ? -1 :
		    (double)(now_ms - t->complete_ms) / 1000;
		out->nt++;
		none |= t->complete_ms < 0;
		if (oldest < 0 || t->complete_ms < oldest)
			oldest = t->complete_ms;
		companion_format_time(t->complete_ms, when);
		if (t->lock_ms > 0) {
			strcpy(lock, "; locked until ");
			companion_format_time(t->lock_ms, lock + 15);
		}
		log_msg(r->o->all_hosts ? LOG_DEBUG_L : LOG_INFO_L, "Table %s: "
		    "%lu listings, %lu files, %lu problems; complete: %s%s",
		    t->dir, t->checked, t->files, t->bad_files + t->bad,
		    t->complete_ms < 0 ? "none" : when, lock);
		lock[0] = '\0';
		t->dir = NULL;
	}
	companion_format_time(oldest, when);
	if (r->o->all_hosts)
		log_info("Host %s: %zu tables, oldest complete: %s, %lu "
		    "problems, %lu unchecked", out->host, out->nt,
		    none ? "none" : when, total(out), out->unchecked);
}

/* One host (the base of its keys): sweep, listings, checks. */
static int
check_host(struct run *r, const char *base, int depth,
    struct verify_host *out)
{
	const struct verify_opts *o = r->o;
	struct s3_list l = { 0 };
	struct s3_error err;
	struct companion_progress cp;
	int g = -1;

	if (s3_list_objects(r->s3, base, depth == 0 ? "/" : NULL, &l, &err) <
	    0) {
		log_error("Cannot list %s:%s: %s", o->bucket, base, err.text);
		return -1;
	}
	if ((r->queued = keyset_new()) != NULL)
		g = sweep_index(&l, base, depth, o->c.as_of_given ?
		    o->c.as_of_ms : -1, &r->sw);
	s3_list_free(&l);
	if (g < 0 || make_tables(r, out) < 0) {
		log_error("Out of memory");
		return -1;
	}
	if (r->sw.nls == 0)
		log_error("missing: no listing under %s:%s", o->bucket, base);
	out->problems[VK_MISSING] += r->sw.nls == 0;
	companion_parallel(r->nt, o->threads, table_thread, r);
	log_info("Checking %zu files of %zu tables", r->nf, r->nt);
	companion_progress_start(&cp, progress_line, r);
	companion_parallel(r->nf, o->threads, check_file, r);
	companion_progress_stop(&cp);
	return 0;
}

/* Every host name under the prefix: one delimited listing. */
static char **
find_hosts(const struct run *r, size_t *n)
{
	const struct verify_opts *o = r->o;
	struct s3_list l = { 0 };
	struct s3_error err;
	char *prefix = strdup(o->c.prefix), **hosts = NULL;
	size_t plen, slen = strlen(o->c.separator);

	*n = 0;
	if (prefix == NULL)
		return NULL;
	plen = strlen(listing_boto_key(prefix));
	if (s3_list_objects(r->s3, prefix, o->c.separator, &l, &err) < 0)
		log_error("Cannot list %s:%s: %s", o->bucket, prefix,
		    err.text);
	else if ((hosts = calloc(l.nprefixes + 1, sizeof(*hosts))) != NULL)
		for (size_t i = 0; i < l.nprefixes; i++) {
			size_t len = strlen(l.prefixes[i]);

			if (len > plen + slen && (hosts[*n] = strndup(
			    l.prefixes[i] + plen, len - plen - slen)) != NULL)
				(*n)++;
		}
	s3_list_free(&l);
	free(prefix);
	return hosts;
}

/* Every host (or the one), checked in turn; -1 when something could
 * not be checked, 1 when there is no host at all. */
static int
run_all(struct run *r, struct verify_host **outs, size_t *nouts,
    long long now_ms)
{
	const struct verify_opts *o = r->o;
	char **hosts = NULL, *base;
	size_t nh = 1;
	int status = 0;

	if (o->all_hosts && (hosts = find_hosts(r, &nh)) == NULL)
		return -1;
	if (o->all_hosts && nh == 0) {
		log_error("missing: no host name under %s:%s", o->bucket,
		    o->c.prefix);
		status = 1;
	}
	if ((*outs = calloc(nh + 1, sizeof(**outs))) == NULL)
		status = -1;
	for (size_t i = 0; *outs != NULL && i < nh && !companion_stopped();
	    i++) {
		struct verify_host *out = &(*outs)[(*nouts)++];

		out->host = hosts != NULL ? hosts[i] : strdup(r->host);
		r->host = out->host;
		base = out->host == NULL ? NULL : listing_key(o->c.prefix,
		    r->host, o->c.separator, r->origin, "/");
		if (base == NULL || check_host(r, base, o->all_hosts ? -1 :
		    o->recursive ? 2 : 0, out) < 0)
			status = -1;
		summarize(r, out, now_ms);
		free(base);
		free_run(r);
	}
	for (size_t i = *nouts; hosts != NULL && i < nh; i++)
		free(hosts[i]);
	free(hosts);
	return status;
}

/* The last lines, the stats file: the exit status. */
static int
report(const struct verify_opts *o, struct verify_host *outs, size_t n,
    long long now_ms, int run)
{
	struct verify_host all = { 0 };
	char *text;
	int status;

	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < VK_N; k++)
			all.problems[k] += outs[i].problems[k];
		all.files += outs[i].files;
		all.unchecked += outs[i].unchecked;
		all.repaired += outs[i].repaired;
	}
	log_info("Checked %lu files: %lu problems, %lu repaired, %lu not "
	    "checked", all.files, total(&all), all.repaired, all.unchecked);
	status = total(&all) > all.repaired || run > 0 ? 1 :
	    all.unchecked > 0 || run < 0 || companion_stopped() ?
	    EXIT_UNCHECKED : 0;
	/* The problems had their error lines: this one is the verdict. */
	log_info("%s", status == 0 ?
	    "The backup is sound" : status == 1 ? "Problems found" :
	    "Could not check everything");
	if (o->stats_file == NULL)
		return status;
	text = verify_prom(outs, n, (double)now_ms / 1000);
	if (text == NULL || stats_write_text(o->stats_file, text) < 0) {
		log_error("Cannot write %s: %s", o->stats_file, text == NULL ?
		    "out of memory" : strerror(errno));
		status = status ? status : EXIT_UNCHECKED;
	}
	free(text);
	return status;
}

int
verify_main(int argc, char **argv)
{
	struct verify_opts o;
	struct run r = { .o = &o };
	struct s3_setup su = { 0 };
	static struct options uopt;
	struct verify_host *outs = NULL;
	size_t nouts = 0;
	char err[SETUP_ERRLEN], *origin = NULL, *name = NULL;
	long long now_ms = companion_now_ms();
	enum cli_result cr;
	int status;

	cr = verify_parse(argc, argv, &o, err, sizeof(err));
	if ((status = companion_begin(&verify_program, cr, err, 0, "path",
	    o.all_hosts ? "/" : o.path, &origin)) >= 0)
		return status;
	status = EXIT_UNCHECKED;
	if (companion_connect(&su, &o.c, o.bucket, !o.all_hosts, &name) < 0)
		goto out;
	if (pthread_mutex_init(&r.lock, NULL) != 0)
		goto out;
	/* --repair uploads as the daemon does, without a new listing and
	 * over whatever object is there. */
	uopt.c = o.c;
	uopt.without_index = 1;
	uopt.max_upload_size = 5120 * MIB;
	uopt.chunk_size = 64 * MIB;
	r.s3 = su.s3;
	r.host = name;
	r.origin = origin;
	r.root = origin[0] != '\0' ? origin : "/";
	r.ucfg.opt = &uopt;
	r.ucfg.name = name;
	r.ucfg.signed_payload = !su.tls;
	r.ucfg.roots = &r.root;
	r.ucfg.nroots = 1;
	/* A new share of the files each day. */
	r.seed = (unsigned long long)(now_ms / 86400000);
	if (o.c.as_of_given)
		now_ms = o.c.as_of_ms;
	status = run_all(&r, &outs, &nouts, now_ms);
	status = report(&o, outs, nouts, now_ms, status);
	for (size_t i = 0; i < nouts; i++) {
		for (size_t k = 0; k < outs[i].nt; k++)
			free(outs[i].t[k].dir);
		free(outs[i].t);
		free(outs[i].host);
	}
	free(outs);
	pthread_mutex_destroy(&r.lock);
out:
	setup_free(&su);
	free(name);
	free(origin);
	return status;
}
