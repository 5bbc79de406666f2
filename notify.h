/* notify.h: readiness and shutdown notices to the service manager (systemd
 * Type=notify) over $NOTIFY_SOCKET, as sd_notify(3) sends them. */
#ifndef TABLESNAP_NOTIFY_H
#define TABLESNAP_NOTIFY_H

/* Each sends one datagram ("READY=1", "STOPPING=1") to the AF_UNIX socket
 * named by $NOTIFY_SOCKET: a path ("/run/...") or an abstract name ("@...").
 * Return 0 when sent or when NOTIFY_SOCKET is unset or empty (no service
 * manager asked), -1 with errno set otherwise; a failure is worth a warning
 * only, the daemon works without it. */
int notify_ready(void);
int notify_stopping(void);

#endif
