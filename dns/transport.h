/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one DNS transport of kmsdns: raw wire messages over UDP (retried over TCP when the answer
 * is truncated) or over TCP connections that stay open for several messages, answers matched
 * by ID (RFC 7766 pipelining). Every call is bounded by a monotonic deadline (kd_now_ms).
 * Queries (built with ldns) and UPDATEs (built with libknot in the publisher) both go through
 * here; what a message means is the caller's business. libknot-free, no global state. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"

#define KD_MSG_MAX      65535
#define KD_UDP_MAX_SEND 1232 /* larger requests go over TCP (no fragmented datagrams) */

/* What a caller says about a reply whose ID matches its request. */
typedef enum {
	KD_REPLY_FINAL = 0, /* the answer: stop waiting */
	KD_REPLY_IGNORE,    /* not an answer to this request: keep waiting (UDP) */
	KD_REPLY_TENTATIVE, /* keep it, but on UDP wait until the deadline for a FINAL one: an
	                     * unsigned error answering a signed request may be forged
	                     * (RFC 8945 5.3.2); over TCP it is final */
	KD_REPLY_MORE,      /* one message of a longer answer (a zone transfer, RFC 5936), taken
	                     * by the check: over TCP keep waiting for more with this ID; over
	                     * UDP it is IGNORE */
} kd_reply_t;

/* Judge one reply (len >= 12, ID already matched). */
typedef kd_reply_t (*kd_reply_fn)(const uint8_t *msg, size_t len, void *arg);

/* Wait until one of fds is ready or the deadline passes; EINTR is retried. Returns the number
 * of ready descriptors, 0 at the deadline, -1 with errno on error. The one wait loop. */
int kd_wait(struct pollfd *fds, size_t n, uint64_t deadline_ms);

/* The kd_err_t for a socket errno: KD_EREFUSED, KD_EUNREACH, KD_ERESET, KD_ENOMEM, KD_ENET. */
kd_err_t kd_errno_err(int e);

/* ---- one UDP exchange in flight, for callers that poll several at once ---- */
typedef struct kd_udp kd_udp_t;

/* Open a UDP socket connected to server (only its datagrams arrive; a closed port shows as
 * KD_EREFUSED) and send msg (copied; its first two bytes are the ID). check NULL: any reply
 * with the ID is final. *out is freed with kd_udp_free. */
kd_err_t kd_udp_start(const kd_addr_t *server, const uint8_t *msg, size_t len, kd_reply_fn check,
                      void *arg, kd_udp_t **out);
/* Send the same message again (a retry after a lost datagram; same ID, same socket). */
kd_err_t kd_udp_resend(kd_udp_t *u);
int kd_udp_fd(const kd_udp_t *u);
/* Read what has arrived. KD_OK with *reply (heap, caller frees) when a FINAL reply came,
 * KD_EAGAIN while waiting, else the socket error. */
kd_err_t kd_udp_read(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
/* At the deadline: the TENTATIVE reply if one came (KD_OK, *reply set), else KD_EMISMATCH if
 * only replies the check ignored (or with other IDs) came, else KD_ETIMEOUT. */
kd_err_t kd_udp_finish(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
void kd_udp_free(kd_udp_t *u);

/* ---- TCP connections that stay open ---- */
typedef struct kd_conn kd_conn_t;

/* Connect to server before the deadline. *out is freed with kd_conn_close. */
kd_err_t kd_conn_open(const kd_addr_t *server, uint64_t deadline_ms, kd_conn_t **out);
void kd_conn_close(kd_conn_t *c);
const kd_addr_t *kd_conn_server(const kd_conn_t *c);
/* False once the connection failed or the server closed it (reopen to go on). */
bool kd_conn_usable(const kd_conn_t *c);

/* One message of a pipelined exchange. */
typedef struct {
	const uint8_t *msg; /* in: the request; its ID (first two bytes) is unique in the batch */
	size_t len;
	kd_reply_fn check; /* in, optional: NULL takes any reply with the ID */
	void *check_arg;
	uint8_t *reply; /* out: heap (caller frees), NULL when none came */
	size_t reply_len;
	kd_err_t err; /* out: KD_OK when reply is set */
} kd_pipe_item_t;

/* Send every item on c, at most max_inflight unanswered at once (0 = no limit), and collect
 * the replies in whatever order they come until all are answered or the deadline passes.
 * Items that already have a reply are skipped (so a batch can be sent again on a new
 * connection after a failure). A reply with an ID no item is waiting for is ignored. Returns
 * KD_OK when every item has its reply, else the error of the first item without one (each
 * item carries its own: KD_ETIMEOUT, KD_ECLOSED, KD_EMISMATCH, a socket error); KD_EINVAL
 * for a duplicate ID or a message over 65535 bytes. */
kd_err_t kd_conn_pipeline(kd_conn_t *c, kd_pipe_item_t *items, size_t n, size_t max_inflight,
                          uint64_t deadline_ms);

/* ---- one exchange, start to end ---- */

/* Send msg to server and wait for the reply until deadline_ms: over TCP when tcp is set or the
 * message exceeds KD_UDP_MAX_SEND, else over UDP, and again over TCP when the UDP reply is
 * truncated (TC). Sets *reply (heap, caller frees) and, if used_tcp != NULL, whether it came
 * over TCP. Errors as kd_udp_finish / kd_conn_pipeline; outputs untouched on failure. */
kd_err_t kd_exchange(const kd_addr_t *server, bool tcp, const uint8_t *msg, size_t len,
                     uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                     size_t *reply_len, bool *used_tcp);
