/* ere.h: a libc stand-in (see missing/README): POSIX extended regular
 * expressions with Python re's syntax for the path filter, searched anywhere
 * in a byte string, match or no match, in time linear in it. */
#ifndef TABLESNAP_ERE_H
#define TABLESNAP_ERE_H

#include <stddef.h>

struct ere;

/*
 * Compiles pattern (C locale, bytes; Python's \d \w \s \b \A \Z (?i)
 * (?:) and lazy repetition as in missing/README). Returns NULL with *why
 * set to a short static reason ("unmatched (", "invalid range", "look-ahead
 * (?=...) not supported", ...) when the pattern is invalid, uses what
 * cannot be honoured, is too large, or memory ran out.
 */
struct ere	*ere_compile(const char *pattern, const char **why);

/*
 * 1 when the pattern matches somewhere in s[0..len), 0 when not, -1 when
 * out of memory. Only reads re: safe from several threads at once.
 */
int		 ere_match(const struct ere *re, const char *s, size_t len);

void		 ere_free(struct ere *re);

#endif
