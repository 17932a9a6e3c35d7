/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/update.h"

#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The wire rdata of a record: its ldns fields back to back (an SRV target uncompressed). */
static int rr_rdata(const ldns_rr *rr, uint8_t *buf, size_t cap, uint16_t *len)
{
	size_t n = 0;
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++) {
		const ldns_rdf *f = ldns_rr_rdf(rr, i);
		if (ldns_rdf_size(f) > cap - n)
			return -1;
		memcpy(buf + n, ldns_rdf_data(f), ldns_rdf_size(f));
		n += ldns_rdf_size(f);
	}
	*len = (uint16_t)n;
	return 0;
}

static int put_op(knot_pkt_t *pkt, const pub_op_t *op)
{
	uint8_t rdata[6 + KNOT_DNAME_MAXLEN];
	uint16_t rdlen = 0;
	uint16_t rclass = KNOT_CLASS_IN;
	const ldns_rr *rr = op->rr;
	uint32_t ttl = ldns_rr_ttl(rr);
	const ldns_rdf *owner = ldns_rr_owner(rr);

	if (ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME ||
	    ldns_rdf_size(owner) > KNOT_DNAME_MAXLEN)
		return -1;
	switch (op->kind) {
	case PUB_OP_ADD: break;
	case PUB_OP_DEL:
		rclass = KNOT_CLASS_NONE;
		ttl = 0;
		break;
	case PUB_OP_DEL_RRSET:
		if (pub_rr_is_srv(rr))
			return -1; /* would wipe other hosts' records */
		rclass = KNOT_CLASS_ANY;
		ttl = 0;
		break;
	}
	if (op->kind != PUB_OP_DEL_RRSET && rr_rdata(rr, rdata, sizeof(rdata), &rdlen) != 0)
		return -1;
	knot_rrset_t set;
	knot_rrset_init(&set, ldns_rdf_data(owner), ldns_rr_get_type(rr), rclass, ttl);
	/* An RRset delete still needs one (empty) rdata or libknot writes nothing. */
	if (knot_rrset_add_rdata(&set, rdata, rdlen, NULL) != KNOT_EOK)
		return -1;
	int ret = knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &set, 0);
	knot_rdataset_clear(&set.rrs, NULL);
	return ret == KNOT_EOK ? 0 : -1;
}

size_t pub_op_size(const pub_op_t *op)
{
	size_t rd = 0;
	if (op->kind != PUB_OP_DEL_RRSET)
		for (size_t i = 0; i < ldns_rr_rd_count(op->rr); i++)
			rd += ldns_rdf_size(ldns_rr_rdf(op->rr, i));
	return ldns_rdf_size(ldns_rr_owner(op->rr)) + 10 + rd;
}

size_t pub_prereq_size(const pub_prereq_t *pre)
{
	size_t n = 0;
	for (size_t i = 0; pre != NULL && pre->present != NULL && i < pre->present->n; i++)
		n += pub_op_size(&(pub_op_t){PUB_OP_ADD, pre->present->v[i]});
	for (size_t i = 0; pre != NULL && pre->absent != NULL && i < pre->absent->n; i++)
		n += pub_op_size(&(pub_op_t){PUB_OP_DEL_RRSET, pre->absent->v[i]});
	return n;
}

size_t pub_msg_overhead(const char *zone, const kd_tsig_key_t *key)
{
	return KNOT_WIRE_HEADER_SIZE + strlen(zone) + 2 + 4 +
	       (key != NULL ? pub_tsig_size(key) : 0);
}

/* One prerequisite: the record as read (class IN, TTL 0: value-dependent) or the RRset absent
 * (class NONE, no rdata). */
static int put_prereq(knot_pkt_t *pkt, const ldns_rr *rr, bool present)
{
	uint8_t rdata[6 + KNOT_DNAME_MAXLEN];
	uint16_t rdlen = 0;
	if (present && rr_rdata(rr, rdata, sizeof(rdata), &rdlen) != 0)
		return -1;
	knot_rrset_t set;
	knot_rrset_init(&set, ldns_rdf_data(ldns_rr_owner(rr)), ldns_rr_get_type(rr),
	                present ? KNOT_CLASS_IN : KNOT_CLASS_NONE, 0);
	if (knot_rrset_add_rdata(&set, rdata, rdlen, NULL) != KNOT_EOK)
		return -1;
	int ret = knot_pkt_put(pkt, KNOT_COMPR_HINT_NONE, &set, 0);
	knot_rdataset_clear(&set.rrs, NULL);
	return ret == KNOT_EOK ? 0 : -1;
}

static int put_prereqs(knot_pkt_t *pkt, const pub_prereq_t *pre)
{
	for (size_t i = 0; pre != NULL && pre->present != NULL && i < pre->present->n; i++)
		if (put_prereq(pkt, pre->present->v[i], true) != 0)
			return -1;
	for (size_t i = 0; pre != NULL && pre->absent != NULL && i < pre->absent->n; i++)
		if (put_prereq(pkt, pre->absent->v[i], false) != 0)
			return -1;
	return 0;
}

