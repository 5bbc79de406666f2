/* test_options.c: the command line as the original's argparse took it:
 * every option, prefixes, attached values, greedy -e/-i, and the errors. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../chop.h"
#include "../options.h"
#include "../restore.h"
#include "../setup.h"
#include "../verify.h"
#include "unit.h"

static enum cli_result
parse(struct options *o, char *err, ...)
{
	char *argv[64];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = "tablesnap";
	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 63)
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	return options_parse(argc, argv, o, err, 256);
}

static void
defaults(void)
{
	struct options o;
	char err[256];

	CHECK(parse(&o, err, "b", "/p", NULL) == CLI_OK);
	CHECK_STR(o.bucket, "b");
	CHECK(o.npaths == 1 && strcmp(o.paths[0], "/p") == 0);
	CHECK(o.threads == 4);
	CHECK(o.c.request_timeout == 30);
	CHECK_STR(o.c.separator, ":");
	CHECK_STR(o.c.prefix, "");
	CHECK(o.listen == (LISTEN_MOVED_TO | LISTEN_CLOSE_WRITE));
	CHECK(o.max_upload_size == 5120 * MIB);
	CHECK(o.chunk_size == 64 * MIB);
	CHECK(o.nexcludes == 0 && o.nincludes == 0);
	CHECK(!o.recursive && !o.auto_add && !o.backup && !o.md5_on_start);
	options_free(&o);
}

static void
every_option(void)
{
	struct options o;
	char err[256];

	CHECK(parse(&o, err, "-k", "AK", "-s", "SK", "--aws-token", "TK",
	    "--aws-region", "eu-west-1", "-r", "-a", "-B", "-R", "-p", "pre/",
	    "--without-index", "--with-sse", "--keyname-separator", "#",
	    "-t", "8", "-n", "host", "--md5-on-start", "--listen-events",
	    "IN_CREATE", "--delete-on-backup", "--max-upload-size", "100",
	    "--multipart-chunk-size", "16", "--retries", "5", "--endpoint",
	    "https://h:1", "--ca-file", "/ca", "--path-style",
	    "--request-timeout", "7", "bkt", "/a", "/b", NULL) == CLI_OK);
	CHECK_STR(o.c.aws_key, "AK");
	CHECK_STR(o.c.aws_secret, "SK");
	CHECK_STR(o.c.aws_token, "TK");
	CHECK_STR(o.c.aws_region, "eu-west-1");
	CHECK(o.recursive && o.auto_add && o.backup && o.reduced_redundancy);
	CHECK_STR(o.c.prefix, "pre/");
	CHECK(o.without_index && o.with_sse && o.md5_on_start);
	CHECK(o.delete_on_backup);
	CHECK_STR(o.c.separator, "#");
	CHECK(o.threads == 8);
	CHECK_STR(o.c.name, "host");
	CHECK(o.listen == LISTEN_CREATE);
	CHECK(o.max_upload_size == 100 * MIB && o.chunk_size == 16 * MIB);
	CHECK(o.c.retries == 5);
	CHECK(o.c.request_timeout == 7);
	CHECK_STR(o.c.endpoint, "https://h:1");
	CHECK_STR(o.c.ca_file, "/ca");
	CHECK(o.c.path_style == 1);
	CHECK(o.npaths == 2 && strcmp(o.paths[1], "/b") == 0);
	options_free(&o);
}

static void
argparse_forms(void)
{
	struct options o;
	char err[256];

	/* Unique prefixes, =values, -tN, grouped flags, options last. */
	CHECK(parse(&o, err, "b", "/p", "--thr=3", "-rBa", "--keyname", "|",
	    "-t7", NULL) == CLI_OK);
	CHECK(o.threads == 7 && o.recursive && o.backup && o.auto_add);
	CHECK_STR(o.c.separator, "|");
	options_free(&o);
	/* Ambiguous prefix: --with matches --with-sse and --without-index. */
	CHECK(parse(&o, err, "--with", "b", "/p", NULL) == CLI_USAGE);
	CHECK(strstr(err, "ambiguous") != NULL);
	options_free(&o);
	/* --listen-events accumulates after replacing the default. */
	CHECK(parse(&o, err, "--listen-events", "IN_MOVED_TO",
	    "--listen-events", "IN_CREATE", "b", "/p", NULL) == CLI_OK);
	CHECK(o.listen == (LISTEN_MOVED_TO | LISTEN_CREATE));
	options_free(&o);
	/* "--" ends the options. */
	CHECK(parse(&o, err, "--", "-weird-bucket", "/p", NULL) == CLI_OK);
	CHECK_STR(o.bucket, "-weird-bucket");
	options_free(&o);
}

