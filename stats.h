/* stats.h: the --stats-file counters, in the Prometheus text format for
 * node_exporter's textfile collector, replaced atomically. */
#ifndef TABLESNAP_STATS_H
#define TABLESNAP_STATS_H

#include <stddef.h>

struct stats {
	unsigned long long files_uploaded, bytes_uploaded, files_skipped;
	unsigned long long files_refused;	/* never uploadable */
	unsigned long long failures, retries, requests;
	unsigned long long queue_length, in_flight;
	double oldest_queued_age;	/* seconds, 0 when the queue is empty */
	double last_success;		/* Unix time, 0 when none yet */
	unsigned long long roots_lost;	/* watched roots gone now */
};

/* The text of the file, malloc'd (NULL when out of memory). Pure. */
char *stats_format(const struct stats *s);

/* Writes path through a temporary file in the same directory and
 * rename(2), so that readers never see half a file. The temporary has a
 * new random name and is created with O_EXCL: a file or a symbolic link
 * planted in the directory is never written through. It is removed when
 * anything fails. 0 or -1 (errno). */
int stats_write(const char *path, const struct stats *s);
/* The same for any text (tableverify's metrics). */
int stats_write_text(const char *path, const char *text);

#endif
