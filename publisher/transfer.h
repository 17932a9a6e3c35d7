/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The transfer read (read: transfer): one signed zone transfer per zone (AXFR, RFC 5936),
 * pipelined on the connection of the read, instead of one signed query per name. The names
 * it settles get what their queries would have told (read.h); the others (below a zone cut or
 * a DNAME, or without records in a zone with a wildcard) are left to the queries. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dns/error.h"
#include "dns/transport.h"
#include "dns/tsigkey.h"
#include "publisher/read.h"

typedef struct {
	const char *zone; /* canonical */
	const kd_tsig_key_t *key;
	pub_name_read_t *names; /* the names of the zone to read; results go in, as read.h says */
	size_t n;
	bool *settled;  /* out, n of them: what the transfer settled (the rest: queries) */
	bool ok;        /* out: the transfer came whole, every message verified */
	bool refused;   /* out: no transfer from this server will do (it refused with an error
	                 * rcode, or does not sign every message): do not ask again */
	kd_error_t err; /* out, when !ok: why ("REFUSED, unsigned", "message 3 does not
	                 * verify", ...) */
} pub_xfr_t;

/* Transfer the zone of every xs[i] over c, pipelined, until deadline_ms. Returns 0 with each
 * one's outcome in it (a failed one settles no name and leaves its names as they were), or -1
 * when out of memory. After a transfer that did not complete, c may still carry the rest of
 * its messages: close it. */
int pub_read_transfers(kd_conn_t *c, pub_xfr_t *xs, size_t n, uint64_t deadline_ms);

/* What one message of a transfer adds (the check behind pub_read_transfers, for tests): msg
 * and len as they come. KD_REPLY_MORE until the closing SOA (FINAL then, x->ok set), or
 * FINAL with x->err set when the transfer cannot go on. */
typedef struct pub_xfr_run pub_xfr_run_t;
pub_xfr_run_t *pub_xfr_run_new(pub_xfr_t *x, const pub_tsig_req_t *req);
kd_reply_t pub_xfr_take(const uint8_t *msg, size_t len, void *run);
/* Settle the names (x->ok only) and free the run. */
void pub_xfr_run_finish(pub_xfr_run_t *r);
