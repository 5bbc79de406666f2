/* companion.c: the parts tableslurp and tablechop share: the options only
 * they take, key names, UTC times, a worker pool, and the stop flag set by
 * SIGINT/SIGTERM. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "companion.h"
#include "fmt.h"
#include "isotime.h"

#define THREAD_STACK	(256 * 1024)

static volatile sig_atomic_t stop_flag;

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
	    str_fmt(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
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

static void
on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

void
companion_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	/* The second signal has its default effect. */
	sa.sa_flags = SA_RESETHAND;
	/* These cannot fail for valid signal numbers and handlers. */
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
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
