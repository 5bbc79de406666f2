/* watch.c: the inotify watcher. A file counts as finished when it is moved
 * in (IN_MOVED_TO), closed after writing (IN_CLOSE_WRITE), or created as a
 * new hard link to a finished file (IN_CREATE with st_nlink > 1). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fmt.h"
#include "log.h"
#include "options.h"
#include "watch.h"

/* A directory given on the command line. */
struct root {
	char *path;
	int watch;		/* watched (not --once) */
	int wd;			/* its watch descriptor, -1 when lost */
	dev_t dev;		/* the directory watched */
	ino_t ino;
	int lost;		/* its path leads to no directory watched */
	char *why;		/* while lost: why, in a few words */
};

struct watcher {
	int fd;
	unsigned listen;
	uint32_t mask;
	int recursive, auto_add;
	watch_found_fn found;
	watch_lost_fn lost;
	void *ctx;
	char **dirs;		/* indexed by watch descriptor */
	size_t ndirs;		/* size of dirs */
	size_t count;		/* directories watched */
	struct root *roots;
	size_t nroots;
	size_t nlost;		/* roots lost now */
	unsigned long reported;	/* files reported (for the log lines) */
	size_t full_used;	/* watches held when the limit was hit */
	int full;		/* the limit was hit (cleared by the caller) */
	int full_logged;	/* the limit's line was logged (-a, later) */
	char **old;		/* -a without -r: the roots' subdirectories at
				 * start, left unwatched on purpose */
	size_t nold;
};

/* What a walk reports: nothing, or files found as enum found_how says. */
#define SCAN_NONE	(-1)

/* The regular files of one directory, reported at once. */
struct batch {
	char **paths;
	size_t n, cap;
};

static int add_tree(struct watcher *w, const char *dir, int recurse,
    int scan, char *err, size_t errlen);
static void rescan_dir(struct watcher *w, const char *dir);

struct watcher *
watcher_new(unsigned listen, int recursive, int auto_add, watch_found_fn found,
    watch_lost_fn lost, void *ctx)
{
	struct watcher *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		free(w);
		return NULL;
	}
	w->listen = listen;
	w->recursive = recursive;
	w->auto_add = auto_add;
	w->found = found;
	w->lost = lost;
	w->ctx = ctx;
	if (listen & LISTEN_MOVED_TO)
		w->mask |= IN_MOVED_TO;
	if (listen & LISTEN_CLOSE_WRITE)
		w->mask |= IN_CLOSE_WRITE;
	if (listen & LISTEN_CREATE)
		w->mask |= IN_CREATE;
	/* New and moved-in directories must be seen to be watched. */
	if (auto_add)
		w->mask |= IN_CREATE | IN_MOVED_TO;
	w->mask |= IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	return w;
}

int
watcher_fd(const struct watcher *w)
{
	return w->fd;
}

size_t
watcher_count(const struct watcher *w)
{
	return w->count;
}

static char *
join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p;

	/* "/" + "x" must give "/x", not "//x". */
	if (dl > 0 && dir[dl - 1] == '/')
		dl--;
	p = malloc(dl + 1 + nl + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return p;
}

/* Records dir under watch descriptor wd. */
static int
remember(struct watcher *w, int wd, const char *dir)
{
	char *copy = strdup(dir);

	if (copy == NULL)
		return -1;
	if ((size_t)wd >= w->ndirs) {
		size_t n = w->ndirs ? w->ndirs : 64;
		char **grown;

		while (n <= (size_t)wd)
			n *= 2;
		grown = realloc(w->dirs, n * sizeof(*grown));
		if (grown == NULL) {
			free(copy);
			return -1;
		}
		memset(grown + w->ndirs, 0, (n - w->ndirs) * sizeof(*grown));
		w->dirs = grown;
		w->ndirs = n;
	}
	if (w->dirs[wd] == NULL)
		w->count++;
	free(w->dirs[wd]);	/* a renamed directory keeps its wd */
	w->dirs[wd] = copy;
	return 0;
}

