/* SPDX-License-Identifier: GPL-3.0-or-later */
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

#include "dns/lookup.h"
#include "dns/query.h"

/* ---- kd_soa_zone on constructed answers ---- */

static ldns_rr *rr(const char *text)
{
	ldns_rr *r = NULL;
	assert_int_equal(ldns_rr_new_frm_str(&r, text, 3600, NULL, NULL), LDNS_STATUS_OK);
	return r;
}

#define SOA_EXAMPLE                                                                                \
	"Example.TEST. 3600 IN SOA NS.Example.Test. admin.example.test. 1 3600 900 604800 300"

static ldns_pkt *answer_pkt(const char *qname, ldns_pkt_rcode rcode, const char *answer,
                            const char *authority)
{
	ldns_pkt *p = ldns_pkt_new();
	assert_non_null(p);
	ldns_rr *q = NULL;
	char qtext[300];
	snprintf(qtext, sizeof(qtext), "%s IN SOA", qname);
	assert_int_equal(ldns_rr_new_question_frm_str(&q, qtext, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, q);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rcode);
	if (answer != NULL)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr(answer));
	if (authority != NULL)
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr(authority));
	return p;
}

static void assert_soa_zone(ldns_pkt *p, const char *qname, kd_err_t want, const char *zone,
                            const char *mname)
{
	char *z = (char *)"untouched", *m = (char *)"untouched";
	kd_err_t ret = kd_soa_zone(p, qname, &z, &m);
	ldns_pkt_free(p);
	assert_int_equal(ret, want);
	if (want != KD_OK) {
		assert_string_equal(z, "untouched");
		assert_string_equal(m, "untouched");
		return;
	}
	assert_string_equal(z, zone);
	assert_string_equal(m, mname);
	free(z);
	free(m);
}

static void test_soa_zone(void **state)
{
	/* The apex itself: SOA in the answer section. */
	assert_soa_zone(answer_pkt("example.test.", LDNS_RCODE_NOERROR, SOA_EXAMPLE, NULL),
	                "example.test", KD_OK, "example.test.", "ns.example.test.");
	/* NODATA below the apex: SOA in the authority section. */
	assert_soa_zone(answer_pkt("kms1.example.test.", LDNS_RCODE_NOERROR, NULL, SOA_EXAMPLE),
	                "KMS1.example.test.", KD_OK, "example.test.", "ns.example.test.");
	/* NXDOMAIN deeper down. */
	assert_soa_zone(answer_pkt("a.b.example.test.", LDNS_RCODE_NXDOMAIN, NULL, SOA_EXAMPLE),
	                "a.b.example.test", KD_OK, "example.test.", "ns.example.test.");
	/* An SOA of an unrelated zone (e.g. after a CNAME) does not count. */
	assert_soa_zone(answer_pkt("kms1.other.test.", LDNS_RCODE_NOERROR, NULL, SOA_EXAMPLE),
	                "kms1.other.test.", KD_ENOENT, NULL, NULL);
	/* Nor does a zone that only shares a suffix without a label boundary. */
	assert_soa_zone(answer_pkt("kms1.myexample.test.", LDNS_RCODE_NOERROR, NULL, SOA_EXAMPLE),
	                "kms1.myexample.test.", KD_ENOENT, NULL, NULL);
	/* A referral (NS, no SOA) names no zone. */
	assert_soa_zone(answer_pkt("kms1.example.test.", LDNS_RCODE_NOERROR, NULL,
	                           "example.test. 3600 IN NS ns.example.test."),
	                "kms1.example.test.", KD_ENOENT, NULL, NULL);
	assert_soa_zone(answer_pkt("kms1.example.test.", LDNS_RCODE_SERVFAIL, NULL, NULL),
	                "kms1.example.test.", KD_ERCODE, NULL, NULL);
	assert_soa_zone(answer_pkt("kms1.example.test.", LDNS_RCODE_REFUSED, NULL, SOA_EXAMPLE),
	                "kms1.example.test.", KD_ERCODE, NULL, NULL);
	/* The root zone holds everything. */
	assert_soa_zone(answer_pkt(".", LDNS_RCODE_NOERROR,
	                           ". 86400 IN SOA a.root-servers.net. "
	                           "nstld.verisign-grs.com. 1 1800 900 "
	                           "604800 86400",
	                           NULL),
	                ".", KD_OK, ".", "a.root-servers.net.");

	/* mname_out may be NULL. */
	ldns_pkt *p = answer_pkt("kms1.example.test.", LDNS_RCODE_NOERROR, NULL, SOA_EXAMPLE);
	char *z = NULL;
	assert_int_equal(kd_soa_zone(p, "kms1.example.test.", &z, NULL), KD_OK);
	assert_string_equal(z, "example.test.");
	free(z);
	ldns_pkt_free(p);
}

