/* test_s3sign.c: unit tests for s3sign.c: the S3 SigV4 worked examples, the
 * generic suite's get-vanilla, and the canonicalisation rules one by one. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s3sign.h"
#include "unit.h"

void	test_s3sign(void);

#define AK	"AKIAIOSFODNN7EXAMPLE"
#define SK	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define HOST	"examplebucket.s3.amazonaws.com"
#define DATE	"20130524T000000Z"
#define SCOPE	"20130524/us-east-1/s3/aws4_request"
#define EMPTY	SIGV4_EMPTY_SHA256
#define BODY_B	"44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"

/* One worked example: the request and every intermediate value. */
struct example {
	const char		*name;
	struct sigv4_request	 req;
	const char		*cr;		/* canonical request */
	const char		*cr_sha256;
	const char		*scope;
	const char		*signed_headers;
	const char		*signature;
};

static void	test_examples(void);
static void	test_example_a_literal(void);
static void	test_example_b_messy(void);
static void	test_query(void);
static void	test_headers(void);
static void	test_uri(void);
static void	test_amz_date(void);
static void	test_sha256_hex(void);
static char	*query_line(const char *);

/*
 * The headers of A and C are given out of order and in mixed case on
 * purpose: the signer must sort and lower-case them into the documented
 * text. E's query is shuffled for the same reason.
 */
static const struct sigv4_header hdr_a[] = {
	{ "X-Amz-Date", DATE },
	{ "Range", "bytes=0-9" },
	{ "x-amz-content-sha256", EMPTY },
	{ "HOST", HOST },
};
static const struct sigv4_header hdr_b[] = {
	{ "date", "Fri, 24 May 2013 00:00:00 GMT" },
	{ "host", HOST },
	{ "x-amz-content-sha256", BODY_B },
	{ "x-amz-date", DATE },
	{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
};
static const struct sigv4_header hdr_c[] = {
	{ "x-amz-date", DATE },
	{ "Host", HOST },
	{ "X-Amz-Content-SHA256", EMPTY },
};
static const struct sigv4_header hdr_d[] = {
	{ "host", HOST },
	{ "x-amz-content-sha256", EMPTY },
	{ "x-amz-date", DATE },
};
static const struct sigv4_header hdr_e[] = {
	{ "Host", HOST },
};
static const struct sigv4_header hdr_f[] = {
	{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
	{ "x-amz-decoded-content-length", "66560" },
	{ "x-amz-date", DATE },
	{ "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" },
	{ "Host", "s3.amazonaws.com" },
	{ "Content-Length", "66824" },
	{ "Content-Encoding", "aws-chunked" },
};
static const struct sigv4_header hdr_vanilla[] = {
	{ "Host", "example.amazonaws.com" },
	{ "X-Amz-Date", "20150830T123600Z" },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))
#define S3REQ(m, uri, q, h, hash) { m, uri, q, h, NITEMS(h), hash, DATE, \
	"us-east-1", "s3", AK, SK }

