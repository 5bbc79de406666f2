/* queue.h: the files waiting for upload, in arrival order, with repeats
 * coalesced and failed files waiting for a retry. Used by the main thread
 * only: upload threads report back through the main loop. */
#ifndef TABLESNAP_QUEUE_H
#define TABLESNAP_QUEUE_H

#include <stddef.h>
#include <stdint.h>


struct queue;

/* What the finder knew of a file's object in S3, from the least cautious
 * to the most; it decides whether the upload looks the object up first. */
enum object_hint {
	OBJECT_ABSENT,		/* a listing just showed none: no lookup */
	OBJECT_UNKNOWN,		/* e.g. a file just finished: likely new */
	OBJECT_LIKELY,		/* found again by a scan: likely there */
};

/* One file known to the queue, in one allocation with its path: 26 bytes
 * and the path (bench/RESULTS.md has the figure measured with malloc's
 * own overhead and the hash table). Times are kept in tenths of a second
 * from the queue's first push, rounded to the safe side. */
struct queue_item {
	struct queue_item *next;	/* private: ready FIFO or waiting */
	struct queue_item *hnext;	/* private: hash chain */
	uint32_t not_before;		/* private: retry time */
	uint32_t queued;		/* private: when first queued */
	uint8_t failures;		/* consecutive failed attempts (255
					 * at most) */
	uint8_t state : 2;		/* private */
	uint8_t again : 1;		/* an event came while in flight */
	uint8_t hint : 2;		/* enum object_hint; copied by the
					 * dispatcher: the queue changes it
					 * while the file is in flight */
	char path[];
};

struct queue *queue_new(void);
void queue_free(struct queue *q);

/* Queues path unless it is already queued (then nothing happens) or in
 * flight (then it runs again after the current upload). Of two hints for
 * one file the more cautious stays. Returns 1 queued, 0 coalesced, -1 out
 * of memory. */
int queue_push(struct queue *q, const char *path, enum object_hint hint,
    int64_t now_ms);

/* The next file ready to upload, now marked in flight; NULL when none. */
struct queue_item *queue_pop(struct queue *q, int64_t now_ms);

/* An upload finished. ok: forget the item (or queue it again if an event
 * came meanwhile). Not ok: it waits retry_ms, then is ready again. */
void queue_done(struct queue *q, struct queue_item *it, int ok,
    int64_t retry_ms, int64_t now_ms);

/* S3 answers again: every waiting item is ready now, its back-off reset.
 * Returns how many there were. */
size_t queue_retry_now(struct queue *q);

/* Milliseconds until a waiting item becomes ready; -1 when none waits. */
int64_t queue_next_wait(const struct queue *q, int64_t now_ms);

size_t queue_ready_count(const struct queue *q);	/* ready + waiting */
/* When the oldest file not in flight was queued; -1 when none is. */
int64_t queue_oldest_ms(const struct queue *q);
size_t queue_in_flight(const struct queue *q);

#endif
