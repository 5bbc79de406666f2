/* ere.c: POSIX extended regular expressions with the Python re syntax of the
 * original's -e/-i patterns, compiled to an NFA run as a set of states per
 * input byte (Thompson): no pattern takes exponential time. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ere.h"

/*
 * The program. CHAR and SET consume a byte, the others do not. Offsets
 * are relative to their instruction, so that a piece of program can be
 * moved (to put a SPLIT in front of it) or copied (for a{m,n}) as it is.
 */
enum { CHAR, SET, SPLIT, JMP, BOL, EOL, WORDB, NWORDB, MATCH };

struct inst {
	int	op;
	int	x;	/* CHAR: byte; SET: set index; SPLIT, JMP: offset */
	int	y;	/* SPLIT: the other offset */
};

struct ere {
	struct inst	*prog;
	size_t		 n;
	unsigned char	(*set)[32];	/* bitmaps of bytes */
	size_t		 nset;
};

#define MAXPROG		65536	/* instructions, a{m,n} expanded */
#define MAXDUP		255	/* RE_DUP_MAX, as musl has it */
#define MAXDEPTH	256	/* nested groups: the parser recurses */
#define SMALL		64	/* programs this small match on the stack */

/* The compiler's state; why is the first error met. */
struct comp {
	const char	*p;
	struct ere	*re;
	size_t		 cap, setcap;
	const char	*why;
	int		 depth;
	int		 icase;	/* (?i): letters match either case */
};

/* The matcher's: the position and the states seen there. */
struct vm {
	const struct ere *re;
	const unsigned char *s;
	uint32_t	*stk, *mark;
	size_t		 pos, len;
};

/*
 * The classes of the C locale, as ranges of bytes: pairs ending at a 0
 * that is not the first (only cntrl starts at NUL).
 */
static const struct {
	char		name[7];
	unsigned char	r[9];	/* room for the NUL of punct */
} classes[] = {
	{ "alpha", "AZaz" }, { "digit", "09" }, { "alnum", "09AZaz" },
	{ "upper", "AZ" }, { "lower", "az" }, { "space", "\t\r  " },
	{ "punct", "!/:@[`{~" }, { "print", " ~" }, { "graph", "!~" },
	{ "cntrl", "\0\37\177\177" }, { "xdigit", "09AFaf" },
	{ "blank", "\t\t  " },
};

/* What \ and a letter other than a supported one is refused as. */
#define E(l)	"unsupported escape \\" #l
static const char *const badesc[52] = {
	E(A), E(B), E(C), E(D), E(E), E(F), E(G), E(H), E(I), E(J), E(K),
	E(L), E(M), E(N), E(O), E(P), E(Q), E(R), E(S), E(T), E(U), E(V),
	E(W), E(X), E(Y), E(Z), E(a), E(b), E(c), E(d), E(e), E(f), E(g),
	E(h), E(i), E(j), E(k), E(l), E(m), E(n), E(o), E(p), E(q), E(r),
	E(s), E(t), E(u), E(v), E(w), E(x), E(y), E(z),
};
#undef E

/* What escape() returns besides a byte: a class (\d \D \w \W \s \S)
 * or an assertion (\A \Z \b \B), or'ed with the letter. */
#define ESC_CLASS	0x100
#define ESC_ASSERT	0x200

static int	fail(struct comp *, const char *);
static int	grow(struct comp *, size_t);
static int	emit(struct comp *, int, int, int);
static int	split(struct comp *, size_t, size_t);
static void	copy(struct ere *, size_t, size_t, int);
static int	dup(struct comp *, size_t, int, int);
static int	repeat(struct comp *, size_t);
static void	setrange(unsigned char *, int, int);
static int	isword(int);
static void	setclass(unsigned char *, int);
static void	fold(unsigned char *);
static unsigned char *newset(struct comp *);
static int	hexval(int);
static int	escape(struct comp *, const char **, int);
static int	pybound(const char **, int *, int *);
static int	group(struct comp *);
static int	literal(struct comp *, int);
static int	klass(struct comp *, const unsigned char **, unsigned char *);
static int	bracket(struct comp *, int);
static int	atom(struct comp *);
static int	branch(struct comp *);
static int	alt(struct comp *);
static void	push(struct vm *, size_t *, uint32_t);
static int	add(struct vm *, uint32_t, uint32_t *, size_t *);

