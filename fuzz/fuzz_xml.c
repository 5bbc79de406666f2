/* fuzz_xml.c: libFuzzer target for xml.c: every element of an arbitrary
 * document is found with xml_next and decoded with xml_text / xml_decode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

/*
 * Input layout: byte 0 picks the tag looked for: one of the names S3
 * answers use, or (values past the list) a tag taken from the input up to
 * its first newline. The rest is the document, passed without a final NUL
 * so that ASan sees any read past its end.
 */
static const char *const tags[] = {
	"Code", "Message", "UploadId", "ETag", "Key", "Error",
	"ListBucketResult", "Contents", "s3:Key", "a",
};
#define NTAGS (sizeof(tags) / sizeof(tags[0]))
#define TAG_MAX 32
#define SMALL 8

static void	check_span(const uint8_t *, size_t, const struct xml_span *);
static void	check_text(const uint8_t *, size_t, const char *,
		    const struct xml_span *);

/* A span lies inside the document, and decodes to no more bytes than it
 * has, with no NUL inside. */
static void
check_span(const uint8_t *doc, size_t len, const struct xml_span *s)
{
	const char *d = (const char *)doc;
	char *dec;

	if (s->p < d || s->p > d + len || s->len > (size_t)(d + len - s->p))
		abort();
	if ((dec = xml_decode(s)) == NULL)
		return;
	if (strlen(dec) > s->len)
		abort();
	free(dec);
}

/* xml_text agrees with xml_decode of the first element found, whatever
 * the size of the output buffer. */
static void
check_text(const uint8_t *doc, size_t len, const char *tag,
    const struct xml_span *first)
{
	char small[SMALL], *big, *dec;
	long n, m;

	if ((big = malloc(len + 1)) == NULL)
		abort();
	n = xml_text((const char *)doc, len, tag, big, len + 1);
	m = xml_text((const char *)doc, len, tag, small, sizeof small);
	dec = first != NULL ? xml_decode(first) : NULL;
	if (n < -1 || (n >= 0 && (size_t)n != strlen(big)))
		abort();
	if ((n >= 0) != (dec != NULL))
		abort();
	if (dec != NULL && strcmp(dec, big) != 0)
		abort();
	if (n >= SMALL ? m != -2 : m != n)
		abort();
	if (m >= 0 && strcmp(small, big) != 0)
		abort();
	free(dec);
	free(big);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char tag[TAG_MAX + 1];
	struct xml_span s, first;
	const uint8_t *doc, *nl;
	size_t len, pos = 0, prev, n;
	int r, found = 0;

	if (size < 1)
		return 0;
	doc = data + 1;
	len = size - 1;
	if (data[0] < NTAGS)
		strcpy(tag, tags[data[0]]);
	else {
		nl = memchr(doc, '\n', len);
		n = nl != NULL ? (size_t)(nl - doc) : len;
		if (n > TAG_MAX)
			n = TAG_MAX;
		memcpy(tag, doc, n);
		tag[n] = '\0';
		if (nl != NULL) {
			len -= (size_t)(nl - doc) + 1;
			doc = nl + 1;
		}
		if (strlen(tag) == 0) {
			/* An empty tag is refused, never searched for. */
			if (xml_next((const char *)doc, len, &pos, tag, &s) !=
			    -1)
				abort();
			return 0;
		}
	}
	for (;;) {
		prev = pos;
		r = xml_next((const char *)doc, len, &pos, tag, &s);
		if (r < -1 || r > 1)
			abort();
		if (r != 1)
			break;
		/* Each call moves on: a loop over the answer ends. */
		if (pos <= prev || pos > len)
			abort();
		check_span(doc, len, &s);
		if (!found)
			first = s;
		found = 1;
	}
	check_text(doc, len, tag, found ? &first : NULL);
	return 0;
}
