/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Set once at start-up by the program, before any thread exists. */
static const char *log_ident = "kmsdns";
static int log_max = KD_LOG_INFO;

void kd_log_init(const char *ident, int level)
{
	log_ident = ident;
	log_max = level;
}

int kd_log_level(void)
{
	return log_max;
}

static void vlog(int level, const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
	if (level > log_max)
		return;
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per line so concurrent writers do not interleave mid-line. */
	if (suffix != NULL)
		fprintf(stderr, "%s: %s%s: %s\n", log_ident, prefix, line, suffix);
	else
		fprintf(stderr, "%s: %s%s\n", log_ident, prefix, line);
}

#define LOG_BODY(level, prefix, suffix)                                                            \
	va_list ap;                                                                                \
	va_start(ap, fmt);                                                                         \
	vlog(level, prefix, fmt, ap, suffix);                                                      \
	va_end(ap)

void log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	LOG_BODY(KD_LOG_WARN, "warning: ", why);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_WARN, "warning: ", NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_INFO, "", NULL);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_DEBUG, "debug: ", NULL);
}

void log_err(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_ERR, "error: ", NULL);
}

void fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	LOG_BODY(KD_LOG_ERR, "error: ", why);
	exit(2);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_ERR, "error: ", NULL);
	exit(2);
}
