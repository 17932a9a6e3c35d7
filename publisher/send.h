/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sending UPDATE messages to the primaries of their zones: over TCP pipelined on one
 * connection per server list, kept open between calls, with at most a window of messages
 * unanswered (RFC 7766); over UDP one exchange at a time. A reply that cannot be believed
 * (unsigned or unverifiable, RFC 8945 5.3.2) does not end the wait on UDP: a signed one may
 * still come before the deadline. Servers of a list are tried in turn. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/transport.h"
#include "publisher/update.h"

/* A list of servers messages go to. */
typedef struct {
	const kd_addr_t *servers; /* borrowed */
	size_t count;
	size_t cur;      /* the server in use */
	kd_conn_t *conn; /* open TCP connection to servers[cur], or NULL */
} pub_group_t;

/* One message and what came of it. */
typedef struct {
	pub_msg_t msg; /* borrowed */
	const kd_tsig_key_t *key;
	pub_group_t *group;
	/* out */
	kd_err_t err; /* KD_OK: a reply came and v holds its verdict */
	pub_verdict_t v;
	kd_addr_t server; /* who answered, or was tried last */
} pub_send_t;

typedef struct {
	bool tcp;
	size_t window;        /* TCP: most messages unanswered at once (0 = no limit) */
	uint64_t timeout_ms;  /* per server and connection while it makes no progress */
	uint64_t deadline_ms; /* nothing waits beyond this (monotonic); 0 = none */
} pub_send_opts_t;

/* Send every item to its group and judge the replies. */
void pub_send_all(pub_send_t *items, size_t n, const pub_send_opts_t *o);

/* Close the group's connection. */
void pub_group_close(pub_group_t *g);
