/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-attempt probe state machine shared by racing (kd_race) and health probing. */
#include "config.h"

#include "dns/clock.h"
#include "dns/probe.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIND_CALL_ID 1

enum { ST_IDLE = 0, ST_CONNECTING, ST_SENDING, ST_READING, ST_DONE };

static kd_probe_result_t errno_result(int err)
{
	switch (err) {
	case ETIMEDOUT: return KD_PROBE_NOANSWER;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN: return KD_PROBE_UNREACH;
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED: return KD_PROBE_RESET;
	default: return KD_PROBE_REFUSED;
	}
}

/* What a peer that is not a KMS host said: the printable start of its first line. */
static void remember_seen(kd_attempt_t *a, kd_probe_result_t res)
{
	if (res == KD_PROBE_NAK) {
		snprintf(a->seen, sizeof(a->seen), "%s",
		         a->got >= 3 && a->rx[2] == 13 ? "bind_nak" : "bind_ack rejecting KMS");
		return;
	}
	size_t n = 0;
	for (size_t k = 0; k < a->got && n + 1 < sizeof(a->seen); k++) {
		unsigned char ch = a->rx[k];
		if (ch == '\r' || ch == '\n')
			break;
		a->seen[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
	}
	a->seen[n] = '\0';
}

void kd_attempt_end(kd_attempt_t *a, kd_probe_result_t res)
{
	if (a->st == ST_DONE)
		return;
	if (res != KD_PROBE_ALIVE && a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	free(a->rx);
	a->rx = NULL;
	a->st = ST_DONE;
	a->result = res;
}

/* The TCP handshake completed: note its round-trip time. */
static void connected(kd_attempt_t *a)
{
	uint64_t now = kd_now_us();
	a->rtt_us = now > a->start_us ? now - a->start_us : 1;
}

void kd_attempt_start(kd_attempt_t *a, const kd_addr_t *addr, kd_probe_kind_t kind,
                      uint64_t expires)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->kind = kind;
	a->expires = expires;
	a->result = KD_PROBE_UNTRIED;
	a->start_us = kd_now_us();
	a->fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		kd_attempt_end(a, KD_PROBE_REFUSED);
		return;
	}
	a->st = ST_CONNECTING;
	if (connect(a->fd, (const struct sockaddr *)&addr->ss, addr->len) == 0) {
		/* Connected at once (possible on loopback): the first poll for POLLOUT sends. */
		connected(a);
		if (kind == KD_PROBE_TCP)
			kd_attempt_end(a, KD_PROBE_ALIVE);
		else
			a->st = ST_SENDING;
	} else if (errno != EINPROGRESS) {
		kd_attempt_end(a, errno_result(errno));
	}
}

bool kd_attempt_done(const kd_attempt_t *a)
{
	return a->st == ST_DONE;
}

short kd_attempt_events(const kd_attempt_t *a)
{
	return a->st == ST_READING ? POLLIN : POLLOUT;
}

static void attempt_read(kd_attempt_t *a)
{
	if (a->rx == NULL && (a->rx = malloc(KD_RPC_MAX_FRAG)) == NULL) {
		kd_attempt_end(a, KD_PROBE_REFUSED);
		return;
	}
	ssize_t got = recv(a->fd, a->rx + a->got, KD_RPC_MAX_FRAG - a->got, 0);
	if (got < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			kd_attempt_end(a, errno_result(errno));
		return;
	}
	if (got == 0 && a->got == 0) { /* closed without a word */
		kd_attempt_end(a, KD_PROBE_RESET);
		return;
	}
	a->got += (size_t)got;
	int need_more = 0;
	kd_probe_result_t res = kd_rpc_bind_judge(a->rx, a->got, &need_more);
	if (need_more && (got == 0 || a->got == KD_RPC_MAX_FRAG)) /* closed before a whole reply */
		res = KD_PROBE_GARBAGE;
	else if (need_more)
		return;
	if (res == KD_PROBE_GARBAGE || res == KD_PROBE_NAK)
		remember_seen(a, res);
	kd_attempt_end(a, res);
}

void kd_attempt_step(kd_attempt_t *a)
{
	if (a->st == ST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == EINPROGRESS || err == EALREADY)
			return;
		if (err != 0) {
			kd_attempt_end(a, errno_result(err));
			return;
		}
		connected(a);
		if (a->kind == KD_PROBE_TCP) {
			kd_attempt_end(a, KD_PROBE_ALIVE);
			return;
		}
		a->st = ST_SENDING;
	}
	if (a->st == ST_SENDING) {
		uint8_t req[128];
		size_t req_len = kd_rpc_bind_build(req, sizeof(req), BIND_CALL_ID);
		ssize_t sent = send(a->fd, req + a->sent, req_len - a->sent, MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				kd_attempt_end(a, errno_result(errno));
			return;
		}
		a->sent += (size_t)sent;
		if (a->sent == req_len)
			a->st = ST_READING;
		return;
	}
	if (a->st == ST_READING)
		attempt_read(a);
}

bool kd_attempt_expire(kd_attempt_t *a, uint64_t now_ms)
{
	if (a->st == ST_IDLE || a->st == ST_DONE || now_ms < a->expires)
		return false;
	kd_attempt_end(a, a->st == ST_CONNECTING ? KD_PROBE_NOANSWER : KD_PROBE_TIMEOUT);
	return true;
}

void kd_attempt_release(kd_attempt_t *a)
{
	if (a->st != ST_IDLE && a->st != ST_DONE)
		kd_attempt_end(a, KD_PROBE_CANCELLED);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	free(a->rx);
	a->rx = NULL;
}
