/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/prober.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "dns/array.h"
#include "dns/clock.h"

#include <limits.h>

#define NO_TIME UINT64_MAX

typedef struct {
	kd_addr_t *addrs;
	size_t addrs_count;
	kd_probe_kind_t kind;
	uint64_t interval, timeout;
	uint64_t due;              /* next probe start */
	bool busy;                 /* a probe is running */
	uint64_t started;          /* its start */
	size_t next_addr;          /* the next address to start an attempt on */
	unsigned running;          /* its attempts in flight */
	kd_probe_result_t failure; /* the most telling failure so far */
} host_t;

typedef struct {
	kd_attempt_t a;
	size_t host;
	bool used;
} slot_t;

struct pub_prober {
	host_t *hosts;
	size_t n;
	slot_t *slots;
	size_t nslots, inflight, max_inflight;
	size_t max_shared;  /* max_inflight as of the last verdict queued (under lock) */
	struct pollfd *pfd; /* nslots + 1 (the stop fd) */
	size_t *pfd_slot;

	/* thread mode */
	pthread_t thread;
	bool thread_running;
	atomic_bool stop;
	int stop_fd, ready_fd;
	pthread_mutex_t lock; /* guards the queue */
	pub_probe_verdict_t *queue;
	size_t qn, qcap;
};

pub_prober_t *pub_prober_new(const pub_probe_target_t *targets, size_t n, unsigned concurrency,
                             uint64_t now_ms)
{
	pub_prober_t *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->stop_fd = p->ready_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->nslots = concurrency > 0 ? concurrency : 1;
	p->hosts = calloc(n + 1, sizeof(*p->hosts));
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	p->pfd = calloc(p->nslots + 1, sizeof(*p->pfd));
	p->pfd_slot = calloc(p->nslots + 1, sizeof(*p->pfd_slot));
	if (p->hosts == NULL || p->slots == NULL || p->pfd == NULL || p->pfd_slot == NULL) {
		pub_prober_free(p);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		host_t *h = &p->hosts[i];
		p->n = i + 1;
		h->kind = targets[i].kind;
		h->interval = targets[i].interval_ms;
		h->timeout = targets[i].timeout_ms;
		h->due = now_ms;
		h->addrs_count = targets[i].addrs_count;
		h->addrs = calloc(h->addrs_count + 1, sizeof(*h->addrs));
		if (h->addrs == NULL) {
			pub_prober_free(p);
			return NULL;
		}
		if (h->addrs_count > 0)
			memcpy(h->addrs, targets[i].addrs, h->addrs_count * sizeof(*h->addrs));
	}
	return p;
}

/* Higher is more telling: what a user should read first when every address failed. */
static int rank(kd_probe_result_t r)
{
	switch (r) {
	case KD_PROBE_NAK: return 8;
	case KD_PROBE_GARBAGE: return 7;
	case KD_PROBE_TIMEOUT: return 6;
	case KD_PROBE_RESET: return 5;
	case KD_PROBE_REFUSED: return 4;
	case KD_PROBE_NOANSWER: return 3;
	case KD_PROBE_UNREACH: return 2;
	case KD_PROBE_DEADLINE:
	case KD_PROBE_CANCELLED:
	case KD_PROBE_UNTRIED:
	case KD_PROBE_ALIVE: return 0;
	}
	return 0;
}

static void slot_free(pub_prober_t *p, size_t s)
{
	kd_attempt_release(&p->slots[s].a);
	p->slots[s].used = false;
	p->inflight--;
}

/* Deliver host h's verdict and cancel what still runs for it. */
static void finish(pub_prober_t *p, size_t h, kd_probe_result_t res, uint64_t now, pub_probe_fn fn,
                   void *arg)
{
	host_t *host = &p->hosts[h];
	for (size_t s = 0; s < p->nslots; s++)
		if (p->slots[s].used && p->slots[s].host == h)
			slot_free(p, s);
	host->busy = false;
	host->running = 0;
	pub_probe_verdict_t v = {
	        .host = h,
	        .result = res,
	        .latency_ms = (uint32_t)(now - host->started > UINT32_MAX ? UINT32_MAX
	                                                                  : now - host->started),
	        .when_ms = now,
	};
	fn(arg, &v);
}

