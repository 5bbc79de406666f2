/* options.c: the command-line parser. Accepts what the original's argparse
 * accepted (unique prefixes of long options, --opt=value, -tN, grouped flags,
 * options between positionals, greedy -e/-i lists) without its defects. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "help.h"
#include "num.h"
#include "options.h"

enum opt_id {
	O_KEY, O_SECRET, O_TOKEN, O_REGION, O_RECURSIVE, O_AUTO_ADD, O_BACKUP,
	O_RR, O_PREFIX, O_WITHOUT_INDEX, O_WITH_SSE, O_SEPARATOR, O_THREADS,
	O_NAME, O_MD5, O_LISTEN, O_DELETE, O_EXCLUDE, O_INCLUDE, O_MAX_SIZE,
	O_CHUNK, O_RETRIES, O_ENDPOINT, O_CA_FILE, O_PATH_STYLE, O_VHOST,
	O_ONCE, O_SHUTDOWN, O_STATS, O_BANDWIDTH, O_TIMEOUT, O_HELP, O_VERSION,
};

enum opt_kind {
	FLAG,		/* no value */
	VALUE,		/* exactly one value */
	LIST,		/* one or more values, greedy as argparse's nargs='+' */
};

struct opt_def {
	char short_name;	/* 0: long only */
	const char *long_name;
	enum opt_id id;
	enum opt_kind kind;
};

static const struct opt_def opt_defs[] = {
	{ 'k', "aws-key", O_KEY, VALUE },
	{ 's', "aws-secret", O_SECRET, VALUE },
	{ 0, "aws-token", O_TOKEN, VALUE },
	{ 0, "aws-region", O_REGION, VALUE },
	{ 'r', "recursive", O_RECURSIVE, FLAG },
	{ 'a', "auto-add", O_AUTO_ADD, FLAG },
	{ 'B', "backup", O_BACKUP, FLAG },
	{ 'R', "reduced-redundancy", O_RR, FLAG },
	{ 'p', "prefix", O_PREFIX, VALUE },
	{ 0, "without-index", O_WITHOUT_INDEX, FLAG },
	{ 0, "with-sse", O_WITH_SSE, FLAG },
	{ 0, "keyname-separator", O_SEPARATOR, VALUE },
	{ 't', "threads", O_THREADS, VALUE },
	{ 'n', "name", O_NAME, VALUE },
	{ 0, "md5-on-start", O_MD5, FLAG },
	{ 0, "listen-events", O_LISTEN, VALUE },
	{ 0, "delete-on-backup", O_DELETE, FLAG },
	{ 'e', "exclude", O_EXCLUDE, LIST },
	{ 'i', "include", O_INCLUDE, LIST },
	{ 0, "max-upload-size", O_MAX_SIZE, VALUE },
	{ 0, "multipart-chunk-size", O_CHUNK, VALUE },
	{ 0, "retries", O_RETRIES, VALUE },
	{ 0, "endpoint", O_ENDPOINT, VALUE },
	{ 0, "ca-file", O_CA_FILE, VALUE },
	{ 0, "path-style", O_PATH_STYLE, FLAG },
	{ 0, "virtual-host", O_VHOST, FLAG },
	{ 0, "once", O_ONCE, FLAG },
	{ 0, "shutdown-timeout", O_SHUTDOWN, VALUE },
	{ 0, "stats-file", O_STATS, VALUE },
	{ 0, "max-bandwidth", O_BANDWIDTH, VALUE },
	{ 0, "request-timeout", O_TIMEOUT, VALUE },
	{ 'h', "help", O_HELP, FLAG },
	{ 0, "version", O_VERSION, FLAG },
};
#define NOPTS (sizeof(opt_defs) / sizeof(opt_defs[0]))