static void
greedy_lists(void)
{
	struct options o;
	char err[256];

	/* After the positionals, -e takes every later word, as argparse. */
	CHECK(parse(&o, err, "b", "/p", "-e", "snapshots", "backups", NULL) ==
	    CLI_OK);
	CHECK(o.nexcludes == 2 && strcmp(o.excludes[1], "backups") == 0);
	CHECK(o.npaths == 1);
	options_free(&o);
	/* Repeated -e adds to the list (the original kept only the last). */
	CHECK(parse(&o, err, "-e", "x", "-e", "y", "--", "b", "/p", NULL) ==
	    CLI_OK);
	CHECK(o.nexcludes == 2 && strcmp(o.excludes[0], "x") == 0);
	options_free(&o);
	/* An attached value takes exactly one word. */
	CHECK(parse(&o, err, "--exclude=x", "-iy", "b", "/p", NULL) ==
	    CLI_USAGE);
	options_free(&o);
	CHECK(parse(&o, err, "--exclude=x", "b", "/p", NULL) == CLI_OK);
	CHECK(o.nexcludes == 1 && o.npaths == 1);
	options_free(&o);
	/* Greedy before the positionals swallows them: an error, as before. */
	CHECK(parse(&o, err, "-e", "foo", "b", "/p", NULL) == CLI_USAGE);
	CHECK(strstr(err, "required") != NULL);
	options_free(&o);
}

static void
errors(void)
{
	static const char *const bad[][4] = {
		{ "--bogus", "b", "/p", NULL },
		{ "-t", "0", "b", "/p" },
		{ "-t", "x", "b", "/p" },
		{ "-t", "-1", "b", "/p" },
		{ "--retries", "1000", "b", "/p" },
		{ "--request-timeout", "0", "b", "/p" },
		{ "--max-upload-size", "0", "b", "/p" },
		{ "--listen-events", "IN_DELETE", "b", "/p" },
		{ "-e", "a", "-i", "b" },
		{ "--endpoint", "ftp://x", "b", "/p" },
		{ "-r=1", "b", "/p", NULL },
		{ "-Z", "b", "/p", NULL },
		{ "b", NULL, NULL, NULL },
		{ "-k", NULL, NULL, NULL },
		{ "-k", "-s", "b", "/p" },
	};
	struct options o;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[6] = { "tablesnap" };
		int argc = 1;

		for (int j = 0; j < 4 && bad[i][j] != NULL; j++)
			argv[argc++] = (char *)bad[i][j];
		argv[argc] = NULL;
		err[0] = '\0';
		CHECK(options_parse(argc, argv, &o, err, sizeof(err)) ==
		    CLI_USAGE);
		CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
		options_free(&o);
	}
	/* "" would be the working directory (with -r under a service in /,
	 * the whole file system): a usage error, as an empty bucket is. */
	CHECK(parse(&o, err, "-B", "b", "", NULL) == CLI_USAGE);
	CHECK_STR(err, "argument paths: empty path");
	options_free(&o);
	CHECK(parse(&o, err, "b", "/p", "", "/q", NULL) == CLI_USAGE);
	CHECK_STR(err, "argument paths: empty path");
	options_free(&o);
	CHECK(parse(&o, err, "", "/p", NULL) == CLI_USAGE);
	CHECK_STR(err, "argument bucket: empty bucket name");
	options_free(&o);
	CHECK(parse(&o, err, "-h", NULL) == CLI_HELP);
	options_free(&o);
	CHECK(parse(&o, err, "--version", NULL) == CLI_VERSION);
	options_free(&o);
	/* A tiny error buffer truncates, never overflows. */
	{
		char *argv[] = { "tablesnap", "--bogus-option-name", NULL };
		char small[8];

		CHECK(options_parse(2, argv, &o, small, sizeof(small)) ==
		    CLI_USAGE);
		CHECK(strlen(small) == 7);
		options_free(&o);
	}
}

/* The options all three programs take are one table: each program takes
 * each of them, with the same defaults (tablesnap's, where a companion has
 * no option for them); moved here from test_restore.c. */
