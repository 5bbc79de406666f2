/* log.h: one line per event, to stderr or syslog, each written with a single
 * write(2) so that lines from upload threads never interleave. */
#ifndef TABLESNAP_LOG_H
#define TABLESNAP_LOG_H

#include <stddef.h>

enum log_level {
	LOG_DEBUG_L,
	LOG_INFO_L,
	LOG_WARNING_L,
	LOG_ERROR_L,
	LOG_CRITICAL_L,
};

/* ident: the program name for syslog ("tablesnap"); use_syslog: send lines
 * to syslog (facility daemon) instead of stderr; debug: also DEBUG lines. */
void log_init(const char *ident, int use_syslog, int debug);
int log_debug_enabled(void);

/* Formats one message. Control characters (a newline in a file name) are
 * written as \xNN so that one event stays one line. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Formats (fmt.h) and writes the text to fd with one write(2) where the
 * kernel allows it: help, version and usage errors. */
void log_print(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes all of buf to fd with one write(2) where the kernel allows it
 * (a file, a pipe): 0, or -1 with errno. */
int log_write(int fd, const char *buf, size_t len);

/* Writes each string of parts, up to a NULL (a help text's pieces). */
void log_print_all(int fd, const char *const parts[]);

#define log_debug(...)	do { if (log_debug_enabled()) \
	log_msg(LOG_DEBUG_L, __VA_ARGS__); } while (0)
#define log_info(...)	log_msg(LOG_INFO_L, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING_L, __VA_ARGS__)
#define log_error(...)	log_msg(LOG_ERROR_L, __VA_ARGS__)
#define log_critical(...) log_msg(LOG_CRITICAL_L, __VA_ARGS__)

#endif
