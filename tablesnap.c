/* tablesnap.c: options, start-up checks and the main loop: inotify events
 * and finished uploads arrive through one poll(); one thread is spawned per
 * upload, at most -t at a time. Only this file exits. */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "chop.h"
#include "companion.h"
#include "creds.h"
#include "filter.h"
#include "fmt.h"
#include "http.h"
#include "keyset.h"
#include "log.h"
#include "notify.h"
#include "options.h"
#include "queue.h"
#include "restore.h"
#include "s3ops.h"
#include "stats.h"
#include "upload.h"
#include "version.h"
#include "watch.h"

#define EXIT_USAGE	2
#define DEFAULT_CA	"/etc/ssl/certs/ca-certificates.crt"
#define THREAD_STACK	(256 * 1024)
#define RETRY_MIN_MS	5000
#define RETRY_MAX_MS	300000
#define STATS_EVERY_MS	5000
#define SCAN_PROGRESS_MS 10000

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
	struct s3_client *s3;
	struct cred_chain *creds;
	struct upload_config ucfg;
	int done_fd, signal_fd;
	pthread_mutex_t done_lock;
	struct worker *done;		/* finished, not yet collected */
	pthread_attr_t attr;
	unsigned long uploaded, skipped, failed;
	unsigned long refused;		/* never uploadable, skipped */
	unsigned long long bytes_uploaded;
	time_t last_success;
	int64_t next_stats_ms;		/* --stats-file: next write */
	char **roots;			/* the paths, absolute */
	size_t nroots;
	struct keyset *known;		/* start-up scan: keys in S3 */
	struct {
		int active;
		unsigned long scanned, queued, present;
		int64_t last_ms;
	} scan;
	unsigned long given_up;		/* --once: files that failed */
	int stopping;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
die(const char *fmt, const char *arg)
{
	log_critical(fmt, arg);
	exit(1);
}

/* ---- configuration ---- */

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
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
		if (str_afmt(&buf, "%s/%s", cwd, p) < 0)
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

/* The host's fully qualified name, as Python's socket.getfqdn(). */
static char *
fqdn(void)
{
	char host[HOST_NAME_MAX + 1];
	struct addrinfo hints = { .ai_flags = AI_CANONNAME }, *ai = NULL;
	char *name;

	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai->ai_canonname &&
	    strchr(ai->ai_canonname, '.') != NULL)
		name = strdup(ai->ai_canonname);
	else
		name = strdup(host);
	if (ai != NULL)
		freeaddrinfo(ai);
	return name;
}

struct endpoint {
	int tls;
	char *host, *port;
	int custom;
};

