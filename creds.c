/* creds.c: the AWS credential chain (command line, environment, shared
 * files and what their profiles point to, container, EC2 instance
 * metadata), its parsers, and the refresh. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "accounts.h"
#include "buf.h"
#include "creds.h"
#include "encode.h"
#include "fmt.h"
#include "isotime.h"
#include "jsonread.h"
#include "log.h"
#include "s3sign.h"
#include "sts.h"
#include "version.h"

#define IMDS_V4		"http://169.254.169.254"
#define IMDS_V6		"http://[fd00:ec2::254]"
#define ECS_AGENT	"http://169.254.170.2"
#define IMDS_TOKEN_TTL	21600		/* seconds, the maximum */
#define IMDS_TIMEOUT_MS	1000		/* botocore: 1 s, one attempt */
#define CONTAINER_TIMEOUT_MS 2000	/* botocore: 2 s, three attempts */
#define STS_TIMEOUT_MS	10000		/* STS and the SSO portal */
#define PROCESS_MS	60000		/* a credential_process at most */
#define MAX_CHAIN	16		/* profiles in a source_profile chain */
#define FETCH_TRIES	3		/* refreshes, when the service is known */
#define MAX_ANSWER	(64 * 1024)
#define MAX_FILE	(1024 * 1024)
#define EARLY		(15 * 60)	/* botocore's advisory refresh */
#define FILE_CHECK	5		/* seconds between stats of the files */
#define FORCED_GAP	2		/* seconds before a refusal of keys that a
				 * forced fetch gave again fetches again */
#define ERRLEN		512
#define STR_(x)		#x
#define STR(x)		STR_(x)

enum kind { SRC_ARGS, SRC_ENV, SRC_FILE, SRC_BOTO, SRC_CONTAINER, SRC_IMDS,
	SRC_STATIC, SRC_ROLE, SRC_WEBID, SRC_PROCESS, SRC_SSO };

struct stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Where the keys come from; fixed once the chain is walked. The fetch
 * state in it (IMDS token, file stamps) is used under cred_chain.fetch. */
struct source {
	enum kind kind;
	char *desc;
	char *path[2], *profile;	/* SRC_FILE: see struct shared */
	struct stamp stamp[2];
	struct http_url url;		/* container, or the IMDS base */
	char *imds_token;
	time_t imds_token_until;
	int imds_v1;			/* the token PUT was refused: IMDSv1 */
	/* SRC_ROLE: the source of the keys that sign the AssumeRole;
	 * SRC_STATIC: the keys themselves. */
	struct source *base;
	struct cred_keys keys;
	/* SRC_ROLE, SRC_WEBID: STS at url, signed for region; SRC_SSO: the
	 * portal at url. */
	char region[64];
	char *f[4];			/* the settings below */
	char **argv;			/* SRC_PROCESS */
};
/* SRC_ROLE's and SRC_WEBID's */
#define role_arn	f[0]
#define session		f[1]
#define external_id	f[2]
#define duration	f[3]
#define token_file	f[2]		/* SRC_WEBID */
/* SRC_SSO's */
#define sso_account	f[0]
#define sso_role	f[1]
#define sso_key		f[2]		/* session name or start URL */

struct cred_chain {
	pthread_mutex_t lock;		/* guards everything below but args */
	pthread_mutex_t fetch;		/* one fetch at a time */
	char *arg_ak, *arg_sk, *arg_tk;
	char *region;			/* for STS; NULL: not given */
	const struct tls_anchors *anchors;
	int cancel_fd;			/* see cred_args */
	struct source *src;
	struct cred_keys keys;
	time_t refresh_at;		/* 0: never */
	time_t retry_at;		/* after a failed fetch */
	time_t check_at;		/* next look at the shared files */
	time_t futile_at;		/* a fetch forced by a refusal gave */
	unsigned long futile_gen;	/* the refused keys again */
	int warned_expired;
};

/* forwards */
static char	*xstrdup(const char *);
static int	 env_true(const char *);
static int	 walk(struct cred_chain *, struct source **, struct cred_keys *,
		    char *, size_t);
static int	 fetch_source(struct cred_chain *, struct source *,
		    struct cred_keys *, int, char *, size_t);
static void	 source_free(struct source *);

/* ---- small helpers ---- */

static char *
xstrdup(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
env_true(const char *name)
{
	const char *v = env_value(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

void
cred_keys_free(struct cred_keys *k)
{
	free_secret(k->access_key);
	free_secret(k->secret_key);
	free_secret(k->token);
	k->access_key = k->secret_key = k->token = NULL;
}

static int
keys_set(struct cred_keys *k, const char *ak, const char *sk, const char *tk)
{
	k->access_key = xstrdup(ak);
	k->secret_key = xstrdup(sk);
	k->token = xstrdup(tk);
	if (k->access_key == NULL || k->secret_key == NULL ||
	    (tk != NULL && k->token == NULL)) {
		cred_keys_free(k);
		return -1;
	}
	return 0;
}

/* What a source calls its three values, and its error lines: half a
 * pair (where, where, the name it has, the name it lacks), a value that
 * cannot go into a request (where, where, its name). */
struct key_names {
	const char *ak, *sk, *tk;
	const char *half_fmt, *bad_fmt;
};

/* Copies a key pair found at w1 w2 into k: 1, 0 when there is none, -1
 * with err when half of it is there or a value holds a space or a control
 * character (a line break copied with it would also split a header). */
static int
keys_take(const struct key_names *n, const char *w1, const char *w2,
    const char *ak, const char *sk, const char *tk, struct cred_keys *k,
    char *err, size_t errlen)
{
	const char *bad = !cred_key_valid(ak) ? n->ak : !cred_key_valid(sk) ?
	    n->sk : tk != NULL && !cred_key_valid(tk) ? n->tk : NULL;

	if (ak == NULL && sk == NULL)
		return 0;
	if (ak == NULL || sk == NULL)
		return err_set(err, errlen, n->half_fmt, w1, w2,
		    ak ? n->ak : n->sk, ak ? n->sk : n->ak);
	if (bad != NULL)
		return err_set(err, errlen, n->bad_fmt, w1, w2, bad);
	if (keys_set(k, ak, sk, tk) < 0)
		return err_set(err, errlen, "out of memory");
	return 1;
}

static int
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
time_text(time_t t, char *out, size_t cap)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec) >= (int)cap)
		(void)snprintf(out, cap, "%lld", (long long)t);	/* fits */
}

/* ---- pure: the INI dialect of the shared files ---- */

static size_t
trim_right(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r'))
		n--;
	return n;
}

/* Cuts an inline comment: '#' or ';' after white space. */
static size_t
cut_comment(const char *s, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if ((s[i] == '#' || s[i] == ';') &&
		    (s[i - 1] == ' ' || s[i - 1] == '\t'))
			return trim_right(s, i);
	return n;
}

static char *
span_dup(const char *s, size_t n, int lower)
{
	char *out = str_ndup(s, n);

	if (out != NULL && lower)
		for (char *p = out; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	return out;
}

/* One "[section]" line; 1 when it is one, -1 when malformed. */
static int
section_line(const char *s, size_t n, char **section)
{
	const char *rb;
	size_t a = 1, b, rest;

	if (s[0] != '[')
		return 0;
	if ((rb = memrchr(s, ']', n)) == NULL)
		return -1;
	rest = (size_t)(s + n - rb - 1);
	if (rest > 0 && cut_comment(s, n) != (size_t)(rb - s + 1))
		return -1;
	b = (size_t)(rb - s);
	while (a < b && (s[a] == ' ' || s[a] == '\t'))
		a++;
	b = trim_right(s, b);
	if (a >= b)
		return -1;
	free(*section);
	if ((*section = span_dup(s + a, b - a, 0)) == NULL)
		return -2;
	return 1;
}

int
cred_ini_parse(const char *text, size_t len, cred_ini_cb cb, void *arg,
    size_t *errline)
{
	char *section = NULL;
	size_t pos = 0, lineno = 0, key_indent = 0;
	int in_key = 0, r = 0;

	*errline = 0;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos = 3;	/* a UTF-8 byte-order mark */
	while (pos < len && r == 0) {
		const char *line = text + pos, *nl;
		size_t n, indent = 0;

		nl = memchr(line, '\n', len - pos);
		n = nl ? (size_t)(nl - line) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		n = trim_right(line, n);
		while (indent < n && (line[indent] == ' ' ||
		    line[indent] == '\t'))
			indent++;
		if (indent == n || line[indent] == '#' || line[indent] == ';')
			continue;
		if (in_key && indent > key_indent)
			continue;	/* a continuation of the last value */
		if (memchr(line, '\0', n) != NULL) {
			r = -1;	/* not text: a NUL would cut a name short */
			break;
		}
		r = section_line(line + indent, n - indent, &section);
		if (r == 1) {
			in_key = 0;
			r = 0;
			continue;
		}
		if (r == -2)
			break;
		if (r == 0 && section != NULL) {
			const char *s = line + indent;
			size_t m = n - indent, d = 0, k, v;
			char *key, *value;

			/* Within the line: the text need not end in a NUL. */
			while (d < m && s[d] != '=' && s[d] != ':')
				d++;
			if (d >= m || (k = trim_right(s, d)) == 0) {
				r = -1;
				break;
			}
			v = d + 1;
			while (v < m && (s[v] == ' ' || s[v] == '\t'))
				v++;
			key = span_dup(s, k, 1);
			value = span_dup(s + v, cut_comment(s + v, m - v), 0);
			if (key == NULL || value == NULL)
				r = -2;
			else
				r = cb(arg, section, key, value);
			free(key);
			free_secret(value);
			in_key = 1;
			key_indent = indent;
			continue;
		}
		r = -1;
	}
	free(section);
	if (r == -1)
		*errline = lineno;
	return r;
}

/* ---- pure: one profile of a shared file ---- */

struct profile_walk {
	const char *profile;
	int kind;			/* see cred_profile_parse */
	struct cred_profile *p;
};

static int
section_is(const struct profile_walk *w, const char *section)
{
	const char *s = section, *word = w->kind == 2 ? "sso-session" :
	    "profile";
	size_t n = strlen(word);

	if (w->kind == 0)
		return strcmp(s, w->profile) == 0;
	if (w->kind == 1 && strcmp(w->profile, "default") == 0 &&
	    strcmp(s, "default") == 0)
		return 1;
	if (strncmp(s, word, n) != 0 || (s[n] != ' ' && s[n] != '\t'))
		return 0;
	s += n;
	while (*s == ' ' || *s == '\t')
		s++;
	return strcmp(s, w->profile) == 0;
}

static int
replace(char **slot, const char *value)
{
	char *v = strdup(value);

	if (v == NULL)
		return -2;
	free_secret(*slot);
	*slot = v;
	return 0;
}

static int
profile_cb(void *arg, const char *section, const char *key,
    const char *value)
{
	static const char *const settings[CS_N] = {
		"role_arn", "source_profile", "credential_source",
		"external_id", "role_session_name", "duration_seconds",
		"mfa_serial", "web_identity_token_file", "credential_process",
		"sso_session", "sso_start_url", "sso_account_id",
		"sso_role_name", "sso_region", "endpoint_url",
		"sts_regional_endpoints",
	};
	struct profile_walk *w = arg;
	struct cred_profile *p = w->p;

	if (!section_is(w, section))
		return 0;
	p->found = 1;
	if (strcmp(key, "aws_access_key_id") == 0)
		return replace(&p->access_key, value);
	if (strcmp(key, "aws_secret_access_key") == 0)
		return replace(&p->secret_key, value);
	/* botocore reads both names of the token; the standard one wins. */
	if (strcmp(key, "aws_session_token") == 0 ||
	    (strcmp(key, "aws_security_token") == 0 && p->token == NULL))
		return replace(&p->token, value);
	if (strcmp(key, "region") == 0)
		return replace(&p->region, value);
	for (size_t i = 0; i < CS_N; i++)
		if (strcmp(key, settings[i]) == 0)
			return replace(&p->set[i], value);
	return 0;
}

int
cred_profile_parse(const char *text, size_t len, const char *profile,
    int kind, struct cred_profile *p, size_t *errline)
{
	struct profile_walk w = { profile, kind, p };
	int r;

	memset(p, 0, sizeof(*p));
	r = cred_ini_parse(text, len, profile_cb, &w, errline);
	if (r != 0)
		cred_profile_free(p);
	return r;
}

void
cred_profile_free(struct cred_profile *p)
{
	free_secret(p->access_key);
	free_secret(p->secret_key);
	free_secret(p->token);
	free(p->region);
	for (size_t i = 0; i < CS_N; i++)
		free(p->set[i]);
	memset(p, 0, sizeof(*p));
}

/* ---- pure: boto 2's configuration ---- */

struct boto_walk {
	struct cred_boto *b;
	const char *file;
};

static int
boto_set(struct boto_value *bv, const char *value, const char *file)
{
	if (replace(&bv->v, value) < 0)
		return -2;
	bv->file = file;
	return 0;
}

static int
boto_cb(void *arg, const char *section, const char *key, const char *value)
{
	static const struct {
		const char *section, *key;
		size_t off;
	} keys[] = {
		{ "Credentials", "aws_access_key_id",
		    offsetof(struct cred_boto, ak) },
		{ "Credentials", "aws_secret_access_key",
		    offsetof(struct cred_boto, sk) },
		{ "Credentials", "aws_security_token",
		    offsetof(struct cred_boto, tk) },
		{ "Credentials", "s3_host", offsetof(struct cred_boto, host) },
		{ "Credentials", "s3_port", offsetof(struct cred_boto, port) },
		{ "Boto", "is_secure", offsetof(struct cred_boto, secure) },
		{ "Boto", "https_validate_certificates",
		    offsetof(struct cred_boto, verify) },
		{ "Boto", "ca_certificates_file",
		    offsetof(struct cred_boto, ca) },
		{ "s3", "calling_format", offsetof(struct cred_boto, calling) },
	};
	struct boto_walk *w = arg;

	/* Section names are case-sensitive in ConfigParser, keys not. */
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(section, keys[i].section) == 0 &&
		    strcmp(key, keys[i].key) == 0)
			return boto_set((struct boto_value *)(void *)
			    ((char *)w->b + keys[i].off), value, w->file);
	return 0;
}

