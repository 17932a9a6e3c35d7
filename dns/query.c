/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/query.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/resolvconf.h"
#include "dns/transport.h"

/* Queries are built straight to wire here, replies parsed with ldns; dns/transport carries
 * them: ldns_send() reports a refused port and a timeout alike, accepts UDP replies from any
 * source, does not check the ID, and sleeps between servers. */

#define DEFAULT_TIMEOUT_MS 3000
#define EDNS_UDP_SIZE      1232

/* A query as sent: built straight to wire (ldns_pkt2buffer_wire costs some 10,000
 * instructions a query, and a batch builds thousands), with room after it for a signature. */
typedef struct {
	uint8_t *wire;
	size_t len;
} query_t;

#define OPT_LEN 11 /* root owner, type, UDP size, extended rcode/flags, empty RDATA */

/* The question of the query in q (an uncompressed name at offset 12, as built here): the
 * name's length, type and class; false when q holds none. */
static bool question_of(const uint8_t *q, size_t len, size_t *name_len, uint16_t *type,
                        uint16_t *cls)
{
	size_t pos = LDNS_HEADER_SIZE;
	while (pos < len && q[pos] != 0 && q[pos] < 64)
		pos += (size_t)q[pos] + 1;
	if (pos + 5 > len || q[pos] != 0)
		return false;
	*name_len = pos + 1 - LDNS_HEADER_SIZE;
	*type = ldns_read_uint16(q + pos + 1);
	*cls = ldns_read_uint16(q + pos + 3);
	return true;
}

/* Same wire name, ASCII case ignored (length octets are below 64, so never letters). */
static bool wire_name_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t x = a[i] >= 'A' && a[i] <= 'Z' ? (uint8_t)(a[i] | 0x20) : a[i];
		uint8_t y = b[i] >= 'A' && b[i] <= 'Z' ? (uint8_t)(b[i] | 0x20) : b[i];
		if (x != y)
			return false;
	}
	return true;
}

/* Whether a parsed reply answers the question name/type/class: QR, opcode, question. */
static bool answers(const ldns_pkt *pkt, const uint8_t *name, size_t name_len, uint16_t type,
                    uint16_t cls)
{
	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return false;
	if (ldns_pkt_qdcount(pkt) == 0) /* some servers leave the question out of an error */
		return ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR;
	const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	if (ldns_pkt_qdcount(pkt) != 1 || a == NULL)
		return false;
	const ldns_rdf *owner = ldns_rr_owner(a);
	return ldns_rdf_get_type(owner) == LDNS_RDF_TYPE_DNAME &&
	       ldns_rdf_size(owner) == name_len &&
	       wire_name_equal(ldns_rdf_data(owner), name, name_len) &&
	       ldns_rr_get_type(a) == type && ldns_rr_get_class(a) == cls;
}

/* Whether a parsed reply answers the query in wire (built by build_query). */
static bool answers_wire(const ldns_pkt *pkt, const uint8_t *q, size_t len)
{
	size_t name_len;
	uint16_t type, cls;
	return question_of(q, len, &name_len, &type, &cls) &&
	       answers(pkt, q + LDNS_HEADER_SIZE, name_len, type, cls);
}

/* Whether a parsed reply answers the ldns query q. */
static bool answers_pkt(const ldns_pkt *pkt, const ldns_pkt *q)
{
	const ldns_rr *b = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	if (b == NULL)
		return false;
	const ldns_rdf *owner = ldns_rr_owner(b);
	return answers(pkt, ldns_rdf_data(owner), ldns_rdf_size(owner), ldns_rr_get_type(b),
	               ldns_rr_get_class(b));
}

/* Parse a reply. KD_OK or KD_EMALFORMED. */
static kd_err_t parse(const uint8_t *buf, size_t len, ldns_pkt **out)
{
	*out = NULL;
	return ldns_wire2pkt(out, buf, len) == LDNS_STATUS_OK ? KD_OK : KD_EMALFORMED;
}

kd_err_t kd_reply_parse(const uint8_t *buf, size_t len, const ldns_pkt *query, ldns_pkt **out)
{
	ldns_pkt *pkt;
	if (parse(buf, len, &pkt) != KD_OK)
		return KD_EMALFORMED;
	if (!answers_pkt(pkt, query)) {
		ldns_pkt_free(pkt);
		return KD_EMISMATCH;
	}
	*out = pkt;
	return KD_OK;
}