/* An attempt of slot s ended: the host is alive, or failed when nothing else is left. */
static int attempt_ended(pub_prober_t *p, size_t s, uint64_t now, pub_probe_fn fn, void *arg)
{
	size_t h = p->slots[s].host;
	host_t *host = &p->hosts[h];
	kd_probe_result_t res = p->slots[s].a.result;
	slot_free(p, s);
	host->running--;
	if (res == KD_PROBE_ALIVE) {
		finish(p, h, KD_PROBE_ALIVE, now, fn, arg);
		return 1;
	}
	if (rank(res) > rank(host->failure) || host->failure == KD_PROBE_UNTRIED)
		host->failure = res;
	if (host->running == 0 && host->next_addr >= host->addrs_count) {
		finish(p, h, host->failure, now, fn, arg);
		return 1;
	}
	return 0;
}

static size_t free_slot(const pub_prober_t *p)
{
	for (size_t s = 0; s < p->nslots; s++)
		if (!p->slots[s].used)
			return s;
	return SIZE_MAX;
}

/* Start attempts while slots are free: first the remaining addresses of running probes, then
 * due hosts, earliest due first. Returns verdicts delivered (attempts that ended at once). */
static int start_due(pub_prober_t *p, uint64_t now, pub_probe_fn fn, void *arg)
{
	int verdicts = 0;
	while (p->inflight < p->nslots) {
		size_t best = SIZE_MAX;
		for (size_t h = 0; h < p->n; h++) {
			host_t *host = &p->hosts[h];
			if (host->kind == KD_PROBE_NONE || host->addrs_count == 0)
				continue;
			bool wants =
			        host->busy ? host->next_addr < host->addrs_count : host->due <= now;
			if (!wants)
				continue;
			if (best == SIZE_MAX || (host->busy && !p->hosts[best].busy) ||
			    (host->busy == p->hosts[best].busy && host->due < p->hosts[best].due))
				best = h;
		}
		if (best == SIZE_MAX)
			break;
		host_t *host = &p->hosts[best];
		if (!host->busy) {
			host->busy = true;
			host->started = now;
			host->next_addr = 0;
			host->running = 0;
			host->failure = KD_PROBE_UNTRIED;
			host->due = now + (host->interval > 0 ? host->interval : 1);
		}
		size_t s = free_slot(p);
		slot_t *slot = &p->slots[s];
		slot->used = true;
		slot->host = best;
		p->inflight++;
		if (p->inflight > p->max_inflight)
			p->max_inflight = p->inflight;
		host->running++;
		kd_attempt_start(&slot->a, &host->addrs[host->next_addr++], host->kind,
		                 host->timeout > 0 ? now + host->timeout : NO_TIME);
		if (kd_attempt_done(&slot->a))
			verdicts += attempt_ended(p, s, now, fn, arg);
	}
	return verdicts;
}

int pub_prober_timeout(const pub_prober_t *p, uint64_t now_ms, uint64_t max_wait_ms)
{
	uint64_t wake = max_wait_ms > NO_TIME - now_ms ? NO_TIME : now_ms + max_wait_ms;
	for (size_t s = 0; s < p->nslots; s++)
		if (p->slots[s].used && p->slots[s].a.expires < wake)
			wake = p->slots[s].a.expires;
	if (p->inflight < p->nslots)
		for (size_t h = 0; h < p->n; h++)
			if (!p->hosts[h].busy && p->hosts[h].kind != KD_PROBE_NONE &&
			    p->hosts[h].addrs_count > 0 && p->hosts[h].due < wake)
				wake = p->hosts[h].due;
	if (wake == NO_TIME)
		return -1;
	uint64_t wait = wake > now_ms ? wake - now_ms : 0;
	return wait > INT_MAX ? INT_MAX : (int)wait;
}

int pub_prober_step(pub_prober_t *p, uint64_t max_wait_ms, pub_probe_fn fn, void *arg)
{
	uint64_t now = kd_now_ms();
	int verdicts = 0;
	for (size_t s = 0; s < p->nslots; s++)
		if (p->slots[s].used && kd_attempt_expire(&p->slots[s].a, now))
			verdicts += attempt_ended(p, s, now, fn, arg);
	verdicts += start_due(p, now, fn, arg);

	size_t np = 0;
	for (size_t s = 0; s < p->nslots; s++) {
		if (!p->slots[s].used)
			continue;
		p->pfd[np] = (struct pollfd){.fd = p->slots[s].a.fd,
		                             .events = kd_attempt_events(&p->slots[s].a)};
		p->pfd_slot[np++] = s;
	}
	size_t nfd = np;
	if (p->stop_fd >= 0) {
		p->pfd[nfd] = (struct pollfd){.fd = p->stop_fd, .events = POLLIN};
		p->pfd_slot[nfd++] = SIZE_MAX;
	}
	int rc = poll(p->pfd, nfd, pub_prober_timeout(p, now, max_wait_ms));
	if (rc < 0)
		return errno == EINTR ? verdicts : -1;
	now = kd_now_ms();
	for (size_t k = 0; rc > 0 && k < np; k++) {
		size_t s = p->pfd_slot[k];
		/* An earlier verdict in this turn may have cancelled this slot's host. */
		if (p->pfd[k].revents == 0 || !p->slots[s].used || p->slots[s].a.fd != p->pfd[k].fd)
			continue;
		kd_attempt_step(&p->slots[s].a);
		if (kd_attempt_done(&p->slots[s].a))
			verdicts += attempt_ended(p, s, now, fn, arg);
	}
	return verdicts;
}

