/* jsonread.c: a recursive-descent JSON reader into a small tree. Strict
 * about the grammar, and decodes \udcXX back to the byte json.c escaped. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "encode.h"
#include "fmt.h"
#include "jsonread.h"

#define MAX_DEPTH	64

struct reader {
	const char *s;
	size_t len, pos;
	int depth;
	char *err;
	size_t errlen;
	int failed;
};

static int	parse_value(struct reader *, struct jr_value *);
static void	free_value(struct jr_value *);

static int
fail(struct reader *r, const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	int n;

	if (r->failed)
		return -1;
	r->failed = 1;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	/* A truncated message still names the place. */
	if (r->errlen > 0 && snprintf(r->err, r->errlen, "offset %zu: %s",
	    r->pos, msg) < 0)
		r->err[0] = '\0';
	return -1;
}

static void
skip_ws(struct reader *r)
{
	while (r->pos < r->len && (r->s[r->pos] == ' ' ||
	    r->s[r->pos] == '\t' || r->s[r->pos] == '\n' ||
	    r->s[r->pos] == '\r'))
		r->pos++;
}

static int
peek(struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

/* Four hex digits at p as a UTF-16 code unit. */
static int
hex4(const char *p, unsigned *out)
{
	unsigned char be[2];

	if (hex_decode(p, sizeof(be), be) < 0)
		return -1;
	*out = (unsigned)be[0] << 8 | be[1];
	return 0;
}

/* A \u escape at r->pos (after the backslash and 'u'), with a following
 * low surrogate when it is a high one. Appends its bytes at *o. */
static int
unicode_escape(struct reader *r, char **o)
{
	unsigned cp, lo;

	if (r->len - r->pos < 4 || hex4(r->s + r->pos, &cp) < 0)
		return fail(r, "bad \\u escape");
	r->pos += 4;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (r->len - r->pos < 6 || r->s[r->pos] != '\\' ||
		    r->s[r->pos + 1] != 'u' ||
		    hex4(r->s + r->pos + 2, &lo) < 0 ||
		    lo < 0xdc00 || lo > 0xdfff)
			return fail(r, "lone high surrogate");
		r->pos += 6;
		*o += utf8_put(*o, 0x10000 + ((unsigned long)(cp - 0xd800) <<
		    10) + (lo - 0xdc00));
		return 0;
	}
	if (cp >= 0xdc80 && cp <= 0xdcff) {
		/* surrogateescape: the byte that was not UTF-8. */
		*(*o)++ = (char)(cp & 0xff);
		return 0;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(r, "lone low surrogate \\u%04x", cp);
	*o += utf8_put(*o, cp);
	return 0;
}

static int
escape(struct reader *r, char **o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p;
	char c;

	if (r->pos >= r->len)
		return fail(r, "unterminated string");
	c = r->s[r->pos++];
	if (c == 'u')
		return unicode_escape(r, o);
	if (c == '\0' || (p = strchr(from, c)) == NULL) {
		r->pos--;
		return fail(r, "bad escape");
	}
	*(*o)++ = to[p - from];
	return 0;
}

/* A string at r->pos (the opening quote). The decoded form is never
 * longer than the text, so one allocation of that size does. */
static int
parse_string(struct reader *r, char **out, size_t *outlen)
{
	size_t start = ++r->pos, end = start;
	char *buf, *o;

	while (end < r->len && r->s[end] != '"')
		end += r->s[end] == '\\' ? 2 : 1;
	if (end >= r->len)
		return fail(r, "unterminated string");
	if ((buf = malloc(end - start + 1)) == NULL)
		return fail(r, "out of memory");
	o = buf;
	while (r->pos < end) {
		unsigned char c = (unsigned char)r->s[r->pos];

		if (c < 0x20) {
			free(buf);
			return fail(r, "control character in a string");
		}
		r->pos++;
		if (c != '\\')
			*o++ = (char)c;
		else if (escape(r, &o) < 0) {
			free(buf);
			return -1;
		}
	}
	if (r->pos != end) {	/* an escape ran over the closing quote */
		free(buf);
		return fail(r, "unterminated string");
	}
	r->pos++;
	*o = '\0';
	*out = buf;
	*outlen = (size_t)(o - buf);
	return 0;
}

static size_t
digits(struct reader *r)
{
	size_t n = 0;

	while (r->pos < r->len && r->s[r->pos] >= '0' && r->s[r->pos] <= '9') {
		r->pos++;
		n++;
	}
	return n;
}

static int
parse_number(struct reader *r, struct jr_value *v)
{
	size_t start = r->pos;
	int integral = 1;
	char *copy, *end;

	if (peek(r) == '-')
		r->pos++;
	if (peek(r) == '0')
		r->pos++;
	else if (digits(r) == 0)
		return fail(r, "bad number");
	if (peek(r) == '.') {
		r->pos++;
		integral = 0;
		if (digits(r) == 0)
			return fail(r, "bad number");
	}
	if (peek(r) == 'e' || peek(r) == 'E') {
		r->pos++;
		integral = 0;
		if (peek(r) == '+' || peek(r) == '-')
			r->pos++;
		if (digits(r) == 0)
			return fail(r, "bad number");
	}
	v->type = JR_NUMBER;
	if (!integral)	/* checked, but no caller reads a fraction */
		return 0;
	if ((copy = str_ndup(r->s + start, r->pos - start)) == NULL)
		return fail(r, "out of memory");
	errno = 0;
	v->integer = strtoll(copy, &end, 10);
	v->is_int = errno == 0 && *end == '\0';
	free(copy);
	return 0;
}

static int
literal(struct reader *r, const char *word, enum jr_type type,
    struct jr_value *v)
{
	size_t n = strlen(word);

	if (r->len - r->pos < n || memcmp(r->s + r->pos, word, n) != 0)
		return fail(r, "unexpected character");
	r->pos += n;
	v->type = type;
	return 0;
}

/* Appends a zeroed item to a container and returns it. */
static struct jr_value *
add_item(struct reader *r, struct jr_value *v, size_t *cap)
{
	struct jr_value *grown;

	grown = array_grow(v->items, cap, v->len + 1, sizeof(*grown));
	if (grown == NULL) {
		fail(r, "out of memory");
		return NULL;
	}
	v->items = grown;
	memset(&v->items[v->len], 0, sizeof(v->items[0]));
	return &v->items[v->len++];
}

/* The rest of an array or object after its opening bracket. */
static int
parse_container(struct reader *r, struct jr_value *v, int object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;

	v->type = object ? JR_OBJECT : JR_ARRAY;
	skip_ws(r);
	if (peek(r) == close) {
		r->pos++;
		return 0;
	}
	for (;;) {
		struct jr_value *item = add_item(r, v, &cap);
		int c;

		if (item == NULL)
			return -1;
		skip_ws(r);
		if (object) {
			if (peek(r) != '"')
				return fail(r, "expected a member name");
			if (parse_string(r, &item->key, &item->key_len) < 0)
				return -1;
			skip_ws(r);
			if (peek(r) != ':')
				return fail(r, "expected ':'");
			r->pos++;
		}
		if (parse_value(r, item) < 0)
			return -1;
		skip_ws(r);
		c = peek(r);
		r->pos++;
		if (c == close)
			return 0;
		if (c != ',') {
			r->pos--;
			return fail(r, "expected ',' or '%c'", close);
		}
	}
}

static int
parse_value(struct reader *r, struct jr_value *v)
{
	int c, ret;

	skip_ws(r);
	c = peek(r);
	switch (c) {
	case '{':
	case '[':
		if (++r->depth > MAX_DEPTH)
			return fail(r, "nested too deep");
		r->pos++;
		ret = parse_container(r, v, c == '{');
		r->depth--;
		return ret;
	case '"':
		v->type = JR_STRING;
		return parse_string(r, &v->str, &v->len);
	case 't':
		return literal(r, "true", JR_TRUE, v);
	case 'f':
		return literal(r, "false", JR_FALSE, v);
	case 'n':
		return literal(r, "null", JR_NULL, v);
	case -1:
		return fail(r, "unexpected end");
	default:
		if (c == '-' || (c >= '0' && c <= '9'))
			return parse_number(r, v);
		return fail(r, "unexpected character");
	}
}

struct jr_value *
jr_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct reader r = { .s = text, .len = len, .err = err,
	    .errlen = errlen };
	struct jr_value *v;

	if (errlen > 0)
		err[0] = '\0';
	if ((v = calloc(1, sizeof(*v))) == NULL) {
		fail(&r, "out of memory");
		return NULL;
	}
	if (parse_value(&r, v) == 0) {
		skip_ws(&r);
		if (r.pos == r.len)
			return v;
		fail(&r, "text after the value");
	}
	jr_free(v);
	return NULL;
}

static void
free_value(struct jr_value *v)
{
	for (size_t i = 0; v->items != NULL && i < v->len; i++)
		free_value(&v->items[i]);
	free(v->items);
	free(v->key);
	free(v->str);
}

void
jr_free(struct jr_value *v)
{
	if (v == NULL)
		return;
	free_value(v);
	free(v);
}

const struct jr_value *
jr_member(const struct jr_value *v, const char *name, size_t name_len)
{
	const struct jr_value *found = NULL;

	if (v == NULL || v->type != JR_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if (v->items[i].key_len == name_len &&
		    memcmp(v->items[i].key, name, name_len) == 0)
			found = &v->items[i];
	return found;
}

int
jr_member_int(const struct jr_value *v, const char *name, long long *out)
{
	const struct jr_value *m = jr_member(v, name, strlen(name));

	if (m == NULL || m->type != JR_NUMBER || !m->is_int)
		return -1;
	*out = m->integer;
	return 0;
}

const char *
jr_member_str(const struct jr_value *v, const char *name)
{
	const struct jr_value *m = jr_member(v, name, strlen(name));

	if (m == NULL || m->type != JR_STRING || strlen(m->str) != m->len)
		return NULL;
	return m->str;
}
