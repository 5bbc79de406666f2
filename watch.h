/* watch.h: finding finished files: inotify watches on the given directories
 * (and their subdirectories with -r/-a), and directory scans for -B, new
 * directories and event-queue overflows. Knows nothing of S3. */
#ifndef TABLESNAP_WATCH_H
#define TABLESNAP_WATCH_H

#include <stddef.h>

/* How files were found: an event (one file), the scan of a directory new
 * to the watcher (-a), the -B/--once scan, or a rescan (after an inotify
 * queue overflow, or of a root watched again), which reports files that
 * were there before as well as new ones. */
enum found_how { FOUND_EVENT, FOUND_NEW, FOUND_START, FOUND_AGAIN };

/* Called with the absolute paths of finished regular files: one for an
 * event; for a scan, every regular file of one directory (dir, without a
 * trailing slash) at once, so that the finder can list its objects with
 * one request. */
typedef void (*watch_found_fn)(void *ctx, const char *dir,
    char *const *paths, size_t n, enum found_how how);

/* Called once each time a watched root is lost: deleted, moved away,
 * unmounted, or replaced by another directory (a file system mounted over
 * it); why says which in a few words. The watcher watches it again when
 * watcher_check_roots finds a directory at its path. */
typedef void (*watch_lost_fn)(void *ctx, const char *root, const char *why);

struct watcher;

/* listen: LISTEN_* bits of options.h. */
struct watcher *watcher_new(unsigned listen, int recursive, int auto_add,
    watch_found_fn found, watch_lost_fn lost, void *ctx);

/* Watches an absolute directory (and with recursive, every directory
 * below it); without watch, only checks it is a directory and remembers it
 * for watcher_scan_roots. Returns 0, or -1 with one line in err naming the
 * path and the reason (not a directory, permission,
 * fs.inotify.max_user_watches). */
int watcher_add_root(struct watcher *w, const char *dir, int watch, char *err,
    size_t errlen);

/* Reports every regular file in the roots (the whole trees with
 * recursive), as -B does at start. */
void watcher_scan_roots(struct watcher *w);

/* For a watching watcher, to be called every few seconds: a root whose
 * path no longer leads to the directory watched (gone, or mounted over,
 * which gives no event) is lost; a lost root whose path is a directory
 * again is watched again as a new directory (its whole tree with -r or
 * -a) and its files are reported with again set (uploaded when S3 lacks
 * them), with one line. */
void watcher_check_roots(struct watcher *w);

/* The number of roots lost now, and the i-th of them (i below that
 * number) with why it was lost. */
size_t watcher_lost_count(const struct watcher *w);
const char *watcher_lost_root(const struct watcher *w, size_t i,
    const char **why);

/* The inotify descriptor to poll for reading. */
int watcher_fd(const struct watcher *w);

/* Reads and handles the pending events. Returns 0, or -1 when inotify
 * failed (errno set). */
int watcher_handle(struct watcher *w);

/* Number of directories watched. */
size_t watcher_count(const struct watcher *w);

#endif
