/* stats.c: formats the counters (pure) and replaces the stats file with
 * one rename, as node_exporter's textfile collector asks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "encode.h"
#include "fmt.h"
#include "log.h"
#include "stats.h"

char *
stats_format(const struct stats *s)
{
	char *out;
	int n;

	n = asprintf(&out,
	    "# HELP tablesnap_files_uploaded_total Files uploaded and verified.\n"
	    "# TYPE tablesnap_files_uploaded_total counter\n"
	    "tablesnap_files_uploaded_total %llu\n"
	    "# HELP tablesnap_bytes_uploaded_total Bytes of the files uploaded.\n"
	    "# TYPE tablesnap_bytes_uploaded_total counter\n"
	    "tablesnap_bytes_uploaded_total %llu\n"
	    "# HELP tablesnap_files_skipped_total Files found already in S3.\n"
	    "# TYPE tablesnap_files_skipped_total counter\n"
	    "tablesnap_files_skipped_total %llu\n"
	    "# HELP tablesnap_files_refused_total Files that can never be "
	    "uploaded, skipped with a line each (not a regular file, a name "
	    "S3 cannot take, too large).\n"
	    "# TYPE tablesnap_files_refused_total counter\n"
	    "tablesnap_files_refused_total %llu\n"
	    "# HELP tablesnap_upload_failures_total Failed upload attempts "
	    "(the file stays queued).\n"
	    "# TYPE tablesnap_upload_failures_total counter\n"
	    "tablesnap_upload_failures_total %llu\n"
	    "# HELP tablesnap_requests_total S3 requests sent.\n"
	    "# TYPE tablesnap_requests_total counter\n"
	    "tablesnap_requests_total %llu\n"
	    "# HELP tablesnap_request_retries_total S3 requests retried.\n"
	    "# TYPE tablesnap_request_retries_total counter\n"
	    "tablesnap_request_retries_total %llu\n"
	    "# HELP tablesnap_queue_length Files waiting for upload.\n"
	    "# TYPE tablesnap_queue_length gauge\n"
	    "tablesnap_queue_length %llu\n"
	    "# HELP tablesnap_uploads_in_flight Uploads running now.\n"
	    "# TYPE tablesnap_uploads_in_flight gauge\n"
	    "tablesnap_uploads_in_flight %llu\n"
	    "# HELP tablesnap_oldest_queued_age_seconds Age of the oldest "
	    "queued file.\n"
	    "# TYPE tablesnap_oldest_queued_age_seconds gauge\n"
	    "tablesnap_oldest_queued_age_seconds %.3f\n"
	    "# HELP tablesnap_last_success_timestamp_seconds Time of the last "
	    "successful upload.\n"
	    "# TYPE tablesnap_last_success_timestamp_seconds gauge\n"
	    "tablesnap_last_success_timestamp_seconds %.3f\n"
	    "# HELP tablesnap_roots_lost Watched directories given on the "
	    "command line that are gone now.\n"
	    "# TYPE tablesnap_roots_lost gauge\n"
	    "tablesnap_roots_lost %llu\n",
	    s->files_uploaded, s->bytes_uploaded, s->files_skipped,
	    s->files_refused,
	    s->failures, s->requests, s->retries, s->queue_length,
	    s->in_flight, s->oldest_queued_age, s->last_success,
	    s->roots_lost);
	return n < 0 ? NULL : out;
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
