/* restore.c: tableslurp. Finds the listing(s) to restore with one
 * ListObjectsV2 sweep, then downloads the named files in parallel, each to
 * a temporary name, MD5-checked, fsynced, owned and renamed into place. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accounts.h"
#include "encode.h"
#include "fmt.h"
#include "help.h"
#include "jsonread.h"
#include "log.h"
#include "md5.h"
#include "restore.h"
#include "version.h"

#define LISTING_SUFFIX	"-listdir.json"
#define MAX_LISTING	(64 * 1024 * 1024)
#define TRIES		3	/* downloads of one file before giving up */
#define READ_BUF	(128 * 1024)

enum {
	R_PRESERVE = 1, R_OWNER, R_GROUP, R_THREADS, R_FILE, R_RECURSIVE,
	R_COMMITLOGS, R_FORCE,
};

/* Beside common_options (companion.h). */
static const struct cli_opt restore_opts_table[] = {
	{ 'k', NULL, COMMON_KEY, CLI_VALUE },		/* --aws-key */
	{ 's', NULL, COMMON_SECRET, CLI_VALUE },	/* --aws-secret */
	{ 'p', "preserve", R_PRESERVE, CLI_FLAG },
	{ 'o', "owner", R_OWNER, CLI_VALUE },
	{ 'g', "group", R_GROUP, CLI_VALUE },
	{ 't', "threads", R_THREADS, CLI_VALUE },
	{ 'f', "file", R_FILE, CLI_VALUE },
	{ 'r', "recursive", R_RECURSIVE, CLI_FLAG },
	{ 0, "commitlogs", R_COMMITLOGS, CLI_VALUE },
	{ 0, "force", R_FORCE, CLI_FLAG },
};

const char restore_usage[] =
    "usage: tableslurp [-h] [-k AWS_KEY] [-s AWS_SECRET] [--token TOKEN]\n"
    "                  [--aws-region REGION] [-p] [-o OWNER] [-g GROUP]\n"
    "                  [-t THREADS] [-f FILE | -r] [--commitlogs DIR]\n"
    "                  [--force] [-n NAME] [-P PREFIX]\n"
    "                  [--keyname-separator SEP] [--endpoint URL]\n"
    "                  [--ca-file PEM] [--path-style | --virtual-host]\n"
    "                  [--retries N] [--as-of TIME] [--version]\n"
    "                  bucket origin target\n";

const char *const restore_help[] = {
    "Restore the files of a tablesnap backup listing from S3 into a local\n"
    "directory. Each file is written to a temporary name, checked against\n"
    "its MD5, fsynced and renamed into place. Also run as `tablesnap\n"
    "restore ...`.\n"
    "\n"
    "positional arguments:\n"
    "  bucket                S3 bucket\n"
    "  origin                the directory as tablesnap saw it, e.g.\n"
    "                        /var/lib/cassandra/data/ks/cf (the data\n"
    "                        directory with -r)\n"
    "  target                local directory to write to (created)\n"
    "\n"
    "options:\n",
    HELP_HELP,
    "  -k, --aws-key KEY     access key id (default: AWS_ACCESS_KEY_ID)\n"
    "  -s, --aws-secret SECRET\n"
    "                        secret key (default: AWS_SECRET_ACCESS_KEY)\n",
    HELP_TOKEN_REGION,
    "  -p, --preserve        owner, group and mode of each file from its\n"
    "                        x-amz-meta-stat (names first, then ids);\n"
    "                        overrides -o and -g where it is known\n"
    "  -o, --owner OWNER     owner of the restored files (name or uid;\n"
    "                        default: the user running the restore)\n"
    "  -g, --group GROUP     group of the restored files (name or gid)\n"
    "  -t, --threads N       downloads at once (default: 4)\n"
    "  -f, --file FILE       restore the listing FILE-listdir.json (FILE\n"
    "                        is a file name in origin) instead of the\n"
    "                        newest one\n"
    "  -r, --recursive       restore every table origin/<keyspace>/<table>\n"
    "                        from its newest listing into\n"
    "                        target/<keyspace>/<table>\n"
    "  --commitlogs DIR      also restore the commit log segments of DIR\n"
    "                        newer than the oldest restored listing, into\n"
    "                        target/<last component of DIR>\n"
    "  --force               download even files already there and\n"
    "                        identical (same size and MD5)\n",
    HELP_KEYS,
    HELP_TLS,
    HELP_RETRIES,
    "  --as-of TIME          point in time: the newest listings uploaded\n"
    "                        at or before TIME (2024-05-01T12:00:00Z,\n",
    HELP_TIME_FORMS,
    "\n"
    "Exit status: 0 when every listed file is in place and verified, 1\n"
    "when any could not be restored, 2 for a bad command line.\n",
    NULL,
};

/* ---- the command line ---- */

