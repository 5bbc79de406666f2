/* fuzz_creds.c: libFuzzer target for the pure parsers of creds.c: the AWS
 * shared credentials/config files, the metadata services' JSON, URLs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "creds.h"
#include "isotime.h"
#include "sts.h"

/*
 * Input layout: byte 0 picks the parser, byte 1 is a parameter, the rest
 * is the text (passed with its length and no final NUL where the parser
 * takes a length, so that ASan sees a read past the end).
 *   0: cred_ini_parse; the callback stops the walk at entry byte 1
 *   1: cred_profile_parse of profile "default" (byte 1 odd: config file)
 *   2: cred_profile_parse of a profile named by the first line
 *   3: cred_parse_json
 *   4: isotime_parse (Expiration; isotime.c has its own target too)
 *   5: http_parse_url, then cred_full_uri_allowed
 *   6: cred_region_valid
 *   7: cred_boto_parse of the text twice (two files merged), then
 *      cred_boto_s3
 *   8: byte 1 % 4: sts_parse_answer (XML), sts_parse_process,
 *      sts_parse_sso_token, sts_parse_sso_role (JSON)
 *   9: sts_split_argv
 *  10: cred_profile_plan of the text as the config file (byte 1 odd: as
 *      the credentials file too), profile "default"
 */
#define STOP_CODE 7

struct walk {
	unsigned calls, stop_at;
};

static int	ini_cb(void *, const char *, const char *, const char *);
static void	check_profile(const struct cred_profile *);
static void	fuzz_ini(const char *, size_t, unsigned);
static void	fuzz_profile(const char *, size_t, const char *, int);
static void	fuzz_json(const char *, size_t);
static void	fuzz_strings(int, const char *, size_t);
static void	fuzz_boto(const char *, size_t);

/* What the header promises of every entry: a section, a key that is not
 * empty and lower-case, a value of one line. */
static int
ini_cb(void *arg, const char *section, const char *key, const char *value)
{
	struct walk *w = arg;
	const char *k;

	if (section == NULL || key == NULL || value == NULL || key[0] == '\0')
		abort();
	for (k = key; *k != '\0'; k++)
		if (*k >= 'A' && *k <= 'Z')
			abort();
	if (strchr(value, '\n') != NULL || strchr(key, '\n') != NULL)
		abort();
	if (++w->calls == w->stop_at)
		return STOP_CODE;
	return 0;
}

static void
fuzz_ini(const char *text, size_t len, unsigned stop_at)
{
	struct walk w = { 0, stop_at };
	size_t errline = 0;
	int r;

	r = cred_ini_parse(text, len, ini_cb, &w, &errline);
	if (r != 0 && r != -1 && r != -2 && r != STOP_CODE)
		abort();
	if (r == STOP_CODE && (stop_at == 0 || w.calls != stop_at))
		abort();
	if (r == -1 && errline == 0)
		abort();	/* a parse error names its line */
	if (r != -1 && errline != 0)
		abort();
}

static void
check_profile(const struct cred_profile *p)
{
	if (p->found != 0 && p->found != 1)
		abort();
	if ((p->access_key != NULL || p->secret_key != NULL ||
	    p->token != NULL || p->region != NULL) && !p->found)
		abort();
}

static void
fuzz_profile(const char *text, size_t len, const char *profile, int config)
{
	struct cred_profile p;
	size_t errline = 0;
	int r;

	r = cred_profile_parse(text, len, profile, config, &p, &errline);
	if (r != 0 && r != -1 && r != -2)
		abort();
	if (r == -1 && errline == 0)
		abort();
	if (r == 0)
		check_profile(&p);
	cred_profile_free(&p);
}

static void
fuzz_json(const char *text, size_t len)
{
	struct cred_keys k;
	char err[128];
	int r;

	memset(err, 'x', sizeof(err));
	r = cred_parse_json(text, len, &k, err, sizeof(err));
	if (r == 0) {
		if (k.access_key == NULL || k.secret_key == NULL ||
		    k.access_key[0] == '\0' || k.secret_key[0] == '\0')
			abort();
	} else if (r != -1 || memchr(err, '\0', sizeof(err)) == NULL ||
	    err[0] == '\0')
		abort();
	cred_keys_free(&k);
}

