/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging for the programs (kms-publisher, kms-locate). Libraries report errors through
 * return values and never log on their own. */
#pragma once

#include <stdarg.h>

enum kd_log_level { KD_LOG_ERR = 0, KD_LOG_WARN, KD_LOG_INFO, KD_LOG_DEBUG };

/* Set the program name shown before each line and the highest level printed. */
void kd_log_init(const char *ident, int level);
int kd_log_level(void);

void log_warn(const char *fmt, ...)
        __attribute__((format(printf, 1, 2))); /* with strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