static int
restore_set(void *ctx, int id, const char *name, const char *v, char *err,
    size_t errlen)
{
	struct restore_opts *o = ctx;
	long long n;
	int r;

	switch (id) {
	case R_PRESERVE: o->preserve = 1; break;
	case R_OWNER: o->owner = v; break;
	case R_GROUP: o->group = v; break;
	case R_FILE: o->file = v; break;
	case R_RECURSIVE: o->recursive = 1; break;
	case R_COMMITLOGS: o->commitlogs = v; break;
	case R_FORCE: o->force = 1; break;
	case R_THREADS:
		if ((r = cli_number(name, v, 1, 256, &n, err, errlen)) !=
		    CLI_OK)
			return r;
		o->threads = (int)n;
		break;
	default:
		return common_set(&o->c, id, name, v, err, errlen);
	}
	return CLI_OK;
}

enum cli_result
restore_parse(int argc, char **argv, struct restore_opts *o, char *err,
    size_t errlen)
{
	const struct cli_table tables[] = {
		{ restore_opts_table, sizeof(restore_opts_table) /
		    sizeof(restore_opts_table[0]) },
		common_options,
	};
	const char *pos[3];
	size_t npos;
	enum cli_result r;

	memset(o, 0, sizeof(*o));
	common_defaults(&o->c);
	o->threads = 4;
	r = cli_parse(argc, argv, tables, sizeof(tables) / sizeof(tables[0]),
	    restore_set, o, pos, 3, &npos, err, errlen);
	if (r != CLI_OK)
		return r;
	if (npos < 3) {
		static const char *const names[] = { "bucket", "origin",
		    "target" };

		/* Truncation only shortens the message. */
		if (str_fmt(err, errlen, "the following arguments are "
		    "required: %s%s%s%s%s", names[npos], npos < 2 ? ", " : "",
		    npos < 2 ? names[npos + 1] : "", npos < 1 ? ", " : "",
		    npos < 1 ? names[2] : "") < 0)
			err[0] = '\0';
		return CLI_USAGE;
	}
	o->bucket = pos[0];
	o->origin = pos[1];
	o->target = pos[2];
	if (o->file != NULL && (o->recursive || o->commitlogs != NULL)) {
		if (str_fmt(err, errlen, "argument -f/--file: not allowed "
		    "with argument %s", o->recursive ? "-r/--recursive" :
		    "--commitlogs") < 0)
			err[0] = '\0';
		return CLI_USAGE;
	}
	if (o->bucket[0] == '\0' || o->target[0] == '\0' ||
	    (o->file != NULL && (o->file[0] == '\0' ||
	    strchr(o->file, '/') != NULL))) {
		if (str_fmt(err, errlen, "%s", o->bucket[0] == '\0' ?
		    "argument bucket: empty bucket name" :
		    o->target[0] == '\0' ? "argument target: empty path" :
		    "argument -f/--file: a file name of origin, without '/'")
		    < 0)
			err[0] = '\0';
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* ---- pure rules ---- */

static int
ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

static int
table_cmp(const void *a, const void *b)
{
	const struct restore_table *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);

	if (c != 0)
		return c;
	if (x->listing_ms != y->listing_ms)
		return x->listing_ms < y->listing_ms ? -1 : 1;
	return strcmp(x->listing_key, y->listing_key);
}

/* rel (depth components, each with its '/') + a listing name. */
static int
listing_rel(const char *rest, int depth, size_t *rel_len)
{
	const char *p = rest;

	for (int i = 0; i < depth; i++) {
		const char *slash = strchr(p, '/');

		if (slash == NULL || slash == p)
			return 0;
		p = slash + 1;
	}
	if (strchr(p, '/') != NULL ||
	    strlen(p) <= strlen(LISTING_SUFFIX) ||
	    !ends_with(p, strlen(p), LISTING_SUFFIX))
		return 0;
	*rel_len = (size_t)(p - rest);
	return 1;
}

void
restore_tables_free(struct restore_table *t, size_t n)
{
	for (size_t i = 0; t != NULL && i < n; i++) {
		free(t[i].rel);
		free(t[i].listing_key);
	}
	free(t);
}

long
restore_find_tables(const struct s3_list *l, const char *prefix, int depth,
    long long as_of_ms, struct restore_table **out)
{
	size_t plen = strlen(prefix), n = 0, keep = 0;
	struct restore_table *t = calloc(l->n + 1, sizeof(*t));

	*out = NULL;
	if (t == NULL)
		return -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct s3_entry *e = &l->entries[i];
		size_t rel_len;

		if (strncmp(e->key, prefix, plen) != 0 ||
		    !listing_rel(e->key + plen, depth, &rel_len) ||
		    (as_of_ms >= 0 && e->mtime_ms > as_of_ms))
			continue;
		/* rel without its final '/' */
		t[n].rel = strndup(e->key + plen, rel_len ? rel_len - 1 : 0);
		t[n].listing_key = strdup(e->key);
		t[n].listing_ms = e->mtime_ms;
		if (t[n].rel == NULL || t[n++].listing_key == NULL) {
			restore_tables_free(t, n);
			return -1;
		}
	}
	qsort(t, n, sizeof(*t), table_cmp);
	/* Keep the last (newest) of each run of one rel. */
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(t[i].rel, t[i + 1].rel) == 0) {
			free(t[i].rel);
			free(t[i].listing_key);
			continue;
		}
		t[keep++] = t[i];
	}
	*out = t;
	return (long)keep;
}