/* boto's files: what cred_boto_s3 accepts is usable as it stands. */
static void
fuzz_boto(const char *text, size_t len)
{
	struct cred_boto b;
	struct boto_s3 o;
	size_t errline = 0;
	char err[256];
	int r;

	memset(&b, 0, sizeof(b));
	r = cred_boto_parse(text, len, "/etc/boto.cfg", &b, &errline);
	if (r == 0)
		r = cred_boto_parse(text, len, "/root/.boto", &b, &errline);
	if (r != 0 && r != -1 && r != -2)
		abort();
	if (r == -1 && errline == 0)
		abort();
	if (r == 0 && cred_boto_s3(&b, &o, err, sizeof(err)) == 0) {
		if ((o.tls != 0 && o.tls != 1) || o.path_style < -1 ||
		    o.path_style > 1 || o.port[0] < '1' || o.port[0] > '9' ||
		    strspn(o.port, "0123456789") != strlen(o.port) ||
		    (o.host != NULL && (o.host[0] == '\0' ||
		    strchr(o.host, '/') != NULL)))
			abort();
		/* The host goes into a Host header: one printable word. */
		for (const char *h = o.host; h != NULL && *h != '\0'; h++)
			if ((unsigned char)*h <= ' ' || (unsigned char)*h >= 0x7f)
				abort();
	}
	cred_boto_free(&b);
}

/* What STS, a credential_process and the SSO portal answer. */
static void
fuzz_answers(int which, const char *text, size_t len)
{
	struct cred_keys k;
	char err[256], *tok = NULL;
	time_t t;
	int r;

	memset(&k, 0, sizeof(k));
	if (which == 2) {
		r = sts_parse_sso_token(text, len, &tok, &t, err, sizeof(err));
		if ((r == 0) != (tok != NULL) || (tok && !cred_key_valid(tok)))
			abort();
		free(tok);
		return;
	}
	r = which == 0 ? sts_parse_answer(text, len, &k, err, sizeof(err)) :
	    which == 1 ? sts_parse_process(text, len, &k, err, sizeof(err)) :
	    sts_parse_sso_role(text, len, &k, err, sizeof(err));
	/* Keys that go into a request are printable, or none at all. */
	if (r == 0 && (!cred_key_valid(k.access_key) ||
	    !cred_key_valid(k.secret_key) || (k.token != NULL &&
	    !cred_key_valid(k.token))))
		abort();
	if (r != 0 && (k.access_key != NULL || err[0] == '\0'))
		abort();
	cred_keys_free(&k);
}

/* The string parsers take NUL-terminated text: a copy of the input. */
static void
fuzz_strings(int mode, const char *text, size_t len)
{
	struct http_url u;
	time_t t;
	char *s, **argv, err[512];

	if ((s = malloc(len + 1)) == NULL)
		abort();
	memcpy(s, text, len);
	s[len] = '\0';
	if (mode == 9) {
		if ((argv = sts_split_argv(s, err, sizeof(err))) != NULL &&
		    argv[0] == NULL)
			abort();	/* never an empty command */
		sts_argv_free(argv);
	} else if (mode == 10 || mode == 11) {
		if (cred_profile_plan(mode == 11 ? s : NULL, s, "default", err,
		    sizeof(err)) != 1 && err[0] == '\0')
			abort();	/* a plan or a problem is named */
	} else if (mode == 4)
		(void)isotime_parse(s, &t);
	else if (mode == 5) {
		if (http_parse_url(s, &u) == 0) {
			if (memchr(u.host, '\0', sizeof(u.host)) == NULL ||
			    memchr(u.port, '\0', sizeof(u.port)) == NULL ||
			    memchr(u.path, '\0', sizeof(u.path)) == NULL ||
			    u.path[0] != '/')
				abort();
			(void)cred_full_uri_allowed(&u);
		}
	} else
		(void)cred_region_valid(s);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 2, *nl;
	size_t len;
	char profile[64];

	if (size < 2)
		return 0;
	len = size - 2;
	switch (data[0] % 11) {
	case 0:
		fuzz_ini(text, len, data[1]);
		break;
	case 1:
		fuzz_profile(text, len, "default", data[1] & 1);
		break;
	case 2:
		nl = memchr(text, '\n', len);
		if (nl == NULL || (size_t)(nl - text) >= sizeof(profile))
			return 0;
		memcpy(profile, text, (size_t)(nl - text));
		profile[nl - text] = '\0';
		len -= (size_t)(nl - text) + 1;
		fuzz_profile(nl + 1, len, profile, data[1] & 1);
		break;
	case 3:
		fuzz_json(text, len);
		break;
	case 7:
		fuzz_boto(text, len);
		break;
	case 8:
		fuzz_answers(data[1] % 4, text, len);
		break;
	case 10:
		fuzz_strings(10 + (data[1] & 1), text, len);
		break;
	default:
		fuzz_strings(data[0] % 11, text, len);
		break;
	}
	return 0;
}