int
cred_boto_parse(const char *text, size_t len, const char *file,
    struct cred_boto *b, size_t *errline)
{
	struct boto_walk w = { b, file };

	return cred_ini_parse(text, len, boto_cb, &w, errline);
}

void
cred_boto_free(struct cred_boto *b)
{
	struct boto_value *v[] = { &b->ak, &b->sk, &b->tk, &b->host, &b->port,
	    &b->secure, &b->verify, &b->ca, &b->calling };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		free_secret(v[i]->v);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	memset(b, 0, sizeof(*b));
}

/* ConfigParser.getboolean: 1, -1 for false, 0 for neither. */
static int
config_boolean(const char *v)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return -1;
	}
	return 0;
}

int
cred_boto_s3(const struct cred_boto *b, struct boto_s3 *out, char *err,
    size_t errlen)
{
	static const char prefix[] = "boto.s3.connection.";
	const char *cf;
	char *end;
	long port;
	int t;

	memset(out, 0, sizeof(*out));
	out->tls = 1;
	if (b->secure.v != NULL) {
		if ((t = config_boolean(b->secure.v)) == 0)
			return err_set(err, errlen, "%s: [Boto] is_secure '%.64s' "
			    "is not a boolean (true/false, yes/no, on/off, 1/0)",
			    b->secure.file, b->secure.v);
		out->tls = t > 0;
	}
	/* boto's getbool: only "true" is true. */
	if (b->verify.v != NULL && strcasecmp(b->verify.v, "true") != 0)
		out->no_verify = b->verify.file;
	if (b->host.v != NULL) {
		/* cred_key_valid: printable ASCII, no space, not empty. */
		if (!cred_key_valid(b->host.v) || strpbrk(b->host.v,
		    "/?#@[]\\") != NULL)
			return err_set(err, errlen, "%s: [Credentials] s3_host "
			    "'%.64s' is not a host name", b->host.file,
			    b->host.v);
		out->host = b->host.v;
		out->from = b->host.file;
	}
	(void)snprintf(out->port, sizeof(out->port), "%s",
	    out->tls ? "443" : "80");
	if (b->port.v != NULL) {
		errno = 0;
		port = strtol(b->port.v, &end, 10);
		if (b->port.v[0] < '0' || b->port.v[0] > '9' || *end != '\0' ||
		    errno != 0 || port < 1 || port > 65535)
			return err_set(err, errlen, "%s: [Credentials] s3_port "
			    "'%.64s' is not a port number", b->port.file,
			    b->port.v);
		(void)snprintf(out->port, sizeof(out->port), "%ld", port);
	}
	if ((cf = b->calling.v) != NULL) {
		if (strncmp(cf, prefix, sizeof(prefix) - 1) == 0)
			cf += sizeof(prefix) - 1;
		if (strcmp(cf, "OrdinaryCallingFormat") == 0 ||
		    strcmp(cf, "ProtocolIndependentOrdinaryCallingFormat") == 0)
			out->path_style = 1;
		else if (strcmp(cf, "SubdomainCallingFormat") == 0)
			out->path_style = -1;
		else
			return err_set(err, errlen, "%s: [s3] calling_format "
			    "'%.80s' is not one tablesnap knows (boto.s3."
			    "connection.OrdinaryCallingFormat for path style, "
			    "SubdomainCallingFormat for virtual hosts)",
			    b->calling.file, b->calling.v);
	}
	/* boto: "system" is the system's bundle. */
	if (b->ca.v != NULL && b->ca.v[0] != '\0' &&
	    strcmp(b->ca.v, "system") != 0)
		out->ca_file = b->ca.v;
	return 0;
}

/* ---- pure: times, JSON, URLs, regions ---- */

time_t
cred_refresh_time(time_t fetched, time_t expires)
{
	time_t life = expires - fetched, early = life / 2;

	if (life <= 0)
		return fetched;
	return expires - (early < EARLY ? early : EARLY);
}

int
cred_keys_fill(struct cred_keys *k, const char *ak, const char *sk,
    const char *tk, const char *exp, char *err, size_t errlen)
{
	/* The answer names no place: the half-pair line takes no words. */
	static const struct key_names names = { "AccessKeyId",
	    "SecretAccessKey", "Token", "no AccessKeyId and SecretAccessKey "
	    "in the answer", "%s%s%s in the answer holds a space or a control "
	    "character" };
	int r;

	memset(k, 0, sizeof(*k));
	if ((r = keys_take(&names, "", "", ak && *ak ? ak : NULL, sk && *sk ?
	    sk : NULL, tk && *tk ? tk : NULL, k, err, errlen)) == 0)
		r = err_set(err, errlen, "%s", names.half_fmt);
	if (r > 0 && exp != NULL && isotime_parse(exp, &k->expiration) < 0) {
		cred_keys_free(k);
		r = err_set(err, errlen, "Expiration \"%.64s\" is not an ISO "
		    "8601 time", exp);
	}
	return r < 0 ? -1 : 0;
}

int
cred_full_uri_allowed(const struct http_url *u)
{
	static const char *const hosts[] = {
		"localhost", "::1", "169.254.170.2", "169.254.170.23",
		"fd00:ec2::23",
	};

	if (u->tls)
		return 1;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
		if (strcasecmp(u->host, hosts[i]) == 0)
			return 1;
	/* 127.0.0.0/8, written as a dotted quad */
	if (strncmp(u->host, "127.", 4) == 0 &&
	    strspn(u->host, "0123456789.") == strlen(u->host))
		return 1;
	return 0;
}

