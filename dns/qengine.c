/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/qengine.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "dns/clock.h"
#include "dns/query.h"
#include "dns/transport.h"

#define DEFAULT_TIMEOUT_MS 3000
#define DEFAULT_ATTEMPTS   2
#define NEVER              UINT64_MAX

typedef struct {
	kd_udp_t *u; /* the exchange with this server, once asked */
	bool out;    /* answered with an error rcode or unreachable: not asked again */
} qsrv_t;

typedef struct {
	kd_addr_t *servers;
	qsrv_t *srv;
	size_t n;
	uint64_t timeout;
	size_t steps, next_step; /* sends in all (n * attempts) and the next one */
	size_t start;            /* the first server (rotate) */
	uint64_t next_ms;        /* when the next server is due */
	uint64_t deadline;
	ldns_pkt *query;
	uint8_t *wire;
	size_t len;
	bool done;
	kd_err_t err;
	ldns_pkt *answer; /* the answer, or the last error-rcode answer */
	ldns_pkt *bad;    /* the last error-rcode answer while in flight */
	kd_addr_t from, bad_from;
	kd_err_t last; /* the last transport failure */
} question_t;

struct kd_qe {
	question_t *q;
	size_t n, cap;
	size_t rotor;
	size_t pending;
	struct pollfd *pfd; /* the poll set of kd_qe_step */
	size_t pfd_cap;
	struct {
		size_t q, s;
	} * who; /* pfd[k] is the exchange of question who[k].q with server who[k].s */
	size_t who_cap;
};

kd_qe_t *kd_qe_new(void)
{
	return calloc(1, sizeof(kd_qe_t));
}

static void close_exchanges(question_t *q)
{
	for (size_t s = 0; s < q->n; s++) {
		kd_udp_free(q->srv[s].u);
		q->srv[s].u = NULL;
	}
}

static void finish(kd_qe_t *e, question_t *q, kd_err_t err, ldns_pkt *answer, const kd_addr_t *from)
{
	if (q->done)
		return;
	close_exchanges(q);
	if (answer == NULL && q->bad != NULL) {
		/* Nobody answered well, but someone answered: the rcode says more than silence. */
		err = KD_ERCODE;
		answer = q->bad;
		from = &q->bad_from;
		q->bad = NULL;
	}
	if (answer != q->bad)
		ldns_pkt_free(q->bad);
	q->bad = NULL;
	q->answer = answer;
	if (from != NULL)
		q->from = *from;
	q->err = err;
	q->done = true;
	free(q->wire);
	q->wire = NULL;
	ldns_pkt_free(q->query);
	q->query = NULL;
	e->pending--;
}

void kd_qe_free(kd_qe_t *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		question_t *q = &e->q[i];
		close_exchanges(q);
		ldns_pkt_free(q->answer);
		ldns_pkt_free(q->bad);
		ldns_pkt_free(q->query);
		free(q->wire);
		free(q->servers);
		free(q->srv);
	}
	free(e->q);
	free(e->pfd);
	free(e->who);
	free(e);
}

static bool all_out(const question_t *q)
{
	for (size_t s = 0; s < q->n; s++)
		if (!q->srv[s].out)
			return false;
	return true;
}

/* Ask the next server that is still in the running; finish when none is left. */
static void send_next(kd_qe_t *e, question_t *q, uint64_t now)
{
	while (q->next_step < q->steps && !all_out(q)) {
		size_t s = (q->start + q->next_step++) % q->n;
		qsrv_t *qs = &q->srv[s];
		if (qs->out)
			continue;
		kd_err_t err = qs->u == NULL ? kd_udp_start(&q->servers[s], q->wire, q->len,
		                                            kd_reply_check, q->query, &qs->u)
		                             : kd_udp_resend(qs->u);
		if (err == KD_OK) {
			q->next_ms = now + q->timeout;
			return;
		}
		q->last = err;
		qs->out = true;
		kd_udp_free(qs->u);
		qs->u = NULL;
	}
	q->next_ms = NEVER;
	if (all_out(q))
		finish(e, q, q->last, NULL, NULL);
	/* else: the last servers asked still have until their timer (handled in timers()). */
}

long kd_qe_ask(kd_qe_t *e, const kd_qe_servers_t *srv, const char *name, ldns_rr_type type,
               uint64_t deadline_ms, kd_err_t *err)
{
	kd_err_t dummy;
	if (err == NULL)
		err = &dummy;
	if (srv == NULL || srv->count == 0 || name == NULL) {
		*err = KD_EINVAL;
		return -1;
	}
	question_t *arr = kd_array_reserve(e->q, &e->cap, e->n + 1, sizeof(*arr));
	if (arr == NULL) {
		*err = KD_ENOMEM;
		return -1;
	}
	e->q = arr;
	question_t *q = &arr[e->n];
	memset(q, 0, sizeof(*q));
	q->servers = calloc(srv->count, sizeof(*q->servers));
	q->srv = calloc(srv->count, sizeof(*q->srv));
	*err = q->servers != NULL && q->srv != NULL ? KD_OK : KD_ENOMEM;
	if (*err == KD_OK)
		*err = kd_query_build(name, type, srv->recurse, &q->query, &q->wire, &q->len);
	if (*err != KD_OK) {
		free(q->servers);
		free(q->srv);
		return -1;
	}
	memcpy(q->servers, srv->servers, srv->count * sizeof(*q->servers));
	q->n = srv->count;
	q->timeout = srv->timeout_ms != 0 ? srv->timeout_ms : DEFAULT_TIMEOUT_MS;
	q->steps = q->n * (srv->attempts != 0 ? srv->attempts : DEFAULT_ATTEMPTS);
	q->start = srv->rotate ? e->rotor++ % q->n : 0;
	q->deadline = deadline_ms;
	q->last = KD_ETIMEOUT;
	e->n++;
	e->pending++;
	send_next(e, q, kd_now_ms());
	return (long)(e->n - 1);
}

