/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/clock.h"
#include "dns/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MIN_ATTEMPT_DELAY_MS 10
#define BIND_CALL_ID         1
#define NO_TIME              UINT64_MAX

typedef enum {
	ST_IDLE = 0,
	ST_CONNECTING,
	ST_SENDING,
	ST_READING,
	ST_DONE,
} attempt_state_t;

typedef struct {
	int fd;
	attempt_state_t st;
	uint64_t expires; /* monotonic ms */
	size_t sent, got;
	uint8_t *rx; /* KD_RPC_MAX_FRAG bytes while reading an RPC reply */
} attempt_t;

typedef struct {
	const kd_race_target_t *targets;
	size_t n;
	kd_probe_kind_t kind;
	uint64_t delay, timeout, deadline;
	kd_probe_result_t *results;
	char (*seen)[KD_PROBE_SEEN_MAX];
	attempt_t *att;
	struct pollfd *pfd;
	size_t *pfd_idx;
	uint8_t req[128];
	size_t req_len;
} race_t;

const char *kd_probe_result_str(kd_probe_result_t res)
{
	switch (res) { /* no default: the compiler names a missing case */
	case KD_PROBE_UNTRIED: return "untried";
	case KD_PROBE_ALIVE: return "alive";
	case KD_PROBE_REFUSED: return "refused";
	case KD_PROBE_TIMEOUT: return "timeout";
	case KD_PROBE_NAK: return "rejected";
	case KD_PROBE_GARBAGE: return "garbage";
	case KD_PROBE_CANCELLED: return "cancelled";
	case KD_PROBE_NOANSWER: return "no answer";
	case KD_PROBE_RESET: return "reset";
	case KD_PROBE_UNREACH: return "unreachable";
	case KD_PROBE_DEADLINE: return "deadline";
	}
	return "unknown";
}

static uint64_t add_ms(uint64_t t, uint64_t ms)
{
	return ms == 0 || t > NO_TIME - ms ? NO_TIME : t + ms;
}

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
static void remember_seen(race_t *r, size_t i, kd_probe_result_t res)
{
	if (r->seen == NULL)
		return;
	char *out = r->seen[i];
	attempt_t *a = &r->att[i];
	if (res == KD_PROBE_NAK) {
		snprintf(out, KD_PROBE_SEEN_MAX, "%s",
		         a->got >= 3 && a->rx[2] == 13 ? "bind_nak" : "bind_ack rejecting KMS");
		return;
	}
	size_t n = 0;
	for (size_t k = 0; k < a->got && n + 1 < KD_PROBE_SEEN_MAX; k++) {
		unsigned char ch = a->rx[k];
		if (ch == '\r' || ch == '\n')
			break;
		out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '.';
	}
	out[n] = '\0';
}

/* End an attempt; the winner's socket is kept open. */
static void attempt_end(race_t *r, size_t i, kd_probe_result_t res)
{
	attempt_t *a = &r->att[i];
	if (res != KD_PROBE_ALIVE && a->fd >= 0) {
		close(a->fd);
		a->fd = -1;
	}
	free(a->rx);
	a->rx = NULL;
	a->st = ST_DONE;
	r->results[i] = res;
}