static int
is_hex32(const char *s)
{
	return strlen(s) == 32 && strspn(s, "0123456789abcdefABCDEF") == 32;
}

int
restore_expected_md5(const char *md5sum, const char *etag, char out[33])
{
	const char *v = NULL;
	int which = 0;

	if (md5sum != NULL && is_hex32(md5sum)) {
		v = md5sum;
		which = 1;
	} else if (etag != NULL && is_hex32(etag)) {
		/* A multipart ETag ("…-N") is not the MD5 of the object. */
		v = etag;
		which = 2;
	}
	for (int i = 0; v != NULL && i < 33; i++)
		out[i] = (char)(v[i] >= 'A' && v[i] <= 'F' ? v[i] + 32 : v[i]);
	return which;
}

int
restore_commitlog_id(const char *name, unsigned long long *id)
{
	const char *p = name + 10;
	size_t n;
	char *end;

	if (strncmp(name, "CommitLog-", 10) != 0 ||
	    (n = strspn(p, "0123456789")) == 0 || p[n] != '-')
		return 0;
	p += n + 1;
	if ((n = strspn(p, "0123456789")) == 0 || n > 19 ||
	    strcmp(p + n, ".log") != 0)
		return 0;
	errno = 0;
	*id = strtoull(p, &end, 10);
	return errno == 0;
}

int
restore_commitlog_wanted(const char *name, long long mtime_ms,
    long long since_ms)
{
	unsigned long long id;

	if (!restore_commitlog_id(name, &id))
		return 0;
	return (since_ms < 0 || id > (unsigned long long)since_ms) ||
	    mtime_ms > since_ms;
}

int
restore_parse_stat(const char *json, struct restore_stat *st)
{
	struct jr_value *v;
	const char *s;

	memset(st, 0, sizeof(*st));
	if ((v = jr_parse(json, strlen(json), NULL, 0)) == NULL)
		return -1;
	if (v->type != JR_OBJECT) {
		jr_free(v);
		return -1;
	}
	st->has_uid = jr_member_int(v, "uid", &st->uid) == 0 && st->uid >= 0;
	st->has_gid = jr_member_int(v, "gid", &st->gid) == 0 && st->gid >= 0;
	st->has_mode = jr_member_int(v, "mode", &st->mode) == 0 &&
	    st->mode >= 0;
	if ((s = jr_member_str(v, "user")) != NULL && *s != '\0')
		st->user = strdup(s);
	if ((s = jr_member_str(v, "group")) != NULL && *s != '\0')
		st->group = strdup(s);
	jr_free(v);
	return 0;
}

void
restore_stat_free(struct restore_stat *st)
{
	free(st->user);
	free(st->group);
	st->user = st->group = NULL;
}

/* ---- the run ---- */

/* A local directory being restored into. */
struct rdir {
	char *local;
	int created;			/* made by this run */
	pthread_mutex_t lock;
	int owner_known;		/* for a created directory with -p */
	uid_t uid;
	gid_t gid;
};

enum outcome {
	DONE,		/* downloaded and verified */
	KEPT,		/* identical file already there */
	MISSING,	/* listed, but no such object */
	FAILED,
};

struct job {
	struct rdir *dir;
	char *key;		/* the object */
	char *name;		/* file name in dir */
	char *listing;		/* where it was listed (for messages) */
	enum outcome result;
};

struct run {
	const struct restore_opts *o;
	struct s3_client *s3;
	char *name;			/* host name in the keys */
	char *target;			/* o->target without a final '/' */
	int have_uid, have_gid;		/* -o / -g */
	uid_t uid;
	gid_t gid;
	mode_t umask;
	struct rdir *dirs;
	size_t ndirs, dirs_cap;
	struct job *jobs;
	size_t njobs, jcap;
	unsigned long fatal;		/* failures outside the jobs */
};

/* A numeric user or group id given in place of a name. */
static int
numeric_id(const char *s, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s == '\0' || *end != '\0' || errno != 0 ||
	    *v > 0xfffffffeUL ? -1 : 0;
}

