/* notify.c: sd_notify(3) without libsystemd: one datagram to the socket that
 * $NOTIFY_SOCKET names, sent from the main process (NotifyAccess=main). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"
#include "notify.h"

static int
notify_send(const char *msg)
{
	const char *path = env_value("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len, msglen = strlen(msg);
	ssize_t n;
	int fd, saved;

	if (path == NULL || path[0] == '\0')
		return 0;
	if (path[0] != '/' && path[0] != '@') {
		errno = EAFNOSUPPORT;
		return -1;
	}
	/* A path socket needs room for its terminating NUL. */
	if ((len = strlen(path)) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, len);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/* The exact length: for an abstract name every byte up to it is part
	 * of the name, so sizeof(sun) would name another socket. */
	n = sendto(fd, msg, msglen, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len));
	saved = errno;
	close(fd);
	if (n != (ssize_t)msglen) {
		errno = n < 0 ? saved : EMSGSIZE;
		return -1;
	}
	return 0;
}

int
notify_ready(void)
{
	return notify_send("READY=1");
}

int
notify_stopping(void)
{
	return notify_send("STOPPING=1");
}
