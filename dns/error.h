/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One error enum for the dns/ core, with a string table. */
#pragma once

typedef enum {
	KD_OK = 0,
	KD_ENOMEM,     /* out of memory */
	KD_EINVAL,     /* invalid argument or syntax */
	KD_ENOENT,     /* no such file, key or name */
	KD_EIO,        /* read or write failed */
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
