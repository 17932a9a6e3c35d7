/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/sdnotify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dns/num.h"

int pub_sd_notify_raw(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (path == NULL || path[0] == '\0')
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path)) {
		errno = EAFNOSUPPORT; /* vsock: and the like are left to libsystemd */
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract namespace */
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	ssize_t n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(msg) ? 1 : -1;
}

int pub_sd_notify(const char *msg)
{
#ifdef HAVE_LIBSYSTEMD
	int rc = sd_notify(0, msg);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return rc > 0 ? 1 : 0;
#else
	return pub_sd_notify_raw(msg);
#endif
}

int pub_sd_ready(const char *status)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "READY=1%s%s", status != NULL ? "\nSTATUS=" : "",
	         status != NULL ? status : "");
	return pub_sd_notify(msg);
}

int pub_sd_reloading(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	char msg[96];
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	         (unsigned long long)ts.tv_sec * 1000000ull +
	                 (unsigned long long)ts.tv_nsec / 1000);
	return pub_sd_notify(msg);
}

int pub_sd_status(const char *fmt, ...)
{
	char msg[512] = "STATUS=";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg + 7, sizeof(msg) - 7, fmt, ap);
	va_end(ap);
	/* One line: a status with a line feed would end the field early. */
	for (char *p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	return pub_sd_notify(msg);
}

int pub_sd_stopping(void)
{
	return pub_sd_notify("STOPPING=1");
}

/* WatchdogSec in microseconds for this process, 0 when off. */
static uint64_t watchdog_usec(void)
{
#ifdef HAVE_LIBSYSTEMD
	uint64_t usec = 0;
	return sd_watchdog_enabled(0, &usec) > 0 ? usec : 0;
#else
	const char *us = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	uint64_t usec, p;
	if (us == NULL || kd_num_parse(us, 1, UINT64_MAX, &usec) != 0)
		return 0;
	if (pid != NULL && (kd_num_parse(pid, 1, UINT64_MAX, &p) != 0 || p != (uint64_t)getpid()))
		return 0;
	return usec;
#endif
}

void pub_sd_watchdog_init(pub_sd_watchdog_t *w, uint64_t now_ms)
{
	uint64_t usec = watchdog_usec();
	w->interval_ms = usec / 2000;
	if (usec > 0 && w->interval_ms == 0)
		w->interval_ms = 1;
	w->next_ms = now_ms;
}

uint64_t pub_sd_watchdog_due(const pub_sd_watchdog_t *w)
{
	return w->interval_ms == 0 ? UINT64_MAX : w->next_ms;
}

bool pub_sd_watchdog_tick(pub_sd_watchdog_t *w, uint64_t now_ms)
{
	if (w->interval_ms == 0 || now_ms < w->next_ms)
		return false;
	pub_sd_notify("WATCHDOG=1");
	w->next_ms = now_ms + w->interval_ms;
	return true;
}
