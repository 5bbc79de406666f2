/* log.c: the log line writer. Lines look like the original's
 * "2017-10-13 12:02:23,930 INFO Starting up" (local time) on stderr, or go
 * to syslog. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "encode.h"
#include "fmt.h"
#include "log.h"

#define SYSLOG_MAX	1024	/* musl's syslog(3) buffer */

static int log_to_syslog;
static int log_debug_on;
static const char *log_ident;
/* The /dev/log socket, opened at the first line (as syslog(3) does). */
static int syslog_fd = -1;
static pthread_mutex_t syslog_lock = PTHREAD_MUTEX_INITIALIZER;

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
	log_ident = ident;
}

int
log_debug_enabled(void)
{
	return log_debug_on;
}

int
log_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The datagram musl's syslog(3) sent (the daemon used it before):
 * "<prio>Mmm dd hh:mm:ss ident: message\n", UTC, cut at the 1024 bytes
 * of buf. Returns its length, or -1. */
static int
syslog_line(char buf[SYSLOG_MAX], enum log_level level, const char *msg)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	time_t now = time(NULL);
	struct tm tm;
	int n;

	gmtime_r(&now, &tm);
	n = snprintf(buf, SYSLOG_MAX, "<%d>%.3s %2d %02d:%02d:%02d %.32s: %s",
	    LOG_DAEMON | syslog_levels[level], months + 3 * tm.tm_mon,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, log_ident, msg);
	if (n < 0)
		return -1;
	if (n >= SYSLOG_MAX)
		n = SYSLOG_MAX - 1;
	if (buf[n - 1] != '\n')
		buf[n++] = '\n';
	return n;
}

/* Sends a line to /dev/log, opened at the first line and connected
 * again when syslogd was restarted, as syslog(3) does. */
static void
syslog_send(const char *buf, size_t len)
{
	static const struct sockaddr_un addr = { AF_UNIX, "/dev/log" };

	pthread_mutex_lock(&syslog_lock);
	if (syslog_fd < 0) {
		syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (syslog_fd >= 0)
			(void)connect(syslog_fd, (const void *)&addr,
			    sizeof(addr));
	}
	if (syslog_fd >= 0 && send(syslog_fd, buf, len, 0) < 0 &&
	    (errno == ECONNREFUSED || errno == ECONNRESET ||
	    errno == ENOTCONN || errno == EPIPE) &&
	    connect(syslog_fd, (const void *)&addr, sizeof(addr)) == 0)
		(void)send(syslog_fd, buf, len, 0);
	pthread_mutex_unlock(&syslog_lock);
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
		char buf[SYSLOG_MAX];
		int sn = syslog_line(buf, level, escaped);

		if (sn > 0)
			syslog_send(buf, (size_t)sn);
		free(escaped);
		return;
	}
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	r = snprintf(stamp, sizeof(stamp), "%04d-%02d-%02d %02d:%02d:%02d,%03d "
	    "%s ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000),
	    level_names[level]);
	if (r < 0 || (size_t)r >= sizeof(stamp)) {
		free(escaped);
		return;
	}
	stamplen = (size_t)r;
	line = malloc(stamplen + n + 1);
	if (line != NULL) {
		memcpy(line, stamp, stamplen);
		memcpy(line + stamplen, escaped, n);
		line[stamplen + n] = '\n';
		(void)log_write(STDERR_FILENO, line, stamplen + n + 1);
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

void
log_print(int fd, const char *fmt, ...)
{
	va_list ap;
	char *text;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	(void)log_write(fd, text, (size_t)n);
	free(text);
}

void
log_print_all(int fd, const char *const parts[])
{
	for (; *parts != NULL; parts++)
		(void)log_write(fd, *parts, strlen(*parts));
}
