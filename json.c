/* json.c: the JSON writer for the -listdir.json body and x-amz-meta-stat,
 * byte-compatible with Python 2's json.dumps (ensure_ascii, ", " and ": "). */
#include <string.h>

#include "encode.h"
#include "json.h"

static void	append_u(struct buf *, unsigned int);

/* One \uXXXX escape, lower-case hex as Python writes it. */
static void
append_u(struct buf *b, unsigned int u)
{
	unsigned char be[2] = { (unsigned char)(u >> 8), (unsigned char)u };
	char e[7] = "\\u";

	hex_encode(be, sizeof(be), e + 2);
	buf_add(b, e, 6);
}

void
json_string(struct buf *b, const char *s, size_t len)
{
	/* The bytes with a short escape, and the letter after the '\\'. */
	static const char plain[] = "\"\\\b\f\n\r\t", escaped[] = "\"\\bfnrt";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run, n, k;
	unsigned long cp;
	const char *p;

	buf_add(b, "\"", 1);
	while (i < len && !b->failed) {
		/* Copy the longest stretch of bytes that stay as they are. */
		for (run = i; run < len && u[run] >= 0x20 && u[run] < 0x7f &&
		    u[run] != '"' && u[run] != '\\'; run++)
			;
		if (run > i) {
			buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		if (u[i] != '\0' && (p = strchr(plain, u[i])) != NULL) {
			char e[2] = { '\\', escaped[p - plain] };

			buf_add(b, e, 2);
		} else if (u[i] < 0x80)
			append_u(b, u[i]);	/* other controls, DEL */
		else if ((n = utf8_seq(s + i, len - i)) == 0)
			/*
			 * Not UTF-8: Python 3's surrogateescape (U+DC00 +
			 * byte). Only this byte is taken; the next one is
			 * looked at afresh, which is what Python's decoder
			 * does too.
			 */
			append_u(b, 0xdc00 | u[i]);
		else {
			cp = u[i] & (0x7f >> n);
			for (k = 1; k < n; k++)
				cp = cp << 6 | (u[i + k] & 0x3f);
			if (cp < 0x10000)
				append_u(b, (unsigned int)cp);
			else {
				cp -= 0x10000;
				append_u(b, (unsigned int)(0xd800 | cp >> 10));
				append_u(b,
				    (unsigned int)(0xdc00 | (cp & 0x3ff)));
			}
			i += n;
			continue;
		}
		i++;
	}
	buf_add(b, "\"", 1);
}

/*
 * The key order is that of a Python 2 dict holding these five keys, which
 * is what the original's json.dumps walked; the omitted names keep the
 * others in the same relative order: user, gid, group, uid, mode, as
 * the original's objects carry it.
 */
void
json_stat(struct buf *b, uid_t uid, gid_t gid, mode_t mode,
    const char *user, const char *group)
{
	buf_add(b, "{", 1);
	if (user != NULL) {
		buf_adds(b, "\"user\": ");
		json_string(b, user, strlen(user));
		buf_adds(b, ", ");
	}
	buf_adds(b, "\"gid\": ");
	buf_printf(b, "%llu", (unsigned long long)gid);
	if (group != NULL) {
		buf_adds(b, ", \"group\": ");
		json_string(b, group, strlen(group));
	}
	buf_adds(b, ", \"uid\": ");
	buf_printf(b, "%llu", (unsigned long long)uid);
	buf_adds(b, ", \"mode\": ");
	buf_printf(b, "%llu", (unsigned long long)mode);
	buf_add(b, "}", 1);
}