static void
common_options_everywhere(void)
{
	struct options so;
	struct restore_opts ro;
	struct chop_opts co;
	char err[256];
	char *snap[] = { "tablesnap", "--endpoint", "https://localhost:7443",
	    "--aws-region", "eu-west-1", "--retries", "7", "--path-style",
	    "--", "-odd-bucket", "/d", NULL };
	char *slurp[] = { "tableslurp", "--endpoint", "https://localhost:7443",
	    "--aws-region", "eu-west-1", "--retries", "7", "--path-style",
	    "--", "-odd-bucket", "/d", "t", NULL };
	char *chop[] = { "tablechop", "--endpoint", "https://localhost:7443",
	    "--aws-region", "eu-west-1", "--retries", "7", "--path-style",
	    "--", "-odd-bucket", "/d", "1", NULL };
	const struct common_opts *c[3] = { &so.c, &ro.c, &co.c };

	CHECK(options_parse(11, snap, &so, err, sizeof(err)) == CLI_OK);
	CHECK(restore_parse(12, slurp, &ro, err, sizeof(err)) == CLI_OK);
	CHECK(chop_parse(12, chop, &co, err, sizeof(err)) == CLI_OK);
	CHECK_STR(so.bucket, "-odd-bucket");
	CHECK_STR(ro.bucket, "-odd-bucket");
	CHECK_STR(co.bucket, "-odd-bucket");
	for (int i = 0; i < 3; i++) {
		CHECK_STR(c[i]->endpoint, "https://localhost:7443");
		CHECK_STR(c[i]->aws_region, "eu-west-1");
		CHECK(c[i]->retries == 7 && c[i]->path_style == 1);
		/* tablesnap's defaults for what the companions do not set. */
		CHECK(c[i]->request_timeout == 30);
		CHECK_STR(c[i]->separator, ":");
	}
	options_free(&so);
	/* Empty arguments are usage errors in every program (the origin
	 * and path of the companions must be absolute: main refuses ""). */
	{
		char *r1[] = { "tableslurp", "", "/d", "t", NULL };
		char *r2[] = { "tableslurp", "b", "/d", "", NULL };
		char *c1[] = { "tablechop", "", "/d", "1", NULL };

		CHECK(restore_parse(4, r1, &ro, err, sizeof(err)) ==
		    CLI_USAGE);
		CHECK_STR(err, "argument bucket: empty bucket name");
		CHECK(restore_parse(4, r2, &ro, err, sizeof(err)) ==
		    CLI_USAGE);
		CHECK_STR(err, "argument target: empty path");
		CHECK(chop_parse(4, c1, &co, err, sizeof(err)) == CLI_USAGE);
		CHECK_STR(err, "argument bucket: empty bucket name");
	}
	/* The companions take "-1" for a value, as argparse; tablesnap did
	 * not, and still does not. */
	{
		char *a[] = { "tablesnap", "-t", "-1", "b", "/p", NULL };

		CHECK(options_parse(5, a, &so, err, sizeof(err)) ==
		    CLI_USAGE);
		CHECK(strstr(err, "expected one argument") != NULL);
		options_free(&so);
	}
}

/* Whether the help of p shows spelling s ("--threads", "-t") as a word:
 * not followed by a letter, digit or '-' ("--aws-token" is not
 * "--aws-t"). */
static int
help_shows(const struct cli_program *p, const char *s)
{
	size_t n = strlen(s);

	for (const char *const *h = p->help; *h != NULL; h++)
		for (const char *at = *h; (at = strstr(at, s)) != NULL; at++) {
			char next = at[n];

			if (!(next == '-' || (next >= 'a' && next <= 'z') ||
			    (next >= 'A' && next <= 'Z') ||
			    (next >= '0' && next <= '9')))
				return 1;
		}
	return 0;
}

/* Help texts stay in step with the tables: every spelling a program
 * takes is in its --help (the man pages are checked against the help by
 * the system test man_pages_document_every_option). */
static void
help_in_step(void)
{
	const struct cli_program *progs[] = { &tablesnap_program,
	    &restore_program, &chop_program };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++)
		for (size_t t = 0; t < progs[i]->ntables; t++)
			for (const struct cli_opt *o = progs[i]->tables[t].opts;
			    o->short_name != 0 || o->long_name != NULL; o++) {
				char s[64];

				if (o->short_name != 0) {
					s[0] = '-';
					s[1] = o->short_name;
					s[2] = '\0';
					if (!help_shows(progs[i], s))
						CHECK_STR(s, progs[i]->name);
				}
				if (o->long_name != NULL &&
				    strlen(o->long_name) < sizeof(s) - 2) {
					s[0] = s[1] = '-';
					strcpy(s + 2, o->long_name);
					if (!help_shows(progs[i], s))
						CHECK_STR(s, progs[i]->name);
				}
			}
}