/* ---- a fake authoritative server for example.test on loopback (UDP + TCP, one port) ---- */

static const char *const zone_data[] = {
        "example.test. 3600 IN SOA ns.example.test. admin.example.test. 1 3600 900 604800 300",
        "example.test. 3600 IN NS ns.example.test.",
        "ns.example.test. 3600 IN A 127.0.0.1",
        "host.example.test. 3600 IN A 192.0.2.1",
        "host.example.test. 3600 IN AAAA 2001:db8::1",
        "www.example.test. 3600 IN CNAME host.example.test.",
        "sub.example.test. 3600 IN TXT \"exists, no address\"",
        "big.example.test. 3600 IN A 192.0.2.2",
        "twice.example.test. 3600 IN A 192.0.2.3",
        "wrongid.example.test. 3600 IN A 192.0.2.4",
        "wrongq.example.test. 3600 IN A 192.0.2.5",
        "other.example.test. 3600 IN A 192.0.2.6",
        /* "silent.example.test." is never answered */
};

typedef struct {
	int udp, tcp, stop[2];
	uint16_t port;
	pthread_t thread;
	ldns_rr_list *zone;
	unsigned tcp_queries;
} fake_t;

static bool owner_is(const ldns_rr *r, const char *name)
{
	ldns_rdf *d = ldns_dname_new_frm_str(name);
	bool eq = ldns_dname_compare(ldns_rr_owner(r), d) == 0;
	ldns_rdf_deep_free(d);
	return eq;
}

/* Copy the zone's records for owner/type into the answer, following one CNAME. */
static bool add_records(const fake_t *f, ldns_pkt *r, const ldns_rdf *owner, ldns_rr_type type)
{
	bool exists = false;
	for (size_t i = 0; i < ldns_rr_list_rr_count(f->zone); i++) {
		const ldns_rr *z = ldns_rr_list_rr(f->zone, i);
		if (ldns_dname_compare(ldns_rr_owner(z), owner) != 0)
			continue;
		exists = true;
		if (ldns_rr_get_type(z) == type) {
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, ldns_rr_clone(z));
		} else if (ldns_rr_get_type(z) == LDNS_RR_TYPE_CNAME) {
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, ldns_rr_clone(z));
			add_records(f, r, ldns_rr_rdf(z, 0), type);
		}
	}
	return exists;
}

static ldns_pkt *fake_answer(const fake_t *f, const ldns_pkt *q, bool tcp)
{
	const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	const ldns_rdf *qname = ldns_rr_owner(qrr);
	if (owner_is(qrr, "silent.example.test."))
		return NULL;
	ldns_pkt *r = ldns_pkt_new();
	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_aa(r, true);
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, ldns_rr_clone(qrr));
	const ldns_rr *soa = ldns_rr_list_rr(f->zone, 0);
	if (!ldns_dname_is_subdomain(qname, ldns_rr_owner(soa)) &&
	    ldns_dname_compare(qname, ldns_rr_owner(soa)) != 0) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
		return r;
	}
	if (owner_is(qrr, "big.example.test.") && !tcp) {
		ldns_pkt_set_tc(r, true);
		return r;
	}
	bool exists = add_records(f, r, qname, ldns_rr_get_type(qrr));
	if (ldns_pkt_ancount(r) == 0) {
		ldns_pkt_set_rcode(r, exists ? LDNS_RCODE_NOERROR : LDNS_RCODE_NXDOMAIN);
		ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY, ldns_rr_clone(soa));
	}
	if (owner_is(qrr, "wrongq.example.test.")) {
		ldns_rr *other = ldns_rr_clone(qrr);
		ldns_rdf_deep_free(ldns_rr_owner(other));
		ldns_rr_set_owner(other, ldns_dname_new_frm_str("other.example.test."));
		ldns_rr_list_deep_free(ldns_pkt_question(r));
		ldns_pkt_set_question(r, ldns_rr_list_new());
		ldns_pkt_set_qdcount(r, 0);
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION, other);
	}
	return r;
}

