/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/strbuf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"

/* Room for n more characters and the NUL. */
static bool reserve(kd_strbuf_t *sb, size_t n)
{
	if (sb->failed)
		return false;
	char *p = n < SIZE_MAX - sb->len - 1
	                  ? kd_array_reserve(sb->buf, &sb->cap, sb->len + n + 1, 1)
	                  : NULL;
	if (p == NULL) {
		sb->failed = true;
		return false;
	}
	sb->buf = p;
	sb->buf[sb->len] = '\0';
	return true;
}

void kd_strbuf_printf(kd_strbuf_t *sb, const char *fmt, ...)
{
	if (!reserve(sb, 0))
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n >= sb->cap - sb->len) {
		if (!reserve(sb, (size_t)n))
			return;
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

static void add(kd_strbuf_t *sb, const char *s, size_t n)
{
	if (sb->cap - sb->len <= n && !reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void kd_strbuf_puts(kd_strbuf_t *sb, const char *s)
{
	if (!sb->failed)
		add(sb, s, strlen(s));
}

void kd_strbuf_uint(kd_strbuf_t *sb, unsigned long long v)
{
	char d[20]; /* 2^64 - 1 has 20 digits */
	size_t i = sizeof(d);
	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (!sb->failed)
		add(sb, d + i, sizeof(d) - i);
}

char *kd_strbuf_take(kd_strbuf_t *sb, size_t *len)
{
	if (!sb->failed && sb->buf == NULL)
		reserve(sb, 0);
	char *text = sb->failed ? NULL : sb->buf;
	if (text != NULL && len != NULL)
		*len = sb->len;
	if (text == NULL)
		free(sb->buf);
	memset(sb, 0, sizeof(*sb));
	return text;
}

void kd_strbuf_deinit(kd_strbuf_t *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}
