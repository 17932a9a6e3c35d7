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
	KD_ENET,       /* network error (refused, unreachable) */
	KD_EMALFORMED, /* malformed message from the network */
	KD_EMISMATCH,  /* answer does not match the question (id, question, type) */
	KD_ERCODE,     /* server answered with an error rcode */
	KD_ETSIG,      /* TSIG missing, unverifiable or rejected */
} kd_err_t;

/* A static string for the code; never NULL. */
const char *kd_strerror(kd_err_t err);
