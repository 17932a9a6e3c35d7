/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/transport: pipelined TCP (out-of-order answers, window, a server that closes midway),
 * UDP replies judged FINAL / IGNORE / TENTATIVE, and signed batches through kd_query_batch. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/query.h"
#include "dns/transport.h"

/* A scripted loopback server: UDP and TCP on one port, run by a thread. */
typedef enum {
	TCP_REVERSE,   /* read `batch` queries, answer them in reverse order */
	TCP_CLOSE_AT,  /* answer `close_after` queries in order, then close (after reading
	                  what the client sent, so it sees an orderly close); later connections
	                  answer everything */
	TCP_TRICKLE,   /* read `batch` queries, answer them in reverse order as one byte stream
	                  written 3 bytes at a time: frames split anywhere, several per read */
	TCP_WINDOW,    /* answer only when no further query arrives within 200 ms; record the
	                  most queries seen unanswered at once */
	TCP_MULTI,     /* read `batch` queries, answer each with 3 messages of its ID, the
	                  answers interleaved, the last message of each marked (RA set) */
	TCP_BULK,      /* read `batch` large queries one by one; answer each with its header,
	                  RCODE FORMERR when its body is not the byte pattern of its ID */
	UDP_TENTATIVE, /* UDP: a reply marked tentative (RA set); `final` adds a final one
	                  (RA clear) right after it */
} mode_t_;

typedef struct {
	mode_t_ mode;
	int udp, tcp, stop[2];
	uint16_t port;
	pthread_t thread;
	size_t batch, close_after;
	bool final;
	unsigned connections;
	size_t max_outstanding;
} srv_t;

/* The reply to a query: the query itself with QR set (and RA as a marker if asked). A first
 * label "wrongname", "wrongtype" or "wrongclass" changes that in the reply's question;
 * "upper" upper-cases its name. */