static const struct example examples[] = {
	{
		"A: GET object with Range",
		S3REQ("GET", "/test.txt", "", hdr_a, EMPTY),
		"GET\n"
		"/test.txt\n"
		"\n"
		"host:" HOST "\n"
		"range:bytes=0-9\n"
		"x-amz-content-sha256:" EMPTY "\n"
		"x-amz-date:" DATE "\n"
		"\n"
		"host;range;x-amz-content-sha256;x-amz-date\n"
		EMPTY,
		"7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
		SCOPE,
		"host;range;x-amz-content-sha256;x-amz-date",
		"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
	},
	{
		"B: PUT object",
		S3REQ("PUT", "/test%24file.text", NULL, hdr_b, BODY_B),
		"PUT\n"
		"/test%24file.text\n"
		"\n"
		"date:Fri, 24 May 2013 00:00:00 GMT\n"
		"host:" HOST "\n"
		"x-amz-content-sha256:" BODY_B "\n"
		"x-amz-date:" DATE "\n"
		"x-amz-storage-class:REDUCED_REDUNDANCY\n"
		"\n"
		"date;host;x-amz-content-sha256;x-amz-date;"
		"x-amz-storage-class\n"
		BODY_B,
		"9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
		SCOPE,
		"date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
		"98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
	},
	{
		"C: GET bucket lifecycle",
		S3REQ("GET", "/", "lifecycle", hdr_c, EMPTY),
		"GET\n"
		"/\n"
		"lifecycle=\n"
		"host:" HOST "\n"
		"x-amz-content-sha256:" EMPTY "\n"
		"x-amz-date:" DATE "\n"
		"\n"
		"host;x-amz-content-sha256;x-amz-date\n"
		EMPTY,
		"9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
		SCOPE,
		"host;x-amz-content-sha256;x-amz-date",
		"fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
	},
	{
		"D: list objects",
		S3REQ("GET", "/", "prefix=J&max-keys=2", hdr_d, EMPTY),
		"GET\n"
		"/\n"
		"max-keys=2&prefix=J\n"
		"host:" HOST "\n"
		"x-amz-content-sha256:" EMPTY "\n"
		"x-amz-date:" DATE "\n"
		"\n"
		"host;x-amz-content-sha256;x-amz-date\n"
		EMPTY,
		"df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
		SCOPE,
		"host;x-amz-content-sha256;x-amz-date",
		"34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
	},
	{
		/* The presigned URL's signature is the same computation;
		 * only where it travels differs. */
		"E: presigned URL",
		S3REQ("GET", "/test.txt",
		    "X-Amz-SignedHeaders=host&X-Amz-Expires=86400"
		    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
		    "us-east-1%2Fs3%2Faws4_request"
		    "&X-Amz-Date=20130524T000000Z"
		    "&X-Amz-Algorithm=AWS4-HMAC-SHA256",
		    hdr_e, SIGV4_UNSIGNED_PAYLOAD),
		"GET\n"
		"/test.txt\n"
		"X-Amz-Algorithm=AWS4-HMAC-SHA256"
		"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
		"us-east-1%2Fs3%2Faws4_request"
		"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
		"&X-Amz-SignedHeaders=host\n"
		"host:" HOST "\n"
		"\n"
		"host\n"
		"UNSIGNED-PAYLOAD",
		"3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04",
		SCOPE,
		"host",
		"aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
	},
	{
		"F: aws-chunked PUT, seed signature",
		S3REQ("PUT", "/examplebucket/chunkObject.txt", "", hdr_f,
		    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
		"PUT\n"
		"/examplebucket/chunkObject.txt\n"
		"\n"
		"content-encoding:aws-chunked\n"
		"content-length:66824\n"
		"host:s3.amazonaws.com\n"
		"x-amz-content-sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\n"
		"x-amz-date:" DATE "\n"
		"x-amz-decoded-content-length:66560\n"
		"x-amz-storage-class:REDUCED_REDUNDANCY\n"
		"\n"
		"content-encoding;content-length;host;x-amz-content-sha256;"
		"x-amz-date;x-amz-decoded-content-length;x-amz-storage-class\n"
		"STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
		"cee3fed04b70f867d036f722359b0b1f2f0e5dc0efadbc082b76c4c60e316455",
		SCOPE,
		"content-encoding;content-length;host;x-amz-content-sha256;"
		"x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
		"4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
	},
	{
		/* aws-c-auth's v4/get-vanilla: another service, date and
		 * key (with '+'), and no x-amz-content-sha256. */
		"get-vanilla",
		{ "GET", "/", "", hdr_vanilla, NITEMS(hdr_vanilla), EMPTY,
		    "20150830T123600Z", "us-east-1", "service", "AKIDEXAMPLE",
		    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
		"GET\n"
		"/\n"
		"\n"
		"host:example.amazonaws.com\n"
		"x-amz-date:20150830T123600Z\n"
		"\n"
		"host;x-amz-date\n"
		EMPTY,
		"bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
		"20150830/us-east-1/service/aws4_request",
		"host;x-amz-date",
		"5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
	},
};

void
test_s3sign(void)
{
	test_sha256_hex();
	test_amz_date();
	test_examples();
	test_example_a_literal();
	test_example_b_messy();
	test_query();
	test_headers();
	test_uri();
}

static void
test_examples(void)
{
	const struct example *ex;
	char hash[65], want[1024];
	char *cr, *sts, *auth;
	int n;

	for (size_t i = 0; i < NITEMS(examples); i++) {
		int failed = unit_failed;

		ex = &examples[i];

		/* The expected text itself matches the published hash. */
		sigv4_sha256_hex(ex->cr, strlen(ex->cr), hash);
		CHECK_STR(hash, ex->cr_sha256);

		cr = sigv4_canonical_request(&ex->req);
		CHECK_STR(cr, ex->cr);
		if (cr != NULL) {
			sigv4_sha256_hex(cr, strlen(cr), hash);
			CHECK_STR(hash, ex->cr_sha256);
		}
		free(cr);

		n = snprintf(want, sizeof(want), "AWS4-HMAC-SHA256\n%s\n%s\n%s",
		    ex->req.amz_date, ex->scope, ex->cr_sha256);
		CHECK(n > 0 && (size_t)n < sizeof(want));
		sts = sigv4_string_to_sign(&ex->req);
		CHECK_STR(sts, want);
		free(sts);

		n = snprintf(want, sizeof(want), "AWS4-HMAC-SHA256 Credential="
		    "%s/%s,SignedHeaders=%s,Signature=%s", ex->req.access_key,
		    ex->scope, ex->signed_headers, ex->signature);
		CHECK(n > 0 && (size_t)n < sizeof(want));
		auth = sigv4_authorization(&ex->req);
		CHECK_STR(auth, want);
		CHECK(auth != NULL && strstr(auth, ex->signature) != NULL);
		free(auth);
		if (unit_failed != failed)
			fprintf(stderr, "    in example %s\n", ex->name);
	}
}

/* Example A's Authorization header, exactly as published. */
static void
test_example_a_literal(void)
{
	char *auth = sigv4_authorization(&examples[0].req);

	CHECK_STR(auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
	    "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;"
	    "x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd"
	    "35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
	free(auth);
}

/* Example B with white space the signer must trim and collapse, and names in
 * mixed case: same canonical request, same signature. A wrong secret or
 * region must change the signature. */
static void
test_example_b_messy(void)
{
	static const struct sigv4_header messy[] = {
		{ "X-Amz-Storage-Class", "\tREDUCED_REDUNDANCY  " },
		{ "DATE", "  Fri,  24 May\t2013 00:00:00 \t GMT " },
		{ "X-AMZ-DATE", DATE },
		{ "x-amz-content-sha256", " " BODY_B },
		{ "Host", HOST "   " },
	};
	struct sigv4_request req = examples[1].req;
	char *cr, *auth;

	req.headers = messy;
	req.nheaders = NITEMS(messy);
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, examples[1].cr);
	free(cr);
	auth = sigv4_authorization(&req);
	CHECK(auth != NULL && strstr(auth, examples[1].signature) != NULL);
	free(auth);

	req.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX";
	auth = sigv4_authorization(&req);
	CHECK(auth != NULL && strstr(auth, examples[1].signature) == NULL);
	free(auth);
	req.secret_key = SK;
	req.region = "eu-west-1";
	auth = sigv4_authorization(&req);
	CHECK(auth != NULL && strstr(auth, "/eu-west-1/s3/aws4_request,") !=
	    NULL && strstr(auth, examples[1].signature) == NULL);
	free(auth);
}

/* The CanonicalQueryString line the signer makes of query. */
static char *
query_line(const char *query)
{
	static const struct sigv4_header host[] = { { "host", HOST } };
	struct sigv4_request req = S3REQ("GET", "/", query, host, EMPTY);
	char *cr, *line = NULL, *start, *end;

	if ((cr = sigv4_canonical_request(&req)) == NULL)
		return NULL;
	/* Third line: after "GET\n/\n". */
	if (strncmp(cr, "GET\n/\n", 6) == 0) {
		start = cr + 6;
		if ((end = strchr(start, '\n')) != NULL)
			line = strndup(start, (size_t)(end - start));
	}
	free(cr);
	return line;
}

static void
test_query(void)
{
	static const struct {
		const char	*query;
		const char	*want;
	} q[] = {
		{ NULL, "" },
		{ "", "" },
		{ "uploads", "uploads=" },
		{ "uploads=", "uploads=" },
		{ "lifecycle", "lifecycle=" },
		{ "uploadId=x&partNumber=2", "partNumber=2&uploadId=x" },
		{ "partNumber=10&partNumber=2&partNumber=1",
		    "partNumber=1&partNumber=10&partNumber=2" },
		{ "b=2&a=3&b=1&a=1", "a=1&a=3&b=1&b=2" },
		{ "k=b&k=B&k=a&k=", "k=&k=B&k=a&k=b" },
		{ "a&a=", "a=&a=" },
		/* Name first, then value: sorting the pair text whole would
		 * put "a-b=1" first ('-' < '='). */
		{ "a-b=1&a=2", "a=2&a-b=1" },
		{ "ab=1&a=2", "a=2&ab=1" },
		/* Byte order: upper case before lower case
		 * (get-vanilla-query-order-key-case). */
		{ "Param2=value2&Param1=value1&param0=x",
		    "Param1=value1&Param2=value2&param0=x" },
		/* Already encoded by the caller: signed as is, not twice. */
		{ "prefix=a%2Fb&delimiter=%2F", "delimiter=%2F&prefix=a%2Fb" },
		{ "list-type=2&prefix=photos%2F2024%20x&encoding-type=url",
		    "encoding-type=url&list-type=2&prefix=photos%2F2024%20x" },
		{ "a=1=2", "a=1=2" },
		{ "&a=1&&b=2&", "a=1&b=2" },
		{ "=x&a=1", "=x&a=1" },
		{ "uploadId=VXBsb2FkIElE&partNumber=3&uploads",
		    "partNumber=3&uploadId=VXBsb2FkIElE&uploads=" },
	};
	char *line;

	for (size_t i = 0; i < NITEMS(q); i++) {
		line = query_line(q[i].query);
		CHECK_STR(line, q[i].want);
		free(line);
	}
}

static void
test_headers(void)
{
	static const struct sigv4_header shuffled[] = {
		{ "X-Amz-Meta-Zeta", "z" },
		{ "x-amz-date", DATE },
		{ "CONTENT-TYPE", "Text/Plain" },
		{ "Host", HOST },
		{ "x-Amz-Content-Sha256", EMPTY },
		{ "Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==" },
	};
	static const struct sigv4_header spaces[] = {
		{ "host", "  a   b  " },
		{ "x-a", "\ta\t\tb \t c\r\n" },
		{ "x-b", "   " },
		{ "x-c", "" },
		{ "x-d", "nospace" },
	};
	/* Many repeats among other names, so that an unstable sort without
	 * a tie-break (musl's smoothsort) would shuffle them. */
	static const struct sigv4_header repeated[] = {
		{ "X-Amz-Meta-A", "9" },
		{ "x-amz-meta-b", "b" },
		{ "x-amz-meta-a", " 8  x" },
		{ "host", HOST },
		{ "X-AMZ-META-A", "7" },
		{ "x-amz-meta-a", "6" },
		{ "x-amz-date", DATE },
		{ "x-amz-meta-a", "5" },
		{ "x-amz-meta-a", "4" },
		{ "x-amz-meta-c", "c" },
		{ "x-amz-meta-a", "3" },
		{ "x-amz-meta-a", "2" },
		{ "x-amz-meta-a", "1" },
		{ "x-amz-meta-a", "0" },
	};
	struct sigv4_request req = S3REQ("GET", "/", "", shuffled, EMPTY);
	char *cr, *auth;

	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "GET\n/\n\n"
	    "content-md5:1B2M2Y8AsgTpgAmY7PhCfg==\n"
	    "content-type:Text/Plain\n"
	    "host:" HOST "\n"
	    "x-amz-content-sha256:" EMPTY "\n"
	    "x-amz-date:" DATE "\n"
	    "x-amz-meta-zeta:z\n"
	    "\n"
	    "content-md5;content-type;host;x-amz-content-sha256;x-amz-date;"
	    "x-amz-meta-zeta\n"
	    EMPTY);
	free(cr);
	auth = sigv4_authorization(&req);
	CHECK(auth != NULL && strstr(auth, ",SignedHeaders=content-md5;"
	    "content-type;host;x-amz-content-sha256;x-amz-date;"
	    "x-amz-meta-zeta,Signature=") != NULL);
	free(auth);

	req.headers = spaces;
	req.nheaders = NITEMS(spaces);
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "GET\n/\n\n"
	    "host:a b\n"
	    "x-a:a b c\n"
	    "x-b:\n"
	    "x-c:\n"
	    "x-d:nospace\n"
	    "\n"
	    "host;x-a;x-b;x-c;x-d\n"
	    EMPTY);
	free(cr);

	/* A repeated name is signed once, values joined in given order. */
	req.headers = repeated;
	req.nheaders = NITEMS(repeated);
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "GET\n/\n\n"
	    "host:" HOST "\n"
	    "x-amz-date:" DATE "\n"
	    "x-amz-meta-a:9,8 x,7,6,5,4,3,2,1,0\n"
	    "x-amz-meta-b:b\n"
	    "x-amz-meta-c:c\n"
	    "\n"
	    "host;x-amz-date;x-amz-meta-a;x-amz-meta-b;x-amz-meta-c\n"
	    EMPTY);
	free(cr);

	/* No headers at all still makes a well-formed (if useless) text. */
	req.headers = NULL;
	req.nheaders = 0;
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "GET\n/\n\n\n\n" EMPTY);
	free(cr);
}