static int
fail(struct comp *c, const char *why)
{
	if (c->why == NULL)
		c->why = why;
	return -1;
}

/* Room for more instructions, within MAXPROG. */
static int
grow(struct comp *c, size_t more)
{
	struct ere *re = c->re;
	struct inst *p;
	size_t cap;

	if (more > MAXPROG - re->n)
		return fail(c, "pattern too large once expanded");
	if (re->n + more <= c->cap)
		return 0;
	for (cap = c->cap ? c->cap : 16; cap < re->n + more; cap *= 2)
		;
	if ((p = realloc(re->prog, cap * sizeof(*p))) == NULL)
		return fail(c, "out of memory");
	re->prog = p;
	c->cap = cap;
	return 0;
}

static int
emit(struct comp *c, int op, int x, int y)
{
	if (grow(c, 1) == -1)
		return -1;
	c->re->prog[c->re->n++] = (struct inst){ op, x, y };
	return 0;
}

/* A SPLIT in front of the code from at on, to it and to at + y. */
static int
split(struct comp *c, size_t at, size_t y)
{
	struct ere *re = c->re;

	if (grow(c, 1) == -1)
		return -1;
	memmove(re->prog + at + 1, re->prog + at,
	    (re->n++ - at) * sizeof(*re->prog));
	re->prog[at] = (struct inst){ SPLIT, 1, (int)y };
	return 0;
}

/* Appends a copy of the len instructions at from, optional when opt. The
 * room was made by the caller. */
static void
copy(struct ere *re, size_t from, size_t len, int opt)
{
	if (opt)
		re->prog[re->n++] = (struct inst){ SPLIT, 1, (int)len + 1 };
	memcpy(re->prog + re->n, re->prog + from, len * sizeof(*re->prog));
	re->n += len;
}

/*
 * The atom from start to the end repeated m to n times (n -1: no limit):
 * m plain copies, the last looping back when there is no limit, else
 * n - m optional ones; a* and a{0,n} make the atom itself optional.
 */
static int
dup(struct comp *c, size_t start, int m, int n)
{
	struct ere *re = c->re;
	size_t len = re->n - start;
	int i;

	if (n == 0) {
		re->n = start;
		return 0;
	}
	if (grow(c, (size_t)((n < 0 ? m : n) + 1) * (len + 1)) == -1)
		return -1;
	for (i = 1; i < m; i++)
		copy(re, start, len, 0);
	if (n < 0 && m > 0)
		return emit(c, SPLIT, -(int)len, 1);
	if (n < 0)
		return split(c, start, len + 2) == -1 ? -1 :
		    emit(c, JMP, -(int)len - 1, 0);
	for (i = m ? m : 1; i < n; i++)
		copy(re, start, len, 1);
	return m ? 0 : split(c, start, len + 1);
}

/*
 * A bound after its {, as Python reads it: {m}, {m,}, {,n}, {m,n} or {,}
 * (m 0, n -1 when left out). 1 with *pp past the }, 0 when this is no
 * bound (then the { is a literal: "a{", "{}", "a{x}"), -1 for a count
 * above 255 or n < m, with the reason in *pp's place left to the caller.
 */
static int
pybound(const char **pp, int *m, int *n)
{
	const char *p = *pp;
	int *v = m, digits = 0;

	*m = 0, *n = -1;
	if (*p == '}')
		return 0;
	for (;; p++) {
		if (*p >= '0' && *p <= '9') {
			if (!digits++)
				*v = 0;
			if ((*v = *v * 10 + *p - '0') > MAXDUP)
				*v = MAXDUP + 1;
			continue;
		}
		if (*p == ',' && v == m) {
			if (!digits)
				*m = 0;
			v = n, digits = 0;
			continue;
		}
		break;
	}
	if (*p != '}')
		return 0;
	if (v == m)
		*n = *m;
	*pp = p + 1;
	if (*m > MAXDUP || *n > MAXDUP || (*n >= 0 && *n < *m))
		return -1;
	return 1;
}

