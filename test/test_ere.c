/* test_ere.c: unit tests for ere.c: a table of patterns and subjects for
 * each feature and each error, Python's re.search answers for its syntax,
 * glibc's regcomp/regexec's answers on random patterns and subjects, and
 * patterns that take backtrackers forever. */
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../missing/ere.h"
#include "unit.h"

void	test_ere(void);

static int	matches(const char *, const char *, size_t);
static void	test_table(void);
static void	test_python(void);
static void	test_errors(void);
static void	test_limits(void);
static void	test_pathological(void);
static uint32_t	next_rand(void);
static void	put(char *, size_t *, const char *);
static void	gen_bracket(char *, size_t *);
static int	gen_alt(char *, size_t *, int);
static void	gen_soup(char *, size_t *);
static int	glibc_differs(const char *);
static void	test_glibc(int);

/* Pattern, subject, whether it matches. */
static const struct {
	const char	*re, *s;
	int		 want;
} table[] = {
	/* Literals, searched anywhere. */
	{ "abc", "xxabcxx", 1 }, { "abc", "ab", 0 }, { "abc", "abxc", 0 },
	{ "", "", 1 }, { "", "any", 1 }, { "a", "", 0 },
	/* . is any byte. */
	{ "a.c", "abc", 1 }, { "a.c", "ac", 0 }, { "a.c", "a\x80" "c", 1 },
	{ "a.c", "a\nc", 1 }, { "^.$", "\xff", 1 }, { "^..$", "\xc3\xa9", 1 },
	/* Bracket expressions. */
	{ "[abc]", "xbx", 1 }, { "[abc]", "xyz", 0 },
	{ "[a-c]x", "bx", 1 }, { "[a-c]x", "dx", 0 }, { "[a-a]", "a", 1 },
	{ "[^a-c]", "abc", 0 }, { "[^a-c]", "abcd", 1 }, { "[^a]", "\x80", 1 },
	{ "[]a]", "]", 1 }, { "[]a]", "b", 0 }, { "[^]a]", "]a", 0 },
	{ "[^]a]", "b", 1 }, { "[]-a]", "^", 1 }, { "[a-]", "-", 1 },
	{ "[-a]", "-", 1 }, { "[-a]", "b", 0 }, { "[a\\\\]", "\\", 1 },
	{ "[.*]", "*", 1 }, { "[.*]", "x", 0 }, { "[%--]", ",", 1 },
	{ "[a-c-]", "-", 1 }, { "[a^]", "^", 1 }, { "[[]", "[", 1 },
	{ "[\x80-\xff]", "\xc3", 1 }, { "[\x80-\xff]", "a\x7f", 0 },
	{ "[\x80]", "\x80", 1 }, { "[\x80]", "\x81", 0 },
	{ "[:alpha:]", "h", 1 }, { "[:alpha:]", "b", 0 },
	/* Classes, C locale: bytes >= 0x80 are in none. */
	{ "^[[:alpha:]]+$", "abcXYZ", 1 }, { "[[:alpha:]]", "1_/\xe9", 0 },
	{ "[[:digit:]]", "a5", 1 }, { "[[:digit:]]", "abc", 0 },
	{ "^[[:alnum:]]+$", "a1Z", 1 }, { "[[:alnum:]]", "_-/", 0 },
	{ "[[:upper:]]", "aBc", 1 }, { "[[:upper:]]", "abc", 0 },
	{ "[[:lower:]]", "ABc", 1 }, { "[[:lower:]]", "ABC", 0 },
	{ "[[:space:]]", "a\tb", 1 }, { "[[:space:]]", "a\vb", 1 },
	{ "[[:space:]]", "a\rb", 1 }, { "[[:space:]]", "a b", 1 },
	{ "[[:space:]]", "ab\x85", 0 },
	{ "^[[:punct:]]+$", "!/:@[`{~", 1 }, { "[[:punct:]]", "a1 ", 0 },
	{ "[[:print:]]", " ", 1 }, { "[[:print:]]", "\t\x7f\x80", 0 },
	{ "[[:graph:]]", "~", 1 }, { "[[:graph:]]", " \t\xa0", 0 },
	{ "[[:cntrl:]]", "a\x7f", 1 }, { "[[:cntrl:]]", "a\x1f", 1 },
	{ "[[:cntrl:]]", "a \x80", 0 },
	{ "^[[:xdigit:]]+$", "09afAF", 1 }, { "[[:xdigit:]]", "gG", 0 },
	{ "[[:blank:]]", "a b", 1 }, { "[[:blank:]]", "\t", 1 },
	{ "[[:blank:]]", "\n\v", 0 },
	{ "[^[:alpha:]]", "\xe9", 1 }, { "[^[:alpha:]]", "abc", 0 },
	{ "[[:digit:][:upper:]x]", "x", 1 },
	{ "[[:digit:][:upper:]x]", "Q", 1 },
	{ "[[:digit:][:upper:]x]", "q", 0 }, { "[a[:digit:]-]", "-", 1 },
	/* Repetition. */
	{ "ab*c", "ac", 1 }, { "ab*c", "abbbc", 1 }, { "ab*c", "adc", 0 },
	{ "ab+c", "ac", 0 }, { "ab+c", "abbc", 1 },
	{ "ab?c", "ac", 1 }, { "ab?c", "abc", 1 }, { "ab?c", "abbc", 0 },
	{ "^a{3}$", "aaa", 1 }, { "^a{3}$", "aa", 0 }, { "^a{3}$", "aaaa", 0 },
	{ "^a{2,}$", "a", 0 }, { "^a{2,}$", "aa", 1 },
	{ "^a{2,}$", "aaaaaa", 1 }, { "^a{2,3}$", "aa", 1 },
	{ "^a{2,3}$", "aaa", 1 }, { "^a{2,3}$", "aaaa", 0 },
	{ "^a{2,3}$", "a", 0 }, { "^a{0}$", "", 1 }, { "^a{0}$", "a", 0 },
	{ "^xa{0}y$", "xy", 1 }, { "^a{0,1}$", "", 1 }, { "^a{0,1}$", "aa", 0 },
	{ "^a{0,}$", "aaa", 1 }, { "^a{1,1}$", "a", 1 }, { "^a{01}$", "a", 1 },
	{ "^(ab){2}$", "abab", 1 }, { "^(ab){2}$", "ab", 0 },
	{ "^(a|bc){2,3}$", "bca", 1 }, { "^(a|bc){2,3}$", "abcabc", 0 },
	{ "^[ab]{2}c*$", "bacc", 1 }, { "^.{3}$", "abc", 1 },
	/* Undefined in POSIX, defined as glibc and musl do ("a+?" is lazy,
	 * as in Python: see pytable). */
	{ "^a**$", "aaa", 1 }, { "^a{2}{3}$", "aaaaaa", 1 },
	{ "^a{2}{3}$", "aaaa", 0 }, { "^()$", "", 1 }, { "()*x", "x", 1 },
	{ "^(|a)+$", "aaa", 1 }, { "^(a*)*$", "aaa", 1 },
	{ "(a*)*b", "aaa", 0 },
	{ "^(a*)+$", "", 1 }, { "^(a*){2,}b", "b", 1 }, { "(^)*a", "a", 1 },
	{ "x(){0}y", "xy", 1 },
	/* Anchors in repeated groups, which glibc gets wrong. */
	{ "(^a){2}", "aab", 0 }, { "(a$){2}", "aa", 0 }, { "(a$)+b", "aab", 0 },
	{ "(^a|b){2}", "aa", 0 }, { "(^a|b){2}", "ab", 1 },
	{ "(^a)+a", "aa", 1 }, { "(^a)+a", "baa", 0 },
	{ "^(^.)+[^a-c]", "ab", 0 },
	{ "b((($.||c)+)?)$", "b1", 0 }, { "b((($.||c)+)?)$", "xbcc", 1 },
	{ "(a|^b){2,}c", "bac", 1 }, { "(a|^b){2,}c", "abbc", 0 },
	/* Alternation, empty sides included (undefined in POSIX too). */
	{ "cat|dog", "hotdog", 1 }, { "cat|dog", "cow", 0 },
	{ "^(cat|dog)$", "cat", 1 }, { "^(cat|dog)$", "cats", 0 },
	{ "a|b|c|d", "d", 1 }, { "a|b|c|d", "e", 0 },
	{ "a|", "xyz", 1 }, { "|a", "", 1 }, { "x(a||b)y", "xy", 1 },
	{ "x(a||b)y", "xby", 1 }, { "x(a||b)y", "xcy", 0 },
	{ "^(a|b)*$", "abba", 1 }, { "^(a|b)*$", "abc", 0 },
	{ "((a|b)(c|d))+e", "adbce", 1 }, { "((a|b)(c|d))+e", "abe", 0 },
	/* Anchors, anywhere. */
	{ "^abc", "abcd", 1 }, { "^abc", "xabc", 0 },
	{ "abc$", "xabc", 1 }, { "abc$", "abcx", 0 },
	{ "^$", "", 1 }, { "^$", "a", 0 }, { "a^b", "a^b", 0 },
	{ "a$b", "a$b", 0 }, { "^^a$$", "a", 1 },
	{ "(^|/)tmp($|/)", "/x/tmp/y", 1 }, { "(^|/)tmp($|/)", "/x/tmpy", 0 },
	{ "(^|/)tmp($|/)", "tmp", 1 }, { "x|^a", "ba", 0 }, { "x|^a", "ab", 1 },
	{ "(^a|b)c", "xac", 0 }, { "(^a|b)c", "ac", 1 }, { "a(b|$)", "xa", 1 },
	/* Escapes of special characters. */
	{ "\\.tmp$", "a.tmp", 1 }, { "\\.tmp$", "atmp", 0 },
	{ "a\\*", "a*", 1 }, { "a\\*", "aa", 0 }, { "\\(\\)", "()", 1 },
	{ "\\[x]", "[x]", 1 }, { "\\\\", "a\\b", 1 }, { "\\^a", "^a", 1 },
	{ "\\$", "$", 1 }, { "\\|", "|", 1 }, { "\\|", "a", 0 },
	{ "\\{1\\}", "{1}", 1 }, { "a\\+", "a+", 1 }, { "\\?", "?", 1 },
	{ "\\/", "/", 1 }, { "\\-", "-", 1 }, { "\\\x80", "\x80", 1 },
	{ "}", "}", 1 }, { "a}", "a}", 1 }, { "]", "]", 1 },
	/* Bytes of file names, not characters. */
	{ "\xc3\xa9", "caf\xc3\xa9", 1 }, { "\xc3\xa9", "cafe", 0 },
	{ "^/data/[^/]+/[^/]+-tmp", "/data/ks/t-tmp-ka-1-Data.db", 1 },
	{ "-tmp|\\.tmp$", "/data/ks/t-ka-1-Data.db", 0 },
};

