/* sts.c: reading what STS, the SSO portal, a credential_process and the
 * instance and container metadata services answer with, the SSO cache file
 * name, and the credential_process words. Pure: no I/O. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "isotime.h"
#include "jsonread.h"
#include "sts.h"
#include "xml.h"

/* forwards */
static char	*xml_dup(const char *, size_t, const char *);
static void	 jr_wipe(struct jr_value *);

/* The decoded text of the first element `tag`, malloc'd; NULL: none. */
static char *
xml_dup(const char *doc, size_t len, const char *tag)
{
	struct xml_span sp;
	size_t pos = 0;

	if (xml_next(doc, len, &pos, tag, &sp) != 1)
		return NULL;
	return xml_decode(&sp);
}

int
sts_parse_answer(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen)
{
	char *v[4], *code, *msg;
	static const char *const tags[4] = { "AccessKeyId",
	    "SecretAccessKey", "SessionToken", "Expiration" };
	int r = -1;

	memset(out, 0, sizeof(*out));
	/* Whole: an AccessDenied's Message names the role and the caller,
	 * often past 256 bytes. */
	if ((code = xml_dup(body, len, "Code")) != NULL) {
		msg = xml_dup(body, len, "Message");
		err_set(err, errlen, "%.128s: %.600s", code, msg ? msg : "");
		free(code);
		free(msg);
		return -1;
	}
	for (int i = 0; i < 4; i++)
		v[i] = xml_dup(body, len, tags[i]);
	if (v[3] == NULL) {
		err_set(err, errlen, "no Credentials with an Expiration in the "
		    "answer");
		r = -2;
	} else
		r = cred_keys_fill(out, v[0], v[1], v[2], v[3], err, errlen);
	for (int i = 0; i < 4; i++)
		free_secret(v[i]);
	return r;
}

static void
jr_zero(struct jr_value *v)
{
	if (v->type == JR_STRING)
		explicit_bzero(v->str, v->len);
	if (v->type == JR_ARRAY || v->type == JR_OBJECT)
		for (size_t i = 0; i < v->len; i++)
			jr_zero(&v->items[i]);
}

/* The strings of a parsed document hold secrets. */
static void
jr_wipe(struct jr_value *v)
{
	if (v != NULL)
		jr_zero(v);
	jr_free(v);
}

static struct jr_value *
json_object(const char *body, size_t len, char *err, size_t errlen)
{
	char why[128];
	struct jr_value *doc = jr_parse(body, len, why, sizeof(why));

	if (doc == NULL)
		err_set(err, errlen, "not JSON (%s)", why);
	else if (doc->type != JR_OBJECT) {
		err_set(err, errlen, "not a JSON object");
		jr_wipe(doc);
		doc = NULL;
	}
	return doc;
}

int
cred_parse_json(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen)
{
	struct jr_value *doc;
	const char *code;
	char why[200];
	int r = -1;

	memset(out, 0, sizeof(*out));
	if ((doc = json_object(body, len, why, sizeof(why))) == NULL)
		return err_set(err, errlen, "the answer is %s", why);
	code = jr_member_str(doc, "Code");
	if (code != NULL && strcmp(code, "Success") != 0)
		err_set(err, errlen, "the answer says Code \"%.64s\"", code);
	else
		r = cred_keys_fill(out, jr_member_str(doc, "AccessKeyId"),
		    jr_member_str(doc, "SecretAccessKey"),
		    jr_member_str(doc, "Token"),
		    jr_member_str(doc, "Expiration"), err, errlen);
	jr_wipe(doc);
	return r;
}

int
sts_parse_process(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen)
{
	struct jr_value *doc;
	long long version;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if ((doc = json_object(body, len, err, errlen)) == NULL)
		return -1;
	if (jr_member_int(doc, "Version", &version) < 0 || version != 1)
		err_set(err, errlen, "no \"Version\": 1 in its output (the only "
		    "version there is)");
	else
		r = cred_keys_fill(out, jr_member_str(doc, "AccessKeyId"),
		    jr_member_str(doc, "SecretAccessKey"),
		    jr_member_str(doc, "SessionToken"),
		    jr_member_str(doc, "Expiration"), err, errlen);
	jr_wipe(doc);
	return r;
}

int
sts_parse_sso_token(const char *body, size_t len, char **token,
    time_t *expires, char *err, size_t errlen)
{
	struct jr_value *doc;
	const char *tok, *exp;
	char when[64];
	size_t n;
	int r = -1;

	*token = NULL;
	if ((doc = json_object(body, len, err, errlen)) == NULL)
		return -1;
	tok = jr_member_str(doc, "accessToken");
	exp = jr_member_str(doc, "expiresAt");
	n = exp != NULL ? strlen(exp) : 0;
	/* "2019-11-14T04:05:45UTC" from older CLIs */
	if (n > 3 && n < sizeof(when) && strcmp(exp + n - 3, "UTC") == 0) {
		memcpy(when, exp, n - 3);
		memcpy(when + n - 3, "Z", 2);
		exp = when;
	}
	if (!cred_key_valid(tok) || exp == NULL)
		err_set(err, errlen, "no accessToken and expiresAt in it");
	else if (isotime_parse(exp, expires) < 0)
		err_set(err, errlen, "expiresAt \"%.64s\" is not an ISO 8601 "
		    "time", exp);
	else if ((*token = strdup(tok)) == NULL)
		err_set(err, errlen, "out of memory");
	else
		r = 0;
	jr_wipe(doc);
	return r;
}

