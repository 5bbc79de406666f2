/* shim.c: the three _FORTIFY_SOURCE checks that Debian's libbearssl.a calls
 * and musl lacks; link it only against musl (glibc has its own). */
#include <stdlib.h>
#include <string.h>

void	*__memcpy_chk(void *, const void *, size_t, size_t);
void	*__memmove_chk(void *, const void *, size_t, size_t);
void	*__memset_chk(void *, int, size_t, size_t);

/* dstlen is what the compiler knew of the destination's size: a larger n
 * is a buffer overflow in the caller, so stop as glibc does. */
void *
__memcpy_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memcpy(dst, src, n);
}

void *
__memmove_chk(void *dst, const void *src, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memmove(dst, src, n);
}

void *
__memset_chk(void *dst, int c, size_t n, size_t dstlen)
{
	if (n > dstlen)
		abort();
	return memset(dst, c, n);
}