static void
forget(struct watcher *w, int wd)
{
	if (wd >= 0 && (size_t)wd < w->ndirs && w->dirs[wd] != NULL) {
		free(w->dirs[wd]);
		w->dirs[wd] = NULL;
		w->count--;
	}
}

/* Returns the watch descriptor, or -1 with err set. */
static int
watch_one(struct watcher *w, const char *dir, char *err, size_t errlen)
{
	int wd = inotify_add_watch(w->fd, dir, w->mask), saved = errno;

	if (wd < 0) {
		if (errno == ENOSPC) {
			w->full = 1;		/* see limit_err */
			w->full_used = w->count;
		}
		if (errno == ENOSPC)
			err_set(err, errlen, "cannot watch %s: inotify watch "
			    "limit reached", dir);
		else if (errno == ENOTDIR)
			err_set(err, errlen, "cannot watch %s: not a directory",
			    dir);
		else
			err_set(err, errlen, "cannot watch %s: %s", dir,
			    strerror(errno));
		errno = saved;		/* ENOENT: gone since */
		return -1;
	}
	if (remember(w, wd, dir) < 0) {
		err_set(err, errlen, "cannot watch %s: out of memory", dir);
		return -1;
	}
	return wd;
}

/* Is path dir or below it? */
static int
is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n) != 0)
		return 0;
	return path[n] == '\0' || path[n] == '/' || (n > 0 && dir[n - 1] == '/');
}

/* Stops watching dir and every directory below it: their paths are no
 * longer true (moved away, mounted over), and events from there would be
 * uploaded under wrong names. */
static void
drop_tree(struct watcher *w, const char *dir)
{
	for (size_t i = 0; i < w->ndirs; i++) {
		if (w->dirs[i] == NULL || !is_under(w->dirs[i], dir))
			continue;
		/* Fails for a watch the kernel removed already: nothing to do. */
		(void)inotify_rm_watch(w->fd, (int)i);
		forget(w, (int)i);
	}
}

/* Is this directory entry a directory / a regular file? lstat when the
 * file system does not say (symbolic links are not followed). */
static int
entry_type(const char *path, const struct dirent *de)
{
	struct stat st;

	if (de->d_type != DT_UNKNOWN)
		return de->d_type;
	if (lstat(path, &st) < 0)
		return DT_UNKNOWN;
	if (S_ISDIR(st.st_mode))
		return DT_DIR;
	if (S_ISREG(st.st_mode))
		return DT_REG;
	return DT_UNKNOWN;
}

/* The next entry of d but "." and "..": *path, dir/name (malloc'd; NULL
 * when out of memory), and its type (entry_type). 0 at the end. */
static int
next_entry(DIR *d, const char *dir, char **path, int *type)
{
	struct dirent *de;

	do
		if ((de = readdir(d)) == NULL)
			return 0;
	while (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0);
	*path = join(dir, de->d_name);
	*type = *path != NULL ? entry_type(*path, de) : DT_UNKNOWN;
	return 1;
}

/* Takes path; -1 when out of memory (path freed). */
static int
batch_add(struct batch *b, char *path)
{
	char **grown = array_grow(b->paths, &b->cap, b->n + 1, sizeof(*grown));

	if (grown == NULL) {
		free(path);
		return -1;
	}
	b->paths = grown;
	b->paths[b->n++] = path;
	return 0;
}

/* Reports the batch of dir's files (if any) and empties it. */
static void
report(struct watcher *w, const char *dir, struct batch *b, int how)
{
	if (b->n > 0) {
		w->reported += b->n;
		w->found(w->ctx, dir, b->paths, b->n, (enum found_how)how);
	}
	for (size_t i = 0; i < b->n; i++)
		free(b->paths[i]);
	free(b->paths);
	memset(b, 0, sizeof(*b));
}

/* The directories of the tree at dir (itself included, only itself
 * without recurse). */
