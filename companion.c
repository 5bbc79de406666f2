/* companion.c: the parts tableslurp and tablechop share: an argparse-like
 * command-line engine, the common S3 options, key names, UTC times, a
 * worker pool, and the stop flag set by SIGINT/SIGTERM. */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "companion.h"
#include "fmt.h"
#include "isotime.h"

#define THREAD_STACK	(256 * 1024)

#define MAX_TEMPS	64	/* temporary files known to the handler */

static volatile sig_atomic_t stop_flag;
static int cancel_fd = -1;	/* written by the first SIGINT/SIGTERM */

/* The temporary files a second signal removes: a slot is written while
 * its state is TEMP_BUSY, and read by the handler only when TEMP_SET. */
enum { TEMP_FREE, TEMP_BUSY, TEMP_SET };
static struct {
	atomic_int state;
	char path[PATH_MAX];
} temps[MAX_TEMPS];

static int
usage(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* A truncated message still names the problem. */
	if (errlen > 0 && str_vfmt(err, errlen, fmt, ap) < 0)
		err[0] = '\0';
	va_end(ap);
	return CLI_USAGE;
}

int
cli_number(const char *name, const char *s, long long min, long long max,
    long long *out, char *err, size_t errlen)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return usage(err, errlen, "argument %s: invalid value '%s' (a "
		    "whole number from %lld to %lld)", name, s, min, max);
	*out = v;
	return CLI_OK;
}

/* argparse takes "-1" and "-.5" for negative numbers, not options. */
static int
negative_number(const char *s)
{
	const char *p = s + 1;
	int digits = 0;

	while (*p >= '0' && *p <= '9') {
		p++;
		digits++;
	}
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return 0;
		while (*p >= '0' && *p <= '9')
			p++;
		digits = 1;
	}
	return digits > 0 && *p == '\0';
}

static int
looks_like_option(const char *s)
{
	return s[0] == '-' && s[1] != '\0' && !negative_number(s);
}

struct cli {
	int argc, i;
	char **argv;
	const struct cli_table *tables;
	size_t ntables;
	cli_set_fn set;
	void *ctx;
	char *err;
	size_t errlen;
};

static int
apply(struct cli *p, const struct cli_opt *o, const char *name,
    const char *attached)
{
	const char *v = attached;

	if (o->kind == CLI_FLAG) {
		if (attached != NULL)
			return usage(p->err, p->errlen, "argument %s: ignored "
			    "explicit argument '%s'", name, attached);
		return p->set(p->ctx, o->id, name, NULL, p->err, p->errlen);
	}
	if (v == NULL) {
		if (p->i + 1 >= p->argc || looks_like_option(p->argv[p->i + 1]))
			return usage(p->err, p->errlen, "argument %s: expected "
			    "one argument", name);
		v = p->argv[++p->i];
	}
	return p->set(p->ctx, o->id, name, v, p->err, p->errlen);
}

static int
long_option(struct cli *p, const char *arg)
{
	const char *body = arg + 2, *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	const struct cli_opt *match = NULL;
	int nmatch = 0, exact = 0;

	for (size_t t = 0; t < p->ntables && !exact; t++)
		for (size_t i = 0; i < p->tables[t].n && !exact; i++) {
			const struct cli_opt *o = &p->tables[t].opts[i];

			if (o->long_name == NULL ||
			    strncmp(o->long_name, body, len) != 0)
				continue;
			exact = o->long_name[len] == '\0'; /* that one wins */
			match = o;
			nmatch = exact ? 1 : nmatch + 1;
		}
	if (nmatch == 0)
		return usage(p->err, p->errlen, "unrecognized argument: %.*s",
		    (int)len + 2, arg);
	if (nmatch > 1)
		return usage(p->err, p->errlen, "ambiguous option: %.*s",
		    (int)len + 2, arg);
	return apply(p, match, arg, eq ? eq + 1 : NULL);
}

static int
short_options(struct cli *p, const char *arg)
{
	for (const char *c = arg + 1; *c != '\0'; c++) {
		const struct cli_opt *o = NULL;
		char name[3] = { '-', *c, '\0' };
		int r;

		for (size_t t = 0; t < p->ntables; t++)
			for (size_t i = 0; i < p->tables[t].n; i++)
				if (p->tables[t].opts[i].short_name == *c)
					o = &p->tables[t].opts[i];
		if (o == NULL)
			return usage(p->err, p->errlen, "unrecognized "
			    "argument: %s", arg);
		if (o->kind != CLI_FLAG)	/* the rest is the value */
			return apply(p, o, name, c[1] ? c + 1 : NULL);
		if ((r = apply(p, o, name, NULL)) != CLI_OK)
			return r;
	}
	return CLI_OK;
}

