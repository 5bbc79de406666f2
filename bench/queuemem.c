/* queuemem.c: the memory a storm of queued files takes (issue 17): pushes
 * N paths of a Cassandra snapshot's shape into the upload queue (queue.c,
 * htab.c, built as the product is: musl, static) and prints the resident
 * memory it grew by, per file, with and without the paths' own bytes.
 *   queuemem [N]   (default 1000000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"

/* Resident memory in bytes, from /proc/self/statm. */
static long long
rss(void)
{
	long long pages = -1, res = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f == NULL)
		return -1;
	if (fscanf(f, "%lld %lld", &pages, &res) != 2)
		res = -1;
	fclose(f);
	return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

int
main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	struct queue *q = queue_new();
	long long before, after, path_bytes = 0;
	char path[256];

	if (q == NULL || n <= 0)
		return 1;
	before = rss();
	for (long i = 0; i < n; i++) {
		int len = snprintf(path, sizeof(path), "/var/lib/cassandra/data/"
		    "ks%ld/table%ld-0123456789abcdef0123456789abcdef/snapshots/"
		    "snap/nb-%ld-big-Data.db", i % 7, i % 1000, i);

		if (len < 0 || (size_t)len >= sizeof(path) ||
		    queue_push(q, path, OBJECT_UNKNOWN, i) != 1) {
			fprintf(stderr, "queuemem: push %ld failed\n", i);
			return 1;
		}
		path_bytes += len + 1;
	}
	after = rss();
	if (before < 0 || after < 0 || queue_ready_count(q) != (size_t)n)
		return 1;
	printf("files %ld rss_growth %lld path_bytes %lld per_file %.1f "
	    "per_file_beyond_path %.1f\n", n, after - before, path_bytes,
	    (double)(after - before) / n,
	    (double)(after - before - path_bytes) / n);
	queue_free(q);
	return 0;
}