/* The transport's check: a datagram that does not answer the question is not the answer. */
kd_reply_t kd_reply_check(const uint8_t *msg, size_t len, void *arg)
{
	ldns_pkt *pkt = NULL;
	if (kd_reply_parse(msg, len, arg, &pkt) != KD_OK)
		return KD_REPLY_IGNORE;
	ldns_pkt_free(pkt);
	return KD_REPLY_FINAL;
}

/* Parse a reply and check that it answers q. KD_OK, KD_EMALFORMED or KD_EMISMATCH. */
static kd_err_t parse_reply(const uint8_t *buf, size_t len, const query_t *q, ldns_pkt **out)
{
	ldns_pkt *pkt;
	if (parse(buf, len, &pkt) != KD_OK)
		return KD_EMALFORMED;
	if (!answers_wire(pkt, q->wire, q->len)) {
		ldns_pkt_free(pkt);
		return KD_EMISMATCH;
	}
	*out = pkt;
	return KD_OK;
}

/* kd_reply_check for a query_t. */
static kd_reply_t check_query_reply(const uint8_t *msg, size_t len, void *arg)
{
	ldns_pkt *pkt = NULL;
	if (parse_reply(msg, len, arg, &pkt) != KD_OK)
		return KD_REPLY_IGNORE;
	ldns_pkt_free(pkt);
	return KD_REPLY_FINAL;
}

/* n random IDs: one getrandom for all of them (a syscall per query costs more than building
 * it), else from the clock. */
