/* queue.h: the files waiting for upload, in arrival order, with repeats
 * coalesced and failed files waiting for a retry. Used by the main thread
 * only: upload threads report back through the main loop. */
#ifndef TABLESNAP_QUEUE_H
#define TABLESNAP_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "htab.h"

struct queue;

/* What the finder knew of a file's object in S3, from the least cautious
 * to the most; it decides whether the upload looks the object up first. */
enum object_hint {
	OBJECT_ABSENT,		/* a listing just showed none: no lookup */
	OBJECT_UNKNOWN,		/* e.g. a file just finished: likely new */
	OBJECT_LIKELY,		/* found again by a scan: likely there */
};

/* One file known to the queue. path is owned by the queue. */
struct queue_item {
	char *path;
	int state;		/* private */
	int again;		/* an event came while it was in flight */
	enum object_hint hint;	/* copied by the dispatcher: the queue
				 * changes it while the file is in flight */
	unsigned failures;	/* consecutive failed attempts */
	int64_t not_before_ms;	/* retry time, monotonic */
	int64_t queued_ms;	/* when it was first queued */
	struct queue_item *next;
	struct htab_node hnode;	/* private: keyed by path */
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

/* Milliseconds until a waiting item becomes ready; -1 when none waits. */
int64_t queue_next_wait(const struct queue *q, int64_t now_ms);

size_t queue_ready_count(const struct queue *q);	/* ready + waiting */
/* When the oldest file not in flight was queued; -1 when none is. */
int64_t queue_oldest_ms(const struct queue *q);
size_t queue_in_flight(const struct queue *q);

#endif
