/* tablesnap.c: the daemon and the one main of the three programs: the
 * watches, the start-up scan and the loop: inotify events, signals and
 * finished uploads arrive through one poll(); one thread is spawned per
 * upload, at most -t at a time. Only this file exits. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chop.h"
#include "filter.h"
#include "fmt.h"
#include "keyset.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "queue.h"
#include "retention.h"
#include "restore.h"
#include "s3ops.h"
#include "setup.h"
#include "stats.h"
#include "upload.h"
#include "verify.h"
#include "version.h"
#include "watch.h"

#define THREAD_STACK	(256 * 1024)
#define RETRY_MIN_MS	5000
#define RETRY_MAX_MS	300000
#define PROBE_MS	4000	/* S3 down: one upload this often */
#define STATS_EVERY_MS	5000
#define SCAN_PROGRESS_MS 10000
#define ROOT_CHECK_MS	2000	/* is each root still the one watched? */
#define LOST_LOG_MS	60000	/* a lost root's ERROR line again */

/* An upload thread's assignment and result. */
struct worker {
	struct daemon *d;
	struct queue_item *item;
	enum object_hint hint;		/* item->hint when dispatched: the
					 * main thread may change the item's */
	enum upload_status status;
	long long bytes;		/* stored, when UPLOAD_DONE */
	pthread_t thread;
	struct worker *next;
};

struct daemon {
	struct options opt;
	struct queue *queue;
	struct watcher *watcher;
	struct filter *filter;
	struct s3_client *s3;		/* setup.s3 */
	struct s3_setup setup;
	struct upload_config ucfg;
	int done_fd, signal_fd;
	int cancel_fd;			/* start-up: a signal makes it readable,
					 * which ends every S3 wait */
	pthread_mutex_t done_lock;
	struct worker *done;		/* finished, not yet collected */
	pthread_attr_t attr;
	unsigned long uploaded, skipped, failed;
	unsigned long refused;		/* never uploadable, skipped */
	unsigned long gone;		/* vanished before stored, skipped */
	unsigned long long bytes_uploaded;
	time_t last_success;
	int64_t next_stats_ms;		/* --stats-file: next write */
	char **roots;			/* the paths, absolute */
	size_t nroots;
	struct {
		unsigned long scanned, queued, present;
		int64_t last_ms;
	} scan;
	unsigned long given_up;		/* --once: files that failed */
	int outage;			/* S3 does not answer: one upload (a
					 * probe) at a time, every PROBE_MS */
	int64_t next_probe_ms;
	int64_t next_root_check_ms;	/* watcher_check_roots */
	int64_t next_lost_log_ms;	/* the lost roots' lines again */
	int64_t lost_log_ms;		/* their interval */
	int stopping;
	int exit_status;		/* of the daemon once stopped */
	struct retention *keeper;	/* --object-lock-days */
};

/* The monotonic clock, in ms. */
#define now_ms()	((int64_t)http_now_ms())

static void
die(const char *fmt, const char *arg)
{
	log_critical(fmt, arg);
	exit(1);
}

/* ---- configuration ---- */

/* --object-lock-mode on a bucket without Object Lock: S3 would refuse
 * every upload (or, some servers, store it unlocked). */
static void
check_object_lock(struct daemon *d)
{
	struct s3_error err;
	int r = s3_object_lock_enabled(d->s3, &err);

	if (r < 0)
		die("cannot read the Object Lock configuration: %s", err.text);
	if (r == 0)
		die("--object-lock-mode: bucket %s has no Object Lock (it is "
		    "enabled when a bucket is created)", d->opt.bucket);
}