int
cred_key_valid(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
cred_region_valid(const char *r)
{
	size_t n = strlen(r);

	return n > 0 && n < 64 && strspn(r, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789-") == n && r[0] != '-' && r[n - 1] != '-';
}

/* ---- files ---- */

static char *
home_dir(void)
{
	const char *h = env_value("HOME");
	char *pw_home;

	if (h != NULL)
		return h[0] != '\0' ? strdup(h) : NULL;
	/* A service may run without HOME. */
	pw_home = acct_user_home(getuid());
	if (pw_home != NULL && pw_home[0] == '\0') {
		free(pw_home);
		pw_home = NULL;
	}
	return pw_home;
}

/* The path of a shared file: the variable, "~/" expanded, else the
 * default under the home directory. NULL: none (or no memory). */
static char *
shared_path(const char *var, const char *dflt)
{
	const char *v = env_value(var);
	char *home, *out = NULL;

	if (v != NULL && strncmp(v, "~/", 2) != 0)
		return strdup(v);
	if ((home = home_dir()) == NULL)
		return v != NULL ? strdup(v) : NULL;
	if (asprintf(&out, "%s/%s", home, v != NULL ? v + 2 : dflt) < 0)
		out = NULL;
	free(home);
	return out;
}

static void
stamp_of(const struct stat *st, struct stamp *s)
{
	s->exists = 1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
}

static int
stamp_changed(const char *path, const struct stamp *old)
{
	struct stat st;
	struct stamp now = { 0 };

	if (path != NULL && stat(path, &st) == 0)
		stamp_of(&st, &now);
	return now.exists != old->exists || (now.exists &&
	    (now.dev != old->dev || now.ino != old->ino ||
	    now.size != old->size || now.mtime.tv_sec != old->mtime.tv_sec ||
	    now.mtime.tv_nsec != old->mtime.tv_nsec));
}

/* Reads a whole shared file. 1: read; 0: absent and not named by `var`
 * (fine); -1: err says why ("VAR=path: reason" when var named it). */
static int
read_file(const char *path, const char *var, char **text, size_t *len,
    struct stamp *stamp, char *err, size_t errlen)
{
	const char *named = env_value(var) != NULL ? var : NULL, *why = NULL;
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	*text = NULL;
	*len = 0;
	memset(stamp, 0, sizeof(*stamp));
	if (path == NULL)
		return 0;
	/* O_NONBLOCK: a FIFO planted there must not hold the open (nor the
	 * read); fstat then refuses what is not a regular file. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) < 0) {
		if (errno == ENOENT && named == NULL)
			return 0;
		why = strerror(errno);
	} else if (fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size > MAX_FILE)
		why = "larger than 1 MiB";
	else if ((*text = malloc((size_t)st.st_size + 1)) == NULL)
		why = "out of memory";
	else
		while (got < (size_t)st.st_size && (n = read(fd, *text + got,
		    (size_t)st.st_size - got)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				why = strerror(errno);
				break;
			}
			got += (size_t)n;
		}
	if (fd >= 0)
		close(fd);
	if (why != NULL) {
		free_secret(*text);
		*text = NULL;
		return err_set(err, errlen, "%s%s%s: %s", named ? named : "",
		    named ? "=" : "", path, why);
	}
	(*text)[got] = '\0';
	*len = got;
	stamp_of(&st, stamp);
	return 1;
}

/* The profile's name and whether the user chose it. */
static const char *
profile_name(int *explicit)
{
	const char *p = env_value("AWS_PROFILE");

	if (p == NULL)
		p = env_value("AWS_DEFAULT_PROFILE");	/* the AWS CLI v1 name */
	*explicit = p != NULL;
	return p != NULL ? p : "default";
}

/* A profile of both shared files; p[0] the credentials file's part. */
struct prof {
	struct cred_profile p[2];
};

static void
prof_free(struct prof *pr)
{
	cred_profile_free(&pr->p[0]);
	cred_profile_free(&pr->p[1]);
}

/* A setting; the credentials file's wins. */
static const char *
prof_get(const struct prof *pr, int i)
{
	return pr->p[0].set[i] ? pr->p[0].set[i] : pr->p[1].set[i];
}

static int
prof_static(const struct prof *pr)
{
	return (pr->p[0].access_key || pr->p[1].access_key) &&
	    (pr->p[0].secret_key || pr->p[1].secret_key);
}

/* The two shared files (0 credentials, 1 config) and the selected
 * profile of them. */
struct shared {
	char *path[2];			/* NULL: no such file */
	char *text[2];			/* NULL: absent */
	size_t len[2];
	struct stamp stamp[2];
	const char *profile;
	int explicit;			/* chosen by AWS_PROFILE */
	struct prof pr;			/* the profile */
};

static void
shared_free(struct shared *s)
{
	for (int i = 0; i < 2; i++) {
		free(s->path[i]);
		free_secret(s->text[i]);
	}
	prof_free(&s->pr);
}

static const char *
shared_name(const struct shared *s, int i)
{
	return s->path[i] ? s->path[i] : i ? "the config file" :
	    "the credentials file";
}

/* Parses the part of profile `name` in file i (kind: see
 * cred_profile_parse) into p. */
static int
prof_parse(const struct shared *s, int i, const char *name, int kind,
    struct cred_profile *p, char *err, size_t errlen)
{
	size_t line;
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (s->text[i] != NULL)
		r = cred_profile_parse(s->text[i], s->len[i], name, kind, p,
		    &line);
	if (r == -1)
		return err_set(err, errlen, "%s line %zu: not a [section], a key "
		    "= value or a comment%s", shared_name(s, i), line, "");
	return r != 0 ? err_set(err, errlen, "out of memory") : 0;
}

/* Reads both files; -1 with err when one is unreadable or broken, or the
 * chosen profile is in neither. */
static int
shared_load(struct shared *s, char *err, size_t errlen)
{
	static const char *const var[2] = { "AWS_SHARED_CREDENTIALS_FILE",
	    "AWS_CONFIG_FILE" };

	memset(s, 0, sizeof(*s));
	s->profile = profile_name(&s->explicit);
	s->path[0] = shared_path(var[0], ".aws/credentials");
	s->path[1] = shared_path(var[1], ".aws/config");
	for (int i = 0; i < 2; i++)
		if (read_file(s->path[i], var[i], &s->text[i], &s->len[i],
		    &s->stamp[i], err, errlen) < 0 || prof_parse(s, i,
		    s->profile, i, &s->pr.p[i], err, errlen) < 0) {
			shared_free(s);
			return -1;
		}
	if (s->explicit && !s->pr.p[0].found && !s->pr.p[1].found) {
		err_set(err, errlen, "profile '%s' (AWS_PROFILE) not found in %s "
		    "or %s", s->profile, s->path[0] ? s->path[0] :
		    "~/.aws/credentials", s->path[1] ? s->path[1] :
		    "~/.aws/config");
		shared_free(s);
		return -1;
	}
	return 0;
}

/* Keys of one profile: 1 found, 0 none, -1 broken (err). */
static int
profile_keys(const struct cred_profile *p, const char *profile,
    const char *path, struct cred_keys *k, char *err, size_t errlen)
{
	static const struct key_names names = { "aws_access_key_id",
	    "aws_secret_access_key", "aws_session_token",
	    "profile '%s' of %s has %s but no %s", "profile '%s' of %s: %s is "
	    "empty or holds a space or a control character" };

	return keys_take(&names, profile, path, p->access_key, p->secret_key,
	    p->token, k, err, errlen);
}

/* The region of the selected profile, the credentials file's first. */
static const char *
shared_region(const struct shared *s)
{
	return s->pr.p[0].region ? s->pr.p[0].region : s->pr.p[1].region;
}

int
cred_profile_region(char **region, char *err, size_t errlen)
{
	struct shared s;
	const char *r;
	int ret = 0;

	*region = NULL;
	if (shared_load(&s, err, errlen) < 0)
		return -1;
	if ((r = shared_region(&s)) != NULL && (*region = strdup(r)) == NULL)
		ret = err_set(err, errlen, "out of memory");
	shared_free(&s);
	return ret;
}

/* ---- the boto files ---- */

/* Python's os.path.expanduser for "~" and "~/...". NULL: no memory. */
static char *
expand_home(const char *p)
{
	char *home, *out = NULL;

	if (p[0] != '~' || (p[1] != '\0' && p[1] != '/') ||
	    (home = home_dir()) == NULL)
		return strdup(p);
	if (asprintf(&out, "%s%s", home, p + 1) < 0)
		out = NULL;
	free(home);
	return out;
}

static int
boto_add_file(struct cred_boto *b, const char *path)
{
	char **f, *p;

	if ((p = expand_home(path)) == NULL)
		return -1;
	if ((f = realloc(b->files, (b->nfiles + 1) * sizeof(*f))) == NULL) {
		free(p);
		return -1;
	}
	b->files = f;
	b->files[b->nfiles++] = p;
	return 0;
}

/* boto/pyami/config.py: BOTO_CONFIG (when set at all) alone; else the
 * BOTO_PATH list; else /etc/boto.cfg then ~/.boto. ConfigParser.read
 * takes them in that order, a later file overriding an earlier one key by
 * key. */
static int
boto_files(struct cred_boto *b, const char **var)
{
	const char *one = getenv("BOTO_CONFIG"), *list = getenv("BOTO_PATH");

	*var = NULL;
	if (one != NULL) {
		*var = "BOTO_CONFIG";
		return one[0] != '\0' ? boto_add_file(b, one) : 0;
	}
	if (list != NULL) {
		*var = "BOTO_PATH";
		for (const char *p = list; *p != '\0'; ) {
			size_t n = strcspn(p, ":");
			char *elem;
			int r;

			if (n > 0) {
				if ((elem = str_ndup(p, n)) == NULL)
					return -1;
				r = boto_add_file(b, elem);
				free(elem);
				if (r < 0)
					return -1;
			}
			p += n + (p[n] == ':');
		}
		return 0;
	}
	if (boto_add_file(b, "/etc/boto.cfg") < 0 ||
	    boto_add_file(b, "~/.boto") < 0)
		return -1;
	return 0;
}

int
cred_boto_load(struct cred_boto *b, char *err, size_t errlen)
{
	const char *var;
	struct stamp st;
	char *text;
	size_t len, line;
	int r;

	memset(b, 0, sizeof(*b));
	if (boto_files(b, &var) < 0) {
		cred_boto_free(b);
		return err_set(err, errlen, "out of memory");
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *path = b->files[i];
		struct stat sb;

		/* boto passed over what it could not open: a file of another
		 * user, a directory (older boto kept ~/.boto/boto.cfg). A file
		 * named by a variable is read_file's to refuse. */
		if (var == NULL && access(path, R_OK) < 0 && errno == EACCES) {
			log_debug("%s is not readable by this user: skipped, as "
			    "boto skipped it", path);
			continue;
		}
		if (var == NULL && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			log_debug("%s is a directory: skipped, as boto skipped it",
			    path);
			continue;
		}
		/* The default paths are looked up under an unset name. */
		if ((r = read_file(path, var ? var : "BOTO_CONFIG", &text, &len,
		    &st, err, errlen)) < 0) {
			cred_boto_free(b);
			return -1;
		}
		if (r == 0)
			continue;
		r = cred_boto_parse(text, len, path, b, &line);
		free_secret(text);
		if (r != 0) {
			if (r == -1)
				err_set(err, errlen, "%s line %zu: not a [section], "
				    "a key = value or a comment%s", path, line,
				    " (boto configuration)");
			else
				err_set(err, errlen, "out of memory");
			cred_boto_free(b);
			return -1;
		}
	}
	return 0;
}

/* ---- HTTP to the services that hand out keys ---- */

struct answer {
	int status;
	char *body;
	size_t len;
};

static void
answer_free(struct answer *a)
{
	free_secret(a->body);
	a->body = NULL;
}

/* What the Host header of a request to u says. */
static void
host_value(const struct http_url *u, char out[272])
{
	int v6 = strchr(u->host, ':') != NULL;
	int dflt = strcmp(u->port, u->tls ? "443" : "80") == 0;

	/* host < 256, port < 8: fits */
	(void)snprintf(out, 272, "%s%s%s%s%s", v6 ? "[" : "", u->host,
	    v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : u->port);
}

/* One request, "Connection: close", stopped by the chain's cancel_fd. 0
 * with a->status, or -1 (err) when no answer came. */
static int
http_once(struct cred_chain *ch, const struct http_url *u,
    const char *method, const char *path, const char *headers,
    const char *body, int timeout_ms, struct answer *a, char *err,
    size_t errlen)
{
	struct http_conn *conn;
	struct http_response resp;
	char *req = NULL, host[272], cl[40] = "";
	int n, r = -1;

	memset(a, 0, sizeof(*a));
	memset(&resp, 0, sizeof(resp));
	if (u->tls && ch->anchors == NULL)
		return err_set(err, errlen, "https needs a CA bundle (an https "
		    "--endpoint)");
	if (body == NULL && strcmp(method, "PUT") == 0)
		body = "";
	host_value(u, host);
	if (body != NULL)	/* fits: 20 digits at most */
		(void)snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n",
		    strlen(body));
	n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\n%s"
	    "User-Agent: tablesnap/" TABLESNAP_VERSION "\r\n"
	    "%sConnection: close\r\n\r\n%s", method, path, host, headers, cl,
	    body ? body : "");
	if (n < 0 || (conn = http_conn_new(u->tls ? ch->anchors :
	    NULL)) == NULL) {
		if (n >= 0)
			free_secret(req);
		return err_set(err, errlen, "out of memory");
	}
	http_conn_set_cancel(conn, ch->cancel_fd);
	/* A service that drips its answer gets no more than twice the
	 * timeout for the whole request. */
	http_conn_set_deadline(conn, http_now_ms() + 2LL * timeout_ms);
	if (http_conn_open(conn, u->host, u->port, NULL, timeout_ms) == 0) {
		http_conn_set_timeout(conn, timeout_ms);
		if (http_write(conn, req, (size_t)n) == 0 &&
		    http_flush(conn) == 0 &&
		    http_read_head(conn, &resp, 0) == 0 &&
		    http_read_body_all(conn, &resp, &a->body, &a->len,
		    MAX_ANSWER) == 0) {
			a->status = resp.status;
			r = 0;
		}
	}
	if (r < 0)
		err_set(err, errlen, "%s", http_error(conn));
	free_secret(req);	/* it may hold a token */
	http_response_free(&resp);
	http_conn_free(conn);
	return r;
}

/* http_once up to `tries` times, after a failure or a 5xx, with a
 * growing pause between. */
static int
http_tries(struct cred_chain *ch, const struct http_url *u,
    const char *method, const char *path, const char *headers,
    const char *body, int timeout_ms, int tries, struct answer *a,
    char *err, size_t errlen)
{
	int r = -1;

	for (int i = 0; i < tries && r < 0; i++) {
		if (http_fd_cancelled(ch->cancel_fd) || (i > 0 &&
		    http_sleep(ch->cancel_fd, 100 << (i - 1)) < 0))
			return err_set(err, errlen, "cancelled: the program is "
			    "stopping");
		r = http_once(ch, u, method, path, headers, body, timeout_ms,
		    a, err, errlen);
		/* A 5xx is worth another try too. */
		if (r == 0 && a->status >= 500 && i + 1 < tries) {
			err_set(err, errlen, "HTTP %d", a->status);
			answer_free(a);
			r = -1;
		}
	}
	return r;
}

/* How the answer of a service that hands out keys reads. */
struct service {
	int (*parse)(const char *, size_t, struct cred_keys *, char *,
	    size_t);
	int timeout_ms;
	const char *status_fmt;		/* an answer other than 200 */
	const char *refused_fmt;	/* 401 and 403; NULL: status_fmt */
};

static const struct service container_svc = { cred_parse_json,
	CONTAINER_TIMEOUT_MS, "HTTP %d", NULL };
static const struct service sts_svc = { sts_parse_answer, STS_TIMEOUT_MS,
	"HTTP %d", NULL };
static const struct service sso_svc = { sts_parse_sso_role,
	STS_TIMEOUT_MS, "the SSO portal answered HTTP %d", "the SSO portal "
	"refused the token (HTTP %d): run aws sso login" };

/* One request to a service at s->url (path NULL: the URL's) and the
 * keys of its answer. */
static int
ask(struct cred_chain *ch, struct source *s, const struct service *sv,
    const char *method, const char *path, const char *headers,
    const char *body, int tries, struct cred_keys *k, char *err,
    size_t errlen)
{
	struct answer a;
	int r = -1;

	if (http_tries(ch, &s->url, method, path ? path : s->url.path,
	    headers, body, sv->timeout_ms, tries, &a, err, errlen) < 0)
		return -1;
	/* STS says in its answer why it refused ("Code: Message"). */
	if (a.status == 200 || sv == &sts_svc)
		r = sv->parse(a.body, a.len, k, err, errlen);
	if (r < 0 && a.status != 200 && (sv != &sts_svc ||
	    strncmp(err, "no Cred", 7) == 0))
		err_set(err, errlen, (a.status == 401 || a.status == 403) &&
		    sv->refused_fmt ? sv->refused_fmt : sv->status_fmt,
		    a.status);
	answer_free(&a);
	return r;
}

/* A token file read again at every fetch (the agent or the cluster
 * rotates it), without its trailing white space. NULL with err. */
static char *
read_token(const char *path, const char *var, size_t *len, char *err,
    size_t errlen)
{
	struct stamp st;
	char *tok;
	int r = read_file(path, var, &tok, len, &st, err, errlen);

	if (r == 0)
		err_set(err, errlen, "%s: %s", path, strerror(ENOENT));
	if (r <= 0)
		return NULL;
	while (*len > 0 && strchr(" \t\r\n", tok[*len - 1]) != NULL)
		tok[--*len] = '\0';
	return tok;
}

/* ---- container credentials ---- */

static int
container_fetch(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	const char *file = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = env_value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char *text = NULL, *auth = NULL;
	size_t len;
	int r = -1;

	if (file != NULL && (tok = text = read_token(file,
	    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", &len, err,
	    errlen)) == NULL)
		return -1;
	if (tok != NULL && strpbrk(tok, "\r\n") != NULL)
		err_set(err, errlen, "the container authorization token has a "
		    "line break");
	else if (asprintf(&auth, "%s%s%s", tok ? "Authorization: " : "",
	    tok ? tok : "", tok ? "\r\n" : "") < 0) {
		auth = NULL;
		err_set(err, errlen, "out of memory");
	} else
		r = ask(ch, s, &container_svc, "GET", NULL, auth, NULL, tries,
		    k, err, errlen);
	free_secret(auth);
	free_secret(text);
	return r;
}

/* ---- EC2 instance metadata (IMDSv2) ---- */

static int
imds_token(struct cred_chain *ch, struct source *s, int tries, char *err,
    size_t errlen)
{
	struct answer a;
	char path[1100];
	time_t now = time(NULL);

	if (s->imds_v1 || (s->imds_token != NULL &&
	    now < s->imds_token_until))
		return 0;
	free_secret(s->imds_token);
	s->imds_token = NULL;
	/* url.path is shorter than 1024: it cannot be cut short. */
	if (snprintf(path, sizeof(path), "%s/latest/api/token", s->url.path) >=
	    (int)sizeof(path))
		return err_set(err, errlen, "metadata service path too long");
	if (http_tries(ch, &s->url, "PUT", path, "X-aws-ec2-metadata-token-"
	    "ttl-seconds: " STR(IMDS_TOKEN_TTL) "\r\n", NULL, IMDS_TIMEOUT_MS,
	    tries, &a, err, errlen) < 0)
		return -1;
	if (a.status == 200 && a.len > 0 && a.len < 4096 &&
	    strlen(a.body) == a.len && strpbrk(a.body, "\r\n") == NULL) {
		s->imds_token = a.body;
		/* Renewed a minute before its end. */
		s->imds_token_until = now + IMDS_TOKEN_TTL - 60;
		return 0;
	}
	answer_free(&a);
	if ((a.status == 403 || a.status == 404 || a.status == 405) &&
	    !env_true("AWS_EC2_METADATA_V1_DISABLED")) {
		s->imds_v1 = 1;	/* IMDSv1, as the SDKs fall back */
		return 0;
	}
	return err_set(err, errlen, "token request answered HTTP %d",
	    a.status);
}

/* A GET of the credentials' path and then some, with the session token;
 * 1 when the token was refused. */
static int
imds_get(struct cred_chain *ch, struct source *s, const char *role,
    int tries, struct answer *a, char *err, size_t errlen)
{
	char *hdr = NULL, *path = NULL;
	int r = -1;

	if ((s->imds_token != NULL && asprintf(&hdr,
	    "X-aws-ec2-metadata-token: %s\r\n", s->imds_token) < 0) ||
	    asprintf(&path, "%s/latest/meta-data/iam/security-credentials/%s",
	    s->url.path, role) < 0) {
		free_secret(hdr);
		return err_set(err, errlen, "out of memory");
	}
	r = http_tries(ch, &s->url, "GET", path, hdr ? hdr : "", NULL,
	    IMDS_TIMEOUT_MS, tries, a, err, errlen);
	free_secret(hdr);
	free(path);
	if (r == 0 && a->status == 401 && s->imds_token != NULL) {
		answer_free(a);
		free_secret(s->imds_token);
		s->imds_token = NULL;
		return 1;
	}
	return r;
}

static int
imds_fetch_once(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	struct answer a;
	char role[256];
	size_t n = 0;
	int r;

	if (imds_token(ch, s, tries, err, errlen) < 0)
		return -1;
	if ((r = imds_get(ch, s, "", tries, &a, err, errlen)) != 0)
		return r;
	/* The first line; a role name is [\w+=,.@-]. */
	if (a.status == 404)
		err_set(err, errlen, "no IAM role is attached to this instance");
	else if (a.status != 200)
		err_set(err, errlen, "role name request answered HTTP %d",
		    a.status);
	else if ((n = strcspn(a.body, "\r\n")) == 0 || n >= sizeof(role) ||
	    strspn(a.body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_+=,.@-") < n)
		err_set(err, errlen, "the role name answer is not a role name");
	else {
		memcpy(role, a.body, n);
		role[n] = '\0';
		r = 1;
	}
	answer_free(&a);
	if (r != 1)
		return -1;
	if ((r = imds_get(ch, s, role, tries, &a, err, errlen)) != 0)
		return r;
	if (a.status != 200)
		r = err_set(err, errlen, "credentials of role %s: HTTP %d", role,
		    a.status);
	else
		r = cred_parse_json(a.body, a.len, k, err, errlen);
	answer_free(&a);
	return r;
}

static int
imds_fetch(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	int r;

	/* A refused session token (401) is fetched anew, once. */
	if ((r = imds_fetch_once(ch, s, tries, k, err, errlen)) == 1 &&
	    (r = imds_fetch_once(ch, s, tries, k, err, errlen)) == 1)
		return err_set(err, errlen, "the session token was refused");
	return r;
}

/* ---- STS, SSO and credential_process ---- */

/* Appends "&name=value" (the first without '&'), the value form-encoded. */
static void
form_add(struct buf *b, const char *name, const char *value)
{
	char *v;

	if (value == NULL)
		return;
	if ((v = uri_encode(value, strlen(value), 0)) == NULL) {
		b->failed = 1;
		return;
	}
	buf_printf(b, "%s%s=%s", b->len > 0 ? "&" : "", name, v);
	free_secret(v);
}

/* AssumeRole, signed with the keys of s->base, or (base NULL)
 * AssumeRoleWithWebIdentity with the token of s->token_file. */
static int
sts_fetch(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	static const char ctype[] = "application/x-www-form-urlencoded; "
	    "charset=utf-8";
	struct buf form = { 0 };
	struct cred_keys bk = { 0 };
	struct sigv4_header h[4];
	char date[17], hash[65], host[272], *auth = NULL, *hdr = NULL;
	char *tok = NULL, *body = NULL;
	size_t len;
	int r = -1;

	if (s->base != NULL) {
		if (fetch_source(ch, s->base, &bk, tries, err, errlen) < 0)
			return -1;
	} else if ((tok = read_token(s->token_file,
	    "AWS_WEB_IDENTITY_TOKEN_FILE", &len, err, errlen)) == NULL)
		return -1;
	else if (len == 0 || strlen(tok) != len) {
		free_secret(tok);
		return err_set(err, errlen, "%s holds no token", s->token_file);
	}
	form_add(&form, "Action", tok ? "AssumeRoleWithWebIdentity" :
	    "AssumeRole");
	if (tok == NULL) {
		form_add(&form, "DurationSeconds", s->duration);
		form_add(&form, "ExternalId", s->external_id);
	}
	form_add(&form, "RoleArn", s->role_arn);
	form_add(&form, "RoleSessionName", s->session);
	form_add(&form, "Version", "2011-06-15");
	form_add(&form, "WebIdentityToken", tok);
	free_secret(tok);
	if ((body = buf_take(&form)) == NULL)
		goto nomem;
	if (s->base != NULL) {
		sigv4_amz_date(time(NULL), date);
		host_value(&s->url, host);
		sigv4_sha256_hex(body, strlen(body), hash);
		h[0] = (struct sigv4_header){ "content-type", ctype };
		h[1] = (struct sigv4_header){ "host", host };
		h[2] = (struct sigv4_header){ "x-amz-date", date };
		h[3] = (struct sigv4_header){ "x-amz-security-token", bk.token };
		auth = sigv4_authorization(&(struct sigv4_request){
		    .method = "POST", .canonical_uri = s->url.path,
		    .query = "", .headers = h, .nheaders = bk.token ? 4 : 3,
		    .payload_hash = hash, .amz_date = date,
		    .region = s->region, .service = "sts",
		    .access_key = bk.access_key, .secret_key = bk.secret_key });
		if (auth == NULL)
			goto nomem;
	}
	if (asprintf(&hdr, "Content-Type: %s\r\n%s%s%s%s%s%s%s%s%s", ctype,
	    auth ? "X-Amz-Date: " : "", auth ? date : "", auth ? "\r\n" : "",
	    bk.token ? "X-Amz-Security-Token: " : "", bk.token ? bk.token : "",
	    bk.token ? "\r\n" : "", auth ? "Authorization: " : "",
	    auth ? auth : "", auth ? "\r\n" : "") < 0) {
		hdr = NULL;
		goto nomem;
	}
	r = ask(ch, s, &sts_svc, "POST", NULL, hdr, body, tries, k, err,
	    errlen);
	goto out;
nomem:
	err_set(err, errlen, "out of memory");
out:
	free_secret(auth);
	free_secret(hdr);
	free_secret(body);
	cred_keys_free(&bk);
	return r;
}

/* Starts argv (PATH searched, no shell) with stdin /dev/null, stdout on
 * out and stderr on err. vfork: the child only moves descriptors and
 * execs (or says why not on its stderr and exits 127). */
static pid_t __attribute__((noinline))
spawn(char **argv, int out, int err)
{
	pid_t pid = vfork();
	int fd;

	if (pid != 0)
		return pid;
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && dup2(fd, 0) == 0 && dup2(out, 1) == 1 &&
	    dup2(err, 2) == 2)
		execvp(argv[0], argv);
	fd = errno;
	(void)!write(2, strerror(fd), strlen(strerror(fd)));
	_exit(127);
}

/* Runs the credential_process: its output into *out, its stderr to the
 * log. 0, or -1 with err. */
static int
process_run(struct cred_chain *ch, struct source *s, char **out,
    char *err, size_t errlen)
{
	struct buf o = { 0 }, e = { 0 };
	struct pollfd pf[3] = { { .fd = -1 }, { .fd = -1 }, { .fd = -1 } };
	int po[2], pe[2], st, open_fds = 2;
	long long end = http_now_ms() + PROCESS_MS;
	pid_t pid = -1;
	char chunk[4096];

	*out = NULL;
	if (pipe2(po, O_CLOEXEC) == 0) {
		if (pipe2(pe, O_CLOEXEC) == 0) {
			pid = spawn(s->argv, po[1], pe[1]);
			pf[1].fd = pe[0];
			close(pe[1]);
		}
		pf[0].fd = po[0];
		close(po[1]);
	}
	if (pid < 0) {
		err_set(err, errlen, "cannot run %s: %s", s->argv[0],
		    strerror(errno));
		goto out;
	}
	pf[0].events = pf[1].events = pf[2].events = POLLIN;
	pf[2].fd = ch->cancel_fd > 0 ? ch->cancel_fd : -1;
	while (open_fds > 0 && o.len <= MAX_ANSWER && e.len <= MAX_ANSWER) {
		long long left = end - http_now_ms();
		int n = left > 0 ? poll(pf, 3, (int)left) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || pf[2].revents != 0)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t got;

			if (pf[i].revents == 0)
				continue;
			got = read(pf[i].fd, chunk, sizeof(chunk));
			if (got > 0)
				buf_add(i ? &e : &o, chunk, (size_t)got);
			else if (got == 0 || errno != EINTR) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
			}
		}
	}
	if (open_fds > 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	for (char *l = e.data, *nl; l != NULL && *l != '\0'; l = nl) {
		nl = l + strcspn(l, "\n");
		if (*nl != '\0')
			*nl++ = '\0';
		if (*l != '\0')
			log_info("credential_process: %s", l);
	}
	if (open_fds > 0)
		err_set(err, errlen, "%s took over %d s or said too much",
		    s->argv[0], PROCESS_MS / 1000);
	else if (WIFSIGNALED(st))
		err_set(err, errlen, "%s was killed by signal %d", s->argv[0],
		    WTERMSIG(st));
	else if (WEXITSTATUS(st) != 0)
		err_set(err, errlen, "%s failed with exit status %d", s->argv[0],
		    WEXITSTATUS(st));
	else if ((*out = buf_take(&o)) == NULL)
		err_set(err, errlen, "out of memory");
out:
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	if (o.data != NULL)
		explicit_bzero(o.data, o.len);
	buf_free(&o);
	buf_free(&e);
	return *out != NULL ? 0 : -1;
}

