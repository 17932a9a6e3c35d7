/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/qengine against loopback UDP servers that misbehave on purpose: error rcodes and silence
 * move a question to the next server, a lost datagram is sent again, rotate spreads the first
 * server, several questions are in flight at once. Counts, not times, are asserted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "dns/clock.h"
#include "dns/qengine.h"

typedef enum { M_ANSWER, M_SERVFAIL, M_REFUSED, M_SILENT, M_DROP_FIRST } mode_t_;

typedef struct {
	mode_t_ mode;
	int fd;
	uint16_t port;
	int stop[2];
	pthread_t th;
	pthread_mutex_t mu;
	unsigned got; /* datagrams received */
} srv_t;

static size_t reply(const srv_t *s, const uint8_t *q, size_t len, uint8_t *out, size_t cap)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, q, len) != LDNS_STATUS_OK)
		return 0;
	ldns_pkt_set_qr(pkt, true);
	ldns_pkt_set_aa(pkt, true);
	if (s->mode == M_SERVFAIL || s->mode == M_REFUSED) {
		ldns_pkt_set_rcode(pkt, s->mode == M_SERVFAIL ? LDNS_RCODE_SERVFAIL
		                                              : LDNS_RCODE_REFUSED);
	} else {
		char *owner =
		        ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
		char text[300];
		snprintf(text, sizeof(text), "%s 300 IN A 192.0.2.%u", owner, s->port % 200);
		free(owner);
		ldns_rr *rr = NULL;
		assert_int_equal(ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(pkt, LDNS_SECTION_ANSWER, rr);
	}
	uint8_t *wire = NULL;
	size_t wlen = 0;
	if (ldns_pkt2wire(&wire, pkt, &wlen) != LDNS_STATUS_OK || wlen > cap)
		wlen = 0;
	else
		memcpy(out, wire, wlen);
	free(wire);
	ldns_pkt_free(pkt);
	return wlen;
}

static void *srv_main(void *arg)
{
	srv_t *s = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = s->fd, .events = POLLIN},
		                      {.fd = s->stop[0], .events = POLLIN}};
		if (poll(p, 2, -1) < 0 || p[1].revents != 0)
			return NULL;
		uint8_t q[1500], a[1500];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		if (n <= 0)
			continue;
		pthread_mutex_lock(&s->mu);
		unsigned got = ++s->got;
		pthread_mutex_unlock(&s->mu);
		if (s->mode == M_SILENT || (s->mode == M_DROP_FIRST && got == 1))
			continue;
		size_t len = reply(s, q, (size_t)n, a, sizeof(a));
		if (len > 0)
			sendto(s->fd, a, len, 0, (struct sockaddr *)&from, fl);
	}
}

static srv_t *srv_start(mode_t_ mode)
{
	srv_t *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->mode = mode;
	pthread_mutex_init(&s->mu, NULL);
	s->fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	socklen_t sl = sizeof(sin);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&sin, &sl), 0);
	s->port = ntohs(sin.sin_port);
	assert_int_equal(pipe(s->stop), 0);
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
	return s;
}

static unsigned srv_got(srv_t *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned got = s->got;
	pthread_mutex_unlock(&s->mu);
	return got;
}

static void srv_stop(srv_t *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static kd_addr_t addr_of(uint16_t port)
{
	kd_addr_t a;
	char text[32];
	snprintf(text, sizeof(text), "127.0.0.1@%u", port);
	assert_int_equal(kd_addr_parse(text, 53, &a), 0);
	return a;
}

/* Run e until every question is done (bounded by the questions' own deadlines). */
static void run(kd_qe_t *e)
{
	for (int i = 0; i < 10000 && kd_qe_pending(e) > 0; i++)
		kd_qe_step(e, kd_now_ms() + 1000);
	assert_int_equal(kd_qe_pending(e), 0);
}

static void assert_answered_by(kd_qe_t *e, long q, uint16_t port)
{
	const ldns_pkt *a = NULL;
	kd_addr_t from;
	assert_int_equal(kd_qe_result(e, q, &a, &from), KD_OK);
	assert_non_null(a);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_NOERROR);
	assert_int_equal(kd_addr_port(&from), port);
}

