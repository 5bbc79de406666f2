/* options.c: the command-line engine of the three programs, the options
 * they all take, and tablesnap's own. Accepts what the original's argparse
 * accepted (unique prefixes of long options, --opt=value, -tN, grouped
 * flags, options between positionals, greedy -e/-i lists) without its
 * defects. Pure: no I/O. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "help.h"
#include "isotime.h"
#include "options.h"

/* ---- the engine ---- */

/* Strict decimal in [min, max] for option name, else CLI_USAGE. */
static int
cli_number(const char *name, const char *s, long long min, long long max,
    long long *out, char *err, size_t errlen)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return cli_fail(err, errlen, "argument %s: invalid value '%s' "
		    "(a whole number from %lld to %lld)", name, s, min, max);
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

struct cli {
	int argc, i;
	char **argv;
	const struct cli_program *prog;
	char *opts;
	char *err;
	size_t errlen;
};

/* A found option: its row and the struct its offset is from. */
struct found {
	const struct cli_opt *o;
	char *base;
};

/* An argument that argparse would take as an option, not a value. */
static int
looks_like_option(const struct cli *p, const char *s)
{
	return s[0] == '-' && s[1] != '\0' &&
	    !(p->prog->negative_numbers && negative_number(s));
}

/* Appends s to a NULL-terminated array of n entries. */
static int
push(const char ***arr, size_t *n, const char *s)
{
	const char **grown;

	grown = realloc(*arr, (*n + 2) * sizeof(**arr));
	if (grown == NULL)
		return CLI_NOMEM;
	grown[(*n)++] = s;
	grown[*n] = NULL;
	*arr = grown;
	return CLI_OK;
}

/* Stores value v of option f under its name. */
static int
store(struct cli *p, const struct found *f, const char *name, const char *v)
{
	const struct cli_opt *o = f->o;
	char *field = f->base + o->off;
	long long n;
	int r;

	switch (o->kind) {
	case CLI_FLAG:
		*(int *)(void *)field = (int)o->n;
		return CLI_OK;
	case CLI_ANSWER:
		return (int)o->n;
	case CLI_STRING:
		*(const char **)(void *)field = v;
		return CLI_OK;
	case CLI_OPTINT:
		if (v == NULL) {
			*(int *)(void *)field = (int)o->max;
			return CLI_OK;
		}
		/* FALLTHROUGH */
	case CLI_INT:
		r = cli_number(name, v, o->n, o->max, &n, p->err, p->errlen);
		if (r == CLI_OK)
			*(int *)(void *)field = (int)n;
		return r;
	case CLI_CALL:
		return o->fn(f->base, name, v, p->err, p->errlen);
	case CLI_LIST:
		return push((const char ***)(void *)field,
		    (size_t *)(void *)(f->base + o->max), v);
	}
	return cli_fail(p->err, p->errlen, "internal error: option %s", name);
}

/* Applies option f; attached is its "=value" or "-tVALUE" part, or NULL. */
static int
apply(struct cli *p, const struct found *f, const char *name,
    const char *attached)
{
	const struct cli_opt *o = f->o;
	const char *v = attached;
	int r;

	if (o->kind == CLI_FLAG || o->kind == CLI_ANSWER) {
		if (attached != NULL)
			return cli_fail(p->err, p->errlen, "argument %s: "
			    "ignored explicit argument '%s'", name, attached);
		return store(p, f, name, NULL);
	}
	if (v == NULL && o->kind == CLI_OPTINT && (p->i + 1 >= p->argc ||
	    p->argv[p->i + 1][0] == '\0' || p->argv[p->i + 1][strspn(
	    p->argv[p->i + 1], "0123456789")] != '\0'))
		return store(p, f, name, NULL);
	if (v == NULL) {
		if (p->i + 1 >= p->argc ||
		    looks_like_option(p, p->argv[p->i + 1]))
			return cli_fail(p->err, p->errlen, "argument %s: "
			    "expected %s argument", name,
			    o->kind == CLI_LIST ? "at least one" : "one");
		v = p->argv[++p->i];
	}
	if ((r = store(p, f, name, v)) != CLI_OK)
		return r;
	/* nargs='+': later non-option words belong to the list too, unless
	 * the value was attached ("--exclude=x", "-ex"), as in argparse. */
	while (o->kind == CLI_LIST && attached == NULL && p->i + 1 < p->argc &&
	    !looks_like_option(p, p->argv[p->i + 1]))
		if ((r = store(p, f, name, p->argv[++p->i])) != CLI_OK)
			return r;
	return CLI_OK;
}