static size_t
count_dirs(const char *dir, int recurse)
{
	DIR *d = recurse ? opendir(dir) : NULL;
	char *path;
	size_t n = 1;
	int type;

	while (d != NULL && next_entry(d, dir, &path, &type)) {
		if (type == DT_DIR)
			n += count_dirs(path, 1);
		free(path);
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* The watch limit was hit watching the tree at dir: one line naming the
 * sysctl, its value, the watches in use and the number needed. The value
 * is read from the user namespace's own limit, which is the sysctl's in
 * the first namespace (a container may have a lower one of its own). */
static void
limit_err(struct watcher *w, const char *dir, int recurse, char *err,
    size_t errlen)
{
	char max[24] = "?";
	int fd = open("/proc/sys/user/max_inotify_watches", O_RDONLY |
	    O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, max, sizeof(max) - 1) : -1;

	if (fd >= 0)
		close(fd);
	max[n > 0 ? strcspn(max, "\n") : 1] = '\0';
	err_set(err, errlen, "cannot watch %s: the inotify watch limit "
	    "fs.inotify.max_user_watches (%s) is reached: %zu watches in use, "
	    "%zu needed; raise it (sysctl fs.inotify.max_user_watches=N)", dir,
	    max, w->full_used, w->count + count_dirs(dir, recurse));
}

/* Walks dir: reports regular files when scan, descends when recurse,
 * watching each directory first when watch (so that nothing written after
 * the scan passed by is missed). */
static int
walk(struct watcher *w, const char *dir, int recurse, int scan,
    int watch, char *err, size_t errlen)
{
	struct batch b = { 0 };
	DIR *d;
	char *path;
	int rc = 0, type;

	if (watch && watch_one(w, dir, err, errlen) < 0)
		return -1;
	if (scan == SCAN_NONE && !recurse)
		return 0;
	d = opendir(dir);
	if (d == NULL) {
		/* Gone since the event: nothing to do. */
		if (errno == ENOENT)
			return 0;
		err_set(err, errlen, "cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && next_entry(d, dir, &path, &type)) {
		if (path == NULL) {
			err_set(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		if (type == DT_REG && scan != SCAN_NONE) {
			if (batch_add(&b, path) < 0) {
				err_set(err, errlen, "out of memory");
				rc = -1;
			}
			continue;
		}
		if (type == DT_DIR && recurse)
			rc = walk(w, path, recurse, scan, watch, err, errlen);
		free(path);
	}
	closedir(d);
	report(w, dir, &b, scan);
	return rc;
}

static int
add_tree(struct watcher *w, const char *dir, int recurse, int scan,
    char *err, size_t errlen)
{
	return walk(w, dir, recurse, scan, 1, err, errlen);
}

/* With -a but not -r, the subdirectories a root has at start stay
 * unwatched: noted, so that an overflow rescan does not take them for
 * directories made while events were lost. */
static int
note_old_subdirs(struct watcher *w, const char *root)
{
	DIR *d = opendir(root);
	char *path, **grown;
	int rc = 0, type;

	if (d == NULL)
		return 0;	/* gone since it was watched: nothing to note */
	while (rc == 0 && next_entry(d, root, &path, &type)) {
		if (path == NULL)
			rc = -1;
		else if (type != DT_DIR)
			free(path);
		else if ((grown = realloc(w->old, (w->nold + 1) *
		    sizeof(*grown))) == NULL) {
			free(path);
			rc = -1;
		} else {
			w->old = grown;
			w->old[w->nold++] = path;
		}
	}
	closedir(d);
	return rc;
}

/* Watches root r (its tree with -r) and, with scan, reports its files
 * as found again: with -r the whole tree, else its own files and, with
 * -a, the trees of its subdirectories not noted at start. Records which
 * directory is watched. -1 with err set (errno ENOENT when the path
 * leads nowhere). */
static int
watch_root(struct watcher *w, struct root *r, int scan, char *err,
    size_t errlen)
{
	struct stat before, after;
	int wd, rc = 0, saved;

	if (stat(r->path, &before) < 0) {
		saved = errno;
		err_set(err, errlen, "cannot watch %s: %s", r->path,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	if (!S_ISDIR(before.st_mode)) {
		err_set(err, errlen, "cannot watch %s: not a directory", r->path);
		errno = ENOTDIR;
		return -1;
	}
	w->full = 0;
	if ((wd = watch_one(w, r->path, err, errlen)) < 0) {
		if (w->full)
			limit_err(w, r->path, w->recursive, err, errlen);
		return -1;
	}
	if (w->recursive)
		rc = walk(w, r->path, 1, scan, 1, err, errlen);
	else if (scan != SCAN_NONE)
		rescan_dir(w, r->path);
	/* The directory stat saw must be the one watched. */
	if (rc == 0 && (stat(r->path, &after) < 0 ||
	    after.st_dev != before.st_dev || after.st_ino != before.st_ino)) {
		err_set(err, errlen, "cannot watch %s: replaced while being "
		    "watched", r->path);
		rc = -1;
	}
	if (rc < 0) {
		drop_tree(w, r->path);
		if (w->full)
			limit_err(w, r->path, w->recursive, err, errlen);
		errno = EAGAIN;
		return -1;
	}
	r->wd = wd;
	r->dev = before.st_dev;
	r->ino = before.st_ino;
	return 0;
}

int
watcher_add_root(struct watcher *w, const char *dir, int watch, char *err,
    size_t errlen)
{
	struct root *grown, *r;
	struct stat st;

	grown = realloc(w->roots, (w->nroots + 1) * sizeof(*grown));
	if (grown == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	w->roots = grown;
	r = &w->roots[w->nroots];
	memset(r, 0, sizeof(*r));
	r->wd = -1;
	r->watch = watch;
	if ((r->path = strdup(dir)) == NULL) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	if (watch && watch_root(w, r, SCAN_NONE, err, errlen) < 0)
		goto fail;
	if (watch && w->auto_add && !w->recursive &&
	    note_old_subdirs(w, dir) < 0) {
		err_set(err, errlen, "cannot watch %s: out of memory", dir);
		goto fail;
	}
	if (!watch && stat(dir, &st) < 0) {
		err_set(err, errlen, "cannot use %s: %s", dir, strerror(errno));
		goto fail;
	}
	if (!watch && !S_ISDIR(st.st_mode)) {
		err_set(err, errlen, "cannot use %s: not a directory", dir);
		goto fail;
	}
	w->nroots++;
	return 0;
fail:
	free(r->path);
	return -1;
}

void
watcher_scan_roots(struct watcher *w)
{
	char err[512];

	for (size_t i = 0; i < w->nroots; i++) {
		log_info("Backing up %s", w->roots[i].path);
		if (walk(w, w->roots[i].path, w->recursive, FOUND_START, 0, err,
		    sizeof(err)) < 0)
			log_warning("%s", err);
	}
}

/* The subdirectories below dir noted at start: not there any more, and
 * what comes at their paths is new. */
static void
forget_old(struct watcher *w, const char *dir)
{
	size_t kept = 0;

	for (size_t i = 0; i < w->nold; i++) {
		if (is_under(w->old[i], dir))
			free(w->old[i]);
		else
			w->old[kept++] = w->old[i];
	}
	w->nold = kept;
}

/* Root r's path no longer leads to the directory watched: its watches
 * go (their paths are not true any more) and the user hears of it once.
 * What is at its path later is a new directory: with -a, all its
 * subdirectories are watched. */
static void
root_lost(struct watcher *w, struct root *r, const char *why)
{
	drop_tree(w, r->path);
	forget_old(w, r->path);
	r->wd = -1;
	r->lost = 1;
	free(r->why);
	r->why = strdup(why);	/* NULL when out of memory: "lost" */
	w->nlost++;
	w->lost(w->ctx, r->path, r->why != NULL ? r->why : "lost");
}

/* Is root r's path still the directory watched? NULL, or why not. */
static const char *
root_changed(struct watcher *w, const struct root *r)
{
	struct stat st;
	int wd;

	if (stat(r->path, &st) < 0)
		return errno == ENOENT ? "gone" : strerror(errno);
	if (st.st_dev != r->dev || st.st_ino != r->ino)
		return "replaced";
	if (r->wd < 0 || (size_t)r->wd >= w->ndirs || w->dirs[r->wd] == NULL)
		return "no longer watched";
	/* A directory deleted and made again can get the same inode number
	 * (ext4): the watch descriptor tells. Asking for the same mask again
	 * changes nothing on the watch there is. */
	wd = inotify_add_watch(w->fd, r->path, w->mask);
	if (wd == r->wd)
		return NULL;
	if (wd >= 0 && ((size_t)wd >= w->ndirs || w->dirs[wd] == NULL))
		(void)inotify_rm_watch(w->fd, wd);	/* made just now */
	return wd < 0 && errno == ENOENT ? "gone" : "replaced";
}

/* A lost root whose path is a directory again: watched and rescanned. */
static void
root_again(struct watcher *w, struct root *r)
{
	char err[PATH_MAX + 256];
	char *why;

	w->reported = 0;
	if (watch_root(w, r, FOUND_AGAIN, err, sizeof(err)) < 0) {
		if (errno == ENOENT)
			return;		/* not back yet */
		/* There but not watchable: the error says why, from now on. */
		if ((why = strdup(err)) != NULL) {
			free(r->why);
			r->why = why;
		}
		return;
	}
	log_warning("Watching %s again (it was %s): %lu files found, uploading "
	    "those S3 lacks", r->path, r->why != NULL ? r->why : "lost",
	    w->reported);
	r->lost = 0;
	free(r->why);
	r->why = NULL;
	w->nlost--;
}

void
watcher_check_roots(struct watcher *w)
{
	for (size_t i = 0; i < w->nroots; i++) {
		struct root *r = &w->roots[i];
		const char *why;

		if (!r->watch)
			continue;
		/* A root found lost is tried again at the next check. */
		if (r->lost)
			root_again(w, r);
		else if ((why = root_changed(w, r)) != NULL)
			root_lost(w, r, why);
	}
}

size_t
watcher_lost_count(const struct watcher *w)
{
	return w->nlost;
}

const char *
watcher_lost_root(const struct watcher *w, size_t i, const char **why)
{
	for (size_t j = 0; j < w->nroots; j++) {
		if (!w->roots[j].lost || i-- > 0)
			continue;
		*why = w->roots[j].why != NULL ? w->roots[j].why : "lost";
		return w->roots[j].path;
	}
	*why = NULL;
	return NULL;
}

/* A directory appeared (created or moved in): with -a, watch it and what
 * is below it, and report the files already there, which arrived before
 * the watch existed. */
static void
new_directory(struct watcher *w, const char *path)
{
	char err[PATH_MAX + 256];

	if (!w->auto_add)
		return;
	log_debug("Watching new directory %s", path);
	w->full = 0;
	if (add_tree(w, path, 1, FOUND_NEW, err, sizeof(err)) == 0)
		return;
	if (!w->full) {
		log_warning("%s", err);
		return;
	}
	/* Once: the directories watched are still uploaded. */
	if (!w->full_logged) {
		limit_err(w, path, 1, err, sizeof(err));
		log_error("%s; the directories watched already are still "
		    "backed up", err);
	}
	w->full_logged = 1;
}

/* With -a, a subdirectory found by a rescan: if no watch has it yet and
 * it was not there at start, it was made while events were lost: watch it
 * and report what is in it. */
static void
rescan_subdir(struct watcher *w, const char *path)
{
	int wd;

	if (!w->auto_add)
		return;
	for (size_t i = 0; i < w->nold; i++)
		if (strcmp(w->old[i], path) == 0)
			return;		/* there at start: not ours */
	wd = inotify_add_watch(w->fd, path, w->mask);
	/* A watched one gets its own wd back, and is scanned on its own. */
	if (wd < 0 || ((size_t)wd < w->ndirs && w->dirs[wd] != NULL))
		return;
	new_directory(w, path);
}

/* One watched directory after lost events: its files again (the skip rule
 * drops those already in S3), and with -a its unwatched subdirectories. */
static void
rescan_dir(struct watcher *w, const char *dir)
{
	DIR *d = opendir(dir);
	struct batch b = { 0 };
	char *path;
	int type;

	if (d == NULL)
		return;		/* gone: its IN_DELETE_SELF is on the way */
	while (next_entry(d, dir, &path, &type)) {
		if (path == NULL) {
			log_error("out of memory rescanning %s", dir);
			break;
		}
		if (type == DT_REG) {
			if (batch_add(&b, path) < 0)
				log_error("out of memory rescanning %s", dir);
			continue;
		}
		if (type == DT_DIR)
			rescan_subdir(w, path);
		free(path);
	}
	closedir(d);
	report(w, dir, &b, FOUND_AGAIN);
}

/* IN_Q_OVERFLOW: every directory watched now, not the roots' trees (with
 * -a but not -r, a root's older subdirectories are not watched, and new
 * ones are). A copy of the list: watching new directories changes it. */
static void
rescan_watched(struct watcher *w)
{
	size_t n = 0, cap = w->count;
	char **dirs = calloc(cap > 0 ? cap : 1, sizeof(*dirs));

	if (dirs == NULL) {
		log_error("out of memory: cannot rescan after the overflow");
		return;
	}
	for (size_t i = 0; i < w->ndirs && n < cap; i++)
		if (w->dirs[i] != NULL && (dirs[n] = strdup(w->dirs[i])) != NULL)
			n++;
	if (n < cap)
		log_error("out of memory: rescanning %zu of %zu directories",
		    n, cap);
	for (size_t i = 0; i < n; i++) {
		rescan_dir(w, dirs[i]);
		free(dirs[i]);
	}
	free(dirs);
	log_info("Rescan after the overflow done: %zu directories", n);
}

/* A hard link to a finished file shows up only as IN_CREATE; a file
 * created to be written shows up the same way but has one link. */
static int
is_new_hard_link(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink > 1;
}

static void
handle_event(struct watcher *w, const struct inotify_event *ev)
{
	const char *dir;
	char *path;

	if (ev->mask & IN_Q_OVERFLOW) {
		log_warning("inotify event queue overflowed; rescanning the "
		    "watched directories");
		rescan_watched(w);
		return;
	}
	if (ev->wd < 0 || (size_t)ev->wd >= w->ndirs ||
	    (dir = w->dirs[ev->wd]) == NULL)
		return;
	for (size_t i = 0; i < w->nroots; i++) {
		struct root *r = &w->roots[i];

		if (r->lost || r->wd != ev->wd || !(ev->mask & (IN_DELETE_SELF |
		    IN_MOVE_SELF | IN_UNMOUNT | IN_IGNORED)))
			continue;
		root_lost(w, r, ev->mask & IN_DELETE_SELF ? "deleted" :
		    ev->mask & IN_MOVE_SELF ? "moved away" :
		    ev->mask & IN_UNMOUNT ? "unmounted" : "no longer watched");
		return;
	}
	if (ev->mask & IN_IGNORED) {
		forget(w, ev->wd);
		return;
	}
	if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
		/* Its path is no longer true; a move within the tree is seen
		 * again as IN_MOVED_TO in the new parent. */
		log_info("Stopped watching %s (%s)", dir,
		    ev->mask & IN_DELETE_SELF ? "deleted" : "moved away");
		inotify_rm_watch(w->fd, ev->wd);
		forget(w, ev->wd);
		return;
	}
	if (ev->len == 0 || ev->name[0] == '\0')
		return;
	if ((path = join(dir, ev->name)) == NULL) {
		log_error("out of memory handling an event in %s", dir);
		return;
	}
	if (ev->mask & IN_ISDIR) {
		if (ev->mask & (IN_CREATE | IN_MOVED_TO))
			new_directory(w, path);
	} else if (((ev->mask & IN_CLOSE_WRITE) &&
	    (w->listen & LISTEN_CLOSE_WRITE)) ||
	    ((ev->mask & IN_MOVED_TO) && (w->listen & LISTEN_MOVED_TO)) ||
	    ((ev->mask & IN_CREATE) && (w->listen & LISTEN_CREATE) &&
	    is_new_hard_link(path)))
		w->found(w->ctx, dir, &path, 1, FOUND_EVENT);
	free(path);
}

int
watcher_handle(struct watcher *w)
{
	/* Aligned as the kernel's struct inotify_event requires. */
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(w->fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			handle_event(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}
