/* s3sign.h: AWS Signature Version 4 for S3 requests (header authentication).
 * Pure: the time, credentials and request are arguments; no sockets, no clock. */
#ifndef TABLESNAP_S3SIGN_H
#define TABLESNAP_S3SIGN_H

#include <stddef.h>
#include <time.h>

/* "UNSIGNED-PAYLOAD" and the SHA-256 of the empty body. */
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_header {
	const char *name;	/* any case; signed lower-cased */
	const char *value;	/* trimmed, inner runs of spaces collapsed when signed */
};

struct sigv4_request {
	const char *method;		/* "PUT" */
	const char *canonical_uri;	/* already percent-encoded once, '/' kept */
	const char *query;		/* raw "a=b&c" as sent, each name and value
					 * already encoded; sorted by the signer */
	const struct sigv4_header *headers; /* every header to sign, including
					 * host, x-amz-date, x-amz-content-sha256 */
	size_t nheaders;
	const char *payload_hash;	/* 64 hex chars or SIGV4_UNSIGNED_PAYLOAD */
	const char *amz_date;		/* "20130524T000000Z" */
	const char *region;		/* "us-east-1" */
	const char *service;		/* "s3" */
	const char *access_key;
	const char *secret_key;
};

/* Formats t (UTC) as "YYYYMMDDTHHMMSSZ" into out[17]. */
void sigv4_amz_date(time_t t, char out[17]);

/* The canonical request (spec order), malloc'd; NULL when out of memory. */
char *sigv4_canonical_request(const struct sigv4_request *req);

/* The string to sign, malloc'd; NULL when out of memory. */
char *sigv4_string_to_sign(const struct sigv4_request *req);

/* The Authorization header value ("AWS4-HMAC-SHA256 Credential=…,
 * SignedHeaders=…,Signature=…"), malloc'd; NULL when out of memory. */
char *sigv4_authorization(const struct sigv4_request *req);

/* Hex SHA-256 of a buffer into out[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
