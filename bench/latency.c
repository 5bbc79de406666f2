/* latency.c: time from a rename into a watched directory to the end of its
 * upload, file after file, for a daemon this program starts and stops. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * The daemon (tablesnap without --once) is started with its log on a pipe.
 * Once it logs "Watching", each round writes a file into a staging
 * directory on the same file system, takes the time, renames the file into
 * the watched directory (one IN_MOVED_TO, as Cassandra does) and waits for
 * the daemon's "Finished uploading <path>" line, which it logs after S3
 * answered the PUT and the ETag was checked: the object is stored then.
 * One file at a time, so that the figure is latency, not queueing. The log
 * line is one write(2) to a pipe; reading it adds microseconds.
 *
 *   latency [-n count] [-s bytes] [-l logfile] stagedir watchdir -- cmd ...
 *
 * Prints "name value" lines (milliseconds) for bench/bench.py.
 */

#define LINE_MAX_LEN	8192
#define START_TIMEOUT	60000	/* ms for the daemon to start watching */
#define FILE_TIMEOUT	30000	/* ms for one upload */

static char inbuf[1 << 16];
static size_t inlen;
static FILE *logf;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: latency [-n count] [-s bytes] [-l logfile] "
	    "stagedir watchdir -- command [arg ...]\n");
	exit(2);
}

/* Reads log lines until one contains want; 0 when found, -1 on timeout or
 * when the daemon closed its end. */
static int
wait_line(int fd, const char *want, int timeout_ms)
{
	int64_t end = now_us() + (int64_t)timeout_ms * 1000;

	for (;;) {
		char *nl;

		while ((nl = memchr(inbuf, '\n', inlen)) != NULL) {
			size_t n = (size_t)(nl - inbuf) + 1;
			int hit;

			*nl = '\0';
			hit = strstr(inbuf, want) != NULL;
			if (logf != NULL)
				fprintf(logf, "%s\n", inbuf);
			memmove(inbuf, inbuf + n, inlen - n);
			inlen -= n;
			if (hit)
				return 0;
		}
		if (inlen == sizeof(inbuf))
			inlen = 0;	/* a line longer than the buffer */

		int64_t left = (end - now_us()) / 1000;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (left <= 0)
			return -1;
		if (poll(&p, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!(p.revents & (POLLIN | POLLHUP)))
			continue;
		r = read(fd, inbuf + inlen, sizeof(inbuf) - inlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		inlen += (size_t)r;
	}
}

static int
write_file(const char *path, const unsigned char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array. */
static double
pct_ms(const int64_t *v, size_t n, double p)
{
	size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

int
main(int argc, char **argv)
{
	long count = 500, size = 4096;
	const char *logpath = NULL, *stage, *watch;
	int pfd[2], ch, status, failed = 0;
	unsigned char *data;
	int64_t *lat, sum = 0;
	pid_t pid;
	long done = 0;

	while ((ch = getopt(argc, argv, "+n:s:l:")) != -1) {
		switch (ch) {
		case 'n':
			count = strtol(optarg, NULL, 10);
			break;
		case 's':
			size = strtol(optarg, NULL, 10);
			break;
		case 'l':
			logpath = optarg;
			break;
		default:
			usage();
		}
	}
	if (count <= 0 || size < 0 || argc - optind < 4 ||
	    strcmp(argv[optind + 2], "--") != 0)
		usage();
	stage = argv[optind];
	watch = argv[optind + 1];
	if (logpath != NULL && (logf = fopen(logpath, "w")) == NULL) {
		fprintf(stderr, "latency: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	data = malloc((size_t)size + 1);
	lat = calloc((size_t)count, sizeof(*lat));
	if (data == NULL || lat == NULL) {
		fprintf(stderr, "latency: out of memory\n");
		return 1;
	}
	for (long i = 0; i < size; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);

	if (pipe2(pfd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "latency: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		if (dup2(pfd[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[optind + 3], argv + optind + 3);
		_exit(127);
	}
	close(pfd[1]);
	if (wait_line(pfd[0], "Watching", START_TIMEOUT) < 0) {
		fprintf(stderr, "latency: the daemon did not start watching\n");
		kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		return 1;
	}

	for (long i = 0; i < count; i++) {
		char from[4096], to[4096], want[4200];
		int64_t t0;

		if (snprintf(from, sizeof(from), "%s/lat-%06ld", stage, i) >=
		    (int)sizeof(from) ||
		    snprintf(to, sizeof(to), "%s/lat-%06ld", watch, i) >=
		    (int)sizeof(to)) {
			fprintf(stderr, "latency: path too long\n");
			failed = 1;
			break;
		}
		/* Different bytes per file: no two objects are the same. */
		memcpy(data, &i, sizeof(i) < (size_t)size ? sizeof(i) :
		    (size_t)size);
		if (write_file(from, data, (size_t)size) < 0) {
			fprintf(stderr, "latency: %s: %s\n", from,
			    strerror(errno));
			failed = 1;
			break;
		}
		snprintf(want, sizeof(want), "Finished uploading %s", to);
		t0 = now_us();
		if (rename(from, to) < 0) {
			fprintf(stderr, "latency: rename %s: %s\n", from,
			    strerror(errno));
			failed = 1;
			break;
		}
		if (wait_line(pfd[0], want, FILE_TIMEOUT) < 0) {
			fprintf(stderr, "latency: no upload of %s\n", to);
			failed = 1;
			break;
		}
		lat[done] = now_us() - t0;
		sum += lat[done++];
	}

	kill(pid, SIGTERM);
	/* Drain the log until the daemon exits, so it never blocks on it. */
	wait_line(pfd[0], "\n(never)", 15000);
	waitpid(pid, &status, 0);
	if (logf != NULL)
		fclose(logf);
	if (done == 0)
		return 1;
	qsort(lat, (size_t)done, sizeof(*lat), cmp_i64);
	printf("files %ld\nbytes %ld\n", done, size);
	printf("p50_ms %.3f\np90_ms %.3f\np99_ms %.3f\nmax_ms %.3f\n",
	    pct_ms(lat, (size_t)done, 50), pct_ms(lat, (size_t)done, 90),
	    pct_ms(lat, (size_t)done, 99), (double)lat[done - 1] / 1000.0);
	printf("min_ms %.3f\nmean_ms %.3f\n", (double)lat[0] / 1000.0,
	    (double)sum / (double)done / 1000.0);
	free(data);
	free(lat);
	return failed;
}
