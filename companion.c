/* companion.c: the parts tableslurp, tableverify and tablechop share: the
 * options only they take, the start, listings read from S3, MD5 of
 * downloads and files, the progress thread, UTC times, a worker pool, and
 * what SIGINT/SIGTERM do (a stop flag, a cancel fd that ends every S3
 * wait, temporary files removed). */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "companion.h"
#include "encode.h"
#include "fmt.h"
#include "isotime.h"
#include "listing.h"
#include "log.h"
#include "s3ops.h"
#include "setup.h"

#define THREAD_STACK	(256 * 1024)

#define MAX_TEMPS	64	/* temporary files known to the handler */
#define MAX_LISTING	(64 * 1024 * 1024)
#define READ_BUF	(128 * 1024)
#define PROGRESS_MS	10000	/* between progress lines */

static atomic_int stop_flag;	/* lock-free: safe in the handler, and between threads */
static int cancel_fd = -1;	/* written by the first SIGINT/SIGTERM */

/* The temporary files a second signal removes: a slot is written while
 * its state is TEMP_BUSY, and read by the handler only when TEMP_SET. */
enum { TEMP_FREE, TEMP_BUSY, TEMP_SET };
static struct {
	atomic_int state;
	int dirfd;		/* the name is relative to it */
	char path[PATH_MAX];
} temps[MAX_TEMPS];

/* ---- the options both tools take ---- */

static int
set_as_of(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	struct common_opts *c = base;

	if (isotime_parse_ms(v, &c->as_of_ms) < 0)
		return cli_fail(err, errlen, "argument %s: invalid time '%s' "
		    "(UTC, e.g. 2024-05-01T12:00:00Z or @1714564800)", name, v);
	c->as_of_given = 1;
	return CLI_OK;
}

const struct cli_opt companion_options[] = {
	CLI_STR(0, "token", struct common_opts, aws_token),
	CLI_STR('P', NULL, struct common_opts, prefix),
	CLI_FN(0, "as-of", set_as_of),
	CLI_END,
};

enum cli_result
companion_required(char *err, size_t errlen, const char *names, size_t npos)
{
	while (npos-- > 0 && strchr(names, ' ') != NULL)
		names = strchr(names, ' ') + 1;
	return cli_fail(err, errlen, "the following arguments are required: "
	    "%s", names);
}

/* ---- times ---- */

void
companion_format_time(long long ms, char out[32])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms - (long long)t * 1000)) >= 32)
		strcpy(out, "(bad time)");
}

/* ---- starting ---- */

int
companion_begin(const struct cli_program *p, enum cli_result r,
    const char *err, int debug, const char *arg, const char *path,
    char **abs)
{
	char msg[128];
	int status = setup_parsed(p, r, err);

	if (status >= 0)
		return status;
	log_init(p->name, env_value("TABLESNAP_SYSLOG") != NULL,
	    env_value("TDEBUG") != NULL || debug);
	if ((*abs = listing_abs_path(path)) != NULL)
		return -1;
	err_set(msg, sizeof(msg), "argument %s: an absolute path, as "
	    "tablesnap saw it", arg);
	return setup_usage_error(p, msg);
}

int
companion_connect(struct s3_setup *su, struct common_opts *c,
    const char *bucket, int need_name, char **name)
{
	char err[SETUP_ERRLEN];

	*name = c->name ? strdup(c->name) : setup_fqdn();
	if (*name == NULL && need_name) {
		log_critical("Cannot find the host name (give -n)");
		return -1;
	}
	companion_signals();
	if (setup_s3(su, c, bucket, companion_cancel_fd(), err,
	    sizeof(err)) < 0) {
		log_critical("%s", err);
		return -1;
	}
	return 0;
}

/* ---- listings ---- */

int
companion_get_listing(struct s3_client *s3, const char *key,
    const char *dir, struct companion_listing *cl, struct s3_error *e,
    char *why, size_t whylen)
{
	size_t len;
	int g;

	memset(cl, 0, sizeof(*cl));
	if ((g = s3_get_small(s3, key, MAX_LISTING, &cl->body, &len, NULL,
	    e)) <= 0)
		return g;
	if (listing_read(cl->body, len, &cl->l, why, whylen) < 0)
		return -2;
	if (dir != NULL && (cl->set = listing_find(&cl->l, dir)) == NULL)
		return err_set(why, whylen, "no file list for %s", dir), -3;
	return 1;
}

void
companion_listing_free(struct companion_listing *cl)
{
	listing_free(&cl->l);
	free(cl->body);
	memset(cl, 0, sizeof(*cl));
}

/* ---- downloads and files ---- */