/* Wire of the reply (NULL: stay silent); "twice" first gets a reply with a wrong ID. */
static uint8_t *fake_reply(fake_t *f, const uint8_t *buf, size_t len, bool tcp, size_t *out_len,
                           bool *decoy)
{
	ldns_pkt *q = NULL;
	uint8_t *wire = NULL;
	*decoy = false;
	if (ldns_wire2pkt(&q, buf, len) != LDNS_STATUS_OK)
		return NULL;
	ldns_pkt *r = fake_answer(f, q, tcp);
	if (r != NULL) {
		const ldns_rr *qrr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
		if (owner_is(qrr, "wrongid.example.test."))
			ldns_pkt_set_id(r, (uint16_t)(ldns_pkt_id(q) + 1));
		*decoy = owner_is(qrr, "twice.example.test.");
		if (ldns_pkt2wire(&wire, r, out_len) != LDNS_STATUS_OK)
			wire = NULL;
		ldns_pkt_free(r);
	}
	ldns_pkt_free(q);
	return wire;
}

static void fake_tcp(fake_t *f)
{
	int c = accept(f->tcp, NULL, NULL);
	if (c < 0)
		return;
	f->tcp_queries++;
	uint8_t hdr[2], buf[65536];
	if (recv(c, hdr, 2, MSG_WAITALL) == 2) {
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		size_t rlen = 0;
		bool decoy;
		uint8_t *wire;
		if (recv(c, buf, len, MSG_WAITALL) == (ssize_t)len &&
		    (wire = fake_reply(f, buf, len, true, &rlen, &decoy)) != NULL) {
			uint8_t l[2] = {(uint8_t)(rlen >> 8), (uint8_t)rlen};
			send(c, l, 2, MSG_NOSIGNAL);
			send(c, wire, rlen, MSG_NOSIGNAL);
			free(wire);
		}
	}
	close(c);
}

static void *fake_main(void *arg)
{
	fake_t *f = arg;
	for (;;) {
		struct pollfd p[3] = {
		        {f->udp, POLLIN, 0}, {f->tcp, POLLIN, 0}, {f->stop[0], POLLIN, 0}};
		if (poll(p, 3, -1) < 0 || p[2].revents != 0)
			return NULL;
		if (p[1].revents & POLLIN)
			fake_tcp(f);
		if (!(p[0].revents & POLLIN))
			continue;
		uint8_t buf[65536];
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(f->udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		size_t rlen = 0;
		bool decoy;
		uint8_t *wire = n > 0 ? fake_reply(f, buf, (size_t)n, false, &rlen, &decoy) : NULL;
		if (wire == NULL)
			continue;
		if (decoy) {
			wire[1] ^= 0x5A;
			sendto(f->udp, wire, rlen, 0, (struct sockaddr *)&from, fl);
			wire[1] ^= 0x5A;
		}
		sendto(f->udp, wire, rlen, 0, (struct sockaddr *)&from, fl);
		free(wire);
	}
}

static int fake_setup(void **state)
{
	fake_t *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->zone = ldns_rr_list_new();
	for (size_t i = 0; i < sizeof(zone_data) / sizeof(zone_data[0]); i++)
		ldns_rr_list_push_rr(f->zone, rr(zone_data[i]));
	/* One port for both transports: take a free UDP port, then bind TCP to it. */
	for (int tries = 0; tries < 50 && f->port == 0; tries++) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		socklen_t al = sizeof(a);
		f->udp = socket(AF_INET, SOCK_DGRAM, 0);
		f->tcp = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(f->udp >= 0 && f->tcp >= 0);
		assert_int_equal(bind(f->udp, (struct sockaddr *)&a, sizeof(a)), 0);
		assert_int_equal(getsockname(f->udp, (struct sockaddr *)&a, &al), 0);
		if (bind(f->tcp, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(f->tcp, 8) == 0) {
			f->port = ntohs(a.sin_port);
		} else {
			close(f->udp);
			close(f->tcp);
		}
	}
	assert_int_not_equal(f->port, 0);
	assert_int_equal(pipe(f->stop), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	fake_t *f = *state;
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	close(f->udp);
	close(f->tcp);
	close(f->stop[0]);
	close(f->stop[1]);
	ldns_rr_list_deep_free(f->zone);
	free(f);
	return 0;
}

static kd_addr_t fake_addr(const fake_t *f)
{
	kd_addr_t a;
	assert_int_equal(kd_addr_parse("127.0.0.1", f->port, &a), 0);
	return a;
}

/* The A records of an answer as text, sorted as they came: "192.0.2.1 192.0.2.2". */
static void answer_addrs(const ldns_pkt *p, char *buf, size_t len)
{
	buf[0] = '\0';
	const ldns_rr_list *ans = ldns_pkt_answer(p);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *r = ldns_rr_list_rr(ans, i);
		if (ldns_rr_get_type(r) != LDNS_RR_TYPE_A)
			continue;
		char *t = ldns_rdf2str(ldns_rr_rdf(r, 0));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? " " : "", t);
		free(t);
	}
}