static int
process_fetch(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	char *text;
	int r;

	(void)tries;		/* run once: a helper may ask for a touch */
	if (process_run(ch, s, &text, err, errlen) < 0)
		return -1;
	r = sts_parse_process(text, strlen(text), k, err, errlen);
	free_secret(text);
	return r;
}

/* The token `aws sso login` left in ~/.aws/sso/cache, then the portal's
 * GetRoleCredentials. */
static int
sso_fetch(struct cred_chain *ch, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	char name[STS_SSO_NAME_LEN], *home = home_dir(), *path = NULL;
	char *text = NULL, *tok = NULL, *hdr = NULL, *get = NULL, *acct, *role;
	char why[200];
	struct stamp st;
	size_t len;
	time_t exp;
	int r = -1;

	sts_sso_cache_name(s->sso_key, name);
	acct = uri_encode(s->sso_account, strlen(s->sso_account), 0);
	role = uri_encode(s->sso_role, strlen(s->sso_role), 0);
	if (home == NULL || acct == NULL || role == NULL ||
	    asprintf(&path, "%s/.aws/sso/cache/%s", home, name) < 0) {
		path = NULL;
		err_set(err, errlen, "no home directory");
	} else if ((r = read_file(path, "", &text, &len, &st, err,
	    errlen)) <= 0) {
		if (r == 0)
			err_set(err, errlen, "no SSO token for %s in %s: run aws "
			    "sso login", s->sso_key, path);
		r = -1;
	} else if ((r = sts_parse_sso_token(text, len, &tok, &exp, why,
	    sizeof(why))) < 0)
		err_set(err, errlen, "%s: %s (run aws sso login)", path, why);
	else if (exp <= time(NULL))
		r = err_set(err, errlen, "the SSO token for %s has expired: run "
		    "aws sso login", s->sso_key);
	else if (asprintf(&hdr, "x-amz-sso_bearer_token: %s\r\n", tok) < 0 ||
	    asprintf(&get, "%s/federation/credentials?account_id=%s&"
	    "role_name=%s", strcmp(s->url.path, "/") ? s->url.path : "", acct,
	    role) < 0)
		r = err_set(err, errlen, "out of memory");
	else
		r = ask(ch, s, &sso_svc, "GET", get, hdr, NULL, tries, k, err,
		    errlen);
	free(home);
	free(path);
	free(get);
	free(acct);
	free(role);
	free_secret(text);
	free_secret(tok);
	free_secret(hdr);
	return r;
}

