/* num.h: strtod for the numbers the program reads (rates, ages, epoch
 * times, JSON), so that musl's floatscan (6 KB, long double) is not linked. */
#ifndef TABLESNAP_NUM_H
#define TABLESNAP_NUM_H

/*
 * strtod(3)'s grammar but for "inf" and "nan", which it does not read
 * (*end == s, as for any text that is not a number): leading white space,
 * a sign, decimal digits with an optional '.' and e[+-]digits, or 0x hex
 * digits with an optional '.' and p[+-]digits. *end is where the number
 * ends (s when there is none); end may be NULL. ERANGE in errno, as
 * strtod, when a number overflows to infinity or underflows (0 or
 * subnormal). Correctly rounded for up to 15 significant digits times a
 * power of ten up to 1e22 (the numbers the program meets), and for hex;
 * within a few units in the last place beyond.
 */
double num_strtod(const char *s, char **end);

#endif