enum cli_result
cli_parse(int argc, char **argv, const struct cli_table *tables,
    size_t ntables, cli_set_fn set, void *ctx, const char **pos,
    size_t maxpos, size_t *npos, char *err, size_t errlen)
{
	struct cli p = { .argc = argc, .argv = argv, .tables = tables,
	    .ntables = ntables, .set = set, .ctx = ctx, .err = err,
	    .errlen = errlen };
	int only_positionals = 0, r;

	*npos = 0;
	if (errlen > 0)
		err[0] = '\0';
	for (p.i = 1; p.i < argc; p.i++) {
		const char *arg = argv[p.i];

		if (!only_positionals && strcmp(arg, "--") == 0) {
			only_positionals = 1;
			continue;
		}
		if (!only_positionals && strncmp(arg, "--", 2) == 0)
			r = long_option(&p, arg);
		else if (!only_positionals && looks_like_option(arg))
			r = short_options(&p, arg);
		else if (*npos < maxpos) {
			pos[(*npos)++] = arg;
			r = CLI_OK;
		} else
			r = usage(err, errlen, "unrecognized argument: %s",
			    arg);
		if (r != CLI_OK)
			return (enum cli_result)r;
	}
	return CLI_OK;
}

/* ---- common options ---- */

static const struct cli_opt common_opts_table[] = {
	{ 0, "aws-key", COMMON_KEY, CLI_VALUE },
	{ 0, "aws-secret", COMMON_SECRET, CLI_VALUE },
	{ 0, "token", COMMON_TOKEN, CLI_VALUE },
	{ 0, "aws-token", COMMON_TOKEN, CLI_VALUE },
	{ 0, "aws-region", COMMON_REGION, CLI_VALUE },
	{ 'n', "name", COMMON_NAME, CLI_VALUE },
	{ 'P', "prefix", COMMON_PREFIX, CLI_VALUE },
	{ 0, "keyname-separator", COMMON_SEPARATOR, CLI_VALUE },
	{ 0, "endpoint", COMMON_ENDPOINT, CLI_VALUE },
	{ 0, "ca-file", COMMON_CA_FILE, CLI_VALUE },
	{ 0, "path-style", COMMON_PATH_STYLE, CLI_FLAG },
	{ 0, "virtual-host", COMMON_VHOST, CLI_FLAG },
	{ 0, "retries", COMMON_RETRIES, CLI_VALUE },
	{ 0, "as-of", COMMON_AS_OF, CLI_VALUE },
	{ 'h', "help", COMMON_HELP, CLI_FLAG },
	{ 0, "version", COMMON_VERSION, CLI_FLAG },
};

const struct cli_table common_options = {
	common_opts_table,
	sizeof(common_opts_table) / sizeof(common_opts_table[0]),
};

void
common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix = "";
	c->separator = ":";
	c->retries = 3;
}

int
common_set(struct common_opts *c, int id, const char *name,
    const char *value, char *err, size_t errlen)
{
	long long n;
	int r;

	switch (id) {
	case COMMON_KEY: c->aws_key = value; break;
	case COMMON_SECRET: c->aws_secret = value; break;
	case COMMON_TOKEN: c->aws_token = value; break;
	case COMMON_REGION: c->aws_region = value; break;
	case COMMON_NAME: c->name = value; break;
	case COMMON_PREFIX: c->prefix = value; break;
	case COMMON_SEPARATOR: c->separator = value; break;
	case COMMON_CA_FILE: c->ca_file = value; break;
	case COMMON_PATH_STYLE: c->path_style = 1; break;
	case COMMON_VHOST: c->path_style = -1; break;
	case COMMON_HELP: return CLI_HELP;
	case COMMON_VERSION: return CLI_VERSION;
	case COMMON_ENDPOINT:
		if (strncmp(value, "http://", 7) != 0 &&
		    strncmp(value, "https://", 8) != 0)
			return usage(err, errlen, "argument %s: '%s' is not an "
			    "http:// or https:// URL", name, value);
		c->endpoint = value;
		break;
	case COMMON_RETRIES:
		if ((r = cli_number(name, value, 0, 100, &n, err, errlen)) !=
		    CLI_OK)
			return r;
		c->retries = (int)n;
		break;
	case COMMON_AS_OF:
		if (isotime_parse_ms(value, &c->as_of_ms) < 0)
			return usage(err, errlen, "argument %s: invalid time "
			    "'%s' (UTC, e.g. 2024-05-01T12:00:00Z or "
			    "@1714564800)", name, value);
		c->as_of_given = 1;
		break;
	default:
		return -2;
	}
	return CLI_OK;
}

int
common_to_options(const struct common_opts *c, const char *bucket,
    struct options *o)
{
	char *argv[] = { "tablesnap", "--", (char *)bucket, "/", NULL };
	char err[256];

