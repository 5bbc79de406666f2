/* fuzz_isotime.c: libFuzzer target for isotime.c: whatever the text, a
 * time that parses writes back (through gmtime_r) as the same time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

/*
 * Input layout: byte 0 odd: an HTTP date, else ISO 8601; the rest is the
 * text (a NUL-terminated copy). Besides not crashing: a refusal leaves the
 * output alone, and an accepted time from 0000 to 9999 (offsets and @
 * reach beyond) written out as "YYYY-MM-DDThh:mm:ss.mmmZ" or as an HTTP
 * date parses again to the same value.
 */
#define FIRST_S	(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define LAST_S	253402300799LL		/* 9999-12-31T23:59:59Z */
#define UNSET	0x5eed

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
    "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static void	round_trip_iso(long long);
static void	round_trip_http(time_t);

static void
round_trip_iso(long long ms)
{
	time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	struct tm tm;
	char buf[40];
	long long again = UNSET;
	int n;

	if (t < FIRST_S || t > LAST_S)
		return;
	if (gmtime_r(&t, &tm) == NULL)
		abort();
	n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms - (long long)t * 1000));
	if (n < 0 || n >= (int)sizeof(buf) ||
	    isotime_parse_ms(buf, &again) != 0 || again != ms)
		abort();
}

static void
round_trip_http(time_t t)
{
	struct tm tm;
	char buf[40];
	time_t again = UNSET;
	int n;

	if (t < FIRST_S || t > LAST_S || gmtime_r(&t, &tm) == NULL)
		abort();
	n = snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
	    wdays[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (n < 0 || n >= (int)sizeof(buf) ||
	    isotime_parse_http(buf, &again) != 0 || again != t)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long long ms = UNSET;
	time_t t = UNSET;
	char *s;

	if (size < 1)
		return 0;
	if ((s = malloc(size)) == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] & 1) {
		if (isotime_parse_http(s, &t) == 0)
			round_trip_http(t);
		else if (t != UNSET)
			abort();
	} else {
		if (isotime_parse_ms(s, &ms) == 0)
			round_trip_iso(ms);
		else if (ms != UNSET)
			abort();
	}
	free(s);
	return 0;
}
