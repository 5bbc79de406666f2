/* fmt.c: a printf-style formatter for the conversions in fmt.h (pure: no
 * I/O; str_afmt allocates its result). */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "fmt.h"

enum { F_MINUS = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8 };

/* The text written so far: n counts every byte, also those past the
 * room, which is one less than the caller's size (the NUL's place). */
struct out {
	char	*p;
	size_t	 room;
	size_t	 n;
};

struct spec {
	unsigned	 flags;
	int		 width;
	int		 prec;	/* -1: none given */
	char		 len;	/* 'H' hh, h, l, 'q' ll, j, z, t, 0 */
};

static void	put(struct out *, const char *, size_t);
static void	pad(struct out *, char, size_t);
static int	parse_spec(const char **, struct spec *, va_list *);
static int	convert(struct out *, const struct spec *, char, va_list *);
static uintmax_t fetch(char, va_list *);
static intmax_t	as_signed(uintmax_t, char);
static void	put_int(struct out *, const struct spec *, uintmax_t,
		    const char *, unsigned, int);
static void	put_field(struct out *, const struct spec *, const char *,
		    size_t);

int
str_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vfmt(dst, cap, fmt, ap);
	va_end(ap);
	return n;
}

int
str_vfmt(char *dst, size_t cap, const char *fmt, va_list ap)
{
	struct out o = { dst, cap > 0 ? cap - 1 : 0, 0 };
	struct spec sp;
	const char *pct;
	va_list aq;
	int bad = 0;

	va_copy(aq, ap);
	while (!bad && *fmt != '\0') {
		if ((pct = strchr(fmt, '%')) == NULL)
			pct = fmt + strlen(fmt);
		put(&o, fmt, (size_t)(pct - fmt));
		if (*pct == '\0')
			break;
		fmt = pct + 1;
		bad = parse_spec(&fmt, &sp, &aq) != 0 ||
		    convert(&o, &sp, *fmt++, &aq) != 0;
	}
	va_end(aq);
	if (cap > 0)
		dst[o.n < o.room ? o.n : o.room] = '\0';
	if (bad || o.n > INT_MAX) {
		errno = bad ? EINVAL : EOVERFLOW;
		return -1;
	}
	return (int)o.n;
}

int
str_afmt(char **out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = str_vafmt(out, fmt, ap);
	va_end(ap);
	return n;
}

int
str_vafmt(char **out, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = str_vfmt(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL)
		return -1;
	return str_vfmt(*out, (size_t)n + 1, fmt, ap);
}

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->n < o->room)
		memcpy(o->p + o->n, s, len < o->room - o->n ?
		    len : o->room - o->n);
	o->n += len;
}

static void
pad(struct out *o, char c, size_t len)
{
	for (; len > 0 && o->n < o->room; len--)
		o->p[o->n++] = c;
	o->n += len;
}

/* Reads a number of at most INT_MAX, or '*' from the arguments. */
static int
parse_num(const char **f, int *v, va_list *ap)
{
	long n = 0;

	if (**f == '*') {
		(*f)++;
		*v = va_arg(*ap, int);
		return 0;
	}
	while (**f >= '0' && **f <= '9') {
		n = n * 10 + (*(*f)++ - '0');
		if (n > INT_MAX)
			return -1;
	}
	*v = (int)n;
	return 0;
}

/* Parses flags, width, precision and length after a '%'. */
static int
parse_spec(const char **f, struct spec *sp, va_list *ap)
{
	const char *flag;

	sp->flags = 0;
	while (**f != '\0' && (flag = strchr("-0+ ", **f)) != NULL) {
		sp->flags |= 1u << (flag - "-0+ ");
		(*f)++;
	}
	if (parse_num(f, &sp->width, ap) != 0)
		return -1;
	if (sp->width < 0) {	/* a negative '*' width means '-' */
		if (sp->width == INT_MIN)
			return -1;
		sp->flags |= F_MINUS;
		sp->width = -sp->width;
	}
	sp->prec = -1;
	if (**f == '.') {
		(*f)++;
		if (parse_num(f, &sp->prec, ap) != 0)
			return -1;
		if (sp->prec < 0)	/* a negative '*' is as if none */
			sp->prec = -1;
	}
	sp->len = 0;
	if (**f != '\0' && strchr("hljzt", **f) != NULL) {
		sp->len = *(*f)++;
		if (sp->len == 'h' && **f == 'h')
			sp->len = 'H', (*f)++;
		else if (sp->len == 'l' && **f == 'l')
			sp->len = 'q', (*f)++;
	}
	return 0;
}

