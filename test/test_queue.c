/* test_queue.c: arrival order, coalescing of repeats, re-runs of files
 * that changed while in flight, and retry delays. */
#include <stdlib.h>
#include <string.h>

#include "../queue.h"
#include "unit.h"

static void
order_and_coalescing(void)
{
	struct queue *q = queue_new();
	struct queue_item *a, *b;

	CHECK(queue_push(q, "/a", OBJECT_UNKNOWN, 0) == 1);
	CHECK(queue_push(q, "/b", OBJECT_UNKNOWN, 0) == 1);
	CHECK(queue_push(q, "/a", OBJECT_UNKNOWN, 0) == 0);	/* already queued */
	CHECK(queue_ready_count(q) == 2);
	a = queue_pop(q, 0);
	CHECK(a != NULL && strcmp(a->path, "/a") == 0);
	CHECK(queue_in_flight(q) == 1);
	/* An event for a file in flight runs it again afterwards. */
	CHECK(queue_push(q, "/a", OBJECT_UNKNOWN, 0) == 0);
	b = queue_pop(q, 0);
	CHECK(b != NULL && strcmp(b->path, "/b") == 0);
	CHECK(queue_pop(q, 0) == NULL);
	queue_done(q, a, 1, 0, 0);
	a = queue_pop(q, 0);
	CHECK(a != NULL && strcmp(a->path, "/a") == 0);
	queue_done(q, a, 1, 0, 0);
	queue_done(q, b, 1, 0, 0);
	CHECK(queue_pop(q, 0) == NULL);
	CHECK(queue_ready_count(q) == 0 && queue_in_flight(q) == 0);
	/* Done and forgotten: the same path may be queued anew. */
	CHECK(queue_push(q, "/a", OBJECT_UNKNOWN, 0) == 1);
	queue_free(q);
}

static void
retries_wait(void)
{
	struct queue *q = queue_new();
	struct queue_item *a;

	queue_push(q, "/a", OBJECT_UNKNOWN, 0);
	a = queue_pop(q, 0);
	queue_done(q, a, 0, 5000, 100);
	CHECK(a->failures == 1);
	CHECK(queue_ready_count(q) == 1);
	CHECK(queue_next_wait(q, 100) == 5000);
	CHECK(queue_pop(q, 5099) == NULL);
	/* A new event for a waiting file does not double it. */
	CHECK(queue_push(q, "/a", OBJECT_UNKNOWN, 200) == 0);
	a = queue_pop(q, 5100);
	CHECK(a != NULL && strcmp(a->path, "/a") == 0);
	CHECK(queue_next_wait(q, 5100) == -1);
	queue_done(q, a, 1, 0, 5200);
	CHECK(queue_ready_count(q) == 0);
	queue_free(q);
}

static void
many(void)
{
	struct queue *q = queue_new();
	char path[32];
	int ok = 1;

	for (int i = 0; i < 50000; i++) {
		snprintf(path, sizeof(path), "/f%d", i);
		ok &= queue_push(q, path, OBJECT_UNKNOWN, i) == 1;
	}
	for (int i = 0; i < 50000; i += 7) {
		snprintf(path, sizeof(path), "/f%d", i);
		ok &= queue_push(q, path, OBJECT_UNKNOWN, i) == 0;
	}
	CHECK(ok);
	CHECK(queue_ready_count(q) == 50000);
	for (int i = 0; i < 50000; i++) {
		struct queue_item *it = queue_pop(q, 0);

		snprintf(path, sizeof(path), "/f%d", i);
		ok &= it != NULL && strcmp(it->path, path) == 0;
		if (it != NULL)
			queue_done(q, it, 1, 0, 0);
	}
	CHECK(ok);
	CHECK(queue_ready_count(q) == 0);
	queue_free(q);
}

/* S3 answers again: the waiting files are ready at once, their back-off
 * reset, in flight ones untouched. */
static void
retry_now(void)
{
	struct queue *q = queue_new();
	struct queue_item *a, *b, *c;

	queue_push(q, "/a", OBJECT_UNKNOWN, 0);
	queue_push(q, "/b", OBJECT_UNKNOWN, 0);
	a = queue_pop(q, 0);
	b = queue_pop(q, 0);
	queue_done(q, a, 0, 300000, 0);
	CHECK(queue_pop(q, 1000) == NULL && queue_retry_now(q) == 1);
	CHECK(queue_next_wait(q, 1000) == -1 && a->failures == 0);
	CHECK(queue_pop(q, 1000) == a && queue_in_flight(q) == 2);
	CHECK(queue_retry_now(q) == 0);
	CHECK(queue_oldest_ms(q) == -1);	/* none waits or is ready */
	CHECK(queue_push(q, "/c", OBJECT_UNKNOWN, 1250) == 1);
	CHECK(queue_oldest_ms(q) == 1200);	/* tenths, rounded down */
	CHECK((c = queue_pop(q, 1300)) != NULL);
	queue_done(q, c, 1, 0, 1300);
	queue_done(q, a, 1, 0, 1000);
	queue_done(q, b, 1, 0, 1000);
	CHECK(queue_ready_count(q) == 0 && queue_in_flight(q) == 0);
	queue_free(q);
}

/* "Not in S3" from a listing lasts only until the first attempt, and of
 * two hints for one file the more cautious stays. */
static void
object_hints(void)
{
	struct queue *q = queue_new();
	struct queue_item *a;

	CHECK(queue_push(q, "/a", OBJECT_ABSENT, 0) == 1);
	a = queue_pop(q, 0);
	CHECK(a != NULL && a->hint == OBJECT_ABSENT);
	queue_done(q, a, 0, 0, 0);
	a = queue_pop(q, 1);
	CHECK(a != NULL && a->hint == OBJECT_UNKNOWN);
	queue_done(q, a, 1, 0, 1);
	CHECK(queue_push(q, "/b", OBJECT_ABSENT, 0) == 1);
	CHECK(queue_push(q, "/b", OBJECT_UNKNOWN, 0) == 0);
	a = queue_pop(q, 0);
	CHECK(a != NULL && a->hint == OBJECT_UNKNOWN);
	queue_done(q, a, 1, 0, 0);
	CHECK(queue_push(q, "/c", OBJECT_LIKELY, 0) == 1);
	CHECK(queue_push(q, "/c", OBJECT_ABSENT, 0) == 0);
	CHECK(queue_push(q, "/c", OBJECT_UNKNOWN, 0) == 0);
	a = queue_pop(q, 0);
	CHECK(a != NULL && a->hint == OBJECT_LIKELY);
	/* In flight: an event for it raises the hint for the next run. */
	CHECK(queue_push(q, "/c", OBJECT_UNKNOWN, 0) == 0);
	queue_done(q, a, 1, 0, 0);
	a = queue_pop(q, 0);
	CHECK(a != NULL && a->hint == OBJECT_UNKNOWN);
	CHECK(queue_push(q, "/c", OBJECT_LIKELY, 0) == 0);
	queue_done(q, a, 1, 0, 0);
	a = queue_pop(q, 0);
	CHECK(a != NULL && a->hint == OBJECT_LIKELY);
	queue_done(q, a, 1, 0, 0);
	CHECK(queue_pop(q, 0) == NULL);
	queue_free(q);
}

void
test_queue(void)
{
	object_hints();
	order_and_coalescing();
	retries_wait();
	retry_now();
	many();
}
