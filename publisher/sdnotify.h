/* SPDX-License-Identifier: GPL-3.0-or-later */
/* systemd service notification (sd_notify(3) protocol): READY=1 once the first round is done,
 * RELOADING=1 / READY=1 around a reload, STATUS= one-line summaries, WATCHDOG=1 at half of
 * WatchdogSec=. Through libsystemd when configure found it (--with-systemd), else through
 * pub_sd_notify_raw: the protocol is one datagram to the AF_UNIX socket named by
 * $NOTIFY_SOCKET, so a build without libsystemd still works as Type=notify. Outside systemd
 * ($NOTIFY_SOCKET unset) every call does nothing. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Send msg ("KEY=value" lines) to the service manager. Returns 1 when sent, 0 when not under
 * a service manager, -1 with errno set when sending failed. */
int pub_sd_notify(const char *msg);

/* The same without libsystemd: a datagram to $NOTIFY_SOCKET (a path, or "@name" for an
 * abstract socket). */
int pub_sd_notify_raw(const char *msg);

/* Readiness after the first round, with a status line (NULL for none). */
int pub_sd_ready(const char *status);
/* A reload begins (RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload wants); finish it
 * with pub_sd_ready. */
int pub_sd_reloading(void);
/* The one-line summary systemctl status shows. */
int pub_sd_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Stopping (withdrawing records on exit may take a while). */
int pub_sd_stopping(void);

/* The watchdog. Zero-initialised it is off. */
typedef struct {
	uint64_t interval_ms; /* half of WatchdogSec; 0 = no watchdog */
	uint64_t next_ms;     /* monotonic time of the next WATCHDOG=1 */
} pub_sd_watchdog_t;

/* Read WatchdogSec from the environment ($WATCHDOG_USEC, for this process if $WATCHDOG_PID is
 * set) and schedule the first ping at now_ms. */
void pub_sd_watchdog_init(pub_sd_watchdog_t *w, uint64_t now_ms);
/* When the next ping is due, or UINT64_MAX without a watchdog (a poll loop's wake-up time). */
uint64_t pub_sd_watchdog_due(const pub_sd_watchdog_t *w);
/* Send WATCHDOG=1 if it is due at now_ms and schedule the next. Returns true when sent. */
bool pub_sd_watchdog_tick(pub_sd_watchdog_t *w, uint64_t now_ms);
