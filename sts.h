/* sts.h: the answers of the services that hand out temporary keys (STS,
 * the SSO portal, a credential_process) read into keys. Pure: no I/O. */
#ifndef TABLESNAP_STS_H
#define TABLESNAP_STS_H

#include <stddef.h>
#include <time.h>

#include "creds.h"

/* The answer of AssumeRole or AssumeRoleWithWebIdentity: <Credentials>
 * with AccessKeyId, SecretAccessKey, SessionToken, Expiration. An
 * <ErrorResponse> gives "Code: Message" in err. Returns 0, -1, or -2
 * when the answer holds neither keys nor an error. */
int sts_parse_answer(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen);

/* What a credential_process prints: JSON, Version 1, AccessKeyId,
 * SecretAccessKey, SessionToken and Expiration (both optional).
 * Returns 0 or -1. */
int sts_parse_process(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen);

/* A token file of ~/.aws/sso/cache: accessToken (malloc'd into *token)
 * and expiresAt ("...Z", or "...UTC" as older CLIs wrote). 0 or -1. */
int sts_parse_sso_token(const char *body, size_t len, char **token,
    time_t *expires, char *err, size_t errlen);

/* The portal's GetRoleCredentials answer: roleCredentials with
 * accessKeyId, secretAccessKey, sessionToken, expiration (ms since the
 * epoch). 0 or -1. */
int sts_parse_sso_role(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen);

/* The cache file name the AWS CLI gives the token of an sso_session (its
 * name) or of a legacy profile (its sso_start_url): the SHA-1 of it in hex,
 * then ".json". */
#define STS_SSO_NAME_LEN 46
void sts_sso_cache_name(const char *key, char out[STS_SSO_NAME_LEN]);

/* A credential_process split into words as the AWS CLI does (Python's
 * shlex.split: blanks separate, '...' literal, "..." with \" and \\,
 * a backslash outside quotes escapes any byte; no shell). A malloc'd
 * NULL-terminated array (sts_argv_free), or NULL with err. */
char **sts_split_argv(const char *s, char *err, size_t errlen);
void sts_argv_free(char **argv);

#endif