int pub_msg_build(const char *zone, const pub_prereq_t *pre, const pub_oplist_t *ops,
                  const kd_tsig_key_t *key, uint16_t id, pub_msg_t *out, kd_error_t *err)
{
	uint8_t qname[KNOT_DNAME_MAXLEN];
	pub_msg_t msg;
	memset(&msg, 0, sizeof(msg));
	int ret = -1;

	if (knot_dname_from_str(qname, zone, sizeof(qname)) == NULL)
		return kd_fail(err, KD_EINVAL,
		               "failed to build an UPDATE for zone %s (invalid name)", zone);
	size_t tsig = key != NULL ? pub_tsig_size(key) : 0;
	knot_pkt_t *pkt = knot_pkt_new(NULL, PUB_MSG_MAX, NULL);
	if (pkt == NULL)
		return kd_fail(err, KD_ENOMEM, "failed to build an UPDATE (out of memory)");
	knot_wire_set_id(pkt->wire, id);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_UPDATE);
	if (knot_pkt_put_question(pkt, qname, KNOT_CLASS_IN, KNOT_RRTYPE_SOA) != KNOT_EOK ||
	    knot_pkt_reserve(pkt, (uint16_t)tsig) != KNOT_EOK ||
	    knot_pkt_begin(pkt, KNOT_ANSWER) != KNOT_EOK) {
		kd_fail(err, KD_EINVAL, "failed to build an UPDATE for zone %s (no room)", zone);
		goto done;
	}
	if (put_prereqs(pkt, pre) != 0) {
		kd_fail(err, KD_EINVAL,
		        "failed to add the prerequisites to the UPDATE for zone %s (too large)",
		        zone);
		goto done;
	}
	if (knot_pkt_begin(pkt, KNOT_AUTHORITY) != KNOT_EOK) {
		kd_fail(err, KD_EINVAL, "failed to build an UPDATE for zone %s (no room)", zone);
		goto done;
	}
	for (size_t i = 0; i < ops->n; i++) {
		if (put_op(pkt, &ops->v[i]) != 0) {
			char owner[PUB_NAME_MAX] = "?";
			pub_rr_owner_str(ops->v[i].rr, owner, sizeof(owner));
			kd_fail(err, KD_EINVAL,
			        "failed to add record %s %s to the UPDATE (too large or invalid)",
			        owner, pub_rr_type_str(ops->v[i].rr));
			goto done;
		}
	}
	if (key != NULL) {
		knot_pkt_reclaim(pkt, (uint16_t)tsig);
		if (pub_tsig_sign(key, pkt->wire, &pkt->size, pkt->max_size, &msg.req, err) != 0)
			goto done;
		msg.signed_req = true;
	}
	msg.wire = malloc(pkt->size);
	if (msg.wire == NULL) {
		kd_fail(err, KD_ENOMEM, "failed to build an UPDATE (out of memory)");
		goto done;
	}
	memcpy(msg.wire, pkt->wire, pkt->size);
	msg.len = pkt->size;
	msg.id = id;
	snprintf(msg.zone, sizeof(msg.zone), "%s", zone);
	*out = msg;
	ret = 0;
done:
	knot_pkt_free(pkt);
	return ret;
}

void pub_msg_deinit(pub_msg_t *msg)
{
	free(msg->wire);
	memset(msg, 0, sizeof(*msg));
}

static bool question_matches(const knot_pkt_t *pkt, const pub_msg_t *req)
{
	char qname[KNOT_DNAME_TXT_MAXLEN + 1];
	if (knot_wire_get_qdcount(pkt->wire) != 1)
		return false;
	if (knot_dname_to_str(qname, knot_pkt_qname(pkt), sizeof(qname)) == NULL)
		return false;
	return strcasecmp(qname, req->zone) == 0 && knot_pkt_qtype(pkt) == KNOT_RRTYPE_SOA &&
	       knot_pkt_qclass(pkt) == KNOT_CLASS_IN;
}

static pub_result_t from_rcode(uint16_t rcode)
{
	switch (rcode) {
	case KNOT_RCODE_NOERROR: return PUB_RES_OK;
	case KNOT_RCODE_REFUSED: return PUB_RES_REFUSED;
	case KNOT_RCODE_NOTAUTH: return PUB_RES_NOTAUTH;
	case KNOT_RCODE_NOTZONE: return PUB_RES_NOTZONE;
	case KNOT_RCODE_YXDOMAIN:
	case KNOT_RCODE_YXRRSET:
	case KNOT_RCODE_NXDOMAIN:
	case KNOT_RCODE_NXRRSET: return PUB_RES_PREREQ;
	default: return PUB_RES_RCODE;
	}
}

