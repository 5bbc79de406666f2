/* credfile.c: the files of the AWS tools and of boto 2: where they are,
 * reading them (regular files only), the INI dialect, a profile's settings
 * and boto's. The parsers are pure; the readers touch only the files. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "accounts.h"
#include "credsrc.h"
#include "fmt.h"
#include "log.h"

#define MAX_FILE	(1024 * 1024)

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

/* ---- files ---- */

char *
cred_home(void)
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
	if ((home = cred_home()) == NULL)
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

int
cred_stamp_changed(const char *path, const struct stamp *old)
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
int
cred_read_file(const char *path, const char *var, char **text, size_t *len,
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
const char *
cred_profile_name(int *explicit)
{
	const char *p = env_value("AWS_PROFILE");

	if (p == NULL)
		p = env_value("AWS_DEFAULT_PROFILE");	/* the AWS CLI v1 name */
	*explicit = p != NULL;
	return p != NULL ? p : "default";
}

void
cred_prof_free(struct prof *pr)
{
	cred_profile_free(&pr->p[0]);
	cred_profile_free(&pr->p[1]);
}

void
cred_shared_free(struct shared *s)
{
	for (int i = 0; i < 2; i++) {
		free(s->path[i]);
		free_secret(s->text[i]);
	}
	cred_prof_free(&s->pr);
}

const char *
cred_shared_name(const struct shared *s, int i)
{
	return s->path[i] ? s->path[i] : i ? "the config file" :
	    "the credentials file";
}

/* Parses the part of profile `name` in file i (kind: see
 * cred_profile_parse) into p. */
int
cred_prof_parse(const struct shared *s, int i, const char *name, int kind,
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
		    "= value or a comment%s", cred_shared_name(s, i), line, "");
	return r != 0 ? cred_nomem(err, errlen) : 0;
}

/* Reads both files; -1 with err when one is unreadable or broken, or the
 * chosen profile is in neither. */
int
cred_shared_load(struct shared *s, char *err, size_t errlen)
{
	static const char *const var[2] = { "AWS_SHARED_CREDENTIALS_FILE",
	    "AWS_CONFIG_FILE" };

	memset(s, 0, sizeof(*s));
	s->profile = cred_profile_name(&s->explicit);
	s->path[0] = shared_path(var[0], ".aws/credentials");
	s->path[1] = shared_path(var[1], ".aws/config");
	for (int i = 0; i < 2; i++)
		if (cred_read_file(s->path[i], var[i], &s->text[i], &s->len[i],
		    &s->stamp[i], err, errlen) < 0 || cred_prof_parse(s, i,
		    s->profile, i, &s->pr.p[i], err, errlen) < 0) {
			cred_shared_free(s);
			return -1;
		}
	if (s->explicit && !s->pr.p[0].found && !s->pr.p[1].found) {
		err_set(err, errlen, "profile '%s' (AWS_PROFILE) not found in %s "
		    "or %s", s->profile, s->path[0] ? s->path[0] :
		    "~/.aws/credentials", s->path[1] ? s->path[1] :
		    "~/.aws/config");
		cred_shared_free(s);
		return -1;
	}
	return 0;
}

/* The region of the selected profile, the credentials file's first. */
const char *
cred_shared_region(const struct shared *s)
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
	if (cred_shared_load(&s, err, errlen) < 0)
		return -1;
	if ((r = cred_shared_region(&s)) != NULL &&
	    (*region = strdup(r)) == NULL)
		ret = cred_nomem(err, errlen);
	cred_shared_free(&s);
	return ret;
}

/* ---- the boto files ---- */

/* Python's os.path.expanduser for "~" and "~/...". NULL: no memory. */
static char *
expand_home(const char *p)
{
	char *home, *out = NULL;

	if (p[0] != '~' || (p[1] != '\0' && p[1] != '/') ||
	    (home = cred_home()) == NULL)
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
		return cred_nomem(err, errlen);
	}
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *path = b->files[i];
		struct stat sb;

		/* boto passed over what it could not open: a file of another
		 * user, a directory (older boto kept ~/.boto/boto.cfg). A file
		 * named by a variable is cred_read_file's to refuse. */
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
		if ((r = cred_read_file(path, var ? var : "BOTO_CONFIG", &text,
		    &len, &st, err, errlen)) < 0) {
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
				cred_nomem(err, errlen);
			cred_boto_free(b);
			return -1;
		}
	}
	return 0;
}
