/* fmt.h: small helpers beside the C library's: error messages for the
 * caller, exact copies of byte spans, environment values. */
#ifndef TABLESNAP_FMT_H
#define TABLESNAP_FMT_H

#include <stdarg.h>
#include <stddef.h>

/*
 * The one way an error travels up the stack: a message formatted into
 * the caller's err (errlen bytes), always NUL-terminated when errlen > 0.
 * A message too long for err ends in "..." so that the cut shows; one
 * that cannot be formatted reads "(unprintable error)". Returns -1, so
 * that a function failing with -1 can `return err_set(...)`.
 */
int err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* A new NUL-terminated copy of the n bytes at s, which need not be
 * NUL-terminated themselves (strndup may look for a NUL past them); NULL
 * when out of memory. */
char *str_ndup(const char *s, size_t n);

/* An environment variable's value; NULL when unset or empty (an empty
 * value means "not set" to the AWS tools and to us). */
const char *env_value(const char *name);

/* The decimal "digits[.digits]" or ".digits" at s (at most 18 digits
 * before the point and 9 after) times scale (> 0), rounded half up, in *out: exact, with no
 * binary fraction in between ("0.1" days is 8,640,000 ms). Returns the
 * end of the number, or NULL when s does not start with one or the
 * result would not fit a long long. */
const char *decimal_scaled(const char *s, long long scale, long long *out);

/* Wipes a secret string (a key, a token, a request holding one) and
 * frees it; NULL is fine. */
void free_secret(char *s);

#endif