int
sts_parse_sso_role(const char *body, size_t len, struct cred_keys *out,
    char *err, size_t errlen)
{
	struct jr_value *doc;
	const struct jr_value *rc;
	long long ms;
	int r = -1;

	memset(out, 0, sizeof(*out));
	if ((doc = json_object(body, len, err, errlen)) == NULL)
		return -1;
	rc = jr_member(doc, "roleCredentials", 15);
	if (rc == NULL || jr_member_int(rc, "expiration", &ms) < 0 || ms <= 0)
		err_set(err, errlen, "no roleCredentials with an expiration in "
		    "the answer");
	else if (cred_keys_fill(out, jr_member_str(rc, "accessKeyId"),
	    jr_member_str(rc, "secretAccessKey"),
	    jr_member_str(rc, "sessionToken"), NULL, err, errlen) == 0) {
		out->expiration = (time_t)(ms / 1000);
		r = 0;
	}
	jr_wipe(doc);
	return r;
}

/* SHA-1 (FIPS 180-4) of a short string: one file name per fetch, so
 * small rather than fast (BearSSL's br_sha1 is four times the size). */
static void
sha1(const char *s, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
	    0xc3d2e1f0 }, v[5], w[80], f, k, t;
	uint64_t bits = (uint64_t)len * 8;
	size_t total = (len + 9 + 63) / 64 * 64;	/* with the padding */

	for (size_t off = 0; off < total; off += 64) {
		for (size_t i = 0; i < 64; i++) {
			size_t p = off + i;
			uint32_t b = p < len ? (unsigned char)s[p] : p == len ?
			    0x80 : p + 8 >= total ? (uint32_t)(bits >>
			    (8 * (total - 1 - p))) & 0xff : 0;

			w[i / 4] = (i % 4 ? w[i / 4] << 8 : 0) | b;
		}
		for (int i = 16; i < 80; i++) {
			t = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
			w[i] = t << 1 | t >> 31;
		}
		memcpy(v, h, sizeof(v));
		for (int i = 0; i < 80; i++) {
			if (i < 20)
				f = (v[1] & v[2]) | (~v[1] & v[3]), k = 0x5a827999;
			else if (i < 40)
				f = v[1] ^ v[2] ^ v[3], k = 0x6ed9eba1;
			else if (i < 60)
				f = (v[1] & v[2]) | (v[1] & v[3]) | (v[2] & v[3]),
				k = 0x8f1bbcdc;
			else
				f = v[1] ^ v[2] ^ v[3], k = 0xca62c1d6;
			t = (v[0] << 5 | v[0] >> 27) + f + v[4] + k + w[i];
			v[4] = v[3];
			v[3] = v[2];
			v[2] = v[1] << 30 | v[1] >> 2;
			v[1] = v[0];
			v[0] = t;
		}
		for (int i = 0; i < 5; i++)
			h[i] += v[i];
	}
	for (int i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

void
sts_sso_cache_name(const char *key, char out[STS_SSO_NAME_LEN])
{
	unsigned char h[20];

	sha1(key, strlen(key), h);
	hex_encode(h, sizeof(h), out);
	memcpy(out + 40, ".json", 6);
}

void
sts_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (char **a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

char **
sts_split_argv(const char *s, char *err, size_t errlen)
{
	struct buf w = { 0 };
	char **argv = NULL, **grown, quote = 0;
	size_t n = 0, cap = 0;
	int word = 0;

	for (;; s++) {
		char c = *s;

		if (c == '\0' || (!quote && strchr(" \t\r\n", c) != NULL)) {
			if (word) {
				if ((grown = array_grow(argv, &cap, n + 2,
				    sizeof(*argv))) == NULL ||
				    (grown[n] = buf_take(&w)) == NULL) {
					argv = grown ? grown : argv;
					err_set(err, errlen, "out of memory");
					goto fail;
				}
				argv = grown;
				argv[++n] = NULL;
				word = 0;
			}
			if (c == '\0')
				break;
			continue;
		}
		word = 1;
		if (quote == c)
			quote = 0;
		else if (!quote && (c == '\'' || c == '"'))
			quote = c;
		else if (c == '\\' && quote != '\'' && (quote == 0 ||
		    s[1] == '"' || s[1] == '\\')) {
			if (*++s == '\0') {
				err_set(err, errlen, "it ends in a backslash");
				goto fail;
			}
			buf_add(&w, s, 1);
		} else
			buf_add(&w, s, 1);
	}
	if (quote) {
		err_set(err, errlen, "a quotation (%c) is not closed", quote);
		goto fail;
	}
	if (n == 0) {
		err_set(err, errlen, "it is empty");
		goto fail;
	}
	return argv;
fail:
	buf_free(&w);
	if (argv != NULL)
		argv[n] = NULL;
	sts_argv_free(argv);
	return NULL;
}