static void attempt_start(race_t *r, size_t i, uint64_t now)
{
	attempt_t *a = &r->att[i];
	const kd_addr_t *addr = &r->targets[i].addr;
	a->expires = add_ms(now, r->timeout);
	if (a->expires > r->deadline)
		a->expires = r->deadline;
	a->fd = socket(addr->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (a->fd < 0) {
		attempt_end(r, i, KD_PROBE_REFUSED);
		return;
	}
	a->st = ST_CONNECTING;
	if (connect(a->fd, (const struct sockaddr *)&addr->ss, addr->len) == 0) {
		/* Connected at once (possible on loopback): the first poll for POLLOUT sends. */
		if (r->kind == KD_PROBE_TCP)
			attempt_end(r, i, KD_PROBE_ALIVE);
		else
			a->st = ST_SENDING;
	} else if (errno != EINPROGRESS) {
		attempt_end(r, i, errno_result(errno));
	}
}

static void attempt_read(race_t *r, size_t i)
{
	attempt_t *a = &r->att[i];
	if (a->rx == NULL && (a->rx = malloc(KD_RPC_MAX_FRAG)) == NULL) {
		attempt_end(r, i, KD_PROBE_REFUSED);
		return;
	}
	ssize_t got = recv(a->fd, a->rx + a->got, KD_RPC_MAX_FRAG - a->got, 0);
	if (got < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			attempt_end(r, i, errno_result(errno));
		return;
	}
	if (got == 0 && a->got == 0) { /* closed without a word */
		attempt_end(r, i, KD_PROBE_RESET);
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
		remember_seen(r, i, res);
	attempt_end(r, i, res);
}

/* Advance one attempt after poll() reported activity on its socket. */
static void attempt_step(race_t *r, size_t i)
{
	attempt_t *a = &r->att[i];
	if (a->st == ST_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);
		if (getsockopt(a->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err == EINPROGRESS || err == EALREADY)
			return;
		if (err != 0) {
			attempt_end(r, i, errno_result(err));
			return;
		}
		if (r->kind == KD_PROBE_TCP) {
			attempt_end(r, i, KD_PROBE_ALIVE);
			return;
		}
		a->st = ST_SENDING;
	}
	if (a->st == ST_SENDING) {
		ssize_t sent = send(a->fd, r->req + a->sent, r->req_len - a->sent, MSG_NOSIGNAL);
		if (sent < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				attempt_end(r, i, errno_result(errno));
			return;
		}
		a->sent += (size_t)sent;
		if (a->sent == r->req_len)
			a->st = ST_READING;
		return;
	}
	if (a->st == ST_READING)
		attempt_read(r, i);
}

static bool attempt_running(const race_t *r, size_t i)
{
	return r->att[i].st != ST_IDLE && r->att[i].st != ST_DONE;
}

static void end_running(race_t *r, unsigned group, kd_probe_result_t res)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->targets[i].group == group && attempt_running(r, i))
			attempt_end(r, i, res);
}

/* Index of the next member of group at or after from, or n. */
static size_t group_next(const race_t *r, unsigned group, size_t from)
{
	while (from < r->n && r->targets[from].group != group)
		from++;
	return from;
}

/* Collect the running attempts of a group into the poll set; returns their count and lowers
 * *wake to the earliest expiry. */
static size_t poll_set(race_t *r, unsigned group, uint64_t *wake)
{
	size_t np = 0;
	for (size_t i = 0; i < r->n; i++) {
		attempt_t *a = &r->att[i];
		if (r->targets[i].group != group || !attempt_running(r, i))
			continue;
		r->pfd[np].fd = a->fd;
		r->pfd[np].events = a->st == ST_READING ? POLLIN : POLLOUT;
		r->pfd[np].revents = 0;
		r->pfd_idx[np++] = i;
		if (a->expires < *wake)
			*wake = a->expires;
	}
	return np;
}

/* Race one group. Returns the winner's index, -1 when the group is exhausted, -2 when the
 * overall deadline passed. */