static int
long_option(struct cli *p, const char *arg)
{
	const char *body = arg + 2, *eq = strchr(body, '=');
	size_t len = eq ? (size_t)(eq - body) : strlen(body);
	struct found f = { NULL, NULL };
	int nmatch = 0, exact = 0;
	char name[64];

	for (size_t t = 0; t < p->prog->ntables && !exact; t++) {
		const struct cli_table *tb = &p->prog->tables[t];

		for (const struct cli_opt *o = tb->opts; !exact &&
		    (o->short_name != 0 || o->long_name != NULL); o++) {
			if (o->long_name == NULL ||
			    strncmp(o->long_name, body, len) != 0)
				continue;
			exact = o->long_name[len] == '\0'; /* that one wins */
			f.o = o;
			f.base = p->opts + tb->base;
			nmatch = exact ? 1 : nmatch + 1;
		}
	}
	if (nmatch == 0)
		return cli_fail(p->err, p->errlen, "unrecognized argument: "
		    "%.*s", (int)len + 2, arg);
	if (nmatch > 1)
		return cli_fail(p->err, p->errlen, "ambiguous option: %.*s",
		    (int)len + 2, arg);
	/* Messages name the option in full and without its "=value". */
	if (snprintf(name, sizeof(name), "--%s", f.o->long_name) >=
	    (int)sizeof(name))
		return cli_fail(p->err, p->errlen, "internal error: option "
		    "%s", f.o->long_name);
	return apply(p, &f, name, eq ? eq + 1 : NULL);
}

static int
short_options(struct cli *p, const char *arg)
{
	for (const char *c = arg + 1; *c != '\0'; c++) {
		struct found f = { NULL, NULL };
		char name[3] = { '-', *c, '\0' };
		int r;

		for (size_t t = 0; t < p->prog->ntables; t++) {
			const struct cli_table *tb = &p->prog->tables[t];

			for (const struct cli_opt *o = tb->opts;
			    o->short_name != 0 || o->long_name != NULL; o++)
				if (o->short_name == *c) {
					f.o = o;
					f.base = p->opts + tb->base;
				}
		}
		if (f.o == NULL)
			return cli_fail(p->err, p->errlen, "unrecognized "
			    "argument: %s", arg);
		if (f.o->kind != CLI_FLAG && f.o->kind != CLI_ANSWER)
			/* the rest of the word is the value */
			return apply(p, &f, name, c[1] ? c + 1 : NULL);
		if ((r = apply(p, &f, name, NULL)) != CLI_OK)
			return r;
	}
	return CLI_OK;
}

enum cli_result
cli_parse(const struct cli_program *prog, int argc, char **argv, void *opts,
    const char **pos, size_t maxpos, size_t *npos, char *err, size_t errlen)
{
	struct cli p = { .argc = argc, .argv = argv, .prog = prog,
	    .opts = opts, .err = err, .errlen = errlen };
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
		else if (!only_positionals && looks_like_option(&p, arg))
			r = short_options(&p, arg);
		else if (*npos < maxpos) {
			pos[(*npos)++] = arg;
			r = CLI_OK;
		} else
			r = cli_fail(err, errlen, "unrecognized argument: %s",
			    arg);
		if (r != CLI_OK)
			return (enum cli_result)r;
	}
	for (size_t t = 0; t < prog->ntables; t++)
		if (prog->tables[t].opts == common_options)
			common_drop_empty((struct common_opts *)(void *)
			    ((char *)opts + prog->tables[t].base));
	return CLI_OK;
}

/* ---- options all three programs take ---- */

static int
set_endpoint(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	struct common_opts *c = base;

	if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0)
		return cli_fail(err, errlen, "argument %s: '%s' is not an "
		    "http:// or https:// URL", name, v);
	c->endpoint = v;
	return CLI_OK;
}

const struct cli_opt common_options[] = {
	CLI_STR(0, "aws-key", struct common_opts, aws_key),
	CLI_STR(0, "aws-secret", struct common_opts, aws_secret),
	CLI_STR(0, "aws-token", struct common_opts, aws_token),
	CLI_STR(0, "aws-region", struct common_opts, aws_region),
	CLI_STR('n', "name", struct common_opts, name),
	CLI_STR(0, "prefix", struct common_opts, prefix),
	CLI_STR(0, "keyname-separator", struct common_opts, separator),
	CLI_FN(0, "endpoint", set_endpoint),
	CLI_STR(0, "ca-file", struct common_opts, ca_file),
	CLI_SET(0, "path-style", struct common_opts, path_style, 1),
	CLI_SET(0, "virtual-host", struct common_opts, path_style, -1),
	CLI_NUM(0, "retries", struct common_opts, retries, 0, 100),
	CLI_STR(0, "sse-c-key-file", struct common_opts, sse_c_key_file),
	CLI_RET('h', "help", CLI_HELP),
	CLI_RET(0, "version", CLI_VERSION),
	CLI_END,
};

