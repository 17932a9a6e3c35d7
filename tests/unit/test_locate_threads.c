/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libkmslocate from several threads at once, one context each (issue 3: "no global state,
 * one context per thread is safe"): racing connects to fake KMS hosts, seeded ordering of DNS
 * answers, and one state file shared by every context. cmocka asserts only in the main thread;
 * workers record their first failure. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "resolver-plugin/kmslocate.h"
#include "resolver-plugin/state.h"
#include "tests/fake/fake-kms-spawn.h"

#define NKMS        8
#define CONNECTS    25    /* (a) kmsl_connect calls per thread */
#define ORDERS      20    /* (b) kmsl_candidates calls per thread */
#define REPORTS     40    /* (c) kmsl_report calls per thread */
#define NSTATE      4     /* (c) threads sharing one state file */
#define HOSTS       4     /* (c) hosts each of them reports */
#define RUN_MS      60000 /* whole-scenario bound: a hang fails instead of blocking make */
#define SEED_BASE   0x5eedULL
#define DNS_POLL_MS 50

/* Fake KMS hosts on 127.0.0.(ADDR_BASE + i), one per thread of (a). */
#define ADDR_BASE 21
static pid_t kms_pid[NKMS];
static uint16_t kms_port[NKMS];

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

typedef struct {
	int id;
	pthread_barrier_t *start;
	char fail[256];
	/* (b) */
	uint16_t dns_port;
	uint64_t seed;
	int order[ORDERS][8]; /* record index (kms<N>) per position */
	/* (c) */
	const char *state_path;
	kmsl_state_t last[HOSTS];
} worker_t;

static void fail_at(worker_t *w, int line, const char *what)
{
	if (w->fail[0] == '\0')
		snprintf(w->fail, sizeof(w->fail), "worker %d, line %d: %s", w->id, line, what);
}

/* Workers must not longjmp out of their thread, so CHECK records and returns. */
/* No warning, else fail with its text. */
#define CHECK_NO_WARNING(w, ctx)                                                                   \
	do {                                                                                       \
		if (kmsl_warning(ctx) != NULL) {                                                   \
			fail_at((w), __LINE__, kmsl_warning(ctx));                                 \
			return NULL;                                                               \
		}                                                                                  \
	} while (0)

#define CHECK(w, cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fail_at((w), __LINE__, #cond);                                             \
			return NULL;                                                               \
		}                                                                                  \
	} while (0)

