/* ratelimit.c: a token bucket refilled at the configured rate and holding
 * at most a tenth of a second's worth, so that bursts stay short. Threads
 * reserve bytes under the lock and sleep outside it. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "ratelimit.h"

struct ratelimit {
	pthread_mutex_t lock;
	double rate;		/* bytes per second */
	double burst;		/* most tokens kept */
	double tokens;		/* may go negative: debt paid by sleeping */
	double last;		/* seconds, monotonic */
};

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct ratelimit *
ratelimit_new(long long bytes_per_sec)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	rl->rate = (double)bytes_per_sec;
	rl->burst = rl->rate / 10;
	rl->tokens = rl->burst;
	rl->last = now_sec();
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

void
ratelimit_take(struct ratelimit *rl, size_t n)
{
	double now, wait;
	struct timespec ts;

	pthread_mutex_lock(&rl->lock);
	now = now_sec();
	rl->tokens += (now - rl->last) * rl->rate;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	rl->last = now;
	rl->tokens -= (double)n;
	/* The debt this caller ran up is paid by its own sleep; later
	 * callers queue behind it because the bucket stays negative. */
	wait = rl->tokens < 0 ? -rl->tokens / rl->rate : 0;
	pthread_mutex_unlock(&rl->lock);
	if (wait <= 0)
		return;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