static void random_ids(uint16_t *ids, size_t n)
{
	uint8_t *b = (uint8_t *)ids;
	size_t want = n * sizeof(*ids), got = 0;
	while (got < want) {
		ssize_t r = getrandom(b + got, want - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	uint64_t x = kd_now_ms() ^ ((uint64_t)getpid() << 32);
	for (size_t i = got / sizeof(*ids); i < n; i++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		ids[i] = (uint16_t)(x >> 48);
	}
}

/* The query for name/type/IN with id: header (RD when rd), the question with the name made
 * absolute, an OPT record with UDP size EDNS_UDP_SIZE; room bytes left free after it. */
static kd_err_t build_query(const char *name, ldns_rr_type type, bool rd, uint16_t id, size_t room,
                            query_t *q)
{
	size_t len = strlen(name);
	char *abs = malloc(len + 2);
	if (abs == NULL)
		return KD_ENOMEM;
	memcpy(abs, name, len + 1);
	if (len == 0 || name[len - 1] != '.')
		strcpy(abs + len, ".");
	ldns_rdf *owner = ldns_dname_new_frm_str(abs);
	free(abs);
	if (owner == NULL)
		return KD_EINVAL;
	size_t name_len = ldns_rdf_size(owner);
	q->len = LDNS_HEADER_SIZE + name_len + 4 + OPT_LEN;
	q->wire = calloc(1, q->len + room);
	if (q->wire == NULL) {
		ldns_rdf_deep_free(owner);
		return KD_ENOMEM;
	}
	uint8_t *w = q->wire;
	ldns_write_uint16(w, id);
	w[2] = rd ? 0x01 : 0x00;      /* QR 0, opcode QUERY, RD */
	ldns_write_uint16(w + 4, 1);  /* QDCOUNT */
	ldns_write_uint16(w + 10, 1); /* ARCOUNT: the OPT */
	memcpy(w + LDNS_HEADER_SIZE, ldns_rdf_data(owner), name_len);
	ldns_rdf_deep_free(owner);
	w += LDNS_HEADER_SIZE + name_len;
	ldns_write_uint16(w, type);
	ldns_write_uint16(w + 2, LDNS_RR_CLASS_IN);
	ldns_write_uint16(w + 5, LDNS_RR_TYPE_OPT); /* w[4]: the root */
	ldns_write_uint16(w + 7, EDNS_UDP_SIZE);    /* TTL and RDLENGTH stay 0 */
	return KD_OK;
}

kd_err_t kd_query_build(const char *name, ldns_rr_type type, bool rd, ldns_pkt **pkt,
                        uint8_t **wire, size_t *len)
{
	query_t q;
	uint16_t id;
	random_ids(&id, 1);
	kd_err_t ret = build_query(name, type, rd, id, 0, &q);
	if (ret != KD_OK)
		return ret;
	if (parse(q.wire, q.len, pkt) != KD_OK) {
		free(q.wire);
		return KD_ENOMEM;
	}
	*wire = q.wire;
	*len = q.len;
	return KD_OK;
}

/* The nameservers of resolv.conf; 127.0.0.1 when it names none (as the C library does). */
static kd_err_t system_servers(kd_addr_t **out, size_t *n_out)
{
	kd_resolvconf_t rc;
	kd_resolvconf_load("/etc/resolv.conf", &rc);
	kd_addr_t *list = calloc(rc.nservers, sizeof(*list));
	if (list == NULL)
		return KD_ENOMEM;
	memcpy(list, rc.servers, rc.nservers * sizeof(*list));
	*out = list;
	*n_out = rc.nservers;
	return KD_OK;
}

/* Ask each server in turn; the first answer wins. */
static kd_err_t ask_servers(const kd_query_opts_t *opts, const kd_addr_t *servers, size_t count,
                            const query_t *q, ldns_pkt **answer, kd_addr_t *from)
{
	uint64_t timeout = opts->timeout_ms != 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	kd_err_t ret = KD_ENET;
	for (size_t i = 0; i < count; i++) {
		uint8_t *reply = NULL;
		size_t len = 0;
		ret = kd_exchange(&servers[i], opts->tcp, q->wire, q->len, kd_now_ms() + timeout,
		                  check_query_reply, (void *)q, &reply, &len, NULL);
		if (ret == KD_OK) {
			ret = parse_reply(reply, len, q, answer);
			free(reply);
		}
		if (ret == KD_OK) {
			if (from != NULL)
				*from = servers[i];
			return KD_OK;
		}
		if (ret == KD_ENOMEM)
			break;
	}
	return ret;
}

kd_err_t kd_query(const kd_query_opts_t *opts, const char *name, ldns_rr_type type,
                  ldns_pkt **answer, kd_addr_t *from)
{
	query_t q;
	uint16_t id;
	random_ids(&id, 1);
	kd_err_t ret = build_query(name, type, opts->recurse, id, 0, &q);
	if (ret != KD_OK)
		return ret;
	const kd_addr_t *servers = opts->servers;
	kd_addr_t *owned = NULL;
	size_t count = opts->count;
	if (count == 0) {
		ret = system_servers(&owned, &count);
		servers = owned;
	}
	if (ret == KD_OK)
		ret = ask_servers(opts, servers, count, &q, answer, from);
	free(owned);
	free(q.wire);
	return ret;
}

/* ---- several questions on one TCP connection ---- */

#define BATCH_WINDOW 128 /* queries in flight on one connection */
#define TSIG_ROOM    512 /* room left after a query for its signature */

/* One question of a batch while it is under way. */
typedef struct {
	query_t q; /* signed in place when there is a signer */
	void *req; /* the signer's state for verifying the answer */
	const kd_signer_t *signer;
	kd_err_t verified;
	ldns_pkt *answer; /* the reply taken, parsed once here */
	kd_question_t *out;
} pending_t;

static kd_reply_t check_batch_reply(const uint8_t *msg, size_t len, void *arg)
{
	pending_t *p = arg;
	ldns_pkt *pkt = NULL;
	if (parse_reply(msg, len, &p->q, &pkt) != KD_OK)
		return KD_REPLY_IGNORE;
	ldns_pkt_free(p->answer);
	p->answer = pkt;
	p->verified = KD_OK;
	if (p->signer != NULL)
		p->verified = p->signer->verify(p->signer->arg, p->req, msg, len, p->out->why,
		                                sizeof(p->out->why));
	return KD_REPLY_FINAL;
}

/* Build (and sign) every question with an ID unique in the batch. */
static kd_err_t batch_build(const kd_query_opts_t *opts, const kd_signer_t *signer,
                            kd_question_t *qs, size_t n, pending_t *p, kd_pipe_item_t *items)
{
	uint8_t *used = calloc(65536, 1);
	uint16_t *ids = malloc(n * sizeof(*ids));
	kd_err_t ret = used != NULL && ids != NULL ? KD_OK : KD_ENOMEM;
	if (ret == KD_OK)
		random_ids(ids, n);
	for (size_t i = 0; i < n && ret == KD_OK; i++) {
		p[i].out = &qs[i];
		p[i].signer = signer;
		qs[i].answer = NULL;
		qs[i].why[0] = '\0';
		uint16_t id = ids[i];
		for (unsigned tries = 0; used[id] && tries < 65536; tries++)
			id = (uint16_t)(id + 1);
		used[id] = 1;
		size_t room = signer != NULL ? TSIG_ROOM : 0;
		if ((ret = build_query(qs[i].name, qs[i].type, opts->recurse, id, room, &p[i].q)) !=
		    KD_OK)
			break;
		size_t len = p[i].q.len;
		if (signer != NULL)
			ret = signer->sign(signer->arg, p[i].q.wire, &len, len + room, &p[i].req);
		items[i] = (kd_pipe_item_t){.msg = p[i].q.wire,
		                            .len = len,
		                            .check = check_batch_reply,
		                            .check_arg = &p[i]};
	}
	free(ids);
	free(used);
	return ret;
}

/* Ask one server until it answers everything, stops making progress or fails; keep (may be
 * NULL) as opts->conn. Returns the number of answers it gave. */
static size_t batch_server(const kd_addr_t *server, uint64_t timeout, kd_pipe_item_t *items,
                           size_t n, kd_conn_t **keep)
{
	size_t answered = 0;
	for (;;) {
		kd_conn_t *c = NULL;
		kd_err_t ret = KD_OK;
		bool reused = false;
		if (keep != NULL && *keep != NULL) {
			if (kd_conn_usable(*keep) && kd_addr_equal(kd_conn_server(*keep), server)) {
				c = *keep;
				reused = true;
			} else {
				kd_conn_close(*keep);
			}
			*keep = NULL;
		}
		if (c == NULL && (ret = kd_conn_open(server, kd_now_ms() + timeout, &c)) != KD_OK) {
			for (size_t i = 0; i < n; i++)
				if (items[i].reply == NULL)
					items[i].err = ret;
			return answered;
		}
		size_t before = 0, after = 0;
		for (size_t i = 0; i < n; i++)
			before += items[i].reply != NULL;
		ret = kd_conn_pipeline(c, items, n, BATCH_WINDOW, kd_now_ms() + timeout);
		if (keep != NULL && ret == KD_OK && kd_conn_usable(c))
			*keep = c; /* nothing outstanding on it */
		else
			kd_conn_close(c);
		for (size_t i = 0; i < n; i++)
			after += items[i].reply != NULL;
		answered += after - before;
		/* A server that closes long pipelines midway, or a kept connection it closed
		 * meanwhile, gets a new connection while it makes progress; anything else goes to
		 * the next server. */
		bool closed = ret == KD_ECLOSED || ret == KD_ERESET;
		if (ret == KD_OK || !closed || (after == before && !reused))
			return answered;
	}
}

kd_err_t kd_query_batch(const kd_query_opts_t *opts, const kd_signer_t *signer, kd_question_t *qs,
                        size_t n, kd_addr_t *from)
{
	if (n == 0)
		return KD_OK;
	pending_t *p = NULL;
	kd_pipe_item_t *items = NULL;
	kd_err_t ret = KD_EINVAL; /* more than the IDs can tell apart */
	if (n <= KD_BATCH_MAX) {
		p = calloc(n, sizeof(*p));
		items = calloc(n, sizeof(*items));
		ret = p != NULL && items != NULL ? KD_OK : KD_ENOMEM;
	}
	const kd_addr_t *servers = opts->servers;
	kd_addr_t *owned = NULL;
	size_t count = opts->count;
	if (ret == KD_OK && count == 0) {
		ret = system_servers(&owned, &count);
		servers = owned;
	}
	if (ret == KD_OK)
		ret = batch_build(opts, signer, qs, n, p, items);
	uint64_t timeout = opts->timeout_ms != 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	for (size_t s = 0; ret == KD_OK && s < count; s++) {
		if (batch_server(&servers[s], timeout, items, n, opts->conn) > 0 && from != NULL)
			*from = servers[s];
		bool done = true;
		for (size_t i = 0; i < n; i++)
			done &= items[i].reply != NULL;
		if (done)
			break;
	}
	kd_err_t first = ret;
	for (size_t i = 0; i < n; i++) {
		kd_question_t *q = &qs[i];
		if (ret != KD_OK) { /* nothing was sent */
			q->answer = NULL;
			q->why[0] = '\0';
			q->err = ret;
		} else if (items[i].reply == NULL)
			q->err = items[i].err;
		else if (p[i].verified != KD_OK)
			q->err = p[i].verified;
		else if (p[i].answer == NULL) /* taken, so parsed: only ENOMEM comes here */
			q->err = KD_ENOMEM;
		else {
			q->answer = p[i].answer;
			p[i].answer = NULL;
			q->err = KD_OK;
		}
		if (first == KD_OK)
			first = q->err;
		if (p == NULL || items == NULL)
			continue; /* nothing was built */
		ldns_pkt_free(p[i].answer);
		free(items[i].reply);
		free(p[i].q.wire);
		if (p[i].req != NULL && signer != NULL && signer->release != NULL)
			signer->release(signer->arg, p[i].req);
	}
	free(owned);
	free(items);
	free(p);
	return first;
}