/* The original's boto took an empty key, secret or token as not given:
 * /etc/default/tablesnap lines with -k "" -s "" must still start, with
 * the credentials from the environment or files (NULL here), in every
 * program and under every spelling. */
static void
empty_credentials(void)
{
	struct options so;
	struct restore_opts ro;
	struct chop_opts co;
	char err[256];
	char *snap[] = { "tablesnap", "-k", "", "-s", "", "--aws-token", "",
	    "b", "/d", NULL };
	char *snap_long[] = { "tablesnap", "--aws-key=", "--aws-secret", "",
	    "--aws-token=", "b", "/d", NULL };
	char *slurp[] = { "tableslurp", "-k", "", "-s", "", "--token", "",
	    "b", "/d", "t", NULL };
	char *chop[] = { "tablechop", "--key", "", "--secret", "",
	    "--aws-token", "", "b", "/d", "1", NULL };
	char *kept[] = { "tablechop", "-k", "AK", "-s", "", "--token=TK",
	    "b", "/d", "1", NULL };

	CHECK(options_parse(9, snap, &so, err, sizeof(err)) == CLI_OK);
	CHECK(so.c.aws_key == NULL && so.c.aws_secret == NULL &&
	    so.c.aws_token == NULL);
	options_free(&so);
	CHECK(options_parse(7, snap_long, &so, err, sizeof(err)) == CLI_OK);
	CHECK(so.c.aws_key == NULL && so.c.aws_secret == NULL &&
	    so.c.aws_token == NULL);
	options_free(&so);
	CHECK(restore_parse(10, slurp, &ro, err, sizeof(err)) == CLI_OK);
	CHECK(ro.c.aws_key == NULL && ro.c.aws_secret == NULL &&
	    ro.c.aws_token == NULL);
	CHECK(chop_parse(10, chop, &co, err, sizeof(err)) == CLI_OK);
	CHECK(co.c.aws_key == NULL && co.c.aws_secret == NULL &&
	    co.c.aws_token == NULL);
	/* Only the empty one goes. */
	CHECK(chop_parse(9, kept, &co, err, sizeof(err)) == CLI_OK);
	CHECK_STR(co.c.aws_key, "AK");
	CHECK(co.c.aws_secret == NULL);
	CHECK_STR(co.c.aws_token, "TK");
}

/* The help texts keep a tab for each run of padding: what is printed has
 * the columns argparse's had (the description at column 24, the usage's
 * lines under its first option), no tab, no line over 79 columns. */
static void
help_padded(void)
{
	const struct cli_program *progs[] = { &tablesnap_program,
	    &restore_program, &chop_program, &verify_program };
	char *t;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		for (int err = 0; err < 2; err++) {
			size_t col = 0, widest = 0;

			t = setup_help_text(progs[i], err ? "boom" : NULL);
			CHECK(t != NULL && strchr(t, '\t') == NULL);
			for (const char *c = t; c != NULL && *c != '\0'; c++) {
				col = *c == '\n' ? 0 : col + 1;
				widest = col > widest ? col : widest;
			}
			CHECK(widest < 80);
			free(t);
		}
	}
	t = setup_help_text(&tablesnap_program, NULL);
	CHECK(t != NULL && strstr(t, "\n  -t, --threads N       uploads at "
	    "once (default: 4)\n") != NULL);
	CHECK(t != NULL && strstr(t, "\n  -s, --aws-secret SECRET\n"
	    "                        secret key (visible") != NULL);
	CHECK(t != NULL && strstr(t, "TOKEN]\n                 "
	    "[--aws-region REGION] [-r]") != NULL);
	free(t);
	t = setup_help_text(&tablesnap_program, "boom");
	CHECK(t != NULL && strncmp(t, "usage: tablesnap [-h]", 21) == 0 &&
	    strstr(t, "\n                 bucket paths [paths ...]\n"
	    "tablesnap: error: boom\n") != NULL);
	free(t);
}

void
test_options(void)
{
	defaults();
	every_option();
	argparse_forms();
	greedy_lists();
	errors();
	common_options_everywhere();
	help_in_step();
	help_padded();
	empty_credentials();
}
