/* xml.h: scanning the small XML documents S3 answers with (not a general XML
 * parser: enough to find elements by name and decode their text), and
 * escaping the text of the ones tablesnap sends. */
#ifndef TABLESNAP_XML_H
#define TABLESNAP_XML_H

#include <stddef.h>

#include "buf.h"

/* A slice of the document. */
struct xml_span {
	const char *p;
	size_t len;
};

/* Finds the first element named `tag` (no namespace prefix handling beyond
 * matching the local name) inside `doc` at or after *pos and returns its raw
 * content (between the start and the end tag, entities not decoded) in
 * *out; *pos is moved past its end tag so that calling again finds the next
 * one. An empty element (<a/> or <a></a>) gives len 0. Returns 1 when found,
 * 0 when not, -1 when the document is malformed around it. */
int xml_next(const char *doc, size_t len, size_t *pos, const char *tag,
    struct xml_span *out);

/* Finds `tag` anywhere in the span and copies its entity-decoded text
 * (&amp; &lt; &gt; &quot; &apos; &#N; &#xN;) into out (outcap bytes, NUL-
 * terminated). Returns the decoded length, -1 when absent or malformed, -2
 * when it does not fit. */
long xml_text(const char *doc, size_t len, const char *tag, char *out,
    size_t outcap);

/* Entity-decodes a span into a malloc'd NUL-terminated string (NULL when out
 * of memory or malformed). */
char *xml_decode(const struct xml_span *s);

/* Appends s as XML character data: & < > " ' as entities, the other bytes
 * below 0x20 and 0x7f as character references (&#xN;), all else as is. */
void xml_escape(struct buf *b, const char *s);

#endif
