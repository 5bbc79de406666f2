/* queue.c: a FIFO of ready paths, a list of paths waiting to be retried,
 * and a hash table (htab.c) over both and the ones in flight, so that a
 * path is never queued twice or uploaded by two threads at once. */
#include <stdlib.h>
#include <string.h>

#include "queue.h"

enum { ST_READY, ST_WAITING, ST_FLIGHT };

struct queue {
	struct htab set;		/* every item: ready, waiting, flying */
	struct queue_item *head, *tail;	/* ready, FIFO */
	struct queue_item *waiting;	/* failed, unordered */
	size_t nready, nwaiting, nflight;
};

struct queue *
queue_new(void)
{
	struct queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	if (htab_init(&q->set, 1024) == -1) {
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
	for (struct htab_node *n = htab_drain(&q->set), *next; n != NULL;
	    n = next) {
		struct queue_item *it = HTAB_ENTRY(n, struct queue_item,
		    hnode);

		next = n->next;
		free(it);
	}
	htab_free(&q->set);
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
	htab_remove(&q->set, &it->hnode);
	free(it);
}

int
queue_push(struct queue *q, const char *path, enum object_hint hint,
    int64_t now_ms)
{
	struct htab_node *n = htab_find(&q->set, path);
	struct queue_item *it;
	size_t len = strlen(path);

	if (n != NULL) {
		it = HTAB_ENTRY(n, struct queue_item, hnode);
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
	it->queued_ms = now_ms;
	it->hint = hint;
	it->hnode.key = it->path;
	htab_add(&q->set, &it->hnode);
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

		if (it->not_before_ms <= now_ms) {
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
	if (it->failures < UINT16_MAX)
		it->failures++;
	it->state = ST_WAITING;
	it->not_before_ms = now_ms + retry_ms;
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
		int64_t d = it->not_before_ms - now_ms;

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
	int64_t oldest = q->head != NULL ? q->head->queued_ms : -1;

	for (const struct queue_item *it = q->waiting; it; it = it->next)
		if (oldest < 0 || it->queued_ms < oldest)
			oldest = it->queued_ms;
	return oldest;
}
