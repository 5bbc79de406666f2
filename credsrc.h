/* credsrc.h: what the credential chain's files share (creds.c the chain,
 * credfile.c the files, credfetch.c the services that hand out keys).
 * Not an API: the chain's callers use creds.h. */
#ifndef TABLESNAP_CREDSRC_H
#define TABLESNAP_CREDSRC_H

#include <sys/types.h>

#include <stddef.h>
#include <strings.h>
#include <time.h>

#include "creds.h"
#include "fmt.h"
#include "http.h"

#define ERRLEN		512	/* an error line of a fetch */

/* An AWS variable set to "true" (any case). */
static inline int
env_true(const char *name)
{
	const char *v = env_value(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

/* err_set(err, errlen, "out of memory"): -1. */
int cred_nomem(char *err, size_t errlen);

/* ---- the files (credfile.c) ---- */

/* What a file was when read, to see whether it changed. */
struct stamp {
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* HOME, else the user's home directory from the passwd database; NULL
 * when neither (or no memory). malloc'd. */
char *cred_home(void);

/* Reads a whole file (regular, at most 1 MiB; a FIFO is never waited
 * on). 1: read into *text (NUL-terminated, *len bytes; free_secret it);
 * 0: absent and not named by the variable `var` (fine); -1: err says why
 * ("VAR=path: reason" when var named it). */
int cred_read_file(const char *path, const char *var, char **text,
    size_t *len, struct stamp *stamp, char *err, size_t errlen);

/* Whether the file at path is no longer what stamp says. */
int cred_stamp_changed(const char *path, const struct stamp *old);

/* AWS_PROFILE (or AWS_DEFAULT_PROFILE), else "default"; *explicit says
 * whether a variable chose it. */
const char *cred_profile_name(int *explicit);

/* A profile of both shared files; p[0] the credentials file's part. */
struct prof {
	struct cred_profile p[2];
};

void cred_prof_free(struct prof *pr);

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

/* Reads both files and parses the selected profile; -1 with err when one
 * is unreadable or broken, or AWS_PROFILE names a profile in neither. */
int cred_shared_load(struct shared *s, char *err, size_t errlen);
void cred_shared_free(struct shared *s);

/* File i's path, or "the credentials file" / "the config file". */
const char *cred_shared_name(const struct shared *s, int i);

/* The selected profile's region, the credentials file's first; NULL. */
const char *cred_shared_region(const struct shared *s);

/* Parses the part of profile `name` in file i (kind: see
 * cred_profile_parse) into p. 0, or -1 with err. */
int cred_prof_parse(const struct shared *s, int i, const char *name,
    int kind, struct cred_profile *p, char *err, size_t errlen);

/* ---- the sources (creds.c) ---- */

enum kind { SRC_ARGS, SRC_ENV, SRC_FILE, SRC_BOTO, SRC_CONTAINER, SRC_IMDS,
	SRC_STATIC, SRC_ROLE, SRC_WEBID, SRC_PROCESS, SRC_SSO };

/* Where the keys come from; fixed once the chain is walked. The fetch
 * state in it (IMDS token, file stamps) is used under cred_chain.fetch. */
struct source {
	enum kind kind;
	char *desc;
	char *path[2], *profile;	/* SRC_FILE: see struct shared */
	struct stamp stamp[2];
	struct http_url url;		/* the service */
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

/* What every request to a service needs from the chain. */
struct cred_net {
	const struct tls_anchors *anchors;	/* NULL: no https */
	int cancel_fd;			/* see cred_args */
};

/* ---- the services (credfetch.c) ---- */

/* Fetches keys from the service of s (container, instance metadata, STS,
 * the SSO portal, a credential_process): 0, or -1 with the problem in err
 * (without the source's name). signer: the keys of s->base that sign an
 * AssumeRole, else NULL. A service that fails or answers 5xx gets up to
 * `tries` requests. */
int cred_fetch(const struct cred_net *net, struct source *s,
    const struct cred_keys *signer, int tries, struct cred_keys *k,
    char *err, size_t errlen);

#endif
