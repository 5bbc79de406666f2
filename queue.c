/* queue.c: a FIFO of ready paths, a list of paths waiting to be retried,
 * and a hash table over both and the ones in flight, so that a path is
 * never queued twice or uploaded by two threads at once. The table is its
 * own (chained through the items, keyed by their path) rather than htab.c,
 * whose nodes carry a key pointer: a storm of a million files counts every
 * byte of an item. */
#include <stdlib.h>
#include <string.h>

#include "htab.h"
#include "queue.h"

enum { ST_READY, ST_WAITING, ST_FLIGHT };

struct queue {
	struct queue_item **b;		/* every item: ready, waiting, flying */
	size_t nb, n;			/* buckets, items */
	struct queue_item *head, *tail;	/* ready, FIFO */
	struct queue_item *waiting;	/* failed, unordered */
	size_t nready, nwaiting, nflight;
	int64_t epoch_ms;		/* the items' time 0 */
	int started;			/* epoch_ms set */
};

static struct queue_item **
bucket(const struct queue *q, const char *path)
{
	return &q->b[htab_hash(path) % q->nb];
}

/* Doubles the buckets when there are as many items; when that fails the
 * table only gets slower. */
static void
grow(struct queue *q)
{
	size_t nb = q->nb * 2;
	struct queue_item **old = q->b, **b;

	if (q->n < q->nb || nb > SIZE_MAX / sizeof(*b) ||
	    (b = calloc(nb, sizeof(*b))) == NULL)
		return;
	q->b = b;
	q->nb = nb;
	for (size_t i = 0; i < nb / 2; i++)
		for (struct queue_item *it = old[i], *next; it; it = next) {
			struct queue_item **pp = bucket(q, it->path);

			next = it->hnext;
			it->hnext = *pp;
			*pp = it;
		}
	free(old);
}

/* Tenths of a second since the epoch, rounded down or (up) up; never
 * below 0 (a time before the first push is the epoch). */
static uint32_t
tick(const struct queue *q, int64_t ms, int up)
{
	int64_t t = ms - q->epoch_ms;

	if (t <= 0)
		return 0;
	t = (t + (up ? 99 : 0)) / 100;
	return t < UINT32_MAX ? (uint32_t)t : UINT32_MAX;
}

static int64_t
tick_ms(const struct queue *q, uint32_t t)
{
	return q->epoch_ms + (int64_t)t * 100;
}

struct queue *
queue_new(void)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->nb = 1024;
	if ((q->b = calloc(q->nb, sizeof(*q->b))) == NULL) {
		free(q);
		return NULL;
	}
	return q;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nb; i++)
		for (struct queue_item *it = q->b[i], *next; it; it = next) {
			next = it->hnext;
			free(it);
		}
	free(q->b);
	free(q);
}

static void
append_ready(struct queue *q, struct queue_item *it)
{
	it->state = ST_READY;
	it->next = NULL;
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->nready++;
}

static void
forget(struct queue *q, struct queue_item *it)
{
	struct queue_item **pp = bucket(q, it->path);

	while (*pp != it)
		pp = &(*pp)->hnext;
	*pp = it->hnext;
	q->n--;
	free(it);
}

int
queue_push(struct queue *q, const char *path, enum object_hint hint,
    int64_t now_ms)
{
	struct queue_item *it = *bucket(q, path);
	size_t len = strlen(path);

	while (it != NULL && strcmp(it->path, path) != 0)
		it = it->hnext;
	if (it != NULL) {
		/* In flight, the upload holds its own copy of the hint:
		 * the first repeat starts the next run's. */
		if (it->state == ST_FLIGHT && !it->again) {
			it->again = 1;
			it->hint = hint;
		} else if (hint > it->hint)
			it->hint = hint;
		return 0;
	}
	if ((it = malloc(offsetof(struct queue_item, path) + len + 1)) == NULL)
		return -1;
	memset(it, 0, offsetof(struct queue_item, path));
	memcpy(it->path, path, len + 1);
	if (!q->started) {
		q->started = 1;
		q->epoch_ms = now_ms;
	}
	it->queued = tick(q, now_ms, 0);
	it->hint = hint;
	grow(q);
	it->hnext = *bucket(q, path);
	*bucket(q, path) = it;
	q->n++;
	append_ready(q, it);
	return 1;
}

/* Moves waiting items whose time has come to the end of the ready FIFO. */
static void
wake_waiting(struct queue *q, int64_t now_ms)
{
	struct queue_item **pp = &q->waiting;

	while (*pp != NULL) {
		struct queue_item *it = *pp;

		if (tick_ms(q, it->not_before) <= now_ms) {
			*pp = it->next;
			q->nwaiting--;
			append_ready(q, it);
		} else
			pp = &it->next;
	}
}

struct queue_item *
queue_pop(struct queue *q, int64_t now_ms)
{
	struct queue_item *it;

	wake_waiting(q, now_ms);
	it = q->head;
	if (it == NULL)
		return NULL;
	q->head = it->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->nready--;
	it->next = NULL;
	it->state = ST_FLIGHT;
	it->again = 0;
	q->nflight++;
	return it;
}

void
queue_done(struct queue *q, struct queue_item *it, int ok, int64_t retry_ms,
    int64_t now_ms)
{
	q->nflight--;
	/* What the finder knew is old news after an attempt, unless it
	 * found the file again meanwhile. */
	if (!it->again)
		it->hint = OBJECT_UNKNOWN;
	if (ok) {
		it->failures = 0;
		if (it->again)
			append_ready(q, it);
		else
			forget(q, it);
		return;
	}
	if (it->failures < UINT8_MAX)
		it->failures++;
	it->state = ST_WAITING;
	it->not_before = tick(q, now_ms + retry_ms, 1);
	it->next = q->waiting;
	q->waiting = it;
	q->nwaiting++;
}

size_t
queue_retry_now(struct queue *q)
{
	size_t n = q->nwaiting;

	for (struct queue_item *it = q->waiting; it != NULL; it = it->next)
		it->failures = 0;
	wake_waiting(q, INT64_MAX);
	return n;
}

int64_t
queue_next_wait(const struct queue *q, int64_t now_ms)
{
	int64_t best = -1;

	for (const struct queue_item *it = q->waiting; it; it = it->next) {
		int64_t d = tick_ms(q, it->not_before) - now_ms;

		if (d < 0)
			d = 0;
		if (best < 0 || d < best)
			best = d;
	}
	return best;
}

size_t
queue_ready_count(const struct queue *q)
{
	return q->nready + q->nwaiting;
}

size_t
queue_in_flight(const struct queue *q)
{
	return q->nflight;
}

int64_t
queue_oldest_ms(const struct queue *q)
{
	/* The FIFO's head is its oldest; waiting items may be older. */
	int64_t oldest = q->head != NULL ? (int64_t)q->head->queued : -1;

	for (const struct queue_item *it = q->waiting; it; it = it->next)
		if (oldest < 0 || it->queued < oldest)
			oldest = it->queued;
	return oldest < 0 ? -1 : tick_ms(q, (uint32_t)oldest);
}