/* Pattern and the reason it is refused. */
static const struct {
	const char	*re, *why;
} errors[] = {
	{ "(", "unmatched (" }, { "(a", "unmatched (" },
	{ "((a)", "unmatched (" }, { "(a|b", "unmatched (" },
	{ ")", "unmatched )" }, { "a)", "unmatched )" },
	{ "(a))", "unmatched )" }, { "[", "unmatched [" },
	{ "[a", "unmatched [" }, { "[]", "unmatched [" },
	{ "[^]", "unmatched [" }, { "[[:alpha:]", "unmatched [" },
	{ "[[:alpha", "unmatched [" }, { "[a-", "unmatched [" },
	{ "[!-[", "unmatched [" }, { "[a-b", "unmatched [" },
	{ "a{2,1}", "invalid {m,n}" }, { "a{,2}{3,1}", "invalid {m,n}" },
	{ "a{256}", "repetition count above 255" },
	{ "a{,256}", "repetition count above 255" },
	{ "a{1,256}", "repetition count above 255" },
	{ "a{99999999999999999999}", "repetition count above 255" },
	{ "*a", "repetition operator with nothing to repeat" },
	{ "+", "repetition operator with nothing to repeat" },
	{ "?", "repetition operator with nothing to repeat" },
	{ "{1}", "repetition operator with nothing to repeat" },
	{ "{,}", "repetition operator with nothing to repeat" },
	{ "(?i){2}", "repetition operator with nothing to repeat" },
	{ "\\b*", "repetition operator with nothing to repeat" },
	{ "\\A+", "repetition operator with nothing to repeat" },
	{ "x\\B{2}", "repetition operator with nothing to repeat" },
	{ "a|*b", "repetition operator with nothing to repeat" },
	{ "(*a)", "repetition operator with nothing to repeat" },
	{ "(|+)", "repetition operator with nothing to repeat" },
	{ "^*", "repetition operator with nothing to repeat" },
	{ "a$+", "repetition operator with nothing to repeat" },
	{ "\\", "trailing backslash" }, { "a\\", "trailing backslash" },
	{ "[[:foo:]]", "unknown character class" },
	{ "[[:ALPHA:]]", "unknown character class" },
	{ "[[:alphabet:]]", "unknown character class" },
	{ "[[::]]", "unknown character class" },
	{ "[z-a]", "invalid range" }, { "[a-c-e]", "invalid range" },
	{ "[[:alpha:]-z]", "invalid range" },
	{ "[!-[:alpha:]]", "invalid range" },
	{ "[\xff-\x80]", "invalid range" },
	/* Python's constructs a Thompson NFA cannot honour, by name. */
	{ "(a)\\1", "back-reference \\1 to \\9 not supported" },
	{ "\\9", "back-reference \\1 to \\9 not supported" },
	{ "(?P<n>a)(?P=n)", "named group (?P<name>...) not supported" },
	{ "a(?P=n)", "back-reference (?P=name) not supported" },
	{ "a(?=b)", "look-ahead (?=...) not supported" },
	{ "a(?!b)", "look-ahead (?!...) not supported" },
	{ "(?<=a)b", "look-behind (?<=...) not supported" },
	{ "(?<!a)b", "look-behind (?<!...) not supported" },
	{ "(?<n>a)", "named group (?<name>...) not supported" },
	{ "(?#note)a", "comment (?#...) not supported" },
	{ "(a)?(?(1)b|c)", "conditional (?(id)...) not supported" },
	{ "(?>a+)b", "atomic group (?>...) not supported" },
	{ "a(?i)b", "(?i) only at the start of the pattern" },
	{ "(?i)a|(?i)b", "(?i) only at the start of the pattern" },
	{ "(?x)a b", "inline flag other than (?i) at the start" },
	{ "(?m)^a", "inline flag other than (?i) at the start" },
	{ "(?s).", "inline flag other than (?i) at the start" },
	{ "(?im)a", "inline flag other than (?i) at the start" },
	{ "(?i:a)b", "inline flag other than (?i) at the start" },
	{ "(?-i:a)", "inline flag other than (?i) at the start" },
	{ "(?", "inline flag other than (?i) at the start" },
	/* Escapes Python refuses too, or we do not support. */
	{ "\\p{L}", "unsupported escape \\p" },
	{ "\\u00e9", "unsupported escape \\u" },
	{ "\\N{DASH}", "unsupported escape \\N" },
	{ "\\z", "unsupported escape \\z" },
	{ "\\G", "unsupported escape \\G" },
	{ "[\\y]", "unsupported escape \\y" },
	{ "\\x4", "\\x needs two hex digits" },
	{ "\\xg0", "\\x needs two hex digits" },
	{ "[\\1]", "octal escape other than \\0 in [ ]" },
	{ "[\\B]", "\\B in [ ]" }, { "[\\A]", "\\A in [ ]" },
	{ "[\\Z]", "\\Z in [ ]" }, { "[\\", "trailing backslash" },
	{ "[\\d-z]", "invalid range" }, { "[a-\\w]", "invalid range" },
	{ "[z-\\x61]", "invalid range" },
	{ "[[.a.]]", "collating elements not supported" },
	{ "[[=a=]]", "collating elements not supported" },
	{ "(a{255}){255}", "pattern too large once expanded" },
	{ "((a{16}){64}){64}", "pattern too large once expanded" },
};

