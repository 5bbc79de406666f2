/* upload.c: one file from disk to S3. Hashes the file in one read pass,
 * sends it in a second, and checks the file did not change in between and
 * that S3 stored what was hashed; otherwise the upload is redone. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bearssl.h>

#include "accounts.h"
#include "companion.h"
#include "encode.h"
#include "fmt.h"
#include "json.h"
#include "listing.h"
#include "log.h"
#include "md5.h"
#include "s3ops.h"
#include "upload.h"

#define MIB		(1024LL * 1024)
#define MIN_PART	(5 * MIB)
#define MAX_PART	(5120 * MIB)
#define MAX_PARTS	10000
#define READ_BUF	(128 * 1024)
#define MAX_KEY		1024
#define CHANGE_TRIES	3
/* Files up to this size go out as one PUT with If-None-Match: * instead of
 * a HEAD and a PUT: one round trip for a new file. For an object already
 * there the body went out for nothing, which only a small file can afford;
 * a server that ignores the header overwrites it, as the skip rule would
 * have for any object of another size or MD5. --max-upload-size is at
 * least 1 MiB, so these are never multipart. */
#define PUT_IF_ABSENT_MAX	MIB
#define PROGRESS_MIN	(1024 * MIB)	/* larger uploads report progress */
#define PROGRESS_EVERY	10.0		/* seconds between reports */

/* Hashes of the file, or of each part, from the one read pass. */
struct part_hash {
	unsigned char md5[16];
	char sha256[65];	/* plain HTTP only */
};

struct file_hashes {
	unsigned char md5[16];
	char md5_hex[33];
	char sha256[65];	/* whole file, plain HTTP single PUT only */
	struct part_hash *parts;
	int nparts;
	long long part_size;
};

/* Progress of a large upload, logged at most every PROGRESS_EVERY s. */
struct progress {
	const char *path;
	long long total, sent;
	double start, last;
};

/* Multipart uploads in flight, so that a shutdown can abort them. */
struct inflight {
	char *key, *upload_id;
	struct inflight *next;
};
static pthread_mutex_t inflight_lock = PTHREAD_MUTEX_INITIALIZER;
static struct inflight *inflight_list;

/* One upload in progress. */
struct job {
	struct s3_client *c;
	const struct upload_config *cfg;
	const char *path;
	char *key;
	int fd;
	struct stat st;
	char *stat_json;
	struct file_hashes h;
	struct progress progress;
	int no_resume;		/* a resumed upload proved stale: start over */
	enum object_hint hint;	/* what the finder knew of the object */
	int if_absent;		/* no HEAD first: PUT with If-None-Match: * */
};

long long
upload_part_size(long long file_size, long long wanted)
{
	long long part = wanted < MIN_PART ? MIN_PART : wanted;
	long long needed = (file_size + MAX_PARTS - 1) / MAX_PARTS;

	if (part < needed)
		part = (needed + MIB - 1) / MIB * MIB;
	if (part > MAX_PART)
		return -1;
	return part;
}

char *
upload_key(const struct upload_config *cfg, const char *path)
{
	return listing_key(cfg->opt->c.prefix, cfg->name, cfg->opt->c.separator,
	    path, "");
}

/* ---- hashing ---- */

static void
sha_hex(br_sha256_context *sc, char out[65])
{
	unsigned char d[32];

	br_sha256_out(sc, d);
	hex_encode(d, sizeof(d), out);
}

/* One read pass: the whole-file MD5 and, for multipart, each part's MD5
 * (and SHA-256 when the payload is signed). */