/* Python's os.path.abspath: absolute, without ".", ".." and "//". */
static char *
absolute_path(const char *p)
{
	char cwd[PATH_MAX], *buf, *out;
	size_t len, o = 0;

	if (p[0] != '/') {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		if (asprintf(&buf, "%s/%s", cwd, p) < 0)
			return NULL;
	} else if ((buf = strdup(p)) == NULL)
		return NULL;
	len = strlen(buf);
	if ((out = malloc(len + 2)) == NULL) {
		free(buf);
		return NULL;
	}
	for (char *s = buf, *tok; (tok = strsep(&s, "/")) != NULL;) {
		if (tok[0] == '\0' || strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, tok, strlen(tok));
		o += strlen(tok);
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	free(buf);
	return out;
}

/* SIGHUP. */
static void
reload_credentials(struct daemon *d)
{
	setup_reload_credentials(&d->setup);
}

/* ---- queueing and uploads ---- */

/* S3 gives no answer (or a 5xx): from now on one upload, the probe, every
 * PROBE_MS, and no listing; collect ends it at the first answer. Not with
 * --once, whose single pass has only the requests' own retries. */
static void
outage_begin(struct daemon *d)
{
	if (d->outage || d->opt.once)
		return;
	d->outage = 1;
	d->next_probe_ms = now_ms() + PROBE_MS;
	log_warning("S3 does not answer: one upload at a time, every %d s, "
	    "until it does", PROBE_MS / 1000);
}

/* The listing of one directory, kept for the paths of interest only:
 * keys maps their keys to their index, sizes the size listed (-1: none). */
struct dir_listing {
	struct keyset *keys;
	long long *sizes;
};

/* SIGINT or SIGTERM waiting in the main loop's signalfd: a scan of the
 * main thread (the overflow rescan) stops listing for it. */
static int
stop_pending(void)
{
	sigset_t set;

	return sigpending(&set) == 0 && (sigismember(&set, SIGINT) == 1 ||
	    sigismember(&set, SIGTERM) == 1);
}

static int
add_listed(void *ctx, const struct s3_list *page)
{
	struct dir_listing *l = ctx;

	if (stop_pending())
		return -1;	/* the files go to HEADs, or stay queued */
	for (size_t i = 0; i < page->n; i++) {
		long long at = keyset_size(l->keys, page->entries[i].key);

		if (at >= 0)
			l->sizes[at] = page->entries[i].size;
	}
	return 0;
}

/* What S3 has of dir's files, with one ListObjectsV2 sweep of dir's keys
 * (a delimiter leaves the subdirectories out) instead of a HEAD per file:
 * sizes[i] is the size of paths[i]'s object, -1 when there is none. The
 * memory it takes is that of the local names, whatever S3 holds. 0, or
 * -1 (then HEADs it is) when the listing failed. */
static int
list_dir(struct daemon *d, const char *dir, char *const *paths, size_t n,
    long long *sizes)
{
	struct dir_listing l = { keyset_new(), sizes };
	struct s3_error err = { .text = "out of memory" };
	struct s3_stats ss;
	char *slash = NULL, *prefix = NULL, *key;
	int r = l.keys != NULL ? 0 : -1;

	for (size_t i = 0; r == 0 && i < n; i++) {
		sizes[i] = -1;
		if ((key = upload_key(&d->ucfg, paths[i])) == NULL ||
		    keyset_add(l.keys, key, (long long)i) < 0)
			r = -1;
		free(key);
	}
	/* The keys below dir, as upload_key makes them (a "//" from the
	 * root "/" collapses with the rest). */
	if (r == 0 && asprintf(&slash, "%s/", dir) < 0)
		slash = NULL;
	if (r == 0 && (slash == NULL ||
	    (prefix = upload_key(&d->ucfg, slash)) == NULL))
		r = -1;
	if (r == 0)
		r = s3_list_objects_by_page(d->s3, prefix, "/", add_listed, &l,
		    &err);
	/* Stopping: main says so. */
	if (r < 0 && !s3_cancelled(d->s3) && !stop_pending())
		log_warning("Cannot list %s in S3 (%s): checking each file "
		    "with HEAD instead", prefix ? prefix : dir, err.text);
	s3_get_stats(d->s3, &ss);
	if (r < 0 && ss.down)	/* not one more listing to wait for */
		outage_begin(d);
	free(slash);
	free(prefix);
	keyset_free(l.keys);
	return r;
}

static void
scan_progress(struct daemon *d, int final)
{
	int64_t now = now_ms();

	if (!final && now - d->scan.last_ms < SCAN_PROGRESS_MS)
		return;
	d->scan.last_ms = now;
	log_info("%s: %lu files scanned, %lu queued, %lu already in S3",
	    final ? "Start-up scan done" : "Scanning", d->scan.scanned,
	    d->scan.queued, d->scan.present);
}

/* A scan (-B, --once, an overflow rescan, a root back) lists the
 * directory: files there with their size are skipped, files absent are
 * sent without a lookup; without a listing, the object is likely there
 * (as after a restart). An event or a new directory: files likely new. */
static void
found(void *ctx, const char *dir, char *const *paths, size_t n,
    enum found_how how)
{
	struct daemon *d = ctx;
	int start = how == FOUND_START, scan = start || how == FOUND_AGAIN;
	long long *sizes = NULL;
	struct stat st;

	if (d->stopping)
		return;
	if (start) {
		d->scan.scanned += n;
		scan_progress(d, 0);
	}
	if (scan && !d->opt.md5_on_start && !d->outage &&
	    (sizes = malloc(n * sizeof(*sizes))) != NULL &&
	    list_dir(d, dir, paths, n, sizes) < 0) {
		free(sizes);
		sizes = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		enum object_hint hint = scan ? OBJECT_LIKELY : OBJECT_UNKNOWN;

		if (!filter_keep(d->filter, paths[i])) {
			log_info("Skipping %s due to exclusion rule", paths[i]);
			continue;
		}
		if (sizes != NULL && sizes[i] < 0)
			hint = OBJECT_ABSENT;
		else if (sizes != NULL && lstat(paths[i], &st) == 0 &&
		    st.st_size == sizes[i]) {
			log_debug("%s is in S3 already, skipping upload",
			    paths[i]);
			d->scan.present += start;
			d->skipped++;
			continue;
		}
		if (queue_push(d->queue, paths[i], hint, now_ms()) < 0)
			log_error("Out of memory: %s not queued", paths[i]);
		else
			d->scan.queued += start;
	}
	free(sizes);
}

static void
startup_scan(struct daemon *d)
{
	d->scan.last_ms = now_ms();
	watcher_scan_roots(d->watcher);
	scan_progress(d, 1);
}

static void *
upload_thread(void *arg)
{
	struct worker *w = arg;
	struct daemon *d = w->d;
	uint64_t one = 1;

	w->status = upload_file(d->s3, &d->ucfg, w->item->path, w->hint,
	    &w->bytes);
	pthread_mutex_lock(&d->done_lock);
	w->next = d->done;
	d->done = w;
	pthread_mutex_unlock(&d->done_lock);
	/* An eventfd write of 1 cannot fail short of a bug. */
	if (write(d->done_fd, &one, sizeof(one)) != sizeof(one))
		abort();
	return NULL;
}

static int64_t
retry_delay(unsigned failures)
{
	int64_t ms = RETRY_MIN_MS;

	while (--failures > 0 && ms < RETRY_MAX_MS)
		ms *= 2;
	return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

static void
collect(struct daemon *d)
{
	struct worker *w, *next;
	struct s3_stats ss;
	int answered = 0, retry = 0;
	uint64_t n;

	if (read(d->done_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_error("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&d->done_lock);
	w = d->done;
	d->done = NULL;
	pthread_mutex_unlock(&d->done_lock);
	for (; w != NULL; w = next) {
		int ok = w->status != UPLOAD_RETRY;
		int64_t delay = retry_delay(w->item->failures + 1);

		next = w->next;
		answered |= w->status == UPLOAD_DONE ||
		    w->status == UPLOAD_SKIPPED;
		retry |= !ok;
		if (w->status == UPLOAD_DONE) {
			d->uploaded++;
			d->bytes_uploaded += (unsigned long long)w->bytes;
			d->last_success = time(NULL);
		} else if (w->status == UPLOAD_SKIPPED)
			d->skipped++;
		else if (w->status == UPLOAD_REFUSED)
			d->refused++;
		else if (w->status == UPLOAD_GONE)
			d->gone++;
		else if (!ok && d->opt.once) {
			/* One pass only: the requests were retried already. */
			d->failed++;
			d->given_up++;
			ok = 1;
			log_error("Failed uploading %s", w->item->path);
		} else if (!ok) {
			d->failed++;
			log_warning("Upload of %s failed; retrying in %lld s",
			    w->item->path, (long long)delay / 1000);
		}
		/* The thread has reported and is returning: wait for its end,
		 * so that never more than -t upload threads exist at once. */
		pthread_join(w->thread, NULL);
		queue_done(d->queue, w->item, ok, delay, now_ms());
		free(w);
	}
	/* An outage: no answer (or 5xx) from S3. Its end: an answer. */
	s3_get_stats(d->s3, &ss);
	d->next_probe_ms = now_ms() + PROBE_MS;
	if (retry && ss.down)
		outage_begin(d);
	else if (d->outage && (answered || !ss.down)) {
		d->outage = 0;
		log_info("S3 answers again: retrying the %zu waiting files now",
		    queue_retry_now(d->queue));
	}
}

static void
dispatch(struct daemon *d)
{
	struct queue_item *it;

	while (!d->stopping && queue_in_flight(d->queue) <
	    (d->outage ? 1 : (size_t)d->opt.threads) &&
	    (!d->outage || now_ms() >= d->next_probe_ms) &&
	    (it = queue_pop(d->queue, d->outage ? INT64_MAX : now_ms())) !=
	    NULL) {
		struct worker *w = calloc(1, sizeof(*w));

		if (w != NULL) {
			w->d = d;
			w->item = it;
			w->hint = it->hint;
		}
		if (w == NULL || pthread_create(&w->thread, &d->attr,
		    upload_thread, w) != 0) {
			log_error("Cannot start an upload thread for %s",
			    it->path);
			free(w);
			queue_done(d->queue, it, 0, RETRY_MIN_MS, now_ms());
			return;
		}
	}
}

/* ---- signals and the loop ---- */

static void
write_stats(struct daemon *d)
{
	struct s3_stats ss;
	struct stats st = { 0 };
	int64_t oldest = queue_oldest_ms(d->queue), now = now_ms();

	d->next_stats_ms = now + STATS_EVERY_MS;
	s3_get_stats(d->s3, &ss);
	st.files_uploaded = d->uploaded;
	st.bytes_uploaded = d->bytes_uploaded;
	st.files_skipped = d->skipped;
	st.files_refused = d->refused;
	st.failures = d->failed;
	st.requests = ss.requests;
	st.retries = ss.retries;
	st.queue_length = queue_ready_count(d->queue);
	st.in_flight = queue_in_flight(d->queue);
	st.oldest_queued_age = oldest < 0 ? 0 : (double)(now - oldest) / 1000;
	st.last_success = (double)d->last_success;
	st.roots_lost = watcher_lost_count(d->watcher);
	if (stats_write(d->opt.stats_file, &st) < 0)
		log_warning("Cannot write the stats file %s: %s",
		    d->opt.stats_file, strerror(errno));
}

/* Roots are checked while watching: not with --once, not once stopping. */
static int
checking_roots(const struct daemon *d)
{
	return !d->opt.once && !d->stopping;
}

/* The poll timeout: the next retry, stats write or root check, -1 for
 * none. */
static int
loop_timeout(struct daemon *d, int64_t deadline)
{
	int64_t now = now_ms(), wait;

	wait = d->stopping ? deadline - now : queue_next_wait(d->queue, now);
	if (d->outage && !d->stopping)
		wait = queue_ready_count(d->queue) == 0 ||
		    queue_in_flight(d->queue) > 0 ? -1 :
		    d->next_probe_ms > now ? d->next_probe_ms - now : 0;
	if (d->opt.stats_file != NULL &&
	    (wait < 0 || d->next_stats_ms - now < wait))
		wait = d->next_stats_ms - now;
	if (checking_roots(d) && (wait < 0 || d->next_root_check_ms - now < wait))
		wait = d->next_root_check_ms - now;
	if (wait < 0 && (d->stopping || d->opt.stats_file != NULL ||
	    checking_roots(d)))
		wait = 0;
	return wait < 0 ? -1 : wait > INT_MAX ? INT_MAX : (int)wait;
}

/* The watcher lost a root (deleted, moved away, unmounted, mounted
 * over): one ERROR line now, again every LOST_LOG_MS while it is lost;
 * with --exit-on-lost-root, one line and a stop with exit status 1, so
 * that a supervisor starts tablesnap again. */
static void
root_lost(void *ctx, const char *root, const char *why)
{
	struct daemon *d = ctx;

	if (d->stopping)
		return;
	if (d->opt.exit_on_lost_root) {
		log_critical("Stopped watching %s (%s): the watched root is "
		    "lost; exiting (--exit-on-lost-root)", root, why);
		d->stopping = 1;
		d->exit_status = 1;
		if (notify_stopping() < 0)
			log_warning("NOTIFY_SOCKET: %s", strerror(errno));
		return;
	}
	log_error("Stopped watching %s (%s): the watched root is lost; nothing "
	    "under it is backed up until it is back", root, why);
	if (watcher_lost_count(d->watcher) == 1)
		d->next_lost_log_ms = now_ms() + d->lost_log_ms;
}

/* Every ROOT_CHECK_MS: lost roots watched again when they are back,
 * roots mounted over (no event says so) found, and the ERROR lines of
 * those still lost repeated at their interval. */
static void
check_roots(struct daemon *d)
{
	int64_t now = now_ms();
	size_t n;

	d->next_root_check_ms = now + ROOT_CHECK_MS;
	watcher_check_roots(d->watcher);
	if (d->stopping || (n = watcher_lost_count(d->watcher)) == 0 ||
	    now < d->next_lost_log_ms)
		return;
	d->next_lost_log_ms = now + d->lost_log_ms;
	for (size_t i = 0; i < n; i++) {
		const char *why, *root = watcher_lost_root(d->watcher, i, &why);

		log_error("The watched root %s is still lost (%s): nothing under "
		    "it is backed up until it is back", root, why);
	}
}

static void
log_status(struct daemon *d)
{
	size_t lost = watcher_lost_count(d->watcher);
	const char *why, *first = watcher_lost_root(d->watcher, 0, &why);

	log_info("Status: %zu queued, %zu in flight, %lu uploaded, %lu "
	    "skipped, %lu refused, %lu failed attempts, %zu directories "
	    "watched, %zu of %zu roots lost%s%s%s", queue_ready_count(d->queue),
	    queue_in_flight(d->queue), d->uploaded, d->skipped, d->refused,
	    d->failed, watcher_count(d->watcher), lost, d->nroots,
	    first != NULL ? " (" : "", first != NULL ? first : "",
	    first == NULL ? "" : lost > 1 ? ", ...)" : ")");
}

/* Returns 1 when the loop should end now. */
static int
handle_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) != sizeof(si))
		return 0;
	switch (si.ssi_signo) {
	case SIGUSR1:
		log_status(d);
		return 0;
	case SIGHUP:
		log_info("SIGHUP received: reading the credentials again");
		reload_credentials(d);
		return 0;
	case SIGINT:
	case SIGTERM:
		break;
	default:
		log_warning("Signal %u (%s) received: ignored", si.ssi_signo,
		    strsignal((int)si.ssi_signo));
		return 0;
	}
	if (d->stopping) {
		log_warning("Second signal: exiting now");
		return 1;
	}
	log_info("Signal %u received: finishing the uploads in flight, "
	    "taking no new files", si.ssi_signo);
	d->stopping = 1;
	if (notify_stopping() < 0)
		log_warning("NOTIFY_SOCKET: %s", strerror(errno));
	return 0;
}

/* Signals that would end the daemon without a word, or that it acts on
 * (SIGHUP, SIGUSR1): blocked from the start, read from the signalfd by
 * the loop; the others are logged and ignored there. SIGINT and SIGTERM
 * join them when the start-up is over. */
static const int loop_signals[] = {
	SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXFSZ,
	SIGIO, SIGPWR,
#ifdef SIGSTKFLT
	SIGSTKFLT,
#endif
};

/* Blocks loop_signals, and with stop SIGINT and SIGTERM too, leaving
 * them in set. pthread_sigmask's result. */
static int
block_signals(sigset_t *set, int stop)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(loop_signals) / sizeof(loop_signals[0]);
	    i++)
		sigaddset(set, loop_signals[i]);
	if (stop) {
		sigaddset(set, SIGINT);
		sigaddset(set, SIGTERM);
	}
	return pthread_sigmask(SIG_BLOCK, set, NULL);
}

