/*
 * notify.h - tells systemd's service manager how refgwd is doing (sd_notify(3)).
 *
 * READY=1 once the port is bound and the start line printed; RELOADING=1
 * (with MONOTONIC_USEC) then READY=1 around a SIGHUP reload, whether the new
 * configuration loaded or the old one was kept; STOPPING=1 when shutdown
 * begins. Every call is a no-op when refgwd was not started with
 * NOTIFY_SOCKET (that is, not by systemd as Type=notify), and none fails its
 * caller: a manager that cannot be told is no reason to stop serving.
 */
#ifndef REFGW_NOTIFY_H
#define REFGW_NOTIFY_H

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

#endif