static int
hash_file(struct job *j, int multipart)
{
	struct file_hashes *h = &j->h;
	long long size = j->st.st_size, off = 0, part_left;
	struct md5_ctx whole, part;
	br_sha256_context sha;
	unsigned char *buf;
	size_t bufsize;
	int p = 0;

	if (multipart) {
		h->nparts = (int)((size + h->part_size - 1) / h->part_size);
		h->parts = calloc((size_t)h->nparts, sizeof(*h->parts));
		if (h->parts == NULL)
			return -1;
	}
	/* No bigger than the file: musl maps a 128 KiB block afresh on
	 * every malloc and unmaps it on free, a page fault per 4 KiB. */
	bufsize = size < READ_BUF ? (size_t)size + 1 : READ_BUF;
	if ((buf = malloc(bufsize)) == NULL)
		return -1;
	posix_fadvise(j->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	md5_init(&whole);
	md5_init(&part);
	br_sha256_init(&sha);
	part_left = multipart ? h->part_size : size;
	while (off < size) {
		size_t want = bufsize;
		ssize_t n;

		if ((long long)want > part_left)
			want = (size_t)part_left;
		n = pread(j->fd, buf, want, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			errno = n == 0 ? ENODATA : errno;
			return -1;
		}
		md5_update(&whole, buf, (size_t)n);
		if (multipart)
			md5_update(&part, buf, (size_t)n);
		if (j->cfg->signed_payload)
			br_sha256_update(&sha, buf, (size_t)n);
		off += n;
		part_left -= n;
		if (multipart && (part_left == 0 || off == size)) {
			md5_final(&part, h->parts[p].md5);
			if (j->cfg->signed_payload)
				sha_hex(&sha, h->parts[p].sha256);
			md5_init(&part);
			br_sha256_init(&sha);
			p++;
			part_left = h->part_size;
		}
	}
	free(buf);
	md5_final(&whole, h->md5);
	hex_encode(h->md5, 16, h->md5_hex);
	if (!multipart && j->cfg->signed_payload)
		sha_hex(&sha, h->sha256);
	return 0;
}

/* ---- metadata ---- */

static char *
stat_json(const struct stat *st)
{
	char *user = acct_user_name(st->st_uid);
	char *group = acct_group_name(st->st_gid);
	struct buf b;

	buf_init(&b);
	json_stat(&b, st->st_uid, st->st_gid, st->st_mode, user, group);
	free(user);
	free(group);
	if (b.failed) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

size_t
upload_storage_headers(const struct options *o, int listing,
    long long until_ms, struct sigv4_header *h, char *until)
{
	const char *class = listing ? o->listing_class : o->storage_class;
	const char *sse = o->with_sse ? "AES256" : o->sse;
	size_t n = 0;

	if (class == NULL && o->reduced_redundancy)
		class = "REDUCED_REDUNDANCY";
	if (class != NULL)
		h[n++] = (struct sigv4_header){ "x-amz-storage-class", class };
	if (sse != NULL)
		h[n++] = (struct sigv4_header){ "x-amz-server-side-encryption",
		    sse };
	if (o->sse_kms_key_id != NULL)
		h[n++] = (struct sigv4_header){
		    "x-amz-server-side-encryption-aws-kms-key-id",
		    o->sse_kms_key_id };
	if (o->sse_bucket_key)
		h[n++] = (struct sigv4_header){
		    "x-amz-server-side-encryption-bucket-key-enabled", "true" };
	if (o->lock_mode != NULL) {
		companion_format_time(until_ms, until);
		h[n++] = (struct sigv4_header){ "x-amz-object-lock-mode",
		    o->lock_mode };
		h[n++] = (struct sigv4_header){
		    "x-amz-object-lock-retain-until-date", until };
	}
	return n;
}

/* The retain-until date of an upload now, by the server's clock (which
 * judges it). */
static long long
lock_until_ms(struct s3_client *c, const struct options *o)
{
	return o->lock_until_ms > 0 ? o->lock_until_ms :
	    ((long long)time(NULL) + s3_clock_offset(c)) * 1000 +
	    o->lock_days * 86400000LL;
}

static size_t
storage_headers(struct s3_client *c, const struct options *o, int listing,
    struct sigv4_header *h, char *until)
{
	return upload_storage_headers(o, listing, lock_until_ms(c, o), h,
	    until);
}

/* With SSE-KMS or SSE-C the ETag S3 returns is not the MD5 of the data:
 * then Content-MD5, which S3 checks, is the proof. */
static int
etag_is_md5(const struct options *o)
{
	return o->c.sse_c_key_file == NULL &&
	    (o->sse == NULL || strcmp(o->sse, "AES256") == 0);
}

const char *
upload_content_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ "txt", "text/plain" },
		{ "json", "application/json" },
	};
	const char *base = strrchr(name, '/'), *dot;

	/* posixpath.splitext: ".txt" alone is a name, not an extension. */
	for (base = base ? base + 1 : name; *base == '.'; base++)
		;
	if ((dot = strrchr(base, '.')) != NULL)
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* Headers every data object and initiate carries. Returns the count, at
 * most DATA_HEADERS. */
#define DATA_HEADERS	(4 + UPLOAD_STORAGE_HEADERS)
static size_t
data_headers(const struct job *j, struct sigv4_header *h, char *md5_b64,
    int with_md5, char *until)
{
	size_t n = 0;

	h[n++] = (struct sigv4_header){ "content-type",
	    upload_content_type(j->key) };
	if (with_md5)
		h[n++] = (struct sigv4_header){ "content-md5", md5_b64 };
	h[n++] = (struct sigv4_header){ "x-amz-meta-md5sum", j->h.md5_hex };
	h[n++] = (struct sigv4_header){ "x-amz-meta-stat", j->stat_json };
	return n + storage_headers(j->c, j->cfg->opt, 0, h + n, until);
}