const char options_usage[] =
    "usage: tablesnap [-h] [-k AWS_KEY] [-s AWS_SECRET] [--aws-token TOKEN]\n"
    "                 [--aws-region REGION] [-r] [-a] [-B] [-R] [-p PREFIX]\n"
    "                 [--without-index] [--with-sse]\n"
    "                 [--keyname-separator SEP] [-t THREADS] [-n NAME]\n"
    "                 [--md5-on-start] [--listen-events EVENT]\n"
    "                 [--delete-on-backup] [-e REGEX... | -i REGEX...]\n"
    "                 [--max-upload-size MIB] [--multipart-chunk-size MIB]\n"
    "                 [--retries N] [--endpoint URL] [--ca-file PEM]\n"
    "                 [--path-style | --virtual-host] [--once]\n"
    "                 [--shutdown-timeout SECONDS] [--stats-file PATH]\n"
    "                 [--max-bandwidth RATE] [--request-timeout SECONDS]\n"
    "                 [--version]\n"
    "                 bucket paths [paths ...]\n";

const char *const options_help[] = {
    "Watch directories and upload every finished file to S3, with a JSON\n"
    "listing of its directory.\n"
    "\n"
    "positional arguments:\n"
    "  bucket                S3 bucket\n"
    "  paths                 directories to watch\n"
    "\n"
    "options:\n",
    HELP_HELP,
    "  -k, --aws-key KEY     access key id (default: the credential chain)\n"
    "  -s, --aws-secret SECRET\n"
    "                        secret key (visible to other users: prefer the\n"
    "                        environment or ~/.aws/credentials)\n"
    "  --aws-token TOKEN     session token\n"
    "  --aws-region REGION   region (default: us-east-1)\n"
    "  -r, --recursive       also watch the existing subdirectories\n"
    "  -a, --auto-add        watch subdirectories created later\n"
    "  -B, --backup          at start, upload the files already there\n"
    "  -R, --reduced-redundancy\n"
    "                        store with the REDUCED_REDUNDANCY class\n"
    "  -p, --prefix PREFIX   prepended to every key as is\n"
    "  --without-index       do not write the -listdir.json listings\n"
    "  --with-sse            server-side encryption (AES256)\n"
    "  --keyname-separator SEP\n"
    "                        between host name and path (default: ':')\n"
    "  -t, --threads N       uploads at once (default: 4)\n"
    "  -n, --name NAME       host name in the keys (default: the FQDN)\n"
    "  --md5-on-start        when an object of the same size exists,\n"
    "                        compare MD5s too, and upload when they differ\n"
    "  --listen-events EVENT IN_MOVED_TO, IN_CLOSE_WRITE or IN_CREATE;\n"
    "                        repeatable (default: IN_MOVED_TO and\n"
    "                        IN_CLOSE_WRITE)\n"
    "  --delete-on-backup    delete each file after its upload\n"
    "  -e, --exclude REGEX   skip paths matching REGEX (POSIX extended);\n"
    "                        repeatable\n"
    "  -i, --include REGEX   upload only paths matching REGEX; repeatable\n"
    "                        (without -e and -i, paths containing '-tmp'\n"
    "                        are skipped)\n"
    "  --max-upload-size MIB files larger than this go multipart\n"
    "                        (default: 5120)\n"
    "  --multipart-chunk-size MIB\n"
    "                        part size (default: 64; raised as needed to\n"
    "                        stay within 10,000 parts)\n",
    HELP_RETRIES,
    "  --endpoint URL        S3-compatible endpoint, e.g.\n"
    "                        https://rgw.example:7480 (default: AWS)\n",
    HELP_TLS,
    "  --once                upload the files there now (as -B), wait for\n"
    "                        the uploads, exit 0 if all are in S3, else 1\n"
    "  --shutdown-timeout SECONDS\n"
    "                        on SIGTERM, wait this long for uploads in\n"
    "                        flight (default: 10)\n"
    "  --stats-file PATH     write counters there every few seconds\n"
    "                        (Prometheus text format)\n"
    "  --max-bandwidth RATE  upload at most RATE bytes/s in all (suffixes\n"
    "                        K, M, G: powers of 1024)\n"
    "  --request-timeout SECONDS\n"
    "                        give up on a connect, or on a read or write of\n"
    "                        an S3 request, after this long (default: 30);\n"
    "                        on a whole request, after this plus its body\n"
    "                        at 64 KiB/s\n",
    HELP_VERSION,
    NULL,
};