static int
resolve_user(const char *s, uid_t *uid)
{
	unsigned long v;

	if (acct_user_id(s, uid) == 0)
		return 0;
	if (numeric_id(s, &v) < 0)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

static int
resolve_group(const char *s, gid_t *gid)
{
	unsigned long v;

	if (acct_group_id(s, gid) == 0)
		return 0;
	if (numeric_id(s, &v) < 0)
		return -1;
	*gid = (gid_t)v;
	return 0;
}

/* mkdir -p; *created when the last component is new. */
static int
make_dirs(const char *path, int *created)
{
	char *p = strdup(path), c;
	struct stat st;

	*created = 0;
	if (p == NULL)
		return -1;
	for (char *s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0)
			*created = c == '\0';
		else if (errno != EEXIST || stat(p, &st) < 0 ||
		    !S_ISDIR(st.st_mode)) {
			if (errno == EEXIST)
				errno = ENOTDIR;
			free(p);
			return -1;
		}
		if (c == '\0')
			break;
		*s = c;
	}
	free(p);
	return 0;
}

static struct rdir *
add_dir(struct run *r, const char *local)
{
	struct rdir *d;

	for (size_t i = 0; i < r->ndirs; i++)
		if (strcmp(r->dirs[i].local, local) == 0)
			return &r->dirs[i];
	/* Jobs point at dirs: the array is sized once, before any job. */
	if (r->ndirs == r->dirs_cap)
		return NULL;
	d = &r->dirs[r->ndirs];
	memset(d, 0, sizeof(*d));
	if ((d->local = strdup(local)) == NULL)
		return NULL;
	if (make_dirs(local, &d->created) < 0) {
		log_error("Cannot create %s: %s", local, strerror(errno));
		free(d->local);
		return NULL;
	}
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		log_error("Cannot set up %s: %s", local, strerror(errno));
		free(d->local);
		return NULL;
	}
	r->ndirs++;
	return d;
}

static int
add_job(struct run *r, struct rdir *d, const char *key, const char *name,
    const char *listing)
{
	struct job *j;

	if (r->njobs == r->jcap) {
		size_t cap = r->jcap ? r->jcap * 2 : 64;
		struct job *g = reallocarray(r->jobs, cap, sizeof(*g));

		if (g == NULL)
			return -1;
		r->jobs = g;
		r->jcap = cap;
	}
	j = &r->jobs[r->njobs];
	memset(j, 0, sizeof(*j));
	j->dir = d;
	j->key = strdup(key);
	j->name = strdup(name);
	j->listing = strdup(listing);
	if (j->key == NULL || j->name == NULL || j->listing == NULL) {
		free(j->key);
		free(j->name);
		free(j->listing);
		return -1;
	}
	r->njobs++;
	return 0;
}

/* ---- one file ---- */

struct sink_state {
	int fd;
	struct md5_ctx md5;
	long long bytes;
};

