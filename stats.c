/* stats.c: formats the counters (pure) and replaces the stats file with
 * one rename, as node_exporter's textfile collector asks. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "log.h"
#include "stats.h"

/* One line each: the metric's name after "tablesnap_", its help. Those
 * ending in "_total" are counters, the others gauges. */
static const char metrics[] =
    "files_uploaded_total Files uploaded and verified.\n"
    "bytes_uploaded_total Bytes of the files uploaded.\n"
    "files_skipped_total Files found already in S3.\n"
    "files_refused_total Files that can never be uploaded, skipped with a "
    "line each (not a regular file, a name S3 cannot take, too large).\n"
    "upload_failures_total Failed upload attempts (the file stays queued).\n"
    "requests_total S3 requests sent.\n"
    "request_retries_total S3 requests retried.\n"
    "queue_length Files waiting for upload.\n"
    "uploads_in_flight Uploads running now.\n"
    "oldest_queued_age_seconds Age of the oldest queued file.\n"
    "last_success_timestamp_seconds Time of the last successful upload.\n"
    "roots_lost Watched directories given on the command line that are "
    "gone now.\n";

#define FIELD(f)	(offsetof(struct stats, f) / 8)
#define DOUBLE		0x80

_Static_assert(sizeof(double) == 8 && sizeof(unsigned long long) == 8,
    "struct stats is made of 8-byte words");

/* The field of each line of metrics, in 8-byte words. */
static const unsigned char fields[] = {
	FIELD(files_uploaded), FIELD(bytes_uploaded), FIELD(files_skipped),
	FIELD(files_refused), FIELD(failures), FIELD(requests),
	FIELD(retries), FIELD(queue_length), FIELD(in_flight),
	FIELD(oldest_queued_age) | DOUBLE, FIELD(last_success) | DOUBLE,
	FIELD(roots_lost),
};

char *
stats_format(const struct stats *s)
{
	const char *m = metrics;
	struct buf b = { 0 };

	for (size_t i = 0; i < sizeof(fields); i++) {
		const char *v = (const char *)s + 8 * (fields[i] & ~DOUBLE);
		int len = (int)strcspn(m, " "), end = (int)strcspn(m, "\n");

		buf_printf(&b, "# HELP tablesnap_%.*s\n# TYPE tablesnap_%.*s "
		    "%s\ntablesnap_%.*s ", end, m, len, m,
		    strncmp(m + len - 6, "_total", 6) == 0 ? "counter" :
		    "gauge", len, m);
		if (fields[i] & DOUBLE)
			buf_printf(&b, "%.3f\n", *(const double *)(const void *)v);
		else
			buf_printf(&b, "%llu\n",
			    *(const unsigned long long *)(const void *)v);
		m += end + 1;
	}
	return buf_take(&b);
}

/* Creates a new file next to path, "path.tmp.XXXXXXXXXXXX" (random hex,
 * not *.prom, which the textfile collector would read), never following or
 * reusing what is there. Returns the descriptor and *tmp, or -1. */
static int
create_temporary(const char *path, char **tmp)
{
	unsigned char rnd[6];
	char suffix[2 * sizeof(rnd) + 1];
	int fd = -1;

	for (int tries = 0; fd < 0 && tries < 32; tries++) {
		/* Without random bytes (a pool not yet ready) the clock will
		 * do: O_EXCL keeps any name from being used twice. */
		if (getrandom(rnd, sizeof(rnd), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(rnd)) {
			struct timespec ts;
			unsigned long long v;

			clock_gettime(CLOCK_REALTIME, &ts);
			v = (unsigned long long)ts.tv_nsec ^
			    (unsigned long long)getpid() << 30 ^
			    (unsigned long long)tries << 42;
			for (size_t i = 0; i < sizeof(rnd); i++)
				rnd[i] = (unsigned char)(v >> (8 * i));
		}
		hex_encode(rnd, sizeof(rnd), suffix);
		if (asprintf(tmp, "%s.tmp.%s", path, suffix) < 0) {
			errno = ENOMEM;
			return -1;
		}
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
		if (fd < 0) {
			int saved = errno;

			free(*tmp);
			*tmp = NULL;
			errno = saved;
			if (saved != EEXIST)
				return -1;
		}
	}
	return fd;
}

int
stats_write(const char *path, const struct stats *s)
{
	char *text = stats_format(s);
	int r;

	if (text == NULL) {
		errno = ENOMEM;
		return -1;
	}
	r = stats_write_text(path, text);
	free(text);
	return r;
}

int
stats_write_text(const char *path, const char *text)
{
	char *tmp = NULL;
	int fd = -1, r = -1, saved;

	if ((fd = create_temporary(path, &tmp)) < 0 ||
	    log_write(fd, text, strlen(text)) < 0)
		goto out;
	r = close(fd);
	fd = -1;
	if (r == 0)
		r = rename(tmp, path);
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	/* Only a file this call created is removed. */
	if (r < 0 && tmp != NULL)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return r;
}