/* ---- the chain ---- */

/* A source described by fmt; NULL with "out of memory" in err. */
static struct source * __attribute__((format(printf, 4, 5)))
source_new(enum kind kind, char *err, size_t errlen, const char *fmt, ...)
{
	struct source *s = calloc(1, sizeof(*s));
	va_list ap;
	int n = -1;

	if (s != NULL) {
		s->kind = kind;
		va_start(ap, fmt);
		n = vasprintf(&s->desc, fmt, ap);
		va_end(ap);
	}
	if (n < 0) {
		free(s);
		s = NULL;
		err_set(err, errlen, "out of memory");
	}
	return s;
}

static void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	free(s->desc);
	free(s->path[0]);
	free(s->path[1]);
	free(s->profile);
	free_secret(s->imds_token);
	source_free(s->base);
	cred_keys_free(&s->keys);
	for (int i = 0; i < 4; i++)
		free(s->f[i]);
	sts_argv_free(s->argv);
	free(s);
}

/* Static keys, from the command line or the environment. */
static int
walk_static(struct cred_chain *ch, struct source **src, struct cred_keys *k,
    char *err, size_t errlen)
{
	struct key_names n = { "-k", "-s", "--aws-token",
	    "incomplete credentials %s%s: %s without %s",
	    "credentials %s%s: %s holds a space or a control character (a "
	    "line break copied with it?)" };
	const char *ak = ch->arg_ak, *sk = ch->arg_sk, *tk = ch->arg_tk;
	const char *exp = NULL;
	int env = ak == NULL && sk == NULL, r;

	if (env) {
		ak = env_value(n.ak = "AWS_ACCESS_KEY_ID");
		sk = env_value(n.sk = "AWS_SECRET_ACCESS_KEY");
		/* botocore's order; the original read only the first. */
		if (tk == NULL && (tk = env_value("AWS_SECURITY_TOKEN")) != NULL)
			n.tk = "AWS_SECURITY_TOKEN";
		if (tk == NULL && (tk = env_value("AWS_SESSION_TOKEN")) != NULL)
			n.tk = "AWS_SESSION_TOKEN";
		exp = env_value("AWS_CREDENTIAL_EXPIRATION");
	}
	if ((r = keys_take(&n, env ? "in the environment" :
	    "on the command line", "", ak, sk, tk, k, err, errlen)) <= 0)
		return r;
	if (exp != NULL && isotime_parse(exp, &k->expiration) < 0)
		return err_set(err, errlen, "AWS_CREDENTIAL_EXPIRATION '%.64s' is "
		    "not an ISO 8601 time", exp);
	*src = source_new(env ? SRC_ENV : SRC_ARGS, err, errlen, "%s", env ?
	    "the environment (AWS_ACCESS_KEY_ID)" : "the command line (-k/-s)");
	return *src != NULL ? 1 : -1;
}

/* The original's keys: [Credentials] of boto's files, read where boto read
 * them (after the environment and ~/.aws, before container and instance
 * credentials). Not refreshed by themselves: SIGHUP reads them again. */
static int
walk_boto(struct source **src, struct cred_keys *k, char *err,
    size_t errlen)
{
	static const struct key_names names = { "aws_access_key_id",
	    "aws_secret_access_key", "aws_security_token",
	    "%s%s: [Credentials] has %s but no %s", "%s%s: [Credentials] %s "
	    "is empty or holds a space or a control character" };
	struct cred_boto b;
	const char *file;
	int r;

	if (cred_boto_load(&b, err, errlen) < 0)
		return -1;
	file = b.ak.file ? b.ak.file : b.sk.file;
	if ((r = keys_take(&names, file, "", b.ak.v, b.sk.v, b.tk.v, k, err,
	    errlen)) == 1 && (*src = source_new(SRC_BOTO, err, errlen,
	    "the boto config %s", file)) == NULL)
		r = -1;
	cred_boto_free(&b);
	return r;
}

