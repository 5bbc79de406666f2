/* test_upload.c: the rules of upload.c that need no server: the part size
 * at S3's limits, key naming, the path filter, which files may be opened
 * for upload (also while names are swapped under it), and the stats file's
 * temporary never written through a planted link. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../filter.h"
#include "../keyset.h"
#include "../stats.h"
#include "../upload.h"
#include "unit.h"

#define MiB (1024LL * 1024)
#define GiB (1024 * MiB)
#define TiB (1024 * GiB)

/* What Python 3.11's mimetypes.guess_type(name)[0] (or octet-stream for
 * None) gave for each name on the test machine; boto 2 sent that. */
static void
content_types(void)
{
	static const struct {
		const char *name, *type;
	} t[] = {
		{ "h:/d/ks/t/nb-1-big-Data.db", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-Index.db", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-Filter.db", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-Summary.db", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-Statistics.db",
		    "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-CompressionInfo.db",
		    "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-Digest.crc32", "application/octet-stream" },
		{ "h:/d/ks/t/ka-1-big-Digest.sha1", "application/octet-stream" },
		{ "h:/d/ks/t/jb-1-Digest.adler32", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-CRC.db", "application/octet-stream" },
		{ "h:/d/ks/t/nb-1-big-TOC.txt", "text/plain" },
		{ "h:/d/ks/t/nb-1-big-TOC.TXT", "text/plain" },
		{ "h:/d/commitlog/CommitLog-7-1700000000000.log",
		    "application/octet-stream" },
		{ "h:/d/ks/t-ab12/t-ab12-listdir.json", "application/json" },
		{ "x.Json", "application/json" },
		{ "h:/d/ks/t/manifest.json", "application/json" },
		/* posixpath.splitext: leading dots make no extension, and
		 * only the last component counts. */
		{ "h:/d/.txt", "application/octet-stream" },
		{ "h:/d/..txt", "application/octet-stream" },
		{ "h:/d.txt/x", "application/octet-stream" },
		{ "h:/d/a.txt.db", "application/octet-stream" },
		{ "h:/d/a.db.txt", "text/plain" },
		{ "h:/d/txt", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = upload_content_type(t[i].name);

		if (strcmp(got, t[i].type) != 0)
			fprintf(stderr, "content type of '%s': %s\n",
			    t[i].name, got);
		CHECK(strcmp(got, t[i].type) == 0);
	}
}

static void
part_sizes(void)
{
	/* The wanted size when it fits; never below 5 MiB. */
	CHECK(upload_part_size(100 * MiB, 64 * MiB) == 64 * MiB);
	CHECK(upload_part_size(100 * MiB, 1 * MiB) == 5 * MiB);
	CHECK(upload_part_size(0, 0) == 5 * MiB);
	/* 10,000 parts of 5 MiB exactly: still 5 MiB. */
	CHECK(upload_part_size(10000 * 5 * MiB, 5 * MiB) == 5 * MiB);
	/* One byte more needs bigger parts, rounded up to whole MiB. */
	CHECK(upload_part_size(10000 * 5 * MiB + 1, 5 * MiB) == 6 * MiB);
	/* 1 TiB with 64 MiB wanted: 10,000 parts need 104.9 MiB each, so
	 * 105 MiB (whole MiB). */
	CHECK(upload_part_size(TiB, 64 * MiB) == 105 * MiB);
	/* 5 TiB, the largest object: 525 MiB parts, 10,000 or fewer. */
	{
		long long p = upload_part_size(5 * TiB, 256 * MiB);

		CHECK(p == 525 * MiB);
		CHECK((5 * TiB + p - 1) / p <= 10000);
	}
	/* More than 10,000 parts of 5 GiB: refused. */
	CHECK(upload_part_size(10000 * 5 * GiB, 5 * MiB) == 5 * GiB);
	CHECK(upload_part_size(10000 * 5 * GiB + 1, 5 * MiB) == -1);
	/* Every size keeps within 10,000 parts of at least 5 MiB. */
	for (long long s = 1; s < 60 * TiB; s = s * 3 + 12345) {
		long long p = upload_part_size(s, 5 * MiB);

		if (p < 0)
			continue;
		CHECK(p >= 5 * MiB && (s + p - 1) / p <= 10000 && p % MiB == 0);
	}
}

static void
keys(void)
{
	struct options o = { .c = { .prefix = "backups/", .separator = ":" } };
	struct upload_config c = { .opt = &o, .name = "cass1" };
	char *k = upload_key(&c, "/var/lib/cassandra/data/ks/cf/a-Data.db");

	CHECK_STR(k, "backups/cass1:/var/lib/cassandra/data/ks/cf/a-Data.db");
	free(k);
	o.c.prefix = "";
	o.c.separator = "";
	k = upload_key(&c, "/x");
	CHECK_STR(k, "cass1/x");
	free(k);
}

static void
filters(void)
{
	const char *ex[] = { "snapshots/", "\\.tmp$" };
	const char *in[] = { "Data\\.db$" };
	char err[256];
	struct filter *f;

	f = filter_new(NULL, 0, NULL, 0, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(filter_keep(f, "/d/ks-cf-ka-1-Data.db"));
	CHECK(!filter_keep(f, "/d/ks-cf-tmp-ka-1-Data.db"));
	CHECK(!filter_keep(f, "/d/x-tmp/ks-cf-ka-1-Data.db"));
	filter_free(f);
	f = filter_new(ex, 2, NULL, 0, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(!filter_keep(f, "/d/snapshots/a"));
	CHECK(!filter_keep(f, "/d/a.tmp"));
	CHECK(filter_keep(f, "/d/a.tmp.db"));
	CHECK(filter_keep(f, "/d/a-tmp-b"));	/* -e replaces the default */
	filter_free(f);
	f = filter_new(NULL, 0, in, 1, err, sizeof(err));
	CHECK(f != NULL);
	CHECK(filter_keep(f, "/d/a-Data.db"));
	CHECK(!filter_keep(f, "/d/a-Index.db"));
	filter_free(f);
	{
		const char *bad[] = { "(" };

		f = filter_new(bad, 1, NULL, 0, err, sizeof(err));
		CHECK(f == NULL);
		CHECK(strstr(err, "'('") != NULL);
	}
}

static void
put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	if (fd >= 0)
		close(fd);
}

static char *
in_dir(const char *dir, const char *name)
{
	static char buf[8][256];
	static int next;
	char *p = buf[next++ % 8];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* Each kind of file as the watcher may report it: only a regular file is
 * opened, and it comes back blocking. */
static void
open_kinds(void)
{
	char dir[] = "/tmp/tablesnap-unit-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *kind;
	struct stat st;
	int fd, sock;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	put_file(in_dir(dir, "secret"), "SECRET");
	put_file(in_dir(dir, "f-Data.db"), "plain data");
	fd = upload_open(dir, in_dir(dir, "f-Data.db"), &st, &kind);
	CHECK(fd >= 0 && kind == NULL && S_ISREG(st.st_mode) &&
	    st.st_size == 10);
	CHECK(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(symlink(in_dir(dir, "secret"), in_dir(dir, "l-Data.db")) == 0);
	CHECK(upload_open(dir, in_dir(dir, "l-Data.db"), &st, &kind) == -2);
	CHECK_STR(kind, "a symbolic link, not a regular file");
	CHECK(mkfifo(in_dir(dir, "p-Data.db"), 0600) == 0);
	CHECK(upload_open(dir, in_dir(dir, "p-Data.db"), &st, &kind) == -2);
	CHECK_STR(kind, "a FIFO, not a regular file");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", in_dir(dir,
	    "s-Data.db"));
	sock = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(sock >= 0 && bind(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	CHECK(upload_open(dir, in_dir(dir, "s-Data.db"), &st, &kind) == -2);
	CHECK_STR(kind, "a socket, not a regular file");
	CHECK(mkdir(in_dir(dir, "d-Data.db"), 0700) == 0);
	CHECK(upload_open(dir, in_dir(dir, "d-Data.db"), &st, &kind) == -2);
	CHECK_STR(kind, "a directory, not a regular file");
	errno = 0;
	CHECK(upload_open(dir, in_dir(dir, "gone-Data.db"), &st, &kind) == -1 &&
	    errno == ENOENT);
	CHECK(upload_file_kind(S_IFCHR | 0600) != NULL);
	CHECK(upload_file_kind(S_IFBLK | 0600) != NULL);
	CHECK(upload_file_kind(S_IFREG | 0600) == NULL);
	if (sock >= 0)
		close(sock);
	rmdir(in_dir(dir, "d-Data.db"));
	unlink(in_dir(dir, "s-Data.db"));
	unlink(in_dir(dir, "p-Data.db"));
	unlink(in_dir(dir, "l-Data.db"));
	unlink(in_dir(dir, "f-Data.db"));
	unlink(in_dir(dir, "secret"));
	rmdir(dir);
}

/* Below a root, no symbolic link is followed: a directory replaced by a
 * link to another tree is refused. The root itself may be a link. */
static void
open_paths(void)
{
	char dir[] = "/tmp/tablesnap-unit-XXXXXX";
	const char *kind, *root;
	struct stat st;
	int fd;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(mkdir(in_dir(dir, "real"), 0700) == 0);
	CHECK(mkdir(in_dir(dir, "real/ks"), 0700) == 0);
	CHECK(mkdir(in_dir(dir, "real/ks/cf"), 0700) == 0);
	CHECK(mkdir(in_dir(dir, "other"), 0700) == 0);
	put_file(in_dir(dir, "real/ks/cf/f-Data.db"), "plain");
	put_file(in_dir(dir, "other/f-Data.db"), "SECRET");
	CHECK(symlink(in_dir(dir, "real"), in_dir(dir, "root")) == 0);
	CHECK(symlink(in_dir(dir, "other"), in_dir(dir, "real/ks/evil")) == 0);
	root = in_dir(dir, "root");
	fd = upload_open(root, in_dir(dir, "root/ks/cf/f-Data.db"), &st, &kind);
	CHECK(fd >= 0 && st.st_size == 5);
	if (fd >= 0)
		close(fd);
	CHECK(upload_open(root, in_dir(dir, "root/ks/evil/f-Data.db"), &st,
	    &kind) == -2);
	CHECK_STR(kind, "a directory on its path is a symbolic link or a file");
	CHECK(upload_open(root, in_dir(dir, "root/ks/cf/f-Data.db/x"), &st,
	    &kind) == -2);
	errno = 0;
	CHECK(upload_open(root, in_dir(dir, "root/ks/gone/f-Data.db"), &st,
	    &kind) == -1 && errno == ENOENT);
	unlink(in_dir(dir, "real/ks/evil"));
	unlink(in_dir(dir, "root"));
	unlink(in_dir(dir, "other/f-Data.db"));
	unlink(in_dir(dir, "real/ks/cf/f-Data.db"));
	rmdir(in_dir(dir, "other"));
	rmdir(in_dir(dir, "real/ks/cf"));
	rmdir(in_dir(dir, "real/ks"));
	rmdir(in_dir(dir, "real"));
	rmdir(dir);
}

/* The swap race: a name flips between a regular file, a symbolic link to
 * a secret and a FIFO while it is opened. No open may read the secret or
 * block; a stuck open is freed by opening the FIFO for writing. */
struct swapper {
	const char *x, *y, *z;
	atomic_int stop, progress, stuck, swaps;
};

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
swap_run(void *arg)
{
	struct swapper *sw = arg;
	int last = -1;
	double since = now_sec();

	/* x, y, z: the file, the link, the FIFO (or none). Two swaps with
	 * y, then two with z: x is the file between any two other kinds. */
	for (unsigned i = 0; !atomic_load(&sw->stop); i++) {
		renameat2(AT_FDCWD, sw->x, AT_FDCWD, i & 2 && sw->z != NULL ?
		    sw->z : sw->y, RENAME_EXCHANGE);
		atomic_fetch_add(&sw->swaps, 1);
		if (i % 256 != 0)
			continue;
		if (atomic_load(&sw->progress) != last) {
			last = atomic_load(&sw->progress);
			since = now_sec();
		} else if (now_sec() - since > 3) {
			/* No open returned for 3 s: stuck on the FIFO. */
			const char *names[] = { sw->x, sw->y, sw->z };

			atomic_store(&sw->stuck, 1);
			for (int k = 0; k < 3; k++) {
				int fd = open(names[k], O_WRONLY | O_NONBLOCK);

				if (fd >= 0)
					close(fd);
			}
			since = now_sec();
		}
	}
	return NULL;
}

/* Opens root/name 50,000 times (or for 20 s) while sw swaps names:
 * the opens that succeed must all read "plain". */
static void
open_while_swapping(struct swapper *sw, const char *root, const char *path)
{
	pthread_t t;
	int leaked = 0, opened = 0, refused = 0;
	double end;

	if (pthread_create(&t, NULL, swap_run, sw) != 0) {
		CHECK(0);
		return;
	}
	end = now_sec() + 20;	/* a bound for a loaded machine */
	while (atomic_load(&sw->swaps) == 0 && now_sec() < end)
		usleep(1000);
	for (int i = 0; i < 50000 && now_sec() < end; i++) {
		const char *kind;
		struct stat st;
		char buf[16];
		ssize_t n;
		int fd = upload_open(root, path, &st, &kind);

		atomic_fetch_add(&sw->progress, 1);
		if (fd < 0) {
			refused += fd == -2;
			continue;
		}
		opened++;
		n = pread(fd, buf, sizeof(buf), 0);
		leaked += !S_ISREG(st.st_mode) || n != 5 ||
		    memcmp(buf, "plain", 5) != 0;
		close(fd);
	}
	atomic_store(&sw->stop, 1);
	pthread_join(t, NULL);
	CHECK(leaked == 0);
	CHECK(!atomic_load(&sw->stuck));
	CHECK(opened > 0 && refused > 0);	/* the swaps did happen */
}

static void
open_swapped(void)
{
	char dir[] = "/tmp/tablesnap-unit-XXXXXX";
	struct swapper sw = { 0 };

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	sw.x = strdup(in_dir(dir, "x-Data.db"));
	sw.y = strdup(in_dir(dir, "y"));
	sw.z = strdup(in_dir(dir, "z"));
	put_file(in_dir(dir, "secret"), "SECRET");
	put_file(sw.x, "plain");
	CHECK(symlink(in_dir(dir, "secret"), sw.y) == 0);
	CHECK(mkfifo(sw.z, 0600) == 0);
	open_while_swapping(&sw, dir, sw.x);
	unlink(sw.x);
	unlink(sw.y);
	unlink(sw.z);
	unlink(in_dir(dir, "secret"));
	rmdir(dir);
	free((char *)sw.x);
	free((char *)sw.y);
	free((char *)sw.z);
}

/* The same with a directory on the path: root/ks flips between the real
 * directory and a link to another tree holding a file of the same name. */
static void
open_dir_swapped(void)
{
	char dir[] = "/tmp/tablesnap-unit-XXXXXX", path[300];
	struct swapper sw = { 0 };

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	sw.x = strdup(in_dir(dir, "ks"));
	sw.y = strdup(in_dir(dir, "y"));
	CHECK(mkdir(sw.x, 0700) == 0 && mkdir(in_dir(dir, "other"), 0700) == 0);
	put_file(in_dir(dir, "ks/f-Data.db"), "plain");
	put_file(in_dir(dir, "other/f-Data.db"), "SECRET");
	CHECK(symlink(in_dir(dir, "other"), sw.y) == 0);
	snprintf(path, sizeof(path), "%s", in_dir(dir, "ks/f-Data.db"));
	open_while_swapping(&sw, dir, path);
	/* ks and y may have ended either way round. */
	unlink(in_dir(dir, "ks/f-Data.db"));
	unlink(in_dir(dir, "y/f-Data.db"));
	unlink(sw.x);
	unlink(sw.y);
	rmdir(sw.x);
	rmdir(sw.y);
	unlink(in_dir(dir, "other/f-Data.db"));
	rmdir(in_dir(dir, "other"));
	rmdir(dir);
	free((char *)sw.x);
	free((char *)sw.y);
}

/* A link planted at the stats file's temporary name, the old fixed one
 * included: the file it names keeps its bytes, the stats file is written
 * as a file of its own and no temporary is left. */
static void
stats_planted_link(void)
{
	char dir[] = "/tmp/tablesnap-unit-XXXXXX", buf[64];
	struct stats s = { .files_uploaded = 7, .files_refused = 3 };
	struct stat st;
	char *text;
	int fd, n = 0;
	DIR *d;

	if (mkdtemp(dir) == NULL) {
		CHECK(0);
		return;
	}
	put_file(in_dir(dir, "victim"), "precious");
	CHECK(symlink(in_dir(dir, "victim"), in_dir(dir, "t.prom.tmp")) == 0);
	CHECK(stats_write(in_dir(dir, "t.prom"), &s) == 0);
	CHECK(stats_write(in_dir(dir, "t.prom"), &s) == 0);
	fd = open(in_dir(dir, "victim"), O_RDONLY);
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf)) == 8 &&
	    memcmp(buf, "precious", 8) == 0);
	if (fd >= 0)
		close(fd);
	CHECK(lstat(in_dir(dir, "t.prom"), &st) == 0 && S_ISREG(st.st_mode));
	text = stats_format(&s);
	CHECK(text != NULL && strstr(text,
	    "\ntablesnap_files_refused_total 3\n") != NULL);
	CHECK(text != NULL && st.st_size == (off_t)strlen(text));
	free(text);
	/* victim, t.prom, the planted link: nothing else. */
	if ((d = opendir(dir)) != NULL) {
		struct dirent *de;

		while ((de = readdir(d)) != NULL)
			n += de->d_name[0] != '.';
		closedir(d);
	}
	CHECK(n == 3);
	/* A directory it cannot write to: fails, leaves nothing. */
	CHECK(stats_write(in_dir(dir, "none/t.prom"), &s) == -1 &&
	    errno == ENOENT);
	unlink(in_dir(dir, "t.prom"));
	unlink(in_dir(dir, "t.prom.tmp"));
	unlink(in_dir(dir, "victim"));
	rmdir(dir);
}

/* The whole text, pinned: each metric's name, help, type and value in
 * their places (the table of stats.c maps a line to a field). */
static void
stats_format_text(void)
{
	static const char want[] =
	    "# HELP tablesnap_files_uploaded_total Files uploaded and "
	    "verified.\n"
	    "# TYPE tablesnap_files_uploaded_total counter\n"
	    "tablesnap_files_uploaded_total 1\n"
	    "# HELP tablesnap_bytes_uploaded_total Bytes of the files "
	    "uploaded.\n"
	    "# TYPE tablesnap_bytes_uploaded_total counter\n"
	    "tablesnap_bytes_uploaded_total 2\n"
	    "# HELP tablesnap_files_skipped_total Files found already in "
	    "S3.\n"
	    "# TYPE tablesnap_files_skipped_total counter\n"
	    "tablesnap_files_skipped_total 3\n"
	    "# HELP tablesnap_files_refused_total Files that can never be "
	    "uploaded, skipped with a line each (not a regular file, a "
	    "name S3 cannot take, too large).\n"
	    "# TYPE tablesnap_files_refused_total counter\n"
	    "tablesnap_files_refused_total 4\n"
	    "# HELP tablesnap_upload_failures_total Failed upload attempts "
	    "(the file stays queued).\n"
	    "# TYPE tablesnap_upload_failures_total counter\n"
	    "tablesnap_upload_failures_total 5\n"
	    "# HELP tablesnap_requests_total S3 requests sent.\n"
	    "# TYPE tablesnap_requests_total counter\n"
	    "tablesnap_requests_total 7\n"
	    "# HELP tablesnap_request_retries_total S3 requests retried.\n"
	    "# TYPE tablesnap_request_retries_total counter\n"
	    "tablesnap_request_retries_total 6\n"
	    "# HELP tablesnap_queue_length Files waiting for upload.\n"
	    "# TYPE tablesnap_queue_length gauge\n"
	    "tablesnap_queue_length 8\n"
	    "# HELP tablesnap_uploads_in_flight Uploads running now.\n"
	    "# TYPE tablesnap_uploads_in_flight gauge\n"
	    "tablesnap_uploads_in_flight 9\n"
	    "# HELP tablesnap_oldest_queued_age_seconds Age of the oldest "
	    "queued file.\n"
	    "# TYPE tablesnap_oldest_queued_age_seconds gauge\n"
	    "tablesnap_oldest_queued_age_seconds 10.500\n"
	    "# HELP tablesnap_last_success_timestamp_seconds Time of the "
	    "last successful upload.\n"
	    "# TYPE tablesnap_last_success_timestamp_seconds gauge\n"
	    "tablesnap_last_success_timestamp_seconds 1700000000.123\n"
	    "# HELP tablesnap_roots_lost Watched directories given on the "
	    "command line that are gone now.\n"
	    "# TYPE tablesnap_roots_lost gauge\n"
	    "tablesnap_roots_lost 12\n";
	struct stats s = { .files_uploaded = 1, .bytes_uploaded = 2,
	    .files_skipped = 3, .files_refused = 4, .failures = 5,
	    .retries = 6, .requests = 7, .queue_length = 8, .in_flight = 9,
	    .oldest_queued_age = 10.5, .last_success = 1700000000.123,
	    .roots_lost = 12 };
	char *text = stats_format(&s);

	CHECK(text != NULL && strcmp(text, want) == 0);
	free(text);
	s.bytes_uploaded = 18446744073709551615ULL;	/* exact, not a double */
	text = stats_format(&s);
	CHECK(text != NULL && strstr(text,
	    "\ntablesnap_bytes_uploaded_total 18446744073709551615\n") != NULL);
	free(text);
}

void
test_upload(void)
{
	part_sizes();
	content_types();
	keys();
	filters();
	open_kinds();
	open_paths();
	open_swapped();
	open_dir_swapped();
	stats_planted_link();
	stats_format_text();
}

/* The set -B uses to skip files a listing showed in S3. */
void
test_keyset(void)
{
	struct keyset *ks = keyset_new();
	char key[64];
	int ok = 1;

	CHECK(ks != NULL);
	CHECK(keyset_size(ks, "a") == -1);
	CHECK(keyset_add(ks, "a", 5) == 0);
	CHECK(keyset_size(ks, "a") == 5);
	CHECK(keyset_add(ks, "a", 7) == 0);	/* replaced, not doubled */
	CHECK(keyset_size(ks, "a") == 7 && keyset_count(ks) == 1);
	CHECK(keyset_add(ks, "", 0) == 0 && keyset_size(ks, "") == 0);
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "host:/d/f%d", i);
		ok &= keyset_add(ks, key, i) == 0;
	}
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "host:/d/f%d", i);
		ok &= keyset_size(ks, key) == i;
	}
	CHECK(ok);
	CHECK(keyset_size(ks, "host:/d/f20000") == -1);
	CHECK(keyset_count(ks) == 20002);
	keyset_free(ks);
}