/* The original's boto took an empty key, secret or token as not given
 * (-k "" -s "" in /etc/default/tablesnap): the credential chain goes on
 * to the environment and the files. */
void
common_drop_empty(struct common_opts *c)
{
	if (c->aws_key != NULL && c->aws_key[0] == '\0')
		c->aws_key = NULL;
	if (c->aws_secret != NULL && c->aws_secret[0] == '\0')
		c->aws_secret = NULL;
	if (c->aws_token != NULL && c->aws_token[0] == '\0')
		c->aws_token = NULL;
}

void
common_defaults(struct common_opts *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix = "";
	c->separator = ":";
	c->retries = 3;
	c->request_timeout = 30;
}

/* ---- tablesnap ---- */

/* The first --listen-events replaces the default set (applied after the
 * parse when listen is still 0). */
static int
listen_event(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	static const struct {
		const char *name;
		unsigned bit;
	} events[] = {
		{ "IN_MOVED_TO", LISTEN_MOVED_TO },
		{ "IN_CLOSE_WRITE", LISTEN_CLOSE_WRITE },
		{ "IN_CREATE", LISTEN_CREATE },
	};
	struct options *o = base;

	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		if (strcmp(v, events[i].name) == 0) {
			o->listen |= events[i].bit;
			return CLI_OK;
		}
	}
	return cli_fail(err, errlen, "argument %s: invalid choice '%s' "
	    "(choose from IN_MOVED_TO, IN_CLOSE_WRITE, IN_CREATE)", name, v);
}

/* "50M", "1.5G", "800K", "100000": bytes per second, powers of 1024. */
static int
bandwidth(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	struct options *o = base;
	long long unit = 1, rate = 0;
	const char *end = decimal_scaled(v, 1, &rate);

	if (end != NULL && *end != '\0' && end[1] == '\0') {
		switch (*end) {
		case 'k': case 'K': unit = 1024; break;
		case 'm': case 'M': unit = 1024 * 1024; break;
		case 'g': case 'G': unit = 1024 * 1024 * 1024; break;
		default: break;
		}
		end += unit > 1;
	}
	if (end == NULL || *end != '\0' ||
	    decimal_scaled(v, unit, &rate) == NULL || rate < 1024 ||
	    rate > 1000000000000)
		return cli_fail(err, errlen, "argument %s: invalid rate '%s' "
		    "(bytes per second, at least 1K; suffixes K, M, G)", name,
		    v);
	o->max_bandwidth = rate;
	return CLI_OK;
}

/* Sizes in MiB, 1 to 5120 (S3's largest single PUT and part). */
static int
mib(const char *name, const char *v, long long *out, char *err,
    size_t errlen)
{
	long long n;
	int r;

	if ((r = cli_number(name, v, 1, 5120, &n, err, errlen)) == CLI_OK)
		*out = n * MIB;
	return r;
}

static int
max_upload_size(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	return mib(name, v, &((struct options *)base)->max_upload_size, err,
	    errlen);
}

static int
chunk_size(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	return mib(name, v, &((struct options *)base)->chunk_size, err,
	    errlen);
}

static int
lock_until(void *base, const char *name, const char *v, char *err,
    size_t errlen)
{
	struct options *o = base;

	if (isotime_parse_ms(v, &o->lock_until_ms) < 0 || o->lock_until_ms <= 0)
		return cli_fail(err, errlen, "argument %s: invalid date '%s'",
		    name, v);
	return CLI_OK;
}

