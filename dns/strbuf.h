/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A growing heap string for building text (state files, messages). Zero-initialise
 * (kd_strbuf_t sb = {0}), append, then take the text or deinit. An append that fails for lack
 * of memory marks the builder failed; later appends do nothing and kd_strbuf_take returns NULL,
 * so callers check once at the end. libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

typedef struct {
	char *buf; /* NUL-terminated once anything was appended */
	size_t len, cap;
	bool failed;
} kd_strbuf_t;

/* Append formatted text. */
void kd_strbuf_printf(kd_strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Append a string, or an unsigned number in decimal: what printf("%s")/("%llu") appends,
 * without parsing a format (for files of thousands of lines). */
void kd_strbuf_puts(kd_strbuf_t *sb, const char *s);
void kd_strbuf_uint(kd_strbuf_t *sb, unsigned long long v);

/* The text built so far (heap, "" when nothing was appended; the caller frees it), or NULL
 * when an append failed. Either way the builder is empty again afterwards. */
char *kd_strbuf_take(kd_strbuf_t *sb, size_t *len);

/* Free the text and empty the builder. */
void kd_strbuf_deinit(kd_strbuf_t *sb);