static void
test_uri(void)
{
	static const struct sigv4_header host[] = { { "host", HOST } };
	struct sigv4_request req = S3REQ("PUT", "", "partNumber=1", host,
	    SIGV4_UNSIGNED_PAYLOAD);
	char *cr;

	/* An empty path is "/". */
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "PUT\n/\npartNumber=1\nhost:" HOST "\n\nhost\n"
	    "UNSIGNED-PAYLOAD");
	free(cr);
	req.canonical_uri = NULL;
	cr = sigv4_canonical_request(&req);
	CHECK(cr != NULL && strncmp(cr, "PUT\n/\n", 6) == 0);
	free(cr);

	/* S3: no normalisation, no second encoding. */
	req.canonical_uri = "/bucket//a/./b/../c%20d%3A";
	cr = sigv4_canonical_request(&req);
	CHECK_STR(cr, "PUT\n/bucket//a/./b/../c%20d%3A\npartNumber=1\n"
	    "host:" HOST "\n\nhost\nUNSIGNED-PAYLOAD");
	free(cr);
}

static void
test_amz_date(void)
{
	static const struct {
		long long	 t;
		const char	*want;
	} d[] = {
		{ 1369353600, "20130524T000000Z" },	/* the AWS examples */
		{ 0, "19700101T000000Z" },
		{ -1, "19691231T235959Z" },
		{ 951827696, "20000229T123456Z" },	/* leap: 400 */
		{ 1456790399, "20160229T235959Z" },	/* leap: 4 */
		{ 1456790400, "20160301T000000Z" },
		{ 4107542399, "21000228T235959Z" },	/* not leap: 100 */
		{ 4107542400, "21000301T000000Z" },
		{ 253402300799, "99991231T235959Z" },
		{ 253402300800, "" },			/* year 10000 */
	};
	char out[17];

	for (size_t i = 0; i < NITEMS(d); i++) {
		if ((long long)(time_t)d[i].t != d[i].t)
			continue;	/* a 32-bit time_t cannot say it */
		memset(out, 'X', sizeof(out));
		sigv4_amz_date((time_t)d[i].t, out);
		CHECK_STR(out, d[i].want);
	}
}

static void
test_sha256_hex(void)
{
	char out[65];

	sigv4_sha256_hex("", 0, out);
	CHECK_STR(out, SIGV4_EMPTY_SHA256);
	sigv4_sha256_hex("abc", 3, out);
	CHECK_STR(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff"
	    "61f20015ad");
	sigv4_sha256_hex("Welcome to Amazon S3.", 21, out);
	CHECK_STR(out, BODY_B);
}
