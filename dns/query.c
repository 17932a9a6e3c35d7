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

/* ldns builds and parses the messages; dns/transport carries them: ldns_send() reports a
 * refused port and a timeout alike, accepts UDP replies from any source, does not check the
 * ID, and sleeps between servers. */

#define DEFAULT_TIMEOUT_MS 3000
#define EDNS_UDP_SIZE      1232

typedef struct {
	ldns_pkt *pkt;
	uint8_t *wire;
	size_t len;
	uint16_t id;
} query_t;

/* Whether a parsed reply answers q: QR, opcode, question. */
static bool answers(const ldns_pkt *pkt, const ldns_pkt *q)
{
	if (!ldns_pkt_qr(pkt) || ldns_pkt_get_opcode(pkt) != LDNS_PACKET_QUERY)
		return false;
	if (ldns_pkt_qdcount(pkt) == 0) /* some servers leave the question out of an error */
		return ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR;
	const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	const ldns_rr *b = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	return ldns_pkt_qdcount(pkt) == 1 && a != NULL &&
	       ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) == 0 &&
	       ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
	       ldns_rr_get_class(a) == ldns_rr_get_class(b);
}

/* Parse a reply and check it answers q. KD_OK, KD_EMALFORMED or KD_EMISMATCH. */
static kd_err_t parse_reply(const uint8_t *buf, size_t len, const ldns_pkt *q, ldns_pkt **out)
{
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK)
		return KD_EMALFORMED;
	if (!answers(pkt, q)) {
		ldns_pkt_free(pkt);
		return KD_EMISMATCH;
	}
	*out = pkt;
	return KD_OK;
}

kd_err_t kd_reply_parse(const uint8_t *buf, size_t len, const ldns_pkt *query, ldns_pkt **out)
{
	return parse_reply(buf, len, query, out);
}

/* The transport's check: a datagram that does not answer the question is not the answer. */
kd_reply_t kd_reply_check(const uint8_t *msg, size_t len, void *arg)
{
	ldns_pkt *pkt = NULL;
	if (parse_reply(msg, len, arg, &pkt) != KD_OK)
		return KD_REPLY_IGNORE;
	ldns_pkt_free(pkt);
	return KD_REPLY_FINAL;
}

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) == (ssize_t)sizeof(id))
		return id;
	return (uint16_t)(kd_now_ms() ^ (uint64_t)getpid());
}

static kd_err_t build_query(const char *name, ldns_rr_type type, bool rd, query_t *q)
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
	ldns_pkt *pkt = ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (pkt == NULL)
		return KD_ENOMEM;
	q->id = random_id();
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_edns_udp_size(pkt, EDNS_UDP_SIZE);
	/* Not ldns_pkt2wire: it starts from a 64 KiB buffer, and a batch builds thousands. */
	ldns_buffer *b = ldns_buffer_new(512);
	if (b == NULL || ldns_pkt2buffer_wire(b, pkt) != LDNS_STATUS_OK) {
		ldns_buffer_free(b);
		ldns_pkt_free(pkt);
		return KD_ENOMEM;
	}
	q->len = ldns_buffer_position(b);
	q->wire = ldns_buffer_export(b);
	ldns_buffer_free(b);
	q->pkt = pkt;
	return KD_OK;
}

kd_err_t kd_query_build(const char *name, ldns_rr_type type, bool rd, ldns_pkt **pkt,
                        uint8_t **wire, size_t *len)
{
	query_t q = {NULL, NULL, 0, 0};
	kd_err_t ret = build_query(name, type, rd, &q);
	if (ret != KD_OK)
		return ret;
	*pkt = q.pkt;
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
		                  kd_reply_check, q->pkt, &reply, &len, NULL);
		if (ret == KD_OK) {
			ret = parse_reply(reply, len, q->pkt, answer);
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
	query_t q = {NULL, NULL, 0, 0};
	kd_err_t ret = build_query(name, type, opts->recurse, &q);
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
	ldns_pkt_free(q.pkt);
	return ret;
}

/* ---- several questions on one TCP connection ---- */

#define BATCH_WINDOW 128 /* queries in flight on one connection */
#define TSIG_ROOM    512 /* room left after a query for its signature */

/* One question of a batch while it is under way. */
typedef struct {
	query_t q;
	uint8_t *signed_wire; /* the query as sent (signed, or a copy of q.wire) */
	void *req;            /* the signer's state for verifying the answer */
	const kd_signer_t *signer;
	kd_err_t verified;
	ldns_pkt *answer; /* the reply taken, parsed once here */
	kd_question_t *out;
} pending_t;

static kd_reply_t check_batch_reply(const uint8_t *msg, size_t len, void *arg)
{
	pending_t *p = arg;
	ldns_pkt *pkt = NULL;
	if (parse_reply(msg, len, p->q.pkt, &pkt) != KD_OK)
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
	if (used == NULL)
		return KD_ENOMEM;
	kd_err_t ret = KD_OK;
	for (size_t i = 0; i < n && ret == KD_OK; i++) {
		p[i].out = &qs[i];
		p[i].signer = signer;
		qs[i].answer = NULL;
		qs[i].why[0] = '\0';
		if ((ret = build_query(qs[i].name, qs[i].type, opts->recurse, &p[i].q)) != KD_OK)
			break;
		for (unsigned tries = 0; used[p[i].q.id] && tries < 65536; tries++)
			p[i].q.id = (uint16_t)(p[i].q.id + 1);
		used[p[i].q.id] = 1;
		p[i].q.wire[0] = (uint8_t)(p[i].q.id >> 8);
		p[i].q.wire[1] = (uint8_t)p[i].q.id;
		ldns_pkt_set_id(p[i].q.pkt, p[i].q.id);
		size_t len = p[i].q.len;
		p[i].signed_wire = malloc(len + TSIG_ROOM);
		if (p[i].signed_wire == NULL) {
			ret = KD_ENOMEM;
			break;
		}
		memcpy(p[i].signed_wire, p[i].q.wire, len);
		if (signer != NULL)
			ret = signer->sign(signer->arg, p[i].signed_wire, &len, len + TSIG_ROOM,
			                   &p[i].req);
		items[i] = (kd_pipe_item_t){.msg = p[i].signed_wire,
		                            .len = len,
		                            .check = check_batch_reply,
		                            .check_arg = &p[i]};
	}
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
	if (n > 65535)
		return KD_EINVAL;
	pending_t *p = calloc(n, sizeof(*p));
	kd_pipe_item_t *items = calloc(n, sizeof(*items));
	const kd_addr_t *servers = opts->servers;
	kd_addr_t *owned = NULL;
	size_t count = opts->count;
	kd_err_t ret = p != NULL && items != NULL ? KD_OK : KD_ENOMEM;
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
	for (size_t i = 0; p != NULL && i < n; i++) {
		kd_question_t *q = &qs[i];
		if (ret != KD_OK)
			q->err = ret;
		else if (items[i].reply == NULL)
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
		ldns_pkt_free(p[i].answer);
		if (first == KD_OK)
			first = q->err;
		free(items[i].reply);
		free(p[i].signed_wire);
		free(p[i].q.wire);
		ldns_pkt_free(p[i].q.pkt);
		if (p[i].req != NULL && signer != NULL && signer->release != NULL)
			signer->release(signer->arg, p[i].req);
	}
	free(owned);
	free(items);
	free(p);
	return first;
}
