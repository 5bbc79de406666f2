/* buf.c: the growable string and the array growth rule; every size is
 * checked against wrapping before it is used. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"

void
buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	if (buf_reserve(b, 0) == 0)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (b->failed)
		return -1;
	if (n > SIZE_MAX - 1 - b->len) {
		b->failed = 1;
		return -1;
	}
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap > 0 ? b->cap : 64;
	while (cap < need)
		/* Doubling would wrap: ask for exactly what is needed. */
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = 1;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n) == -1)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Formats into the room left; when that is too small, makes room for the
 * length the first pass measured and formats again. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (buf_reserve(b, 0) == -1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		if (buf_reserve(b, (size_t)n) == -1) {
			b->data[b->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	if (n < 0) {
		b->data[b->len] = '\0';
		b->failed = 1;
		return;
	}
	b->len += (size_t)n;
}

char *
buf_take(struct buf *b)
{
	char *s;

	if (buf_reserve(b, 0) == -1) {
		buf_free(b);
		return NULL;
	}
	s = b->data;
	s[b->len] = '\0';
	memset(b, 0, sizeof(*b));
	return s;
}

void *
array_grow(void *items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap > 0 ? *cap : 8;
	void *p;

	if (need <= *cap)
		return items;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	if (size == 0 || n > SIZE_MAX / size ||
	    (p = realloc(items, n * size)) == NULL)
		return NULL;
	*cap = n;
	return p;
}
