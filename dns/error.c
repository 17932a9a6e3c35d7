/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/error.h"

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
