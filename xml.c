/* xml.c: a scanner for the small XML answers of S3 (finds elements by name
 * and decodes their text; every read is bounded by the given length), and
 * the escaping of the text tablesnap sends. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "xml.h"

/* What next_tok found. */
enum tok_kind {
	TOK_NONE,	/* no more markup */
	TOK_BAD,	/* unterminated or malformed markup */
	TOK_START,	/* <name ...> */
	TOK_EMPTY,	/* <name .../> */
	TOK_END,	/* </name> */
	TOK_OTHER	/* <?...?>, <!--...-->, <![CDATA[...]]>, <!...> */
};

struct tok {
	size_t		 lt;	/* offset of the '<' */
	size_t		 end;	/* offset just past the final '>' */
	const char	*name;	/* element name of START, EMPTY, END */
	size_t		 namelen;
};

static int	starts(const char *, size_t, size_t, const char *);
static int	skip_past(const char *, size_t, size_t, const char *,
		    size_t *);
static int	is_space(unsigned char);
static int	is_name(unsigned char);
static size_t	name_len(const char *, size_t, size_t);
static int	next_tok(const char *, size_t, size_t, struct tok *);
static int	name_matches(const char *, size_t, const char *, size_t);
static void	put(char *, size_t *, char);
static int	text_byte(const char *, size_t, size_t *, char *, size_t *);
static int	entity(const char *, size_t, size_t *, char *, size_t *);
static int	decode(const char *, size_t, char *, size_t *);

/* Whether the literal lit is at doc[at], within len. */
static int
starts(const char *doc, size_t len, size_t at, const char *lit)
{
	size_t n = strlen(lit);

	return at <= len && len - at >= n && memcmp(doc + at, lit, n) == 0;
}

/* Sets *after just past the first pat (not empty) at or after from; -1
 * when absent. memchr and memcmp, not memmem: the patterns are a few
 * bytes, and musl's two-way memmem is 1.2 KB. */
