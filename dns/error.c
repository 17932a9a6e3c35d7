/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/error.h"

#include <stdarg.h>
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
	memcpy(err->msg, buf, sizeof(buf));
	err->code = code;
	return -1;
}
