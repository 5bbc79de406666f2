/* log.c: the log line writer. Lines look like the original's
 * "2017-10-13 12:02:23,930 INFO Starting up" (local time) on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_to_syslog;
static int log_debug_on;

static const char *const level_names[] = {
	"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL",
};
static const int syslog_levels[] = {
	LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT,
};

void
log_init(const char *ident, int use_syslog, int debug)
{
	log_to_syslog = use_syslog;
	log_debug_on = debug;
	if (use_syslog)
		openlog(ident, 0, LOG_DAEMON);
}

int
log_debug_enabled(void)
{
	return log_debug_on;
}

/* Copies msg into out with control bytes as \xNN; out holds 4*len+1. */
static size_t
escape_controls(const char *msg, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch < 0x20 || ch == 0x7f) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		} else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return o;
}

/* Writes all of buf with one write(2) where the kernel allows it. */
static void
write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static void
emit(enum log_level level, const char *msg, size_t len)
{
	char stamp[64];
	struct timeval tv;
	struct tm tm;
	char *line, *escaped;
	size_t stamplen, n;
	int r;

	escaped = malloc(4 * len + 1);
	if (escaped == NULL)
		return;
	n = escape_controls(msg, len, escaped);
	if (log_to_syslog) {
		syslog(syslog_levels[level], "%s", escaped);
		free(escaped);
		return;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	stamplen = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	r = snprintf(stamp + stamplen, sizeof(stamp) - stamplen, ",%03d %s ",
	    (int)(tv.tv_usec / 1000), level_names[level]);
	if (stamplen == 0 || r < 0 || (size_t)r >= sizeof(stamp) - stamplen) {
		free(escaped);
		return;
	}
	stamplen += (size_t)r;
	line = malloc(stamplen + n + 1);
	if (line != NULL) {
		memcpy(line, stamp, stamplen);
		memcpy(line + stamplen, escaped, n);
		line[stamplen + n] = '\n';
		write_all(STDERR_FILENO, line, stamplen + n + 1);
		free(line);
	}
	free(escaped);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	char small[512], *msg = small;
	va_list ap;
	int n;

	if (level == LOG_DEBUG_L && !log_debug_on)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(small)) {
		/* Long file names: format again into a buffer that fits. */
		msg = malloc((size_t)n + 1);
		if (msg == NULL)
			return;
		va_start(ap, fmt);
		n = vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
		if (n < 0) {
			free(msg);
			return;
		}
	}
	emit(level, msg, (size_t)n);
	if (msg != small)
		free(msg);
}