static int
skip_past(const char *doc, size_t len, size_t from, const char *pat,
    size_t *after)
{
	size_t n = strlen(pat);
	const char *at, *end = doc + len;

	if (from > len)
		return -1;
	for (at = doc + from; (at = memchr(at, pat[0], (size_t)(end - at))) !=
	    NULL; at++)
		if ((size_t)(end - at) >= n && memcmp(at, pat, n) == 0) {
			*after = (size_t)(at - doc) + n;
			return 0;
		}
	return -1;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* XML name characters, loosely: ASCII ones plus any byte of a multibyte
 * UTF-8 character. Anything else ends the name. */
static int
is_name(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' ||
	    c == '.' || c >= 0x80;
}

static size_t
name_len(const char *doc, size_t len, size_t at)
{
	size_t i;

	for (i = at; i < len && is_name((unsigned char)doc[i]); i++)
		;
	return i - at;
}

/*
 * Finds the next piece of markup at or after doc[i]. Text between markup is
 * passed over: only '<' starts something. Attribute values are skipped with
 * their quotes so that a '>' or "/>" inside one ends nothing.
 */
static int
next_tok(const char *doc, size_t len, size_t i, struct tok *t)
{
	const char *lt, *q;
	size_t j, k;
	unsigned char c;

	if (i >= len || (lt = memchr(doc + i, '<', len - i)) == NULL)
		return TOK_NONE;
	t->lt = (size_t)(lt - doc);
	t->name = NULL;
	t->namelen = 0;
	j = t->lt + 1;
	if (j >= len)
		return TOK_BAD;
	switch (doc[j]) {
	case '?':
		if (skip_past(doc, len, j + 1, "?>", &t->end) == -1)
			return TOK_BAD;
		return TOK_OTHER;
	case '!':
		if (starts(doc, len, t->lt, "<!--")) {
			if (skip_past(doc, len, t->lt + 4, "-->",
			    &t->end) == -1)
				return TOK_BAD;
		} else if (starts(doc, len, t->lt, "<![CDATA[")) {
			if (skip_past(doc, len, t->lt + 9, "]]>",
			    &t->end) == -1)
				return TOK_BAD;
		} else if (skip_past(doc, len, j, ">", &t->end) == -1)
			return TOK_BAD;	/* a DOCTYPE; S3 sends none */
		return TOK_OTHER;
	case '/':
		t->name = doc + j + 1;
		if ((t->namelen = name_len(doc, len, j + 1)) == 0)
			return TOK_BAD;
		for (k = j + 1 + t->namelen; k < len && is_space(doc[k]); k++)
			;
		if (k >= len || doc[k] != '>')
			return TOK_BAD;
		t->end = k + 1;
		return TOK_END;
	}
	t->name = doc + j;
	if ((t->namelen = name_len(doc, len, j)) == 0)
		return TOK_BAD;
	k = j + t->namelen;
	if (k >= len)
		return TOK_BAD;
	if (!is_space(doc[k]) && doc[k] != '/' && doc[k] != '>')
		return TOK_BAD;
	while (k < len) {
		c = (unsigned char)doc[k];
		if (c == '>') {
			t->end = k + 1;
			return TOK_START;
		}
		if (c == '/') {
			if (k + 1 < len && doc[k + 1] == '>') {
				t->end = k + 2;
				return TOK_EMPTY;
			}
			return TOK_BAD;
		}
		if (c == '"' || c == '\'') {
			if ((q = memchr(doc + k + 1, c, len - k - 1)) == NULL)
				return TOK_BAD;
			k = (size_t)(q - doc) + 1;
			continue;
		}
		if (c == '<')
			return TOK_BAD;
		k++;
	}
	return TOK_BAD;
}

/* A tag without a prefix matches the local name of a prefixed element
 * ("Key" matches <s3:Key>); a prefixed tag must match exactly. */
static int
name_matches(const char *name, size_t nlen, const char *tag, size_t tlen)
{
	size_t i;

	if (memchr(tag, ':', tlen) == NULL) {
		for (i = nlen; i > 0; i--)
			if (name[i - 1] == ':')
				break;
		name += i;
		nlen -= i;
	}
	return nlen == tlen && memcmp(name, tag, tlen) == 0;
}

int
xml_next(const char *doc, size_t len, size_t *pos, const char *tag,
    struct xml_span *out)
{
	struct tok t, u;
	size_t i, depth, tlen;
	int k;

	out->p = NULL;
	out->len = 0;
	if (tag == NULL || (tlen = strlen(tag)) == 0 || *pos > len ||
	    (doc == NULL && len > 0))
		return -1;
	for (i = *pos;; i = t.end) {
		if ((k = next_tok(doc, len, i, &t)) == TOK_NONE)
			return 0;
		if (k == TOK_BAD)
			return -1;
		if ((k == TOK_START || k == TOK_EMPTY) &&
		    name_matches(t.name, t.namelen, tag, tlen))
			break;
	}
	if (k == TOK_EMPTY) {
		out->p = doc + t.end;
		*pos = t.end;
		return 1;
	}
	/*
	 * The content ends at the first end tag that closes no inner
	 * element. Counting every element (not only same-name ones) keeps
	 * a nested <Key> or a stray inner end tag from cutting it short.
	 */
	depth = 0;
	for (i = t.end;; i = u.end) {
		k = next_tok(doc, len, i, &u);
		if (k == TOK_NONE || k == TOK_BAD)
			return -1;
		if (k == TOK_START)
			depth++;
		else if (k == TOK_END) {
			if (depth > 0) {
				depth--;
				continue;
			}
			if (u.namelen != t.namelen ||
			    memcmp(u.name, t.name, t.namelen) != 0)
				return -1;
			out->p = doc + t.end;
			out->len = u.lt - t.end;
			*pos = u.end;
			return 1;
		}
	}
}

/* Stores c at out[*o] unless only measuring; counts it either way. */
static void
put(char *out, size_t *o, char c)
{
	if (out != NULL)
		out[*o] = c;
	(*o)++;
}

/*
 * One byte of character data at p[*i]. Line ends are normalized as XML
 * requires (CR LF and a lone CR read as LF). NUL is not an XML character
 * and would silently cut the NUL-terminated result, so it is refused.
 */
static int
text_byte(const char *p, size_t len, size_t *i, char *out, size_t *o)
{
	char c = p[(*i)++];

	if (c == '\0')
		return -1;
	if (c == '\r') {
		c = '\n';
		if (*i < len && p[*i] == '\n')
			(*i)++;
	}
	put(out, o, c);
	return 0;
}

/*
 * The reference at p[*i] ('&'). Numeric ones become UTF-8; 0, surrogates and
 * values above U+10FFFF are refused. Other control characters are let
 * through: S3 writes such key bytes as &#xN; and the key must come back
 * intact.
 */
static int
entity(const char *p, size_t len, size_t *i, char *out, size_t *o)
{
	static const struct {
		const char *ref;
		char c;
	} named[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&apos;", '\'' },
	};
	unsigned long v = 0;
	size_t j, k, n, ndig = 0;
	int hex = 0, d;
	char u[4];

	for (k = 0; k < sizeof(named) / sizeof(named[0]); k++)
		if (starts(p, len, *i, named[k].ref)) {
			*i += strlen(named[k].ref);
			put(out, o, named[k].c);
			return 0;
		}
	if (!starts(p, len, *i, "&#"))
		return -1;
	j = *i + 2;
	if (j < len && p[j] == 'x') {
		hex = 1;
		j++;
	}
	for (; j < len; j++, ndig++) {
		if (hex)
			d = hex_value((unsigned char)p[j]);
		else
			d = p[j] >= '0' && p[j] <= '9' ? p[j] - '0' : -1;
		if (d < 0)
			break;
		/* Stop growing once out of range: no overflow however long
		 * the run of digits. */
		if (v <= 0x10ffff)
			v = v * (hex ? 16 : 10) + (unsigned long)d;
	}
	if (ndig == 0 || j >= len || p[j] != ';')
		return -1;
	if (v == 0 || (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
		return -1;
	*i = j + 1;
	n = utf8_put(u, v);
	for (k = 0; k < n; k++)
		put(out, o, u[k]);
	return 0;
}

/*
 * Decodes raw element content into out, or only measures it when out is
 * NULL. The result is never longer than the input: every reference is
 * longer than the UTF-8 it stands for. Comments and processing instructions
 * are dropped, CDATA is copied as is; a child element means the content is
 * not plain text: -1.
 */
static int
decode(const char *p, size_t len, char *out, size_t *outlen)
{
	size_t i = 0, o = 0, end;

	while (i < len) {
		if (p[i] == '&') {
			if (entity(p, len, &i, out, &o) == -1)
				return -1;
		} else if (p[i] != '<') {
			if (text_byte(p, len, &i, out, &o) == -1)
				return -1;
		} else if (starts(p, len, i, "<!--")) {
			if (skip_past(p, len, i + 4, "-->", &i) == -1)
				return -1;
		} else if (starts(p, len, i, "<?")) {
			if (skip_past(p, len, i + 2, "?>", &i) == -1)
				return -1;
		} else if (starts(p, len, i, "<![CDATA[")) {
			if (skip_past(p, len, i + 9, "]]>", &end) == -1)
				return -1;
			for (i += 9; i < end - 3;)
				if (text_byte(p, end - 3, &i, out, &o) == -1)
					return -1;
			i = end;
		} else
			return -1;
	}
	*outlen = o;
	return 0;
}

long
xml_text(const char *doc, size_t len, const char *tag, char *out,
    size_t outcap)
{
	struct xml_span s;
	size_t pos = 0, n;

	if (out != NULL && outcap > 0)
		out[0] = '\0';
	if (xml_next(doc, len, &pos, tag, &s) != 1)
		return -1;
	if (decode(s.p, s.len, NULL, &n) == -1)
		return -1;
	if (out == NULL || n >= outcap || n > LONG_MAX)
		return -2;
	if (decode(s.p, s.len, out, &n) == -1)
		return -1;
	out[n] = '\0';
	return (long)n;
}

char *
xml_decode(const struct xml_span *s)
{
	size_t n;
	char *r;

	if (s == NULL || (s->p == NULL && s->len > 0))
		return NULL;
	if (decode(s->p, s->len, NULL, &n) == -1 || n == SIZE_MAX)
		return NULL;
	if ((r = malloc(n + 1)) == NULL)
		return NULL;
	if (decode(s->p, s->len, r, &n) == -1) {
		free(r);
		return NULL;
	}
	r[n] = '\0';
	return r;
}

void
xml_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		switch (ch) {
		case '&': buf_adds(b, "&amp;"); break;
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		case '\'': buf_adds(b, "&apos;"); break;
		default:
			if (ch < 0x20 || ch == 0x7f)
				buf_printf(b, "&#x%X;", ch);
			else
				buf_add(b, s, 1);
		}
	}
}
