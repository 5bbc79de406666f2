/* buf.h: the growable string every builder of text appends to (JSON, XML
 * bodies, headers), and the growth rule for arrays. Pure: memory only. */
#ifndef TABLESNAP_BUF_H
#define TABLESNAP_BUF_H

#include <stddef.h>

/*
 * A growable string. A zeroed struct buf is an empty one (data NULL until
 * the first append); buf_init makes data "" at once. data is
 * NUL-terminated after every successful append. Errors are sticky: when
 * memory runs out or a length would wrap size_t, failed is set, data and
 * len stay as they were and later appends do nothing, so a builder
 * appends without checking and looks at failed once at the end.
 */
struct buf {
	char *data;
	size_t len, cap;
	int failed;
};

void buf_init(struct buf *b);
/* Frees data; b is a zeroed buffer again. */
void buf_free(struct buf *b);

/* Room for n more bytes and the NUL: 0, or -1 with failed set. */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes (p may be NULL when n is 0). */
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
/* Appends printf's output; never truncated. */
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The NUL-terminated string, now the caller's ("" when nothing was
 * added), b zeroed; NULL when any append failed (its memory is freed). */
char *buf_take(struct buf *b);

/*
 * The growth rule for arrays: items (of *cap elements of size bytes,
 * NULL when *cap is 0) with room for at least need elements, doubling
 * from 8. Returns the array, perhaps moved, with *cap updated; NULL when
 * out of memory or need * size would wrap, with items and *cap unchanged.
 */
void *array_grow(void *items, size_t *cap, size_t need, size_t size);

#endif
