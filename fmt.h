/* fmt.h: string helpers: formatting into buffers (the C library's
 * snprintf and asprintf), error messages for the caller, exact copies of
 * byte spans, fixed-point rounding. */
#ifndef TABLESNAP_FMT_H
#define TABLESNAP_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* snprintf semantics: the length the whole text has (truncated when that
 * is >= cap), or -1. */
int str_fmt(char *dst, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int str_vfmt(char *dst, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

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

/* asprintf semantics: *out is a new string the caller frees; returns its
 * length, or -1 (out of memory, or as str_fmt) with *out undefined. */
int str_afmt(char **out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int str_vafmt(char **out, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A new NUL-terminated copy of the n bytes at s, which need not be
 * NUL-terminated themselves (strndup may look for a NUL past them); NULL
 * when out of memory. */
char *str_ndup(const char *s, size_t n);

/* |v| * scale (scale <= 1000) rounded to an integer exactly as printf's
 * "%.3f" (scale 1000) or "%.1f" (10) rounds: to nearest, ties to even,
 * from v's exact binary value. The caller prints the sign (signbit), the
 * quotient and the remainder. LLONG_MAX when too large, 0 for NaN. */
long long str_scaled(double v, unsigned scale);

#endif
