/* json.h: the JSON writer for the stat metadata and, through listing.c,
 * the directory listing.
 * Output is byte-compatible with Python 2's json.dumps as the original wrote it. */
#ifndef TABLESNAP_JSON_H
#define TABLESNAP_JSON_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/* Appends s (len bytes, any values) as a quoted JSON string, escaped as
 * Python 2's json.dumps(ensure_ascii=True) does: \" \\ \b \f \n \r \t,
 * other bytes < 0x20 and 0x7f as \u00XX, valid UTF-8 sequences as \uXXXX
 * (surrogate pairs above U+FFFF). Policy for bytes that are not valid UTF-8
 * (the original crashed on them): each such byte B is written as \uDCXX
 * (XX = B), Python 3's "surrogateescape", so that
 * os.fsencode(json.loads(s)) gives back the original bytes. */
void json_string(struct buf *b, const char *s, size_t len);

/* The x-amz-meta-stat value in the original's key order; user or group is
 * NULL when the id does not resolve to a name:
 * {"user": "u", "gid": 1, "group": "g", "uid": 2, "mode": 33188} */
void json_stat(struct buf *b, uid_t uid, gid_t gid, mode_t mode,
    const char *user, const char *group);

#endif