static kd_err_t ask(const fake_t *f, bool tcp, uint64_t timeout_ms, const char *name,
                    ldns_rr_type type, char *addrs, size_t len)
{
	kd_addr_t dead, servers[2];
	assert_int_equal(kd_addr_parse("127.0.0.1", 1, &dead), 0);
	servers[0] = fake_addr(f);
	kd_query_opts_t opts = {
	        .servers = servers, .count = 1, .timeout_ms = timeout_ms, .tcp = tcp};
	ldns_pkt *p = NULL;
	kd_addr_t from;
	memset(&from, 0, sizeof(from));
	kd_err_t ret = kd_query(&opts, name, type, &p, &from);
	if (ret != KD_OK) {
		assert_null(p);
		return ret;
	}
	assert_true(kd_addr_equal(&from, &servers[0]));
	answer_addrs(p, addrs, len);
	assert_false(ldns_pkt_tc(p));
	ldns_pkt_free(p);
	return KD_OK;
}

static void test_query_udp_tcp(void **state)
{
	fake_t *f = *state;
	char addrs[256];
	assert_int_equal(ask(f, false, 2000, "host.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_OK);
	assert_string_equal(addrs, "192.0.2.1");
	unsigned before = f->tcp_queries;
	assert_int_equal(ask(f, true, 2000, "HOST.example.test.", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_OK);
	assert_string_equal(addrs, "192.0.2.1");
	assert_int_equal(f->tcp_queries, before + 1);
	/* Truncated over UDP: the answer comes over TCP. */
	before = f->tcp_queries;
	assert_int_equal(ask(f, false, 2000, "big.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_OK);
	assert_string_equal(addrs, "192.0.2.2");
	assert_int_equal(f->tcp_queries, before + 1);
}

static void test_query_checks(void **state)
{
	fake_t *f = *state;
	char addrs[256];
	/* A datagram with a wrong ID is ignored; the real answer after it is taken. */
	assert_int_equal(ask(f, false, 2000, "twice.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_OK);
	assert_string_equal(addrs, "192.0.2.3");
	assert_int_equal(ask(f, false, 300, "wrongid.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_EMISMATCH);
	assert_int_equal(ask(f, true, 2000, "wrongid.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_EMISMATCH);
	assert_int_equal(ask(f, true, 2000, "wrongq.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_EMISMATCH);
	assert_int_equal(ask(f, false, 300, "silent.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_ETIMEOUT);
	assert_int_equal(ask(f, true, 300, "silent.example.test", LDNS_RR_TYPE_A, addrs, 256),
	                 KD_ECLOSED); /* the fake closes the connection without a reply */
}

static void test_query_next_server(void **state)
{
	fake_t *f = *state;
	/* A closed port first, then the fake: the answer comes from the second server. */
	kd_addr_t servers[2];
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t al = sizeof(a);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
	close(s); /* now (very likely) closed */
	assert_int_equal(kd_addr_parse("127.0.0.1", ntohs(a.sin_port), &servers[0]), 0);
	servers[1] = fake_addr(f);
	for (int tcp = 0; tcp <= 1; tcp++) {
		kd_query_opts_t opts = {
		        .servers = servers, .count = 2, .timeout_ms = 2000, .tcp = tcp};
		ldns_pkt *p = NULL;
		kd_addr_t from;
		assert_int_equal(kd_query(&opts, "host.example.test.", LDNS_RR_TYPE_A, &p, &from),
		                 KD_OK);
		assert_true(kd_addr_equal(&from, &servers[1]));
		ldns_pkt_free(p);
		/* Only the closed port: refused, and said so (not a timeout, never success). */
		opts.count = 1;
		p = NULL;
		kd_err_t ret = kd_query(&opts, "host.example.test.", LDNS_RR_TYPE_A, &p, NULL);
		assert_int_equal(ret, KD_EREFUSED);
		assert_string_equal(kd_strerror(ret), "connection refused");
		assert_null(p);
	}
}

static void test_find_zone(void **state)
{
	fake_t *f = *state;
	kd_addr_t server = fake_addr(f);
	kd_query_opts_t opts = {.servers = &server, .count = 1, .timeout_ms = 2000, .tcp = true};
	static const char *const names[] = {
	        "example.test",
	        "host.example.test",
	        "Deep.Below.Example.Test.",
	        "sub.example.test",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *zone = NULL, *mname = NULL;
		assert_int_equal(kd_find_zone(&opts, names[i], &zone, &mname), KD_OK);
		assert_string_equal(zone, "example.test.");
		assert_string_equal(mname, "ns.example.test.");
		free(zone);
		free(mname);
	}
	char *zone = (char *)"untouched";
	assert_int_equal(kd_find_zone(&opts, "kms.other.test", &zone, NULL), KD_ERCODE);
	assert_string_equal(zone, "untouched");
}

static void test_resolve_addrs(void **state)
{
	fake_t *f = *state;
	kd_addr_t server = fake_addr(f);
	kd_query_opts_t opts = {.servers = &server, .count = 1, .timeout_ms = 2000};
	kd_addr_t out[4];
	size_t n = 99;
	char buf[KD_ADDR_STRLEN];
	assert_int_equal(kd_resolve_addrs(&opts, "www.example.test", 1688, out, 4, &n), KD_OK);
	assert_int_equal(n, 2);
	kd_addr_str(&out[0], buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1@1688");
	kd_addr_str(&out[1], buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1@1688");

	n = 99;
	assert_int_equal(kd_resolve_addrs(&opts, "host.example.test.", 53, out, 1, &n), KD_OK);
	assert_int_equal(n, 1);

	/* Literals need no query (the server list is not even used). */
	kd_query_opts_t none = {.servers = NULL, .count = 0, .timeout_ms = 1};
	assert_int_equal(kd_resolve_addrs(&none, "2001:db8::5", 1688, out, 4, &n), KD_OK);
	assert_int_equal(n, 1);
	kd_addr_str(&out[0], buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::5@1688");

	n = 99;
	assert_int_equal(kd_resolve_addrs(&opts, "sub.example.test", 1688, out, 4, &n), KD_ENOENT);
	assert_int_equal(kd_resolve_addrs(&opts, "nx.example.test", 1688, out, 4, &n), KD_ENOENT);
	assert_int_equal(kd_resolve_addrs(&opts, "kms.other.test", 1688, out, 4, &n), KD_ERCODE);
	assert_int_equal(n, 99);
}

static void test_addr_from_rdf(void **state)
{
	kd_addr_t a;
	char buf[KD_ADDR_STRLEN];
	ldns_rdf *v4 = NULL, *v6 = NULL, *name = NULL;
	assert_int_equal(ldns_str2rdf_a(&v4, "192.0.2.7"), LDNS_STATUS_OK);
	assert_int_equal(ldns_str2rdf_aaaa(&v6, "2001:db8::7"), LDNS_STATUS_OK);
	assert_int_equal(ldns_str2rdf_dname(&name, "kms.example.test."), LDNS_STATUS_OK);
	assert_int_equal(kd_addr_from_rdf(v4, 1688, &a), 0);
	kd_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.7@1688");
	assert_int_equal(kd_addr_from_rdf(v6, 53, &a), 0);
	kd_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::7@53");
	assert_int_equal(kd_addr_from_rdf(name, 53, &a), -1);
	kd_addr_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::7@53"); /* untouched */
	ldns_rdf_deep_free(v4);
	ldns_rdf_deep_free(v6);
	ldns_rdf_deep_free(name);
}

/* kd_query_build's wire is what ldns builds for the same question (the ID aside), and its
 * ldns_pkt is that wire parsed. */
static void assert_query_as_ldns(const char *name, ldns_rr_type type, bool rd)
{
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	assert_int_equal(kd_query_build(name, type, rd, &pkt, &wire, &len), KD_OK);
	char abs[300];
	snprintf(abs, sizeof(abs), "%s%s", name, name[strlen(name) - 1] == '.' ? "" : ".");
	ldns_pkt *ref = ldns_pkt_query_new(ldns_dname_new_frm_str(abs), type, LDNS_RR_CLASS_IN,
	                                   rd ? LDNS_RD : 0);
	assert_non_null(ref);
	ldns_pkt_set_id(ref, (uint16_t)(wire[0] << 8 | wire[1]));
	ldns_pkt_set_edns_udp_size(ref, 1232);
	uint8_t *ref_wire = NULL;
	size_t ref_len = 0;
	assert_int_equal(ldns_pkt2wire(&ref_wire, ref, &ref_len), LDNS_STATUS_OK);
	assert_int_equal(len, ref_len);
	assert_memory_equal(wire, ref_wire, len);
	assert_int_equal(ldns_pkt_id(pkt), ldns_pkt_id(ref));
	assert_int_equal(ldns_pkt_rd(pkt), rd);
	assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)), type);
	free(ref_wire);
	free(wire);
	ldns_pkt_free(ref);
	ldns_pkt_free(pkt);
}

static void test_query_wire(void **state)
{
	(void)state;
	assert_query_as_ldns("kms1.Example.test", LDNS_RR_TYPE_A, false);
	assert_query_as_ldns("kms1.example.test.", LDNS_RR_TYPE_AAAA, true);
	assert_query_as_ldns("_vlmcs._tcp.example.test", LDNS_RR_TYPE_SRV, true);
	assert_query_as_ldns("a\\.b\\032c.example.", LDNS_RR_TYPE_TXT, false);
	assert_query_as_ldns(".", LDNS_RR_TYPE_SOA, false);
	assert_query_as_ldns("example.test", LDNS_RR_TYPE_SOA, true);
}

static void test_query_bad_name(void **state)
{
	kd_addr_t server;
	assert_int_equal(kd_addr_parse("127.0.0.1", 1, &server), 0);
	kd_query_opts_t opts = {.servers = &server, .count = 1, .timeout_ms = 100};
	ldns_pkt *p = NULL;
	assert_int_equal(kd_query(&opts, "a..b", LDNS_RR_TYPE_A, &p, NULL), KD_EINVAL);
	assert_null(p);
}

/* A batch that cannot run still says so for every question (a caller reads each err). */
static void test_batch_too_many(void **state)
{
	kd_addr_t server;
	assert_int_equal(kd_addr_parse("127.0.0.1", 1, &server), 0);
	kd_query_opts_t opts = {.servers = &server, .count = 1, .timeout_ms = 100};
	size_t n = KD_BATCH_MAX + 1;
	kd_question_t *qs = malloc(n * sizeof(*qs));
	assert_non_null(qs);
	memset(qs, 0x5a, n * sizeof(*qs)); /* what a caller may leave there */
	for (size_t i = 0; i < n; i++) {
		qs[i].name = "a.test";
		qs[i].type = LDNS_RR_TYPE_A;
	}
	assert_int_equal(kd_query_batch(&opts, NULL, qs, n, NULL), KD_EINVAL);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(qs[i].err, KD_EINVAL);
		assert_null(qs[i].answer);
	}
	free(qs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_batch_too_many), cmocka_unit_test(test_soa_zone),
	        cmocka_unit_test(test_query_bad_name), cmocka_unit_test(test_query_udp_tcp),
	        cmocka_unit_test(test_query_checks),   cmocka_unit_test(test_query_next_server),
	        cmocka_unit_test(test_find_zone),      cmocka_unit_test(test_resolve_addrs),
	        cmocka_unit_test(test_addr_from_rdf),  cmocka_unit_test(test_query_wire),
	};
	return cmocka_run_group_tests(tests, fake_setup, fake_teardown);
}
