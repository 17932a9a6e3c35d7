/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tests/fuzz/fake_udp.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/transport.h"
#include "tests/fuzz/fake_net.h"

#define HDR       12
#define MAX_SOCKS 256
#define FD_BASE   10000 /* fake descriptors, never open: poll() is never called on them */

struct kd_udp {
	int fd;
	uint8_t *msg; /* the request */
	size_t len;
	kd_reply_fn check;
	void *arg;
	uint8_t *pending; /* a datagram kd_wait delivered, not read yet */
	size_t pending_len;
	uint8_t *tentative;
	size_t tentative_len;
	bool mismatch;
};

static kd_udp_t *socks[MAX_SOCKS];
static __thread bool virtual_clock;
static __thread uint64_t virtual_ms;

void fake_udp_clock(bool on)
{
	virtual_clock = on;
	virtual_ms = 1000000000; /* any fixed start */
}

int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (!virtual_clock || clk != CLOCK_MONOTONIC)
		return __real_clock_gettime(clk, ts);
	ts->tv_sec = (time_t)(virtual_ms / 1000);
	ts->tv_nsec = (long)(virtual_ms % 1000) * 1000000;
	return 0;
}

/* Referenced so that the link fails when a wrapped function leaves dns/transport. */
kd_err_t __real_kd_udp_start(const kd_addr_t *server, const uint8_t *msg, size_t len,
                             kd_reply_fn check, void *arg, kd_udp_t **out);
