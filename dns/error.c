/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *kd_strerror(kd_err_t err)
{
	switch (err) { /* no default: the compiler names a missing case */
	case KD_OK: return "success";
	case KD_ENOMEM: return "out of memory";
	case KD_EINVAL: return "invalid argument";
	case KD_ENOENT: return "not found";
	case KD_EIO: return "input/output error";
	case KD_ETIMEOUT: return "timed out";
	case KD_ENET: return "network error";
	case KD_EREFUSED: return "connection refused";
	case KD_EUNREACH: return "network unreachable";
	case KD_ERESET: return "connection reset";
	case KD_ECLOSED: return "connection closed by the server";
	case KD_EAGAIN: return "no answer yet";
	case KD_EMALFORMED: return "malformed message";
	case KD_EMISMATCH: return "answer does not match the question";
	case KD_ERCODE: return "error rcode";
	case KD_ETSIG: return "TSIG verification failed";
	}
	return "unknown error";
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

void kd_error_redact(char *msg)
{
	static const char hidden[] = "<hidden>";
	char *p = msg;
	while (*p != '\0') {
		if (!b64_char(*p)) {
			p++;
			continue;
		}
		size_t n = 0;
		bool upper = false, lower = false;
		while (b64_char(p[n])) {
			upper = upper || (p[n] >= 'A' && p[n] <= 'Z');
			lower = lower || (p[n] >= 'a' && p[n] <= 'z');
			n++;
		}
		size_t run = n;
		while (p[run] == '=')
			run++;
		if (n < 22 || !upper || !lower) {
			p += n;
			continue;
		}
		/* "<hidden>" is shorter than the run: shift the rest left. */
		memcpy(p, hidden, sizeof(hidden) - 1);
		memmove(p + sizeof(hidden) - 1, p + run, strlen(p + run) + 1);
		p += sizeof(hidden) - 1;
	}
}

int kd_fail(kd_error_t *err, kd_err_t code, const char *fmt, ...)
{
	if (err == NULL)
		return -1;
	/* Format aside first: the arguments may be err->msg itself. */
	char buf[KD_ERRMSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kd_error_redact(buf);
	memcpy(err->msg, buf, sizeof(buf));
	err->code = code;
	return -1;
}