static int
sink_write(void *arg, const void *buf, size_t len)
{
	struct sink_state *s = arg;
	const char *p = buf;

	if (companion_stopped())
		return -1;
	md5_update(&s->md5, buf, len);
	s->bytes += (long long)len;
	while (len > 0) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
sink_reset(void *arg)
{
	struct sink_state *s = arg;

	md5_init(&s->md5);
	s->bytes = 0;
	if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
		return -1;
	return 0;
}

static int
file_md5(const char *path, char hex[33])
{
	unsigned char *buf = malloc(READ_BUF), d[16];
	struct md5_ctx mc;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r = -1;
	ssize_t n;

	if (fd >= 0 && buf != NULL) {
		md5_init(&mc);
		while ((n = read(fd, buf, READ_BUF)) > 0 ||
		    (n < 0 && errno == EINTR))
			if (n > 0)
				md5_update(&mc, buf, (size_t)n);
		if (n == 0) {
			md5_final(&mc, d);
			hex_encode(d, sizeof(d), hex);
			r = 0;
		}
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

/* What a restored file gets: owner and group (when set) and its mode. */
struct perms {
	int set_uid, set_gid;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

/* -o/-g, then with -p what x-amz-meta-stat says: names when they exist
 * here (as tar does), else the numeric ids. */
static void
file_perms(const struct run *r, const struct job *j, const char *stat_json,
    struct perms *p)
{
	struct restore_stat st;

	p->set_uid = r->have_uid;
	p->uid = r->uid;
	p->set_gid = r->have_gid;
	p->gid = r->gid;
	p->mode = 0666 & ~r->umask;
	if (!r->o->preserve)
		return;
	if (stat_json == NULL || restore_parse_stat(stat_json, &st) < 0) {
		log_warning("No usable x-amz-meta-stat on %s: its owner and "
		    "mode are not restored", j->key);
		return;
	}
	if (st.user != NULL && acct_user_id(st.user, &p->uid) == 0)
		p->set_uid = 1;
	else if (st.has_uid) {
		p->uid = (uid_t)st.uid;
		p->set_uid = 1;
	}
	if (st.group != NULL && acct_group_id(st.group, &p->gid) == 0)
		p->set_gid = 1;
	else if (st.has_gid) {
		p->gid = (gid_t)st.gid;
		p->set_gid = 1;
	}
	if (st.has_mode)
		p->mode = (mode_t)(st.mode & 07777);
	restore_stat_free(&st);
}

/* A directory this run created takes the owner of its files. */
static void
note_dir_owner(const struct run *r, struct rdir *d, const struct perms *p)
{
	if (!d->created || !r->o->preserve)
		return;
	pthread_mutex_lock(&d->lock);
	if (!d->owner_known) {
		d->owner_known = 1;
		d->uid = p->set_uid ? p->uid : (uid_t)-1;
		d->gid = p->set_gid ? p->gid : (gid_t)-1;
	}
	pthread_mutex_unlock(&d->lock);
}

/* Owner, group, mode, then the data on disk, then the name. */
static enum outcome
land(const struct run *r, struct job *j, int fd, const char *tmp,
    const char *dest, const char *stat_json)
{
	struct perms p;
	enum outcome res = DONE;

	file_perms(r, j, stat_json, &p);
	/* chown first: it may clear set-id bits that chmod then sets. */
	if ((p.set_uid || p.set_gid) && fchown(fd, p.set_uid ? p.uid :
	    (uid_t)-1, p.set_gid ? p.gid : (gid_t)-1) < 0) {
		log_error("Cannot give %s to %ld:%ld: %s", dest,
		    p.set_uid ? (long)p.uid : -1L,
		    p.set_gid ? (long)p.gid : -1L, strerror(errno));
		res = FAILED;
	}
	if (fchmod(fd, p.mode) < 0) {
		log_error("Cannot set the mode of %s: %s", dest,
		    strerror(errno));
		res = FAILED;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		log_error("Cannot write %s: %s", dest, strerror(errno));
		unlink(tmp);
		return FAILED;
	}
	if (rename(tmp, dest) < 0) {
		log_error("Cannot rename %s to %s: %s", tmp, dest,
		    strerror(errno));
		unlink(tmp);
		return FAILED;
	}
	note_dir_owner(r, j->dir, &p);
	return res;
}

/* Checks what came against what S3 says the object is. */
static int
verify(const struct job *j, const struct sink_state *s,
    const struct s3_get_info *info, int attempt)
{
	unsigned char d[16];
	char got[33], want[33];
	struct md5_ctx mc = s->md5;

	md5_final(&mc, d);
	hex_encode(d, sizeof(d), got);
	if (info->size >= 0 && s->bytes != info->size) {
		log_error("Download of %s ended after %lld of %lld bytes "
		    "(attempt %d of %d)", j->key, s->bytes, info->size,
		    attempt, TRIES);
		return -1;
	}
	if (restore_expected_md5(info->md5sum, info->etag, want) == 0) {
		log_warning("Cannot verify %s: no md5sum metadata and a "
		    "multipart ETag", j->key);
		return 0;
	}
	if (strcmp(got, want) != 0) {
		log_error("MD5 mismatch for %s: S3 says %s, the download is "
		    "%s (attempt %d of %d)", j->key, want, got, attempt, TRIES);
		return -1;
	}
	return 0;
}

/* One download attempt into a temporary file next to dest. *again is set
 * when another attempt may succeed. */
static enum outcome
download(const struct run *r, struct job *j, const char *dest, int attempt,
    int *again)
{
	struct sink_state s = { .fd = -1 };
	struct s3_sink sink = { sink_write, sink_reset, &s };
	struct s3_get_info info;
	char *tmp, err[S3_ERRLEN];
	enum outcome res = FAILED;
	int g, slot;

	*again = 0;
	if (str_afmt(&tmp, "%s/.tableslurp-XXXXXX", j->dir->local) < 0)
		return FAILED;
	if ((s.fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		log_error("Cannot create a file in %s: %s", j->dir->local,
		    strerror(errno));
		free(tmp);
		return FAILED;
	}
	/* A second signal removes it; the first ends the GET below. */
	slot = companion_temp_add(tmp);
	md5_init(&s.md5);
	g = s3_get_object(r->s3, j->key, &sink, &info, err);
	if (g == 1 && verify(j, &s, &info, attempt) == 0) {
		res = land(r, j, s.fd, tmp, dest, info.stat);
		s.fd = -1;
	} else if (g == 0) {
		log_warning("%s is in %s but not in S3 (a directory, or a file "
		    "gone before its upload): skipped", j->key, j->listing);
		res = MISSING;
	} else {
		if (g < 0)
			log_error("Failed to download %s (attempt %d of %d): "
			    "%s", j->key, attempt, TRIES,
			    companion_stopped() ? "interrupted" : err);
		*again = !companion_stopped();
	}
	if (s.fd >= 0) {
		close(s.fd);
		unlink(tmp);
	}
	companion_temp_remove(slot);
	s3_get_info_free(&info);
	free(tmp);
	return res;
}

/* 1: the local file is the object (same size and MD5), 0: it is not or
 * cannot be told, -1: the object does not exist. */
static int
identical(const struct run *r, const struct job *j, const char *dest,
    const struct stat *st)
{
	struct s3_object_info info;
	char err[S3_ERRLEN], want[33], got[33];
	int h = s3_head_object(r->s3, j->key, &info, err);

	if (h <= 0) {
		if (h < 0)
			log_warning("Cannot look up %s: %s", j->key, err);
		return h == 0 ? -1 : 0;
	}
	if (info.size != (long long)st->st_size) {
		log_info("%s and %s size differs, will re-download", j->key,
		    dest);
		return 0;
	}
	if (restore_expected_md5(info.md5sum, info.etag, want) == 0 ||
	    file_md5(dest, got) < 0)
		return 0;
	if (strcmp(want, got) != 0) {
		log_info("%s and %s differ (MD5), will re-download", j->key,
		    dest);
		return 0;
	}
	return 1;
}

static enum outcome
restore_job(const struct run *r, struct job *j)
{
	struct stat st;
	enum outcome res = FAILED;
	char *dest;
	int again = 1, same, exists;

	if (str_afmt(&dest, "%s/%s", j->dir->local, j->name) < 0)
		return FAILED;
	exists = lstat(dest, &st) == 0;
	if ((!exists && errno != ENOENT) || (exists && !S_ISREG(st.st_mode))) {
		log_error("%s: %s: not restored", dest, exists ?
		    "exists and is not a regular file" : strerror(errno));
		free(dest);
		return FAILED;
	}
	if (exists && !r->o->force &&
	    (same = identical(r, j, dest, &st)) != 0) {
		if (same > 0)
			log_info("Keeping %s: identical to %s", dest, j->key);
		else
			log_warning("%s is in %s but not in S3: skipped",
			    j->key, j->listing);
		free(dest);
		return same > 0 ? KEPT : MISSING;
	}
	log_info("Downloading %s from %s to %s", j->key, r->o->bucket, dest);
	for (int attempt = 1; again && attempt <= TRIES; attempt++)
		res = download(r, j, dest, attempt, &again);
	if (again)
		log_error("Tried to download %s %d times.  Giving up", j->key,
		    TRIES);
	free(dest);
	return res;
}

static void
job_thread(void *ctx, size_t i)
{
	struct run *r = ctx;
	struct job *j = &r->jobs[i];

	j->result = companion_stopped() ? FAILED : restore_job(r, j);
}

/* ---- what to restore ---- */

/* The names a listing gives for dir, as jobs into d. */
static int
listing_jobs(struct run *r, struct rdir *d, const char *listing_key,
    const char *dir, const char *body, size_t len, size_t *count)
{
	char err[128], *base, *key;
	struct jr_value *v = jr_parse(body, len, err, sizeof(err));
	const struct jr_value *set;
	int ret = 0;

	*count = 0;
	if (v == NULL) {
		log_error("Listing %s is not valid JSON: %s", listing_key, err);
		return -1;
	}
	set = jr_member(v, dir, strlen(dir));
	if (set == NULL || set->type != JR_ARRAY ||
	    (base = companion_key(&r->o->c, r->name, dir, "/")) == NULL) {
		log_error("Listing %s has no file list for %s", listing_key,
		    dir);
		jr_free(v);
		return -1;
	}
	for (size_t i = 0; i < set->len && ret == 0; i++) {
		const struct jr_value *it = &set->items[i];

		if (it->type != JR_STRING ||
		    !companion_safe_name(it->str, it->len)) {
			log_error("Listing %s names a file that cannot be "
			    "restored: %s", listing_key, it->type == JR_STRING ?
			    it->str : "(not a string)");
			r->fatal++;
			continue;
		}
		if (str_afmt(&key, "%s%s", base, it->str) < 0)
			ret = -1;
		else {
			ret = add_job(r, d, key, it->str, listing_key);
			free(key);
		}
	}
	*count = set->len;
	free(base);
	jr_free(v);
	return ret;
}

static char *
join(const char *a, const char *b)
{
	char *s;

	if (b[0] == '\0')
		return strdup(a);
	if (str_afmt(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

/* One table: its listing, its directory, its jobs. */
static int
plan_table(struct run *r, const char *origin, const struct restore_table *t)
{
	char *dir = join(origin, t->rel), *local = join(r->target, t->rel);
	char *body = NULL, err[S3_ERRLEN];
	size_t len, count;
	struct rdir *d;
	int g, ret = -1;

	if (dir == NULL || local == NULL)
		goto out;
	g = s3_get_small(r->s3, t->listing_key, MAX_LISTING, &body, &len,
	    NULL, err);
	if (g <= 0) {
		if (g == 0)
			log_error("Cannot find anything to restore from %s:%s",
			    r->o->bucket, t->listing_key);
		else
			log_error("Cannot read %s: %s", t->listing_key, err);
		goto out;
	}
	if ((d = add_dir(r, local)) == NULL ||
	    listing_jobs(r, d, t->listing_key, dir, body, len, &count) < 0)
		goto out;
	if (r->o->recursive)
		log_info("Found %s with %zu files", t->rel, count);
	else
		log_info("Fileset contains %zu files to download", count);
	ret = 0;
out:
	free(body);
	free(dir);
	free(local);
	return ret;
}

/* The commit log segments newer than since_ms. */
static int
plan_commitlogs(struct run *r, const char *cl_dir, long long since_ms)
{
	struct s3_list l = { 0 };
	char *base = companion_key(&r->o->c, r->name, cl_dir, "/");
	char *local = NULL, err[S3_ERRLEN], when[32];
	const char *last = strrchr(cl_dir, '/');
	struct rdir *d = NULL;
	size_t n = 0;
	int ret = -1;

	if (base == NULL || str_afmt(&local, "%s/%s", r->target,
	    last + 1) < 0) {
		local = NULL;
		goto out;
	}
	if (s3_list_objects(r->s3, base, "/", &l, err) < 0) {
		log_error("Cannot list %s: %s", base, err);
		goto out;
	}
	ret = 0;
	for (size_t i = 0; i < l.n && ret == 0; i++) {
		const struct s3_entry *e = &l.entries[i];
		const char *fname = e->key + strlen(base);

		if (strncmp(e->key, base, strlen(base)) != 0 ||
		    !restore_commitlog_wanted(fname, e->mtime_ms, since_ms))
			continue;
		if (d == NULL && (d = add_dir(r, local)) == NULL)
			ret = -1;
		else if ((ret = add_job(r, d, e->key, fname, base)) == 0)
			n++;
	}
	companion_format_time(since_ms, when);
	log_info("Found %zu commit log segments in %s newer than %s", n,
	    cl_dir, when);
out:
	s3_list_free(&l);
	free(base);
	free(local);
	return ret;
}

static long
find_tables(struct run *r, const char *base, struct restore_table **t)
{
	const struct restore_opts *o = r->o;
	struct s3_list l = { 0 };
	char err[S3_ERRLEN];
	long n;

	if (o->file != NULL) {
		/* -f: the listing of that file, whenever it was written. */
		if ((*t = calloc(1, sizeof(**t))) == NULL)
			return -1;
		if (((*t)->rel = strdup("")) == NULL ||
		    str_afmt(&(*t)->listing_key, "%s%s%s", base, o->file,
		    ends_with(o->file, strlen(o->file), LISTING_SUFFIX) ? "" :
		    LISTING_SUFFIX) < 0) {
			free((*t)->rel);
			free(*t);
			*t = NULL;
			return -1;
		}
		return 1;
	}
	if (s3_list_objects(r->s3, base, o->recursive ? NULL : "/", &l,
	    err) < 0) {
		log_error("Cannot list %s:%s: %s", o->bucket, base, err);
		return -2;
	}
	n = restore_find_tables(&l, base, o->recursive ? 2 : 0,
	    o->c.as_of_given ? o->c.as_of_ms : -1, t);
	s3_list_free(&l);
	return n;
}

static int
plan(struct run *r, const char *origin, const char *cl_dir)
{
	struct restore_table *t = NULL;
	char *base = companion_key(&r->o->c, r->name, origin, "/");
	long long since = -1;
	long n;

	log_info("Building fileset");
	n = base != NULL ? find_tables(r, base, &t) : -1;
	if (n == 0)
		log_error("Cannot find anything to restore from %s:%s",
		    r->o->bucket, base);
	if (n == -1)
		log_error("Out of memory");
	r->dirs_cap = n > 0 ? (size_t)n + 1 : 0;	/* + the commit logs */
	if (n <= 0 || (r->dirs = calloc(r->dirs_cap, sizeof(*r->dirs))) ==
	    NULL) {
		restore_tables_free(t, n > 0 ? (size_t)n : 0);
		free(base);
		return -1;
	}
	for (long i = 0; i < n; i++) {
		if (plan_table(r, origin, &t[i]) < 0)
			r->fatal++;
		if (since < 0 || t[i].listing_ms < since)
			since = t[i].listing_ms;
	}
	if (cl_dir != NULL && plan_commitlogs(r, cl_dir, since) < 0)
		r->fatal++;
	restore_tables_free(t, (size_t)n);
	free(base);
	return 0;
}

/* ---- the end of the run ---- */

static void
finish_dirs(const struct run *r)
{
	for (size_t i = 0; i < r->ndirs; i++) {
		struct rdir *d = &r->dirs[i];
		uid_t uid = r->have_uid ? r->uid : (uid_t)-1;
		gid_t gid = r->have_gid ? r->gid : (gid_t)-1;
		int fd;

		if (d->owner_known) {
			uid = d->uid;
			gid = d->gid;
		}
		if (d->created && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
		    chown(d->local, uid, gid) < 0)
			log_warning("Cannot give %s to %ld:%ld: %s", d->local,
			    (long)uid, (long)gid, strerror(errno));
		/* The renames are durable once the directory is. */
		fd = open(d->local, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) < 0)
			log_warning("Cannot sync %s: %s", d->local,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
	}
}

static int
summary(const struct run *r)
{
	unsigned long n[4] = { 0 };

	for (size_t i = 0; i < r->njobs; i++)
		n[r->jobs[i].result]++;
	log_info("My job is done.");
	log_info("Restored %lu files, kept %lu identical, %lu listed but not "
	    "in S3, %lu failed", n[DONE], n[KEPT], n[MISSING],
	    n[FAILED] + r->fatal);
	if (companion_stopped())
		log_error("Interrupted: the restore is incomplete");
	return n[FAILED] + r->fatal > 0 || companion_stopped() ? 1 : 0;
}

static void
free_run(struct run *r)
{
	for (size_t i = 0; i < r->njobs; i++) {
		free(r->jobs[i].key);
		free(r->jobs[i].name);
		free(r->jobs[i].listing);
	}
	for (size_t i = 0; i < r->ndirs; i++) {
		free(r->dirs[i].local);
		pthread_mutex_destroy(&r->dirs[i].lock);
	}
	free(r->jobs);
	free(r->dirs);
	free(r->name);
	free(r->target);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static int
usage_error(const char *msg)
{
	log_print(STDERR_FILENO, "%stableslurp: error: %s\n", restore_usage, msg);
	return 2;
}

/* -o and -g, resolved once. */
static int
resolve_owner(struct run *r)
{
	const struct restore_opts *o = r->o;

	if (o->owner != NULL && resolve_user(o->owner, &r->uid) < 0) {
		log_critical("User %s does not exist", o->owner);
		return -1;
	}
	if (o->group != NULL && resolve_group(o->group, &r->gid) < 0) {
		log_critical("Group %s does not exist", o->group);
		return -1;
	}
	r->have_uid = o->owner != NULL;
	r->have_gid = o->group != NULL;
	return 0;
}

int
restore_main(int argc, char **argv, const struct companion_hooks *h)
{
	struct restore_opts o;
	struct run r = { .o = &o };
	struct options so;
	char err[512], *origin = NULL, *cl_dir = NULL;
	int status = 1;

	log_init("tableslurp", env("TABLESNAP_SYSLOG") != NULL,
	    env("TDEBUG") != NULL);
	switch (restore_parse(argc, argv, &o, err, sizeof(err))) {
	case CLI_OK:
		break;
	case CLI_HELP:
		log_print(STDOUT_FILENO, "%s\n", restore_usage);
		log_print_all(STDOUT_FILENO, restore_help);
		return 0;
	case CLI_VERSION:
		log_print(STDOUT_FILENO, "tableslurp %s\n", TABLESNAP_VERSION);
		return 0;
	case CLI_USAGE:
		return usage_error(err);
	}
	if ((origin = companion_path(o.origin)) == NULL)
		return usage_error("argument origin: an absolute path, as "
		    "tablesnap saw it");
	if (o.commitlogs != NULL && ((cl_dir = companion_path(o.commitlogs))
	    == NULL || cl_dir[0] == '\0')) {
		free(origin);
		free(cl_dir);
		return usage_error("argument --commitlogs: an absolute path "
		    "below /");
	}
	if ((r.target = strdup(o.target)) != NULL)
		for (size_t n = strlen(r.target); n > 1 &&
		    r.target[n - 1] == '/'; n--)
			r.target[n - 1] = '\0';
	r.umask = umask(022);
	umask(r.umask);
	r.name = o.c.name ? strdup(o.c.name) : h->fqdn();
	if (r.name == NULL || r.target == NULL)
		log_critical("Cannot find the host name (give -n)");
	else if (resolve_owner(&r) == 0) {
		if (common_to_options(&o.c, o.bucket, &so) < 0) {
			log_critical("Out of memory");
			goto out;
		}
		companion_signals();
		r.s3 = h->s3_open(&so);
		if (plan(&r, origin, cl_dir) == 0) {
			companion_parallel(r.njobs, o.threads, job_thread, &r);
			finish_dirs(&r);
			status = summary(&r);
		}
		options_free(&so);
	}
out:
	s3_client_free(r.s3);
	free_run(&r);
	free(origin);
	free(cl_dir);
	return status;
}