/* ---- the listing ---- */

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files of dir that pass the filter, sorted. */
static char **
list_dir(const struct upload_config *cfg, const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, *full;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		int keep;

		if (asprintf(&full, "%s/%s", dir, de->d_name) < 0)
			goto fail;
		keep = lstat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		    filter_keep(cfg->filter, full);
		free(full);
		if (!keep)
			continue;
		if (*n + 1 >= cap) {
			char **g = realloc(names, (cap = cap * 2 + 16) *
			    sizeof(*g));

			if (g == NULL)
				goto fail;
			names = g;
		}
		if ((names[*n] = strdup(de->d_name)) == NULL)
			goto fail;
		(*n)++;
	}
	closedir(d);
	if (*n > 0)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names ? names : calloc(1, sizeof(char *));
fail:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(names[i]);
	free(names);
	return NULL;
}

__attribute__((noinline)) static int
put_listing(struct job *j)
{
	const char *slash = strrchr(j->path, '/');
	char *dir = strndup(j->path, slash > j->path ? (size_t)(slash -
	    j->path) : 1);
	struct s3_error err;
	char **names = NULL, *key = NULL;
	char md5_b64[S3_MD5_B64], until[32];
	struct sigv4_header h[2 + UPLOAD_STORAGE_HEADERS];
	size_t n = 0, nh = 0;
	struct buf b;
	int r = -1;

	buf_init(&b);
	if (dir == NULL || (names = list_dir(j->cfg, dir, &n)) == NULL ||
	    (key = listing_of(j->key)) == NULL) {
		key = NULL;
		log_error("Failed to list directory %s: %s", dir ? dir : "?",
		    strerror(errno));
		goto out;
	}
	listing_write(&b, dir, (const char *const *)names, n);
	if (b.failed)
		goto out;
	s3_content_md5(b.data, b.len, md5_b64);
	h[nh++] = (struct sigv4_header){ "content-type", "application/json" };
	h[nh++] = (struct sigv4_header){ "content-md5", md5_b64 };
	nh += storage_headers(j->c, j->cfg->opt, 1, h + nh, until);
	struct s3_put p = { .key = key, .headers = h, .nheaders = nh,
	    .body = b.data, .body_len = b.len, .fd = -1 };
	if (s3_put_object(j->c, &p, NULL, &err) < 0)
		log_error("Failed to upload directory listing for %s: %s",
		    j->path, err.text);
	else
		r = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(key);
	free(dir);
	buf_free(&b);
	return r;
}

/* ---- progress and the in-flight registry ---- */

static double
mono_sec(void)
{
	return (double)http_now_ms() / 1000;
}

static void
progress_start(struct progress *pr, const char *path, long long total)
{
	pr->path = path;
	pr->total = total;
	pr->sent = 0;
	pr->start = pr->last = mono_sec();
}

static void
on_send(void *arg, long long bytes)
{
	struct progress *pr = arg;
	double now = mono_sec();
	long long sent;

	pr->sent += bytes;
	if (pr->total < PROGRESS_MIN || now - pr->last < PROGRESS_EVERY)
		return;
	pr->last = now;
	/* A retried part is counted again: never claim more than all. */
	sent = pr->sent < pr->total ? pr->sent : pr->total;
	log_info("Uploading %s: %d%% (%.1f MiB/s)", pr->path,
	    (int)(sent * 100 / pr->total),
	    (double)pr->sent / MIB / (now - pr->start));
}

static void
inflight_add(struct inflight *f, const char *key, const char *id)
{
	f->key = (char *)key;
	f->upload_id = (char *)id;
	pthread_mutex_lock(&inflight_lock);
	f->next = inflight_list;
	inflight_list = f;
	pthread_mutex_unlock(&inflight_lock);
}

