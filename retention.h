/* retention.h: keeping the Object Lock on live files. Once a day (spread
 * over the day, one summary line) the daemon extends the retention of the
 * objects that the newest listing of each watched directory names, and of
 * that listing; a file no newest listing names is left to expire. */
#ifndef TABLESNAP_RETENTION_H
#define TABLESNAP_RETENTION_H

#include <pthread.h>
#include <stddef.h>

#include "options.h"
#include "s3.h"

#define RETENTION_EVERY_MS	(24LL * 3600 * 1000)

struct retention_config {
	struct s3_client *c;
	const struct options *opt;	/* prefix, separator, lock mode, days */
	const char *name;		/* host name in the keys */
	const char *const *roots;	/* the watched paths, absolute */
	size_t nroots;
	long long every_ms;		/* RETENTION_EVERY_MS, or the test
					 * value of TABLESNAP_LOCK_REFRESH_MS */
};

struct retention;

/* Starts the keeper thread (attr: its stack). NULL when it cannot. */
struct retention *retention_start(const struct retention_config *cfg,
    const pthread_attr_t *attr);
/* Ends its waits, waits for it (a request in flight finishes), frees. */
void retention_stop(struct retention *r);

/* Pure: a listing's key and LastModified. */
struct retention_listing {
	char *key;
	long long mtime_ms;
};
/* Pure: moves the newest listing of each directory (the key up to its
 * last '/') to the front of v, in directory order; returns their count.
 * The others follow; v keeps every key. */
size_t retention_newest(struct retention_listing *v, size_t n);

#endif
