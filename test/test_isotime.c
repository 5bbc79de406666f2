/* test_isotime.c: the time parser every caller uses: one table of what it
 * takes and refuses (every form the three parsers it replaced took, marked
 * by who), and its calendar checked against gmtime_r day by day. */
#include <stdio.h>
#include <time.h>

#include "../isotime.h"
#include "unit.h"

#define BAD	(-1)	/* want: refused */

enum form { ISO, HTTP };

/* The comments say which of the replaced parsers took the form: c
 * companion_parse_time (--as-of), s s3_parse_time (LastModified), e
 * cred_parse_time (Expiration), h strptime (HTTP Date, Last-Modified). A
 * taken form a caller's letter is missing from is new to that caller. */
static const struct {
	enum form form;
	const char *in;
	int ok;
	long long ms;
} vectors[] = {
	/* ISO 8601, taken */
	{ ISO, "2024-05-01T12:34:56Z", 1, 1714566896000LL },	/* c s e */
	{ ISO, "2024-05-01 12:34:56", 1, 1714566896000LL },	/* c */
	{ ISO, "2024-05-01T12:34:56.25+00:00", 1, 1714566896250LL }, /* c e */
	{ ISO, "2024-05-01", 1, 1714521600000LL },		/* c */
	{ ISO, "2024-05-01Z", 1, 1714521600000LL },		/* c */
	{ ISO, "2024-05-01+00:00", 1, 1714521600000LL },	/* c */
	{ ISO, "@1714566896", 1, 1714566896000LL },		/* c */
	{ ISO, "@1.5", 1, 1500 },				/* c */
	{ ISO, "@1714566896.123", 1, 1714566896123LL },		/* c */
	{ ISO, "@0", 1, 0 },					/* c */
	{ ISO, "@100000000000000", 1, 100000000000000000LL },	/* c */
	{ ISO, "@1.0009", 1, 1000 },		/* c rounded: 1001 */
	{ ISO, "2024-05-01T12:34:56.789Z", 1, 1714566896789LL }, /* c s e */
	{ ISO, "2024-05-01T12:34:56.7891234Z", 1, 1714566896789LL }, /* c s e */
	{ ISO, "2026-11-26T16:49:36.000Z", 1, 1795711776000LL }, /* c s e */
	{ ISO, "1970-01-01T00:00:00Z", 1, 0 },			/* c s e */
	{ ISO, "2024-05-01T12:30:45.123Z", 1, 1714566645123LL }, /* c s e */
	{ ISO, "2024-05-01T14:30:45+02:00", 1, 1714566645000LL }, /* e */
	{ ISO, "2024-05-01T10:00:45-0230", 1, 1714566645000LL }, /* e */
	{ ISO, "2024-05-01T10:00:45-02:30", 1, 1714566645000LL }, /* e */
	{ ISO, "2024-02-29T00:00:00z", 1, 1709164800000LL },	/* e */
	{ ISO, "2024-05-01 12:30:45Z", 1, 1714566645000LL },	/* c e */
	{ ISO, "2024-05-01t12:30:45Z", 1, 1714566645000LL },	/* e */
	{ ISO, "2024-05-01T00:00:00+23:59", 1, 1714435260000LL }, /* e */
	{ ISO, "2024-05-01T00:00:00-23:59", 1, 1714607940000LL }, /* e */
	{ ISO, "2016-12-31T23:59:60Z", 1, 1483228800000LL },	/* c s e */
	{ ISO, "2000-02-29T00:00:00Z", 1, 951782400000LL },	/* c s e */
	{ ISO, "1969-12-31T23:59:59.500Z", 1, -500 },		/* c s e */
	{ ISO, "0000-01-01T00:00:00Z", 1, -62167219200000LL },	/* c s e */
	{ ISO, "9999-12-31T23:59:59Z", 1, 253402300799000LL },	/* c s e */
	{ ISO, "2024-05-01T12:34:56", 1, 1714566896000LL },	/* c */
	{ ISO, "2024-05-01T12:34:56+02:00", 1, 1714559696000LL }, /* e */
	{ ISO, "2024-05-01T12:34:56-0200", 1, 1714574096000LL }, /* e */
	{ ISO, "2024-05-01T12:34:56z", 1, 1714566896000LL },	/* e */
	{ ISO, "2024-05-01 12:34:56.5Z", 1, 1714566896500LL },	/* c e */

	/* ISO 8601, refused */
	{ ISO, "", BAD, 0 },
	{ ISO, "yesterday", BAD, 0 },
	{ ISO, "2024-13-01", BAD, 0 },
	{ ISO, "2024-00-01", BAD, 0 },
	{ ISO, "2024-05-00", BAD, 0 },
	{ ISO, "2024-04-31", BAD, 0 },		/* c s e took it: May 1 */
	{ ISO, "2023-02-29T00:00:00Z", BAD, 0 },	/* c s e: Mar 1 */
	{ ISO, "1900-02-29", BAD, 0 },
	{ ISO, "2024-5-01", BAD, 0 },
	{ ISO, "24-05-01", BAD, 0 },
	{ ISO, " 2024-05-01", BAD, 0 },
	{ ISO, "2024-05-01T", BAD, 0 },
	{ ISO, "2024-05-01T12:34", BAD, 0 },
	{ ISO, "2024-05-01T12:30Z", BAD, 0 },
	{ ISO, "2024-05-01T24:00:00Z", BAD, 0 },
	{ ISO, "2024-05-01T12:60:00Z", BAD, 0 },
	{ ISO, "2024-05-01T12:00:61Z", BAD, 0 },
	{ ISO, "2024-05-01T1:00:00Z", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56.Z", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56.", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56.12x", BAD, 0 },
	{ ISO, "2024-05-01T12:30:45Zjunk", BAD, 0 },
	{ ISO, "2024-05-01T12:30:45ZZ", BAD, 0 },
	{ ISO, "2024-05-01T12:30:45 Z", BAD, 0 },
	{ ISO, "2024-05-01T12:30:45Z ", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+24:00", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+02:60", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+2:00", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+02:0", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+02", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+0200x", BAD, 0 },
	{ ISO, "2024-05-01T12:34:56+02::00", BAD, 0 },
	{ ISO, "Wed, 01 May 2024 12:34:56 GMT", BAD, 0 },
	{ ISO, "@", BAD, 0 },
	{ ISO, "@-5", BAD, 0 },
	{ ISO, "@+5", BAD, 0 },
	{ ISO, "@ 5", BAD, 0 },
	{ ISO, "@5 ", BAD, 0 },
	{ ISO, "@.5", BAD, 0 },
	{ ISO, "@1.", BAD, 0 },			/* c took it (strtod) */
	{ ISO, "@1e3", BAD, 0 },		/* c took it (strtod) */
	{ ISO, "@0x10", BAD, 0 },		/* c took it (strtod) */
	{ ISO, "@100000000000000.001", BAD, 0 },
	{ ISO, "@100000000000001", BAD, 0 },
	{ ISO, "@99999999999999999999999999", BAD, 0 },
	{ ISO, "@2024-05-01", BAD, 0 },

	/* HTTP dates, taken */
	{ HTTP, "Wed, 01 May 2024 12:34:56 GMT", 1, 1714566896000LL },
	{ HTTP, "Thu, 26 Nov 2026 16:49:36 GMT", 1, 1795711776000LL },
	{ HTTP, "Sun, 06 Nov 1994 08:49:37 GMT", 1, 784111777000LL },
	{ HTTP, "wed, 01 MAY 2024 12:34:56 GMT", 1, 1714566896000LL },
	{ HTTP, "Sat, 31 Dec 2016 23:59:60 GMT", 1, 1483228800000LL },
	{ HTTP, "Mon, 01 May 2024 12:34:56 GMT", 1, 1714566896000LL },
	/* HTTP dates, refused */
	{ HTTP, "", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 12:34:56 UTC", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 12:34:56 gmt", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 12:34:56", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 12:34:56 GMTx", BAD, 0 },
	{ HTTP, "Wed, 1 May 2024 12:34:56 GMT", BAD, 0 },	/* h took it */
	{ HTTP, "Wednesday, 01 May 2024 12:34:56 GMT", BAD, 0 }, /* h too */
	{ HTTP, "Wed,  01 May 2024 12:34:56 GMT", BAD, 0 },	/* h too */
	{ HTTP, "Wed 01 May 2024 12:34:56 GMT", BAD, 0 },
	{ HTTP, "Xyz, 01 May 2024 12:34:56 GMT", BAD, 0 },
	{ HTTP, "Wed, 01 Foo 2024 12:34:56 GMT", BAD, 0 },
	{ HTTP, "Wed, 31 Apr 2024 12:34:56 GMT", BAD, 0 },	/* h: May 1 */
	{ HTTP, "Wed, 00 May 2024 12:34:56 GMT", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 24:00:00 GMT", BAD, 0 },
	{ HTTP, "Wed, 01 May 2024 12:60:00 GMT", BAD, 0 },
	{ HTTP, "Wed, 01 May 24 12:34:56 GMT", BAD, 0 },
	{ HTTP, "Sunday, 06-Nov-94 08:49:37 GMT", BAD, 0 },	/* RFC 850 */
	{ HTTP, "Sun Nov  6 08:49:37 1994", BAD, 0 },		/* asctime */
	{ HTTP, "2024-05-01T12:34:56Z", BAD, 0 },
};

static void	table(void);
static void	seconds(void);
static void	calendar(void);

static void
table(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		long long ms = 42;
		time_t t = 42;
		int r;

		if (vectors[i].form == ISO)
			r = isotime_parse_ms(vectors[i].in, &ms);
		else if ((r = isotime_parse_http(vectors[i].in, &t)) == 0)
			ms = (long long)t * 1000;
		if (vectors[i].ok == 1 ? r == 0 && ms == vectors[i].ms :
		    r == -1 && ms == 42 && t == 42) {
			unit_check(1, __FILE__, __LINE__, "");
			continue;
		}
		unit_check(0, __FILE__, __LINE__, vectors[i].in);
		fprintf(stderr, "    \"%s\": got %d, %lld\n", vectors[i].in, r,
		    ms);
	}
}

/* Seconds drop the fraction toward the past, as timegm of the fields
 * without it did; a refusal leaves the output alone. */
static void
seconds(void)
{
	time_t t = 42;

	CHECK(isotime_parse("2024-05-01T12:30:45.999Z", &t) == 0 &&
	    t == 1714566645);
	CHECK(isotime_parse("1969-12-31T23:59:59.500Z", &t) == 0 && t == -1);
	CHECK(isotime_parse("@1.5", &t) == 0 && t == 1);
	t = 42;
	CHECK(isotime_parse("2024-05-01T12:30:45", &t) == 0 &&
	    t == 1714566645);
	t = 42;
	CHECK(isotime_parse("2024-05-01T12:30:45.Z", &t) == -1 && t == 42);
}

/* Every 13th day from 0000-01-01 to 9999-12-31 (each weekday, each day of
 * the month, each kind of year), at a changing time of day: gmtime_r's
 * fields written out read back as the same second. */
static void
calendar(void)
{
	const long long first = -62167219200LL, last = 253402300799LL;
	int bad = 0;

	for (long long s = first; s <= last && bad < 5;
	    s += 13 * 86400 + 4057) {
		time_t t = (time_t)s, got;
		struct tm tm;
		char iso[40], http[40];
		int n, m;
		static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed",
		    "Thu", "Fri", "Sat" };
		static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
		    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

		if (gmtime_r(&t, &tm) == NULL) {
			bad++;
			continue;
		}
		n = snprintf(iso, sizeof(iso), "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
		m = snprintf(http, sizeof(http), "%s, %02d %s %04d "
		    "%02d:%02d:%02d GMT", wd[tm.tm_wday], tm.tm_mday,
		    mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		if (n < 0 || n >= (int)sizeof(iso) || m < 0 ||
		    m >= (int)sizeof(http) ||
		    isotime_parse(iso, &got) != 0 || got != t ||
		    isotime_parse_http(http, &got) != 0 || got != t) {
			fprintf(stderr, "    %lld: %s / %s\n", s, iso, http);
			bad++;
		}
	}
	CHECK(bad == 0);
}

void
test_isotime(void)
{
	table();
	seconds();
	calendar();
}