static int
convert(struct out *o, const struct spec *sp, char c, va_list *ap)
{
	const char *s, *sign;
	uintmax_t v;
	intmax_t sv;
	size_t len;
	char ch;

	switch (c) {
	case 'd':
	case 'i':
		sv = as_signed(fetch(sp->len, ap), sp->len);
		sign = sv < 0 ? "-" : sp->flags & F_PLUS ? "+" :
		    sp->flags & F_SPACE ? " " : "";
		/* In unsigned arithmetic, so that INTMAX_MIN negates too. */
		v = sv < 0 ? -(uintmax_t)sv : (uintmax_t)sv;
		put_int(o, sp, v, sign, 10, 0);
		return 0;
	case 'u':
	case 'x':
	case 'X':
		v = fetch(sp->len, ap);
		if (sp->len == 'h')
			v = (unsigned short)v;
		else if (sp->len == 'H')
			v = (unsigned char)v;
		put_int(o, sp, v, "", c == 'u' ? 10 : 16, c == 'X');
		return 0;
	case 'p':	/* as glibc prints it */
		v = (uintptr_t)va_arg(*ap, void *);
		if (v == 0)
			put_field(o, sp, "(nil)", 5);
		else
			put_int(o, sp, v, "0x", 16, 0);
		return 0;
	case 'c':
		ch = (char)va_arg(*ap, int);
		put_field(o, sp, &ch, 1);
		return 0;
	case 's':
		s = va_arg(*ap, const char *);
		if (s == NULL)
			s = "(null)";
		/* With a precision, s need not be NUL-terminated. */
		len = sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec);
		put_field(o, sp, s, len);
		return 0;
	case '%':
		put(o, "%", 1);
		return 0;
	}
	return -1;
}

/* The argument of a d i u x X conversion, read as the unsigned type of
 * its length (one va_arg per size, not per signedness: smaller code);
 * as_signed makes it signed again. */
static uintmax_t
fetch(char len, va_list *ap)
{
	switch (len) {
	case 'l': return va_arg(*ap, unsigned long);
	case 'q': return va_arg(*ap, unsigned long long);
	case 'j': return va_arg(*ap, uintmax_t);
	case 'z': return va_arg(*ap, size_t);
	case 't': return (uintmax_t)va_arg(*ap, ptrdiff_t);
	}
	return va_arg(*ap, unsigned);	/* int, and hh and h promoted */
}

static intmax_t
as_signed(uintmax_t u, char len)
{
	switch (len) {
	case 'H': return (signed char)u;
	case 'h': return (short)u;
	case 0: return (int)u;
	case 'l': return (long)u;
	case 'z': return (ssize_t)u;
	case 't': return (ptrdiff_t)u;
	}
	return (intmax_t)u;
}

/* prefix, then at least the precision's digits (none for 0 with
 * precision 0); the '0' flag fills the width with zeros after the
 * prefix unless a precision or '-' is given. */
static void
put_int(struct out *o, const struct spec *sp, uintmax_t v,
    const char *prefix, unsigned base, int upper)
{
	const char *xd = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[3 * sizeof(v)], *d = buf + sizeof(buf);
	size_t nd, pl = strlen(prefix), zeros = 0, w = (size_t)sp->width;

	for (; v != 0; v /= base)
		*--d = xd[v % base];
	nd = (size_t)(buf + sizeof(buf) - d);
	if (nd < (size_t)(sp->prec < 0 ? 1 : sp->prec))
		zeros = (size_t)(sp->prec < 0 ? 1 : sp->prec) - nd;
	if ((sp->flags & (F_ZERO | F_MINUS)) == F_ZERO && sp->prec < 0 &&
	    w > pl + zeros + nd)
		zeros = w - pl - nd;
	if (!(sp->flags & F_MINUS) && w > pl + zeros + nd)
		pad(o, ' ', w - pl - zeros - nd);
	put(o, prefix, pl);
	pad(o, '0', zeros);
	put(o, d, nd);
	if (sp->flags & F_MINUS && w > pl + zeros + nd)
		pad(o, ' ', w - pl - zeros - nd);
}

/* s padded with spaces to the width, on the left unless '-'. */
static void
put_field(struct out *o, const struct spec *sp, const char *s, size_t len)
{
	size_t w = (size_t)sp->width;

	if (!(sp->flags & F_MINUS) && w > len)
		pad(o, ' ', w - len);
	put(o, s, len);
	if (sp->flags & F_MINUS && w > len)
		pad(o, ' ', w - len);
}

long long
str_scaled(double v, unsigned scale)
{
	uint64_t bits, m, q, r, half;
	int e;

	_Static_assert(DBL_MANT_DIG == 53, "IEEE 754 binary64");
	memcpy(&bits, &v, sizeof(bits));
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (e == 0x7ff)
		return m != 0 ? 0 : LLONG_MAX;
	if (e != 0)
		m |= UINT64_C(1) << 52;
	else
		e = 1;
	/* v = m * 2^(e - 1075) exactly, and m * scale < 2^63. */
	m *= scale;
	e -= 1075;
	if (e >= 0)
		return e < 64 && m <= (uint64_t)LLONG_MAX >> e ?
		    (long long)(m << e) : LLONG_MAX;
	if (e <= -64)
		return 0;	/* below 2^-11: rounds to 0 */
	q = m >> -e;
	r = m & ((UINT64_C(1) << -e) - 1);
	half = UINT64_C(1) << (-e - 1);
	if (r > half || (r == half && (q & 1)))
		q++;
	return (long long)q;
}

char *
str_ndup(const char *s, size_t n)
{
	char *copy = n < SIZE_MAX ? malloc(n + 1) : NULL;

	if (copy != NULL) {
		memcpy(copy, s, n);
		copy[n] = '\0';
	}
	return copy;
}
