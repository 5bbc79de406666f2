/* isotime.h: the one parser of the times tablesnap reads: ISO 8601 (S3's
 * LastModified, the metadata services' Expiration, --as-of) and HTTP dates. */
#ifndef TABLESNAP_ISOTIME_H
#define TABLESNAP_ISOTIME_H

#include <time.h>

/*
 * One grammar for every caller (ABNF; letters T and Z in either case):
 *
 *   time  = "@" 1*DIGIT [ "." 1*DIGIT ]		; epoch seconds <= 1e14
 *         / date [ ( "T" / " " ) clock ] [ zone ]
 *   date  = 4DIGIT "-" 2DIGIT "-" 2DIGIT		; a day of that month
 *   clock = 2DIGIT ":" 2DIGIT ":" 2DIGIT [ "." 1*DIGIT ]
 *   zone  = "Z" / ( "+" / "-" ) 2DIGIT [ ":" ] 2DIGIT
 *
 * Ranges: month 1-12, day 1 to the month's last (leap years, proleptic
 * Gregorian, years 0000-9999), hour 0-23, minute 0-59, second 0-60 (a
 * leap second is the next minute's :00), offset hours 0-23 and minutes
 * 0-59. No zone means UTC; a date alone is its midnight. Fractions beyond
 * milliseconds are dropped. Nothing may follow.
 *
 * Pure: no locale, no clock, no I/O. Each returns 0 and sets *out, or
 * returns -1 and leaves *out alone.
 */

/* Milliseconds since the epoch. */
int isotime_parse_ms(const char *s, long long *out);

/* Seconds since the epoch (a fraction is dropped toward the past). */
int isotime_parse(const char *s, time_t *out);

/* An HTTP date (RFC 9110's IMF-fixdate, what S3 writes in Date and
 * Last-Modified): "Wed, 01 May 2024 12:34:56 GMT". Day and month names in
 * any case; the day name is not checked against the date. */
int isotime_parse_http(const char *s, time_t *out);

#endif
