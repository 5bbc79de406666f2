/* restore.c: tableslurp. Finds the listing(s) to restore with one
 * ListObjectsV2 sweep, then downloads the named files in parallel, each to
 * a temporary name, MD5-checked, fsynced, owned and renamed into place. */
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "help.h"
#include "jsonread.h"
#include "keyset.h"
#include "listing.h"
#include "log.h"
#include "md5.h"
#include "restore.h"
#include "setup.h"

#define TRIES		3	/* downloads of one file before giving up */

/* Beside companion_options and common_options. */
static const struct cli_opt restore_rows[] = {
	CLI_STR('k', NULL, struct restore_opts, c.aws_key),	/* --aws-key */
	CLI_STR('s', NULL, struct restore_opts, c.aws_secret),
	CLI_SET('p', "preserve", struct restore_opts, preserve, 1),
	CLI_STR('o', "owner", struct restore_opts, owner),
	CLI_STR('g', "group", struct restore_opts, group),
	CLI_NUM('t', "threads", struct restore_opts, threads, 1, 256),
	CLI_STR('f', "file", struct restore_opts, file),
	CLI_SET('r', "recursive", struct restore_opts, recursive, 1),
	CLI_STR(0, "commitlogs", struct restore_opts, commitlogs),
	CLI_SET(0, "force", struct restore_opts, force, 1),
	CLI_SET(0, "preserve-special-bits", struct restore_opts,
	    preserve_special, 1),
	CLI_SET(0, "allow-incomplete", struct restore_opts, allow_incomplete,
	    1),
	CLI_SET(0, "keep-table-ids", struct restore_opts, keep_table_ids, 1),
	CLI_END,
};

const char restore_usage[] =
    "usage: tableslurp [-h] [-k AWS_KEY] [-s AWS_SECRET] [--token TOKEN]\n"
    "                  [--aws-region REGION] [-p] [-o OWNER] [-g GROUP]\n"
    "                  [-t THREADS] [-f FILE | -r] [--commitlogs DIR]\n"
    "                  [--force] [--preserve-special-bits]\n"
    "                  [--allow-incomplete] [--keep-table-ids] [-n NAME]\n"
    "                  [-P PREFIX] [--keyname-separator SEP]\n"
    "                  [--endpoint URL] [--ca-file PEM]\n"
    "                  [--path-style | --virtual-host] [--retries N]\n"
    "                  [--as-of TIME] [--version]\n"
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
    "                        overrides -o and -g where it is known;\n"
    "                        never setuid, setgid or sticky bits\n"
    "  -o, --owner OWNER     owner of the restored files (name or uid;\n"
    "                        default: the user running the restore)\n"
    "  -g, --group GROUP     group of the restored files (name or gid)\n"
    "  -t, --threads N       downloads at once (default: 4)\n"
    "  -f, --file FILE       restore the listing FILE-listdir.json (FILE\n"
    "                        is a file name in origin) instead of the\n"
    "                        newest one\n"
    "  -r, --recursive       restore every table origin/<keyspace>/<table>\n"
    "                        into target/<keyspace>/<table>[-<new id>]\n"
    "  --allow-incomplete    the newest listing, not the newest complete\n"
    "  --keep-table-ids      with -r, never into a table's new id\n"
    "  --commitlogs DIR      also restore the commit log segments of DIR\n"
    "                        newer than the oldest restored listing, into\n"
    "                        target/<last component of DIR>\n"
    "  --force               download even files already there and\n"
    "                        identical (same size and MD5)\n"
    "  --preserve-special-bits\n"
    "                        with -p, also the setuid, setgid and sticky\n"
    "                        bits of the metadata\n",
    HELP_KEYS,
    HELP_TLS,
    HELP_SSE_C,
    HELP_RETRIES,
    "  --as-of TIME          point in time: the newest listings uploaded\n"
    "                        at or before TIME (2024-05-01T12:00:00Z,\n",
    HELP_TIME_FORMS,
    "\n"
    "Exit status: 0 when every file the listings name is in place and\n"
    "verified; 1 when any could not be restored (missing from the bucket,\n"
    "refused as a name or a directory outside the target, or failed,\n"
    "or two directories of one table in the target), each named on its\n"
    "own line; 2 for a bad command line.\n",
    NULL,
};

static const struct cli_table restore_tables[] = {
	{ restore_rows, 0 },
	{ companion_options, offsetof(struct restore_opts, c) },
	{ common_options, offsetof(struct restore_opts, c) },
};

const struct cli_program restore_program = {
	"tableslurp", restore_usage, restore_help, restore_tables,
	sizeof(restore_tables) / sizeof(restore_tables[0]), 1,
};

/* ---- the command line ---- */