/* A reply from server s of q arrived (checked against the question by the transport). */
static void on_reply(kd_qe_t *e, question_t *q, size_t s, uint8_t *msg, size_t len, uint64_t now)
{
	uint8_t *tcp = NULL;
	size_t tcp_len = 0;
	if (len > 2 && (msg[2] & 0x02) != 0) { /* truncated: the whole answer over TCP */
		uint64_t until = now + q->timeout < q->deadline ? now + q->timeout : q->deadline;
		kd_err_t err = kd_exchange(&q->servers[s], true, q->wire, q->len, until,
		                           kd_reply_check, q->query, &tcp, &tcp_len, NULL);
		if (err != KD_OK) {
			q->last = err;
			q->srv[s].out = true;
			send_next(e, q, kd_now_ms());
			return;
		}
		msg = tcp;
		len = tcp_len;
	}
	ldns_pkt *pkt = NULL;
	kd_err_t err = kd_reply_parse(msg, len, q->query, &pkt);
	free(tcp);
	if (err != KD_OK) {
		q->last = err;
		return; /* not for us after all: keep waiting */
	}
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(pkt);
	if (rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN) {
		finish(e, q, KD_OK, pkt, &q->servers[s]);
		return;
	}
	ldns_pkt_free(q->bad);
	q->bad = pkt;
	q->bad_from = q->servers[s];
	q->srv[s].out = true;
	kd_udp_free(q->srv[s].u);
	q->srv[s].u = NULL;
	send_next(e, q, kd_now_ms());
}

static void on_readable(kd_qe_t *e, question_t *q, size_t s)
{
	uint8_t *msg = NULL;
	size_t len = 0;
	kd_err_t err = kd_udp_read(q->srv[s].u, &msg, &len);
	if (err == KD_EAGAIN)
		return;
	if (err == KD_OK) {
		on_reply(e, q, s, msg, len, kd_now_ms());
		free(msg);
		return;
	}
	/* ICMP port unreachable and the like: this server is out. */
	q->last = err;
	q->srv[s].out = true;
	kd_udp_free(q->srv[s].u);
	q->srv[s].u = NULL;
	send_next(e, q, kd_now_ms());
}

/* The poll set: every open exchange of every question in flight. */
static size_t collect(kd_qe_t *e, uint64_t *wake)
{
	size_t np = 0;
	for (size_t i = 0; i < e->n; i++) {
		question_t *q = &e->q[i];
		if (q->done)
			continue;
		if (q->next_ms < *wake)
			*wake = q->next_ms;
		if (q->deadline < *wake)
			*wake = q->deadline;
		for (size_t s = 0; s < q->n; s++) {
			if (q->srv[s].u == NULL)
				continue;
			struct pollfd *p =
			        kd_array_reserve(e->pfd, &e->pfd_cap, np + 1, sizeof(*p));
			if (p == NULL)
				return np;
			e->pfd = p;
			void *w = kd_array_reserve(e->who, &e->who_cap, np + 1, sizeof(*e->who));
			if (w == NULL)
				return np;
			e->who = w;
			e->pfd[np] =
			        (struct pollfd){.fd = kd_udp_fd(q->srv[s].u), .events = POLLIN};
			e->who[np].q = i;
			e->who[np++].s = s;
		}
	}
	return np;
}

/* Timers: the next server when one stayed silent; the end of a question's time. */
static void timers(kd_qe_t *e, uint64_t now)
{
	for (size_t i = 0; i < e->n; i++) {
		question_t *q = &e->q[i];
		if (q->done)
			continue;
		if (now >= q->deadline) {
			finish(e, q, q->last, NULL, NULL);
		} else if (now >= q->next_ms) {
			if (q->next_step < q->steps && !all_out(q))
				send_next(e, q, now);
			else
				finish(e, q, q->last, NULL, NULL);
		}
	}
}

size_t kd_qe_step(kd_qe_t *e, uint64_t until_ms)
{
	size_t before = e->pending;
	if (before == 0)
		return 0;
	uint64_t wake = until_ms;
	size_t np = collect(e, &wake);
	int r = kd_wait(e->pfd, np, wake);
	for (size_t k = 0; r > 0 && k < np; k++) {
		if (e->pfd[k].revents == 0)
			continue;
		question_t *q = &e->q[e->who[k].q];
		size_t s = e->who[k].s;
		if (!q->done && q->srv[s].u != NULL)
			on_readable(e, q, s);
	}
	timers(e, kd_now_ms());
	return before - e->pending;
}

size_t kd_qe_pending(const kd_qe_t *e)
{
	return e->pending;
}

bool kd_qe_done(const kd_qe_t *e, long q)
{
	return q >= 0 && (size_t)q < e->n && e->q[q].done;
}

kd_err_t kd_qe_result(const kd_qe_t *e, long q, const ldns_pkt **answer, kd_addr_t *from)
{
	if (q < 0 || (size_t)q >= e->n)
		return KD_EINVAL;
	const question_t *qq = &e->q[q];
	if (!qq->done)
		return KD_EAGAIN;
	*answer = qq->answer;
	if (from != NULL && qq->answer != NULL)
		*from = qq->from;
	return qq->err;
}
