/* encode.h: byte encodings S3 needs: hex, base64, RFC 3986 percent-encoding.
 * Pure functions: no I/O, no allocation except where a function says so. */
#ifndef TABLESNAP_ENCODE_H
#define TABLESNAP_ENCODE_H

#include <stddef.h>

/* Lower-case hex of len bytes into out, which holds 2*len+1 bytes (NUL-terminated). */
void hex_encode(const void *in, size_t len, char *out);

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

#endif