/* Beside common_options. */
static const struct cli_opt tablesnap_rows[] = {
	CLI_STR('k', NULL, struct options, c.aws_key),
	CLI_STR('s', NULL, struct options, c.aws_secret),
	CLI_STR('p', NULL, struct options, c.prefix),
	CLI_SET('r', "recursive", struct options, recursive, 1),
	CLI_SET('a', "auto-add", struct options, auto_add, 1),
	CLI_SET('B', "backup", struct options, backup, 1),
	CLI_SET('R', "reduced-redundancy", struct options, reduced_redundancy,
	    1),
	CLI_SET(0, "without-index", struct options, without_index, 1),
	CLI_SET(0, "with-sse", struct options, with_sse, 1),
	CLI_NUM('t', "threads", struct options, threads, 1, 1024),
	CLI_SET(0, "md5-on-start", struct options, md5_on_start, 1),
	CLI_FN(0, "listen-events", listen_event),
	CLI_SET(0, "delete-on-backup", struct options, delete_on_backup, 1),
	CLI_APPEND('e', "exclude", struct options, excludes, nexcludes),
	CLI_APPEND('i', "include", struct options, includes, nincludes),
	CLI_FN(0, "max-upload-size", max_upload_size),
	CLI_FN(0, "multipart-chunk-size", chunk_size),
	CLI_SET(0, "once", struct options, once, 1),
	CLI_NUM(0, "shutdown-timeout", struct options, shutdown_timeout, 0,
	    86400),
	CLI_STR(0, "stats-file", struct options, stats_file),
	CLI_FN(0, "max-bandwidth", bandwidth),
	CLI_NUM(0, "request-timeout", struct options, c.request_timeout, 1,
	    3600),
	CLI_SET(0, "exit-on-lost-root", struct options, exit_on_lost_root, 1),
	CLI_STR(0, "sse", struct options, sse),
	CLI_STR(0, "sse-kms-key-id", struct options, sse_kms_key_id),
	CLI_SET(0, "sse-bucket-key", struct options, sse_bucket_key, 1),
	CLI_STR(0, "storage-class", struct options, storage_class),
	CLI_STR(0, "listing-storage-class", struct options, listing_class),
	CLI_STR(0, "object-lock-mode", struct options, lock_mode),
	CLI_NUM(0, "object-lock-days", struct options, lock_days, 1, 36500),
	CLI_FN(0, "object-lock-until", lock_until),
	CLI_END,
};

const char options_usage[] =
    "usage: tablesnap [-h] [-k AWS_KEY] [-s AWS_SECRET] [--aws-token TOKEN]\n"
    "\t[--aws-region REGION] [-r] [-a] [-B] [-R] [-p PREFIX]\n"
    "\t[--without-index] [--with-sse]\n"
    "\t[--keyname-separator SEP] [-t THREADS] [-n NAME]\n"
    "\t[--md5-on-start] [--listen-events EVENT]\n"
    "\t[--delete-on-backup] [-e REGEX... | -i REGEX...]\n"
    "\t[--max-upload-size MIB] [--multipart-chunk-size MIB]\n"
    "\t[--retries N] [--endpoint URL] [--ca-file PEM]\n"
    "\t[--path-style | --virtual-host] [--once]\n"
    "\t[--shutdown-timeout SECONDS] [--stats-file PATH]\n"
    "\t[--max-bandwidth RATE] [--request-timeout SECONDS]\n"
    "\t[--exit-on-lost-root] [--sse MODE]\n"
    "\t[--sse-kms-key-id KEY] [--sse-bucket-key]\n"
    "\t[--sse-c-key-file PATH] [--storage-class CLASS]\n"
    "\t[--listing-storage-class CLASS] [--object-lock-mode\n"
    "\tMODE --object-lock-days N|--object-lock-until DATE]\n"
    "\t[--version]\n"
    "\tbucket paths [paths ...]\n";