static void run_workers(worker_t *w, size_t n, void *(*fn)(void *))
{
	pthread_t tid[NKMS];
	pthread_barrier_t start;
	assert_true(n <= NKMS);
	assert_int_equal(pthread_barrier_init(&start, NULL, (unsigned)n), 0);
	for (size_t i = 0; i < n; i++) {
		w[i].id = (int)i;
		w[i].start = &start;
		assert_int_equal(pthread_create(&tid[i], NULL, fn, &w[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pthread_join(tid[i], NULL), 0);
	pthread_barrier_destroy(&start);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(w[i].fail, "");
}

static void kms_addr(int i, char *buf, size_t len)
{
	snprintf(buf, len, "127.0.0.%d", ADDR_BASE + i);
}

static int start_kms(void **state)
{
	for (int i = 0; i < NKMS; i++) {
		char addr[32];
		kms_addr(i, addr, sizeof(addr));
		kms_pid[i] = fake_kms_start(FAKE_KMS, addr, "ack", &kms_port[i]);
		if (kms_pid[i] < 0) {
			fprintf(stderr, "failed to start %s on %s\n", FAKE_KMS, addr);
			return -1;
		}
	}
	return 0;
}

static int stop_kms(void **state)
{
	int ret = 0;
	for (int i = 0; i < NKMS; i++)
		if (kms_pid[i] > 0 && fake_kms_stop(kms_pid[i]) != 0)
			ret = -1;
	return ret;
}

/* A context on fake KMS i with probe rpc; state_path NULL = no state file. */
static kmsl_ctx_t *kms_ctx(int i, const char *state_path)
{
	kmsl_ctx_t *ctx = NULL;
	char hp[64];
	snprintf(hp, sizeof(hp), "127.0.0.%d:%u", ADDR_BASE + i, kms_port[i]);
	if (kmsl_ctx_new(&ctx) != KMSL_OK)
		return NULL;
	if (kmsl_set_static(ctx, hp) != KMSL_OK || kmsl_set_probe(ctx, KMSL_PROBE_RPC) != KMSL_OK ||
	    kmsl_set_state_path(ctx, state_path) != KMSL_OK ||
	    kmsl_set_timeout(ctx, 5000) != KMSL_OK || kmsl_set_deadline(ctx, 10000) != KMSL_OK ||
	    kmsl_set_dead_retry(ctx, 3600 * 1000) != KMSL_OK) {
		kmsl_ctx_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The connection really goes to fake KMS i (not to another thread's host). */
static bool peer_is_kms(int fd, int i)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int err = -1;
	socklen_t elen = sizeof(err);
	return getpeername(fd, (struct sockaddr *)&peer, &len) == 0 && peer.sin_family == AF_INET &&
	       ntohl(peer.sin_addr.s_addr) == (127U << 24 | (unsigned)(ADDR_BASE + i)) &&
	       ntohs(peer.sin_port) == kms_port[i] &&
	       getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0;
}

static bool chosen_is_kms(const kmsl_host_t *h, int i)
{
	char addr[32];
	kms_addr(i, addr, sizeof(addr));
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&h->addr;
	return strcmp(h->target, addr) == 0 && strcmp(h->suffix, "") == 0 &&
	       h->port == kms_port[i] && h->addrlen == sizeof(*sin) && sin->sin_family == AF_INET &&
	       ntohl(sin->sin_addr.s_addr) == (127U << 24 | (unsigned)(ADDR_BASE + i)) &&
	       ntohs(sin->sin_port) == kms_port[i];
}

/* (a) */
static void *connect_worker(void *arg)
{
	worker_t *w = arg;
	kmsl_ctx_t *ctx = kms_ctx(w->id, NULL);
	pthread_barrier_wait(w->start);
	CHECK(w, ctx != NULL);
	uint64_t end = mono_ms() + RUN_MS;
	int i;
	for (i = 0; i < CONNECTS && mono_ms() < end; i++) {
		int fd = -1;
		kmsl_host_t h;
		kmsl_err_t r = kmsl_connect(ctx, &fd, &h);
		bool ok = r == KMSL_OK && fd >= 0 && chosen_is_kms(&h, w->id) &&
		          peer_is_kms(fd, w->id);
		if (fd >= 0)
			close(fd);
		if (!ok) {
			fail_at(w, __LINE__, kmsl_strerror(r));
			break;
		}
	}
	CHECK(w, w->fail[0] != '\0' || i == CONNECTS);
	CHECK_NO_WARNING(w, ctx);
	kmsl_ctx_free(ctx);
	return NULL;
}

static void test_connect_threads(void **state)
{
	worker_t w[NKMS];
	memset(w, 0, sizeof(w));
	run_workers(w, NKMS, connect_worker);
}

/* (b) An in-test DNS server on 127.0.0.1: a fixed SRV RRset with glue for
 * _vlmcs._tcp.example.test., REFUSED for anything else. */
static const char *const SRV_RRS[] = {
        "_vlmcs._tcp.example.test. 300 IN SRV 0 10 1688 kms0.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 0 20 1688 kms1.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 0 30 1688 kms2.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 0 0 1688 kms3.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 0 0 1688 kms4.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 5 1 1688 kms5.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 5 1 1688 kms6.example.test.",
        "_vlmcs._tcp.example.test. 300 IN SRV 5 0 1688 kms7.example.test.",
};
#define NRECS (sizeof(SRV_RRS) / sizeof(SRV_RRS[0]))

typedef struct {
	int fd;
	uint16_t port;
	atomic_bool stop;
	atomic_uint answered;
	pthread_t tid;
} dns_t;

static ldns_pkt *dns_reply(const ldns_pkt *q)
{
	ldns_pkt *r = ldns_pkt_new();
	if (r == NULL)
		return NULL;
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (qrr == NULL) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
		return r;
	}
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	ldns_rdf *want = ldns_dname_new_frm_str("_vlmcs._tcp.example.test.");
	bool ours = want != NULL && ldns_rr_get_type(qrr) == LDNS_RR_TYPE_SRV &&
	            ldns_dname_compare(ldns_rr_owner(qrr), want) == 0;
	ldns_rdf_deep_free(want);
	if (!ours) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
		return r;
	}
	for (size_t i = 0; i < NRECS; i++) {
		char glue[80];
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, SRV_RRS[i], 0, NULL, NULL) == LDNS_STATUS_OK)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
		snprintf(glue, sizeof(glue), "kms%zu.example.test. 300 IN A 127.0.0.%zu", i,
		         100 + i);
		if (ldns_rr_new_frm_str(&rr, glue, 0, NULL, NULL) == LDNS_STATUS_OK)
			ldns_pkt_push_rr(r, LDNS_SECTION_ADDITIONAL, rr);
	}
	return r;
}

static void *dns_serve(void *arg)
{
	dns_t *d = arg;
	uint8_t buf[4096];
	while (!atomic_load(&d->stop)) {
		struct pollfd p = {.fd = d->fd, .events = POLLIN};
		if (poll(&p, 1, DNS_POLL_MS) <= 0)
			continue;
		struct sockaddr_storage from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(d->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
		ldns_pkt *q = NULL;
		if (n <= 0 || ldns_wire2pkt(&q, buf, (size_t)n) != LDNS_STATUS_OK)
			continue;
		ldns_pkt *r = dns_reply(q);
		uint8_t *wire = NULL;
		size_t len = 0;
		if (r != NULL && ldns_pkt2wire(&wire, r, &len) == LDNS_STATUS_OK &&
		    sendto(d->fd, wire, len, 0, (struct sockaddr *)&from, flen) == (ssize_t)len)
			atomic_fetch_add(&d->answered, 1);
		free(wire);
		ldns_pkt_free(r);
		ldns_pkt_free(q);
	}
	return NULL;
}

static void dns_start(dns_t *d)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(d->fd >= 0);
	assert_int_equal(bind(d->fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(d->fd, (struct sockaddr *)&sin, &len), 0);
	d->port = ntohs(sin.sin_port);
	atomic_init(&d->stop, false);
	atomic_init(&d->answered, 0);
	assert_int_equal(pthread_create(&d->tid, NULL, dns_serve, d), 0);
}

static void dns_stop(dns_t *d)
{
	atomic_store(&d->stop, true);
	assert_int_equal(pthread_join(d->tid, NULL), 0);
	close(d->fd);
}

/* ORDERS calls of kmsl_candidates (the path of kms-locate --all) with w->seed; the order of
 * each into w->order. Used by the threads and, single-threaded, for the expected results. */
static void *order_worker(void *arg)
{
	worker_t *w = arg;
	kmsl_ctx_t *ctx = NULL;
	char server[32];
	snprintf(server, sizeof(server), "127.0.0.1@%u", w->dns_port);
	if (w->start != NULL)
		pthread_barrier_wait(w->start);
	CHECK(w, kmsl_ctx_new(&ctx) == KMSL_OK);
	CHECK(w, kmsl_set_lookup_domain(ctx, "example.test") == KMSL_OK);
	CHECK(w, kmsl_add_server(ctx, server) == KMSL_OK);
	CHECK(w, kmsl_set_state_path(ctx, NULL) == KMSL_OK);
	CHECK(w, kmsl_set_timeout(ctx, 5000) == KMSL_OK);
	kmsl_set_seed(ctx, w->seed);
	uint64_t end = mono_ms() + RUN_MS;
	int i;
	for (i = 0; i < ORDERS && mono_ms() < end; i++) {
		kmsl_list_t *l = NULL;
		kmsl_err_t r = kmsl_candidates(ctx, &l);
		if (r != KMSL_OK) {
			fail_at(w, __LINE__, kmsl_strerror(r));
			break;
		}
		bool ok = kmsl_list_count(l) == NRECS && kmsl_list_suffix_count(l) == 1 &&
		          kmsl_list_suffix_reason(l, 0) == KMSL_REASON_RECORDS;
		for (size_t k = 0; ok && k < NRECS; k++) {
			unsigned idx = 99;
			ok = sscanf(kmsl_list_target(l, k), "kms%u.example.test", &idx) == 1 &&
			     idx < NRECS && kmsl_list_addr_count(l, k) == 1;
			w->order[i][k] = (int)idx;
		}
		kmsl_list_free(l);
		if (!ok) {
			fail_at(w, __LINE__, "unexpected candidate list");
			break;
		}
	}
	CHECK(w, w->fail[0] != '\0' || i == ORDERS);
	kmsl_ctx_free(ctx);
	return NULL;
}

static void test_order_threads(void **state)
{
	dns_t d;
	dns_start(&d);
	worker_t want[NKMS], got[NKMS];
	memset(want, 0, sizeof(want));
	memset(got, 0, sizeof(got));
	for (int t = 0; t < NKMS; t++) {
		want[t].id = t;
		want[t].dns_port = got[t].dns_port = d.port;
		want[t].seed = got[t].seed = SEED_BASE + (uint64_t)t;
		order_worker(&want[t]); /* the single-threaded reference */
		assert_string_equal(want[t].fail, "");
	}
	run_workers(got, NKMS, order_worker);
	dns_stop(&d);
	/* Each call: the SRV query, and AAAA for each target (the glue has A only). */
	assert_int_equal(atomic_load(&d.answered), 2 * NKMS * ORDERS * (1 + NRECS));
	/* Same seed, same orders, whatever the other threads drew meanwhile. */
	for (int t = 0; t < NKMS; t++)
		assert_memory_equal(got[t].order, want[t].order, sizeof(want[t].order));
	/* The seeds matter (else the comparison above proves nothing), and priority 0 (kms0-4)
	 * always precedes priority 5 (kms5-7). */
	assert_memory_not_equal(want[0].order, want[1].order, sizeof(want[0].order));
	for (int t = 0; t < NKMS; t++)
		for (int i = 0; i < ORDERS; i++)
			for (size_t k = 0; k < NRECS; k++)
				assert_true((k < 5) == (want[t].order[i][k] < 5));
}

/* (c) Thread t reports hosts t<t>-h<k> alive or dead in a pattern of its own and connects to
 * fake KMS t now and then, all on one state file. */
static void *report_worker(void *arg)
{
	worker_t *w = arg;
	kmsl_ctx_t *ctx = kms_ctx(w->id, w->state_path);
	pthread_barrier_wait(w->start);
	CHECK(w, ctx != NULL);
	uint64_t end = mono_ms() + RUN_MS;
	int i;
	for (i = 0; i < REPORTS && mono_ms() < end; i++) {
		char host[64];
		int k = i % HOSTS;
		kmsl_state_t s = (i / HOSTS + w->id + k) % 2 ? KMSL_STATE_ALIVE : KMSL_STATE_DEAD;
		snprintf(host, sizeof(host), "t%d-h%d.example.test", w->id, k);
		CHECK(w, kmsl_report(ctx, host, (uint16_t)(1688 + k), s) == KMSL_OK);
		CHECK_NO_WARNING(w, ctx);
		w->last[k] = s;
		if (i % 5 != 0)
			continue;
		int fd = -1;
		kmsl_host_t h;
		CHECK(w, kmsl_connect(ctx, &fd, &h) == KMSL_OK);
		bool ok = chosen_is_kms(&h, w->id) && peer_is_kms(fd, w->id);
		close(fd);
		CHECK(w, ok);
		CHECK_NO_WARNING(w, ctx);
	}
	CHECK(w, i == REPORTS);
	kmsl_ctx_free(ctx);
	return NULL;
}

static const kmsl_dead_t *find_dead(const kmsl_statefile_t *st, const char *host, uint16_t port)
{
	for (size_t i = 0; i < st->ndead; i++)
		if (strcmp(st->dead[i].target, host) == 0 && st->dead[i].port == port)
			return &st->dead[i];
	return NULL;
}

static void check_state(const char *path, const worker_t *w)
{
	kmsl_statefile_t st;
	char warn[512] = "";
	kmsl_state_init(&st);
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	int64_t now = (int64_t)time(NULL);
	/* Static hosts: one sticky host for the suffix "", and it is a host seen alive. */
	assert_true(st.nsticky <= 1);
	assert_true(st.nsticky == 0 || st.sticky[0].suffix[0] == '\0');
	const char *sticky_target = st.nsticky == 1 ? st.sticky[0].target : "";
	uint16_t sticky_port = st.nsticky == 1 ? st.sticky[0].port : 0;
	bool sticky_ok = st.nsticky == 0;
	for (int t = 0; t < NSTATE; t++) {
		char addr[32];
		kms_addr(t, addr, sizeof(addr));
		sticky_ok |= strcmp(sticky_target, addr) == 0 && sticky_port == kms_port[t];
		assert_null(find_dead(&st, addr, kms_port[t]));
		for (int k = 0; k < HOSTS; k++) {
			char host[64];
			uint16_t port = (uint16_t)(1688 + k);
			snprintf(host, sizeof(host), "t%d-h%d.example.test", t, k);
			const kmsl_dead_t *d = find_dead(&st, host, port);
			if (w[t].last[k] == KMSL_STATE_DEAD) {
				assert_non_null(d);
				assert_true(d->until > now);
			} else {
				assert_int_equal(w[t].last[k], KMSL_STATE_ALIVE);
				assert_null(d);
				/* A sticky host was reported alive last: a later dead report drops
				 * it. */
				sticky_ok |=
				        strcmp(sticky_target, host) == 0 && sticky_port == port;
			}
		}
	}
	assert_int_equal(st.ndead, NSTATE * HOSTS / 2);
	assert_true(sticky_ok);
	kmsl_state_deinit(&st);

	/* And the library reads it without a warning. */
	kmsl_ctx_t *ctx = kms_ctx(0, path);
	kmsl_list_t *l = NULL;
	assert_non_null(ctx);
	assert_int_equal(kmsl_candidates(ctx, &l), KMSL_OK);
	assert_null(kmsl_warning(ctx));
	kmsl_list_free(l);
	kmsl_ctx_free(ctx);
}

static void test_shared_state_threads(void **state)
{
	char dir[] = "/tmp/test_locate_threads.XXXXXX";
	char path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	worker_t w[NSTATE];
	memset(w, 0, sizeof(w));
	for (int t = 0; t < NSTATE; t++)
		w[t].state_path = path;
	run_workers(w, NSTATE, report_worker);
	check_state(path, w);

	/* Atomic writes leave no temporary files behind. */
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	int entries = 0;
	for (struct dirent *e; (e = readdir(dp)) != NULL;) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true(strcmp(e->d_name, "state") == 0 ||
		            strcmp(e->d_name, "state.lock") == 0);
		entries++;
	}
	closedir(dp);
	assert_int_equal(entries, 2);
	char lock[80];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_connect_threads),
	        cmocka_unit_test(test_order_threads),
	        cmocka_unit_test(test_shared_state_threads),
	};
	return cmocka_run_group_tests(tests, start_kms, stop_kms);
}