struct parser {
	int argc, i;
	char **argv;
	struct options *o;
	char *err;
	size_t errlen;
	int listen_given, exclude_given, include_given;
};

static int
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vfmt(p->err, p->errlen, fmt, ap);
	va_end(ap);
	/* A truncated message still names the problem; nothing else to do. */
	(void)n;
	return OPTIONS_USAGE;
}

/* Appends s to a NULL-terminated array of n entries. */
static int
push(const char ***arr, size_t *n, const char *s)
{
	const char **grown;

	grown = realloc(*arr, (*n + 2) * sizeof(**arr));
	if (grown == NULL)
		return OPTIONS_NOMEM;
	grown[(*n)++] = s;
	grown[*n] = NULL;
	*arr = grown;
	return OPTIONS_OK;
}

/* Strict decimal in [min, max]. */
static int
number(struct parser *p, const char *name, const char *s, long long min,
    long long max, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return fail(p, "argument %s: invalid value '%s' (a whole number "
		    "from %lld to %lld)", name, s, min, max);
	*out = v;
	return OPTIONS_OK;
}

static int
listen_event(struct parser *p, const char *v)
{
	static const struct {
		const char *name;
		unsigned bit;
	} events[] = {
		{ "IN_MOVED_TO", LISTEN_MOVED_TO },
		{ "IN_CLOSE_WRITE", LISTEN_CLOSE_WRITE },
		{ "IN_CREATE", LISTEN_CREATE },
	};

	/* The first --listen-events replaces the default set. */
	if (!p->listen_given)
		p->o->listen = 0;
	p->listen_given = 1;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (strcmp(v, events[i].name) == 0) {
			p->o->listen |= events[i].bit;
			return OPTIONS_OK;
		}
	}
	return fail(p, "argument --listen-events: invalid choice '%s' "
	    "(choose from IN_MOVED_TO, IN_CLOSE_WRITE, IN_CREATE)", v);
}

/* "50M", "1.5G", "800K", "100000": bytes per second, powers of 1024. */
static int
bandwidth(struct parser *p, const char *name, const char *v)
{
	char *end;
	double rate;

	errno = 0;
	rate = num_strtod(v, &end);
	if (end != v && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': rate *= 1024; end++; break;
		case 'm': case 'M': rate *= 1024 * 1024; end++; break;
		case 'g': case 'G': rate *= 1024.0 * 1024 * 1024; end++; break;
		default: break;
		}
	}
	if (end == v || *end != '\0' || errno != 0 || !(rate >= 1024) ||
	    rate > 1e12)
		return fail(p, "argument %s: invalid rate '%s' (bytes per "
		    "second, at least 1K; suffixes K, M, G)", name, v);
	p->o->max_bandwidth = (long long)rate;
	return OPTIONS_OK;
}

static int
set_value(struct parser *p, const struct opt_def *d, const char *name,
    const char *v)
{
	struct options *o = p->o;
	long long n;
	int r;

	switch (d->id) {
	case O_KEY: o->aws_key = v; break;
	case O_SECRET: o->aws_secret = v; break;
	case O_TOKEN: o->aws_token = v; break;
	case O_REGION: o->aws_region = v; break;
	case O_PREFIX: o->prefix = v; break;
	case O_SEPARATOR: o->separator = v; break;
	case O_NAME: o->name = v; break;
	case O_ENDPOINT: o->endpoint = v; break;
	case O_CA_FILE: o->ca_file = v; break;
	case O_STATS: o->stats_file = v; break;
	case O_BANDWIDTH: return bandwidth(p, name, v);
	case O_SHUTDOWN:
		if ((r = number(p, name, v, 0, 86400, &n)) != OPTIONS_OK)
			return r;
		o->shutdown_timeout = (int)n;
		break;
	case O_TIMEOUT:
		if ((r = number(p, name, v, 1, 3600, &n)) != OPTIONS_OK)
			return r;
		o->request_timeout = (int)n;
		break;
	case O_LISTEN: return listen_event(p, v);
	case O_EXCLUDE:
		p->exclude_given = 1;
		return push(&o->excludes, &o->nexcludes, v);
	case O_INCLUDE:
		p->include_given = 1;
		return push(&o->includes, &o->nincludes, v);
	case O_THREADS:
		if ((r = number(p, name, v, 1, 1024, &n)) != OPTIONS_OK)
			return r;
		o->threads = (int)n;
		break;
	case O_RETRIES:
		if ((r = number(p, name, v, 0, 100, &n)) != OPTIONS_OK)
			return r;
		o->retries = (int)n;
		break;
	case O_MAX_SIZE:
		if ((r = number(p, name, v, 1, 5120, &n)) != OPTIONS_OK)
			return r;
		o->max_upload_size = n * MIB;
		break;
	case O_CHUNK:
		if ((r = number(p, name, v, 1, 5120, &n)) != OPTIONS_OK)
			return r;
		o->chunk_size = n * MIB;
		break;
	default:
		return fail(p, "internal error: option %s", name);
	}
	return OPTIONS_OK;
}

