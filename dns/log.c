/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Set once at start-up by the program, before any thread exists. */
static const char *log_ident = "kmsdns";
static int log_max = KD_LOG_INFO;
static kd_log_format_t log_format = KD_LOG_TEXT;

/* Room for a 2 KiB message even if every byte needs a 6-byte JSON escape. */
#define LINE_MAX_LEN 16384
#define MSG_MAX_LEN  2048

void kd_log_init(const char *ident, int level)
{
	log_ident = ident;
	log_max = level;
}

int kd_log_level(void)
{
	return log_max;
}

void kd_log_set_format(kd_log_format_t format)
{
	log_format = format;
}

int kd_log_format_parse(const char *name, kd_log_format_t *out)
{
	if (strcmp(name, "text") == 0)
		*out = KD_LOG_TEXT;
	else if (strcmp(name, "json") == 0)
		*out = KD_LOG_JSON;
	else
		return -1;
	return 0;
}

/* A line being built in a fixed buffer (no allocation: logging must work when memory ran
 * out). A piece that does not fit sets full and is dropped whole; the caller then rolls the
 * line back to the last complete pair, so a long line loses pairs, never its syntax. */
typedef struct {
	char buf[LINE_MAX_LEN];
	size_t len;
	bool full;
} line_t;

static void put(line_t *l, const char *s, size_t n)
{
	if (l->full || n > sizeof(l->buf) - 2 - l->len) { /* 2: the closing } and newline */
		l->full = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(line_t *l, const char *s)
{
	put(l, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80             ? 1
	           : (s[0] & 0xe0) == 0xc0 ? 2
	           : (s[0] & 0xf0) == 0xe0 ? 3
	           : (s[0] & 0xf8) == 0xf0 ? 4
	                                   : 0;
	if (n == 2 && s[0] < 0xc2)
		return 0; /* overlong */
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void put_json_str(line_t *l, const char *s)
{
	puts_(l, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0';) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			puts_(l, esc);
			p++;
		} else {
			size_t n = utf8_len(p);
			if (n == 0) {
				puts_(l, "\\ufffd");
				p++;
			} else {
				put(l, (const char *)p, n);
				p += n;
			}
		}
	}
	puts_(l, "\"");
}

/* A text value: bare when it has no space, quote, '=' or control character, else quoted. */
static void put_text_value(line_t *l, const char *s)
{
	bool bare = s[0] != '\0';
	for (const unsigned char *p = (const unsigned char *)s; bare && *p != '\0'; p++)
		bare = *p > 0x20 && *p != 0x7f && *p != '"' && *p != '=' && *p != '\\';
	if (bare) {
		puts_(l, s);
		return;
	}
	puts_(l, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(l, esc, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(esc, sizeof(esc), "\\x%02x", *p);
			puts_(l, esc);
		} else {
			put(l, (const char *)p, 1);
		}
	}
	puts_(l, "\"");
}

static void put_time(line_t *l)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char t[48];
	size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	put_json_str(l, t);
}

static const char *const level_names[] = {"error", "warning", "info", "debug"};

__attribute__((format(printf, 4, 0))) static void
emit(int level, const kd_log_kv_t *kv, size_t n, const char *fmt, va_list ap, const char *suffix)
{
	if (level > log_max)
		return;
	char msg[MSG_MAX_LEN];
	int m = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (suffix != NULL && m >= 0 && (size_t)m < sizeof(msg))
		snprintf(msg + m, sizeof(msg) - (size_t)m, ": %s", suffix);
	static __thread line_t l; /* 16 KiB: not on a thread's stack */
	l.len = 0;
	l.full = false;
	if (log_format == KD_LOG_JSON) {
		puts_(&l, "{\"time\":");
		put_time(&l);
		puts_(&l, ",\"level\":\"");
		puts_(&l, level_names[level < 0 ? 0 : level > 3 ? 3 : level]);
		puts_(&l, "\",\"program\":");
		put_json_str(&l, log_ident);
		puts_(&l, ",\"msg\":");
		put_json_str(&l, msg);
		for (size_t i = 0; i < n; i++) {
			if (kv[i].value == NULL)
				continue;
			size_t mark = l.len;
			puts_(&l, ",");
			put_json_str(&l, kv[i].key);
			puts_(&l, ":");
			put_json_str(&l, kv[i].value);
			if (l.full) {
				l.len = mark;
				break;
			}
		}
		l.buf[l.len++] = '}';
	} else {
		static const char *const prefix[] = {"error: ", "warning: ", "", "debug: "};
		puts_(&l, log_ident);
		puts_(&l, ": ");
		puts_(&l, prefix[level < 0 ? 0 : level > 3 ? 3 : level]);
		puts_(&l, msg);
		for (size_t i = 0; i < n; i++) {
			if (kv[i].value == NULL)
				continue;
			size_t mark = l.len;
			puts_(&l, " ");
			puts_(&l, kv[i].key);
			puts_(&l, "=");
			put_text_value(&l, kv[i].value);
			if (l.full) {
				l.len = mark;
				break;
			}
		}
	}
	l.buf[l.len++] = '\n';
	/* One write per line so concurrent writers do not interleave mid-line. */
	fflush(stderr);
	(void)!write(STDERR_FILENO, l.buf, l.len);
}

void kd_log_kv(int level, const kd_log_kv_t *kv, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(level, kv, n, fmt, ap, NULL);
	va_end(ap);
}

#define LOG_BODY(level, suffix)                                                                    \
	va_list ap;                                                                                \
	va_start(ap, fmt);                                                                         \
	emit(level, NULL, 0, fmt, ap, suffix);                                                     \
	va_end(ap)

void log_warn(const char *fmt, ...)
{
	const char *why = strerror(errno);
	LOG_BODY(KD_LOG_WARN, why);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_WARN, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_INFO, NULL);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_DEBUG, NULL);
}

void log_err(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_ERR, NULL);
}

void fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	LOG_BODY(KD_LOG_ERR, why);
	exit(2);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(KD_LOG_ERR, NULL);
	exit(2);
}