/*
 * Python's syntax: pattern, subject, its length, whether re.search(pattern,
 * subject) finds it with both as bytes. The answers were generated once
 * with /usr/bin/python3 (3.11.2) over these patterns and subjects, not
 * written by hand. Bytes >= 0x80 are in no class (\w
 * \d \s), as for Python's bytes patterns and Python 2's str patterns.
 */
static const struct {
	const char	*re, *s;
	size_t		 len;
	int		 want;
} pytable[] = {
	{ "\\d+-Index\\.db", "/d/ks/t/nb-12-Index.db", 22, 1 },
	{ "\\d+-Index\\.db", "/d/ks/t/nb-x-Index.db", 21, 0 },
	{ "^\\d\\d$", "42", 2, 1 }, { "^\\d\\d$", "4a", 2, 0 },
	{ "\\d", "\xd9\xa3", 2, 0 }, { "\\D", "123", 3, 0 },
	{ "\\D", "12\x80", 3, 1 }, { "^\\D+$", "ab/\xe9", 4, 1 },
	{ "^\\w+$", "Az_09", 5, 1 }, { "^\\w+$", "a-b", 3, 0 },
	{ "\\w", "\xc3\xa9", 2, 0 }, { "\\W", "abc_1", 5, 0 },
	{ "\\W", "ab\xe9", 3, 1 },
	{ "ks\\.\\w+-ka", "/d/ks.t_1-ka-1", 14, 1 },
	{ "^\\W+$", "-./\x00\xff", 5, 1 }, { "\\s", "a b", 3, 1 },
	{ "\\s", "a\x0b" "b", 3, 1 }, { "\\s", "a\x0c" "b", 3, 1 },
	{ "\\s", "ab\xa0\x85", 4, 0 },
	{ "\\S", " \x09\x0a\x0d\x0b\x0c", 6, 0 }, { "\\S", " \xa0", 2, 1 },
	{ "^\\s*$", " \x09\x0a", 3, 1 },
	{ "\\bData\\b", "ks-t-Data.db", 12, 1 },
	{ "\\bData\\b", "ks-tData.db", 11, 0 },
	{ "\\bData\\b", "Data", 4, 1 }, { "\\bData\\b", "Data_1", 6, 0 },
	{ "\\bDat", "\xe9" "Data", 5, 1 }, { "\\b", "", 0, 0 },
	{ "\\b", "a", 1, 1 }, { "\\b", "-", 1, 0 }, { "\\B", "", 0, 0 },
	{ "\\B", "a", 1, 0 }, { "\\B", "ab", 2, 1 }, { "\\B", "--", 2, 1 },
	{ "a\\B", "a-", 2, 0 }, { "a\\Bb", "ab", 2, 1 },
	{ "a\\bb", "ab", 2, 0 }, { "-\\b-", "--", 2, 0 },
	{ "\\Btmp", "/x-tmp", 6, 0 }, { "\\Btmp", "/xtmp", 5, 1 },
	{ "x\\b", "x\x80", 2, 1 }, { "\\b\\w+\\b", "...", 3, 0 },
	{ "(\\bfoo|bar)\\b", "foobar", 6, 1 },
	{ "(\\bfoo|bar)\\b", "xfoo bar", 8, 1 }, { "\\Aab", "abc", 3, 1 },
	{ "\\Aab", "cab", 3, 0 }, { "db\\Z", "x.db", 4, 1 },
	{ "db\\Z", "x.dbx", 5, 0 },
	{ "(?i)data\\.DB$", "/k/t-Data.db", 12, 1 },
	{ "(?i)data", "DAT", 3, 0 }, { "(?i)[a-c]x", "BX", 2, 1 },
	{ "(?i)[^a]", "aA", 2, 0 }, { "(?i)[^a]", "aAb", 3, 1 },
	{ "(?i)\\x41", "a", 1, 1 }, { "(?i)\\w", "\xe9", 1, 0 },
	{ "(?i)Z", "z", 1, 1 }, { "(?i)(?i)tmp", "TMP", 3, 1 },
	{ "(?i)\\xc9", "\xe9", 1, 0 }, { "(?i)", "", 0, 1 },
	{ "(?i)[\\d_]x", "_X", 2, 1 }, { "^(?:ab)+$", "abab", 4, 1 },
	{ "^(?:ab)+$", "aba", 3, 0 },
	{ "(?:snap|back)shots?/", "/d/snapshots/x", 14, 1 },
	{ "(?:snap|back)shots?/", "/d/snaps/x", 10, 0 },
	{ "^(?:)$", "", 0, 1 }, { "(?:a|(?:b|c))d", "cd", 2, 1 },
	{ "^a+?$", "", 0, 0 }, { "^a+?$", "aaa", 3, 1 },
	{ "^a*?$", "", 0, 1 }, { "^ab??c$", "ac", 2, 1 },
	{ "^ab??c$", "abbc", 4, 0 }, { "^a{2,3}?$", "aaa", 3, 1 },
	{ "^a{2,3}?$", "a", 1, 0 }, { "^a{2}?$", "", 0, 0 },
	{ "^a{2}?$", "aa", 2, 1 }, { ".*?-Data", "x-Data", 6, 1 },
	{ "^(ab)+?$", "", 0, 0 }, { "^a{2,}?$", "aaaa", 4, 1 },
	{ "a{", "a{", 2, 1 }, { "a{", "a", 1, 0 }, { "a{1", "a{1", 3, 1 },
	{ "a{1,", "a{1,", 4, 1 }, { "a{x}", "a{x}", 4, 1 },
	{ "^a{,2}$", "aa", 2, 1 }, { "^a{,2}$", "aaa", 3, 0 },
	{ "^a{,}$", "aaaa", 4, 1 }, { "a{1,2,3}", "a{1,2,3}", 8, 1 },
	{ "a{ 1}", "a{ 1}", 5, 1 }, { "a{}", "a{}", 3, 1 },
	{ "a{-1}", "a{-1}", 5, 1 }, { "{", "{", 1, 1 }, { "{}", "{}", 2, 1 },
	{ "x{a", "x{a", 3, 1 }, { "^{x}$", "{x}", 3, 1 },
	{ "\\n", "a\x0a" "b", 3, 1 }, { "\\t", "a b", 3, 0 },
	{ "\\x2e", ".", 1, 1 }, { "\\x2E", "a", 1, 0 },
	{ "\\xe9", "\xe9", 1, 1 }, { "\\0", "\x00", 1, 1 },
	{ "\\012", "\x0a", 1, 1 }, { "a\\-b", "a-b", 3, 1 },
	{ "\\/", "/", 1, 1 }, { "\\r\\f\\v\\a", "\x0d\x0c\x0b\x07", 4, 1 },
	{ "[\\d]", "5", 1, 1 }, { "[\\d]", "d", 1, 0 },
	{ "[\\d]", "\\", 1, 0 }, { "[\\w.-]+$", "a-b.c", 5, 1 },
	{ "^[\\w.-]+$", "a/b", 3, 0 }, { "[^\\s]", " \x09", 2, 0 },
	{ "[^\\s]", " x", 2, 1 }, { "[\\]]", "]", 1, 1 },
	{ "[\\]]", "\\", 1, 0 }, { "[\\\\]", "\\", 1, 1 },
	{ "[\\\\]", "a", 1, 0 }, { "[a\\]b]", "b", 1, 1 },
	{ "[\\-a]", "-", 1, 1 }, { "[\\.]", "\\", 1, 0 },
	{ "[\\.]", ".", 1, 1 }, { "[\\n]", "n", 1, 0 },
	{ "[\\n]", "\x0a", 1, 1 }, { "[\\b]", "\x08", 1, 1 },
	{ "[\\b]", "b", 1, 0 }, { "[\\x41-\\x43]", "B", 1, 1 },
	{ "[\\x41-\\x43]", "D", 1, 0 }, { "[a-\\x63]", "c", 1, 1 },
	{ "[\\D]", "\xff", 1, 1 }, { "[\\W\\d]", "_", 1, 0 },
	{ "[\\W\\d]", "7", 1, 1 }, { "[\\S]", " ", 1, 0 },
	{ "[^\\W]", "-x", 2, 1 }, { "[\\s\\d]", "ab", 2, 0 },
};