/* Start-up: the first SIGINT or SIGTERM makes the cancel fd readable, so
 * that every S3 and credentials wait ends at once; main then exits 1.
 * The second exits now. Only async-signal-safe calls. */
static volatile sig_atomic_t startup_signal;
static int startup_cancel_fd = -1;

static void
on_startup_signal(int sig)
{
	static const char msg[] = "tablesnap: second signal during "
	    "start-up: exiting now\n";
	uint64_t one = 1;
	int e = errno;

	if (startup_signal != 0) {
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(1);
	}
	startup_signal = sig;
	(void)!write(startup_cancel_fd, &one, sizeof(one));
	errno = e;
}

/* Returns the cancel fd (above 2: 0 is "none" to the transport), or -1. */
static int
setup_signals(void)
{
	struct sigaction sa;
	sigset_t set;
	int fd;

	/* Before any thread exists, so that every thread inherits it. */
	if (block_signals(&set, 0) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	if ((fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) >= 0 && fd < 3) {
		startup_cancel_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
	} else
		startup_cancel_fd = fd;
	if (startup_cancel_fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_startup_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	return startup_cancel_fd;
}

/* A signal during the start-up ends it: one line, exit 1. */
static void
startup_check(void)
{
	if (startup_signal != 0) {
		log_critical("Signal %d received during start-up: exiting",
		    (int)startup_signal);
		exit(1);
	}
}

/* The loop takes SIGINT and SIGTERM from the signalfd from now on; one
 * that came before is the start-up's. Returns the signalfd, or -1. */
static int
loop_signal_fd(void)
{
	sigset_t set;

	if (block_signals(&set, 1) != 0)
		return -1;
	startup_check();
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int
run_loop(struct daemon *d)
{
	int64_t deadline = -1;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = d->signal_fd, .events = POLLIN },
			{ .fd = d->done_fd, .events = POLLIN },
			{ .fd = d->stopping ? -1 : watcher_fd(d->watcher),
			    .events = POLLIN },
		};
		int timeout;

		if (checking_roots(d) && now_ms() >= d->next_root_check_ms)
			check_roots(d);
		if (d->opt.stats_file != NULL && now_ms() >= d->next_stats_ms)
			write_stats(d);
		dispatch(d);
		if (d->opt.once && queue_ready_count(d->queue) == 0 &&
		    queue_in_flight(d->queue) == 0)
			break;
		if (d->stopping) {
			if (queue_in_flight(d->queue) == 0)
				break;
			if (deadline < 0)
				deadline = now_ms() +
				    (int64_t)d->opt.shutdown_timeout * 1000;
			if (now_ms() >= deadline) {
				log_warning("%zu uploads still in flight at "
				    "shutdown", queue_in_flight(d->queue));
				upload_abort_in_flight(d->s3);
				break;
			}
		}
		timeout = loop_timeout(d, deadline);
		if (poll(p, 3, timeout) < 0 && errno != EINTR) {
			log_critical("poll: %s", strerror(errno));
			return 1;
		}
		if ((p[0].revents & POLLIN) && handle_signal(d))
			break;
		if (p[1].revents & POLLIN)
			collect(d);
		if ((p[2].revents & POLLIN) && watcher_handle(d->watcher) < 0)
			log_error("inotify read: %s", strerror(errno));
	}
	if (d->opt.stats_file != NULL)
		write_stats(d);
	if (queue_ready_count(d->queue) > 0)
		log_warning("%zu files were still queued; a restart with -B "
		    "uploads them", queue_ready_count(d->queue));
	if (d->opt.once) {
		/* A refused file (a name that is not UTF-8, a non-regular
		 * file) is not in S3: exit 1. One deleted meanwhile (Cassandra
		 * compacted it away) needs no backup: counted, exit 0. */
		log_info("Done: %lu uploaded, %lu already there, %lu gone, "
		    "%lu refused, %lu failed", d->uploaded, d->skipped,
		    d->gone, d->refused, d->given_up);
		return d->given_up > 0 || d->refused > 0 ||
		    queue_ready_count(d->queue) > 0 ||
		    queue_in_flight(d->queue) > 0 ? 1 : 0;
	}
	log_info("Exiting");
	return d->exit_status;
}