/* Splits "https://host[:port][/]" ("[v6]" hosts too). */
static int
parse_endpoint(const char *url, struct endpoint *ep)
{
	const char *p, *end, *colon;

	ep->tls = strncmp(url, "https://", 8) == 0;
	if (!ep->tls && strncmp(url, "http://", 7) != 0)
		return -1;
	p = url + (ep->tls ? 8 : 7);
	end = p + strcspn(p, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0)
		return -1;	/* a path would change every key */
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL || (rb + 1 < end && rb[1] != ':'))
			return -1;
		ep->host = strndup(p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		ep->host = strndup(p, (size_t)((colon ? colon : end) - p));
	}
	if (colon != NULL)
		ep->port = strndup(colon + 1, (size_t)(end - colon - 1));
	else
		ep->port = strdup(ep->tls ? "443" : "80");
	if (ep->host == NULL || ep->port == NULL || ep->host[0] == '\0' ||
	    ep->port[0] == '\0' || strspn(ep->port, "0123456789") !=
	    strlen(ep->port) || strlen(ep->port) > 5 || atoi(ep->port) < 1 ||
	    atoi(ep->port) > 65535)
		return -1;
	/* The host goes into the Host header: no byte that could end it. */
	if (strspn(ep->host, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:%") != strlen(ep->host))
		return -1;
	return 0;
}

/* For the command line: --endpoint errors are usage errors. */
static int
endpoint_ok(const char *url)
{
	struct endpoint ep = { 0 };
	int ok = parse_endpoint(url, &ep) == 0;

	free(ep.host);
	free(ep.port);
	return ok;
}

/* A name that can be a DNS label under virtual hosting (and in TLS). */
static int
virtual_host_ok(const char *bucket)
{
	for (const char *p = bucket; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return 0;
	return 1;
}

static void
setup_endpoint(struct daemon *d, struct s3_config *cfg, struct endpoint *ep)
{
	const char *url = d->opt.endpoint;
	char aws[128];

	if (url == NULL)
		url = env("AWS_ENDPOINT_URL_S3");
	if (url == NULL)
		url = env("AWS_ENDPOINT_URL");
	ep->custom = url != NULL;
	if (url == NULL) {
		if (strcmp(cfg->region, "us-east-1") == 0)
			url = "https://s3.amazonaws.com";
		else if (str_fmt(aws, sizeof(aws), "https://s3.%s.amazonaws.com",
		    cfg->region) >= (int)sizeof(aws))
			die("region name too long: %s", cfg->region);
		else
			url = aws;
	}
	if (parse_endpoint(url, ep) < 0)
		die("invalid endpoint URL '%s' (want http[s]://host[:port])",
		    url);
	cfg->host = ep->host;
	cfg->port = ep->port;
	cfg->tls = ep->tls;
	if (d->opt.path_style != 0)
		cfg->path_style = d->opt.path_style > 0;
	else
		cfg->path_style = ep->custom || !virtual_host_ok(cfg->bucket);
}

static void
setup_tls(struct daemon *d, struct tls_anchors *ta)
{
	const char *ca = d->opt.ca_file ? d->opt.ca_file : env("AWS_CA_BUNDLE");
	char err[512];
	size_t skipped = 0;
	long n;

	if (ca == NULL)
		ca = DEFAULT_CA;
	n = tls_anchors_load(ta, ca, &skipped, err, sizeof(err));
	if (n < 0)
		die("cannot load trust anchors: %s", err);
	if (n == 0)
		die("no usable CA certificate in %s: HTTPS cannot be verified",
		    ca);
	if (skipped > 0)
		log_warning("%zu certificates of %s are of a kind BearSSL "
		    "cannot use; skipped", skipped, ca);
	log_debug("Loaded %ld trust anchors from %s", n, ca);
}

/* Overwrites an option's value in argv (options point into it), so that
 * /proc/<pid>/cmdline and ps no longer show it. */
static void
erase_arg(const char **value)
{
	if (*value != NULL)
		memset((char *)*value, 'x', strlen(*value));
	*value = NULL;
}

static void
setup_credentials(struct daemon *d, const struct tls_anchors *anchors)
{
	struct cred_args args = { .access_key = d->opt.aws_key,
	    .secret_key = d->opt.aws_secret, .token = d->opt.aws_token,
	    .anchors = anchors };
	char err[1024];

	if ((d->creds = cred_chain_new(&args, err, sizeof(err))) == NULL)
		die("%s", err);
	if (d->opt.aws_key != NULL || d->opt.aws_secret != NULL ||
	    d->opt.aws_token != NULL) {
		log_warning("Keys given with -k/-s/--aws-token are visible to "
		    "every local user until erased from the command line: use "
		    "the environment, ~/.aws/credentials or an instance role");
		erase_arg(&d->opt.aws_key);
		erase_arg(&d->opt.aws_secret);
		erase_arg(&d->opt.aws_token);
	}
	s3_client_set_cred_chain(d->s3, d->creds);
	log_info("Credentials from %s", cred_chain_source(d->creds));
}

/* SIGHUP: the whole chain again (a rewritten credentials file, a new
 * role); the old keys stay when that fails. */
static void
reload_credentials(struct daemon *d)
{
	char err[1024];

	if (cred_chain_reload(d->creds, err, sizeof(err)) < 0)
		log_error("Credentials not reloaded, the old ones stay: %s",
		    err);
	else
		log_info("Credentials reloaded from %s",
		    cred_chain_source(d->creds));
}

/* --aws-region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region in
 * the shared files, us-east-1 (the original's default). */
static const char *
setup_region(struct daemon *d)
{
	static char *from_profile;
	const char *r = d->opt.aws_region;
	char err[1024];

	if (r == NULL)
		r = env("AWS_REGION");
	if (r == NULL)
		r = env("AWS_DEFAULT_REGION");
	if (r == NULL) {
		if (cred_profile_region(&from_profile, err, sizeof(err)) < 0)
			die("%s", err);
		r = from_profile;
	}
	if (r == NULL)
		r = "us-east-1";
	if (!cred_region_valid(r))
		die("'%s' is not a region name", r);
	return r;
}

/* A refusal of the keys names where they came from. */
static void
die_bucket_check(struct daemon *d, const char *err, const char *code)
{
	static const char *const key_codes[] = {
		"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
		"InvalidToken", "TokenRefreshRequired", "AccessDenied",
		"InvalidClientTokenId",
	};

	for (size_t i = 0; i < sizeof(key_codes) / sizeof(key_codes[0]); i++)
		if (strcmp(code, key_codes[i]) == 0) {
			log_critical("%s (credentials from %s)", err,
			    cred_chain_source(d->creds));
			exit(1);
		}
	die("%s", err);
}

static void
setup_s3(struct daemon *d)
{
	static struct tls_anchors anchors;	/* shared for the whole run */
	static struct endpoint ep;
	struct s3_config cfg = { .bucket = d->opt.bucket,
	    .retries = d->opt.retries,
	    .timeout_ms = d->opt.request_timeout * 1000 };
	char err[S3_ERRLEN], code[64];

	cfg.region = setup_region(d);
	setup_endpoint(d, &cfg, &ep);
	cfg.region_host = !ep.custom;
	cfg.connect_host = env("TABLESNAP_CONNECT_HOST");	/* tests */
	if (cfg.tls) {
		setup_tls(d, &anchors);
		cfg.anchors = &anchors;
	}
	/* Over plain HTTP nothing but the signature protects the body. */
	d->ucfg.signed_payload = !cfg.tls;
	if ((d->s3 = s3_client_new(&cfg)) == NULL ||
	    s3_client_set_bandwidth(d->s3, d->opt.max_bandwidth) < 0)
		die("%s", "out of memory");
	setup_credentials(d, cfg.tls ? &anchors : NULL);
	if (s3_check_bucket(d->s3, err, code, sizeof(code)) < 0)
		die_bucket_check(d, err, code);
	log_debug("Bucket %s is reachable at %s:%s", cfg.bucket, cfg.host,
	    cfg.port);
}

/* tableslurp and tablechop: S3 set up exactly as the daemon does it
 * (exits 1 on a start-up failure, as the daemon does). */
static struct s3_client *
companion_s3(const struct options *opt)
{
	static struct daemon cd;

	cd.opt = *opt;
	setup_s3(&cd);
	return cd.s3;
}

static void
setup_upload_config(struct daemon *d, const char *name)
{
	struct upload_config *u = &d->ucfg;

	u->prefix = d->opt.prefix;
	u->name = name;
	u->separator = d->opt.separator;
	u->with_index = !d->opt.without_index;
	u->with_sse = d->opt.with_sse;
	u->reduced_redundancy = d->opt.reduced_redundancy;
	u->md5_on_start = d->opt.md5_on_start;
	u->delete_on_backup = d->opt.delete_on_backup;
	u->max_upload_size = d->opt.max_upload_size;
	u->chunk_size = d->opt.chunk_size;
	u->part_retries = d->opt.retries;
	u->filter = d->filter;
}

/* ---- queueing and uploads ---- */

/* During the start-up scan, what the listing says of path's object:
 * 1 there with the same size (skip), -1 not there (upload, no HEAD needed),
 * 0 ask S3 with a HEAD as usual. */
static int
listed_in_s3(struct daemon *d, const char *path)
{
	struct stat st;
	char *key;
	long long size;
	int r = 0;

	if (d->known == NULL || d->opt.md5_on_start)
		return 0;
	if ((key = upload_key(&d->ucfg, path)) == NULL)
		return 0;
	size = keyset_size(d->known, key);
	if (size < 0)
		r = -1;
	else if (lstat(path, &st) == 0 && st.st_size == size) {
		log_debug("Keyname %s already exists, skipping upload", key);
		r = 1;
	}
	free(key);
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

/* The start-up scan hints from the listing (or, without one, that the
 * object is likely there, as it is after a restart); a rescan after lost
 * events finds mostly files uploaded already; an event or a new
 * directory, files likely new. */
static void
found(void *ctx, const char *path, int again)
{
	struct daemon *d = ctx;
	int scanning = d->scan.active, listed;
	enum object_hint hint = again ? OBJECT_LIKELY : OBJECT_UNKNOWN;

	if (d->stopping)
		return;
	if (scanning) {
		d->scan.scanned++;
		scan_progress(d, 0);
	}
	if (!filter_keep(d->filter, path)) {
		log_info("Skipping %s due to exclusion rule", path);
		return;
	}
	listed = scanning ? listed_in_s3(d, path) : 0;
	if (listed > 0) {
		d->scan.present++;
		d->skipped++;
		return;
	}
	if (scanning)
		hint = listed < 0 ? OBJECT_ABSENT : OBJECT_LIKELY;
	if (queue_push(d->queue, path, hint, now_ms()) < 0)
		log_error("Out of memory: %s not queued", path);
	else if (scanning)
		d->scan.queued++;
}

static int
add_listed(void *ctx, const struct s3_list *page)
{
	for (size_t i = 0; i < page->n; i++)
		if (keyset_add(ctx, page->entries[i].key,
		    page->entries[i].size) < 0)
			return -1;
	return 0;
}

/* Lists what S3 has under each root: one ListObjectsV2 sweep instead of
 * a HEAD per file, page by page into the key set. NULL (then HEADs it is)
 * when the listing fails. */
static struct keyset *
list_known(struct daemon *d)
{
	struct keyset *ks = keyset_new();
	char err[S3_ERRLEN] = "out of memory";

	for (size_t i = 0; ks != NULL && i < d->nroots; i++) {
		char *prefix = NULL, *key = upload_key(&d->ucfg, d->roots[i]);
		int r = -1;

		if (key != NULL && str_afmt(&prefix, "%s%s", key,
		    strcmp(d->roots[i], "/") == 0 ? "" : "/") >= 0)
			r = s3_list_objects_by_page(d->s3, prefix,
			    d->opt.recursive ? NULL : "/", add_listed, ks, err);
		else
			prefix = NULL;
		if (r < 0) {
			log_warning("Cannot list %s in S3 (%s): checking each "
			    "file with HEAD instead", prefix ? prefix : "keys",
			    err);
			keyset_free(ks);
			ks = NULL;
		}
		free(prefix);
		free(key);
	}
	return ks;
}

static void
startup_scan(struct daemon *d)
{
	d->known = list_known(d);
	d->scan.active = 1;
	d->scan.last_ms = now_ms();
	watcher_scan_roots(d->watcher);
	d->scan.active = 0;
	scan_progress(d, 1);
	keyset_free(d->known);
	d->known = NULL;
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
	uint64_t n;

	if (read(d->done_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_error("eventfd: %s", strerror(errno));
	pthread_mutex_lock(&d->done_lock);
	w = d->done;
	d->done = NULL;
	pthread_mutex_unlock(&d->done_lock);
	for (; w != NULL; w = next) {
		int ok = w->status != UPLOAD_RETRY;

		next = w->next;
		if (w->status == UPLOAD_DONE) {
			d->uploaded++;
			d->bytes_uploaded += (unsigned long long)w->bytes;
			d->last_success = time(NULL);
		} else if (w->status == UPLOAD_SKIPPED)
			d->skipped++;
		else if (w->status == UPLOAD_REFUSED)
			d->refused++;
		else if (!ok && d->opt.once) {
			/* One pass only: the requests were retried already. */
			d->failed++;
			d->given_up++;
			ok = 1;
			log_error("Failed uploading %s", w->item->path);
		} else if (!ok) {
			d->failed++;
			log_warning("Upload of %s failed; retrying in %lld s",
			    w->item->path, (long long)retry_delay(
			    w->item->failures + 1) / 1000);
		}
		/* The thread has reported and is returning: wait for its end,
		 * so that never more than -t upload threads exist at once. */
		pthread_join(w->thread, NULL);
		queue_done(d->queue, w->item, ok,
		    retry_delay(w->item->failures + 1), now_ms());
		free(w);
	}
}

static void
dispatch(struct daemon *d)
{
	struct queue_item *it;

	while (!d->stopping &&
	    queue_in_flight(d->queue) < (size_t)d->opt.threads &&
	    (it = queue_pop(d->queue, now_ms())) != NULL) {
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
	if (stats_write(d->opt.stats_file, &st) < 0)
		log_warning("Cannot write the stats file %s: %s",
		    d->opt.stats_file, strerror(errno));
}

/* The poll timeout: the next retry or stats write, -1 for none. */
static int
loop_timeout(struct daemon *d, int64_t deadline)
{
	int64_t now = now_ms(), wait;

	wait = d->stopping ? deadline - now : queue_next_wait(d->queue, now);
	if (d->opt.stats_file != NULL &&
	    (wait < 0 || d->next_stats_ms - now < wait))
		wait = d->next_stats_ms - now;
	if (wait < 0 && (d->stopping || d->opt.stats_file != NULL))
		wait = 0;
	return wait < 0 ? -1 : wait > INT_MAX ? INT_MAX : (int)wait;
}

static void
log_status(struct daemon *d)
{
	log_info("Status: %zu queued, %zu in flight, %lu uploaded, %lu "
	    "skipped, %lu refused, %lu failed attempts, %zu directories "
	    "watched", queue_ready_count(d->queue), queue_in_flight(d->queue),
	    d->uploaded, d->skipped, d->refused, d->failed,
	    watcher_count(d->watcher));
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
	default:
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
}

static int
setup_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	/* Before any thread exists, so that every thread inherits it. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return fd;
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
		log_info("Done: %lu uploaded, %lu already there, %lu failed",
		    d->uploaded, d->skipped, d->given_up);
		return d->given_up > 0 || queue_ready_count(d->queue) > 0 ||
		    queue_in_flight(d->queue) > 0 ? 1 : 0;
	}
	log_info("Exiting");
	return 0;
}

static void
usage_error(const char *msg)
{
	log_print(STDERR_FILENO, "%stablesnap: error: %s\n", options_usage, msg);
	exit(EXIT_USAGE);
}

static void
setup_watches(struct daemon *d)
{
	char err[PATH_MAX + 256];

	d->watcher = watcher_new(d->opt.listen, d->opt.recursive,
	    d->opt.auto_add, found, d);
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
}

int
main(int argc, char **argv)
{
	static const struct companion_hooks hooks = { companion_s3, fqdn };
	static struct daemon d;
	const char *prog = argc > 0 && argv[0] != NULL ? argv[0] : "";
	char err[512], *name;

	/* One binary, three programs: by name (the symlinks `make install`
	 * makes) or by a first word. */
	if (strrchr(prog, '/') != NULL)
		prog = strrchr(prog, '/') + 1;
	if (strcmp(prog, "tableslurp") == 0)
		return restore_main(argc, argv, &hooks);
	if (strcmp(prog, "tablechop") == 0)
		return chop_main(argc, argv, &hooks);
	if (argc > 1 && strcmp(argv[1], "restore") == 0)
		return restore_main(argc - 1, argv + 1, &hooks);
	if (argc > 1 && strcmp(argv[1], "chop") == 0)
		return chop_main(argc - 1, argv + 1, &hooks);
	log_init("tablesnap", env("TABLESNAP_SYSLOG") != NULL,
	    env("TDEBUG") != NULL);
	switch (options_parse(argc, argv, &d.opt, err, sizeof(err))) {
	case OPTIONS_OK:
		break;
	case OPTIONS_HELP:
		log_print(STDOUT_FILENO, "%s\n", options_usage);
		log_print_all(STDOUT_FILENO, options_help);
		return 0;
	case OPTIONS_VERSION:
		log_print(STDOUT_FILENO, "tablesnap %s\n", TABLESNAP_VERSION);
		return 0;
	case OPTIONS_NOMEM:
		usage_error("out of memory");
		break;
	case OPTIONS_USAGE:
		usage_error(err);
		break;
	}
	d.filter = filter_new(d.opt.excludes, d.opt.nexcludes, d.opt.includes,
	    d.opt.nincludes, err, sizeof(err));
	if (d.filter == NULL)
		usage_error(err);
	if (d.opt.endpoint != NULL && !endpoint_ok(d.opt.endpoint))
		usage_error("argument --endpoint: not a URL of the form "
		    "http[s]://host[:port]");
	log_info("Starting up");
	if ((d.signal_fd = setup_signals()) < 0)
		die("signalfd: %s", strerror(errno));
	name = d.opt.name ? strdup(d.opt.name) : fqdn();
	if (name == NULL)
		die("%s", "cannot find the host name (give -n)");
	setup_s3(&d);
	setup_upload_config(&d, name);
	if ((d.queue = queue_new()) == NULL)
		die("%s", "out of memory");
	d.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d.done_fd < 0 || pthread_mutex_init(&d.done_lock, NULL) != 0 ||
	    pthread_attr_init(&d.attr) != 0 ||
	    pthread_attr_setstacksize(&d.attr, THREAD_STACK) != 0 ||
	    pthread_attr_setdetachstate(&d.attr, PTHREAD_CREATE_JOINABLE) != 0)
		die("cannot set up threads: %s", strerror(errno));
	setup_watches(&d);
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
	return run_loop(&d);
}