static int
sink_write(void *arg, const void *buf, size_t len)
{
	struct companion_sink *s = arg;
	const char *p = buf;

	if (companion_stopped())
		return -1;
	md5_update(&s->md5, buf, len);
	s->bytes += (long long)len;
	atomic_fetch_add(s->done, (long long)len);
	while (s->fd >= 0 && len > 0) {
		ssize_t n = write(s->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->werr = n < 0 ? errno : EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
sink_reset(void *arg)
{
	struct companion_sink *s = arg;

	md5_init(&s->md5);
	atomic_fetch_sub(s->done, s->bytes);
	s->bytes = 0;
	if (s->fd >= 0 && (ftruncate(s->fd, 0) < 0 ||
	    lseek(s->fd, 0, SEEK_SET) < 0))
		return -1;
	return 0;
}

void
companion_sink(struct companion_sink *s, struct s3_sink *sink)
{
	md5_init(&s->md5);
	s->werr = 0;
	s->bytes = 0;
	*sink = (struct s3_sink){ sink_write, sink_reset, s };
}

void
companion_md5_hex(struct md5_ctx *c, char hex[33])
{
	unsigned char d[MD5_LEN];

	md5_final(c, d);
	hex_encode(d, sizeof(d), hex);
}

int
companion_md5_fd(int fd, char hex[33])
{
	unsigned char *buf = malloc(READ_BUF);
	struct md5_ctx c;
	ssize_t n = -1;

	if (buf == NULL)
		return -1;
	md5_init(&c);
	while ((n = read(fd, buf, READ_BUF)) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0)
			md5_update(&c, buf, (size_t)n);
	free(buf);
	companion_md5_hex(&c, hex);
	return n == 0 ? 0 : -1;
}

/* ---- progress ---- */

static void *
progress_thread(void *arg)
{
	struct companion_progress *p = arg;
	const char *v = env_value("TABLESNAP_TEST_PROGRESS_MS");
	unsigned long every = v != NULL ? strtoul(v, NULL, 10) : 0;
	struct pollfd pfd = { .fd = p->wake, .events = POLLIN };
	int n;

	if (every == 0 || every > PROGRESS_MS)
		every = PROGRESS_MS;
	while ((n = poll(&pfd, 1, (int)every)) == 0 ||
	    (n < 0 && errno == EINTR))
		if (n == 0)
			p->fn(p->ctx);
	return NULL;
}

void
companion_progress_start(struct companion_progress *p,
    void (*fn)(void *ctx), void *ctx)
{
	p->fn = fn;
	p->ctx = ctx;
	p->started = 0;
	if ((p->wake = eventfd(0, EFD_CLOEXEC)) >= 0 &&
	    !(p->started = pthread_create(&p->th, NULL, progress_thread,
	    p) == 0))
		close(p->wake);
}

void
companion_progress_stop(struct companion_progress *p)
{
	if (!p->started)
		return;
	/* An eventfd write of 1 cannot fail short of a bug. */
	if (eventfd_write(p->wake, 1) == 0)
		pthread_join(p->th, NULL);
	close(p->wake);
	p->started = 0;
}

/* ---- running ---- */

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	void (*fn)(void *, size_t);
	void *ctx;
};

static void *
pool_thread(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

void
companion_parallel(size_t n, int nthreads, void (*fn)(void *ctx, size_t i),
    void *ctx)
{
	struct pool p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t *t;
	pthread_attr_t attr;
	size_t want = nthreads < 1 ? 1 : (size_t)nthreads, started = 0;

	if (want > n)
		want = n;
	if (want == 0)
		return;
	if (pthread_mutex_init(&p.lock, NULL) != 0) {
		/* No lock, no threads: one item after another, here. */
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	t = calloc(want, sizeof(*t));
	if (t != NULL && pthread_attr_init(&attr) == 0) {
		if (pthread_attr_setstacksize(&attr, THREAD_STACK) == 0)
			while (started < want && pthread_create(&t[started],
			    &attr, pool_thread, &p) == 0)
				started++;
		pthread_attr_destroy(&attr);
	}
	/* No thread at all: do the work here, one item after another. */
	if (started == 0)
		pool_thread(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
}

/* The first signal sets the flag and makes the cancel fd readable: every
 * network wait and backoff ends, the downloads remove their temporary
 * files. The second removes what is still there and exits at once. Only
 * async-signal-safe calls. */
static void
on_stop(int sig)
{
	static const char msg[] = "Second signal: exiting now\n";
	uint64_t one = 1;
	int e = errno;

	(void)sig;
	if (stop_flag) {
		for (size_t i = 0; i < MAX_TEMPS; i++)
			if (atomic_load(&temps[i].state) == TEMP_SET)
				(void)unlinkat(temps[i].dirfd,
				    temps[i].path, 0);
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(1);
	}
	stop_flag = 1;
	if (cancel_fd > 0)
		(void)!write(cancel_fd, &one, sizeof(one));
	errno = e;
}

void
companion_signals(void)
{
	struct sigaction sa;
	int fd;

	/* Above 2: fd 0 means no cancel fd to the transport. */
	if ((fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) >= 0 && fd < 3) {
		cancel_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		(void)close(fd);
	} else
		cancel_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	/* These cannot fail for valid signal numbers and handlers. */
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaddset(&sa.sa_mask, SIGINT);
	(void)sigaddset(&sa.sa_mask, SIGTERM);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
}

int
companion_cancel_fd(void)
{
	return cancel_fd > 0 ? cancel_fd : 0;
}

int
companion_temp_add(int dirfd, const char *path)
{
	size_t n = strlen(path);

	if (n >= PATH_MAX)
		return -1;
	for (int i = 0; i < MAX_TEMPS; i++) {
		int want = TEMP_FREE;

		if (atomic_compare_exchange_strong(&temps[i].state, &want,
		    TEMP_BUSY)) {
			temps[i].dirfd = dirfd;
			memcpy(temps[i].path, path, n + 1);
			atomic_store(&temps[i].state, TEMP_SET);
			return i;
		}
	}
	return -1;
}

void
companion_temp_remove(int slot)
{
	if (slot >= 0 && slot < MAX_TEMPS)
		atomic_store(&temps[slot].state, TEMP_FREE);
}

int
companion_stopped(void)
{
	return stop_flag != 0;
}

long long
companion_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