/* An interval the tests shorten: the whole number in the environment
 * variable name when it is from min to def, else def. */
static long
env_ms(const char *name, long min, long def)
{
	const char *v = env_value(name);
	char *end;
	long ms = v != NULL ? strtol(v, &end, 10) : 0;

	return v != NULL && *v != '\0' && *end == '\0' && ms >= min &&
	    ms <= def ? ms : def;
}

/* --object-lock-days: the keeper extends the locks of the live files;
 * TABLESNAP_LOCK_REFRESH_MS (tests only) shortens its day. */
static void
start_retention(struct daemon *d)
{
	struct retention_config rc = { .c = d->s3, .opt = &d->opt,
	    .name = d->ucfg.name, .roots = (const char *const *)d->roots,
	    .nroots = d->nroots, .every_ms = env_ms(
	    "TABLESNAP_LOCK_REFRESH_MS", 100, RETENTION_EVERY_MS) };

	if ((d->keeper = retention_start(&rc, &d->attr)) == NULL)
		die("cannot start the Object Lock keeper: %s",
		    strerror(errno));
}

static void
setup_watches(struct daemon *d)
{
	char err[PATH_MAX + 256];

	d->watcher = watcher_new(d->opt.listen, d->opt.recursive,
	    d->opt.auto_add, found, root_lost, d);
	if (d->watcher == NULL)
		die("cannot start inotify: %s", strerror(errno));
	d->roots = calloc(d->opt.npaths, sizeof(*d->roots));
	if (d->roots == NULL)
		die("%s", "out of memory");
	for (size_t i = 0; i < d->opt.npaths; i++) {
		char *abs = absolute_path(d->opt.paths[i]);

		if (abs == NULL)
			die("cannot resolve %s", d->opt.paths[i]);
		d->roots[d->nroots++] = abs;
		if (watcher_add_root(d->watcher, abs, !d->opt.once, err,
		    sizeof(err)) < 0) {
			log_critical("add_watch failed for %s, bailing out! "
			    "(%s)", abs, err);
			exit(1);
		}
	}
	d->lost_log_ms = env_ms("TABLESNAP_LOST_LOG_MS", 1, LOST_LOG_MS);
	d->next_root_check_ms = now_ms() + ROOT_CHECK_MS;
}

