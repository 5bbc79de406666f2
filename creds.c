/* creds.c: the AWS credential chain: which source gives the keys
 * (command line, environment, the shared files' profiles and what they
 * point to, boto's files, container, EC2 instance metadata), and keeping
 * them fresh for every thread. The files are credfile.c's, the services
 * credfetch.c's. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "credsrc.h"
#include "fmt.h"
#include "isotime.h"
#include "log.h"
#include "sts.h"

#define IMDS_V4		"http://169.254.169.254"
#define IMDS_V6		"http://[fd00:ec2::254]"
#define ECS_AGENT	"http://169.254.170.2"
#define MAX_CHAIN	16		/* profiles in a source_profile chain */
#define FETCH_TRIES	3		/* refreshes, when the service is known */
#define EARLY		(15 * 60)	/* botocore's advisory refresh */
#define FILE_CHECK	5		/* seconds between stats of the files */
#define FORCED_GAP	2		/* seconds before a refusal of keys that a
				 * forced fetch gave again fetches again */

struct cred_chain {
	pthread_mutex_t lock;		/* guards everything below but args */
	pthread_mutex_t fetch;		/* one fetch at a time */
	char *arg_ak, *arg_sk, *arg_tk;
	char *region;			/* for STS; NULL: not given */
	struct cred_net net;
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

int
cred_nomem(char *err, size_t errlen)
{
	return err_set(err, errlen, "out of memory");
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
		return cred_nomem(err, errlen);
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

/* ---- pure: keys, times, URLs, regions ---- */

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
		cred_nomem(err, errlen);
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
		cred_nomem(err, errlen);
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

/* The parts of profile `name` (kind 1) or of sso-session `name` (kind 2,
 * the config file only). */
static int
prof_load(struct plan *pc, const char *name, int kind, struct prof *pr)
{
	memset(pr, 0, sizeof(*pr));
	for (int i = kind - 1; i < 2; i++)
		if (cred_prof_parse(pc->sh, i, name, i == 0 ? 0 : kind,
		    &pr->p[i], pc->err, pc->errlen) < 0) {
			cred_prof_free(pr);
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
		/* a valid region name fits */
		(void)snprintf(host, sizeof(host), "https://%s%s%s.amazonaws.com",
		    sso_region ? "portal.sso" : "sts", reg ? "." : "",
		    reg ? reg : "");
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
			cred_nomem(pc->err, pc->errlen);
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
	    strlen(d) > 5 || atoi(d) < 900 || atoi(d) > 43200))
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
		    cred_shared_name(pc->sh, 1));
	else if (missing != NULL)
		r = err_set(pc->err, pc->errlen, "profile '%s' uses SSO but has "
		    "no %s", name, missing);
	else
		r = plan_finish(pc, pr, source_new(SRC_SSO, pc->err,
		    pc->errlen, "SSO (account %s, role %s)", acct, role),
		    (const char *[4]){ acct, role, sess ? sess : url, NULL },
		    reg, out);
	cred_prof_free(&ss);
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
	const char *file;
	int seen = 0, r = -1, f;

	*out = NULL;
	for (size_t i = 0; i < pc->nvisited; i++)
		seen |= strcmp(pc->visited[i], name) == 0;
	if (prof_load(pc, name, 1, &pr) < 0)
		return -1;
	if (!pr.p[0].found && !pr.p[1].found)
		err_set(pc->err, pc->errlen, "source_profile '%s' of profile '%s' "
		    "is in neither %s nor %s", name, parent,
		    cred_shared_name(pc->sh, 0), cred_shared_name(pc->sh, 1));
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
		file = cred_shared_name(pc->sh, f);
		if ((*out = source_new(SRC_STATIC, pc->err, pc->errlen,
		    "profile '%s' of %s", name, file)) == NULL ||
		    profile_keys(&pr.p[f], name, file, &(*out)->keys, pc->err,
		    pc->errlen) < 0)
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
	cred_prof_free(&pr);
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
	int r = profile_keys(&s->pr.p[i], s->profile, cred_shared_name(s, i), k,
	    err, errlen);

	if (r != 1)
		return r;
	*src = source_new(SRC_FILE, err, errlen, "profile '%s' of %s",
	    s->profile, cred_shared_name(s, i));
	if (*src == NULL || ((*src)->profile = strdup(s->profile)) == NULL)
		return cred_nomem(err, errlen);
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
	cred_prof_free(&sh.pr);
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

	if (cred_shared_load(&s, err, errlen) < 0)
		return -1;
	if (pc.region == NULL && (pc.region = env_value("AWS_REGION")) == NULL &&
	    (pc.region = env_value("AWS_DEFAULT_REGION")) == NULL)
		pc.region = cred_shared_region(&s);
	if ((r = plan_profile(&pc, src, k)) == 1 && (*src)->kind != SRC_FILE &&
	    fetch_source(ch, *src, k, FETCH_TRIES, err, errlen) < 0)
		r = -1;
	cred_shared_free(&s);
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
		(void)cred_profile_name(&explicit);
		if (r == 1 && explicit) {
			struct shared s;

			if (cred_shared_load(&s, err, errlen) < 0)
				r = -1;
			else
				cred_shared_free(&s);
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
	struct shared sh;
	struct cred_keys signer = { 0 };
	char why[ERRLEN];
	int r = 0;

	memset(k, 0, sizeof(*k));
	if (s->kind == SRC_STATIC) {
		if (keys_set(k, s->keys.access_key, s->keys.secret_key,
		    s->keys.token) < 0)
			return cred_nomem(err, errlen);
		return 0;
	}
	if (s->kind == SRC_FILE) {
		if (cred_shared_load(&sh, err, errlen) < 0)
			return -1;
		for (int i = 0; i < 2 && r == 0; i++)
			r = profile_keys(&sh.pr.p[i], sh.profile,
			    cred_shared_name(&sh, i), k, err, errlen);
		if (r == 0)
			err_set(err, errlen, "profile '%s' has no keys any more",
			    s->profile);
		else if (r == 1)
			memcpy(s->stamp, sh.stamp, sizeof(s->stamp));
		cred_shared_free(&sh);
		return r == 1 ? 0 : -1;
	}
	/* An assumed role's source first: its keys sign the request. */
	if (s->kind == SRC_ROLE && fetch_source(ch, s->base, &signer, tries,
	    why, sizeof(why)) < 0)
		r = -1;
	else
		r = cred_fetch(&ch->net, s, s->kind == SRC_ROLE ? &signer :
		    NULL, tries, k, why, sizeof(why));
	cred_keys_free(&signer);
	if (r < 0)
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
	pthread_mutex_unlock(&ch->lock);
	if (!r)
		return;
	if (s->kind == SRC_FILE && !force &&
	    !cred_stamp_changed(s->path[0], &s->stamp[0]) &&
	    !cred_stamp_changed(s->path[1], &s->stamp[1])) {
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
		cred_nomem(err, errlen);
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
	ch->net.anchors = args->anchors;
	ch->net.cancel_fd = args->cancel_fd;
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
		cred_nomem(err, errlen);
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
