/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One error type for kmsdns: a code from one enum with a string table, and kd_error_t, the code
 * with the message a user reads ("failed to <verb> <object> (<reason>)", naming the file:line,
 * zone, server, rcode or host involved). */
#pragma once

#include <stddef.h>

typedef enum {
	KD_OK = 0,
	KD_ENOMEM,     /* out of memory */
	KD_EINVAL,     /* invalid argument or syntax */
	KD_ENOENT,     /* no such file, key or name */
	KD_EIO,        /* a file could not be read or written */
	KD_ETIMEOUT,   /* no answer within the timeout */
	KD_ENET,       /* other network error */
	KD_EREFUSED,   /* connection refused (nothing listens on that port) */
	KD_EUNREACH,   /* network or host unreachable */
	KD_ERESET,     /* connection reset by the peer */
	KD_ECLOSED,    /* connection closed by the server before the answer */
	KD_EAGAIN,     /* no answer yet (non-blocking calls) */
	KD_EMALFORMED, /* malformed message from the network */
	KD_EMISMATCH,  /* answer does not match the question (id, question, type) */
	KD_ERCODE,     /* server answered with an error rcode */
	KD_ETSIG,      /* TSIG missing, unverifiable or rejected */
} kd_err_t;

/* A static string for the code; never NULL. */
const char *kd_strerror(kd_err_t err);

#define KD_ERRMSG_MAX 512

/* An error and what happened. Zero-initialised it is KD_OK with an empty message (msg first,
 * so `kd_error_t err = {""};` works). Callers fill it through kd_fail. */
typedef struct {
	char msg[KD_ERRMSG_MAX];
	kd_err_t code;
} kd_error_t;

/* Hide what looks like a secret in msg, in place: a run of 22 or more base64 characters (16
 * bytes or more) holding both upper- and lower-case letters becomes "<hidden>". Error
 * messages echo values from files; a TSIG secret pasted into the wrong field must not reach
 * a log. kd_fail and the schema loader's errors pass through it. */
void kd_error_redact(char *msg);

/* Set err (if not NULL) to code and the formatted message, truncated to fit. The arguments may
 * point into err->msg itself (wrapping a reason: kd_fail(err, err->code, "failed to ... (%s)",
 * err->msg)); the message is redacted (kd_error_redact). Returns -1, so that a failing function can
 * `return kd_fail(...)`. */
int kd_fail(kd_error_t *err, kd_err_t code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