/* The repetition operators after the atom at start, all applying to it. */
static int
repeat(struct comp *c, size_t start)
{
	int m, n;

	for (;;) {
		switch (*c->p++) {
		case '*':
			m = 0, n = -1;
			break;
		case '+':
			m = 1, n = -1;
			break;
		case '?':
			m = 0, n = 1;
			break;
		case '{':
			switch (pybound(&c->p, &m, &n)) {
			case 0:		/* a literal {, the next atom */
				c->p--;
				return 0;
			case -1:
				return fail(c, m > MAXDUP || n > MAXDUP ?
				    "repetition count above 255" :
				    "invalid {m,n}");
			}
			break;
		default:
			c->p--;
			return 0;
		}
		if (dup(c, start, m, n) == -1)
			return -1;
		/* Python's lazy *? +? ?? {m,n}?: the same strings match. */
		if (*c->p == '?')
			c->p++;
	}
}

static void
setrange(unsigned char *set, int lo, int hi)
{
	for (; lo <= hi; lo++)
		set[lo >> 3] |= 1 << (lo & 7);
}

/* [:name:] at *pp, added to set. */
static int
klass(struct comp *c, const unsigned char **pp, unsigned char *set)
{
	const char *name = (const char *)*pp + 2, *end;
	size_t len, i, k;

	if ((end = strstr(name, ":]")) == NULL)
		return fail(c, "unmatched [");
	len = (size_t)(end - name);
	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (len >= sizeof(classes[i].name) ||
		    memcmp(classes[i].name, name, len) != 0 ||
		    classes[i].name[len] != '\0')
			continue;
		for (k = 0; k < 8 && (k == 0 || classes[i].r[k]); k += 2)
			setrange(set, classes[i].r[k], classes[i].r[k + 1]);
		*pp = (const unsigned char *)end + 2;
		return 0;
	}
	return fail(c, "unknown character class");
}

/* Python's \w for bytes: [A-Za-z0-9_]; a byte >= 0x80 is no word byte. */
static int
isword(int b)
{
	return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	    (b >= '0' && b <= '9') || b == '_';
}

/* Adds \d \D \w \W \s \S (Python's, for bytes: ASCII only) to set. */
static void
setclass(unsigned char *set, int letter)
{
	int b, in;

	for (b = 0; b < 256; b++) {
		switch (letter | 0x20) {
		case 'd':
			in = b >= '0' && b <= '9';
			break;
		case 'w':
			in = isword(b);
			break;
		default:	/* s: space \t \n \v \f \r */
			in = b == ' ' || (b >= '\t' && b <= '\r');
			break;
		}
		if (in != (letter >= 'A' && letter <= 'Z'))
			set[b >> 3] |= 1 << (b & 7);
	}
}

/* (?i): each ASCII letter in set brings its other case (Python folds only
 * ASCII for bytes). */
static void
fold(unsigned char *set)
{
	int b;

	for (b = 'A'; b <= 'Z'; b++)
		if (set[b >> 3] >> (b & 7) & 1 ||
		    set[(b | 0x20) >> 3] >> ((b | 0x20) & 7) & 1) {
			setrange(set, b, b);
			setrange(set, b | 0x20, b | 0x20);
		}
}

/* A new empty set, the last of re->set; NULL when out of memory. */
static unsigned char *
newset(struct comp *c)
{
	struct ere *re = c->re;
	unsigned char (*s)[32];

	if (re->nset == c->setcap) {
		c->setcap = c->setcap ? 2 * c->setcap : 4;
		if ((s = realloc(re->set, c->setcap * sizeof(*s))) == NULL) {
			fail(c, "out of memory");
			return NULL;
		}
		re->set = s;
	}
	return memset(re->set[re->nset], 0, sizeof(*re->set));
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
		return (ch | 0x20) - 'a' + 10;
	return -1;
}

/*
 * The escape after a \ at *pp, as Python reads it in a bytes pattern
 * (inset: in a [...]): a byte, ESC_CLASS | letter, ESC_ASSERT | letter,
 * or -1. *pp moves past it. A back-reference, and a letter Python does
 * not know or we do not support, is refused by name: taking \1 or \p
 * for a literal would quietly match something else.
 */