static int
matches(const char *re, const char *s, size_t len)
{
	const char *why = NULL;
	struct ere *e = ere_compile(re, &why);
	int r;

	if (e == NULL) {
		fprintf(stderr, "    pattern '%s': %s\n", re, why);
		return -2;
	}
	r = ere_match(e, s, len);
	ere_free(e);
	return r;
}

static void
test_table(void)
{
	size_t i;
	int got;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		got = matches(table[i].re, table[i].s, strlen(table[i].s));
		CHECK(got == table[i].want);
		if (got != table[i].want)
			fprintf(stderr, "    '%s' on '%s': %d, want %d\n",
			    table[i].re, table[i].s, got, table[i].want);
	}
	/* A NUL is a byte like the others. */
	CHECK(matches("a.b", "a\0b", 3) == 1);
	CHECK(matches("^a[^x]b$", "a\0b", 3) == 1);
	CHECK(matches("a$", "a\0", 2) == 0);
}

static void
test_python(void)
{
	size_t i;
	int got;

	for (i = 0; i < sizeof(pytable) / sizeof(pytable[0]); i++) {
		got = matches(pytable[i].re, pytable[i].s, pytable[i].len);
		CHECK(got == pytable[i].want);
		if (got != pytable[i].want)
			fprintf(stderr, "    '%s' on '%s': %d, Python %d\n",
			    pytable[i].re, pytable[i].s, got, pytable[i].want);
	}
}

