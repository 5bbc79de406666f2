/* jsonread.h: a small JSON reader for the -listdir.json listings and the
 * x-amz-meta-stat values. Pure: text in, a tree out; no I/O. */
#ifndef TABLESNAP_JSONREAD_H
#define TABLESNAP_JSONREAD_H

#include <stddef.h>

enum jr_type {
	JR_NULL,
	JR_FALSE,
	JR_TRUE,
	JR_NUMBER,
	JR_STRING,
	JR_ARRAY,
	JR_OBJECT,
};

/*
 * One value. Strings are decoded to bytes: \uXXXX and surrogate pairs
 * become UTF-8, and a lone \uDC80..\uDCFF becomes the byte 0x80..0xFF
 * (Python's "surrogateescape", which json.c writes for bytes that are not
 * UTF-8), so that a file name goes back to the bytes it was. A decoded
 * string may hold a NUL byte: compare len with strlen to refuse it.
 */
struct jr_value {
	enum jr_type type;
	char *key;		/* member name inside an object, else NULL */
	size_t key_len;
	char *str;		/* JR_STRING: NUL-terminated bytes */
	size_t len;		/* JR_STRING: bytes; JR_ARRAY/OBJECT: items */
	int is_int;		/* JR_NUMBER without fraction or exponent that
				 * fits a long long (the only numbers read) */
	long long integer;
	struct jr_value *items;	/* elements, or members in document order */
};

/* Parses one JSON text (RFC 8259, white space around it allowed, nesting
 * at most 64 deep). Returns a malloc'd tree, or NULL with a one-line
 * reason in err ("offset 12: bad escape"; "out of memory"). */
struct jr_value *jr_parse(const char *text, size_t len, char *err,
    size_t errlen);
void jr_free(struct jr_value *v);

/* The member named name (the last one when repeated, as Python does), or
 * NULL when absent or v is not an object. */
const struct jr_value *jr_member(const struct jr_value *v, const char *name,
    size_t name_len);

/* The integer member name: 0 and *out, or -1 when absent or not an
 * integer. */
int jr_member_int(const struct jr_value *v, const char *name,
    long long *out);

/* The string member name without NUL bytes, or NULL. */
const char *jr_member_str(const struct jr_value *v, const char *name);

#endif
