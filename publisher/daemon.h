/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The program's modes: one round (--once, --withdraw, either with --dry-run) or the
 * foreground daemon (rounds on schedule, SIGHUP reload, SIGTERM/SIGINT: the round in flight
 * ends after its exchanges, then one withdrawal bounded by shutdown-timeout, and exit; a
 * second SIGTERM/SIGINT exits at once). */
#pragma once

#include <stdbool.h>

typedef enum {
	PUB_RUN_DAEMON = 0,
	PUB_RUN_ONCE,
	PUB_RUN_WITHDRAW,
	PUB_RUN_CHECK, /* --check-config */
} pub_run_mode_t;

typedef struct {
	const char *config_path;
	pub_run_mode_t mode;
	bool dry_run;
	bool verbose;            /* -v: PUB_RUN_CHECK also prints the effective configuration */
	bool strict_permissions; /* a secret readable by group or others is an error */
	const char *user;        /* -u: overrides the configuration's user */
	int log_format;          /* --log-format: kd_log_format_t, or -1 for the configuration's */
} pub_run_opts_t;

/* Load the configuration and run the mode. Returns the exit code: 0 success, 1 some zone
 * failed, 2 configuration error. */
int pub_run(const pub_run_opts_t *opts);

/* kms-publisher status: print what the state file of the configuration at config_path says,
 * as text or JSON. Returns the exit code (0, or 2 when the configuration or the state file
 * cannot be read). */
int pub_run_status(const char *config_path, bool json);