size_t pub_prober_inflight(const pub_prober_t *p)
{
	return p->inflight;
}

size_t pub_prober_max_inflight(const pub_prober_t *p)
{
	if (!p->thread_running)
		return p->max_inflight;
	pub_prober_t *w = (pub_prober_t *)p; /* the lock only */
	pthread_mutex_lock(&w->lock);
	size_t v = p->max_shared;
	pthread_mutex_unlock(&w->lock);
	return v;
}

bool pub_prober_busy(const pub_prober_t *p, size_t host)
{
	return host < p->n && p->hosts[host].busy;
}

static void enqueue(void *arg, const pub_probe_verdict_t *v)
{
	pub_prober_t *p = arg;
	pthread_mutex_lock(&p->lock);
	pub_probe_verdict_t *q = kd_array_reserve(p->queue, &p->qcap, p->qn + 1, sizeof(*q));
	if (q != NULL) { /* else the verdict is lost; the host's next probe brings another */
		p->queue = q;
		q[p->qn++] = *v;
	}
	p->max_shared = p->max_inflight;
	pthread_mutex_unlock(&p->lock);
}

/* Sleeps until a probe is due, an attempt expires or a socket has news (no periodic
 * wake-up: stopping writes stop_fd), and wakes the daemon once per turn that queued
 * verdicts, however many. */
static void *thread_main(void *arg)
{
	pub_prober_t *p = arg;
	while (!atomic_load(&p->stop)) {
		int n = pub_prober_step(p, PUB_PROBER_FOREVER, enqueue, p);
		if (n < 0) {
			poll(NULL, 0, 100); /* poll failed (ENOMEM): do not spin */
		} else if (n > 0) {
			uint64_t one = 1;
			(void)!write(p->ready_fd, &one, sizeof(one));
		}
	}
	return NULL;
}

int pub_prober_start(pub_prober_t *p, kd_error_t *err)
{
	p->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	p->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int e = errno;
	if (p->stop_fd < 0 || p->ready_fd < 0) {
		snprintf(err->msg, sizeof(err->msg), "failed to start the health prober (%s)",
		         strerror(e));
		return -1;
	}
	atomic_store(&p->stop, false);
	e = pthread_create(&p->thread, NULL, thread_main, p);
	if (e != 0) {
		snprintf(err->msg, sizeof(err->msg), "failed to start the health prober (%s)",
		         strerror(e));
		return -1;
	}
	p->thread_running = true;
	return 0;
}

int pub_prober_fd(const pub_prober_t *p)
{
	return p->ready_fd;
}

size_t pub_prober_take(pub_prober_t *p, pub_probe_verdict_t *out, size_t max)
{
	pthread_mutex_lock(&p->lock);
	size_t n = p->qn < max ? p->qn : max;
	if (n > 0) {
		memcpy(out, p->queue, n * sizeof(*out));
		memmove(p->queue, p->queue + n, (p->qn - n) * sizeof(*out));
		p->qn -= n;
	}
	if (p->qn == 0 && p->ready_fd >= 0) {
		uint64_t v;
		(void)!read(p->ready_fd, &v, sizeof(v));
	}
	pthread_mutex_unlock(&p->lock);
	return n;
}

void pub_prober_stop(pub_prober_t *p)
{
	if (!p->thread_running)
		return;
	atomic_store(&p->stop, true);
	uint64_t one = 1;
	(void)!write(p->stop_fd, &one, sizeof(one));
	pthread_join(p->thread, NULL);
	p->thread_running = false;
}

void pub_prober_free(pub_prober_t *p)
{
	if (p == NULL)
		return;
	pub_prober_stop(p);
	for (size_t s = 0; p->slots != NULL && s < p->nslots; s++)
		if (p->slots[s].used)
			kd_attempt_release(&p->slots[s].a);
	for (size_t h = 0; p->hosts != NULL && h < p->n; h++)
		free(p->hosts[h].addrs);
	free(p->hosts);
	free(p->slots);
	free(p->pfd);
	free(p->pfd_slot);
	free(p->queue);
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	if (p->ready_fd >= 0)
		close(p->ready_fd);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