enum cli_result
restore_parse(int argc, char **argv, struct restore_opts *o, char *err,
    size_t errlen)
{
	const char *pos[3];
	size_t npos;
	enum cli_result r;

	memset(o, 0, sizeof(*o));
	common_defaults(&o->c);
	o->threads = 4;
	r = cli_parse(&restore_program, argc, argv, o, pos, 3, &npos, err,
	    errlen);
	if (r != CLI_OK)
		return r;
	if (npos < 3)
		return companion_required(err, errlen, "bucket, origin, target",
		    npos);
	o->bucket = pos[0];
	o->origin = pos[1];
	o->target = pos[2];
	if (o->file != NULL && (o->recursive || o->commitlogs != NULL))
		return cli_fail(err, errlen, "argument -f/--file: not allowed "
		    "with argument %s", o->recursive ? "-r/--recursive" :
		    "--commitlogs");
	if (o->bucket[0] == '\0')
		return cli_fail(err, errlen, "argument bucket: empty bucket "
		    "name");
	if (o->target[0] == '\0')
		return cli_fail(err, errlen, "argument target: empty path");
	if (o->file != NULL && (o->file[0] == '\0' ||
	    strchr(o->file, '/') != NULL))
		return cli_fail(err, errlen, "argument -f/--file: a file name "
		    "of origin, without '/'");
	return CLI_OK;
}

/* ---- pure rules ---- */

size_t
restore_table_len(const char *name)
{
	size_t n = strlen(name);

	if (n < 34 || name[n - 33] != '-' ||
	    strspn(name + n - 32, "0123456789abcdef") != 32)
		return 0;
	return n - 33;
}

long
restore_map_table(const char *name, const char *const *dirs, size_t n,
    size_t two[2])
{
	size_t len = restore_table_len(name);
	long found = -1;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (restore_table_len(dirs[i]) != len ||
		    strncmp(dirs[i], name, len) != 0)
			continue;
		if (found >= 0) {
			two[0] = (size_t)found;
			two[1] = i;
			return -2;
		}
		found = (long)i;
	}
	return found;
}

/* n bytes in tenths of a MiB */
#define TENTHS(n)	((n) * 10 / (1024 * 1024))

int
restore_progress_line(const struct restore_progress *p, char *out,
    size_t len)
{
	long long rate = p->elapsed_ms > 0 ? TENTHS(p->bytes_done) * 1000 /
	    p->elapsed_ms : 0, t = TENTHS(p->bytes), d = TENTHS(p->bytes_done);
	long long rest = p->bytes - p->bytes_done;
	char left[24] = "?";
	int n;

	if (rest <= 0 || p->bytes_done > 0)
		snprintf(left, sizeof(left), "%lld", rest <= 0 ? 0 :
		    rest / 1000 * p->elapsed_ms / p->bytes_done + 1);
	n = snprintf(out, len, "Progress: %zu of %zu files, %lld.%lld of "
	    "%lld.%lld MiB, %lld.%lld MiB/s, about %ss left", p->files_done,
	    p->files, d / 10, d % 10, t / 10, t % 10, rate / 10, rate % 10,
	    left);
	return n < 0 || (size_t)n >= len ? -1 : 0;
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
	char *local;			/* target/rel, for messages */
	int fd;				/* opened below the target */
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
	SUBDIR,		/* listed, no object: a directory the original listed */
	FAILED,
};

struct job {
	struct rdir *dir;
	char *key;		/* the object */
	char *name;		/* file name in dir */
	char *listing;		/* where it was listed (for messages) */
	long long size;		/* from the sweep; -1 when not known */
	enum outcome result;
};

/* Shared by the downloads, read by the progress line. */
struct progress {
	atomic_llong bytes;		/* downloaded or kept */
	atomic_size_t files;		/* finished, however */
	long long total;		/* of the sizes known */
	long long start;		/* companion_now_ms() */
};

struct run {
	const struct restore_opts *o;
	struct s3_client *s3;
	char *name;			/* host name in the keys */
	char *target;			/* o->target without a final '/' */
	int tfd;			/* target, once created and opened */
	int target_created;
	int have_uid, have_gid;		/* -o / -g */
	uid_t uid;
	gid_t gid;
	mode_t umask;
	struct rdir *dirs;
	size_t ndirs, dirs_cap;
	struct job *jobs;
	size_t njobs, jcap;
	unsigned long fatal;		/* failures outside the jobs */
	struct progress *prog;
	/* While planning: what the listing of the tables found (NULL with
	 * -f): each object's key, and each directory prefix ("<key>/")
	 * that keys continue under. */
	struct keyset *seen;
};