static void
test_errors(void)
{
	const char *why;
	struct ere *e;
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		why = NULL;
		e = ere_compile(errors[i].re, &why);
		CHECK(e == NULL);
		ere_free(e);
		CHECK_STR(why, errors[i].why);
		if (why == NULL || strcmp(why, errors[i].why) != 0)
			fprintf(stderr, "    pattern '%s'\n", errors[i].re);
	}
}

/* The largest bounds, deep nesting, programs past the on-stack size. */
static void
test_limits(void)
{
	char re[1200], s[300];
	const char *why;
	struct ere *e;
	int i;

	memset(s, 'a', 255);
	CHECK(matches("^a{255}$", s, 255) == 1);
	CHECK(matches("^a{255}$", s, 254) == 0);
	s[255] = 'b';
	CHECK(matches("^a{1,255}b$", s, 256) == 1);
	CHECK(matches("^a{1,254}b$", s, 256) == 0);
	CHECK(matches("^(a{255}){250}$", s, 255) == 0);
	CHECK(matches("(ab|cd){40}x", "ab", 2) == 0);
	CHECK(matches("(ab|cd){2,40}x", "cdabx", 5) == 1);
	/* A set for each ., so the table of sets grows. */
	memset(re, '.', 1000);
	re[1000] = '\0';
	CHECK(matches(re, re, 1000) == 1);
	CHECK(matches(re, re, 999) == 0);

	/* 256 nested groups are fine, 257 too deep. */
	for (i = 0; i < 256; i++)
		re[i] = '(', re[256 + 1 + i] = ')';
	re[256] = 'a';
	re[513] = '\0';
	CHECK(matches(re, "xa", 2) == 1);
	memmove(re + 1, re, 514);
	memcpy(re + 514, ")", 2);
	why = NULL;
	e = ere_compile(re, &why);
	CHECK(e == NULL);
	CHECK_STR(why, "groups nested too deeply");
	ere_free(e);
}

