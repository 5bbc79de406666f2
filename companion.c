/* companion.c: the parts tableslurp and tablechop share: the options only
 * they take, UTC times, a worker pool, and what SIGINT/SIGTERM do (a stop
 * flag, a cancel fd that ends every S3 wait, temporary files removed). */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "fmt.h"
#include "isotime.h"

#define THREAD_STACK	(256 * 1024)

#define MAX_TEMPS	64	/* temporary files known to the handler */

static volatile sig_atomic_t stop_flag;
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

/* ---- paths, keys, times ---- */

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