	/* tablesnap's own defaults (timeouts and all), then ours. */
	if (options_parse(4, argv, o, err, sizeof(err)) != OPTIONS_OK)
		return -1;
	o->aws_key = c->aws_key;
	o->aws_secret = c->aws_secret;
	o->aws_token = c->aws_token;
	o->aws_region = c->aws_region;
	o->endpoint = c->endpoint;
	o->ca_file = c->ca_file;
	o->path_style = c->path_style;
	o->retries = c->retries;
	o->prefix = c->prefix;
	o->separator = c->separator;
	o->name = c->name;
	return 0;
}

/* ---- paths, keys, times ---- */

/* Like tablesnap's own absolute_path: "." and ".." resolved, as in keys. */
char *
companion_path(const char *p)
{
	size_t o = 0;
	char *out;

	if (p[0] != '/' || (out = malloc(strlen(p) + 1)) == NULL)
		return NULL;
	while (*p != '\0') {
		size_t n;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p += n;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			p += n;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return out;
}

char *
companion_key(const struct common_opts *c, const char *name,
    const char *path, const char *tail)
{
	char *key;

	if (str_afmt(&key, "%s%s%s%s%s", c->prefix, name, c->separator, path,
	    tail) < 0)
		return NULL;
	return key;
}

void
companion_format_time(long long ms, char out[32])
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    str_fmt(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms - (long long)t * 1000)) >= 32)
		strcpy(out, "(bad time)");
}

int
companion_safe_name(const char *name, size_t len)
{
	return len > 0 && strlen(name) == len && strchr(name, '/') == NULL &&
	    strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* ---- running ---- */

struct pool {
	pthread_mutex_t lock;
	size_t next, n;
	void (*fn)(void *, size_t);
	void *ctx;
};

static void *
pool_thread(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->n ? p->next++ : p->n;
		pthread_mutex_unlock(&p->lock);
		if (i == p->n)
			return NULL;
		p->fn(p->ctx, i);
	}
}

void
companion_parallel(size_t n, int nthreads, void (*fn)(void *ctx, size_t i),
    void *ctx)
{
	struct pool p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t *t;
	pthread_attr_t attr;
	size_t want = nthreads < 1 ? 1 : (size_t)nthreads, started = 0;

	if (want > n)
		want = n;
	if (want == 0)
		return;
	if (pthread_mutex_init(&p.lock, NULL) != 0) {
		/* No lock, no threads: one item after another, here. */
		for (size_t i = 0; i < n; i++)
			fn(ctx, i);
		return;
	}
	t = calloc(want, sizeof(*t));
	if (t != NULL && pthread_attr_init(&attr) == 0) {
		if (pthread_attr_setstacksize(&attr, THREAD_STACK) == 0)
			while (started < want && pthread_create(&t[started],
			    &attr, pool_thread, &p) == 0)
				started++;
		pthread_attr_destroy(&attr);
	}
	/* No thread at all: do the work here, one item after another. */
	if (started == 0)
		pool_thread(&p);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
	pthread_mutex_destroy(&p.lock);
}

/* The first signal sets the flag and makes the cancel fd readable: every
 * network wait and backoff ends, the downloads remove their temporary
 * files. The second removes what is still there and exits at once. Only
 * async-signal-safe calls. */
static void
on_stop(int sig)
{
	static const char msg[] = "Second signal: exiting now\n";
	uint64_t one = 1;
	int e = errno;

	(void)sig;
	if (stop_flag) {
		for (size_t i = 0; i < MAX_TEMPS; i++)
			if (atomic_load(&temps[i].state) == TEMP_SET)
				(void)unlink(temps[i].path);
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(1);
	}
	stop_flag = 1;
	if (cancel_fd > 0)
		(void)!write(cancel_fd, &one, sizeof(one));
	errno = e;
}

void
companion_signals(void)
{
	struct sigaction sa;
	int fd;

	/* Above 2: fd 0 means no cancel fd to the transport. */
	if ((fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) >= 0 && fd < 3) {
		cancel_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		(void)close(fd);
	} else
		cancel_fd = fd;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESTART;
	/* These cannot fail for valid signal numbers and handlers. */
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaddset(&sa.sa_mask, SIGINT);
	(void)sigaddset(&sa.sa_mask, SIGTERM);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
}

int
companion_cancel_fd(void)
{
	return cancel_fd > 0 ? cancel_fd : 0;
}

int
companion_temp_add(const char *path)
{
	size_t n = strlen(path);

	if (n >= PATH_MAX)
		return -1;
	for (int i = 0; i < MAX_TEMPS; i++) {
		int want = TEMP_FREE;

		if (atomic_compare_exchange_strong(&temps[i].state, &want,
		    TEMP_BUSY)) {
			memcpy(temps[i].path, path, n + 1);
			atomic_store(&temps[i].state, TEMP_SET);
			return i;
		}
	}
	return -1;
}

void
companion_temp_remove(int slot)
{
	if (slot >= 0 && slot < MAX_TEMPS)
		atomic_store(&temps[slot].state, TEMP_FREE);
}

int
companion_stopped(void)
{
	return stop_flag != 0;
}

long long
companion_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