/* Patterns that take a backtracking matcher exponential time. */
static void
test_pathological(void)
{
	static const char *const res[] = {
		"(a*)*b", "(a|a|aa)*c", "(a+a+)+b", "^(a?){28}a{28}$",
		"(.*)*(.*)*(.*)*x$", "((a*)*|b)*c", "(a|aa)+$x",
		/* The same in Python's syntax, which its re takes forever on. */
		"(?i)(\\w+\\s?)*\\bx", "(?:\\w*?)+?\\d\\b", "(\\w|a)+\\B\\Z!",
	};
	struct timespec t0, t1;
	char *s;
	size_t i, n = 4096;
	double secs;

	if ((s = malloc(n)) == NULL) {
		CHECK(s != NULL);
		return;
	}
	memset(s, 'a', n);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++)
		CHECK(matches(res[i], s, n) == 0);
	CHECK(matches("^(a?){28}a{28}$", s, 28) == 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs < 1.0);
	if (secs >= 1.0)
		fprintf(stderr, "    pathological patterns took %.2fs\n", secs);
	free(s);
}

/* A fixed xorshift generator: the same patterns on every run. */
static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

#define PICK(a)	((a)[next_rand() % (sizeof(a) / sizeof((a)[0]))])
#define GENMAX	512

/* Appends s; a pattern too long for GENMAX is marked with *n = GENMAX
 * and left out. */
