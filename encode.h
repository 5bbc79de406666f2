/* encode.h: byte encodings: hex, base64, RFC 3986 percent-encoding, UTF-8.
 * Pure functions: no I/O, no allocation except where a function says so. */
#ifndef TABLESNAP_ENCODE_H
#define TABLESNAP_ENCODE_H

#include <stddef.h>

/* Lower-case hex of len bytes into out, which holds 2*len+1 bytes (NUL-terminated). */
void hex_encode(const void *in, size_t len, char *out);

/* The value of a hex digit (either case), or -1 for any other c. */
int hex_value(int c);

/* Decodes 2*len hex digits (either case) into len bytes. Reads in order
 * and stops at the first byte that is not a hex digit (a NUL included):
 * 0, or -1 then. */
int hex_decode(const char *in, size_t len, void *out);

/* Standard base64 with padding into out, which holds BASE64_LEN(len)+1 bytes. */
#define BASE64_LEN(n) ((((n) + 2) / 3) * 4)
void base64_encode(const void *in, size_t len, char *out);

/* Decodes standard base64 (padding required, no white space). Returns the
 * decoded length, or -1 when the input is not valid base64 or does not fit
 * in outcap bytes. */
long base64_decode(const char *in, size_t len, void *out, size_t outcap);

/* Percent-encodes len bytes of in, RFC 3986 style as SigV4 wants it: every byte
 * outside A-Z a-z 0-9 - . _ ~ becomes %XX (upper-case hex); '/' is kept as is
 * when keep_slash is non-zero. Returns a malloc'd NUL-terminated string, or
 * NULL when out of memory. */
char *uri_encode(const char *in, size_t len, int keep_slash);

/* The length (2 to 4) of the valid RFC 3629 multibyte UTF-8 sequence at s
 * (len bytes available), or 0 when s[0] does not start one: overlongs,
 * UTF-16 surrogates, code points above U+10FFFF and bytes that cannot
 * start a sequence (C0, C1, F5..FF, continuation bytes, ASCII) give 0. */
size_t utf8_seq(const char *s, size_t len);

/* Whether the len bytes at s are valid UTF-8 (RFC 3629). */
int is_utf8(const char *s, size_t len);

/* Writes code point cp (below U+110000) as 1 to 4 bytes of UTF-8 at out;
 * returns how many. */
size_t utf8_put(char *out, unsigned long cp);

/* Copies the len bytes at in to out with control bytes, DEL and bytes
 * that are not UTF-8 as \xNN, so that a name (from a listing, a file
 * system) stays one readable line; out holds 4 * len + 1. Returns the
 * length written (a NUL follows). */
size_t escape_controls(const char *in, size_t len, char *out);

#endif
