/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/update.h"

#include <libknot/libknot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* A libknot key from ours; the secret stays in libknot's buffer only for the call. */
static int knot_key_init(const kd_tsig_key_t *key, knot_tsig_key_t *out)
{
	return knot_tsig_key_init(out, kd_tsig_alg_name(key->alg), key->name, key->secret_b64);
}

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

int pub_msg_build(const char *zone, const pub_oplist_t *ops, const kd_tsig_key_t *key, uint16_t id,
                  pub_msg_t *out, kd_error_t *err)
{
	uint8_t qname[KNOT_DNAME_MAXLEN];
	knot_tsig_key_t kkey = {0};
	pub_msg_t msg;
	memset(&msg, 0, sizeof(msg));
	int ret = -1;

	if (knot_dname_from_str(qname, zone, sizeof(qname)) == NULL) {
		return kd_fail(err, KD_EINVAL,
		               "failed to build an UPDATE for zone %s (invalid name)", zone);
	}
	if (key != NULL && knot_key_init(key, &kkey) != KNOT_EOK) {
		return kd_fail(err, KD_EINVAL, "failed to sign an UPDATE (unusable TSIG key %s)",
		               key->name);
	}
	knot_pkt_t *pkt = knot_pkt_new(NULL, KNOT_WIRE_MAX_PKTSIZE, NULL);
	if (pkt == NULL) {
		kd_fail(err, KD_ENOMEM, "failed to build an UPDATE (out of memory)");
		goto done;
	}
	knot_wire_set_id(pkt->wire, id);
	knot_wire_set_opcode(pkt->wire, KNOT_OPCODE_UPDATE);
	if (knot_pkt_put_question(pkt, qname, KNOT_CLASS_IN, KNOT_RRTYPE_SOA) != KNOT_EOK ||
	    (key != NULL && knot_pkt_reserve(pkt, knot_tsig_wire_size(&kkey)) != KNOT_EOK) ||
	    knot_pkt_begin(pkt, KNOT_ANSWER) != KNOT_EOK ||
	    knot_pkt_begin(pkt, KNOT_AUTHORITY) != KNOT_EOK) {
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
		size_t mac_len = sizeof(msg.mac);
		knot_pkt_reclaim(pkt, knot_tsig_wire_size(&kkey));
		int r = knot_tsig_sign(pkt->wire, &pkt->size, pkt->max_size, NULL, 0, msg.mac,
		                       &mac_len, &kkey, 0, 0);
		if (r != KNOT_EOK) {
			kd_fail(err, KD_EINVAL, "failed to sign the UPDATE (%s)", knot_strerror(r));
			goto done;
		}
		msg.mac_len = mac_len;
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
	if (key != NULL)
		knot_tsig_key_deinit(&kkey);
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

/* Server time minus ours from a BADTIME reply: Other Data holds the server's 48-bit time. */
static int64_t badtime_skew(const knot_rrset_t *tsig)
{
	int64_t server = (int64_t)knot_tsig_rdata_time_signed(tsig);
	if (knot_tsig_rdata_other_data_length(tsig) == 6) {
		const uint8_t *d = knot_tsig_rdata_other_data(tsig);
		server = 0;
		for (int i = 0; i < 6; i++)
			server = (server << 8) | d[i];
	}
	return server - (int64_t)time(NULL);
}

static pub_result_t from_rcode(uint16_t rcode)
{
	switch (rcode) {
	case KNOT_RCODE_NOERROR: return PUB_RES_OK;
	case KNOT_RCODE_REFUSED: return PUB_RES_REFUSED;
	case KNOT_RCODE_NOTAUTH: return PUB_RES_NOTAUTH;
	case KNOT_RCODE_NOTZONE: return PUB_RES_NOTZONE;
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
	v->rcode = knot_wire_get_rcode(w);
	if (pkt->opt_rr != NULL)
		v->rcode |= (uint16_t)(knot_edns_get_ext_rcode(pkt->opt_rr) << 4);
	/* Error replies may leave the zone section out; a success must echo it. */
	if ((knot_wire_get_qdcount(w) != 0 || v->rcode == KNOT_RCODE_NOERROR) &&
	    !question_matches(pkt, req))
		return PUB_RES_MISMATCH;

	const knot_rrset_t *tsig = pkt->tsig_rr;
	v->has_tsig = tsig != NULL;
	if (tsig == NULL) {
		pub_result_t r = from_rcode(v->rcode);
		return r == PUB_RES_OK && req->signed_req ? PUB_RES_UNSIGNED : r;
	}
	v->tsig_error = knot_tsig_rdata_error(tsig);
	if (v->tsig_error == KNOT_RCODE_BADSIG || v->tsig_error == KNOT_RCODE_BADKEY)
		return PUB_RES_AUTH; /* the server could not use our key: nothing to verify */
	if (key == NULL || !req->signed_req)
		return PUB_RES_BADTSIG;
	knot_tsig_key_t kkey;
	if (knot_key_init(key, &kkey) != KNOT_EOK)
		return PUB_RES_BADTSIG;
	int ret = knot_tsig_client_check(tsig, w, pkt->size, req->mac, req->mac_len, &kkey, 0);
	knot_tsig_key_deinit(&kkey);
	if (v->tsig_error == KNOT_RCODE_BADTIME) {
		v->verified = ret == KNOT_EOK || ret == KNOT_TSIG_EBADTIME;
		v->skew = badtime_skew(tsig);
		return PUB_RES_BADTIME;
	}
	if (ret != KNOT_EOK)
		return ret == KNOT_TSIG_EBADTIME ? PUB_RES_BADTIME : PUB_RES_BADTSIG;
	v->verified = true;
	return v->tsig_error != 0 ? PUB_RES_RCODE : from_rcode(v->rcode);
}

pub_result_t pub_msg_check(const pub_msg_t *req, const kd_tsig_key_t *key, const uint8_t *resp,
                           size_t len, pub_verdict_t *out)
{
	pub_verdict_t v;
	memset(&v, 0, sizeof(v));
	v.result = PUB_RES_MALFORMED;
	uint8_t *copy =
	        len >= KNOT_WIRE_HEADER_SIZE && len <= KNOT_WIRE_MAX_PKTSIZE ? malloc(len) : NULL;
	knot_pkt_t *pkt = NULL;
	if (copy != NULL) {
		memcpy(copy, resp, len);
		pkt = knot_pkt_new(copy, (uint16_t)len, NULL);
	}
	if (pkt != NULL && knot_pkt_parse(pkt, 0) == KNOT_EOK)
		v.result = judge(req, key, pkt, &v);
	else if (copy != NULL && knot_wire_get_id(copy) != req->id)
		v.result = PUB_RES_MISMATCH;
	knot_pkt_free(pkt);
	free(copy);
	*out = v;
	return v.result;
}

static const char *rcode_name(uint16_t rcode)
{
	const knot_lookup_t *l = knot_lookup_by_id(knot_rcode_names, rcode);
	return l != NULL ? l->name : "unknown rcode";
}

static const char *tsig_name(uint16_t err)
{
	/* libknot's knot_tsig_rcode_names lacks some of these in 3.2. */
	switch (err) {
	case KNOT_RCODE_BADSIG: return "BADSIG";
	case KNOT_RCODE_BADKEY: return "BADKEY";
	case KNOT_RCODE_BADTIME: return "BADTIME";
	case KNOT_RCODE_BADTRUNC: return "BADTRUNC";
	default: return rcode_name(err);
	}
}

void pub_verdict_str(const pub_verdict_t *v, char *buf, size_t len)
{
	char rc[64];
	if (v->tsig_error != 0)
		snprintf(rc, sizeof(rc), "%s, TSIG %s", rcode_name(v->rcode),
		         tsig_name(v->tsig_error));
	else
		snprintf(rc, sizeof(rc), "%s%s", rcode_name(v->rcode),
		         v->has_tsig ? "" : ", unsigned");

	switch (v->result) {
	case PUB_RES_OK: snprintf(buf, len, "success: %s", rc); return;
	case PUB_RES_AUTH:
		snprintf(buf, len,
		         "authentication failed: %s (wrong secret, key name unknown to the "
		         "server, or key not permitted for this zone)",
		         rc);
		return;
	case PUB_RES_REFUSED:
		snprintf(buf, len,
		         "permission refused: %s (key not allowed to update these records "
		         "by the server's update policy)",
		         rc);
		return;
	case PUB_RES_BADTIME:
		snprintf(buf, len,
		         "clock skew: %s (server clock is %+lld s from ours; fix the time "
		         "on one side)",
		         rc, (long long)v->skew);
		return;
	case PUB_RES_NOTAUTH:
		snprintf(buf, len,
		         "zone not served: %s (server is not authoritative for this zone)", rc);
		return;
	case PUB_RES_NOTZONE: snprintf(buf, len, "name outside the zone: %s", rc); return;
	case PUB_RES_RCODE: snprintf(buf, len, "update rejected: %s", rc); return;
	case PUB_RES_UNSIGNED:
		snprintf(buf, len, "unsigned response to a signed request: %s (not trusted)", rc);
		return;
	case PUB_RES_BADTSIG:
		snprintf(buf, len, "response TSIG does not verify: %s (not trusted)", rc);
		return;
	case PUB_RES_MISMATCH:
		snprintf(buf, len, "response does not match the request (ID, opcode or zone)");
		return;
	case PUB_RES_MALFORMED: snprintf(buf, len, "malformed response"); return;
	}
	snprintf(buf, len, "unknown result");
}

bool pub_result_permanent(pub_result_t r)
{
	switch (r) {
	case PUB_RES_AUTH:
	case PUB_RES_REFUSED:
	case PUB_RES_NOTAUTH:
	case PUB_RES_NOTZONE:
	case PUB_RES_BADTIME: return true;
	case PUB_RES_OK:
	case PUB_RES_RCODE:
	case PUB_RES_UNSIGNED:
	case PUB_RES_BADTSIG:
	case PUB_RES_MISMATCH:
	case PUB_RES_MALFORMED: return false;
	}
	return false;
}