static pub_result_t judge(const pub_msg_t *req, const kd_tsig_key_t *key, knot_pkt_t *pkt,
                          pub_verdict_t *v)
{
	uint8_t *w = pkt->wire;
	if (!knot_wire_get_qr(w) || knot_wire_get_opcode(w) != KNOT_OPCODE_UPDATE ||
	    knot_wire_get_id(w) != req->id)
		return PUB_RES_MISMATCH;
	v->rcode = pub_pkt_rcode(pkt);
	/* Error replies may leave the zone section out; a success must echo it. */
	if ((knot_wire_get_qdcount(w) != 0 || v->rcode == KNOT_RCODE_NOERROR) &&
	    !question_matches(pkt, req))
		return PUB_RES_MISMATCH;
	pub_tsig_check(req->signed_req ? key : NULL, &req->req, pkt, &v->ts);
	switch (v->ts.status) {
	case PUB_TSIG_NONE: return req->signed_req ? PUB_RES_UNSIGNED : from_rcode(v->rcode);
	case PUB_TSIG_KEYERR: return PUB_RES_AUTH; /* the server could not use our key */
	case PUB_TSIG_BADTIME: return PUB_RES_BADTIME;
	case PUB_TSIG_INVALID: return PUB_RES_BADTSIG;
	case PUB_TSIG_VERIFIED: break;
	}
	return v->ts.error != 0 ? PUB_RES_RCODE : from_rcode(v->rcode);
}

pub_result_t pub_msg_check(const pub_msg_t *req, const kd_tsig_key_t *key, const uint8_t *resp,
                           size_t len, pub_verdict_t *out)
{
	pub_verdict_t v;
	memset(&v, 0, sizeof(v));
	v.result = PUB_RES_MALFORMED;
	knot_pkt_t *pkt = pub_pkt_parse(resp, len);
	if (pkt != NULL)
		v.result = judge(req, key, pkt, &v);
	else if (len >= KNOT_WIRE_HEADER_SIZE && len <= KNOT_WIRE_MAX_PKTSIZE &&
	         knot_wire_get_id(resp) != req->id)
		v.result = PUB_RES_MISMATCH;
	knot_pkt_free(pkt);
	*out = v;
	return v.result;
}

void pub_verdict_str(const pub_verdict_t *v, char *buf, size_t len)
{
	char rc[64];
	pub_rcode_str(v->rcode, &v->ts, rc, sizeof(rc));
	switch (v->result) {
	case PUB_RES_OK: snprintf(buf, len, "success: %s", rc); return;
	case PUB_RES_AUTH:
	case PUB_RES_BADTIME:
	case PUB_RES_BADTSIG: pub_tsig_why(v->rcode, &v->ts, buf, len); return;
	case PUB_RES_UNSIGNED:
		if (v->rcode == KNOT_RCODE_NOERROR)
			snprintf(buf, len,
			         "unsigned response to a signed request: %s (not trusted)", rc);
		else
			pub_tsig_why(v->rcode, &v->ts, buf, len);
		return;
	case PUB_RES_REFUSED:
		snprintf(buf, len,
		         "permission refused: %s (key not allowed to update these records "
		         "by the server's update policy)",
		         rc);
		return;
	case PUB_RES_NOTAUTH:
		snprintf(buf, len,
		         "zone not served: %s (server is not authoritative for this zone)", rc);
		return;
	case PUB_RES_NOTZONE: snprintf(buf, len, "name outside the zone: %s", rc); return;
	case PUB_RES_PREREQ:
		snprintf(buf, len,
		         "prerequisite failed: %s (the records read are not what the server "
		         "holds: changed meanwhile, or the unsigned answers were forged)",
		         rc);
		return;
	case PUB_RES_RCODE: snprintf(buf, len, "update rejected: %s", rc); return;
	case PUB_RES_MISMATCH:
		snprintf(buf, len, "response does not match the request (ID, opcode or zone)");
		return;
	case PUB_RES_MALFORMED: snprintf(buf, len, "malformed response"); return;
	}
	snprintf(buf, len, "unknown result");
}

bool pub_result_permanent(const pub_verdict_t *v)
{
	switch (v->result) {
	case PUB_RES_REFUSED:
	case PUB_RES_NOTAUTH:
	case PUB_RES_NOTZONE: return true;
	case PUB_RES_BADTIME: return v->ts.verified;
	case PUB_RES_OK:
	case PUB_RES_AUTH:
	case PUB_RES_PREREQ:
	case PUB_RES_RCODE:
	case PUB_RES_UNSIGNED:
	case PUB_RES_BADTSIG:
	case PUB_RES_MISMATCH:
	case PUB_RES_MALFORMED: return false;
	}
	return false;
}

bool pub_result_tentative(const pub_verdict_t *v)
{
	switch (v->result) {
	case PUB_RES_AUTH:
	case PUB_RES_UNSIGNED:
	case PUB_RES_BADTSIG: return true;
	case PUB_RES_BADTIME: return !v->ts.verified;
	case PUB_RES_OK:
	case PUB_RES_REFUSED:
	case PUB_RES_NOTAUTH:
	case PUB_RES_NOTZONE:
	case PUB_RES_PREREQ:
	case PUB_RES_RCODE:
	case PUB_RES_MISMATCH:
	case PUB_RES_MALFORMED: return false;
	}
	return false;
}
