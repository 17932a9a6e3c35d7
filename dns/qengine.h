/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Many DNS questions in flight at once, each asking its own servers the way glibc's stub
 * resolver does: a server that answers SERVFAIL, REFUSED (any rcode but NOERROR/NXDOMAIN) or
 * whose port is closed is passed over at once; one that stays silent for timeout_ms is passed
 * over too (its answer is still taken if it comes later); after the last server the round
 * starts again (attempts rounds in all), so a lost datagram is sent again on the same socket
 * with the same ID. rotate starts each question at the next server. A truncated answer is
 * asked again over TCP (kd_exchange). Every question has its own deadline; kd_qe_step polls
 * all of them in one kd_wait. Messages are built and checked by dns/query; datagrams go
 * through dns/transport's kd_udp_*. libknot-free, no global state, one engine per thread. */
#pragma once

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"

typedef struct {
	const kd_addr_t *servers; /* copied by kd_qe_ask */
	size_t count;             /* at least 1 */
	uint64_t timeout_ms;      /* wait for a server before the next is asked; 0 = 3000 */
	unsigned attempts;        /* rounds over the servers; 0 = 2 */
	bool rotate;              /* start each question at the next server (resolv.conf rotate) */
	bool recurse;             /* RD */
} kd_qe_servers_t;

typedef struct kd_qe kd_qe_t;

/* A new engine with no questions, or NULL on ENOMEM. */
kd_qe_t *kd_qe_new(void);
/* Cancel what is still in flight and free every answer. */
void kd_qe_free(kd_qe_t *e);

/* Ask name/type/IN of srv until deadline_ms (monotonic, kd_now_ms). Returns the question's
 * number (0, 1, ... in the order asked) or -1 (KD_EINVAL bad name or no server, KD_ENOMEM in
 * *err when err != NULL). The first datagram is sent at once. */
long kd_qe_ask(kd_qe_t *e, const kd_qe_servers_t *srv, const char *name, ldns_rr_type type,
               uint64_t deadline_ms, kd_err_t *err);

/* Wait until an answer or a timer is due, or until until_ms, and handle what happened.
 * Returns how many questions finished in this call. */
size_t kd_qe_step(kd_qe_t *e, uint64_t until_ms);

/* Questions still in flight. */
size_t kd_qe_pending(const kd_qe_t *e);
bool kd_qe_done(const kd_qe_t *e, long q);

/* The outcome of finished question q: KD_OK with a NOERROR or NXDOMAIN *answer; KD_ERCODE when
 * every server that answered used another rcode (the last such answer in *answer); else
 * KD_ETIMEOUT (nobody answered in time), KD_EREFUSED/KD_EUNREACH/KD_ENET (no server could be
 * reached), KD_EMISMATCH (only answers to other questions came), KD_EMALFORMED. *answer is
 * the engine's (valid until kd_qe_free), NULL without one; from (optional) gets the server
 * whose answer it is. KD_EAGAIN while q is still in flight. */
kd_err_t kd_qe_result(const kd_qe_t *e, long q, const ldns_pkt **answer, kd_addr_t *from);