static int
escape(struct comp *c, const char **pp, int inset)
{
	unsigned char ch = (unsigned char)*(*pp)++;
	const char *p;
	int v, h, l;

	switch (ch) {
	case '\0':
		(*pp)--;
		return fail(c, "trailing backslash");
	case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
		return ESC_CLASS | ch;
	case 'b':
		return inset ? '\b' : ESC_ASSERT | ch;
	case 'A': case 'Z': case 'B':
		return inset ? fail(c, ch == 'B' ? "\\B in [ ]" :
		    ch == 'A' ? "\\A in [ ]" : "\\Z in [ ]") : ESC_ASSERT | ch;
	case 'a':
		return '\a';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	case 'v':
		return '\v';
	case 'x':
		p = *pp;
		if ((h = hexval((unsigned char)p[0])) < 0 ||
		    (l = hexval((unsigned char)p[1])) < 0)
			return fail(c, "\\x needs two hex digits");
		*pp += 2;
		return h << 4 | l;
	case '0':	/* \0, \0o, \0oo: octal */
		for (v = 0, h = 0; h < 2 && **pp >= '0' && **pp <= '7'; h++)
			v = v * 8 + *(*pp)++ - '0';
		return v;
	}
	if (ch >= '1' && ch <= '9')
		return fail(c, inset ? "octal escape other than \\0 in [ ]" :
		    "back-reference \\1 to \\9 not supported");
	if (ch >= 'A' && ch <= 'Z')
		return fail(c, badesc[ch - 'A']);
	if (ch >= 'a' && ch <= 'z')
		return fail(c, badesc[26 + ch - 'a']);
	return ch;
}

/*
 * A bracket expression after its [, or . when dot: a SET. A ] first is
 * itself, so is a - first or last; a range may not start or end with a
 * class nor run backwards, and a - right after a range is not one. A \
 * escapes as in Python ([\d_], [\]], [\\]), not a literal as in POSIX.
 */
static int
bracket(struct comp *c, int dot)
{
	const unsigned char *p = (const unsigned char *)c->p, *first;
	const char *q;
	struct ere *re = c->re;
	unsigned char *set;
	int neg = 0, lo, hi;

	if ((set = newset(c)) == NULL)
		return -1;
	if (dot)
		memset(set, 0xff, sizeof(*re->set));
	if (!dot && *p == '^')
		neg = 1, p++;
	for (first = p; !dot && (*p != ']' || p == first);) {
		if (*p == '\0')
			return fail(c, "unmatched [");
		if (*p == '[' && (p[1] == '.' || p[1] == '='))
			return fail(c, "collating elements not supported");
		if (*p == '[' && p[1] == ':') {
			if (klass(c, &p, set) == -1)
				return -1;
			if (*p == '-' && p[1] != ']')
				return fail(c, "invalid range");
			continue;
		}
		if (*p == '\\') {
			q = (const char *)p + 1;
			if ((lo = escape(c, &q, 1)) == -1)
				return -1;
			p = (const unsigned char *)q;
			if (lo & ESC_CLASS) {
				setclass(set, lo & 0xff);
				if (*p == '-' && p[1] != ']')
					return fail(c, "invalid range");
				continue;
			}
		} else
			lo = *p++;
		hi = lo;
		if (*p == '-' && p[1] != ']' && p[1] != '\0') {
			if (p[1] == '\\') {
				q = (const char *)p + 2;
				if ((hi = escape(c, &q, 1)) == -1)
					return -1;
				if (hi & ESC_CLASS)
					return fail(c, "invalid range");
				p = (const unsigned char *)q;
			} else {
				hi = p[1];
				p += 2;
				if (hi == '[' && (*p == ':' || *p == '.' ||
				    *p == '='))
					return fail(c, "invalid range");
			}
			if (hi < lo || (*p == '-' && p[1] != ']'))
				return fail(c, "invalid range");
		}
		setrange(set, lo, hi);
	}
	c->p = (const char *)p + !dot;
	if (c->icase)
		fold(set);
	for (lo = 0; neg && lo < 32; lo++)
		set[lo] ^= 0xff;
	return emit(c, SET, (int)re->nset++, 0);
}