static int
set_flag(struct parser *p, const struct opt_def *d)
{
	struct options *o = p->o;

	switch (d->id) {
	case O_RECURSIVE: o->recursive = 1; break;
	case O_AUTO_ADD: o->auto_add = 1; break;
	case O_BACKUP: o->backup = 1; break;
	case O_RR: o->reduced_redundancy = 1; break;
	case O_WITHOUT_INDEX: o->without_index = 1; break;
	case O_WITH_SSE: o->with_sse = 1; break;
	case O_MD5: o->md5_on_start = 1; break;
	case O_DELETE: o->delete_on_backup = 1; break;
	case O_PATH_STYLE: o->path_style = 1; break;
	case O_VHOST: o->path_style = -1; break;
	case O_ONCE: o->once = 1; break;
	case O_HELP: return OPTIONS_HELP;
	case O_VERSION: return OPTIONS_VERSION;
	default: break;
	}
	return OPTIONS_OK;
}

/* An argument that argparse would take as an option, not a value. */
static int
looks_like_option(const char *s)
{
	return s[0] == '-' && s[1] != '\0';
}

/* Applies option d; attached is its "=value" or "-tVALUE" part, or NULL. */
static int
apply(struct parser *p, const struct opt_def *d, const char *name,
    const char *attached)
{
	const char *v = attached;
	int r;

	if (d->kind == FLAG) {
		if (attached != NULL)
			return fail(p, "argument %s: ignored explicit argument "
			    "'%s'", name, attached);
		return set_flag(p, d);
	}
	if (v == NULL) {
		if (p->i + 1 >= p->argc || looks_like_option(p->argv[p->i + 1]))
			return fail(p, "argument %s: expected %s argument", name,
			    d->kind == LIST ? "at least one" : "one");
		v = p->argv[++p->i];
	}
	if ((r = set_value(p, d, name, v)) != OPTIONS_OK)
		return r;
	/* nargs='+': later non-option words belong to the list too, unless
	 * the value was attached ("--exclude=x", "-ex"), as in argparse. */
	while (d->kind == LIST && attached == NULL && p->i + 1 < p->argc &&
	    !looks_like_option(p->argv[p->i + 1])) {
		if ((r = set_value(p, d, name, p->argv[++p->i])) != OPTIONS_OK)
			return r;
	}
	return OPTIONS_OK;
}

static int
long_option(struct parser *p, const char *arg)
{
	const char *body = arg + 2, *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	const struct opt_def *match = NULL;
	char name[48];
	int nmatch = 0;

	for (size_t i = 0; i < NOPTS; i++) {
		const char *ln = opt_defs[i].long_name;

		if (strncmp(ln, body, len) != 0)
			continue;
		if (ln[len] == '\0') {		/* exact match wins */
			match = &opt_defs[i];
			nmatch = 1;
			break;
		}
		match = &opt_defs[i];
		nmatch++;
	}
	if (nmatch == 0)
		return fail(p, "unrecognized argument: %.*s", (int)len + 2, arg);
	if (nmatch > 1)
		return fail(p, "ambiguous option: %.*s", (int)len + 2, arg);
	/* Messages name the option in full and without its "=value". */
	if (str_fmt(name, sizeof(name), "--%s", match->long_name) >=
	    (int)sizeof(name))
		return fail(p, "internal error: option %s", match->long_name);
	return apply(p, match, name, eq ? eq + 1 : NULL);
}