static void
put(char *buf, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k < GENMAX) {
		memcpy(buf + *n, s, k + 1);
		*n += k;
	} else
		*n = GENMAX;
}

/*
 * A bracket expression POSIX defines: no [. [= (not supported), no -
 * other than last or inside a range, no class at either end of a range,
 * no \ (a literal in POSIX, an escape in Python and here: [\d]).
 */
static void
gen_bracket(char *buf, size_t *n)
{
	static const char *const items[] = {
		"a", "b", "z", ".", "*", "/", "$", "a^", "|", "(", "\x80",
		"a-c", "0-9", "b-b", "\x80-\xff", "!-/", "x-z", "A-Z",
		"[:alpha:]", "[:digit:]", "[:space:]", "[:punct:]",
		"[:upper:]", "[:xdigit:]", "[:cntrl:]", "[:print:]",
		"[:graph:]", "[:alnum:]", "[:lower:]", "[:blank:]",
	};
	uint32_t k = 1 + next_rand() % 3;

	put(buf, n, "[");
	if (next_rand() % 3 == 0)
		put(buf, n, "^");
	if (next_rand() % 6 == 0)
		put(buf, n, "]");
	while (k-- > 0)
		put(buf, n, PICK(items));
	if (next_rand() % 6 == 0)
		put(buf, n, "-");
	put(buf, n, "]");
}

/*
 * A valid pattern, from the grammar. Besides what POSIX defines it has
 * what it leaves undefined but glibc and we take the same way: empty
 * branches and groups ("a|", "()"), and repetition of a repetition
 * ("a*{2}"). Never an anchor repeated ("^*": glibc refuses it, and so do
 * we), nor \ before an ordinary character (glibc's \< \w \` ...). A group
 * with an anchor in it gets at most one * or ?: glibc copies the group for
 * + and bounds and gets the copies' anchors wrong ("(^a){2}" matches
 * "aab" there, "(a|^b){2,}c" "abbc"; the table has such cases). 1 when
 * it put an anchor.
 */
static int
gen_alt(char *buf, size_t *n, int depth)
{
	static const char *const lits[] = {
		"a", "b", "c", "/", "-", "\x80", "\xff", "]", "}", ",", "\\.",
		"\\*", "\\[", "\\\\", "\\(", "\\)", "\\|", "\\+", "\\?",
		"\\{", "\\^", "\\$", "\\/", "\\]", "\\}",
	};
	static const char *const reps[] = {
		"*", "+", "?", "{0}", "{1}", "{2}", "{0,1}", "{1,3}", "{2,}",
		"{0,}", "{0,2}",
	};
	/* A ? right after a repetition makes it lazy (Python's a+?), where
	 * glibc repeats again ((a+)?): not as a second one. */
	static const char *const reps2[] = {
		"*", "+", "{0}", "{1}", "{2}", "{0,1}", "{1,3}", "{2,}",
	};
	static const char *const loops[] = { "*", "?" };
	uint32_t branches = next_rand() % 4 ? 1 : 2 + next_rand() % 2;
	uint32_t pieces, r;
	int anchor = 0, inner;

	while (branches-- > 0) {
		for (pieces = next_rand() % 4; pieces > 0; pieces--) {
			r = next_rand() % 16;
			inner = 0;
			if (r < 7)
				put(buf, n, PICK(lits));
			else if (r < 9)
				put(buf, n, ".");
			else if (r < 11)
				gen_bracket(buf, n);
			else if (r < 13 && depth < 3) {
				put(buf, n, "(");
				anchor |= inner = gen_alt(buf, n, depth + 1);
				put(buf, n, ")");
			} else {
				put(buf, n, r % 2 ? "^" : "$");
				anchor = 1;
				continue;
			}
			if (inner) {
				if (next_rand() % 3 == 0)
					put(buf, n, PICK(loops));
				continue;
			}
			if (next_rand() % 3 == 0)
				put(buf, n, PICK(reps));
			if (next_rand() % 12 == 0)
				put(buf, n, PICK(reps2));
		}
		if (branches > 0)
			put(buf, n, "|");
	}
	return anchor;
}