/* A literal byte: CHAR, or a SET of both cases of a letter under (?i). */
static int
literal(struct comp *c, int ch)
{
	unsigned char *set;

	if (!c->icase || !(((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')))
		return emit(c, CHAR, ch, 0);
	if ((set = newset(c)) == NULL)
		return -1;
	setrange(set, ch | 0x20, ch | 0x20);
	setrange(set, ch & ~0x20, ch & ~0x20);
	return emit(c, SET, (int)c->re->nset++, 0);
}

/*
 * After "(?": Python's (?:...) is a group like (...); (?i) is only taken
 * at the start (by ere_compile); every other extension is refused by
 * name, since none can be honoured by a search without back-tracking
 * or is a flag we do not have.
 */
static int
group(struct comp *c)
{
	const char *p = c->p + 1;

	switch (*p) {
	case ':':
		c->p += 2;
		return 0;
	case '=':
		return fail(c, "look-ahead (?=...) not supported");
	case '!':
		return fail(c, "look-ahead (?!...) not supported");
	case '<':
		return fail(c, p[1] == '=' ?
		    "look-behind (?<=...) not supported" : p[1] == '!' ?
		    "look-behind (?<!...) not supported" :
		    "named group (?<name>...) not supported");
	case 'P':
		return fail(c, p[1] == '=' ?
		    "back-reference (?P=name) not supported" :
		    "named group (?P<name>...) not supported");
	case '#':
		return fail(c, "comment (?#...) not supported");
	case '(':
		return fail(c, "conditional (?(id)...) not supported");
	case '>':
		return fail(c, "atomic group (?>...) not supported");
	}
	if (p[0] == 'i' && p[1] == ')')
		return fail(c, "(?i) only at the start of the pattern");
	return fail(c, "inline flag other than (?i) at the start");
}

/* One atom: 0 when it may be repeated, 1 for an anchor (which may not),
 * 2 at the end of the branch, -1 on error. */
static int
atom(struct comp *c)
{
	unsigned char ch = (unsigned char)*c->p;
	const char *p;
	int m, n, e;

	switch (ch) {
	case '\0':
	case '|':
		return 2;
	case ')':
		return c->depth > 0 ? 2 : fail(c, "unmatched )");
	case '{':
		/* A { that starts no bound is a literal, as in Python. */
		p = c->p + 1;
		if (pybound(&p, &m, &n) == 0)
			break;
		/* FALLTHROUGH */
	case '*':
	case '+':
	case '?':
		return fail(c, "repetition operator with nothing to repeat");
	case '^':
	case '$':
		c->p++;
		return emit(c, ch == '^' ? BOL : EOL, 0, 0) == -1 ? -1 : 1;
	case '(':
		c->p++;
		if (++c->depth > MAXDEPTH)
			return fail(c, "groups nested too deeply");
		if (*c->p == '?' && group(c) == -1)
			return -1;
		if (alt(c) == -1)
			return -1;
		if (*c->p != ')')
			return fail(c, "unmatched (");
		c->p++;
		c->depth--;
		return 0;
	case '[':
	case '.':
		c->p++;
		return bracket(c, ch == '.');
	case '\\':
		c->p++;
		if ((e = escape(c, &c->p, 0)) == -1)
			return -1;
		if (e & ESC_ASSERT) {
			ch = (unsigned char)e;
			return emit(c, ch == 'A' ? BOL : ch == 'Z' ? EOL :
			    ch == 'b' ? WORDB : NWORDB, 0, 0) == -1 ? -1 : 1;
		}
		if (e & ESC_CLASS) {
			unsigned char *set = newset(c);

			if (set == NULL)
				return -1;
			setclass(set, e & 0xff);
			if (c->icase)
				fold(set);
			return emit(c, SET, (int)c->re->nset++, 0);
		}
		return literal(c, e);
	}
	c->p++;
	return literal(c, ch);
}

static int
branch(struct comp *c)
{
	size_t start;
	int r;

	for (;;) {
		start = c->re->n;
		if ((r = atom(c)) == 0)
			r = repeat(c, start);
		if (r == -1 || r == 2)
			return r == 2 ? 0 : -1;
	}
}

/*
 * Branches separated by |: a SPLIT in front of each but the last, and a
 * JMP after it to the end, chained through x until the end is known.
 */
static int
alt(struct comp *c)
{
	struct ere *re = c->re;
	size_t start = re->n;
	int chain = -1, next;

	if (branch(c) == -1)
		return -1;
	while (*c->p == '|') {
		c->p++;
		if (split(c, start, re->n - start + 2) == -1 ||
		    emit(c, JMP, chain, 0) == -1)
			return -1;
		chain = (int)re->n - 1;
		start = re->n;
		if (branch(c) == -1)
			return -1;
	}
	for (; chain != -1; chain = next) {
		next = re->prog[chain].x;
		re->prog[chain].x = (int)re->n - chain;
	}
	return 0;
}

struct ere *
ere_compile(const char *pattern, const char **why)
{
	struct comp c = { .p = pattern };

	/* Python's (?i) at the start: the whole pattern ignores case. */
	while (strncmp(c.p, "(?i)", 4) == 0)
		c.icase = 1, c.p += 4;
	if ((c.re = calloc(1, sizeof(*c.re))) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	if (alt(&c) == -1 || emit(&c, MATCH, 0, 0) == -1) {
		*why = c.why;
		ere_free(c.re);
		return NULL;
	}
	return c.re;
}

void
ere_free(struct ere *re)
{
	if (re == NULL)
		return;
	free(re->prog);
	free(re->set);
	free(re);
}

/* Each state once per position: the marks make loops of empty steps
 * ((a*)*) stop, and bound the stack and the lists by the program size. */
static void
push(struct vm *v, size_t *sp, uint32_t pc)
{
	if (v->mark[pc >> 5] & 1u << (pc & 31))
		return;
	v->mark[pc >> 5] |= 1u << (pc & 31);
	v->stk[(*sp)++] = pc;
}

/* Follows the empty steps from pc at this position, putting the states that
 * consume a byte on list. 1 when the match state is reached. */
static int
add(struct vm *v, uint32_t pc, uint32_t *list, size_t *n)
{
	const struct inst *in;
	size_t sp = 0;

	push(v, &sp, pc);
	while (sp > 0) {
		pc = v->stk[--sp];
		in = &v->re->prog[pc];
		switch (in->op) {
		case MATCH:
			return 1;
		case SPLIT:
			push(v, &sp, pc + (uint32_t)in->y);
			/* FALLTHROUGH */
		case JMP:
			push(v, &sp, pc + (uint32_t)in->x);
			break;
		case BOL:
		case EOL:
			if (v->pos == (in->op == BOL ? 0 : v->len))
				push(v, &sp, pc + 1);
			break;
		case WORDB:
		case NWORDB:
			/* Python: never on an empty string, \B included. */
			if (v->len > 0 && (in->op == WORDB) ==
			    ((v->pos > 0 && isword(v->s[v->pos - 1])) !=
			    (v->pos < v->len && isword(v->s[v->pos]))))
				push(v, &sp, pc + 1);
			break;
		default:
			list[(*n)++] = pc;
			break;
		}
	}
	return 0;
}

int
ere_match(const struct ere *re, const char *s, size_t len)
{
	uint32_t small[3 * SMALL + SMALL / 32], *buf = small, *cur, *nxt, *t;
	size_t words = (re->n + 31) / 32, nc = 0, nn, k;
	struct vm v = { re, (const unsigned char *)s, NULL, NULL, 0, len };
	const struct inst *in;
	unsigned char b;
	int r = 0;

	if (re->n > SMALL && (buf = malloc((3 * re->n + words) *
	    sizeof(*buf))) == NULL)
		return -1;
	cur = buf;
	nxt = cur + re->n;
	v.stk = nxt + re->n;
	v.mark = v.stk + re->n;
	memset(v.mark, 0, words * sizeof(*buf));
	/* A new start at every position: the search is unanchored. */
	while ((r = add(&v, 0, cur, &nc)) == 0 && v.pos < len) {
		b = (unsigned char)s[v.pos++];
		memset(v.mark, 0, words * sizeof(*buf));
		for (k = nn = 0; k < nc && r == 0; k++) {
			in = &re->prog[cur[k]];
			if (in->op == CHAR ? in->x == b :
			    re->set[in->x][b >> 3] >> (b & 7) & 1)
				r = add(&v, cur[k] + 1, nxt, &nn);
		}
		if (r)
			break;
		t = cur, cur = nxt, nxt = t, nc = nn;
	}
	if (buf != small)
		free(buf);
	return r;
}