const char *const options_help[] = {
    "Watch directories and upload every finished file to S3, with a JSON\n"
    "listing of its directory.\n"
    "\n"
    "positional arguments:\n"
    "  bucket\tS3 bucket\n"
    "  paths\tdirectories to watch\n"
    "\n"
    "options:\n",
    HELP_HELP,
    "  -k, --aws-key KEY\taccess key id (default: the credential chain)\n"
    "  -s, --aws-secret SECRET\n"
    "\tsecret key (visible to other users: prefer the\n"
    "\tenvironment or ~/.aws/credentials)\n"
    "  --aws-token TOKEN\tsession token\n"
    "  --aws-region REGION\tregion (default: us-east-1)\n"
    "  -r, --recursive\talso watch the existing subdirectories\n"
    "  -a, --auto-add\twatch subdirectories created later\n"
    "  -B, --backup\tat start, upload the files already there\n"
    "  -R, --reduced-redundancy\n"
    "\tstore with the REDUCED_REDUNDANCY class\n"
    "  -p, --prefix PREFIX\tprepended to every key as is\n"
    "  --without-index\tdo not write the -listdir.json listings\n"
    "  --with-sse\tserver-side encryption (AES256)\n"
    "  --keyname-separator SEP\n"
    "\tbetween host name and path (default: ':')\n"
    "  -t, --threads N\tuploads at once (default: 4)\n"
    "  -n, --name NAME\thost name in the keys (default: the FQDN)\n"
    "  --md5-on-start\twhen an object of the same size exists,\n"
    "\tcompare MD5s too, and upload when they differ\n"
    "  --listen-events EVENT IN_MOVED_TO, IN_CLOSE_WRITE or IN_CREATE;\n"
    "\trepeatable (default: IN_MOVED_TO and\n"
    "\tIN_CLOSE_WRITE)\n"
    "  --delete-on-backup\tdelete each file after its upload\n"
    "  -e, --exclude REGEX\tskip paths matching REGEX (POSIX extended);\n"
    "\trepeatable\n"
    "  -i, --include REGEX\tupload only paths matching REGEX; repeatable\n"
    "\t(without -e and -i, paths containing '-tmp'\n"
    "\tare skipped)\n"
    "  --max-upload-size MIB files larger than this go multipart\n"
    "\t(default: 5120)\n"
    "  --multipart-chunk-size MIB\n"
    "\tpart size (default: 64; raised as needed to\n"
    "\tstay within 10,000 parts)\n",
    HELP_RETRIES,
    "  --endpoint URL\tS3-compatible endpoint, e.g.\n"
    "\thttps://rgw.example:7480 (default: AWS)\n",
    HELP_TLS,
    "  --once\tupload the files there now (as -B), wait for\n"
    "\tthe uploads, exit 0 if all are in S3, else 1\n"
    "  --shutdown-timeout SECONDS\n"
    "\ton SIGTERM, wait this long for uploads in\n"
    "\tflight (default: 10)\n"
    "  --stats-file PATH\twrite counters there every few seconds\n"
    "\t(Prometheus text format)\n"
    "  --max-bandwidth RATE\tupload at most RATE bytes/s in all (suffixes\n"
    "\tK, M, G: powers of 1024)\n"
    "  --request-timeout SECONDS\n"
    "\tgive up on a connect, or on a read or write of\n"
    "\tan S3 request, after this long (default: 30);\n"
    "\ton a whole request, after this plus its body\n"
    "\tat 64 KiB/s\n"
    "  --exit-on-lost-root\texit 1 when a watched directory is deleted,\n"
    "\tmoved away, unmounted or replaced (default:\n"
    "\tlog it and watch it again when it is back)\n"
    "  --sse MODE, --sse-kms-key-id KEY, --sse-bucket-key\n"
    "\tserver-side encryption: AES256 or aws:kms\n",
    HELP_SSE_C,
    "  --storage-class CLASS, --listing-storage-class CLASS\n"
    "\tof the files, of the listings (STANDARD)\n"
    "  --object-lock-mode MODE, --object-lock-days N, --object-lock-until "
    "DATE\n"
    "\tGOVERNANCE or COMPLIANCE Object Lock\n",
    HELP_VERSION,
    NULL,
};

static const struct cli_table tablesnap_tables[] = {
	{ tablesnap_rows, 0 },
	{ common_options, offsetof(struct options, c) },
};

const struct cli_program tablesnap_program = {
	"tablesnap", options_usage, options_help, tablesnap_tables,
	sizeof(tablesnap_tables) / sizeof(tablesnap_tables[0]), 0,
};

/* An option that another rules out, or one that needs another. */
#define REFUSE(cond, arg, why) \
	if (cond) \
		return cli_fail(err, errlen, "argument %s: %s", arg, why)

/* The encryption, class and lock options: the combinations refused, and
 * storage classes, which go into a header as they are (S3's are upper
 * case letters, digits and '_'). */