/* -o or -g (group): a name, else a number. 0 and *v, or -1. */
static int
resolve_id(const char *s, int group, unsigned long *v)
{
	uid_t uid;
	gid_t gid;
	char *end;

	if (group ? acct_group_id(s, &gid) == 0 : acct_user_id(s, &uid) == 0) {
		*v = group ? (unsigned long)gid : (unsigned long)uid;
		return 0;
	}
	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s == '\0' || *end != '\0' || errno != 0 ||
	    *v > 0xfffffffeUL ? -1 : 0;
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

/* The target directory: created (as given, links followed: it is the
 * user's) and opened once; everything below it is reached from this
 * descriptor. */
static int
target_fd(struct run *r)
{
	if (r->tfd >= 0)
		return r->tfd;
	if (make_dirs(r->target, &r->target_created) < 0 ||
	    (r->tfd = open(r->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	    0) {
		log_error("Cannot create %s: %s", r->target, strerror(errno));
		return -1;
	}
	return r->tfd;
}

/*
 * rel (listing_safe_rel) below the target, one component at a time with
 * mkdirat and openat(O_NOFOLLOW): a component that is a symbolic link
 * (to anywhere) is refused, not followed. The descriptor, or -1 (logged).
 */
static int
open_below(struct run *r, const char *rel, const char *local, int *created)
{
	int fd = target_fd(r), next;
	const char *p = rel;

	*created = r->target_created;
	if (fd < 0)
		return -1;
	if ((fd = dup(fd)) < 0) {
		log_error("Cannot open %s: %s", local, strerror(errno));
		return -1;
	}
	while (*p != '\0') {
		size_t n = strcspn(p, "/");
		char *comp = strndup(p, n);

		if (comp == NULL) {
			close(fd);
			return -1;
		}
		*created = mkdirat(fd, comp, 0755) == 0;
		if (!*created && errno != EEXIST) {
			log_error("Cannot create %s: %s", local,
			    strerror(errno));
			next = -1;
		} else if ((next = openat(fd, comp, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) < 0 && (errno == ELOOP ||
		    errno == ENOTDIR)) {
			struct stat st;
			int link = fstatat(fd, comp, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);

			log_error("Cannot create %s: %s %s", local, comp, link ?
			    "is a symbolic link, not followed" :
			    "is not a directory");
		} else if (next < 0)
			log_error("Cannot create %s: %s", local,
			    strerror(errno));
		free(comp);
		close(fd);
		if ((fd = next) < 0)
			return -1;
		p += n + (p[n] == '/');
	}
	return fd;
}

static struct rdir *
add_dir(struct run *r, const char *rel)
{
	struct rdir *d;
	char *local;

	if (!listing_safe_rel(rel, strlen(rel)))
		return NULL;	/* never: rel was checked */
	if (rel[0] == '\0')
		local = strdup(r->target);
	else if (asprintf(&local, "%s/%s", r->target, rel) < 0)
		local = NULL;
	if (local == NULL)
		return NULL;
	for (size_t i = 0; i < r->ndirs; i++)
		if (strcmp(r->dirs[i].local, local) == 0) {
			free(local);
			return &r->dirs[i];
		}
	/* Jobs point at dirs: the array is sized once, before any job. */
	if (r->ndirs == r->dirs_cap) {
		free(local);
		return NULL;
	}
	d = &r->dirs[r->ndirs];
	memset(d, 0, sizeof(*d));
	d->local = local;
	if ((d->fd = open_below(r, rel, local, &d->created)) < 0) {
		free(d->local);
		return NULL;
	}
	if (pthread_mutex_init(&d->lock, NULL) != 0) {
		log_error("Cannot set up %s: %s", local, strerror(errno));
		close(d->fd);
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
	long long size = r->seen != NULL ? keyset_size(r->seen, key) : -1;
	struct job *j = array_grow(r->jobs, &r->jcap, r->njobs + 1,
	    sizeof(*j));

	if (j == NULL)
		return -1;
	r->jobs = j;
	j = &r->jobs[r->njobs];
	memset(j, 0, sizeof(*j));
	j->dir = d;
	j->key = strdup(key);
	j->name = strdup(name);
	j->listing = strdup(listing);
	j->size = size;
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

/* The MD5 of the regular file name in dirfd (never through a link). */
static int
file_md5(int dirfd, const char *name, char hex[33])
{
	struct stat st;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC), r = -1;

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		r = companion_md5_fd(fd, hex);
	if (fd >= 0)
		close(fd);
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
	/* Set-id and sticky bits only when asked: a bucket anyone can write
	 * to must not hand out setuid files. */
	if (st.has_mode)
		p->mode = (mode_t)(st.mode & (r->o->preserve_special ? 07777 :
		    0777));
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

/* Owner, group, mode, then the data on disk, then the name. tmp is the
 * temporary's name in the job's directory; dest names the file in
 * messages. */
static enum outcome
land(const struct run *r, struct job *j, int fd, const char *tmp,
    const char *dest, const char *stat_json)
{
	int dfd = j->dir->fd;
	struct perms p;
	enum outcome res = DONE;
	int synced;

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
	synced = fsync(fd) == 0;
	if (close(fd) < 0 || !synced) {
		log_error("Cannot write %s: %s", dest, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return FAILED;
	}
	/* rename(2) replaces a link planted at the name, never follows it. */
	if (renameat(dfd, tmp, dfd, j->name) < 0) {
		log_error("Cannot rename %s/%s to %s: %s", j->dir->local, tmp,
		    dest, strerror(errno));
		unlinkat(dfd, tmp, 0);
		return FAILED;
	}
	note_dir_owner(r, j->dir, &p);
	return res;
}

/* Checks what came against what S3 says the object is. */
static int
verify(const struct job *j, const struct companion_sink *s,
    const struct s3_get_info *info, int attempt)
{
	char got[33], want[33];
	struct md5_ctx mc = s->md5;

	companion_md5_hex(&mc, got);
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

/* A new temporary file in dirfd, created without following anything
 * planted there (O_CREAT|O_EXCL|O_NOFOLLOW) under a random name: its fd,
 * its name in name (".tableslurp-" and 16 hex digits), or -1. */
static int
create_temporary(int dirfd, char name[32])
{
	unsigned char rnd[8];
	struct timespec ts;

	for (int tries = 0; tries < 100; tries++) {
		int fd;

		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(rnd)) {
			/* No entropy yet: a name is not a secret here. */
			clock_gettime(CLOCK_REALTIME, &ts);
			for (size_t i = 0; i < sizeof(rnd); i++)
				rnd[i] = (unsigned char)((unsigned long)
				    ts.tv_nsec >> (i * 3) ^ (unsigned)tries ^
				    (unsigned)getpid() >> i);
		}
		memcpy(name, ".tableslurp-", 12);
		hex_encode(rnd, sizeof(rnd), name + 12);	/* and the NUL */
		fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* A listed name S3 does not hold. The original listed a table
 * directory's subdirectories too ("snapshots", "backups", ".<index>"):
 * those the bucket has keys under never get here (bucket_dir); for the
 * others (-f, nothing uploaded under them) a name without an extension
 * is taken for one of them, since every file Cassandra writes has one
 * (-Data.db, -TOC.txt, .log...). */
static enum outcome
not_in_s3(const struct job *j)
{
	if (strchr(j->name + 1, '.') == NULL) {
		log_info("%s is in %s but not in S3: a directory the original "
		    "tablesnap listed, passed over", j->key, j->listing);
		return SUBDIR;
	}
	log_error("%s is in %s but not in S3: %s/%s not restored", j->key,
	    j->listing, j->dir->local, j->name);
	return MISSING;
}

/* One download attempt into a temporary file next to dest. *again is set
 * when another attempt may succeed. */
static enum outcome
download(const struct run *r, struct job *j, const char *dest, int attempt,
    int *again)
{
	struct companion_sink s = { .fd = -1, .done = &r->prog->bytes };
	struct s3_sink sink;
	struct s3_get_info info;
	struct s3_error err;
	char tmp[32];
	enum outcome res = FAILED;
	int g, slot;

	*again = 0;
	if ((s.fd = create_temporary(j->dir->fd, tmp)) < 0) {
		log_error("Cannot create a file in %s: %s", j->dir->local,
		    strerror(errno));
		return FAILED;
	}
	/* A second signal removes it; the first ends the GET below. */
	slot = companion_temp_add(j->dir->fd, tmp);
	companion_sink(&s, &sink);
	g = s3_get_object(r->s3, j->key, &sink, &info, &err);
	if (g == 1 && verify(j, &s, &info, attempt) == 0) {
		res = land(r, j, s.fd, tmp, dest, info.stat);
		s.fd = -1;
	} else if (g == 0) {
		res = not_in_s3(j);
	} else if (s.werr != 0) {
		/* The disk, not the network: another try would not help. */
		log_error("Cannot write %s: %s", dest, strerror(s.werr));
	} else if (g < 0 && strcmp(err.code, "InvalidObjectState") == 0) {
		/* GLACIER, DEEP_ARCHIVE: no GET before a RestoreObject. */
		log_error("%s is in an archive storage class: it needs a "
		    "RestoreObject first; %s not restored", j->key, dest);
	} else {
		if (g < 0)
			log_error("Failed to download %s (attempt %d of %d): "
			    "%s", j->key, attempt, TRIES,
			    companion_stopped() ? "interrupted" : err.text);
		*again = !companion_stopped();
	}
	if (s.fd >= 0) {
		close(s.fd);
		unlinkat(j->dir->fd, tmp, 0);
	}
	if (res != DONE)
		atomic_fetch_sub(s.done, s.bytes);
	companion_temp_remove(slot);
	s3_get_info_free(&info);
	return res;
}

/* 1: the local file is the object (same size and MD5), 0: it is not or
 * cannot be told, -1: the object does not exist. */
static int
identical(const struct run *r, const struct job *j, const char *dest,
    const struct stat *st)
{
	struct s3_object_info info;
	struct s3_error err;
	char want[33], got[33];
	int h = s3_head_object(r->s3, j->key, &info, &err);

	if (h <= 0) {
		if (h < 0)
			log_warning("Cannot look up %s: %s", j->key, err.text);
		return h == 0 ? -1 : 0;
	}
	if (info.size != (long long)st->st_size) {
		log_info("%s and %s size differs, will re-download", j->key,
		    dest);
		return 0;
	}
	if (restore_expected_md5(info.md5sum, info.etag, want) == 0 ||
	    file_md5(j->dir->fd, j->name, got) < 0)
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

	if (asprintf(&dest, "%s/%s", j->dir->local, j->name) < 0)
		return FAILED;
	exists = fstatat(j->dir->fd, j->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if ((!exists && errno != ENOENT) || (exists && !S_ISREG(st.st_mode))) {
		log_error("%s: %s: not restored", dest, !exists ?
		    strerror(errno) : S_ISLNK(st.st_mode) ? "exists and is a "
		    "symbolic link (not followed)" : "exists and is not a "
		    "regular file");
		free(dest);
		return FAILED;
	}
	if (exists && !r->o->force &&
	    (same = identical(r, j, dest, &st)) != 0) {
		if (same > 0) {
			log_info("Keeping %s: identical to %s", dest, j->key);
			atomic_fetch_add(&r->prog->bytes,
			    (long long)st.st_size);
		}
		res = same > 0 ? KEPT : not_in_s3(j);
		free(dest);
		return res;
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
	atomic_fetch_add(&r->prog->files, 1);
}

/* ---- what to restore ---- */

/* Whether key is a directory in the bucket (keys continue under key/)
 * and no object: a subdirectory the original listed ("snapshots",
 * "backups"), passed over without a GET. 0 when not known (-f). */
static int
bucket_dir(const struct run *r, const char *key)
{
	return r->seen != NULL && keyset_size(r->seen, key) < 0 &&
	    sweep_seen_dir(r->seen, key) > 0;
}

/* One listing of a table, read: its body, its file list for the table's
 * directory, and the names the sweep did not find. */
struct picked {
	const char *key;
	long long ms;
	struct companion_listing cl;
	size_t *missing;
	long nmissing;
};

static void
picked_free(struct picked *p)
{
	companion_listing_free(&p->cl);
	free(p->missing);
	memset(p, 0, sizeof(*p));
}

/* Reads the listing p->key for dir: 0; -1 when it cannot be read, -2
 * when it is refused (logged). */
static int
pick(struct run *r, const char *dir, struct picked *p)
{
	char why[256];
	struct s3_error e;
	int g = companion_get_listing(r->s3, p->key, dir, &p->cl, &e, why,
	    sizeof(why));

	if (g == 0)
		log_error("Cannot find anything to restore from %s:%s",
		    r->o->bucket, p->key);
	else if (g == -1)
		log_error("Cannot read %s: %s", p->key, e.text);
	else if (g < -1)
		log_error("Listing %s %s%s", p->key, g == -2 ? "is refused: " :
		    "has ", why);
	if (g <= 0)
		return g < -1 ? -2 : -1;
	if (r->seen == NULL)		/* -f: not known, taken as complete */
		return 0;
	if ((p->missing = calloc(p->cl.set->n + 1, sizeof(*p->missing))) ==
	    NULL || (p->nmissing = sweep_missing(p->cl.set, r->o->c.prefix,
	    r->name, r->o->c.separator, r->seen, p->missing)) < 0) {
		log_error("Out of memory");
		return -1;
	}
	return 0;
}

static void
log_skip(const struct picked *p)
{
	log_info("Skipping listing %s: %s is not in the bucket", p->key,
	    p->cl.set->names[p->missing[0]]);
}

/* The newest complete listing of t (or the newest one, with
 * --allow-incomplete or when none is complete) into *p: 0 or -1. An
 * older listing that is refused is passed over. */
static int
choose_listing(struct run *r, const char *dir, const struct sweep_table *t,
    struct picked *p)
{
	struct picked older;

	memset(p, 0, sizeof(*p));
	p->key = t->ls[0].key;
	p->ms = t->ls[0].ms;
	if (pick(r, dir, p) < 0)
		return -1;
	if (p->nmissing == 0 || r->o->allow_incomplete)
		return 0;
	log_skip(p);
	for (size_t i = 1; i < t->n; i++) {
		int g;

		memset(&older, 0, sizeof(older));
		older.key = t->ls[i].key;
		older.ms = t->ls[i].ms;
		if ((g = pick(r, dir, &older)) == -1) {
			picked_free(&older);
			return -1;
		}
		if (g == 0 && older.nmissing == 0) {
			picked_free(p);
			*p = older;
			log_info("Restoring %s from %s, its newest complete "
			    "listing", dir, p->key);
			return 0;
		}
		if (g == 0)
			log_skip(&older);
		picked_free(&older);
	}
	log_error("No complete listing of %s: restoring the newest, %s", dir,
	    p->key);
	return 0;
}

/* The names a listing gives for dir, as jobs into d. */
static int
listing_jobs(struct run *r, struct rdir *d, const struct picked *p,
    size_t *count)
{
	const struct listing_set *set = p->cl.set;
	size_t dirs = 0;
	char *key;
	int ret = 0;

	*count = 0;
	for (size_t i = 0; i < set->nrefused; i++) {
		log_error("Listing %s names a file that cannot be restored: "
		    "%s", p->key, set->refused[i]);
		r->fatal++;
	}
	for (size_t i = 0; i < set->n && ret == 0; i++) {
		key = listing_file_key(r->o->c.prefix, r->name,
		    r->o->c.separator, set->dir, set->names[i]);
		if (key == NULL)
			ret = -1;
		else if (bucket_dir(r, key)) {
			log_debug("%s is a directory in S3, listed by the "
			    "original tablesnap: passed over", key);
			dirs++;
		} else
			ret = add_job(r, d, key, set->names[i], p->key);
		free(key);
	}
	*count = set->n + set->nrefused - dirs;
	return ret;
}

static char *
join(const char *a, const char *b)
{
	char *s;

	if (b[0] == '\0')
		return strdup(a);
	if (asprintf(&s, "%s/%s", a, b) < 0)
		return NULL;
	return s;
}

/* One table: its listing, its directory, its jobs. *ms: the time of
 * the listing chosen. */
static int
plan_table(struct run *r, const char *origin, const struct sweep_table *t,
    long long *ms)
{
	/* The root is "" in keys but "/" in its listing. */
	char *dir = origin[0] == '\0' && t->rel[0] == '\0' ? strdup("/") :
	    join(origin, t->rel);
	struct picked p = { 0 };
	size_t count;
	struct rdir *d;
	int ret = -1;

	if (dir == NULL || choose_listing(r, dir, t, &p) < 0)
		goto out;
	*ms = p.ms;
	if ((d = add_dir(r, t->dest != NULL ? t->dest : t->rel)) == NULL ||
	    listing_jobs(r, d, &p, &count) < 0)
		goto out;
	if (r->o->recursive)
		log_info("Found %s with %zu files", t->rel, count);
	else
		log_info("Fileset contains %zu files to download", count);
	ret = 0;
out:
	picked_free(&p);
	free(dir);
	return ret;
}

/* The commit log segments newer than since_ms. */
static int
plan_commitlogs(struct run *r, const char *cl_dir, long long since_ms)
{
	struct s3_list l = { 0 };
	char *base = listing_key(r->o->c.prefix, r->name, r->o->c.separator,
	    cl_dir, "/");
	struct s3_error err;
	char when[32];
	const char *last = strrchr(cl_dir, '/') + 1;
	struct rdir *d = NULL;
	size_t n = 0;
	int ret = -1;

	if (base == NULL)
		goto out;
	if (s3_list_objects(r->s3, base, "/", &l, &err) < 0) {
		log_error("Cannot list %s: %s", base, err.text);
		goto out;
	}
	ret = 0;
	for (size_t i = 0; i < l.n && ret == 0; i++) {
		const struct s3_entry *e = &l.entries[i];
		const char *fname = e->key + strlen(base);

		if (strncmp(e->key, base, strlen(base)) != 0 ||
		    !restore_commitlog_wanted(fname, e->mtime_ms, since_ms) ||
		    !listing_safe_name(fname, strlen(fname)))
			continue;
		if (d == NULL && (d = add_dir(r, last)) == NULL)
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
	return ret;
}

/* The tables to restore and their listings into sw: their count, -1
 * when out of memory, -2 when the bucket could not be listed. */
static long
find_tables(struct run *r, const char *base, struct sweep *sw)
{
	const struct restore_opts *o = r->o;
	struct s3_list l = { 0 };
	struct s3_error err;
	int g;

	if (o->file != NULL) {
		/* -f: the listing of that file, whenever it was written; no
		 * sweep, so nothing is known of the keys (r->seen NULL). */
		struct s3_entry e = { 0 };

		l = (struct s3_list){ &e, 1, 1, NULL, 0, 0 };
		if (asprintf(&e.key, "%s%s%s", base, o->file,
		    listing_is_listing(o->file, strlen(o->file)) ? "" :
		    LISTING_SUFFIX) < 0)
			return -1;
		g = sweep_index(&l, base, 0, -1, sw);
		free(e.key);
		keyset_free(sw->seen);
		sw->seen = NULL;
		return g < 0 ? -1 : (long)sw->nt;
	}
	if (s3_list_objects(r->s3, base, o->recursive ? NULL : "/", &l,
	    &err) < 0) {
		log_error("Cannot list %s:%s: %s", o->bucket, base, err.text);
		return -2;
	}
	g = sweep_index(&l, base, o->recursive ? 2 : 0, o->c.as_of_given ?
	    o->c.as_of_ms : -1, sw);
	s3_list_free(&l);
	r->seen = sw->seen;
	return g < 0 ? -1 : (long)sw->nt;
}

/* The names of the table directories in target/ks (ks: the kl bytes at
 * rel). Only names are read here: every write goes through open_below,
 * which refuses a link or a file (ks included). NULL and *n 0 when
 * there is no such directory; -1 when out of memory. */
static int
target_tables(const struct run *r, const char *rel, size_t kl, char ***out,
    size_t *n)
{
	char *path;
	DIR *dp;
	struct dirent *e;
	size_t cap = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	if (asprintf(&path, "%s/%.*s", r->target, (int)kl, rel) < 0)
		return -1;
	dp = opendir(path);
	free(path);
	while (dp != NULL && ret == 0 && (e = readdir(dp)) != NULL) {
		char **g = array_grow(*out, &cap, *n + 1, sizeof(*g));

		if (g != NULL)
			*out = g;
		if (g == NULL || ((*out)[*n] = strdup(e->d_name)) == NULL)
			ret = -1;
		else
			(*n)++;
	}
	if (dp != NULL)
		closedir(dp);
	return ret;
}

/* With -r: each table "ks/<table>-<id>" goes where the target already has
 * that table under another id (a node rebuilt with its schema made
 * again). 0, or -1 when a table has two directories there, or two tables
 * of the backup would land in one (logged; nothing is written then).
 * Table names have no '-' (Cassandra allows [A-Za-z0-9_]). */
static int
map_tables(const struct run *r, struct sweep_table *t, size_t n)
{
	int bad = 0;

	for (size_t i = 0; i < n && bad >= 0; i++) {
		const char *slash = strchr(t[i].rel, '/');
		size_t kl = slash != NULL ? (size_t)(slash - t[i].rel) : 0,
		    nhave, two[2];
		char **have;
		long m;

		if (t[i].refused || slash == NULL)
			continue;
		if (target_tables(r, t[i].rel, kl, &have, &nhave) < 0) {
			log_error("Out of memory");
			bad = -1;
		} else if ((m = restore_map_table(slash + 1, (const char *const
		    *)have, nhave, two)) == -2) {
			log_error("Cannot restore %s: %s/%.*s/%s and %s are both "
			    "its table (--keep-table-ids)",
			    t[i].rel, r->target, (int)kl, t[i].rel,
			    have[two[0]], have[two[1]]);
			bad = 1;
		} else if (m >= 0 && i > 0 && strncmp(t[i - 1].rel, t[i].rel,
		    kl + restore_table_len(slash + 1) + 2) == 0) {
			/* Two ids of one table in the backup (sorted, so
			 * next to each other): one directory would mix them. */
			log_error("Cannot restore %s and %s both into %s/%.*s/%s "
			    "(--keep-table-ids)", t[i - 1].rel, t[i].rel,
			    r->target, (int)kl, t[i].rel, have[m]);
			bad = 1;
		} else if (m >= 0 && strcmp(have[m], slash + 1) != 0) {
			if (asprintf(&t[i].dest, "%.*s/%s", (int)kl, t[i].rel,
			    have[m]) < 0) {
				t[i].dest = NULL;
				bad = -1;
			} else
				log_info("Restoring %s into %s/%s: the table's "
				    "new id", t[i].rel, r->target, t[i].dest);
		}
		for (size_t k = 0; k < nhave; k++)
			free(have[k]);
		free(have);
	}
	return bad != 0 ? -1 : 0;
}

static int
plan(struct run *r, const char *origin, const char *cl_dir)
{
	struct sweep sw = { 0 };
	struct sweep_table *t;
	char *base = listing_key(r->o->c.prefix, r->name, r->o->c.separator,
	    origin, "/");
	long long since = -1, ms;
	long n;
	int ret = -1;

	log_info("Building fileset");
	n = base != NULL ? find_tables(r, base, &sw) : -1;
	t = sw.t;
	if (n == 0)
		log_error("Cannot find anything to restore from %s:%s",
		    r->o->bucket, base);
	if (n == -1)
		log_error("Out of memory");
	r->dirs_cap = n > 0 ? (size_t)n + 1 : 0;	/* + the commit logs */
	if (n <= 0 || (r->o->recursive && !r->o->keep_table_ids &&
	    map_tables(r, t, (size_t)n) < 0) ||
	    (r->dirs = calloc(r->dirs_cap, sizeof(*r->dirs))) == NULL)
		goto out;
	for (long i = 0; i < n; i++) {
		if (t[i].refused) {
			log_error("Refusing listing %s: its directory %s/%s is "
			    "not a path below %s (a \".\", \"..\" or empty "
			    "part)", t[i].ls[0].key, origin, t[i].rel,
			    origin[0] != '\0' ? origin : "/");
			r->fatal++;
			continue;
		}
		ms = t[i].ls[0].ms;
		if (plan_table(r, origin, &t[i], &ms) < 0)
			r->fatal++;
		if (since < 0 || ms < since)
			since = ms;
	}
	if (cl_dir != NULL && plan_commitlogs(r, cl_dir, since) < 0)
		r->fatal++;
	ret = 0;
out:
	sweep_free(&sw);
	free(base);
	r->seen = NULL;
	return ret;
}

/* ---- the end of the run ---- */

static void
finish_dirs(const struct run *r)
{
	for (size_t i = 0; i < r->ndirs; i++) {
		struct rdir *d = &r->dirs[i];
		uid_t uid = r->have_uid ? r->uid : (uid_t)-1;
		gid_t gid = r->have_gid ? r->gid : (gid_t)-1;

		if (d->owner_known) {
			uid = d->uid;
			gid = d->gid;
		}
		if (d->created && (uid != (uid_t)-1 || gid != (gid_t)-1) &&
		    fchown(d->fd, uid, gid) < 0)
			log_warning("Cannot give %s to %ld:%ld: %s", d->local,
			    (long)uid, (long)gid, strerror(errno));
		/* The renames are durable once the directory is. */
		if (fsync(d->fd) < 0)
			log_warning("Cannot sync %s: %s", d->local,
			    strerror(errno));
	}
}

static int
summary(const struct run *r)
{
	unsigned long n[FAILED + 1] = { 0 };

	for (size_t i = 0; i < r->njobs; i++)
		n[r->jobs[i].result]++;
	log_info("My job is done.");
	log_info("Restored %lu files, kept %lu identical, %lu listed but not "
	    "in S3, %lu failed", n[DONE], n[KEPT], n[MISSING] + n[SUBDIR],
	    n[FAILED] + r->fatal);
	if (companion_stopped())
		log_error("Interrupted: the restore is incomplete");
	return n[FAILED] + n[MISSING] + r->fatal > 0 || companion_stopped() ?
	    1 : 0;
}

/* The progress line (companion_progress). */
static void
progress_line(void *ctx)
{
	struct run *r = ctx;
	struct progress *p = r->prog;
	struct restore_progress rp = { atomic_load(&p->files), r->njobs,
	    atomic_load(&p->bytes), p->total, companion_now_ms() - p->start };
	char line[200];

	if (restore_progress_line(&rp, line, sizeof(line)) == 0)
		log_info("%s", line);
}

/* The downloads, with a progress line every 10 s. */
static void
run_jobs(struct run *r)
{
	struct progress *p = r->prog;
	struct companion_progress cp = { 0 };

	/* A size not known is a name not in the bucket (or -f). */
	for (size_t i = 0; i < r->njobs; i++)
		if (r->jobs[i].size > 0)
			p->total += r->jobs[i].size;
	p->start = companion_now_ms();
	/* None with -f, where the sizes are not known. */
	if (r->o->file == NULL)
		companion_progress_start(&cp, progress_line, r);
	companion_parallel(r->njobs, r->o->threads, job_thread, r);
	companion_progress_stop(&cp);
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
		close(r->dirs[i].fd);
		pthread_mutex_destroy(&r->dirs[i].lock);
	}
	if (r->tfd >= 0)
		close(r->tfd);
	free(r->jobs);
	free(r->dirs);
	free(r->name);
	free(r->target);
}

/* -o and -g, resolved once. */
static int
resolve_owner(struct run *r)
{
	static const char *const what[] = { "User", "Group" };
	const char *s[2] = { r->o->owner, r->o->group };
	unsigned long v[2] = { 0, 0 };

	for (int g = 0; g < 2; g++)
		if (s[g] != NULL && resolve_id(s[g], g, &v[g]) < 0) {
			log_critical("%s %s does not exist", what[g], s[g]);
			return -1;
		}
	r->uid = (uid_t)v[0];
	r->gid = (gid_t)v[1];
	r->have_uid = s[0] != NULL;
	r->have_gid = s[1] != NULL;
	return 0;
}

int
restore_main(int argc, char **argv)
{
	struct restore_opts o;
	struct progress prog = { 0 };
	struct run r = { .o = &o, .tfd = -1, .prog = &prog };
	struct s3_setup su = { 0 };
	char err[SETUP_ERRLEN], *origin = NULL, *cl_dir = NULL;
	enum cli_result cr;
	int status;

	cr = restore_parse(argc, argv, &o, err, sizeof(err));
	if ((status = companion_begin(&restore_program, cr, err, 0, "origin",
	    o.origin, &origin)) >= 0)
		return status;
	status = 1;
	if (o.commitlogs != NULL && ((cl_dir = listing_abs_path(o.commitlogs))
	    == NULL || cl_dir[0] == '\0')) {
		free(origin);
		free(cl_dir);
		return setup_usage_error(&restore_program, "argument "
		    "--commitlogs: an absolute path below /");
	}
	if ((r.target = strdup(o.target)) != NULL)
		for (size_t n = strlen(r.target); n > 1 &&
		    r.target[n - 1] == '/'; n--)
			r.target[n - 1] = '\0';
	r.umask = umask(022);
	umask(r.umask);
	if (r.target != NULL && resolve_owner(&r) == 0 &&
	    companion_connect(&su, &o.c, o.bucket, 1, &r.name) == 0) {
		r.s3 = su.s3;
		if (plan(&r, origin, cl_dir) == 0) {
			run_jobs(&r);
			finish_dirs(&r);
			status = summary(&r);
		}
	}
	setup_free(&su);
	free_run(&r);
	free(origin);
	free(cl_dir);
	return status;
}
