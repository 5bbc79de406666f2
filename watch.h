/* watch.h: finding finished files: inotify watches on the given directories
 * (and their subdirectories with -r/-a), and directory scans for -B, new
 * directories and event-queue overflows. Knows nothing of S3. */
#ifndef TABLESNAP_WATCH_H
#define TABLESNAP_WATCH_H

#include <stddef.h>

/* Called with the absolute path of each finished regular file; again: found
 * by the rescan after lost events (an inotify queue overflow), which
 * reports files that were there before as well as new ones. */
typedef void (*watch_found_fn)(void *ctx, const char *path, int again);

struct watcher;

/* listen: LISTEN_* bits of options.h. */
struct watcher *watcher_new(unsigned listen, int recursive, int auto_add,
    watch_found_fn found, void *ctx);
void watcher_free(struct watcher *w);

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

/* The inotify descriptor to poll for reading. */
int watcher_fd(const struct watcher *w);

/* Reads and handles the pending events. Returns 0, or -1 when inotify
 * failed (errno set). */
int watcher_handle(struct watcher *w);

/* Number of directories watched. */
size_t watcher_count(const struct watcher *w);

#endif
