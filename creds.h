/* creds.h: AWS credentials found the way the AWS tools find them, kept fresh
 * for the whole run and shared by every upload thread. */
#ifndef TABLESNAP_CREDS_H
#define TABLESNAP_CREDS_H

#include <stddef.h>
#include <time.h>

#include "http.h"

/*
 * The chain, first source that yields a key pair wins (the AWS CLI's order):
 *   1. the command line (-k, -s, --aws-token);
 *   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, token from
 *      AWS_SECURITY_TOKEN or AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION;
 *   3. the profile (AWS_PROFILE, else "default") of the shared files
 *      (AWS_SHARED_CREDENTIALS_FILE, ~/.aws/credentials, and AWS_CONFIG_FILE,
 *      ~/.aws/config with "[profile name]"; the credentials file's values
 *      win), as botocore takes them: a role_arn with source_profile (a
 *      chain of them) or credential_source: STS AssumeRole signed with the
 *      source's keys; web identity (AWS_WEB_IDENTITY_TOKEN_FILE and
 *      AWS_ROLE_ARN, or the profile's web_identity_token_file and
 *      role_arn): STS AssumeRoleWithWebIdentity; SSO (sso_session or
 *      sso_start_url): the token of ~/.aws/sso/cache and the portal's
 *      GetRoleCredentials; the credentials file's keys; credential_process;
 *      the config file's keys;
 *   4. the boto 2 configuration of the original tablesnap (cred_boto_load):
 *      [Credentials] aws_access_key_id, aws_secret_access_key,
 *      aws_security_token;
 *   5. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      _FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE));
 *   6. EC2 instance metadata, IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT,
 *      AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_V1_DISABLED).
 * Keys that expire are fetched again before they do (15 minutes ahead, or
 * halfway through a shorter life), and at once when S3 refuses them. A
 * shared file is read again when it changes; the boto files on SIGHUP.
 */

/* One copy of the keys, for one request. */
struct cred_keys {
	char *access_key, *secret_key;
	char *token;			/* NULL when none */
	time_t expiration;		/* 0: does not expire */
	unsigned long generation;	/* changes whenever the keys change */
};

/* What the command line gave; copied by cred_chain_new. */
struct cred_args {
	const char *access_key, *secret_key, *token;
	/* The region STS is asked in (NULL: AWS_REGION, AWS_DEFAULT_REGION,
	 * the profile's region, else the global endpoint). */
	const char *region;
	/* For an https container-credentials URL; NULL: refused. */
	const struct tls_anchors *anchors;
	/* > 0: while readable, fetches from the container service or
	 * IMDS, and the sleeps between their tries, stop and fail
	 * (http_conn_set_cancel); 0: none. */
	int cancel_fd;
};

struct cred_chain;

/* Walks the chain and fetches the first keys. The shared files must be
 * regular files (a FIFO or a device is refused, never waited on). NULL when no source yields
 * keys or a source is broken (a profile that does not exist, a file that
 * does not parse, a metadata service that fails, expired keys): err then
 * holds one line naming the source and the problem. */
struct cred_chain *cred_chain_new(const struct cred_args *args, char *err,
    size_t errlen);
void cred_chain_free(struct cred_chain *ch);

/* "the environment", "profile default of /root/.aws/credentials", "EC2
 * instance metadata (role r)", ...: for log lines. Valid until the next
 * cred_chain_reload. */
const char *cred_chain_source(const struct cred_chain *ch);

/* Copies the current keys into out (free with cred_keys_free), fetching
 * new ones first when they are due. Any thread. Returns 0, or -1 with a
 * reason in err when no usable keys are there (they expired and the source
 * does not answer). */
int cred_get(struct cred_chain *ch, struct cred_keys *out, char *err,
    size_t errlen);
void cred_keys_free(struct cred_keys *k);

/* S3 refused the keys of that generation (ExpiredToken, InvalidToken,
 * InvalidAccessKeyId, ...). Fetches them again unless another thread
 * already did. Returns 1 when other keys are now there (sign again), 0
 * when nothing changed (the refusal stands). */
int cred_refused(struct cred_chain *ch, unsigned long generation);

/* SIGHUP: walks the whole chain again. On failure the old keys stay and
 * err says why (-1). */
int cred_chain_reload(struct cred_chain *ch, char *err, size_t errlen);

/* The region of the selected profile in the shared files (credentials
 * file first, as botocore merges them), malloc'd into *region, or NULL
 * when none is set. Returns -1 with err when a file cannot be read or
 * parsed, or AWS_PROFILE names a profile that does not exist. */
int cred_profile_region(char **region, char *err, size_t errlen);

/* ---- the boto 2 configuration (the original's /etc/boto.cfg) ---- */

/* One setting and the file it came from (NULL: not set). */
struct boto_value {
	char *v;
	const char *file;
};

/* The settings tablesnap reads from boto's files, merged as boto merges
 * them: a later file overrides a key of an earlier one. */
struct cred_boto {
	char **files;			/* the files read, in order */
	size_t nfiles;
	struct boto_value ak, sk, tk;	/* [Credentials] aws_... */
	struct boto_value host, port;	/* [Credentials] s3_host, s3_port */
	struct boto_value secure, verify, ca;	/* [Boto] is_secure,
					 * https_validate_certificates,
					 * ca_certificates_file */
	struct boto_value calling;	/* [s3] calling_format */
};

