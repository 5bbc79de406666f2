/* test_xml.c: xml.c on the answers S3, radosgw and STS send, on entity
 * decoding, and on hostile documents read from exact-size heap copies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../xml.h"
#include "unit.h"

static char	*dup_exact(const char *, size_t);
static long	 text_of(const char *, const char *, char *, size_t);
static char	*decoded(const char *);
static void	 test_list_bucket(void);
static void	 test_error(void);
static void	 test_multipart(void);
static void	 test_list_uploads(void);
static void	 test_entities(void);
static void	 test_markup(void);
static void	 test_malformed(void);
static void	 test_room(void);
static void	 test_truncations(void);
static void	 test_huge(void);
static void	 test_fuzz(void);
static void	 test_escape(void);

static const char list_bucket[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>backups</Name><Prefix>host:/var/lib/cassandra/</Prefix>"
    "<KeyCount>3</KeyCount><MaxKeys>1000</MaxKeys>"
    "<NextKey>not-a-key</NextKey><Marker></Marker>"
    "<IsTruncated>false</IsTruncated>"
    "<Contents><Key>a&amp;b</Key>"
    "<LastModified>2024-05-01T10:00:00.000Z</LastModified>"
    "<ETag>&quot;abc&quot;</ETag><Size>3</Size>"
    "<Owner><ID>75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6cae"
    "d54ba07</ID><DisplayName>mtd</DisplayName></Owner>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>host:/d/ks-cf-ka-1-Data.db-listdir.json</Key>"
    "<LastModified>2024-05-01T10:00:01.000Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag>"
    "<Size>102</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>caf&#xE9; &lt;1&gt;</Key>"
    "<LastModified>2024-05-01T10:00:02.000Z</LastModified>"
    "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e-2&quot;</ETag>"
    "<Size>10485760</Size><StorageClass>STANDARD_IA</StorageClass>"
    "</Contents></ListBucketResult>";

static const char error_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>NoSuchBucket</Code><Message/>"
    "<BucketName>backups</BucketName><RequestId>4442587FB7D0A2F9</RequestId>"
    "<HostId>xAHmM+0X3bBk9Zk2nBtwJ8LgyT9hM1PrzQ=</HostId></Error>";

static const char region_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>AuthorizationHeaderMalformed</Code><Message>The "
    "authorization header is malformed; the region 'us-east-1' is wrong; "
    "expecting 'eu-west-1'</Message><Region>eu-west-1</Region>"
    "<RequestId>C4E4D5F3A8E2B1D0</RequestId><HostId>Zm9v</HostId></Error>";

static const char initiate_doc[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<InitiateMultipartUploadResult "
    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Bucket>backups</Bucket><Key>host:/d/big-Data.db</Key>"
    "<UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA"
    "</UploadId></InitiateMultipartUploadResult>";

/* radosgw 16: an empty ETag. */
static const char complete_rgw[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<CompleteMultipartUploadResult "
    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Location>http://rgw:7480/backups/host%3A/d/big-Data.db</Location>"
    "<Bucket>backups</Bucket><Key>host:/d/big-Data.db</Key><ETag></ETag>"
    "</CompleteMultipartUploadResult>";

static const char complete_aws[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<CompleteMultipartUploadResult "
    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Location>https://backups.s3.amazonaws.com/big</Location>"
    "<Bucket>backups</Bucket><Key>big</Key>"
    "<ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"
    "</CompleteMultipartUploadResult>";

/* 200 OK, white space sent while S3 worked, then an error. */
static const char complete_error[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "                                     \n"
    "<Error><Code>InternalError</Code><Message>We encountered an internal "
    "error. Please try again.</Message><RequestId>656c76696e6727732072657"
    "1756573743e</RequestId><HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C"
    "1NPcfTWAtRPfTaOFg==</HostId></Error>";

static const char list_parts[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Bucket>backups</Bucket><Key>big</Key><UploadId>XXBsb2FkIElEIGZvci"
    "BlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>"
    "<Initiator><ID>arn:aws:iam::111122223333:user/some-user</ID>"
    "<DisplayName>umat</DisplayName></Initiator>"
    "<StorageClass>STANDARD</StorageClass>"
    "<PartNumberMarker>1</PartNumberMarker>"
    "<NextPartNumberMarker>3</NextPartNumberMarker>"
    "<MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>"
    "<Part><PartNumber>2</PartNumber>"
    "<LastModified>2010-11-10T20:48:34.000Z</LastModified>"
    "<ETag>\"7778aef83f66abc1fa1e8477f296d394\"</ETag>"
    "<Size>10485760</Size></Part>"
    "<Part><PartNumber>3</PartNumber>"
    "<LastModified>2010-11-10T20:48:33.000Z</LastModified>"
    "<ETag>&quot;aaaa18db4cc2f85cedef654fccc4a4x8&quot;</ETag>"
    "<Size>10485760</Size></Part></ListPartsResult>";

static const char list_uploads[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListMultipartUploadsResult "
    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Bucket>backups</Bucket><KeyMarker></KeyMarker><UploadIdMarker/>"
    "<NextKeyMarker>my-movie.m2ts</NextKeyMarker>"
    "<NextUploadIdMarker>YW55IGlkZWEgd2h5</NextUploadIdMarker>"
    "<Prefix>host:/</Prefix><MaxUploads>3</MaxUploads>"
    "<IsTruncated>false</IsTruncated>"
    "<Upload><Key>host:/d/one-Data.db</Key>"
    "<UploadId>XMgbGlrZSBlbHZpbmcncyBt</UploadId>"
    "<Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>"
    "<Upload><Key>host:/d/two-Data.db</Key>"
    "<UploadId>VXBsb2FkIElEIGZvciBl</UploadId>"
    "<Initiated>2010-11-10T20:49:33.000Z</Initiated></Upload>"
    "</ListMultipartUploadsResult>";

static const char sts_doc[] =
    "<AssumeRoleWithWebIdentityResponse "
    "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleWithWebIdentityResult>\n"
    "    <!-- a comment with <AccessKeyId>fake</AccessKeyId> -->\n"
    "    <Credentials>\n"
    "      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE"
    "</SessionToken>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    "</SecretAccessKey>\n"
    "      <Expiration>2014-10-24T23:00:23Z</Expiration>\n"
    "      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "    </Credentials>\n"
    "  </AssumeRoleWithWebIdentityResult>\n"
    "</AssumeRoleWithWebIdentityResponse>\n";

/* A heap copy of exactly len bytes, no NUL: reading past len is an ASan
 * error rather than a silent hit on the literal's terminator. */
static char *
dup_exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	if (p != NULL && len > 0)
		memcpy(p, s, len);
	return p;
}

/* xml_text over an exact-size copy of a NUL-terminated document. */
static long
text_of(const char *doc, const char *tag, char *out, size_t cap)
{
	size_t len = strlen(doc);
	char *d = dup_exact(doc, len);
	long r;

	if (d == NULL)
		return -3;
	r = xml_text(d, len, tag, out, cap);
	free(d);
	return r;
}

/* xml_decode of a span holding s; the caller frees. */
static char *
decoded(const char *s)
{
	struct xml_span sp;
	char *d, *r;

	sp.len = strlen(s);
	if ((d = dup_exact(s, sp.len)) == NULL)
		return NULL;
	sp.p = d;
	r = xml_decode(&sp);
	free(d);
	return r;
}

static void
test_list_bucket(void)
{
	static const char *const keys[] = {
		"a&b", "host:/d/ks-cf-ka-1-Data.db-listdir.json",
		"caf\xc3\xa9 <1>",
	};
	static const char *const etags[] = {
		"\"abc\"", "\"9b2cf535f27731c974343645a3985328\"",
		"\"d41d8cd98f00b204e9800998ecf8427e-2\"",
	};
	static const char *const sizes[] = { "3", "102", "10485760" };
	size_t len = strlen(list_bucket), pos = 0, last = 0;
	struct xml_span s;
	char buf[128], *d;
	int n = 0, r;

	if ((d = dup_exact(list_bucket, len)) == NULL) {
		CHECK(d != NULL);
		return;
	}
	while ((r = xml_next(d, len, &pos, "Contents", &s)) == 1 && n < 3) {
		CHECK(pos > last && pos <= len);
		CHECK(s.p > d && s.p + s.len <= d + len);
		last = pos;
		CHECK(xml_text(s.p, s.len, "Key", buf, sizeof(buf)) ==
		    (long)strlen(keys[n]));
		CHECK_STR(buf, keys[n]);
		CHECK(xml_text(s.p, s.len, "ETag", buf, sizeof(buf)) > 0);
		CHECK_STR(buf, etags[n]);
		CHECK(xml_text(s.p, s.len, "Size", buf, sizeof(buf)) > 0);
		CHECK_STR(buf, sizes[n]);
		CHECK(xml_text(s.p, s.len, "LastModified", buf,
		    sizeof(buf)) == 24);
		/* A container is not text. */
		CHECK(xml_text(s.p, s.len, "Owner", buf, sizeof(buf)) == -1);
		n++;
	}
	CHECK(n == 3);
	CHECK(r == 0);
	/* Not found again, and pos stays where it was. */
	CHECK(xml_next(d, len, &pos, "Contents", &s) == 0);
	CHECK(pos == last);
	CHECK(s.p == NULL && s.len == 0);

	/* Whole names only: <KeyCount> and <NextKey> come first. */
	CHECK(xml_text(d, len, "Key", buf, sizeof(buf)) == 3);
	CHECK_STR(buf, "a&b");
	CHECK(xml_text(d, len, "KeyCount", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "3");
	CHECK(xml_text(d, len, "NextKey", buf, sizeof(buf)) == 9);
	CHECK_STR(buf, "not-a-key");
	CHECK(xml_text(d, len, "Ke", buf, sizeof(buf)) == -1);
	CHECK(xml_text(d, len, "Keys", buf, sizeof(buf)) == -1);
	CHECK(xml_text(d, len, "IsTruncated", buf, sizeof(buf)) == 5);
	CHECK_STR(buf, "false");
	CHECK(xml_text(d, len, "Marker", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
	/* Attributes are skipped, the xmlns value is not text. */
	CHECK(xml_text(d, len, "xmlns", buf, sizeof(buf)) == -1);
	/* Nor is the XML declaration an element. */
	CHECK(xml_text(d, len, "xml", buf, sizeof(buf)) == -1);
	/* A position past the end is refused, at the end finds nothing. */
	pos = len + 1;
	CHECK(xml_next(d, len, &pos, "Contents", &s) == -1);
	pos = len;
	CHECK(xml_next(d, len, &pos, "Contents", &s) == 0);
	free(d);
}

static void
test_error(void)
{
	size_t pos = 0, len = strlen(error_doc);
	struct xml_span s;
	char buf[128];

	CHECK(text_of(error_doc, "Code", buf, sizeof(buf)) == 12);
	CHECK_STR(buf, "NoSuchBucket");
	CHECK(text_of(error_doc, "Message", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
	CHECK(xml_next(error_doc, len, &pos, "Message", &s) == 1);
	CHECK(s.len == 0 && s.p != NULL);
	CHECK(pos == (size_t)(strstr(error_doc, "<Message/>") - error_doc) +
	    10);
	CHECK(text_of(error_doc, "BucketName", buf, sizeof(buf)) == 7);
	CHECK_STR(buf, "backups");
	CHECK(text_of(error_doc, "Region", buf, sizeof(buf)) == -1);
	CHECK(text_of(error_doc, "Error", buf, sizeof(buf)) == -1);
	pos = 0;
	CHECK(xml_next(error_doc, len, &pos, "Error", &s) == 1);
	CHECK(pos == len);
	CHECK(s.len > 0 && memcmp(s.p, "<Code>", 6) == 0);

	CHECK(text_of(region_doc, "Code", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "AuthorizationHeaderMalformed");
	CHECK(text_of(region_doc, "Region", buf, sizeof(buf)) == 9);
	CHECK_STR(buf, "eu-west-1");
	CHECK(text_of(region_doc, "Message", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "The authorization header is malformed; the region "
	    "'us-east-1' is wrong; expecting 'eu-west-1'");

	CHECK(text_of(sts_doc, "AccessKeyId", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "ASgeIAIOSFODNN7EXAMPLE");
	CHECK(text_of(sts_doc, "SecretAccessKey", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	CHECK(text_of(sts_doc, "SessionToken", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE");
	CHECK(text_of(sts_doc, "Expiration", buf, sizeof(buf)) == 20);
}

static void
test_multipart(void)
{
	size_t pos = 0, len = strlen(list_parts);
	struct xml_span s;
	char buf[128];
	int n = 0;

	CHECK(text_of(initiate_doc, "UploadId", buf, sizeof(buf)) == 58);
	CHECK_STR(buf,
	    "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");
	CHECK(text_of(initiate_doc, "Key", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "host:/d/big-Data.db");

	/* radosgw's empty ETag is found, with nothing in it. */
	CHECK(text_of(complete_rgw, "ETag", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "");
	CHECK(text_of(complete_rgw, "Key", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "host:/d/big-Data.db");
	CHECK(text_of(complete_rgw, "Error", buf, sizeof(buf)) == -1);
	CHECK(text_of(complete_aws, "ETag", buf, sizeof(buf)) == 36);
	CHECK_STR(buf, "\"3858f62230ac3c915f300c664312c11f-9\"");
	CHECK(text_of(complete_error, "Code", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "InternalError");
	CHECK(text_of(complete_error, "ETag", buf, sizeof(buf)) == -1);

	CHECK(text_of(list_parts, "NextPartNumberMarker", buf,
	    sizeof(buf)) == 1);
	CHECK_STR(buf, "3");
	CHECK(text_of(list_parts, "IsTruncated", buf, sizeof(buf)) == 4);
	while (xml_next(list_parts, len, &pos, "Part", &s) == 1) {
		CHECK(xml_text(s.p, s.len, "PartNumber", buf, sizeof(buf)) ==
		    1);
		CHECK(buf[0] == (n == 0 ? '2' : '3'));
		CHECK(xml_text(s.p, s.len, "ETag", buf, sizeof(buf)) == 34);
		CHECK(buf[0] == '"' && buf[33] == '"');
		n++;
	}
	CHECK(n == 2);
	/* <PartNumberMarker> comes before the first <PartNumber>. */
	CHECK(text_of(list_parts, "PartNumber", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "2");
}

static void
test_list_uploads(void)
{
	static const char *const keys[] = {
		"host:/d/one-Data.db", "host:/d/two-Data.db",
	};
	static const char *const ids[] = {
		"XMgbGlrZSBlbHZpbmcncyBt", "VXBsb2FkIElEIGZvciBl",
	};
	size_t pos = 0, len = strlen(list_uploads);
	struct xml_span s;
	char buf[128];
	int n = 0;

	/* <KeyMarker>, <UploadIdMarker/> and the Next ones do not count. */
	CHECK(text_of(list_uploads, "Key", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, keys[0]);
	CHECK(text_of(list_uploads, "UploadId", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, ids[0]);
	CHECK(text_of(list_uploads, "KeyMarker", buf, sizeof(buf)) == 0);
	CHECK(text_of(list_uploads, "UploadIdMarker", buf, sizeof(buf)) == 0);
	CHECK(text_of(list_uploads, "NextKeyMarker", buf, sizeof(buf)) > 0);
	CHECK_STR(buf, "my-movie.m2ts");
	while (xml_next(list_uploads, len, &pos, "Upload", &s) == 1 &&
	    n < 2) {
		CHECK(xml_text(s.p, s.len, "Key", buf, sizeof(buf)) > 0);
		CHECK_STR(buf, keys[n]);
		CHECK(xml_text(s.p, s.len, "UploadId", buf, sizeof(buf)) > 0);
		CHECK_STR(buf, ids[n]);
		n++;
	}
	CHECK(n == 2);
}

static void
test_entities(void)
{
	static const struct {
		const char *s;
		size_t len;
	} bad[] = {
#define B(x) { x, sizeof(x) - 1 }
		B("&#0;"), B("&#x0;"), B("&#00;"), B("&#xD800;"), B("&#xdfff;"),
		B("&#55296;"), B("&#x110000;"), B("&#1114112;"),
		B("&#99999999999999999999999;"), B("&#xFFFFFFFFFFFFFFFFFFFF;"),
		B("&#;"), B("&#x;"), B("&#X41;"), B("&#12a;"), B("&#x4g;"),
		B("&#65"), B("&#"), B("&"), B("a & b"), B("&amp"), B("&AMP;"),
		B("&nbsp;"), B("&foo;"), B("&#-1;"), B("&# 65;"), B("&lt"),
		B("a\0b"), B("<b>x</b>"), B("<!-- open"), B("<![CDATA[open"),
		B("<? open"), B("<"), B("a<"), B("<![CDATA[a\0]]>"),
#undef B
	};
	struct xml_span s;
	char *r;
	size_t i;
	int refused = 0;

	r = decoded("&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe9;&#233;"
	    "&#x20AC;&#x1F600;&#128512;&#1;&#x0001F600;&#xd7ff;&#xE000;"
	    "&#x10FFFF;&#0065;");
	CHECK_STR(r, "<>&\"'AB\xc3\xa9\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\x01\xf0\x9f\x98\x80\xed\x9f\xbf\xee\x80\x80"
	    "\xf4\x8f\xbf\xbf" "A");
	free(r);
	r = decoded("a&amp;amp;b");	/* decoded once only */
	CHECK_STR(r, "a&amp;b");
	free(r);
	r = decoded("&#13;&#10;&#x9;");
	CHECK_STR(r, "\r\n\t");
	free(r);
	/* Literal line ends are normalized as XML says. */
	r = decoded("a\r\nb\rc\nd");
	CHECK_STR(r, "a\nb\nc\nd");
	free(r);
	r = decoded("x<!-- note -->y<?pi z?>z");
	CHECK_STR(r, "xyz");
	free(r);
	r = decoded("<![CDATA[a<b&amp;]]>&lt;");
	CHECK_STR(r, "a<b&amp;<");
	free(r);
	r = decoded("  spaces kept  ");
	CHECK_STR(r, "  spaces kept  ");
	free(r);
	r = decoded("");
	CHECK_STR(r, "");
	free(r);
	s.p = NULL;
	s.len = 0;
	r = xml_decode(&s);
	CHECK_STR(r, "");
	free(r);
	s.len = 1;
	CHECK(xml_decode(&s) == NULL);
	CHECK(xml_decode(NULL) == NULL);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *d;

		s.len = bad[i].len;
		if ((d = dup_exact(bad[i].s, s.len)) == NULL)
			continue;
		s.p = d;
		if ((r = xml_decode(&s)) == NULL)
			refused++;
		else
			fprintf(stderr, "    accepted \"%s\" as \"%s\"\n",
			    bad[i].s, r);
		free(r);
		free(d);
	}
	CHECK(refused == (int)(sizeof(bad) / sizeof(bad[0])));
}

static void
test_markup(void)
{
	char buf[64];
	size_t pos;
	struct xml_span s;
	const char *doc;

	CHECK(text_of("<Key attr=\"x>y\" b='/>'>v</Key>", "Key", buf,
	    sizeof(buf)) == 1);
	CHECK_STR(buf, "v");
	CHECK(text_of("<Key/>", "Key", buf, sizeof(buf)) == 0);
	CHECK(text_of("<Key />", "Key", buf, sizeof(buf)) == 0);
	CHECK(text_of("<Key a=\"1\"/><Key>2</Key>", "Key", buf,
	    sizeof(buf)) == 0);
	CHECK(text_of("<Key></Key >", "Key", buf, sizeof(buf)) == 0);
	CHECK(text_of("<Key\n\t>v</Key\n>", "Key", buf, sizeof(buf)) == 1);
	/* A prefixed element matches on its local name. */
	CHECK(text_of("<s3:Key>p</s3:Key>", "Key", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "p");
	CHECK(text_of("<s3:Key>p</s3:Key>", "s3:Key", buf, sizeof(buf)) == 1);
	CHECK(text_of("<s3:Key>p</s3:Key>", "x:Key", buf, sizeof(buf)) == -1);
	CHECK(text_of("<Keys>p</Keys>", "Key", buf, sizeof(buf)) == -1);
	CHECK(text_of("<MyKey>p</MyKey>", "Key", buf, sizeof(buf)) == -1);
	/* Markup in comments, CDATA and the declaration is not looked at. */
	CHECK(text_of("<?xml version=\"1.0\"?><!-- <Key>c</Key> -->"
	    "<![CDATA[<Key>d</Key>]]><!DOCTYPE x><Key>e</Key>", "Key", buf,
	    sizeof(buf)) == 1);
	CHECK_STR(buf, "e");
	CHECK(text_of("<Key>a<!-- </Key> -->b</Key>", "Key", buf,
	    sizeof(buf)) == 2);
	CHECK_STR(buf, "ab");

	/* Nested same-name elements: the outer one, which is not text. */
	doc = "<Key><Key>a</Key></Key><Key>b</Key>";
	pos = 0;
	CHECK(xml_next(doc, strlen(doc), &pos, "Key", &s) == 1);
	CHECK(s.len == 12 && memcmp(s.p, "<Key>a</Key>", 12) == 0);
	CHECK(xml_next(doc, strlen(doc), &pos, "Key", &s) == 1);
	CHECK(s.len == 1 && s.p[0] == 'b');
	CHECK(xml_next(doc, strlen(doc), &pos, "Key", &s) == 0);
	CHECK(text_of(doc, "Key", buf, sizeof(buf)) == -1);

	/* NUL bytes: len is authoritative; a NUL in the text is refused. */
	doc = "<a>\0</a><Key>k</Key>";
	CHECK(xml_text(doc, 20, "Key", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "k");
	CHECK(xml_text(doc, 3, "Key", buf, sizeof(buf)) == -1);
	doc = "<Key>k\0z</Key>";
	CHECK(xml_text(doc, 14, "Key", buf, sizeof(buf)) == -1);
	doc = "<Ke\0y>k</Ke\0y>";
	CHECK(xml_text(doc, 15, "Key", buf, sizeof(buf)) == -1);
	/* The document ends where len says, whatever follows. */
	doc = "<Key>k</Key><Size>1</Size>";
	CHECK(xml_text(doc, 12, "Size", buf, sizeof(buf)) == -1);
	CHECK(xml_text(doc, 11, "Key", buf, sizeof(buf)) == -1);
	CHECK(xml_text(doc, 0, "Key", buf, sizeof(buf)) == -1);
	CHECK(xml_text(NULL, 0, "Key", buf, sizeof(buf)) == -1);
	pos = 0;
	CHECK(xml_next(NULL, 0, &pos, "Key", &s) == 0);
	CHECK(xml_next(doc, 12, &pos, "", &s) == -1);
	CHECK(xml_next(doc, 12, &pos, NULL, &s) == -1);
}

static void
test_malformed(void)
{
	static const char *const docs[] = {
		"<",
		"<Error><Code>X</Code",
		"<Error><Code>X",
		"<Error><Code>X</Cod>",
		"<Error><Code>X</Codes>",
		"<Error><Co",
		"<Error><Code",
		"<Error><Code>X</",
		"<Error><Code>X<",
		"<Error><Code a=\"1>X</Code></Error>",
		"<Error><Code a='1>X</Code></Error>",
		"<?xml version=\"1.0\"",
		"<?xml version=\"1.0\"?><!-- no end <Code>X</Code>",
		"<![CDATA[ <Code>X</Code>",
		"<!DOCTYPE x <Code>X</Code",
		"<Error><Code>X<Code>Y</Code>",
		"<Error><Code>X</Code x>",
		"<Error><Code>X</ Code>",
		"<Error>< Code>X</Code>",
		"<Error><>X</Code>",
		"<Error></><Code>X</Code>",
		"<Error><Code/ >X</Code>",
		"<Error><Code<b>>X</Code>",
		"<Error><Code>X</Code<>",
		"<Error><Code=1>X</Code>",
	};
	char buf[64];
	size_t i;
	int bad = 0;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		strcpy(buf, "junk");
		if (text_of(docs[i], "Code", buf, sizeof(buf)) == -1 &&
		    buf[0] == '\0')
			bad++;
		else
			fprintf(stderr, "    not refused: %s\n", docs[i]);
	}
	CHECK(bad == (int)(sizeof(docs) / sizeof(docs[0])));

	/* Broken markup before a good element stops the search. */
	CHECK(text_of("<a b=\"></a><Code>X</Code>", "Code", buf,
	    sizeof(buf)) == -1);
	/* Broken markup after it does not matter to this element. */
	CHECK(text_of("<Code>X</Code><a b=\"", "Code", buf, sizeof(buf)) ==
	    1);
	/* Not found in a sound document: -1 from xml_text, 0 from
	 * xml_next; malformed: -1 from both. */
	{
		size_t pos = 0;
		struct xml_span s;

		CHECK(xml_next("<a>x</a>", 8, &pos, "b", &s) == 0);
		CHECK(xml_next("<a>x</a", 7, &pos, "a", &s) == -1);
		CHECK(pos == 0);
		CHECK(xml_next("<a>x</a><", 9, &pos, "b", &s) == -1);
	}
}

static void
test_room(void)
{
	char buf[16];

	/* "a&b" is 3 bytes and needs 4 with the NUL. */
	memset(buf, 'x', sizeof(buf));
	CHECK(text_of(list_bucket, "Key", buf, 3) == -2);
	CHECK(buf[0] == '\0');
	CHECK(buf[3] == 'x');
	CHECK(text_of(list_bucket, "Key", buf, 4) == 3);
	CHECK_STR(buf, "a&b");
	CHECK(text_of(list_bucket, "Key", buf, 0) == -2);
	CHECK(text_of(list_bucket, "Key", NULL, 0) == -2);
	CHECK(text_of(complete_rgw, "ETag", buf, 1) == 0);
	CHECK(text_of(complete_rgw, "ETag", buf, 0) == -2);
	/* Measured after decoding: the raw text would not fit. */
	CHECK(text_of("<K>&#x1F600;&amp;</K>", "K", buf, 6) == 5);
	CHECK(text_of("<K>&#x1F600;&amp;</K>", "K", buf, 5) == -2);
	/* Malformed wins over too long. */
	CHECK(text_of("<K>0123456789abcdef&bad;</K>", "K", buf, 4) == -1);
}

/*
 * Every prefix of every sample document, in an exact-size heap copy: no
 * read past the end (ASan), no crash, and no answer other than a complete
 * element or an error.
 */
static void
test_truncations(void)
{
	static const char *const docs[] = {
		list_bucket, error_doc, region_doc, initiate_doc,
		complete_rgw, complete_aws, complete_error, list_parts,
		list_uploads, sts_doc,
	};
	static const char *const tags[] = {
		"Contents", "Key", "ETag", "Code", "Message", "UploadId",
		"Part", "Upload", "Region", "AccessKeyId", "Error",
	};
	size_t i, l, t, len, pos;
	struct xml_span s;
	char buf[256], whole[256], *d, *r;
	long n, full;
	int odd = 0, runs = 0;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		len = strlen(docs[i]);
		for (l = 0; l <= len; l++) {
			if ((d = dup_exact(docs[i], l)) == NULL)
				continue;
			for (t = 0; t < sizeof(tags) / sizeof(tags[0]); t++) {
				runs++;
				n = xml_text(d, l, tags[t], buf, sizeof(buf));
				full = xml_text(docs[i], len, tags[t], whole,
				    sizeof(whole));
				/* A prefix finds the same text or fails. */
				if (n >= 0 && (n != full ||
				    strcmp(buf, whole) != 0))
					odd++;
				if (n < -1 || (n == -1 && l == len &&
				    full != -1))
					odd++;
				pos = 0;
				while (xml_next(d, l, &pos, tags[t], &s) == 1) {
					if (s.p < d || s.p + s.len > d + l ||
					    pos > l)
						odd++;
					free(xml_decode(&s));
				}
			}
			free(d);
		}
	}
	CHECK(runs > 10000);
	CHECK(odd == 0);

	/* '<' at the very end of an exact-size buffer. */
	d = dup_exact("<Key>a</Key><", 13);
	if (d != NULL) {
		pos = 12;
		CHECK(xml_next(d, 13, &pos, "Key", &s) == -1);
		pos = 0;
		CHECK(xml_next(d, 13, &pos, "Key", &s) == 1);
		CHECK(xml_next(d, 13, &pos, "Key", &s) == -1);
		free(d);
	}
	d = dup_exact("&", 1);
	if (d != NULL) {
		s.p = d;
		s.len = 1;
		r = xml_decode(&s);
		CHECK(r == NULL);
		free(d);
	}
}

static void
test_huge(void)
{
	static const char item[] = "<Contents><Key>k&amp;</Key></Contents>";
	size_t n = 200000, il = sizeof(item) - 1, len, i, pos = 0, count = 0;
	struct xml_span s;
	char buf[8], *d;
	int r, right = 1;

	len = n * il;
	if ((d = malloc(len)) == NULL) {
		CHECK(d != NULL);
		return;
	}
	for (i = 0; i < n; i++)
		memcpy(d + i * il, item, il);
	while ((r = xml_next(d, len, &pos, "Contents", &s)) == 1) {
		if (xml_text(s.p, s.len, "Key", buf, sizeof(buf)) != 2 ||
		    strcmp(buf, "k&") != 0)
			right = 0;
		count++;
	}
	CHECK(r == 0 && count == n && right);

	/* Deep nesting without end tags: no recursion, just not found. */
	for (i = 0; i + 3 <= len; i += 3)
		memcpy(d + i, "<a>", 3);
	pos = 0;
	CHECK(xml_next(d, i, &pos, "Key", &s) == 0);
	CHECK(xml_next(d, i, &pos, "a", &s) == -1);

	/* All '<', all '&' in a text, all digits in a reference. */
	memset(d, '<', len);
	pos = 0;
	CHECK(xml_next(d, len, &pos, "Key", &s) == -1);
	memset(d, '&', len);
	memcpy(d, "<K>", 3);
	memcpy(d + len - 4, "</K>", 4);
	CHECK(xml_text(d, len, "K", buf, sizeof(buf)) == -1);
	memset(d, '1', len);
	memcpy(d, "<K>&#", 5);
	memcpy(d + len - 5, ";</K>", 5);
	CHECK(xml_text(d, len, "K", buf, sizeof(buf)) == -1);
	memset(d, '0', len);
	memcpy(d, "<K>&#", 5);
	memcpy(d + len - 7, "65;</K>", 7);	/* many leading zeros */
	CHECK(xml_text(d, len, "K", buf, sizeof(buf)) == 1);
	CHECK_STR(buf, "A");
	free(d);
}

/* Documents glued from fragments by a fixed LCG: whatever comes out, the
 * answers must be consistent and stay inside the buffer. */
static void
test_fuzz(void)
{
	static const char *const frag[] = {
		"<", ">", "/", "Key", "Contents", "</", "/>", "<Key>",
		"</Key>", "<Contents>", "</Contents>", "&amp;", "&#x41;", "&",
		";", "\"", "'", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>",
		"<!", " ", "x", "\r\n", "=", "a=\"", "&#0;", "&#x1F600;",
	};
	uint64_t st = 42;
	unsigned char raw[512];
	size_t i, n, k, pos, last;
	struct xml_span s;
	char buf[64], *d;
	long r;
	int odd = 0;

	for (i = 0; i < 4000; i++) {
		n = 0;
		st = st * 6364136223846793005ULL + 1442695040888963407ULL;
		for (k = (st >> 33) % 40; k > 0; k--) {
			const char *f;
			size_t fl;

			st = st * 6364136223846793005ULL +
			    1442695040888963407ULL;
			if ((st >> 33) % 8 == 0) {
				raw[n++] = (unsigned char)(st >> 41);
				continue;
			}
			f = frag[(st >> 33) % (sizeof(frag) / sizeof(frag[0]))];
			fl = strlen(f);
			memcpy(raw + n, f, fl);
			n += fl;
		}
		if ((d = dup_exact((const char *)raw, n)) == NULL)
			continue;
		r = xml_text(d, n, "Key", buf, sizeof(buf));
		if (r < -2 || (r >= 0 && strlen(buf) != (size_t)r))
			odd++;
		pos = last = 0;
		while (xml_next(d, n, &pos, "Key", &s) == 1) {
			if (s.p < d || s.p + s.len > d + n || pos > n ||
			    pos <= last)
				odd++;
			last = pos;
			free(xml_decode(&s));
		}
		free(d);
	}
	CHECK(odd == 0);
}

void
test_xml(void)
{
	test_list_bucket();
	test_error();
	test_multipart();
	test_list_uploads();
	test_entities();
	test_markup();
	test_malformed();
	test_room();
	test_truncations();
	test_huge();
	test_fuzz();
	test_escape();
}

/* xml_escape: the vectors of a DeleteObjects body, and every byte value
 * 1..255 back through xml_decode unchanged (a CR too: it goes as &#xD;,
 * which line-end normalization leaves alone). */
static void
test_escape(void)
{
	struct buf b = { 0 };
	char all[256], *back;
	struct xml_span sp;
	size_t pos = 0;

	xml_escape(&b, "a&b<c>\"'\x01\x1f\x7f\t\r\n\xc3\xa9");
	CHECK_STR(b.data, "a&amp;b&lt;c&gt;&quot;&apos;&#x1;&#x1F;&#x7F;"
	    "&#x9;&#xD;&#xA;\xc3\xa9");
	buf_free(&b);
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	buf_adds(&b, "<Key>");
	xml_escape(&b, all);
	buf_adds(&b, "</Key>");
	CHECK(!b.failed);
	CHECK(xml_next(b.data, b.len, &pos, "Key", &sp) == 1);
	back = xml_decode(&sp);
	CHECK(back != NULL && strcmp(back, all) == 0);
	free(back);
	buf_free(&b);
}