/* The container-credentials URL, or 0 when the variables are not set. */
static int
container_source(struct source **src, char *err, size_t errlen)
{
	const char *rel = env_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env_value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char *url = NULL;
	struct http_url u;

	if (rel == NULL && full == NULL)
		return 0;
	if (rel != NULL && asprintf(&url, "%s%s%s", ECS_AGENT,
	    rel[0] == '/' ? "" : "/", rel) < 0) {
		err_set(err, errlen, "out of memory");
		return -1;
	}
	if (http_parse_url(url ? url : full, &u) < 0) {
		err_set(err, errlen, "%s: '%s' is not an http(s) URL", rel ?
		    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" :
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI", url ? url : full);
		free(url);
		return -1;
	}
	if (rel == NULL && !cred_full_uri_allowed(&u)) {
		err_set(err, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI: http is "
		    "only allowed to loopback, 169.254.170.2 or 169.254.170.23 "
		    "(%s)", u.host);
		return -1;
	}
	*src = source_new(SRC_CONTAINER, err, errlen, "container credentials "
	    "at %s", url ? url : full);
	free(url);
	if (*src == NULL)
		return -1;
	(*src)->url = u;
	return 1;
}

static int
imds_source(struct source **src, char *err, size_t errlen)
{
	const char *base = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env_value("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	struct http_url u;
	size_t n;

	if (base == NULL)
		base = mode != NULL && strcasecmp(mode, "IPv6") == 0 ?
		    IMDS_V6 : IMDS_V4;
	if (http_parse_url(base, &u) < 0 || u.tls) {
		err_set(err, errlen, "AWS_EC2_METADATA_SERVICE_ENDPOINT: '%s' is "
		    "not an http URL", base);
		return -1;
	}
	/* The base's path is a prefix: without its final '/'. */
	n = strlen(u.path);
	while (n > 0 && u.path[n - 1] == '/')
		u.path[--n] = '\0';
	if ((*src = source_new(SRC_IMDS, err, errlen, "EC2 instance metadata "
	    "at %s", base)) == NULL)
		return -1;
	(*src)->url = u;
	return 1;
}

/* ---- the profiles' plan: which source, from the files' texts ---- */

struct plan {
	struct shared *sh;		/* texts and paths of the files */
	const char *region;		/* for STS; NULL: the global one */
	const char *visited[MAX_CHAIN];
	size_t nvisited;
	char *err;
	size_t errlen;
};

/* The parts of profile `name` (kind 1) or of sso-session `name` (kind 2,
 * the config file only). */
static int
prof_load(struct plan *pc, const char *name, int kind, struct prof *pr)
{
	memset(pr, 0, sizeof(*pr));
	for (int i = kind - 1; i < 2; i++)
		if (prof_parse(pc->sh, i, name, i == 0 ? 0 : kind, &pr->p[i],
		    pc->err, pc->errlen) < 0) {
			prof_free(pr);
			return -1;
		}
	return 0;
}

static int
sts_legacy(const char *r)
{
	static const char legacy[] = " ap-northeast-1 ap-south-1 "
	    "ap-southeast-1 ap-southeast-2 aws-global ca-central-1 "
	    "eu-central-1 eu-north-1 eu-west-1 eu-west-2 eu-west-3 sa-east-1 "
	    "us-east-1 us-east-2 us-west-1 us-west-2 ";
	const char *p = strstr(legacy, r);

	return p != NULL && p[-1] == ' ' && p[strlen(r)] == ' ';
}

/* Where a profile's STS (or SSO portal: sso) is, into s->url and
 * s->region. */
static int
plan_endpoint(struct plan *pc, const struct prof *pr, struct source *s,
    const char *sso_region)
{
	const char *var = sso_region ? "AWS_ENDPOINT_URL_SSO" :
	    "AWS_ENDPOINT_URL_STS", *u = env_value(var);
	const char *reg = sso_region ? sso_region : pc->region, *how;
	char host[128];

	if (u == NULL && (u = env_value(var = "AWS_ENDPOINT_URL")) == NULL)
		u = prof_get(pr, CS_ENDPOINT_URL), var = "endpoint_url";
	if (env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
		u = NULL;
	if (reg != NULL && !cred_region_valid(reg))
		return err_set(pc->err, pc->errlen, "'%s' is not a region name",
		    reg);
	how = env_value("AWS_STS_REGIONAL_ENDPOINTS");
	if (how == NULL)
		how = prof_get(pr, CS_STS_REGIONAL_ENDPOINTS);
	if (!sso_region && (reg == NULL || (how != NULL &&
	    strcmp(how, "legacy") == 0 && sts_legacy(reg))))
		reg = NULL;
	(void)snprintf(s->region, sizeof(s->region), "%s", reg ? reg :
	    "us-east-1");		/* a valid region name fits */
	if (u == NULL) {
		if (reg == NULL)
			(void)snprintf(host, sizeof(host),
			    "https://sts.amazonaws.com");
		else
			(void)snprintf(host, sizeof(host), "https://%s.%s."
			    "amazonaws.com", sso_region ? "portal.sso" : "sts",
			    reg);
		u = host;
		var = "the endpoint";
	}
	if (http_parse_url(u, &s->url) < 0)
		return err_set(pc->err, pc->errlen, "%s: '%s' is not an http(s) "
		    "URL", var, u);
	return 0;
}

static int plan_source(struct plan *, const char *, const char *,
    struct source **);

/* Completes a source of STS (sso_region NULL) or of the SSO portal (s
 * NULL: source_new failed): the settings it needs (NULL: not set; a role
 * session without a name gets "tablesnap-<time>") and its endpoint. 1
 * with *out, or -1 with s freed. */
static int
plan_finish(struct plan *pc, const struct prof *pr, struct source *s,
    const char *const f[4], const char *sso_region, struct source **out)
{
	char dflt[40];

	(void)snprintf(dflt, sizeof(dflt), "tablesnap-%lld",
	    (long long)time(NULL));
	for (int i = 0; s != NULL && i < 4; i++)
		if ((f[i] != NULL || i == 1) && (s->f[i] = strdup(f[i] ? f[i] :
		    dflt)) == NULL) {
			err_set(pc->err, pc->errlen, "out of memory");
			goto fail;
		}
	if (s != NULL && plan_endpoint(pc, pr, s, sso_region) == 0) {
		*out = s;
		return 1;
	}
fail:
	source_free(s);
	return -1;
}

static int
plan_role(struct plan *pc, const char *name, const struct prof *pr,
    struct source **out)
{
	const char *sp = prof_get(pr, CS_SOURCE_PROFILE);
	const char *cs = prof_get(pr, CS_CREDENTIAL_SOURCE);
	const char *d = prof_get(pr, CS_DURATION_SECONDS);
	const char *sn = prof_get(pr, CS_ROLE_SESSION_NAME);
	struct source *s, *base = NULL;

	if (pc->nvisited == MAX_CHAIN)
		return err_set(pc->err, pc->errlen, "profile '%s': more than %d "
		    "profiles in its source_profile chain", name, MAX_CHAIN);
	pc->visited[pc->nvisited++] = name;
	if (prof_get(pr, CS_MFA_SERIAL) != NULL)
		return err_set(pc->err, pc->errlen, "profile '%s' has mfa_serial: "
		    "tablesnap cannot ask for an MFA code", name);
	if ((sp != NULL) == (cs != NULL))
		return err_set(pc->err, pc->errlen, "profile '%s' has role_arn "
		    "and needs %s source_profile or credential_source", name,
		    sp ? "only one of" : "either");
	if (d != NULL && (strspn(d, "0123456789") != strlen(d) ||
	    strlen(d) > 5 || atoi(d) < 900))
		return err_set(pc->err, pc->errlen, "profile '%s': "
		    "duration_seconds '%s' is not 900 to 43200", name, d);
	if (sp != NULL) {
		if (plan_source(pc, sp, name, &base) < 0)
			return -1;
	} else if (strcmp(cs, "Environment") == 0) {
		if ((base = source_new(SRC_STATIC, pc->err, pc->errlen,
		    "the environment")) != NULL && cred_keys_fill(&base->keys,
		    env_value("AWS_ACCESS_KEY_ID"),
		    env_value("AWS_SECRET_ACCESS_KEY"),
		    env_value("AWS_SESSION_TOKEN"), NULL, pc->err,
		    pc->errlen) < 0)
			err_set(pc->err, pc->errlen, "profile '%s': "
			    "credential_source Environment without keys there",
			    name);
	} else if (strcmp(cs, "Ec2InstanceMetadata") == 0) {
		(void)imds_source(&base, pc->err, pc->errlen);
	} else if (strcmp(cs, "EcsContainer") == 0) {
		if (container_source(&base, pc->err, pc->errlen) == 0)
			err_set(pc->err, pc->errlen, "profile '%s': "
			    "credential_source EcsContainer without "
			    "AWS_CONTAINER_CREDENTIALS_*_URI", name);
	} else
		return err_set(pc->err, pc->errlen, "profile '%s': "
		    "credential_source '%s' is none of Environment, "
		    "Ec2InstanceMetadata, EcsContainer", name, cs);
	if (base == NULL || (base->kind == SRC_STATIC &&
	    base->keys.access_key == NULL)) {
		source_free(base);
		return -1;
	}
	if ((s = source_new(SRC_ROLE, pc->err, pc->errlen, "role %s of "
	    "profile '%s', source %s", prof_get(pr, CS_ROLE_ARN), name,
	    base->desc)) == NULL) {
		source_free(base);
		return -1;
	}
	s->base = base;
	return plan_finish(pc, pr, s, (const char *[4]){ prof_get(pr,
	    CS_ROLE_ARN), sn, prof_get(pr, CS_EXTERNAL_ID), d }, NULL, out);
}

/* SSO of a profile (sso_session and its [sso-session], or the legacy
 * sso_start_url): 1 with *out, or -1. */
static int
plan_sso(struct plan *pc, const char *name, const struct prof *pr,
    struct source **out)
{
	const char *sess = prof_get(pr, CS_SSO_SESSION);
	const char *url = prof_get(pr, CS_SSO_START_URL);
	const char *reg = prof_get(pr, CS_SSO_REGION);
	const char *acct = prof_get(pr, CS_SSO_ACCOUNT_ID);
	const char *role = prof_get(pr, CS_SSO_ROLE_NAME), *missing;
	struct prof ss = { 0 };
	int r;

	if (sess != NULL && prof_load(pc, sess, 2, &ss) < 0)
		return -1;
	if (url == NULL)
		url = prof_get(&ss, CS_SSO_START_URL);
	if (prof_get(&ss, CS_SSO_REGION) != NULL)
		reg = prof_get(&ss, CS_SSO_REGION);
	missing = url == NULL ? "sso_start_url" : reg == NULL ? "sso_region" :
	    acct == NULL ? "sso_account_id" : role == NULL ? "sso_role_name" :
	    NULL;
	if (sess != NULL && !ss.p[1].found)
		r = err_set(pc->err, pc->errlen, "profile '%s': sso_session '%s' "
		    "has no [sso-session %s] in %s", name, sess, sess,
		    shared_name(pc->sh, 1));
	else if (missing != NULL)
		r = err_set(pc->err, pc->errlen, "profile '%s' uses SSO but has "
		    "no %s", name, missing);
	else
		r = plan_finish(pc, pr, source_new(SRC_SSO, pc->err,
		    pc->errlen, "SSO (account %s, role %s)", acct, role),
		    (const char *[4]){ acct, role, sess ? sess : url, NULL },
		    reg, out);
	prof_free(&ss);
	return r;
}

/* Web identity, SSO or credential_process of a profile: 1 with *out,
 * 0 none of them, -1 err. env: AWS_WEB_IDENTITY_TOKEN_FILE and
 * AWS_ROLE_ARN count (the profile the user chose). */
static int
plan_other(struct plan *pc, const char *name, const struct prof *pr,
    int env, int process, struct source **out)
{
	const char *tf = prof_get(pr, CS_WEB_IDENTITY_TOKEN_FILE);
	const char *arn = prof_get(pr, CS_ROLE_ARN);
	const char *sn = prof_get(pr, CS_ROLE_SESSION_NAME);
	const char *cmd = prof_get(pr, CS_CREDENTIAL_PROCESS);
	struct source *s;
	char why[200];

	if (env && env_value("AWS_WEB_IDENTITY_TOKEN_FILE") != NULL) {
		tf = env_value("AWS_WEB_IDENTITY_TOKEN_FILE");
		if (env_value("AWS_ROLE_ARN") != NULL)
			arn = env_value("AWS_ROLE_ARN");
		if (env_value("AWS_ROLE_SESSION_NAME") != NULL)
			sn = env_value("AWS_ROLE_SESSION_NAME");
	}
	if (tf != NULL && arn == NULL)
		return err_set(pc->err, pc->errlen, "web identity (%s): no role: "
		    "set AWS_ROLE_ARN or the profile's role_arn", tf);
	if (tf != NULL)
		return plan_finish(pc, pr, source_new(SRC_WEBID, pc->err,
		    pc->errlen, "web identity (role %s)", arn),
		    (const char *[4]){ arn, sn, tf, NULL }, NULL, out);
	if (prof_get(pr, CS_SSO_SESSION) || prof_get(pr, CS_SSO_START_URL) ||
	    prof_get(pr, CS_SSO_ACCOUNT_ID) || prof_get(pr, CS_SSO_ROLE_NAME))
		return plan_sso(pc, name, pr, out);
	if (!process || cmd == NULL)
		return 0;
	if ((s = source_new(SRC_PROCESS, pc->err, pc->errlen,
	    "credential_process of profile '%s'", name)) == NULL)
		return -1;
	if ((s->argv = sts_split_argv(cmd, why, sizeof(why))) == NULL) {
		source_free(s);
		return err_set(pc->err, pc->errlen, "profile '%s': "
		    "credential_process: %s", name, why);
	}
	*out = s;
	return 1;
}

static int
role_config(const struct prof *pr)
{
	return prof_get(pr, CS_ROLE_ARN) != NULL &&
	    prof_get(pr, CS_WEB_IDENTITY_TOKEN_FILE) == NULL;
}

/* The source of the keys of source_profile `name` of profile `parent`, as
 * botocore resolves it: a role of its own (a chain), else its web
 * identity, SSO, keys or credential_process. */
static int
plan_source(struct plan *pc, const char *name, const char *parent,
    struct source **out)
{
	struct prof pr;
	struct buf loop = { 0 };
	int seen = 0, r = -1, f;

	*out = NULL;
	for (size_t i = 0; i < pc->nvisited; i++)
		seen |= strcmp(pc->visited[i], name) == 0;
	if (prof_load(pc, name, 1, &pr) < 0)
		return -1;
	if (!pr.p[0].found && !pr.p[1].found)
		err_set(pc->err, pc->errlen, "source_profile '%s' of profile '%s' "
		    "is in neither %s nor %s", name, parent, shared_name(pc->sh, 0),
		    shared_name(pc->sh, 1));
	else if (seen && (strcmp(name, parent) != 0 || !prof_static(&pr))) {
		for (size_t i = 0; i < pc->nvisited; i++)
			buf_printf(&loop, "'%s' -> ", pc->visited[i]);
		err_set(pc->err, pc->errlen, "source_profile loop: profile "
		    "%s'%s'", loop.failed ? "" : loop.data, name);
		buf_free(&loop);
	} else if (role_config(&pr) && !prof_static(&pr))
		r = plan_role(pc, name, &pr, out);
	else if ((r = plan_other(pc, name, &pr, 0, 0, out)) == 0 &&
	    prof_static(&pr)) {
		f = pr.p[0].access_key == NULL;
		if ((*out = source_new(SRC_STATIC, pc->err, pc->errlen,
		    "profile '%s' of %s", name, shared_name(pc->sh, f))) == NULL ||
		    profile_keys(&pr.p[f], name, shared_name(pc->sh, f),
		    &(*out)->keys, pc->err, pc->errlen) < 0)
			r = -1;
		else
			r = 1;
	} else if (r == 0 && (r = plan_other(pc, name, &pr, 0, 1, out)) == 0)
		r = err_set(pc->err, pc->errlen, "source_profile '%s' of "
		    "profile '%s' has no credentials", name, parent);
	if (r < 0 && *out != NULL) {
		source_free(*out);
		*out = NULL;
	}
	prof_free(&pr);
	return r;
}

/* The chosen profile before its keys in the credentials file: an assumed
 * role, web identity (the environment's first), SSO; after them (process
 * set), its credential_process. 1 with *out, 0 none, -1 err. */
static int
plan_top(struct plan *pc, int process, struct source **out)
{
	const struct prof *pr = &pc->sh->pr;

	*out = NULL;
	if (!process && role_config(pr))
		return plan_role(pc, pc->sh->profile, pr, out);
	return plan_other(pc, pc->sh->profile, pr, !process, process, out);
}

/* The keys of the chosen profile in file i: 1 found (*src), 0 none, -1
 * err. The source takes the paths, to look at the files again. */
static int
file_source(struct shared *s, int i, struct source **src,
    struct cred_keys *k, char *err, size_t errlen)
{
	int r = profile_keys(&s->pr.p[i], s->profile, shared_name(s, i), k,
	    err, errlen);

	if (r != 1)
		return r;
	*src = source_new(SRC_FILE, err, errlen, "profile '%s' of %s",
	    s->profile, shared_name(s, i));
	if (*src == NULL || ((*src)->profile = strdup(s->profile)) == NULL)
		return err_set(err, errlen, "out of memory");
	memcpy((*src)->path, s->path, sizeof(s->path));
	memcpy((*src)->stamp, s->stamp, sizeof(s->stamp));
	s->path[0] = s->path[1] = NULL;
	return 1;
}

/* The shared files in botocore's order: the chosen profile's role, web
 * identity, SSO, then its keys in the credentials file, its
 * credential_process, its keys in the config file. 1 with *src (and k
 * for keys of the files), 0 none, -1 err. */
static int
plan_profile(struct plan *pc, struct source **src, struct cred_keys *k)
{
	int r;

	if ((r = plan_top(pc, 0, src)) == 0 &&
	    (r = file_source(pc->sh, 0, src, k, pc->err, pc->errlen)) == 0 &&
	    (r = plan_top(pc, 1, src)) == 0)
		r = file_source(pc->sh, 1, src, k, pc->err, pc->errlen);
	return r;
}

int
cred_profile_plan(const char *cred_text, const char *conf_text,
    const char *profile, char *out, size_t outlen)
{
	struct shared sh = { .text = { (char *)cred_text, (char *)conf_text },
	    .len = { cred_text ? strlen(cred_text) : 0,
	    conf_text ? strlen(conf_text) : 0 }, .profile = profile };
	struct plan pc = { .sh = &sh, .err = out, .errlen = outlen,
	    .region = "eu-west-1" };
	struct source *s = NULL;
	struct cred_keys k = { 0 };
	int r = -1;

	if (prof_load(&pc, profile, 1, &sh.pr) == 0 &&
	    (r = plan_profile(&pc, &s, &k)) == 1 && s->kind != SRC_FILE)
		r = err_set(out, outlen, "%s", s->desc) + 1;
	else if (r == 0)
		r = 1;
	prof_free(&sh.pr);
	cred_keys_free(&k);
	source_free(s);
	return r;
}

/* The shared files: the source plan_profile finds, fetched. */
static int
walk_profile(struct cred_chain *ch, struct source **src, struct cred_keys *k,
    char *err, size_t errlen)
{
	struct shared s;
	struct plan pc = { .sh = &s, .err = err, .errlen = errlen,
	    .region = ch->region };
	int r;

	if (shared_load(&s, err, errlen) < 0)
		return -1;
	if (pc.region == NULL && (pc.region = env_value("AWS_REGION")) == NULL &&
	    (pc.region = env_value("AWS_DEFAULT_REGION")) == NULL)
		pc.region = shared_region(&s);
	if ((r = plan_profile(&pc, src, k)) == 1 && (*src)->kind != SRC_FILE &&
	    fetch_source(ch, *src, k, FETCH_TRIES, err, errlen) < 0)
		r = -1;
	shared_free(&s);
	return r;
}

static int
walk(struct cred_chain *ch, struct source **src, struct cred_keys *k,
    char *err, size_t errlen)
{
	static const char none[] = "no credentials: none on the command line "
	    "(-k/-s), in the environment (AWS_ACCESS_KEY_ID), in the shared "
	    "files (~/.aws/credentials, ~/.aws/config), in boto's "
	    "(/etc/boto.cfg, ~/.boto) or from a container";
	char why[ERRLEN];
	int r, explicit;

	*src = NULL;
	memset(k, 0, sizeof(*k));
	if ((r = walk_static(ch, src, k, err, errlen)) != 0) {
		/* AWS_PROFILE naming no profile is an error even when the keys
		 * come from elsewhere, as in the AWS CLI. */
		if (r == 1 && profile_name(&explicit) != NULL && explicit) {
			struct shared s;

			if (shared_load(&s, err, errlen) < 0)
				r = -1;
			else
				shared_free(&s);
		}
		goto done;
	}
	if ((r = walk_profile(ch, src, k, err, errlen)) != 0)
		goto done;
	if ((r = walk_boto(src, k, err, errlen)) != 0)
		goto done;
	if ((r = container_source(src, err, errlen)) == 1 &&
	    fetch_source(ch, *src, k, FETCH_TRIES, err, errlen) < 0)
		r = -1;
	if (r != 0)
		goto done;
	if (env_true("AWS_EC2_METADATA_DISABLED"))
		return err_set(err, errlen, "%s, and AWS_EC2_METADATA_DISABLED is "
		    "true", none);
	if ((r = imds_source(src, err, errlen)) == 1 &&
	    fetch_source(ch, *src, k, 1, why, sizeof(why)) < 0)
		r = err_set(err, errlen, "%s; %s", none, why);
done:
	if (r < 0) {
		source_free(*src);
		*src = NULL;
		cred_keys_free(k);
	}
	return r < 0 ? -1 : 0;
}

/* Fetches the keys of an established source again. */
static int
fetch_source(struct cred_chain *ch, struct source *s, struct cred_keys *k,
    int tries, char *err, size_t errlen)
{
	static int (*const fetch[])(struct cred_chain *, struct source *, int,
	    struct cred_keys *, char *, size_t) = {
		[SRC_CONTAINER] = container_fetch, [SRC_IMDS] = imds_fetch,
		[SRC_ROLE] = sts_fetch, [SRC_WEBID] = sts_fetch,
		[SRC_PROCESS] = process_fetch, [SRC_SSO] = sso_fetch,
	};
	struct shared sh;
	char why[ERRLEN];
	int r = 0;

	memset(k, 0, sizeof(*k));
	if (s->kind == SRC_STATIC) {
		if (keys_set(k, s->keys.access_key, s->keys.secret_key,
		    s->keys.token) < 0)
			return err_set(err, errlen, "out of memory");
		return 0;
	}
	if (s->kind == SRC_FILE) {
		if (shared_load(&sh, err, errlen) < 0)
			return -1;
		for (int i = 0; i < 2 && r == 0; i++)
			r = profile_keys(&sh.pr.p[i], sh.profile,
			    shared_name(&sh, i), k, err, errlen);
		if (r == 0)
			err_set(err, errlen, "profile '%s' has no keys any more",
			    s->profile);
		else if (r == 1)
			memcpy(s->stamp, sh.stamp, sizeof(s->stamp));
		shared_free(&sh);
		return r == 1 ? 0 : -1;
	}
	if (fetch[s->kind] == NULL)
		return err_set(err, errlen, "%s cannot be fetched again",
		    s->desc);
	if (fetch[s->kind](ch, s, tries, k, why, sizeof(why)) < 0)
		return err_set(err, errlen, "%s: %s", s->desc, why);
	return 0;
}

static int
refreshable(const struct source *s)
{
	return s->kind != SRC_ARGS && s->kind != SRC_ENV &&
	    s->kind != SRC_BOTO;
}

/* Installs fetched keys; called with ch->lock held. 1 when they differ
 * from the old ones. */
static int
install(struct cred_chain *ch, struct cred_keys *k, time_t now)
{
	int changed = !same_str(k->access_key, ch->keys.access_key) ||
	    !same_str(k->secret_key, ch->keys.secret_key) ||
	    !same_str(k->token, ch->keys.token);
	unsigned long gen = ch->keys.generation + (changed ? 1 : 0);

	cred_keys_free(&ch->keys);
	ch->keys = *k;
	ch->keys.generation = gen;
	memset(k, 0, sizeof(*k));
	ch->refresh_at = ch->keys.expiration != 0 ?
	    cred_refresh_time(now, ch->keys.expiration) : 0;
	ch->retry_at = 0;
	ch->check_at = now + FILE_CHECK;
	ch->warned_expired = 0;
	return changed;
}

/* Called with ch->lock held. */
static int
due(const struct cred_chain *ch, time_t now)
{
	if (!refreshable(ch->src))
		return 0;
	if (ch->src->kind == SRC_FILE)
		return now >= ch->check_at;
	return ch->refresh_at != 0 && now >= ch->refresh_at &&
	    now >= ch->retry_at;
}

/* Fetches new keys when due (or forced). Called with ch->fetch held. */
static void
refresh(struct cred_chain *ch, int force)
{
	struct source *s = ch->src;
	struct cred_keys k;
	char err[ERRLEN], until[32] = "";
	time_t now = time(NULL), left, exp;
	int r, changed = 0;

	pthread_mutex_lock(&ch->lock);
	r = force || due(ch, now);
	left = ch->keys.expiration - now;
	pthread_mutex_unlock(&ch->lock);
	if (!r)
		return;
	if (s->kind == SRC_FILE && !force &&
	    !stamp_changed(s->path[0], &s->stamp[0]) &&
	    !stamp_changed(s->path[1], &s->stamp[1])) {
		pthread_mutex_lock(&ch->lock);
		ch->check_at = now + FILE_CHECK;
		pthread_mutex_unlock(&ch->lock);
		return;
	}
	r = fetch_source(ch, s, &k, FETCH_TRIES, err, sizeof(err));
	now = time(NULL);
	pthread_mutex_lock(&ch->lock);
	if (r == 0)
		changed = install(ch, &k, now);
	else {
		/* Try again soon, sooner as the end comes nearer. */
		left = ch->keys.expiration - now;
		ch->retry_at = now + (left / 4 > 60 ? 60 : left / 4 < 1 ? 1 :
		    left / 4);
		ch->check_at = now + FILE_CHECK;
	}
	if ((exp = ch->keys.expiration) != 0)
		time_text(exp, until, sizeof(until));
	pthread_mutex_unlock(&ch->lock);
	if (r < 0)
		log_warning("Cannot refresh the credentials: %s%s%s%s", err,
		    exp ? " (the current ones expire at " : "", until,
		    exp ? ")" : "");
	else if (changed)
		log_info("New credentials from %s%s%s", s->desc, exp ?
		    ", valid until " : "", until);
	else
		log_debug("Credentials from %s unchanged", s->desc);
}

static int
copy_keys(struct cred_chain *ch, struct cred_keys *out)
{
	*out = ch->keys;
	out->access_key = out->secret_key = out->token = NULL;
	return keys_set(out, ch->keys.access_key, ch->keys.secret_key,
	    ch->keys.token);
}

int
cred_get(struct cred_chain *ch, struct cred_keys *out, char *err,
    size_t errlen)
{
	time_t now = time(NULL);
	int r, expired;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&ch->lock);
	expired = ch->keys.expiration != 0 && now >= ch->keys.expiration;
	if (!due(ch, now) && !(expired && refreshable(ch->src) &&
	    now >= ch->retry_at)) {
		r = copy_keys(ch, out);
		if (expired && !ch->warned_expired && !refreshable(ch->src)) {
			ch->warned_expired = 1;
			log_warning("The credentials from %s expired; give new "
			    "ones and restart (or SIGHUP)", ch->src->desc);
		}
		pthread_mutex_unlock(&ch->lock);
		goto out;
	}
	pthread_mutex_unlock(&ch->lock);
	/* While another thread fetches, keys that still hold are used; an
	 * expired one waits for the fetch. */
	if (expired || pthread_mutex_trylock(&ch->fetch) != 0) {
		if (!expired) {
			pthread_mutex_lock(&ch->lock);
			r = copy_keys(ch, out);
			pthread_mutex_unlock(&ch->lock);
			goto out;
		}
		pthread_mutex_lock(&ch->fetch);
	}
	refresh(ch, expired && ch->src->kind != SRC_FILE);
	pthread_mutex_unlock(&ch->fetch);
	pthread_mutex_lock(&ch->lock);
	r = copy_keys(ch, out);
	pthread_mutex_unlock(&ch->lock);
out:
	if (r < 0)
		err_set(err, errlen, "out of memory");
	return r;
}

int
cred_refused(struct cred_chain *ch, unsigned long generation)
{
	time_t now = time(NULL);
	int r = 0;

	pthread_mutex_lock(&ch->fetch);
	pthread_mutex_lock(&ch->lock);
	if (ch->keys.generation != generation)
		r = 1;		/* already replaced */
	else if (refreshable(ch->src) && (generation != ch->futile_gen ||
	    now - ch->futile_at >= FORCED_GAP))
		r = -1;		/* not fetched again in vain just now */
	pthread_mutex_unlock(&ch->lock);
	if (r == -1) {
		log_info("S3 refused the credentials from %s: fetching them "
		    "again", ch->src->desc);
		refresh(ch, 1);
		pthread_mutex_lock(&ch->lock);
		r = ch->keys.generation != generation;
		if (!r) {
			ch->futile_at = time(NULL);
			ch->futile_gen = generation;
		}
		pthread_mutex_unlock(&ch->lock);
	}
	pthread_mutex_unlock(&ch->fetch);
	return r;
}

static int
chain_init(struct cred_chain *ch, const struct cred_args *args)
{
	ch->arg_ak = xstrdup(args->access_key);
	ch->arg_sk = xstrdup(args->secret_key);
	ch->arg_tk = xstrdup(args->token);
	ch->region = xstrdup(args->region);
	ch->anchors = args->anchors;
	ch->cancel_fd = args->cancel_fd;
	if ((args->access_key && !ch->arg_ak) || (args->region && !ch->region) ||
	    (args->secret_key && !ch->arg_sk) || (args->token && !ch->arg_tk))
		return -1;
	if (pthread_mutex_init(&ch->lock, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&ch->fetch, NULL) != 0) {
		pthread_mutex_destroy(&ch->lock);
		return -1;
	}
	return 0;
}

/* Checks fresh keys from the walk: static keys must not have expired. */
static int
check_fresh(const struct source *src, const struct cred_keys *k, time_t now,
    char *err, size_t errlen)
{
	char when[32];

	if (k->expiration == 0 || now < k->expiration)
		return 0;
	time_text(k->expiration, when, sizeof(when));
	if (!refreshable(src)) {
		err_set(err, errlen, "the credentials from %s expired at %s "
		    "(AWS_CREDENTIAL_EXPIRATION)", src->desc, when);
		return -1;
	}
	/* Served expired: perhaps our clock is wrong. S3 will say. */
	log_warning("The credentials from %s expired at %s by this host's "
	    "clock: is the clock right?", src->desc, when);
	return 0;
}

struct cred_chain *
cred_chain_new(const struct cred_args *args, char *err, size_t errlen)
{
	struct cred_chain *ch = calloc(1, sizeof(*ch));
	struct cred_keys k;
	time_t now = time(NULL);

	if (ch == NULL || chain_init(ch, args) < 0) {
		if (ch != NULL) {
			free_secret(ch->arg_ak);
			free_secret(ch->arg_sk);
			free_secret(ch->arg_tk);
			free(ch->region);
		}
		free(ch);
		err_set(err, errlen, "out of memory");
		return NULL;
	}
	if (walk(ch, &ch->src, &k, err, errlen) < 0 ||
	    check_fresh(ch->src, &k, now, err, errlen) < 0) {
		if (ch->src != NULL)
			cred_keys_free(&k);
		cred_chain_free(ch);
		return NULL;
	}
	install(ch, &k, now);
	return ch;
}

void
cred_chain_free(struct cred_chain *ch)
{
	if (ch == NULL)
		return;
	cred_keys_free(&ch->keys);
	source_free(ch->src);
	free_secret(ch->arg_ak);
	free_secret(ch->arg_sk);
	free_secret(ch->arg_tk);
	free(ch->region);
	pthread_mutex_destroy(&ch->lock);
	pthread_mutex_destroy(&ch->fetch);
	free(ch);
}

const char *
cred_chain_source(const struct cred_chain *ch)
{
	return ch->src->desc;
}

int
cred_chain_reload(struct cred_chain *ch, char *err, size_t errlen)
{
	struct source *src, *old;
	struct cred_keys k;
	time_t now = time(NULL);

	pthread_mutex_lock(&ch->fetch);
	if (walk(ch, &src, &k, err, errlen) < 0 ||
	    check_fresh(src, &k, now, err, errlen) < 0) {
		if (src != NULL) {
			cred_keys_free(&k);
			source_free(src);
		}
		pthread_mutex_unlock(&ch->fetch);
		return -1;
	}
	pthread_mutex_lock(&ch->lock);
	old = ch->src;
	ch->src = src;
	install(ch, &k, now);
	pthread_mutex_unlock(&ch->lock);
	pthread_mutex_unlock(&ch->fetch);
	source_free(old);
	return 0;
}