static size_t make_reply(const uint8_t *q, size_t len, uint8_t *out, bool marker)
{
	memcpy(out, q, len);
	out[2] |= 0x80;
	if (marker)
		out[3] |= 0x80;
	size_t end = 12;
	while (end < len && out[end] != 0)
		end += (size_t)out[end] + 1;
	if (len < 13 || end + 5 > len)
		return len;
	const char *label = (const char *)out + 13;
	if (out[12] >= 9 && memcmp(label, "wrongname", 9) == 0)
		out[13] = 'W' + 1;
	if (out[12] >= 9 && memcmp(label, "wrongtype", 9) == 0)
		out[end + 2] ^= 1;
	if (out[12] >= 10 && memcmp(label, "wrongclass", 10) == 0)
		out[end + 4] = 3; /* CH */
	if (out[12] >= 5 && memcmp(label, "upper", 5) == 0)
		for (size_t i = 13; i < end; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (uint8_t)(out[i] - 'a' + 'A');
	return len;
}

static bool read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = recv(fd, buf + got, len - got, 0);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool read_frame(int fd, uint8_t *buf, size_t *len)
{
	uint8_t hdr[2];
	if (!read_full(fd, hdr, 2))
		return false;
	*len = (size_t)(hdr[0] << 8 | hdr[1]);
	return read_full(fd, buf, *len);
}

static void send_frame(int fd, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	send(fd, hdr, 2, MSG_NOSIGNAL);
	send(fd, msg, len, MSG_NOSIGNAL);
}

static void serve_tcp(srv_t *s, int c)
{
	static uint8_t q[64][512], r[512];
	size_t ql[64], n = 0, len;
	s->connections++;
	bool first = s->connections == 1;
	switch (s->mode) {
	case TCP_REVERSE:
		while (n < s->batch && read_frame(c, q[n], &ql[n]))
			n++;
		while (n > 0) {
			n--;
			send_frame(c, r, make_reply(q[n], ql[n], r, false));
		}
		break;
	case TCP_TRICKLE: {
		static uint8_t all[64 * 514];
		size_t at = 0;
		while (n < s->batch && read_frame(c, q[n], &ql[n]))
			n++;
		while (n > 0) {
			n--;
			size_t rl = make_reply(q[n], ql[n], all + at + 2, false);
			all[at] = (uint8_t)(rl >> 8);
			all[at + 1] = (uint8_t)rl;
			at += 2 + rl;
		}
		for (size_t i = 0; i < at; i += 3)
			send(c, all + i, at - i < 3 ? at - i : 3, MSG_NOSIGNAL);
		break;
	}
	case TCP_CLOSE_AT:
		while (read_frame(c, q[0], &len)) {
			if (first && n++ == s->close_after) {
				shutdown(c, SHUT_WR);
				while (read_frame(c, q[0], &len))
					;
				break;
			}
			send_frame(c, r, make_reply(q[0], len, r, false));
		}
		break;
	case TCP_WINDOW:
		for (;;) {
			struct pollfd p = {.fd = c, .events = POLLIN};
			if (n < 64 && poll(&p, 1, 200) > 0) {
				if (!read_frame(c, q[n], &ql[n]))
					break;
				n++;
				if (n > s->max_outstanding)
					s->max_outstanding = n;
				continue;
			}
			if (n == 0)
				break;
			for (size_t i = 0; i < n; i++)
				send_frame(c, r, make_reply(q[i], ql[i], r, false));
			n = 0;
		}
		break;
	case TCP_MULTI:
		while (n < s->batch && read_frame(c, q[n], &ql[n]))
			n++;
		for (int part = 0; part < 3; part++)
			for (size_t i = 0; i < n; i++)
				send_frame(c, r, make_reply(q[i], ql[i], r, part == 2));
		break;
	case TCP_BULK: {
		static uint8_t big[65536];
		for (; n < s->batch; n++) {
			if (!read_frame(c, big, &len) || len < 12)
				break;
			bool intact = true;
			for (size_t i = 12; i < len; i++)
				intact = intact && big[i] == (uint8_t)(big[1] ^ i);
			make_reply(big, 12, r, false);
			if (!intact)
				r[3] |= 1;
			send_frame(c, r, 12);
		}
		break;
	}
	case UDP_TENTATIVE: break;
	}
	close(c);
}

static void *srv_main(void *arg)
{
	srv_t *s = arg;
	for (;;) {
		struct pollfd p[3] = {
		        {s->udp, POLLIN, 0}, {s->tcp, POLLIN, 0}, {s->stop[0], POLLIN, 0}};
		if (poll(p, 3, -1) < 0 || p[2].revents != 0)
			return NULL;
		if (p[1].revents & POLLIN) {
			int c = accept(s->tcp, NULL, NULL);
			if (c >= 0)
				serve_tcp(s, c);
		}
		if (p[0].revents & POLLIN) {
			uint8_t q[512], r[512];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n =
			        recvfrom(s->udp, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			if (n < 12)
				continue;
			size_t rl = make_reply(q, (size_t)n, r, true);
			sendto(s->udp, r, rl, 0, (struct sockaddr *)&from, fl);
			if (s->final) {
				rl = make_reply(q, (size_t)n, r, false);
				sendto(s->udp, r, rl, 0, (struct sockaddr *)&from, fl);
			}
		}
	}
}

static srv_t *srv_start(mode_t_ mode)
{
	srv_t *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->mode = mode;
	for (int tries = 0; tries < 50 && s->port == 0; tries++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t al = sizeof(a);
		s->udp = socket(AF_INET, SOCK_DGRAM, 0);
		s->tcp = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		assert_int_equal(bind(s->udp, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(s->udp, (struct sockaddr *)&a, &al), 0);
		if (bind(s->tcp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(s->tcp, 8) == 0) {
			s->port = ntohs(a.sin_port);
		} else {
			close(s->udp);
			close(s->tcp);
		}
	}
	assert_int_not_equal(s->port, 0);
	assert_int_equal(pipe(s->stop), 0);
	return s;
}

static void srv_run(srv_t *s)
{
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

/* Stop the server; returns the most queries it held unanswered at once (read after join). */
static size_t srv_stop(srv_t *s)
{
	assert_int_equal(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	size_t most = s->max_outstanding;
	close(s->udp);
	close(s->tcp);
	close(s->stop[0]);
	close(s->stop[1]);
	free(s);
	return most;
}

static kd_addr_t srv_addr(const srv_t *s)
{
	kd_addr_t a;
	assert_int_equal(kd_addr_parse("127.0.0.1", s->port, &a), 0);
	return a;
}

/* A 12-byte header-only query with the given ID (the servers here only echo). */
static void mkquery(uint8_t *q, uint16_t id)
{
	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
}

static void items_init(kd_pipe_item_t *it, uint8_t (*q)[12], size_t n, uint16_t base)
{
	memset(it, 0, n * sizeof(*it));
	for (size_t i = 0; i < n; i++) {
		mkquery(q[i], (uint16_t)(base + i * 7));
		it[i].msg = q[i];
		it[i].len = 12;
	}
}

static void items_free(kd_pipe_item_t *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(it[i].reply);
}

static void assert_answered(const kd_pipe_item_t *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(it[i].err, KD_OK);
		assert_non_null(it[i].reply);
		assert_int_equal(it[i].reply_len, 12);
		/* The reply carries the ID of its own request: matched by ID, not by order. */
		assert_memory_equal(it[i].reply, it[i].msg, 2);
		assert_true(it[i].reply[2] & 0x80);
	}
}

/* n queries on one connection to a server in mode: every one answered, on that connection. */
static void pipeline_answers_all(mode_t_ mode, size_t n, uint16_t base)
{
	srv_t *s = srv_start(mode);
	s->batch = n;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	kd_conn_t *c = NULL;
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	uint8_t q[20][12];
	kd_pipe_item_t it[20];
	assert_true(n <= 20);
	items_init(it, q, n, base);
	assert_int_equal(kd_conn_pipeline(c, it, n, 0, kd_now_ms() + 5000), KD_OK);
	assert_answered(it, n);
	kd_conn_close(c);
	items_free(it, n);
	assert_int_equal(s->connections, 1);
	srv_stop(s);
}

static void test_pipeline_out_of_order(void **state)
{
	pipeline_answers_all(TCP_REVERSE, 10, 100);
}

/* Answers split anywhere and several in one read: each is handed over whole, once. */
static void test_pipeline_split_frames(void **state)
{
	pipeline_answers_all(TCP_TRICKLE, 20, 500);
}

static void test_pipeline_duplicate_id(void **state)
{
	srv_t *s = srv_start(TCP_REVERSE);
	s->batch = 2;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	kd_conn_t *c = NULL;
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	uint8_t q[2][12];
	kd_pipe_item_t it[2];
	items_init(it, q, 2, 5);
	mkquery(q[1], 5);
	assert_int_equal(kd_conn_pipeline(c, it, 2, 0, kd_now_ms() + 2000), KD_EINVAL);
	assert_null(it[0].reply);
	kd_conn_close(c);
	srv_stop(s);
}

static void test_pipeline_close_and_resume(void **state)
{
	srv_t *s = srv_start(TCP_CLOSE_AT);
	s->close_after = 3;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	uint8_t q[8][12];
	kd_pipe_item_t it[8];
	items_init(it, q, 8, 1000);
	kd_conn_t *c = NULL;
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	assert_int_equal(kd_conn_pipeline(c, it, 8, 1, kd_now_ms() + 5000), KD_ECLOSED);
	assert_false(kd_conn_usable(c));
	kd_conn_close(c);
	for (size_t i = 0; i < 8; i++) {
		assert_int_equal(it[i].reply != NULL, i < 3);
		if (i >= 3)
			assert_int_equal(it[i].err, KD_ECLOSED);
	}
	/* A new connection sends only what is left. */
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	assert_int_equal(kd_conn_pipeline(c, it, 8, 0, kd_now_ms() + 5000), KD_OK);
	assert_true(kd_conn_usable(c));
	kd_conn_close(c);
	assert_answered(it, 8);
	items_free(it, 8);
	srv_stop(s);
}

/* With a window of 3 the server never holds more than 3 unanswered queries. */
static void test_pipeline_window(void **state)
{
	srv_t *s = srv_start(TCP_WINDOW);
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	uint8_t q[9][12];
	kd_pipe_item_t it[9];
	items_init(it, q, 9, 300);
	kd_conn_t *c = NULL;
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	assert_int_equal(kd_conn_pipeline(c, it, 9, 3, kd_now_ms() + 10000), KD_OK);
	kd_conn_close(c);
	assert_answered(it, 9);
	items_free(it, 9);
	assert_int_equal(srv_stop(s), 3);
}

static kd_reply_t marker_check(const uint8_t *msg, size_t len, void *arg)
{
	/* RA set marks the server's first, "unsigned" reply. */
	return (msg[3] & 0x80) ? KD_REPLY_TENTATIVE : KD_REPLY_FINAL;
}

static void test_udp_tentative(void **state)
{
	srv_t *s = srv_start(UDP_TENTATIVE);
	s->final = true;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	uint8_t q[12], *r = NULL;
	size_t rl = 0;
	bool tcp = true;
	mkquery(q, 4242);
	/* The final reply after the tentative one wins. */
	assert_int_equal(kd_exchange(&a, false, q, 12, kd_now_ms() + 3000, marker_check, NULL, &r,
	                             &rl, &tcp),
	                 KD_OK);
	assert_false(tcp);
	assert_int_equal(r[3] & 0x80, 0);
	free(r);
	/* Only a tentative reply: it is returned at the deadline, not at once. */
	s->final = false;
	uint64_t t0 = kd_now_ms();
	r = NULL;
	assert_int_equal(kd_exchange(&a, false, q, 12, t0 + 300, marker_check, NULL, &r, &rl, NULL),
	                 KD_OK);
	assert_true(kd_now_ms() >= t0 + 300);
	assert_int_not_equal(r[3] & 0x80, 0);
	free(r);
	srv_stop(s);
}

/* A long answer (a zone transfer's messages): the check takes each message, MORE until the
 * marked last one. */
typedef struct {
	unsigned parts;
	bool marked_last;
} multi_t;

static kd_reply_t multi_check(const uint8_t *msg, size_t len, void *arg)
{
	multi_t *m = arg;
	(void)len;
	m->parts++;
	m->marked_last = (msg[3] & 0x80) != 0;
	return m->marked_last ? KD_REPLY_FINAL : KD_REPLY_MORE;
}

/* Every message of each interleaved long answer reaches its own check, and the item is
 * answered by its last message only. */
static void test_pipeline_multi_message(void **state)
{
	(void)state;
	enum { N = 5 };
	srv_t *s = srv_start(TCP_MULTI);
	s->batch = N;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	kd_conn_t *c = NULL;
	assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
	uint8_t q[N][12];
	kd_pipe_item_t it[N];
	multi_t m[N] = {0};
	items_init(it, q, N, 700);
	for (size_t i = 0; i < N; i++) {
		it[i].check = multi_check;
		it[i].check_arg = &m[i];
	}
	assert_int_equal(kd_conn_pipeline(c, it, N, 0, kd_now_ms() + 5000), KD_OK);
	assert_answered(it, N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(m[i].parts, 3);
		assert_true(m[i].marked_last);
		assert_true(it[i].reply[3] & 0x80);
	}
	kd_conn_close(c);
	items_free(it, N);
	srv_stop(s);
}

/* The fd of this process's connection to s (its peer is s's port): the test shrinks its send
 * buffer so writes stop anywhere, several times within one message. */
static int client_fd(const srv_t *s)
{
	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		if (getpeername(fd, (struct sockaddr *)&a, &al) == 0 && a.sin_family == AF_INET &&
		    ntohs(a.sin_port) == s->port)
			return fd;
	}
	return -1;
}

/* Messages far larger than the socket takes at once: every byte arrives once and in order
 * wherever a write stops (several times within one message, or inside its length prefix),
 * with and without a window. */
static void test_pipeline_bulk_writes(void **state)
{
	(void)state;
	enum { N = 60, LEN = 65000 };
	for (size_t window = 0; window <= 5; window += 5) {
		srv_t *s = srv_start(TCP_BULK);
		s->batch = N;
		srv_run(s);
		kd_addr_t a = srv_addr(s);
		kd_conn_t *c = NULL;
		assert_int_equal(kd_conn_open(&a, kd_now_ms() + 2000, &c), KD_OK);
		int fd = client_fd(s), small = 4096;
		assert_true(fd >= 0);
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
		uint8_t *q = malloc((size_t)N * LEN);
		kd_pipe_item_t it[N];
		assert_non_null(q);
		memset(it, 0, sizeof(it));
		for (size_t i = 0; i < N; i++) {
			uint8_t *m = q + i * LEN;
			mkquery(m, (uint16_t)(2000 + i * 3));
			for (size_t k = 12; k < LEN; k++)
				m[k] = (uint8_t)(m[1] ^ k);
			it[i].msg = m;
			it[i].len = LEN - i; /* lengths of every parity */
		}
		assert_int_equal(kd_conn_pipeline(c, it, N, window, kd_now_ms() + 20000), KD_OK);
		for (size_t i = 0; i < N; i++) {
			assert_int_equal(it[i].err, KD_OK);
			assert_int_equal(it[i].reply_len, 12);
			assert_memory_equal(it[i].reply, it[i].msg, 2);
			assert_int_equal(it[i].reply[3] & 0x0f, 0); /* the body came intact */
		}
		kd_conn_close(c);
		items_free(it, N);
		free(q);
		assert_int_equal(s->connections, 1);
		srv_stop(s);
	}
}

static kd_reply_t ignore_all(const uint8_t *msg, size_t len, void *arg)
{
	return KD_REPLY_IGNORE;
}

static void test_udp_ignored_and_refused(void **state)
{
	srv_t *s = srv_start(UDP_TENTATIVE);
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	uint8_t q[12], *r = NULL;
	size_t rl = 0;
	mkquery(q, 9);
	assert_int_equal(
	        kd_exchange(&a, false, q, 12, kd_now_ms() + 200, ignore_all, NULL, &r, &rl, NULL),
	        KD_EMISMATCH);
	assert_null(r);
	srv_stop(s);
	/* The port is closed now: refused, over UDP and TCP. */
	assert_int_equal(
	        kd_exchange(&a, false, q, 12, kd_now_ms() + 2000, NULL, NULL, &r, &rl, NULL),
	        KD_EREFUSED);
	assert_int_equal(
	        kd_exchange(&a, true, q, 12, kd_now_ms() + 2000, NULL, NULL, &r, &rl, NULL),
	        KD_EREFUSED);
	assert_null(r);
}

/* ---- kd_query_batch with a signer ---- */

typedef struct {
	unsigned signed_n, verified_n, released_n;
	unsigned dup_ids; /* IDs signed twice */
	uint8_t seen[65536];
} signer_state_t;

static kd_err_t fake_sign(void *arg, uint8_t *msg, size_t *len, size_t cap, void **req)
{
	signer_state_t *st = arg;
	uint16_t *id = malloc(sizeof(*id));
	if (id == NULL)
		return KD_ENOMEM;
	*id = (uint16_t)(msg[0] << 8 | msg[1]);
	st->dup_ids += st->seen[*id];
	st->seen[*id] = 1;
	*req = id;
	st->signed_n++;
	return KD_OK;
}

/* "Verifies" unless the answer is for a name starting with "forged". */
static kd_err_t fake_verify(void *arg, const void *req, const uint8_t *reply, size_t len, char *why,
                            size_t whylen)
{
	signer_state_t *st = arg;
	st->verified_n++;
	ldns_pkt *p = NULL;
	assert_int_equal(ldns_wire2pkt(&p, reply, len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(p), *(const uint16_t *)req);
	char *qname = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
	bool forged = strncmp(qname, "forged", 6) == 0;
	free(qname);
	ldns_pkt_free(p);
	if (!forged)
		return KD_OK;
	snprintf(why, whylen, "unsigned NOERROR (not trusted)");
	return KD_ETSIG;
}

static void fake_release(void *arg, void *req)
{
	((signer_state_t *)arg)->released_n++;
	free(req);
}

static void test_query_batch_signed(void **state)
{
	srv_t *s = srv_start(TCP_CLOSE_AT);
	s->close_after = 5; /* the first connection ends after 5 answers */
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	static signer_state_t st;
	memset(&st, 0, sizeof(st));
	kd_signer_t signer = {fake_sign, fake_verify, fake_release, &st};
	kd_question_t qs[20];
	char names[20][32];
	memset(qs, 0, sizeof(qs));
	for (int i = 0; i < 20; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%d.example.test", i == 13 ? "forged" : "n",
		         i);
		qs[i].name = names[i];
		qs[i].type = LDNS_RR_TYPE_SRV;
	}
	kd_query_opts_t o = {.servers = &a, .count = 1, .timeout_ms = 3000, .tcp = true};
	kd_addr_t from;
	memset(&from, 0, sizeof(from));
	assert_int_equal(kd_query_batch(&o, &signer, qs, 20, &from), KD_ETSIG);
	assert_true(kd_addr_equal(&from, &a));
	for (int i = 0; i < 20; i++) {
		if (i == 13) {
			assert_int_equal(qs[i].err, KD_ETSIG);
			assert_null(qs[i].answer);
			assert_string_equal(qs[i].why, "unsigned NOERROR (not trusted)");
			continue;
		}
		assert_int_equal(qs[i].err, KD_OK);
		assert_non_null(qs[i].answer);
		ldns_pkt_free(qs[i].answer);
	}
	/* One connection closed midway, a second one for the rest. */
	assert_int_equal(s->connections, 2);
	assert_int_equal(st.signed_n, 20);
	assert_int_equal(st.released_n, 20);
	assert_int_equal(st.verified_n, 20);
	srv_stop(s);
}

/* A batch large enough that random IDs collide: every query gets its own. */
static void test_query_batch_unique_ids(void **state)
{
	(void)state;
	enum { N = 3000 };
	srv_t *s = srv_start(TCP_CLOSE_AT);
	s->close_after = N + 1;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	static signer_state_t st;
	memset(&st, 0, sizeof(st));
	kd_signer_t signer = {fake_sign, fake_verify, fake_release, &st};
	static kd_question_t qs[N];
	static char names[N][32];
	memset(qs, 0, sizeof(qs));
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "n%d.example.test", i);
		qs[i].name = names[i];
		qs[i].type = LDNS_RR_TYPE_A;
	}
	kd_query_opts_t o = {.servers = &a, .count = 1, .timeout_ms = 10000, .tcp = true};
	assert_int_equal(kd_query_batch(&o, &signer, qs, N, NULL), KD_OK);
	assert_int_equal(st.signed_n, N);
	assert_int_equal(st.dup_ids, 0);
	for (int i = 0; i < N; i++)
		ldns_pkt_free(qs[i].answer);
	srv_stop(s);
}

/* A reply whose question differs in name, type or class does not answer the query; one that
 * differs only in case does. */
static void test_query_batch_question(void **state)
{
	(void)state;
	srv_t *s = srv_start(TCP_CLOSE_AT);
	s->close_after = 1000;
	srv_run(s);
	kd_addr_t a = srv_addr(s);
	const char *names[] = {"n0.example.test", "wrongname.example.test",
	                       "wrongtype.example.test", "wrongclass.example.test",
	                       "upper.Example.test"};
	const kd_err_t want[] = {KD_OK, KD_EMISMATCH, KD_EMISMATCH, KD_EMISMATCH, KD_OK};
	kd_question_t qs[5];
	memset(qs, 0, sizeof(qs));
	for (int i = 0; i < 5; i++) {
		qs[i].name = names[i];
		qs[i].type = LDNS_RR_TYPE_AAAA;
	}
	kd_query_opts_t o = {.servers = &a, .count = 1, .timeout_ms = 3000, .tcp = true};
	assert_int_equal(kd_query_batch(&o, NULL, qs, 5, NULL), KD_EMISMATCH);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(qs[i].err, want[i]);
		assert_true((qs[i].answer != NULL) == (want[i] == KD_OK));
		ldns_pkt_free(qs[i].answer);
	}
	srv_stop(s);
}

/* Two batches with opts.conn: the second goes over the connection the first left open; when
 * the server closed it meanwhile, over a new one, and every question is answered. */
static void test_query_batch_kept(void **state)
{
	(void)state;
	for (int server_closes = 0; server_closes <= 1; server_closes++) {
		srv_t *s = srv_start(TCP_CLOSE_AT);
		s->close_after = server_closes ? 3 : 1000; /* at the 4th query: after batch 1 */
		srv_run(s);
		kd_addr_t a = srv_addr(s);
		kd_conn_t *conn = NULL;
		kd_query_opts_t o = {
		        .servers = &a, .count = 1, .timeout_ms = 3000, .tcp = true, .conn = &conn};
		for (int batch = 0; batch < 2; batch++) {
			kd_question_t qs[3];
			char names[3][32];
			memset(qs, 0, sizeof(qs));
			for (int i = 0; i < 3; i++) {
				snprintf(names[i], sizeof(names[i]), "b%dn%d.example.test", batch,
				         i);
				qs[i].name = names[i];
				qs[i].type = LDNS_RR_TYPE_A;
			}
			assert_int_equal(kd_query_batch(&o, NULL, qs, 3, NULL), KD_OK);
			for (int i = 0; i < 3; i++) {
				assert_int_equal(qs[i].err, KD_OK);
				ldns_pkt_free(qs[i].answer);
			}
			assert_non_null(conn); /* all answered: left open for the next batch */
		}
		kd_conn_close(conn);
		assert_int_equal(s->connections, server_closes ? 2 : 1);
		srv_stop(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_pipeline_out_of_order),
	        cmocka_unit_test(test_pipeline_split_frames),
	        cmocka_unit_test(test_pipeline_duplicate_id),
	        cmocka_unit_test(test_pipeline_close_and_resume),
	        cmocka_unit_test(test_pipeline_window),
	        cmocka_unit_test(test_pipeline_multi_message),
	        cmocka_unit_test(test_pipeline_bulk_writes),
	        cmocka_unit_test(test_udp_tentative),
	        cmocka_unit_test(test_udp_ignored_and_refused),
	        cmocka_unit_test(test_query_batch_signed),
	        cmocka_unit_test(test_query_batch_kept),
	        cmocka_unit_test(test_query_batch_unique_ids),
	        cmocka_unit_test(test_query_batch_question),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