/*
 * Tokens in any order, for the errors: most of these patterns are
 * invalid. Never a { that starts no bound ("a{", "a{x}": a literal in
 * Python and here, an error in glibc). Patterns where Python's syntax
 * reads them otherwise are left out by glibc_differs().
 */
static void
gen_soup(char *buf, size_t *n)
{
	static const char *const toks[] = {
		"a", "b", ".", "(", ")", "|", "*", "+", "?", "{1}", "{1,2}",
		"{2,}", "{2,1}", "}", "^", "$", "\\.", "\\", "[ab]",
		"[^a]", "[", "]", "[a-", "[z-a]", "[[:alpha:]]", "[[:nope:]]",
		"{99999}", "-", ":]", "[:", "\\*",
	};
	uint32_t k = 1 + next_rand() % 6;

	while (k-- > 0)
		put(buf, n, PICK(toks));
}

/*
 * Where Python's syntax, which we follow, reads a pattern otherwise than
 * POSIX and glibc: \ before a letter or digit (\d, \b, \1), a \ after a
 * [ (a literal in POSIX, an escape in Python), a ? after a repetition
 * (lazy in Python: a+? is a+, glibc's is (a+)?), and (? (an extension).
 */
static int
glibc_differs(const char *re)
{
	const char *p;

	for (p = re; *p != '\0'; p++) {
		if (*p == '[') {
			/* To its ], past a leading ^ and ] and [:...:]. */
			p += 1 + (p[1] == '^');
			p += *p == ']';
			for (; *p != ']'; p++) {
				if (*p == '\0' || *p == '\\')
					return *p == '\\';
				if (p[0] == '[' && p[1] == ':' &&
				    strstr(p, ":]") != NULL)
					p = strstr(p, ":]") + 1;
			}
			continue;
		}
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			if ((p[1] >= '0' && p[1] <= '9') ||
			    ((p[1] | 0x20) >= 'a' && (p[1] | 0x20) <= 'z'))
				return 1;
			p++;
			continue;
		}
		if (strchr("*+?}(", *p) != NULL && p[1] == '?')
			return 1;
	}
	return 0;
}

/*
 * The same accept or refuse and the same match or not as glibc's
 * regcomp/regexec(REG_EXTENDED | REG_NOSUB) in the C locale. Skipped,
 * where POSIX leaves it undefined and we differ from glibc on purpose:
 * an unmatched ) (glibc: an ordinary character; we refuse it) and
 * [. .] [= =] (defined, but we do not support them); and where Python's
 * syntax differs (glibc_differs).
 */
static void
test_glibc(int soup)
{
	/* Mostly a b c, so that the patterns match now and then. */
	static const char alphabet[] =
	    "aaaabbbccc/-.*][\\(){}1A \t\x80\xff|^$,";
	char re[GENMAX], s[16];
	const char *why;
	struct ere *e;
	regex_t rx;
	int rounds, rc, same, got, want, k;
	size_t n, len, i;

	for (rounds = 0; rounds < 6000; rounds++) {
		n = 0;
		re[0] = '\0';
		if (soup)
			gen_soup(re, &n);
		else
			gen_alt(re, &n, 0);
		if (n == GENMAX || glibc_differs(re))
			continue;
		why = NULL;
		e = ere_compile(re, &why);
		rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
		if (e == NULL && (strcmp(why, "unmatched )") == 0 ||
		    strcmp(why, "collating elements not supported") == 0)) {
			if (rc == 0)
				regfree(&rx);
			continue;
		}
		same = (e != NULL) == (rc == 0);
		CHECK(same);
		if (!same)
			fprintf(stderr, "    '%s': ours %s, glibc %d\n", re,
			    why ? why : "accepts", rc);
		for (k = 0; k < 8 && e != NULL && rc == 0; k++) {
			len = next_rand() % sizeof(s);
			for (i = 0; i < len; i++)
				s[i] = alphabet[next_rand() %
				    (sizeof(alphabet) - 1)];
			s[len] = '\0';
			got = ere_match(e, s, len);
			want = regexec(&rx, s, 0, NULL, 0) == 0;
			CHECK(got == want);
			if (got != want) {
				fprintf(stderr, "    '%s' on '%s': %d, glibc "
				    "%d\n", re, s, got, want);
				break;
			}
		}
		if (rc == 0)
			regfree(&rx);
		ere_free(e);
	}
}

void
test_ere(void)
{
	test_table();
	test_python();
	test_errors();
	test_limits();
	test_pathological();
	test_glibc(0);
	test_glibc(1);
}