static int
lock_rules(const struct options *o, char *err, size_t errlen)
{
	static const char class_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_";
	const char *cls[2] = { o->storage_class, o->listing_class };
	int kms = o->sse != NULL && strcmp(o->sse, "aws:kms") == 0;
	int date = o->lock_days > 0 || o->lock_until_ms > 0;

	REFUSE(o->sse && strcmp(o->sse, "AES256") != 0 && !kms, "--sse",
	    "choose from AES256, aws:kms");
	REFUSE(o->lock_mode && strcmp(o->lock_mode, "GOVERNANCE") != 0 &&
	    strcmp(o->lock_mode, "COMPLIANCE") != 0, "--object-lock-mode",
	    "choose from GOVERNANCE, COMPLIANCE");
	for (int i = 0; i < 2; i++)
		REFUSE(cls[i] != NULL && (*cls[i] == '\0' || strlen(cls[i]) > 64 ||
		    strspn(cls[i], class_chars) != strlen(cls[i])), i ?
		    "--listing-storage-class" : "--storage-class",
		    "invalid storage class");
	REFUSE(o->with_sse && kms, "--sse",
	    "not allowed with argument --with-sse");
	REFUSE(o->sse_kms_key_id && !kms, "--sse-kms-key-id",
	    "needs --sse aws:kms");
	REFUSE(o->sse_bucket_key && !kms, "--sse-bucket-key",
	    "needs --sse aws:kms");
	REFUSE(o->c.sse_c_key_file && (o->sse || o->with_sse),
	    "--sse-c-key-file", "not allowed with argument --sse");
	REFUSE(o->reduced_redundancy && o->storage_class, "--storage-class",
	    "not allowed with argument -R");
	REFUSE(o->lock_days > 0 && o->lock_until_ms > 0, "--object-lock-until",
	    "not allowed with argument --object-lock-days");
	REFUSE(o->lock_mode && !date, "--object-lock-mode",
	    "needs --object-lock-days or --object-lock-until");
	REFUSE(!o->lock_mode && date, o->lock_days ? "--object-lock-days" :
	    "--object-lock-until", "needs --object-lock-mode");
	return CLI_OK;
}

static int
check_positionals(struct options *o, char *err, size_t errlen)
{
	if (o->nexcludes > 0 && o->nincludes > 0)
		return cli_fail(err, errlen, "argument -i/--include: not "
		    "allowed with argument -e/--exclude");
	if (lock_rules(o, err, errlen) != CLI_OK)
		return CLI_USAGE;
	if (o->bucket == NULL || o->npaths == 0)
		return cli_fail(err, errlen, "the following arguments are "
		    "required: %s", o->bucket == NULL ? "bucket, paths" :
		    "paths");
	if (o->bucket[0] == '\0')
		return cli_fail(err, errlen, "argument bucket: empty bucket "
		    "name");
	/* Every S3 bucket name, legacy ones included, is made of these; the
	 * name goes into the request path and the Host header. */
	if (strspn(o->bucket, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(o->bucket) ||
	    strlen(o->bucket) > 255)
		return cli_fail(err, errlen, "argument bucket: invalid bucket "
		    "name (letters, digits, '.', '-' and '_', at most 255)");
	/* "" would be the working directory: under a service started in /
	 * with -r, the whole file system. */
	for (size_t i = 0; i < o->npaths; i++)
		if (o->paths[i][0] == '\0')
			return cli_fail(err, errlen, "argument paths: empty "
			    "path");
	return CLI_OK;
}

enum cli_result
options_parse(int argc, char **argv, struct options *o, char *err,
    size_t errlen)
{
	size_t npos = 0;
	const char **pos;
	int r;

	memset(o, 0, sizeof(*o));
	common_defaults(&o->c);
	o->threads = 4;
	o->max_upload_size = 5120 * MIB;
	/* Parts stream from disk in constant memory: their size only sets
	 * how much a failed part resends. 64 MiB keeps that small and still
	 * covers 625 GiB in 10,000 parts (larger files get larger parts). */
	o->chunk_size = 64 * MIB;
	o->shutdown_timeout = 10;
	/* Every positional fits: argv has no more words than argc. */
	if ((pos = calloc((size_t)(argc > 0 ? argc : 1) + 1, sizeof(*pos)))
	    == NULL) {
		if (errlen > 0)
			err[0] = '\0';
		return CLI_NOMEM;
	}
	r = cli_parse(&tablesnap_program, argc, argv, o, pos,
	    (size_t)(argc > 0 ? argc : 0), &npos, err, errlen);
	if (o->listen == 0)
		o->listen = LISTEN_MOVED_TO | LISTEN_CLOSE_WRITE;
	if (npos > 0) {
		o->bucket = pos[0];
		memmove(pos, pos + 1, npos * sizeof(*pos));	/* and NULL */
		o->npaths = npos - 1;
	}
	o->paths = pos;
	if (r == CLI_OK)
		r = check_positionals(o, err, errlen);
	return (enum cli_result)r;
}

void
options_free(struct options *o)
{
	free(o->excludes);
	free(o->includes);
	free(o->paths);
	o->excludes = o->includes = o->paths = NULL;
}
