/* setup.c: the front door of the three programs: options and environment
 * into a ready S3 client (endpoint, region, trust anchors, credentials,
 * the bucket check), plus help, version and usage-error output. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "creds.h"
#include "fmt.h"
#include "log.h"
#include "protect.h"
#include "s3ops.h"
#include "setup.h"
#include "version.h"

#define DEFAULT_CA	"/etc/ssl/certs/ca-certificates.crt"

/* ---- start-up chores ---- */

/* Appends s, each tab padded with spaces to column col: the help texts
 * keep one byte where their second column (24) or the usage's
 * indentation begins. */
static void
add_padded(struct buf *b, const char *s, size_t col)
{
	for (; *s != '\0'; s++) {
		const char *nl;
		size_t at;

		if (*s != '\t') {
			buf_add(b, s, 1);
			continue;
		}
		nl = b->data != NULL ? memrchr(b->data, '\n', b->len) : NULL;
		at = nl != NULL ? b->len - (size_t)(nl + 1 - b->data) : b->len;
		while (at++ < col)
			buf_add(b, " ", 1);
	}
}

char *
setup_help_text(const struct cli_program *p, const char *msg)
{
	struct buf b = { 0 };

	add_padded(&b, p->usage, strlen("usage:  ") + strlen(p->name));
	if (msg != NULL)
		buf_printf(&b, "%s: error: %s\n", p->name, msg);
	else {
		buf_adds(&b, "\n");
		for (const char *const *h = p->help; *h != NULL; h++)
			add_padded(&b, *h, 24);
	}
	return buf_take(&b);
}

/* The usage, then the help or an error line, in one write. */
static void
print_usage(int fd, const struct cli_program *p, const char *msg)
{
	char *text = setup_help_text(p, msg);

	if (text != NULL)
		(void)log_write(fd, text, strlen(text));
	free(text);
}

int
setup_usage_error(const struct cli_program *p, const char *msg)
{
	print_usage(STDERR_FILENO, p, msg);
	return 2;
}

int
setup_parsed(const struct cli_program *p, enum cli_result r, const char *err)
{
	switch (r) {
	case CLI_OK:
		return -1;
	case CLI_HELP:
		print_usage(STDOUT_FILENO, p, NULL);
		return 0;
	case CLI_VERSION:
		log_print(STDOUT_FILENO, "%s %s\n", p->name, TABLESNAP_VERSION);
		return 0;
	case CLI_NOMEM:
		return setup_usage_error(p, "out of memory");
	case CLI_USAGE:
		break;
	}
	return setup_usage_error(p, err);
}

/* ---- the host name: Python's socket.getfqdn() ---- */

const char *
setup_fqdn_choose(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr(names[i], '.') != NULL)
			return names[i];
	return n > 0 ? names[0] : NULL;
}

/* A hosts line's fields, up to HOSTS_FIELDS (the address and the names);
 * the rest of a longer line is ignored. */
#define HOSTS_FIELDS	64

int
setup_hosts_fqdn(const char *text, int af, const void *addr, char *out,
    size_t outlen)
{
	size_t alen = af == AF_INET6 ? 16 : 4;

	while (*text != '\0') {
		size_t len = strcspn(text, "\n");
		const char *f[HOSTS_FIELDS], *name;
		unsigned char bin[16];
		char *line, *save = NULL, *tok;
		size_t n = 0;
		int r = 0;

		if ((line = str_ndup(text, len)) == NULL)
			return -1;
		text += len + (text[len] == '\n');
		line[strcspn(line, "#")] = '\0';
		for (tok = strtok_r(line, " \t\r\f\v", &save);
		    tok != NULL && n < HOSTS_FIELDS;
		    tok = strtok_r(NULL, " \t\r\f\v", &save))
			f[n++] = tok;
		/* glibc's files backend: the first line with the address and
		 * at least one name; its first name is the canonical one. */
		if (n >= 2 && inet_pton(af, f[0], bin) == 1 &&
		    memcmp(bin, addr, alen) == 0) {
			name = setup_fqdn_choose(f + 1, n - 1);
			r = snprintf(out, outlen, "%s", name);
			r = r < 0 || (size_t)r >= outlen ? -1 : 1;
		}
		free(line);
		if (r != 0)
			return r;
	}
	return 0;
}

/* The hosts file, read whole; NULL when it cannot be. */
static char *
read_hosts(void)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *f;

	if ((f = fopen("/etc/hosts", "re")) == NULL)
		return NULL;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    b.len < (1 << 20))
		buf_add(&b, chunk, n);
	(void)fclose(f);
	return buf_take(&b);
}