static int
short_options(struct parser *p, const char *arg)
{
	for (const char *c = arg + 1; *c != '\0'; c++) {
		const struct opt_def *d = NULL;
		char name[3] = { '-', *c, '\0' };
		int r;

		for (size_t i = 0; i < NOPTS; i++)
			if (opt_defs[i].short_name == *c)
				d = &opt_defs[i];
		if (d == NULL)
			return fail(p, "unrecognized argument: %s", arg);
		if (d->kind != FLAG)	/* the rest of the word is the value */
			return apply(p, d, name, c[1] ? c + 1 : NULL);
		if ((r = apply(p, d, name, NULL)) != OPTIONS_OK)
			return r;
	}
	return OPTIONS_OK;
}

static void
set_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->prefix = "";
	o->separator = ":";
	o->threads = 4;
	o->listen = LISTEN_MOVED_TO | LISTEN_CLOSE_WRITE;
	o->max_upload_size = 5120 * MIB;
	/* Parts stream from disk in constant memory: their size only sets
	 * how much a failed part resends. 64 MiB keeps that small and still
	 * covers 625 GiB in 10,000 parts (larger files get larger parts). */
	o->chunk_size = 64 * MIB;
	o->retries = 3;
	o->shutdown_timeout = 10;
	o->request_timeout = 30;
}

static int
parse_all(struct parser *p)
{
	struct options *o = p->o;
	int only_positionals = 0, r;

	for (p->i = 1; p->i < p->argc; p->i++) {
		const char *arg = p->argv[p->i];

		if (!only_positionals && strcmp(arg, "--") == 0) {
			only_positionals = 1;
			continue;
		}
		if (!only_positionals && strncmp(arg, "--", 2) == 0)
			r = long_option(p, arg);
		else if (!only_positionals && looks_like_option(arg))
			r = short_options(p, arg);
		else if (o->bucket == NULL) {
			o->bucket = arg;
			r = OPTIONS_OK;
		} else
			r = push(&o->paths, &o->npaths, arg);
		if (r != OPTIONS_OK)
			return r;
	}
	if (p->exclude_given && p->include_given)
		return fail(p, "argument -i/--include: not allowed with "
		    "argument -e/--exclude");
	if (o->bucket == NULL || o->npaths == 0)
		return fail(p, "the following arguments are required: %s",
		    o->bucket == NULL ? "bucket, paths" : "paths");
	if (o->bucket[0] == '\0')
		return fail(p, "argument bucket: empty bucket name");
	/* Every S3 bucket name, legacy ones included, is made of these; the
	 * name goes into the request path and the Host header. */
	if (strspn(o->bucket, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(o->bucket) ||
	    strlen(o->bucket) > 255)
		return fail(p, "argument bucket: invalid bucket name (letters, "
		    "digits, '.', '-' and '_', at most 255)");
	if (o->endpoint != NULL && strncmp(o->endpoint, "http://", 7) != 0 &&
	    strncmp(o->endpoint, "https://", 8) != 0)
		return fail(p, "argument --endpoint: '%s' is not an http:// or "
		    "https:// URL", o->endpoint);
	return OPTIONS_OK;
}

enum options_result
options_parse(int argc, char **argv, struct options *o, char *err,
    size_t errlen)
{
	struct parser p = { .argc = argc, .argv = argv, .o = o, .err = err,
	    .errlen = errlen };
	int r;

	set_defaults(o);
	if (errlen > 0)
		err[0] = '\0';
	r = parse_all(&p);
	return (enum options_result)r;
}

void
options_free(struct options *o)
{
	free(o->excludes);
	free(o->includes);
	free(o->paths);
	o->excludes = o->includes = o->paths = NULL;
}
