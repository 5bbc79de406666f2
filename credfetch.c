/* credfetch.c: fetching temporary keys from the services that hand them
 * out: the container and EC2 instance metadata services, STS (AssumeRole,
 * AssumeRoleWithWebIdentity), the SSO portal, a credential_process. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "credsrc.h"
#include "encode.h"
#include "fmt.h"
#include "log.h"
#include "s3sign.h"
#include "sts.h"
#include "version.h"

#define IMDS_TOKEN_TTL	21600		/* seconds, the maximum */
#define IMDS_TIMEOUT_MS	1000		/* botocore: 1 s, one attempt */
#define CONTAINER_TIMEOUT_MS 2000	/* botocore: 2 s, three attempts */
#define STS_TIMEOUT_MS	10000		/* STS and the SSO portal */
#define PROCESS_MS	60000		/* a credential_process at most */
#define MAX_ANSWER	(64 * 1024)
#define STR_(x)		#x
#define STR(x)		STR_(x)

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
http_once(const struct cred_net *net, const struct http_url *u,
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
	if (u->tls && net->anchors == NULL)
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
	if (n < 0 || (conn = http_conn_new(u->tls ? net->anchors :
	    NULL)) == NULL) {
		if (n >= 0)
			free_secret(req);
		return cred_nomem(err, errlen);
	}
	http_conn_set_cancel(conn, net->cancel_fd);
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
http_tries(const struct cred_net *net, const struct http_url *u,
    const char *method, const char *path, const char *headers,
    const char *body, int timeout_ms, int tries, struct answer *a,
    char *err, size_t errlen)
{
	int r = -1;

	for (int i = 0; i < tries && r < 0; i++) {
		if (http_fd_cancelled(net->cancel_fd) || (i > 0 &&
		    http_sleep(net->cancel_fd, 100 << (i - 1)) < 0))
			return err_set(err, errlen, "cancelled: the program is "
			    "stopping");
		r = http_once(net, u, method, path, headers, body, timeout_ms,
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
	int explains;			/* an error answer says why (STS's
					 * "Code: Message"): parsed too */
	const char *status_fmt;		/* an answer other than 200 */
	const char *refused_fmt;	/* 401 and 403; NULL: status_fmt */
};

static const struct service container_svc = { cred_parse_json,
	CONTAINER_TIMEOUT_MS, 0, "HTTP %d", NULL };
static const struct service sts_svc = { sts_parse_answer, STS_TIMEOUT_MS,
	1, "HTTP %d", NULL };
static const struct service sso_svc = { sts_parse_sso_role,
	STS_TIMEOUT_MS, 0, "the SSO portal answered HTTP %d", "the SSO portal "
	"refused the token (HTTP %d): run aws sso login" };

/* One request to a service at s->url (path NULL: the URL's) and the
 * keys of its answer. */
static int
ask(const struct cred_net *net, struct source *s, const struct service *sv,
    const char *method, const char *path, const char *headers,
    const char *body, int tries, struct cred_keys *k, char *err,
    size_t errlen)
{
	struct answer a;
	int r = -1;

	if (http_tries(net, &s->url, method, path ? path : s->url.path,
	    headers, body, sv->timeout_ms, tries, &a, err, errlen) < 0)
		return -1;
	if (a.status == 200 || sv->explains)
		r = sv->parse(a.body, a.len, k, err, errlen);
	/* The status, unless the answer explained itself (-2: it held
	 * neither keys nor an error). */
	if (r < 0 && a.status != 200 && (!sv->explains || r == -2))
		err_set(err, errlen, (a.status == 401 || a.status == 403) &&
		    sv->refused_fmt ? sv->refused_fmt : sv->status_fmt,
		    a.status);
	answer_free(&a);
	return r < 0 ? -1 : r;
}

/* A token file read again at every fetch (the agent or the cluster
 * rotates it), without its trailing white space. NULL with err. */
static char *
read_token(const char *path, const char *var, size_t *len, char *err,
    size_t errlen)
{
	struct stamp st;
	char *tok;
	int r = cred_read_file(path, var, &tok, len, &st, err, errlen);

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
container_fetch(const struct cred_net *net, struct source *s, int tries,
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
		cred_nomem(err, errlen);
	} else
		r = ask(net, s, &container_svc, "GET", NULL, auth, NULL, tries,
		    k, err, errlen);
	free_secret(auth);
	free_secret(text);
	return r;
}

/* ---- EC2 instance metadata (IMDSv2) ---- */

static int
imds_token(const struct cred_net *net, struct source *s, int tries, char *err,
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
	if (http_tries(net, &s->url, "PUT", path, "X-aws-ec2-metadata-token-"
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
imds_get(const struct cred_net *net, struct source *s, const char *role,
    int tries, struct answer *a, char *err, size_t errlen)
{
	char *hdr = NULL, *path = NULL;
	int r = -1;

	if ((s->imds_token != NULL && asprintf(&hdr,
	    "X-aws-ec2-metadata-token: %s\r\n", s->imds_token) < 0) ||
	    asprintf(&path, "%s/latest/meta-data/iam/security-credentials/%s",
	    s->url.path, role) < 0) {
		free_secret(hdr);
		return cred_nomem(err, errlen);
	}
	r = http_tries(net, &s->url, "GET", path, hdr ? hdr : "", NULL,
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
imds_fetch_once(const struct cred_net *net, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	struct answer a;
	char role[256];
	size_t n = 0;
	int r;

	if (imds_token(net, s, tries, err, errlen) < 0)
		return -1;
	if ((r = imds_get(net, s, "", tries, &a, err, errlen)) != 0)
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
	if ((r = imds_get(net, s, role, tries, &a, err, errlen)) != 0)
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
imds_fetch(const struct cred_net *net, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	int r;

	/* A refused session token (401) is fetched anew, once. */
	if ((r = imds_fetch_once(net, s, tries, k, err, errlen)) == 1 &&
	    (r = imds_fetch_once(net, s, tries, k, err, errlen)) == 1)
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

#define FORM_TYPE	"application/x-www-form-urlencoded; charset=utf-8"

/* The headers that sign an AssumeRole whose form is body with the
 * signer's keys (X-Amz-Date, X-Amz-Security-Token, Authorization),
 * malloc'd; NULL when out of memory. */
static char *
sts_sign(const struct source *s, const struct cred_keys *signer,
    const char *body)
{
	const char *tk = signer->token;
	char date[17], hash[65], host[272], *auth, *hdr = NULL;
	const struct sigv4_header h[4] = { { "content-type", FORM_TYPE },
	    { "host", host }, { "x-amz-date", date },
	    { "x-amz-security-token", tk } };

	sigv4_amz_date(time(NULL), date);
	host_value(&s->url, host);
	sigv4_sha256_hex(body, strlen(body), hash);
	auth = sigv4_authorization(&(struct sigv4_request){ .method = "POST",
	    .canonical_uri = s->url.path, .query = "", .headers = h,
	    .nheaders = tk ? 4 : 3, .payload_hash = hash, .amz_date = date,
	    .region = s->region, .service = "sts",
	    .access_key = signer->access_key, .secret_key = signer->secret_key });
	if (auth != NULL && asprintf(&hdr, "X-Amz-Date: %s\r\n%s%s%s"
	    "Authorization: %s\r\n", date, tk ? "X-Amz-Security-Token: " : "",
	    tk ? tk : "", tk ? "\r\n" : "", auth) < 0)
		hdr = NULL;
	free_secret(auth);
	return hdr;
}

/* AssumeRole, signed with the signer's keys, or (signer NULL)
 * AssumeRoleWithWebIdentity with the token of s->token_file. */
static int
sts_fetch(const struct cred_net *net, struct source *s,
    const struct cred_keys *signer, int tries, struct cred_keys *k,
    char *err, size_t errlen)
{
	struct buf form = { 0 };
	char *tok = NULL, *body, *sig = NULL, *hdr = NULL;
	size_t len;
	int r = -1;

	if (signer == NULL && (tok = read_token(s->token_file,
	    "AWS_WEB_IDENTITY_TOKEN_FILE", &len, err, errlen)) == NULL)
		return -1;
	if (tok != NULL && (len == 0 || strlen(tok) != len)) {
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
	if ((body = buf_take(&form)) != NULL && (signer == NULL ||
	    (sig = sts_sign(s, signer, body)) != NULL) && asprintf(&hdr,
	    "Content-Type: " FORM_TYPE "\r\n%s", sig ? sig : "") >= 0)
		r = ask(net, s, &sts_svc, "POST", NULL, hdr, body, tries, k,
		    err, errlen);
	else {
		hdr = NULL;
		cred_nomem(err, errlen);
	}
	free_secret(sig);
	free_secret(hdr);
	free_secret(body);
	return r;
}

/* Starts argv (PATH searched, no shell) with stdin /dev/null, stdout on
 * out and stderr on err. vfork: the child only moves descriptors, puts
 * the signals back, and execs (or says why not on its stderr and exits
 * 127). Until it execs it shares our memory, so every signal stays
 * blocked there: no handler of ours may run in it. */
static pid_t __attribute__((noinline))
spawn(char **argv, int out, int err)
{
	static const int ours[] = { SIGINT, SIGTERM, SIGPIPE };
	sigset_t all, old;
	pid_t pid;
	int fd;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if ((pid = vfork()) != 0) {
		fd = errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		errno = fd;
		return pid;
	}
	/* A handler, an ignored signal and the mask of the calling thread
	 * (it blocks the daemon's) would all outlive the exec. */
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		signal(ours[i], SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && dup2(fd, 0) == 0 && (fd == 0 || close(fd) == 0) &&
	    dup2(out, 1) == 1 && dup2(err, 2) == 2)
		execvp(argv[0], argv);
	fd = errno;
	(void)!write(2, strerror(fd), strlen(strerror(fd)));
	_exit(127);
}

/* Runs the credential_process: its output into *out, its stderr to the
 * log. 0, or -1 with err. */
static int
process_run(const struct cred_net *net, struct source *s, char **out,
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
	pf[2].fd = net->cancel_fd > 0 ? net->cancel_fd : -1;
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
		cred_nomem(err, errlen);
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
process_fetch(const struct cred_net *net, struct source *s,
    struct cred_keys *k, char *err, size_t errlen)
{
	char *text;
	int r;

	if (process_run(net, s, &text, err, errlen) < 0)
		return -1;
	r = sts_parse_process(text, strlen(text), k, err, errlen);
	free_secret(text);
	return r;
}

/* The token `aws sso login` left in ~/.aws/sso/cache, then the portal's
 * GetRoleCredentials. */
static int
sso_fetch(const struct cred_net *net, struct source *s, int tries,
    struct cred_keys *k, char *err, size_t errlen)
{
	char name[STS_SSO_NAME_LEN], *home = cred_home(), *path = NULL;
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
	} else if ((r = cred_read_file(path, "", &text, &len, &st, err,
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
		r = cred_nomem(err, errlen);
	else
		r = ask(net, s, &sso_svc, "GET", get, hdr, NULL, tries, k, err,
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

int
cred_fetch(const struct cred_net *net, struct source *s,
    const struct cred_keys *signer, int tries, struct cred_keys *k,
    char *err, size_t errlen)
{
	switch (s->kind) {
	case SRC_CONTAINER:
		return container_fetch(net, s, tries, k, err, errlen);
	case SRC_IMDS:
		return imds_fetch(net, s, tries, k, err, errlen);
	case SRC_ROLE:
	case SRC_WEBID:
		return sts_fetch(net, s, signer, tries, k, err, errlen);
	case SRC_PROCESS:
		return process_fetch(net, s, k, err, errlen);
	case SRC_SSO:
		return sso_fetch(net, s, tries, k, err, errlen);
	default:
		return err_set(err, errlen, "it cannot be fetched again");
	}
}
