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
#define NO_TIME              UINT64_MAX

typedef struct {
	const kd_race_target_t *targets;
	size_t n;
	kd_probe_kind_t kind;
	uint64_t delay, timeout, deadline;
	kd_probe_result_t *results;
	char (*seen)[KD_PROBE_SEEN_MAX];
	uint64_t *rtt_us;
	kd_attempt_t *att; /* the per-attempt state machine (attempt.c) */
	bool *started;
	size_t *order; /* target indices by group, then index: the order of the starts */
	struct pollfd *pfd;
	size_t *pfd_idx;
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

/* Record an attempt's verdict once it has one. */
static void note(race_t *r, size_t i)
{
	kd_attempt_t *a = &r->att[i];
	if (r->rtt_us != NULL)
		r->rtt_us[i] = a->rtt_us;
	if (!kd_attempt_done(a))
		return;
	r->results[i] = a->result;
	if (r->seen != NULL && (a->result == KD_PROBE_GARBAGE || a->result == KD_PROBE_NAK))
		snprintf(r->seen[i], KD_PROBE_SEEN_MAX, "%s", a->seen);
}

static bool attempt_running(const race_t *r, size_t i)
{
	return r->started[i] && !kd_attempt_done(&r->att[i]);
}

static void end_running(race_t *r, kd_probe_result_t res)
{
	for (size_t i = 0; i < r->n; i++)
		if (attempt_running(r, i)) {
			kd_attempt_end(&r->att[i], res);
			note(r, i);
		}
}

/* The start order: by group, then by index (insertion sort, stable; n is small). */
static void sort_order(race_t *r)
{
	for (size_t i = 0; i < r->n; i++) {
		size_t j = i;
		while (j > 0 && r->targets[r->order[j - 1]].group > r->targets[i].group) {
			r->order[j] = r->order[j - 1];
			j--;
		}
		r->order[j] = i;
	}
}

/* Collect the running attempts into the poll set; returns their count and lowers *wake to the
 * earliest expiry. */
static size_t poll_set(race_t *r, uint64_t *wake)
{
	size_t np = 0;
	for (size_t i = 0; i < r->n; i++) {
		kd_attempt_t *a = &r->att[i];
		if (!attempt_running(r, i))
			continue;
		r->pfd[np].fd = a->fd;
		r->pfd[np].events = kd_attempt_events(a);
		r->pfd[np].revents = 0;
		r->pfd_idx[np++] = i;
		if (a->expires < *wake)
			*wake = a->expires;
	}
	return np;
}

static uint64_t delay_after(const race_t *r, size_t i)
{
	uint64_t d = r->targets[i].delay_ms;
	if (d == 0)
		return r->delay;
	return d < MIN_ATTEMPT_DELAY_MS ? MIN_ATTEMPT_DELAY_MS : d;
}

/* Race every target, in start order, groups overlapping. Returns the winner's index, or -1
 * when every attempt failed or the overall deadline passed. */
static long race_all(race_t *r)
{
	size_t next = 0; /* position in r->order */
	uint64_t next_start = 0;
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= r->deadline) {
			end_running(r, KD_PROBE_DEADLINE);
			return -1;
		}
		for (size_t i = 0; i < r->n; i++)
			if (attempt_running(r, i) && kd_attempt_expire(&r->att[i], now))
				note(r, i);

		uint64_t wake = r->deadline;
		size_t np = poll_set(r, &wake);
		/* Start the next one when its delay elapsed or nothing is pending any more. */
		while (next < r->n && (np == 0 || now >= next_start)) {
			size_t i = r->order[next++];
			uint64_t expires = add_ms(now, r->timeout);
			kd_attempt_start(&r->att[i], &r->targets[i].addr, r->kind,
			                 expires < r->deadline ? expires : r->deadline);
			r->started[i] = true;
			note(r, i);
			if (r->results[i] == KD_PROBE_ALIVE) {
				end_running(r, KD_PROBE_CANCELLED);
				return (long)i;
			}
			next_start = add_ms(now, delay_after(r, i));
			wake = r->deadline;
			np = poll_set(r, &wake);
		}
		if (np == 0)
			return -1;
		if (next < r->n && next_start < wake)
			wake = next_start;

		uint64_t wait = wake > now ? wake - now : 0;
		int rc = poll(r->pfd, np, wait > 60000 ? 60000 : (int)wait);
		if (rc < 0 && errno != EINTR)
			end_running(r, KD_PROBE_REFUSED);
		for (size_t k = 0; rc > 0 && k < np; k++) {
			size_t i = r->pfd_idx[k];
			if (r->pfd[k].revents == 0)
				continue;
			kd_attempt_step(&r->att[i]);
			note(r, i);
			if (r->results[i] == KD_PROBE_ALIVE) {
				end_running(r, KD_PROBE_CANCELLED);
				return (long)i;
			}
		}
	}
}

static long race_run(race_t *r, int *fd_out)
{
	sort_order(r);
	if (r->kind == KD_PROBE_NONE) {
		size_t i = r->order[0];
		r->results[i] = KD_PROBE_ALIVE;
		if (fd_out != NULL)
			*fd_out = -1;
		return (long)i;
	}
	long won = race_all(r);
	if (won < 0)
		return -1;
	int fd = r->att[won].fd;
	r->att[won].fd = -1; /* taken */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if (fd_out != NULL)
		*fd_out = fd;
	else
		close(fd);
	return won;
}

long kd_race(const kd_race_target_t *targets, size_t n, const kd_race_opts_t *opts,
             kd_probe_result_t *results, int *fd_out)
{
	for (size_t i = 0; i < n; i++) {
		results[i] = KD_PROBE_UNTRIED;
		if (opts->seen != NULL)
			opts->seen[i][0] = '\0';
		if (opts->rtt_us != NULL)
			opts->rtt_us[i] = 0;
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
	        .rtt_us = opts->rtt_us,
	        .att = calloc(n, sizeof(kd_attempt_t)),
	        .started = calloc(n, sizeof(bool)),
	        .order = calloc(n, sizeof(size_t)),
	        .pfd = calloc(n, sizeof(struct pollfd)),
	        .pfd_idx = calloc(n, sizeof(size_t)),
	};
	long won = -1;
	if (r.att != NULL && r.started != NULL && r.order != NULL && r.pfd != NULL &&
	    r.pfd_idx != NULL) {
		won = race_run(&r, fd_out);
		for (size_t i = 0; i < n; i++)
			if (r.started[i])
				kd_attempt_release(&r.att[i]);
	}
	free(r.att);
	free(r.started);
	free(r.order);
	free(r.pfd);
	free(r.pfd_idx);
	return won;
}