/* Reads boto 2's files in boto's order (boto/pyami/config.py): the file
 * named by BOTO_CONFIG alone when that is set; else each file of BOTO_PATH
 * (':'-separated); else /etc/boto.cfg then ~/.boto. A missing or
 * unreadable default file is skipped, as boto skips it; a file named by a
 * variable must be there. Files must be regular. Returns 0, or -1 with one
 * line in err (a malformed file is named with its line). */
int cred_boto_load(struct cred_boto *b, char *err, size_t errlen);
void cred_boto_free(struct cred_boto *b);

/* What boto's settings ask of the S3 connection. */
struct boto_s3 {
	const char *host;		/* NULL: AWS (s3_host not set) */
	char port[8];			/* s3_port, else 443 or 80 */
	int tls;			/* is_secure, default true */
	int path_style;			/* calling_format: 1 Ordinary, -1
					 * Subdomain, 0 not set */
	const char *ca_file;		/* NULL: not set, or "system" */
	const char *no_verify;		/* the file that turns certificate
					 * checks off, or NULL */
	const char *from;		/* the file of s3_host */
};

/* ---- pure parts, for the unit tests ---- */

/* Merges the text of one boto file into b (file must outlive b). Returns
 * 0, -1 (not INI, *errline set), -2 (no memory). */
int cred_boto_parse(const char *text, size_t len, const char *file,
    struct cred_boto *b, size_t *errline);

/* Interprets b's S3 settings as boto does: is_secure as ConfigParser's
 * getboolean (1/yes/true/on, 0/no/false/off), https_validate_certificates
 * as boto's getbool ("true" in any case, else false), s3_port a number,
 * calling_format boto.s3.connection.OrdinaryCallingFormat (path style) or
 * SubdomainCallingFormat (virtual host). Returns 0, or -1 with one line
 * naming the file and the setting. */
int cred_boto_s3(const struct cred_boto *b, struct boto_s3 *out, char *err,
    size_t errlen);


/* Calls cb for each "key = value" of an AWS shared file (INI as Python's
 * configparser reads it: [section], "=" or ":", comment lines starting
 * with # or ;, indented continuation lines, CRLF). Inline " #" and " ;"
 * comments are cut, as the AWS SDKs do. A non-zero return of cb stops the
 * walk and is returned. -1 with *errline (1-based) when a line is none of
 * these. Keys are passed lower-cased. */
typedef int (*cred_ini_cb)(void *arg, const char *section, const char *key,
    const char *value);
int cred_ini_parse(const char *text, size_t len, cred_ini_cb cb, void *arg,
    size_t *errline);

/* The settings of a profile beside its keys and region. */
enum cred_setting {
	CS_ROLE_ARN, CS_SOURCE_PROFILE, CS_CREDENTIAL_SOURCE, CS_EXTERNAL_ID,
	CS_ROLE_SESSION_NAME, CS_DURATION_SECONDS, CS_MFA_SERIAL,
	CS_WEB_IDENTITY_TOKEN_FILE, CS_CREDENTIAL_PROCESS, CS_SSO_SESSION,
	CS_SSO_START_URL, CS_SSO_ACCOUNT_ID, CS_SSO_ROLE_NAME, CS_SSO_REGION,
	CS_ENDPOINT_URL, CS_STS_REGIONAL_ENDPOINTS, CS_N
};

/* One profile of a shared file. */
struct cred_profile {
	int found;			/* the section exists */
	char *access_key, *secret_key, *token, *region;
	char *set[CS_N];		/* NULL: not set */
};

/* Fills p from the text of a shared file. kind: 0 the credentials file
 * ("[name]"), 1 the config file ("[default]", "[profile name]"), 2 an
 * sso-session of the config file ("[sso-session name]"). Returns 0, -1
 * (parse error, *errline set), -2 (no memory). */
int cred_profile_parse(const char *text, size_t len, const char *profile,
    int kind, struct cred_profile *p, size_t *errline);
void cred_profile_free(struct cred_profile *p);

/* How the profile `profile` of the two shared files' texts (NULL: no
 * file) gets its keys, as cred_chain_source would name it ("assumed role
 * R (profile 'a') with profile 'b' of FILE", ...), or what is wrong with
 * it (a source_profile loop, mfa_serial, a missing setting): 0 with the
 * description in out, 1 when the profile gives no keys, -1 with the
 * problem in out. For the tests: no file is read, nothing fetched. */
int cred_profile_plan(const char *cred_text, const char *conf_text,
    const char *profile, char *out, size_t outlen);

/* Fills k with copies of the keys after checking them (cred_key_valid;
 * an empty token is none) and exp, an ISO 8601 time or NULL. 0, or -1
 * with err naming what is missing or wrong. */
int cred_keys_fill(struct cred_keys *k, const char *ak, const char *sk,
    const char *tk, const char *exp, char *err, size_t errlen);

/* The JSON document of IMDS and container credentials: AccessKeyId,
 * SecretAccessKey, Token, Expiration; a "Code" other than "Success" is an
 * error. Returns 0, or -1 with a reason in err. */
int cred_parse_json(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen);

/* When keys fetched at `fetched` that expire at `expires` are fetched
 * again: 15 minutes ahead as botocore, or halfway through a shorter life. */
time_t cred_refresh_time(time_t fetched, time_t expires);

/* AWS_CONTAINER_CREDENTIALS_FULL_URI may be https, or http to loopback or
 * to the ECS and EKS agents' link-local addresses. */
int cred_full_uri_allowed(const struct http_url *u);

/* A key, secret or token fit for a request: printable ASCII without
 * spaces, not empty. */
int cred_key_valid(const char *s);

/* A region name fit for a host name and a signature scope. */
int cred_region_valid(const char *region);

#endif