/* SERVFAIL, REFUSED and a closed port pass on to the next server at once; the last answers. */
static void test_next_server(void **state)
{
	srv_t *sf = srv_start(M_SERVFAIL), *rf = srv_start(M_REFUSED), *ok = srv_start(M_ANSWER);
	srv_t *closed = srv_start(M_SILENT);
	uint16_t closed_port = closed->port;
	srv_stop(closed); /* nothing listens there now */
	kd_addr_t list[4] = {addr_of(sf->port), addr_of(closed_port), addr_of(rf->port),
	                     addr_of(ok->port)};
	/* A long timeout: if any of the first three were waited for, the deadline would end it. */
	kd_qe_servers_t srv = {.servers = list, .count = 4, .timeout_ms = 20000, .attempts = 1};
	kd_qe_t *e = kd_qe_new();
	long q = kd_qe_ask(e, &srv, "a.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	assert_true(q >= 0);
	run(e);
	assert_answered_by(e, q, ok->port);
	assert_int_equal(srv_got(sf), 1);
	assert_int_equal(srv_got(rf), 1);
	kd_qe_free(e);

	/* Every server answers with an error: KD_ERCODE with the last answer. */
	kd_addr_t bad[2] = {addr_of(sf->port), addr_of(rf->port)};
	srv.servers = bad;
	srv.count = 2;
	e = kd_qe_new();
	q = kd_qe_ask(e, &srv, "b.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	run(e);
	const ldns_pkt *a = NULL;
	assert_int_equal(kd_qe_result(e, q, &a, NULL), KD_ERCODE);
	assert_int_equal(ldns_pkt_get_rcode(a), LDNS_RCODE_REFUSED);
	kd_qe_free(e);
	srv_stop(sf);
	srv_stop(rf);
	srv_stop(ok);
}

/* A silent server is passed over after its timeout, and its silence costs one timeout. */
static void test_silent_then_next(void **state)
{
	srv_t *quiet = srv_start(M_SILENT), *ok = srv_start(M_ANSWER);
	kd_addr_t list[2] = {addr_of(quiet->port), addr_of(ok->port)};
	/* 500 ms: the good server answers well within it even under sanitizers and load, so
	 * nobody gets a second round. */
	kd_qe_servers_t srv = {.servers = list, .count = 2, .timeout_ms = 500, .attempts = 2};
	kd_qe_t *e = kd_qe_new();
	/* Six questions at once: each waits for the silent server once, not one after another. */
	long q[6];
	for (int i = 0; i < 6; i++) {
		char name[32];
		snprintf(name, sizeof(name), "s%d.example.test", i);
		q[i] = kd_qe_ask(e, &srv, name, LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
		assert_true(q[i] >= 0);
	}
	run(e);
	for (int i = 0; i < 6; i++)
		assert_answered_by(e, q[i], ok->port);
	assert_int_equal(srv_got(quiet), 6);
	assert_int_equal(srv_got(ok), 6);
	kd_qe_free(e);

	/* Only silence: KD_ETIMEOUT after attempts rounds, each server asked attempts times. */
	srv_t *mute = srv_start(M_SILENT);
	kd_addr_t one = addr_of(mute->port);
	srv.servers = &one;
	srv.count = 1;
	srv.attempts = 3;
	srv.timeout_ms = 50;
	e = kd_qe_new();
	long t = kd_qe_ask(e, &srv, "t.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	run(e);
	const ldns_pkt *a = NULL;
	assert_int_equal(kd_qe_result(e, t, &a, NULL), KD_ETIMEOUT);
	assert_null(a);
	kd_qe_free(e);
	for (int i = 0; i < 1000 && srv_got(mute) < 3; i++)
		usleep(1000); /* the server thread reads what was sent (bounded wait) */
	assert_int_equal(srv_got(mute), 3);

	/* The question's own deadline ends it before the rounds do. */
	srv.timeout_ms = 20000;
	e = kd_qe_new();
	t = kd_qe_ask(e, &srv, "d.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 50, NULL);
	run(e);
	assert_int_equal(kd_qe_result(e, t, &a, NULL), KD_ETIMEOUT);
	kd_qe_free(e);
	srv_stop(mute);
	srv_stop(quiet);
	srv_stop(ok);
}

/* A lost datagram is sent again (same server, next round) and the answer taken. */
static void test_lost_datagram(void **state)
{
	srv_t *drop = srv_start(M_DROP_FIRST);
	kd_addr_t one = addr_of(drop->port);
	kd_qe_servers_t srv = {.servers = &one, .count = 1, .timeout_ms = 500, .attempts = 2};
	kd_qe_t *e = kd_qe_new();
	long q = kd_qe_ask(e, &srv, "x.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	run(e);
	assert_answered_by(e, q, drop->port);
	assert_int_equal(srv_got(drop), 2);
	kd_qe_free(e);
	srv_stop(drop);
}

/* rotate: consecutive questions start at consecutive servers. */
static void test_rotate(void **state)
{
	srv_t *a = srv_start(M_ANSWER), *b = srv_start(M_ANSWER);
	kd_addr_t list[2] = {addr_of(a->port), addr_of(b->port)};
	kd_qe_servers_t srv = {.servers = list, .count = 2, .timeout_ms = 5000, .rotate = true};
	kd_qe_t *e = kd_qe_new();
	long q0 = kd_qe_ask(e, &srv, "r0.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	long q1 = kd_qe_ask(e, &srv, "r1.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	run(e);
	assert_answered_by(e, q0, a->port);
	assert_answered_by(e, q1, b->port);
	kd_qe_free(e);
	/* Without rotate both ask the first server. */
	srv.rotate = false;
	e = kd_qe_new();
	q0 = kd_qe_ask(e, &srv, "r2.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	q1 = kd_qe_ask(e, &srv, "r3.example.test", LDNS_RR_TYPE_A, kd_now_ms() + 10000, NULL);
	run(e);
	assert_answered_by(e, q0, a->port);
	assert_answered_by(e, q1, a->port);
	kd_qe_free(e);
	srv_stop(a);
	srv_stop(b);
}

static void test_bad_input(void **state)
{
	kd_qe_t *e = kd_qe_new();
	kd_qe_servers_t none = {.count = 0};
	kd_err_t err = KD_OK;
	assert_int_equal(kd_qe_ask(e, &none, "a.test", LDNS_RR_TYPE_A, 0, &err), -1);
	assert_int_equal(err, KD_EINVAL);
	kd_addr_t one = addr_of(1);
	kd_qe_servers_t srv = {.servers = &one, .count = 1};
	assert_int_equal(kd_qe_ask(e, &srv, "a..test", LDNS_RR_TYPE_A, 0, &err), -1);
	assert_int_equal(err, KD_EINVAL);
	const ldns_pkt *a;
	assert_int_equal(kd_qe_result(e, 0, &a, NULL), KD_EINVAL);
	assert_int_equal(kd_qe_step(e, kd_now_ms() + 1000), 0); /* nothing pending: no wait */
	kd_qe_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_next_server),   cmocka_unit_test(test_silent_then_next),
	        cmocka_unit_test(test_lost_datagram), cmocka_unit_test(test_rotate),
	        cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