kd_err_t __real_kd_udp_resend(kd_udp_t *u);
int __real_kd_udp_fd(const kd_udp_t *u);
kd_err_t __real_kd_udp_read(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
kd_err_t __real_kd_udp_finish(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
void __real_kd_udp_free(kd_udp_t *u);
int __real_kd_wait(struct pollfd *fds, size_t n, uint64_t deadline_ms);
void *fake_udp_real_functions[] = {
        (void *)__real_kd_udp_start, (void *)__real_kd_udp_resend, (void *)__real_kd_udp_fd,
        (void *)__real_kd_udp_read,  (void *)__real_kd_udp_finish, (void *)__real_kd_udp_free,
        (void *)__real_kd_wait,
};

kd_err_t __wrap_kd_udp_start(const kd_addr_t *server, const uint8_t *msg, size_t len,
                             kd_reply_fn check, void *arg, kd_udp_t **out);
kd_err_t __wrap_kd_udp_start(const kd_addr_t *server, const uint8_t *msg, size_t len,
                             kd_reply_fn check, void *arg, kd_udp_t **out)
{
	if (len < 2 || len > KD_MSG_MAX)
		return KD_EINVAL;
	size_t slot = 0;
	while (slot < MAX_SOCKS && socks[slot] != NULL)
		slot++;
	kd_udp_t *u = slot < MAX_SOCKS ? calloc(1, sizeof(*u)) : NULL;
	if (u == NULL || (u->msg = malloc(len)) == NULL) {
		free(u);
		return KD_ENOMEM;
	}
	memcpy(u->msg, msg, len);
	u->len = len;
	u->check = check;
	u->arg = arg;
	u->fd = FD_BASE + (int)slot;
	socks[slot] = u;
	*out = u;
	return KD_OK;
}

kd_err_t __wrap_kd_udp_resend(kd_udp_t *u);
kd_err_t __wrap_kd_udp_resend(kd_udp_t *u)
{
	return KD_OK;
}

int __wrap_kd_udp_fd(const kd_udp_t *u);
int __wrap_kd_udp_fd(const kd_udp_t *u)
{
	return u->fd;
}

/* As kd_udp_read: a datagram shorter than a header or that the check ignores is skipped. */
kd_err_t __wrap_kd_udp_read(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
kd_err_t __wrap_kd_udp_read(kd_udp_t *u, uint8_t **reply, size_t *reply_len)
{
	uint8_t *m = u->pending;
	size_t n = u->pending_len;
	u->pending = NULL;
	if (m == NULL)
		return KD_EAGAIN;
	kd_reply_t v = KD_REPLY_IGNORE;
	if (n >= HDR)
		v = u->check != NULL ? u->check(m, n, u->arg) : KD_REPLY_FINAL;
	if (v == KD_REPLY_FINAL) {
		*reply = m;
		*reply_len = n;
		return KD_OK;
	}
	if (v == KD_REPLY_TENTATIVE && u->tentative == NULL) {
		u->tentative = m;
		u->tentative_len = n;
		return KD_EAGAIN;
	}
	u->mismatch |= v == KD_REPLY_IGNORE;
	free(m);
	return KD_EAGAIN;
}

kd_err_t __wrap_kd_udp_finish(kd_udp_t *u, uint8_t **reply, size_t *reply_len);
kd_err_t __wrap_kd_udp_finish(kd_udp_t *u, uint8_t **reply, size_t *reply_len)
{
	if (u->tentative != NULL) {
		*reply = u->tentative;
		*reply_len = u->tentative_len;
		u->tentative = NULL;
		return KD_OK;
	}
	return u->mismatch ? KD_EMISMATCH : KD_ETIMEOUT;
}

void __wrap_kd_udp_free(kd_udp_t *u);
void __wrap_kd_udp_free(kd_udp_t *u)
{
	if (u == NULL)
		return;
	socks[u->fd - FD_BASE] = NULL;
	free(u->msg);
	free(u->pending);
	free(u->tentative);
	free(u);
}

/* Length of a request's header and question, or 0. */
static size_t question_end(const uint8_t *msg, size_t len)
{
	size_t p = HDR;
	while (p < len && msg[p] != 0 && msg[p] < 64)
		p += msg[p] + 1u;
	p += 1 + 4;
	return p <= len ? p : 0;
}

/* The polled socket that asked what m answers, else the one m's ID bytes pick; -1 if none. */
static long pick(const struct pollfd *fds, size_t n, const uint8_t *m, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++) {
		int s = fds[i].fd - FD_BASE;
		if (s < 0 || s >= MAX_SOCKS || socks[s] == NULL)
			continue;
		count++;
		size_t q = question_end(socks[s]->msg, socks[s]->len);
		if (q > HDR && len >= q && memcmp(m + HDR, socks[s]->msg + HDR, q - HDR) == 0)
			return (long)i;
	}
	if (count == 0)
		return -1;
	size_t k = (len >= 2 ? (size_t)(m[0] << 8 | m[1]) : 0) % count;
	for (size_t i = 0; i < n; i++) {
		int s = fds[i].fd - FD_BASE;
		if (s >= 0 && s < MAX_SOCKS && socks[s] != NULL && k-- == 0)
			return (long)i;
	}
	return -1;
}

int __wrap_kd_wait(struct pollfd *fds, size_t n, uint64_t deadline_ms);
int __wrap_kd_wait(struct pollfd *fds, size_t n, uint64_t deadline_ms)
{
	for (size_t i = 0; i < n; i++)
		fds[i].revents = 0;
	uint8_t *m = NULL;
	size_t len = 0;
	long i = -1;
	for (size_t k = 0; k < n && i < 0; k++)
		i = fds[k].fd >= FD_BASE ? (long)k : -1;
	if (i >= 0 && fake_net_next(&m, &len) == 0 && (i = pick(fds, n, m, len)) >= 0) {
		kd_udp_t *u = socks[fds[i].fd - FD_BASE];
		if (len >= 2) { /* the server answers with the ID it was asked */
			m[0] = u->msg[0];
			m[1] = u->msg[1];
		}
		free(u->pending);
		u->pending = m;
		u->pending_len = len;
		fds[i].revents = POLLIN;
		return 1;
	}
	free(m);
	if (virtual_clock && deadline_ms > virtual_ms)
		virtual_ms = deadline_ms;
	return 0;
}