static void
inflight_remove(struct inflight *f)
{
	struct inflight **pp;

	pthread_mutex_lock(&inflight_lock);
	for (pp = &inflight_list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	pthread_mutex_unlock(&inflight_lock);
}

int
upload_abort_in_flight(struct s3_client *c)
{
	struct s3_error err;
	int n = 0;

	/* The uploading threads are still running: copy under the lock,
	 * abort outside it (the process exits right after). */
	for (;;) {
		char *key = NULL, *id = NULL;

		pthread_mutex_lock(&inflight_lock);
		if (inflight_list != NULL) {
			key = strdup(inflight_list->key);
			id = strdup(inflight_list->upload_id);
			inflight_list = inflight_list->next;
		}
		pthread_mutex_unlock(&inflight_lock);
		if (key == NULL || id == NULL) {
			free(key);
			free(id);
			return n;
		}
		if (s3_mpu_abort(c, key, id, &err) == 0) {
			log_info("Aborted the unfinished multipart upload of %s",
			    key);
			n++;
		} else
			log_error("Could not abort the multipart upload of %s: "
			    "%s", key, err.text);
		free(key);
		free(id);
	}
}

/* ---- sending ---- */

/* What one try at sending the file came to. */
enum sent {
	SENT,			/* stored, and S3 has the bytes we hashed */
	SEND_FAILED,		/* logged: try again later */
	SEND_CHANGED,		/* the bytes changed on the way (the file
				 * meanwhile, or BadDigest): send again */
	SEND_TOO_LARGE,		/* more than S3 can store */
	SEND_STALE,		/* a resumed upload was another file's:
				 * start over */
	SEND_EXISTS,		/* a PUT if absent found the object: apply
				 * the skip rule */
};

static enum sent
put_single(struct job *j)
{
	struct sigv4_header h[DATA_HEADERS + 1];	/* + if-none-match */
	struct s3_error err;
	char md5_b64[BASE64_LEN(16) + 1], etag[80], until[32];
	size_t nh;
	int r;

	base64_encode(j->h.md5, 16, md5_b64);
	nh = data_headers(j, h, md5_b64, 1, until);
	if (j->if_absent)
		h[nh++] = (struct sigv4_header){ "if-none-match", "*" };
	log_debug("Performing monolithic upload");
	struct s3_put p = { .key = j->key, .headers = h, .nheaders = nh,
	    .fd = j->fd, .off = 0, .len = j->st.st_size,
	    .sha256_hex = j->cfg->signed_payload ? j->h.sha256 : NULL,
	    .on_send = on_send, .on_send_arg = &j->progress };
	if ((r = s3_put_object(j->c, &p, etag, &err)) < 0) {
		log_error("Error uploading %s: %s", j->key, err.text);
		return strcmp(err.code, "BadDigest") == 0 ? SEND_CHANGED :
		    SEND_FAILED;
	}
	if (r == 1) {
		log_debug("Key %s exists: the PUT's If-None-Match refused it",
		    j->key);
		return SEND_EXISTS;
	}
	/* With SSE-S3 or none, the ETag is the MD5 of what was stored. */
	if (etag_is_md5(j->cfg->opt) && strcmp(etag, j->h.md5_hex) != 0) {
		log_error("Error uploading %s: S3 stored MD5 %s, expected %s",
		    j->key, etag, j->h.md5_hex);
		return SEND_CHANGED;
	}
	return SENT;
}

/* The size of part i (from 0). */
static long long
part_len(const struct job *j, int i)
{
	long long len = j->st.st_size - (long long)i * j->h.part_size;

	return len < j->h.part_size ? len : j->h.part_size;
}

static enum sent
put_part(struct job *j, const char *id, int i, char (*etags)[33])
{
	struct part_hash *ph = &j->h.parts[i];
	char md5_b64[BASE64_LEN(16) + 1], md5_hex[33], etag[80];
	struct s3_error err;
	struct sigv4_header h[1] = { { "content-md5", md5_b64 } };
	long long off = (long long)i * j->h.part_size;
	long long len = part_len(j, i);

	base64_encode(ph->md5, 16, md5_b64);
	hex_encode(ph->md5, 16, md5_hex);
	struct s3_put p = { .key = j->key, .headers = h, .nheaders = 1,
	    .fd = j->fd, .off = off, .len = len,
	    .sha256_hex = j->cfg->signed_payload ? ph->sha256 : NULL,
	    .on_send = on_send, .on_send_arg = &j->progress };
	for (int attempt = 1; attempt <= j->cfg->opt->c.retries + 1;
	    attempt++) {
		int rc;

		log_debug("Uploading part #%d (size: %lld)", i + 1, len);
		etag[0] = '\0';
		rc = s3_mpu_part(j->c, id, i + 1, &p, etag, &err);
		if (rc == 0 && !etag_is_md5(j->cfg->opt) && etag[0] != '\0' &&
		    strlen(etag) < 33) {
			memcpy(etags[i], etag, strlen(etag) + 1);
			return SENT;
		}
		if (rc == 0 && strcmp(etag, md5_hex) == 0) {
			memcpy(etags[i], md5_hex, 33);
			return SENT;
		}
		/* Both hex strings are at most 79 bytes: this fits. */
		if (rc == 0)
			snprintf(err.text, sizeof(err.text), "S3 stored MD5 %s, "
			    "expected %s", etag, md5_hex);
		log_info("Error uploading part %d of %s: %s", i + 1, j->path,
		    err.text);
		/* S3 got other bytes than we hashed: the file changed. */
		if (rc < 0 && strcmp(err.code, "BadDigest") == 0)
			return SEND_CHANGED;
		/* A stop ends the pause, and with it the part's tries. */
		if (attempt <= j->cfg->opt->c.retries &&
		    s3_backoff_wait(j->c, attempt, 0) < 0)
			break;
	}
	return SEND_FAILED;
}

/* Keeps the stored parts of an unfinished upload that match the local
 * data, part by part (size and MD5). Returns how many. */
static int
keep_stored_parts(struct job *j, const char *id, char (*etags)[33])
{
	struct s3_part *parts;
	struct s3_error err;
	char hex[33];
	size_t n;
	int kept = 0;

	if (s3_mpu_parts(j->c, j->key, id, &parts, &n, &err) < 0) {
		log_warning("Cannot list the stored parts of %s: %s", j->key,
		    err.text);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int k = parts[i].number - 1;

		if (k < 0 || k >= j->h.nparts)
			continue;
		hex_encode(j->h.parts[k].md5, 16, hex);
		if (parts[i].size == part_len(j, k) && strcmp(parts[i].etag, hex) == 0 &&
		    etags[k][0] == '\0') {
			memcpy(etags[k], hex, sizeof(hex));
			kept++;
		}
	}
	free(parts);
	return kept;
}

/* The unfinished uploads of j's key (free them with s3_uploads_free):
 * 0, or -1 with a line. */
static int
list_uploads(struct job *j, struct s3_upload **ups, size_t *n)
{
	struct s3_error err;

	if (s3_mpu_list(j->c, j->key, ups, n, &err) == 0)
		return 0;
	log_warning("Cannot list unfinished uploads of %s: %s", j->key,
	    err.text);
	return -1;
}

/* Aborts every upload of ups but ups[keep] (keep == n: all), a line
 * each. */
static void
abort_stale(struct job *j, struct s3_upload *ups, size_t n, size_t keep)
{
	struct s3_error err;

	for (size_t i = 0; i < n; i++) {
		if (i == keep)
			continue;
		if (s3_mpu_abort(j->c, j->key, ups[i].upload_id, &err) == 0)
			log_info("Aborted a stale multipart upload of %s",
			    j->key);
		else
			log_warning("Could not abort a stale multipart upload "
			    "of %s: %s", j->key, err.text);
	}
}

/* An unfinished upload of this key begun after the file last changed
 * holds parts of this very file (and its metadata is this file's): use
 * the newest such one. Older ones are orphans of crashed runs: abort. */
static char *
find_resumable(struct job *j, char (*etags)[33])
{
	struct s3_upload *ups;
	char *id = NULL;
	size_t n, best = 0;
	long long changed_ms;
	int found = 0, kept;

	if (j->no_resume || list_uploads(j, &ups, &n) < 0)
		return NULL;
	/* The file's last change, in the server's clock. */
	changed_ms = (long long)j->st.st_mtim.tv_sec * 1000 +
	    j->st.st_mtim.tv_nsec / 1000000 + s3_clock_offset(j->c) * 1000LL;
	for (size_t i = 0; i < n; i++)
		if (ups[i].initiated_ms > changed_ms && (!found ||
		    ups[i].initiated_ms > ups[best].initiated_ms)) {
			best = i;
			found = 1;
		}
	abort_stale(j, ups, n, found ? best : n);
	if (found) {
		id = ups[best].upload_id;
		ups[best].upload_id = NULL;
		kept = keep_stored_parts(j, id, etags);
		log_info("Resuming the multipart upload of %s: %d of %d parts "
		    "already stored", j->path, kept, j->h.nparts);
	}
	s3_uploads_free(ups, n);
	return id;
}

/* A resumed upload carries the metadata of its initiate: it must be this
 * file's (the initiate came after the file's last change, by the server's
 * clock; a clock that lies is caught here). */
static enum sent
check_resumed(struct job *j)
{
	struct s3_object_info info;
	struct s3_error err;

	if (s3_head_object(j->c, j->key, &info, &err) == 1 &&
	    strcmp(info.md5sum, j->h.md5_hex) == 0)
		return SENT;
	log_warning("The resumed upload of %s carries another file's "
	    "metadata; uploading it afresh", j->path);
	j->no_resume = 1;
	return SEND_STALE;
}

/* CreateMultipartUpload is not idempotent: when S3 carried one out but its
 * answer was lost, the retry made a second upload and the first one is
 * left empty. Once ours is complete or aborted, every unfinished upload of
 * this key is such an orphan (one path, one key, one upload at a time). */
static void
abort_leftovers(struct job *j)
{
	struct s3_upload *ups;
	size_t n;

	if (list_uploads(j, &ups, &n) < 0)
		return;
	abort_stale(j, ups, n, n);
	s3_uploads_free(ups, n);
}

static enum sent
put_multipart(struct job *j)
{
	struct sigv4_header h[DATA_HEADERS];
	struct s3_error err;
	char (*etags)[33], until[32];
	struct inflight reg;
	enum sent r = SENT;
	char *id;
	size_t nh;
	int resumed;

	log_info("Performing multipart upload for %s", j->path);
	nh = data_headers(j, h, NULL, 0, until);
	if ((etags = calloc((size_t)j->h.nparts, sizeof(*etags))) == NULL)
		return SEND_FAILED;
	id = find_resumable(j, etags);
	resumed = id != NULL;
	if (id == NULL && (id = s3_mpu_create(j->c, j->key, h, nh, &err)) ==
	    NULL) {
		log_error("Error uploading %s: %s", j->key, err.text);
		free(etags);
		return SEND_FAILED;
	}
	inflight_add(&reg, j->key, id);
	for (int i = 0; i < j->h.nparts && r == SENT; i++)
		if (etags[i][0] == '\0')
			r = put_part(j, id, i, etags);
	if (r == SENT) {
		log_debug("Uploaded %d parts, completing upload", j->h.nparts);
		/* Some servers (radosgw 16) drop the initiate's lock: it is
		 * set again on the object. */
		if (s3_mpu_complete(j->c, j->key, id, etags, j->h.nparts,
		    &err) < 0 || (j->cfg->opt->lock_mode != NULL &&
		    s3_put_retention(j->c, j->key, j->cfg->opt->lock_mode,
		    lock_until_ms(j->c, j->cfg->opt), &err) < 0)) {
			log_error("Error uploading %s: %s", j->key, err.text);
			r = SEND_FAILED;
		}
	}
	inflight_remove(&reg);
	if (r == SENT && resumed)
		r = check_resumed(j);
	/* Never leave a half-made upload behind in the bucket. */
	if (r != SENT && s3_mpu_abort(j->c, j->key, id, &err) < 0)
		log_error("Could not abort the multipart upload of %s: %s "
		    "(a bucket lifecycle rule can clean it up)", j->key,
		    err.text);
	else
		abort_leftovers(j);
	free(id);
	free(etags);
	return r;
}

/* ---- the steps ---- */

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	    a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The skip rule: an object of the same size is taken as this file
 * (with --md5-on-start, only when the MD5 agrees too). 1: upload it; 0:
 * do not, for the reason in *stop (skipped, or a retry later). */
static int
needs_upload(struct job *j, enum upload_status *stop)
{
	struct s3_object_info info;
	struct s3_error err;
	int r;

	r = s3_head_object(j->c, j->key, &info, &err);
	*stop = UPLOAD_RETRY;
	if (r < 0) {
		log_error("Failed to look up keyname %s: %s", j->key, err.text);
		return 0;
	}
	if (r == 0) {
		log_debug("Key %s does not exist", j->key);
		return 1;
	}
	if (info.size != (long long)j->st.st_size) {
		log_warning("ATTENTION: your source (%s) and target (%s) sizes "
		    "differ; uploading the local file again", j->path, j->key);
		return 1;
	}
	if (j->cfg->opt->md5_on_start) {
		if (hash_file(j, 0) < 0) {
			log_error("Failed to read %s: %s", j->path,
			    strerror(errno));
			return 0;
		}
		if (strcmp(info.md5sum[0] ? info.md5sum : info.etag,
		    j->h.md5_hex) != 0) {
			log_warning("ATTENTION: your source (%s) and target "
			    "(%s) MD5 hashes differ; uploading the local file "
			    "again", j->path, j->key);
			return 1;
		}
	}
	log_info("Keyname %s already exists, skipping upload", j->key);
	*stop = UPLOAD_SKIPPED;
	return 0;
}

const char *
upload_file_kind(mode_t mode)
{
	static const struct {
		mode_t type;
		const char *what;
	} kinds[] = {
		{ S_IFREG, NULL },
		{ S_IFLNK, "a symbolic link, not a regular file" },
		{ S_IFIFO, "a FIFO, not a regular file" },
		{ S_IFSOCK, "a socket, not a regular file" },
		{ S_IFCHR, "a character device, not a regular file" },
		{ S_IFBLK, "a block device, not a regular file" },
		{ S_IFDIR, "a directory, not a regular file" },
	};

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((mode & S_IFMT) == kinds[i].type)
			return kinds[i].what;
	return "not a regular file";
}

/* Opens the directory holding path's last component: root as the user
 * named it (links and all), then each directory below it without
 * following a link. *last: the last component. A descriptor, -1 (errno),
 * or -2 (*kind) when a directory on the way is a link or no directory. */
static int
open_parent(const char *root, const char *path, const char **last,
    const char **kind)
{
	size_t rl = root != NULL ? strlen(root) : 0;
	const char *p;
	char name[NAME_MAX + 1];
	int dfd, saved;

	if (rl == 0) {
		/* No root known: the directory as named, the last
		 * component alone is not followed. */
		const char *slash = strrchr(path, '/');
		char *dir = slash == NULL ? strdup(".") : slash == path ?
		    strdup("/") : strndup(path, (size_t)(slash - path));

		if (dir == NULL)
			return -1;
		dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		free(dir);
		if (dfd < 0)
			return -1;
		*last = slash == NULL ? path : slash + 1;
		return dfd;
	}
	if ((dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	p = path + rl;
	for (;;) {
		const char *slash;
		size_t n;
		int next;

		while (*p == '/')
			p++;
		if ((slash = strchr(p, '/')) == NULL)
			break;
		if ((n = (size_t)(slash - p)) > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (next < 0 && (errno == ENOTDIR || errno == ELOOP)) {
			*kind = "a directory on its path is a symbolic "
			    "link or a file";
			close(dfd);
			return -2;
		}
		if (next < 0)
			goto fail;
		close(dfd);
		dfd = next;
		p = slash + 1;
	}
	*last = p;
	return dfd;
fail:
	saved = errno;
	close(dfd);
	errno = saved;
	return -1;
}

int
upload_open(const char *root, const char *path, struct stat *st,
    const char **kind)
{
	const char *last;
	int dfd, fd, flags, saved;

	*kind = NULL;
	if ((dfd = open_parent(root, path, &last, kind)) < 0)
		return dfd;
	/* A look first, so that a device or a FIFO is not even opened (a
	 * device's open can act; a FIFO's would wake its writer). It only
	 * ever refuses: what counts is the descriptor, checked below. */
	if (fstatat(dfd, last, st, AT_SYMLINK_NOFOLLOW) < 0) {
		fd = -1;
		goto fail;
	}
	if ((*kind = upload_file_kind(st->st_mode)) != NULL) {
		close(dfd);
		return -2;
	}
	/* Swapped since the look: O_NOFOLLOW fails on a symbolic link,
	 * O_NONBLOCK keeps a FIFO from blocking the thread. */
	fd = openat(dfd, last, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
	    O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		*kind = "a symbolic link, not a regular file";
	else if (fd < 0 && errno == ENXIO)
		*kind = "a socket or a device, not a regular file";
	if (fd < 0 && *kind != NULL) {
		close(dfd);
		return -2;
	}
	if (fd < 0 || fstat(fd, st) < 0)
		goto fail;
	close(dfd);
	dfd = -1;
	if ((*kind = upload_file_kind(st->st_mode)) != NULL) {
		close(fd);
		return -2;
	}
	/* A regular file: reads never block, but the flag goes anyway. */
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
		goto fail;
	return fd;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	errno = saved;
	return -1;
}

/* The root of cfg that path lies under, the longest; NULL for none. */
static const char *
root_of(const struct upload_config *cfg, const char *path)
{
	const char *best = NULL;
	size_t bl = 0;

	for (size_t i = 0; i < cfg->nroots; i++) {
		const char *r = cfg->roots[i];
		size_t n = strlen(r);

		if (n > bl && strncmp(path, r, n) == 0 &&
		    (path[n] == '/' || r[n - 1] == '/')) {
			best = r;
			bl = n;
		}
	}
	return best;
}

/* The file as opened is what goes out: its size, mode, owner and bytes
 * all come from this descriptor, never from the path again. 1: open; 0:
 * not, for the reason in *stop. */
static int
open_file(struct job *j, enum upload_status *stop)
{
	const char *kind;

	j->fd = upload_open(root_of(j->cfg, j->path), j->path, &j->st, &kind);
	if (j->fd >= 0)
		return 1;
	if (j->fd == -2) {
		log_warning("Skipping %s: %s", j->path, kind);
		*stop = UPLOAD_REFUSED;
	} else if (errno == ENOENT) {
		log_info("File %s vanished before its upload, skipping",
		    j->path);
		*stop = UPLOAD_GONE;
	} else {
		log_error("Failed to open file: %s (%s)", j->path,
		    strerror(errno));
		*stop = UPLOAD_RETRY;
	}
	return 0;
}

static void
delete_after(struct job *j)
{
	const char *last, *why;
	struct stat now;
	int dfd;

	/* Only the file that was uploaded, unchanged, is deleted, from the
	 * directory reached as for its upload (no link followed). */
	dfd = open_parent(root_of(j->cfg, j->path), j->path, &last, &why);
	if (dfd < 0 || fstatat(dfd, last, &now, AT_SYMLINK_NOFOLLOW) < 0 ||
	    now.st_dev != j->st.st_dev || now.st_ino != j->st.st_ino ||
	    !same_file(&now, &j->st)) {
		log_warning("Not deleting %s: it changed after its upload",
		    j->path);
		if (dfd >= 0)
			close(dfd);
		return;
	}
	if (unlinkat(dfd, last, 0) < 0)
		log_error("Failed to delete %s: %s", j->path, strerror(errno));
	else
		log_info("Deleted %s", j->path);
	close(dfd);
}

/* A Data.db file, unless --without-index: its directory's listing goes
 * out before it. */
static int
sends_listing(const struct job *j)
{
	return !j->cfg->opt->without_index &&
	    strstr(j->path, "Data.db") != NULL;
}

/* Hash, list, send, and check the file stayed the same meanwhile. Out
 * of line, as put_listing and run: inlined into upload_file, whose frame
 * holds the job, every j->field became a longer stack-relative access
 * (500 bytes more with GCC 12 -Oz). */
__attribute__((noinline)) static enum sent
send_once(struct job *j)
{
	int multipart = j->st.st_size > j->cfg->opt->max_upload_size;
	struct stat after;
	enum sent r;

	free(j->h.parts);
	memset(&j->h, 0, sizeof(j->h));
	if (multipart &&
	    (j->h.part_size = upload_part_size(j->st.st_size,
	    j->cfg->opt->chunk_size)) < 0)
		return SEND_TOO_LARGE;
	if (hash_file(j, multipart) < 0) {
		if (errno == ENODATA)
			return SEND_CHANGED;
		log_error("Failed to read %s: %s", j->path, strerror(errno));
		return SEND_FAILED;
	}
	if (sends_listing(j) && put_listing(j) < 0)
		return SEND_FAILED;
	log_info("Uploading %s", j->path);
	progress_start(&j->progress, j->path, (long long)j->st.st_size);
	r = multipart ? put_multipart(j) : put_single(j);
	if (fstat(j->fd, &after) < 0)
		return SEND_FAILED;
	if (!same_file(&after, &j->st)) {
		j->st = after;
		return SEND_CHANGED;
	}
	return r;
}

/* Whether a try's outcome asks for another try now. */
static int
send_again(enum sent r)
{
	return r == SEND_CHANGED || r == SEND_STALE || r == SEND_EXISTS;
}

__attribute__((noinline)) static enum upload_status
run(struct job *j)
{
	enum upload_status stop;
	enum sent r = SEND_CHANGED;	/* nothing sent yet */

	if (!is_utf8(j->key, strlen(j->key))) {
		log_warning("Skipping %s: the file name is not valid UTF-8, "
		    "which an S3 key must be", j->path);
		return UPLOAD_REFUSED;
	}
	if (strlen(j->key) > MAX_KEY) {
		log_warning("Skipping %s: its key would be longer than %d "
		    "bytes", j->path, MAX_KEY);
		return UPLOAD_REFUSED;
	}
	if (!open_file(j, &stop))
		return stop;
	/* The listing of -i goes out before the file, so only a file
	 * known to be new may be sent before the skip rule is applied. */
	j->if_absent = j->hint == OBJECT_UNKNOWN &&
	    j->st.st_size <= PUT_IF_ABSENT_MAX &&
	    !sends_listing(j);
	if (j->hint != OBJECT_ABSENT && !j->if_absent &&
	    !needs_upload(j, &stop))
		return stop;
	if ((j->stat_json = stat_json(&j->st)) == NULL)
		return UPLOAD_RETRY;
	for (int i = 0; i < CHANGE_TRIES && send_again(r); i++) {
		if (r == SEND_EXISTS) {
			j->if_absent = 0;
			if (!needs_upload(j, &stop))
				return stop;
		} else if (i > 0 && r == SEND_CHANGED) {
			/* The first try may have stored the object: this one
			 * must replace it. */
			j->if_absent = 0;
			log_warning("%s changed while it was uploaded; "
			    "uploading it again", j->path);
			if (fstat(j->fd, &j->st) < 0)
				return UPLOAD_RETRY;
		}
		r = send_once(j);
	}
	if (r == SEND_TOO_LARGE) {
		log_error("Skipping %s: %lld bytes is more than S3 can store",
		    j->path, (long long)j->st.st_size);
		return UPLOAD_REFUSED;
	}
	if (r != SENT)
		return UPLOAD_RETRY;
	log_info("Finished uploading %s", j->path);
	if (j->cfg->opt->delete_on_backup)
		delete_after(j);
	return UPLOAD_DONE;
}

enum upload_status
upload_file(struct s3_client *c, const struct upload_config *cfg,
    const char *path, enum object_hint hint, long long *bytes)
{
	struct job j = { .c = c, .cfg = cfg, .path = path, .fd = -1,
	    .hint = hint };
	enum upload_status s;

	*bytes = 0;
	if ((j.key = upload_key(cfg, path)) == NULL)
		return UPLOAD_RETRY;
	s = run(&j);
	if (s == UPLOAD_DONE)
		*bytes = (long long)j.st.st_size;
	if (j.fd >= 0)
		close(j.fd);
	free(j.key);
	free(j.stat_json);
	free(j.h.parts);
	return s;
}
