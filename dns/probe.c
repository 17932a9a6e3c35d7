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
	kd_attempt_t *att; /* the per-attempt state machine (attempt.c) */
	bool *started;
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

static void end_running(race_t *r, unsigned group, kd_probe_result_t res)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->targets[i].group == group && attempt_running(r, i)) {
			kd_attempt_end(&r->att[i], res);
			note(r, i);
		}
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
		kd_attempt_t *a = &r->att[i];
		if (r->targets[i].group != group || !attempt_running(r, i))
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
			    kd_attempt_expire(&r->att[i], now))
				note(r, i);

		uint64_t wake = r->deadline;
		size_t np = poll_set(r, group, &wake);
		/* Start the next one when the stagger elapsed or nothing is pending any more. */
		while (next < r->n && (np == 0 || now >= next_start)) {
			uint64_t expires = add_ms(now, r->timeout);
			kd_attempt_start(&r->att[next], &r->targets[next].addr, r->kind,
			                 expires < r->deadline ? expires : r->deadline);
			r->started[next] = true;
			note(r, next);
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
			kd_attempt_step(&r->att[i]);
			note(r, i);
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
	        .att = calloc(n, sizeof(kd_attempt_t)),
	        .started = calloc(n, sizeof(bool)),
	        .pfd = calloc(n, sizeof(struct pollfd)),
	        .pfd_idx = calloc(n, sizeof(size_t)),
	};
	long won = -1;
	if (r.att != NULL && r.started != NULL && r.pfd != NULL && r.pfd_idx != NULL) {
		won = race_run(&r, fd_out);
		for (size_t i = 0; i < n; i++)
			if (r.started[i])
				kd_attempt_release(&r.att[i]);
	}
	free(r.att);
	free(r.started);
	free(r.pfd);
	free(r.pfd_idx);
	return won;
}