static long race_group(race_t *r, unsigned group)
{
	size_t next = group_next(r, group, 0);
	uint64_t next_start = 0;
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= r->deadline) {
			end_running(r, group, KD_PROBE_DEADLINE);
			return -2;
		}
		for (size_t i = 0; i < r->n; i++)
			if (r->targets[i].group == group && attempt_running(r, i) &&
			    now >= r->att[i].expires)
				attempt_end(r, i,
				            r->att[i].st == ST_CONNECTING ? KD_PROBE_NOANSWER
				                                          : KD_PROBE_TIMEOUT);

		uint64_t wake = r->deadline;
		size_t np = poll_set(r, group, &wake);
		/* Start the next one when the stagger elapsed or nothing is pending any more. */
		while (next < r->n && (np == 0 || now >= next_start)) {
			attempt_start(r, next, now);
			if (r->results[next] == KD_PROBE_ALIVE) {
				end_running(r, group, KD_PROBE_CANCELLED);
				return (long)next;
			}
			next_start = add_ms(now, r->delay);
			next = group_next(r, group, next + 1);
			wake = r->deadline;
			np = poll_set(r, group, &wake);
		}
		if (np == 0)
			return -1;
		if (next < r->n && next_start < wake)
			wake = next_start;

		uint64_t wait = wake - now;
		int rc = poll(r->pfd, np, wait > 60000 ? 60000 : (int)wait);
		if (rc < 0 && errno != EINTR)
			end_running(r, group, KD_PROBE_REFUSED);
		for (size_t k = 0; rc > 0 && k < np; k++) {
			size_t i = r->pfd_idx[k];
			if (r->pfd[k].revents == 0)
				continue;
			attempt_step(r, i);
			if (r->results[i] == KD_PROBE_ALIVE) {
				end_running(r, group, KD_PROBE_CANCELLED);
				return (long)i;
			}
		}
	}
}

static bool lowest_group_above(const kd_race_target_t *t, size_t n, bool have_floor, unsigned floor,
                               unsigned *out)
{
	bool found = false;
	for (size_t i = 0; i < n; i++) {
		if (have_floor && t[i].group <= floor)
			continue;
		if (!found || t[i].group < *out)
			*out = t[i].group;
		found = true;
	}
	return found;
}

static long race_run(race_t *r, int *fd_out)
{
	unsigned group = 0;
	bool have = false;
	while (lowest_group_above(r->targets, r->n, have, group, &group)) {
		have = true;
		if (r->kind == KD_PROBE_NONE) {
			size_t i = group_next(r, group, 0);
			r->results[i] = KD_PROBE_ALIVE;
			if (fd_out != NULL)
				*fd_out = -1;
			return (long)i;
		}
		long won = race_group(r, group);
		if (won == -2)
			return -1;
		if (won >= 0) {
			int fd = r->att[won].fd;
			int fl = fcntl(fd, F_GETFL);
			if (fl >= 0)
				fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
			if (fd_out != NULL)
				*fd_out = fd;
			else
				close(fd);
			return won;
		}
	}
	return -1;
}

long kd_race(const kd_race_target_t *targets, size_t n, const kd_race_opts_t *opts,
             kd_probe_result_t *results, int *fd_out)
{
	for (size_t i = 0; i < n; i++) {
		results[i] = KD_PROBE_UNTRIED;
		if (opts->seen != NULL)
			opts->seen[i][0] = '\0';
	}
	if (n == 0)
		return -1;

	race_t r = {
	        .targets = targets,
	        .n = n,
	        .kind = opts->kind,
	        .delay = opts->attempt_delay_ms < MIN_ATTEMPT_DELAY_MS ? MIN_ATTEMPT_DELAY_MS
	                                                               : opts->attempt_delay_ms,
	        .timeout = opts->timeout_ms,
	        .deadline = add_ms(kd_now_ms(), opts->deadline_ms),
	        .results = results,
	        .seen = opts->seen,
	        .att = calloc(n, sizeof(attempt_t)),
	        .pfd = calloc(n, sizeof(struct pollfd)),
	        .pfd_idx = calloc(n, sizeof(size_t)),
	};
	r.req_len = kd_rpc_bind_build(r.req, sizeof(r.req), BIND_CALL_ID);
	long won = -1;
	if (r.att != NULL && r.pfd != NULL && r.pfd_idx != NULL) {
		for (size_t i = 0; i < n; i++)
			r.att[i].fd = -1;
		won = race_run(&r, fd_out);
	}
	free(r.att);
	free(r.pfd);
	free(r.pfd_idx);
	return won;
}