/* The companion programs, by their name or by tablesnap's first word. */
static const struct {
	const char *name, *word;
	int (*main)(int, char **);
} companions[] = {
	{ "tableslurp", "restore", restore_main },
	{ "tablechop", "chop", chop_main },
	{ "tableverify", "verify", verify_main },
};

int
main(int argc, char **argv)
{
	static struct daemon d;
	const char *prog = argc > 0 && argv[0] != NULL ? argv[0] : "";
	char err[SETUP_ERRLEN], *name;
	int r;

	/* The keys it holds stay out of core dumps and out of reach of
	 * other processes of the same user (ptrace, /proc/PID/mem); see
	 * README.md for debugging. With 0 it cannot fail. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* One binary, three programs: by name (the symlinks `make install`
	 * makes) or by a first word. */
	if (strrchr(prog, '/') != NULL)
		prog = strrchr(prog, '/') + 1;
	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]); i++)
		if (strcmp(prog, companions[i].name) == 0)
			return companions[i].main(argc, argv);
	for (size_t i = 0; argc > 1 &&
	    i < sizeof(companions) / sizeof(companions[0]); i++)
		if (strcmp(argv[1], companions[i].word) == 0)
			return companions[i].main(argc - 1, argv + 1);
	log_init("tablesnap", env_value("TABLESNAP_SYSLOG") != NULL,
	    env_value("TDEBUG") != NULL);
	if ((r = setup_parsed(&tablesnap_program, options_parse(argc, argv,
	    &d.opt, err, sizeof(err)), err)) >= 0)
		return r;
	d.filter = filter_new(d.opt.excludes, d.opt.nexcludes, d.opt.includes,
	    d.opt.nincludes, err, sizeof(err));
	if (d.filter == NULL)
		return setup_usage_error(&tablesnap_program, err);
	if (d.opt.c.endpoint != NULL && !setup_endpoint_ok(d.opt.c.endpoint))
		return setup_usage_error(&tablesnap_program, "argument "
		    "--endpoint: not a URL of the form http[s]://host[:port]");
	log_info("Starting up");
	if ((d.cancel_fd = setup_signals()) < 0)
		die("cannot set up the signals: %s", strerror(errno));
	name = d.opt.c.name ? strdup(d.opt.c.name) : setup_fqdn();
	if (name == NULL)
		die("%s", "cannot find the host name (give -n)");
	if (setup_s3(&d.setup, &d.opt.c, d.opt.bucket, d.cancel_fd, err,
	    sizeof(err)) < 0) {
		startup_check();
		die("%s", err);
	}
	startup_check();
	d.s3 = d.setup.s3;
	if (d.opt.lock_mode != NULL)
		check_object_lock(&d);
	if (s3_client_set_bandwidth(d.s3, d.opt.max_bandwidth) < 0)
		die("%s", "out of memory");
	/* Over plain HTTP nothing but the signature protects the body. */
	d.ucfg = (struct upload_config){ .opt = &d.opt, .name = name,
	    .filter = d.filter, .signed_payload = !d.setup.tls };
	if ((d.queue = queue_new()) == NULL)
		die("%s", "out of memory");
	d.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d.done_fd < 0 || pthread_mutex_init(&d.done_lock, NULL) != 0 ||
	    pthread_attr_init(&d.attr) != 0 ||
	    pthread_attr_setstacksize(&d.attr, THREAD_STACK) != 0 ||
	    pthread_attr_setdetachstate(&d.attr, PTHREAD_CREATE_JOINABLE) != 0)
		die("cannot set up threads: %s", strerror(errno));
	setup_watches(&d);
	startup_check();
	/* No symbolic link below a root is followed to a file to upload. */
	d.ucfg.roots = (const char *const *)d.roots;
	d.ucfg.nroots = d.nroots;
	if (!d.opt.once)
		log_info("Watching %zu directories", watcher_count(d.watcher));
	/* Ready once every watch exists: no file finished from now on is
	 * missed. Also with --once, so that a Type=notify unit does not fail. */
	if (notify_ready() < 0)
		log_warning("NOTIFY_SOCKET: %s", strerror(errno));
	if (d.opt.backup || d.opt.once)
		startup_scan(&d);
	if ((d.signal_fd = loop_signal_fd()) < 0)
		die("signalfd: %s", strerror(errno));
	if (d.opt.lock_days > 0 && !d.opt.once)
		start_retention(&d);
	r = run_loop(&d);
	retention_stop(d.keeper);
	return r;
}