/* As CPython's getfqdn(): gethostbyaddr(gethostname()), the name itself
 * when that fails. gethostbyaddr resolves the name to its first address,
 * then asks the hosts file (glibc's "files", whose aliases musl's
 * gethostbyaddr would not give) and else DNS. */
char *
setup_fqdn(void)
{
	char host[HOST_NAME_MAX + 1], name[1025], *text;
	struct addrinfo hints = { .ai_family = AF_UNSPEC }, *ai = NULL;
	unsigned char addr[16];
	struct hostent *he;
	const char *names[HOSTS_FIELDS];
	size_t n = 0;
	int af, r;

	if (gethostname(host, sizeof(host)) < 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	if (getaddrinfo(host, NULL, &hints, &ai) != 0 || ai == NULL)
		return strdup(host);
	af = ai->ai_family;
	if (af == AF_INET6)
		memcpy(addr, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->
		    sin6_addr, 16);
	else if (af == AF_INET)
		memcpy(addr, &((struct sockaddr_in *)(void *)ai->ai_addr)->
		    sin_addr, 4);
	freeaddrinfo(ai);
	if (af != AF_INET && af != AF_INET6)
		return strdup(host);
	text = read_hosts();
	r = text != NULL ? setup_hosts_fqdn(text, af, addr, name,
	    sizeof(name)) : 0;
	free(text);
	if (r == 1)
		return strdup(name);
	he = gethostbyaddr(addr, af == AF_INET6 ? 16 : 4, af);
	if (he == NULL || he->h_name == NULL)
		return strdup(host);
	names[n++] = he->h_name;
	for (char **a = he->h_aliases; a != NULL && *a != NULL &&
	    n < HOSTS_FIELDS; a++)
		names[n++] = *a;
	return strdup(setup_fqdn_choose(names, n));
}

/* ---- the endpoint ---- */

struct endpoint {
	struct http_url url;
	int custom;		/* not AWS's own */
};

/* "https://host[:port][/]" ("[v6]" hosts too): no path, which would
 * change every key. */
static int
parse_endpoint(const char *url, struct endpoint *ep)
{
	return http_parse_url(url, &ep->url) == 0 &&
	    strcmp(ep->url.path, "/") == 0 ? 0 : -1;
}

int
setup_endpoint_ok(const char *url)
{
	struct endpoint ep;

	return parse_endpoint(url, &ep) == 0;
}

/* A name that can be a DNS label under virtual hosting (and in TLS). */
static int
virtual_host_ok(const char *bucket)
{
	for (const char *p = bucket; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-'))
			return 0;
	return 1;
}

/* --endpoint, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the boto files'
 * s3_host (the original's way to an S3-compatible server), AWS's for the
 * region; fills cfg's host, port, tls and addressing (ep keeps the
 * strings). */
static int
setup_endpoint(const struct common_opts *c, const struct boto_s3 *bs,
    struct s3_config *cfg, struct endpoint *ep, char *err, size_t errlen)
{
	const char *url = c->endpoint;
	char aws[128], *boto = NULL;
	int from_boto = 0, r;

	if (url == NULL)
		url = env_value("AWS_ENDPOINT_URL_S3");
	if (url == NULL)
		url = env_value("AWS_ENDPOINT_URL");
	ep->custom = url != NULL;
	if (url == NULL && bs->host != NULL) {
		if (asprintf(&boto, "%s://%s%s%s:%s", bs->tls ? "https" : "http",
		    strchr(bs->host, ':') ? "[" : "", bs->host,
		    strchr(bs->host, ':') ? "]" : "", bs->port) < 0)
			return err_set(err, errlen, "out of memory");
		url = boto;
		ep->custom = from_boto = 1;
	}
	if (url == NULL) {
		if (strcmp(cfg->region, "us-east-1") == 0)
			url = "https://s3.amazonaws.com";
		else if (snprintf(aws, sizeof(aws), "https://s3.%s.amazonaws.com",
		    cfg->region) >= (int)sizeof(aws))
			return err_set(err, errlen, "region name too long: %s",
			    cfg->region);
		else
			url = aws;
	}
	r = parse_endpoint(url, ep);
	if (r < 0 && from_boto)
		err_set(err, errlen, "%s: s3_host '%s' and s3_port %s make no "
		    "endpoint URL", bs->from, bs->host, bs->port);
	else if (r < 0)
		err_set(err, errlen, "invalid endpoint URL '%s' (want "
		    "http[s]://host[:port])", url);
	if (r == 0 && from_boto)
		log_info("Endpoint %s from %s", url, bs->from);
	free(boto);
	if (r < 0)
		return -1;
	cfg->host = ep->url.host;
	cfg->port = ep->url.port;
	cfg->tls = ep->url.tls;
	/* boto's calling_format stands for the original's addressing when
	 * the endpoint is the original's too. */
	if (c->path_style != 0)
		cfg->path_style = c->path_style > 0;
	else if (bs->path_style != 0 && (from_boto || !ep->custom))
		cfg->path_style = bs->path_style > 0;
	else
		cfg->path_style = ep->custom || !virtual_host_ok(cfg->bucket);
	return 0;
}

/* ---- trust, region, credentials ---- */

/* --ca-file, AWS_CA_BUNDLE, the boto files' ca_certificates_file, the
 * system's bundle. */
static int
setup_tls(const struct common_opts *c, const struct boto_s3 *bs,
    struct tls_anchors *ta, char *err, size_t errlen)
{
	const char *ca = c->ca_file ? c->ca_file : env_value("AWS_CA_BUNDLE");
	char why[512];
	size_t skipped = 0;
	long n;

	/* A backup tool never sends keys or data to a server it has not
	 * verified. Refusing to start would stop the backups of a host whose
	 * server holds a valid certificate anyway; one that does not fails
	 * the bucket check below, right after this line. */
	if (bs->no_verify != NULL)
		log_warning("%s: https_validate_certificates is false, but "
		    "tablesnap always checks certificates: give the server's CA "
		    "with --ca-file, AWS_CA_BUNDLE or ca_certificates_file",
		    bs->no_verify);
	if (ca == NULL)
		ca = bs->ca_file;
	if (ca == NULL)
		ca = DEFAULT_CA;
	n = tls_anchors_load(ta, ca, &skipped, why, sizeof(why));
	if (n < 0)
		return err_set(err, errlen, "cannot load trust anchors: %s", why);
	if (n == 0)
		return err_set(err, errlen, "no usable CA certificate in %s: "
		    "HTTPS cannot be verified", ca);
	if (skipped > 0)
		log_warning("%zu certificates of %s are of a kind BearSSL "
		    "cannot use; skipped", skipped, ca);
	log_debug("Loaded %ld trust anchors from %s", n, ca);
	return 0;
}

/* --aws-region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region in
 * the shared files, us-east-1 (the original's default). *owned is the
 * profile's, to free after use. */
static const char *
setup_region(const struct common_opts *c, char **owned, char *err,
    size_t errlen)
{
	const char *r = c->aws_region;

	*owned = NULL;
	if (r == NULL)
		r = env_value("AWS_REGION");
	if (r == NULL)
		r = env_value("AWS_DEFAULT_REGION");
	if (r == NULL) {
		if (cred_profile_region(owned, err, errlen) < 0)
			return NULL;
		r = *owned;
	}
	if (r == NULL)
		r = "us-east-1";
	if (!cred_region_valid(r)) {
		err_set(err, errlen, "'%s' is not a region name", r);
		return NULL;
	}
	return r;
}

/* Overwrites an option's value in argv (options point into it), so that
 * /proc/<pid>/cmdline and ps no longer show it. */
static void
erase_arg(const char **value)
{
	if (*value != NULL)
		memset((char *)*value, 'x', strlen(*value));
	*value = NULL;
}

static int
setup_credentials(struct s3_setup *s, struct common_opts *c,
    const char *region, char *err, size_t errlen)
{
	struct cred_args args = { .access_key = c->aws_key,
	    .secret_key = c->aws_secret, .token = c->aws_token,
	    .region = region,
	    .anchors = s->tls ? &s->anchors : NULL,
	    .cancel_fd = s->cancel_fd };

	if ((s->creds = cred_chain_new(&args, err, errlen)) == NULL)
		return -1;
	if (c->aws_key != NULL || c->aws_secret != NULL ||
	    c->aws_token != NULL) {
		log_warning("Keys given with -k/-s/--aws-token are visible to "
		    "every local user until erased from the command line: use "
		    "the environment, ~/.aws/credentials or an instance role");
		erase_arg(&c->aws_key);
		erase_arg(&c->aws_secret);
		erase_arg(&c->aws_token);
	}
	s3_client_set_cred_chain(s->s3, s->creds);
	log_info("Credentials from %s", cred_chain_source(s->creds));
	return 0;
}

void
setup_reload_credentials(struct s3_setup *s)
{
	char err[1024];

	if (cred_chain_reload(s->creds, err, sizeof(err)) < 0)
		log_error("Credentials not reloaded, the old ones stay: %s",
		    err);
	else
		log_info("Credentials reloaded from %s",
		    cred_chain_source(s->creds));
}

/* A refusal of the keys names where they came from. */
static void
bucket_check_error(const struct s3_setup *s, const struct s3_error *e,
    char *err, size_t errlen)
{
	if (s3_code_blames_keys(e->code))
		err_set(err, errlen, "%s (credentials from %s)", e->text,
		    cred_chain_source(s->creds));
	else
		err_set(err, errlen, "%s", e->text);
}

/* --sse-c-key-file: the key for every object request, over TLS only,
 * from a file closed to group and others. Messages name the file, never
 * a byte of it. */
static int
setup_sse_c(struct s3_setup *s, const char *path, char *err, size_t errlen)
{
	unsigned char data[64];
	struct sse_c k;
	struct stat st;
	ssize_t n = -1;
	/* O_NONBLOCK: a FIFO named here must not hang the start-up. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	const char *why = NULL;

	if (!s->tls)
		why = "needs an https:// endpoint (S3 takes a customer key "
		    "over TLS only)";
	else if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0)
		why = "must be a file closed to group and others (chmod 600)";
	else if ((n = read(fd, data, sizeof(data))) < 0)
		why = strerror(errno);
	else if (sse_c_parse(data, (size_t)n, &k, err, errlen) < 0)
		why = "holds no 256-bit key (32 bytes, or 44 base64 "
		    "characters)";
	else if (s3_client_set_sse_c(s->s3, &k) < 0)
		why = "out of memory";
	explicit_bzero(data, sizeof(data));
	explicit_bzero(&k, sizeof(k));
	if (fd >= 0)
		close(fd);
	return why ? err_set(err, errlen, "--sse-c-key-file %s: %s", path,
	    why) : 0;
}

/* ---- the client ---- */

int
setup_s3(struct s3_setup *s, struct common_opts *c, const char *bucket,
    int cancel_fd, char *err, size_t errlen)
{
	struct endpoint ep = { 0 };
	struct cred_boto boto;
	struct boto_s3 bs;
	struct s3_config cfg = { .bucket = bucket, .retries = c->retries,
	    .timeout_ms = c->request_timeout * 1000, .cancel_fd = cancel_fd };
	struct s3_error why;
	char *region = NULL;
	int r = -1;

	memset(s, 0, sizeof(*s));
	s->cancel_fd = cancel_fd;
	/* The original read boto's files whatever else it was given: a
	 * broken one stopped it. */
	if (cred_boto_load(&boto, err, errlen) < 0)
		return -1;
	if (cred_boto_s3(&boto, &bs, err, errlen) < 0)
		goto out;
	if ((cfg.region = setup_region(c, &region, err, errlen)) == NULL)
		goto out;
	if (setup_endpoint(c, &bs, &cfg, &ep, err, errlen) < 0)
		goto out;
	cfg.region_host = !ep.custom;
	cfg.connect_host = env_value("TABLESNAP_CONNECT_HOST");	/* tests */
	s->tls = cfg.tls;
	if (cfg.tls) {
		if (setup_tls(c, &bs, &s->anchors, err, errlen) < 0)
			goto out;
		cfg.anchors = &s->anchors;
	}
	if ((s->s3 = s3_client_new(&cfg)) == NULL) {
		err_set(err, errlen, "out of memory");
		goto out;
	}
	if (setup_credentials(s, c, cfg.region, err, errlen) < 0)
		goto out;
	if (c->sse_c_key_file != NULL &&
	    setup_sse_c(s, c->sse_c_key_file, err, errlen) < 0)
		goto out;
	if (s3_check_bucket(s->s3, &why) < 0) {
		bucket_check_error(s, &why, err, errlen);
		goto out;
	}
	log_debug("Bucket %s is reachable at %s:%s", cfg.bucket, cfg.host,
	    cfg.port);
	r = 0;
out:
	if (r < 0)
		setup_free(s);
	cred_boto_free(&boto);
	free(region);
	return r;
}

void
setup_free(struct s3_setup *s)
{
	s3_client_free(s->s3);
	cred_chain_free(s->creds);
	tls_anchors_free(&s->anchors);
	memset(s, 0, sizeof(*s));
}
