/* isotime.c: ISO 8601 and HTTP dates to seconds or milliseconds since the
 * epoch, by hand: no strptime (locale-bound) and no timegm (not C11). */
#include <string.h>

#include "isotime.h"

/* --as-of took up to 1e14 seconds (year ~3,170,000) before this parser. */
#define EPOCH_MAX_S	100000000000000LL

/* ---- forwards ---- */

static int		digits(const char **, int, int *);
static int		literal(const char **, char);
static int		fraction_ms(const char **, int *);
static int		zone_offset(const char **, int *);
static int		days_in_month(int, int);
static long long	days_from_civil(int, int, int);
static int		epoch_ms(const char *, long long *);
static int		name_index(const char **, const char *const *, int);
static long long	floor_div(long long, long long);

/* ---- lexing ---- */

/* Exactly n decimal digits. */
static int
digits(const char **p, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return 0;
}

static int
literal(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

/* An optional fraction of a second: '.' and at least one digit (".Z" was
 * refused by every caller); digits past the third are read and dropped,
 * as S3 may send up to seven. */
static int
fraction_ms(const char **p, int *ms)
{
	int scale = 100;

	*ms = 0;
	if (**p != '.')
		return 0;
	(*p)++;
	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		*ms += (**p - '0') * scale;
		scale /= 10;
	}
	return 0;
}

/* "Z", "+hh:mm", "-hhmm", or nothing (UTC): seconds east of UTC. */
static int
zone_offset(const char **p, int *east_s)
{
	int sign, h, m;

	*east_s = 0;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return 0;
	}
	if (**p != '+' && **p != '-')
		return 0;
	sign = *(*p)++ == '-' ? -1 : 1;
	if (digits(p, 2, &h) < 0)
		return -1;
	if (**p == ':')
		(*p)++;
	if (digits(p, 2, &m) < 0 || h > 23 || m > 59)
		return -1;
	*east_s = sign * (h * 3600 + m * 60);
	return 0;
}

/* ---- the calendar ---- */

static int
days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/*
 * Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil): counting years from March puts the
 * leap day last, so a 400-year era always has 146097 days and the day of
 * the year is (153 * month + 2) / 5 + day - 1, months from March as 0.
 */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* [0, 399] */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* [0, 146096] */
	return era * 146097 + doe - 719468;		/* 719468: 0000-03-01 */
}

static long long
floor_div(long long a, long long b)
{
	return a / b - (a % b < 0);
}

/* ---- ISO 8601 ---- */

/* "@1714564800" or "@1714564800.25": digits only, no sign, no exponent. */
static int
epoch_ms(const char *p, long long *out)
{
	long long s = 0;
	int ms = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((s = s * 10 + (*p - '0')) > EPOCH_MAX_S)
			return -1;
	if (fraction_ms(&p, &ms) < 0 || *p != '\0' ||
	    (s == EPOCH_MAX_S && ms > 0))
		return -1;
	*out = s * 1000 + ms;
	return 0;
}

int
isotime_parse_ms(const char *s, long long *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0, east_s;

	if (*p == '@')
		return epoch_ms(p + 1, out);
	if (digits(&p, 4, &y) < 0 || literal(&p, '-') < 0 ||
	    digits(&p, 2, &mo) < 0 || literal(&p, '-') < 0 ||
	    digits(&p, 2, &d) < 0)
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) < 0 || literal(&p, ':') < 0 ||
		    digits(&p, 2, &mi) < 0 || literal(&p, ':') < 0 ||
		    digits(&p, 2, &sec) < 0 || fraction_ms(&p, &ms) < 0)
			return -1;
	}
	if (zone_offset(&p, &east_s) < 0 || *p != '\0')
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
	    sec - east_s) * 1000) + ms;
	return 0;
}

int
isotime_parse(const char *s, time_t *out)
{
	long long ms;

	if (isotime_parse_ms(s, &ms) < 0)
		return -1;
	*out = (time_t)floor_div(ms, 1000);
	return 0;
}

/* ---- HTTP dates ---- */

/* One of n three-letter names, in any case (ASCII: the names are letters,
 * so OR-ing 0x20 folds exactly the two cases); its index, or -1. */
static int
name_index(const char **p, const char *const *names, int n)
{
	for (int i = 0; i < n; i++) {
		int k = 0;

		while (k < 3 && ((*p)[k] | 0x20) == (names[i][k] | 0x20))
			k++;
		if (k == 3) {
			*p += 3;
			return i;
		}
	}
	return -1;
}

int
isotime_parse_http(const char *s, time_t *out)
{
	static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed",
	    "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *p = s;
	int y, mo, d, h, mi, sec;

	if (name_index(&p, wdays, 7) < 0 || literal(&p, ',') < 0 ||
	    literal(&p, ' ') < 0 || digits(&p, 2, &d) < 0 ||
	    literal(&p, ' ') < 0 || (mo = name_index(&p, months, 12)) < 0 ||
	    literal(&p, ' ') < 0 || digits(&p, 4, &y) < 0 ||
	    literal(&p, ' ') < 0 || digits(&p, 2, &h) < 0 ||
	    literal(&p, ':') < 0 || digits(&p, 2, &mi) < 0 ||
	    literal(&p, ':') < 0 || digits(&p, 2, &sec) < 0 ||
	    strcmp(p, " GMT") != 0)
		return -1;
	mo++;					/* 1-12 */
	if (d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec);
	return 0;
}
