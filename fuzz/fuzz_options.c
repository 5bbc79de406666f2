/* fuzz_options.c: libFuzzer target for options.c: the input is a command
 * line, its words separated by NUL bytes (argv words cannot hold one). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

/*
 * Byte 0 chooses the size of the error buffer (1..64, or 512 as tablesnap
 * uses) so that truncated messages are exercised; the rest is the words.
 * argv[0] is "tablesnap", as the parser skips it.
 */
#define MAX_WORDS 128
#define ERR_BIG 512

static int	in_words(const char *, char *const *, int);
static int	in_list(const char *const *, size_t, char *const *, int);
static void	check_ok(const struct options *, char *const *, int);

/* p points at the start of, or inside, one of the argv words. */
static int
in_words(const char *p, char *const *argv, int argc)
{
	int i;

	for (i = 1; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return 1;
	return 0;
}

/* A NULL-terminated list of n entries, all from the command line. */
static int
in_list(const char *const *l, size_t n, char *const *argv, int argc)
{
	size_t i;

	if (n == 0)
		return l == NULL || l[0] == NULL;
	if (l == NULL || l[n] != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (l[i] == NULL || !in_words(l[i], argv, argc))
			return 0;
	return 1;
}

/* What main relies on after CLI_OK. */
static void
check_ok(const struct options *o, char *const *argv, int argc)
{
	if (o->bucket == NULL || o->bucket[0] == '\0' ||
	    !in_words(o->bucket, argv, argc))
		abort();
	if (o->npaths == 0 || !in_list(o->paths, o->npaths, argv, argc))
		abort();
	if (!in_list(o->excludes, o->nexcludes, argv, argc) ||
	    !in_list(o->includes, o->nincludes, argv, argc))
		abort();
	if (o->nexcludes > 0 && o->nincludes > 0)
		abort();
	for (size_t i = 0; i < o->npaths; i++)
		if (o->paths[i][0] == '\0')
			abort();	/* "" would be the working directory */
	if (o->threads < 1 || o->c.retries < 0 || o->shutdown_timeout < 0)
		abort();
	if (o->max_upload_size < MIB || o->chunk_size < MIB ||
	    o->max_bandwidth < 0)
		abort();
	if (o->c.prefix == NULL || o->c.separator == NULL)
		abort();
	if (o->c.endpoint != NULL && strncmp(o->c.endpoint, "http://", 7) != 0 &&
	    strncmp(o->c.endpoint, "https://", 8) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_WORDS + 2], *buf, *err;
	struct options o;
	size_t errlen, off;
	int argc = 0;
	enum cli_result r;

	if (size < 1)
		return 0;
	errlen = data[0] >= 64 ? ERR_BIG : (size_t)data[0] + 1;
	/* Words end at NULs; the copy ends in one so the last word does. */
	if ((buf = malloc(size)) == NULL || (err = malloc(errlen)) == NULL)
		abort();
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[argc++] = "tablesnap";
	for (off = 0; off < size - 1 && argc <= MAX_WORDS;
	    off += strlen(buf + off) + 1)
		argv[argc++] = buf + off;
	argv[argc] = NULL;
	memset(err, 'x', errlen);
	r = options_parse(argc, argv, &o, err, errlen);
	/* The message always ends within the buffer. */
	if (memchr(err, '\0', errlen) == NULL)
		abort();
	switch (r) {
	case CLI_OK:
		check_ok(&o, argv, argc);
		break;
	case CLI_USAGE:
		if (errlen > 1 && err[0] == '\0')
			abort();	/* a usage error says what is wrong */
		break;
	case CLI_HELP:
	case CLI_VERSION:
	case CLI_NOMEM:
		break;
	default:
		abort();
	}
	options_free(&o);
	free(err);
	free(buf);
	return 0;
}
