/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Logging for the programs (kms-publisher, kms-locate). Libraries report errors through
 * return values and never log on their own.
 *
 * One line per event on standard error. The message reads as a sentence; the things it is
 * about follow as key=value pairs so that journald and log shippers can filter on them:
 *
 *   kms-publisher: warning: failed to update zone example.com. (REFUSED) zone=example.com.
 *   server=192.0.2.53@53 rcode=REFUSED
 *
 * (one line). With KD_LOG_JSON each line is a JSON object instead:
 *
 *   {"time":"2026-11-21T10:00:00.123Z","level":"warning","program":"kms-publisher",
 *    "msg":"failed to update zone example.com. (REFUSED)","zone":"example.com.",...}
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

enum kd_log_level { KD_LOG_ERR = 0, KD_LOG_WARN, KD_LOG_INFO, KD_LOG_DEBUG };

typedef enum { KD_LOG_TEXT = 0, KD_LOG_JSON } kd_log_format_t;

/* Set the program name shown before each line and the highest level printed. */
void kd_log_init(const char *ident, int level);
int kd_log_level(void);
/* Text (the default) or JSON lines. Set at start-up, before any thread exists. */
void kd_log_set_format(kd_log_format_t format);
/* "text" or "json" to a format; -1 if neither. */
int kd_log_format_parse(const char *name, kd_log_format_t *out);

/* A key=value pair of a log line; a pair whose value is NULL is left out. */
typedef struct {
	const char *key;
	const char *value;
} kd_log_kv_t;

/* The pairs as arguments of kd_log_kv: KD_KV({"zone", zone}, {"rcode", rcode}). */
#define KD_KV(...)                                                                                 \
	(const kd_log_kv_t[]){__VA_ARGS__},                                                        \
	        sizeof((const kd_log_kv_t[]){__VA_ARGS__}) / sizeof(kd_log_kv_t)

/* One event at level with its pairs:
 *   kd_log_kv(KD_LOG_WARN, KD_KV({"zone", z}, {"server", s}), "failed to ... (%s)", why); */
void kd_log_kv(int level, const kd_log_kv_t *kv, size_t n, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

void log_warn(const char *fmt, ...)
        __attribute__((format(printf, 1, 2))); /* with strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
