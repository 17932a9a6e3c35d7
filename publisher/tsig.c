/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/tsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/array.h"
#include "dns/dname.h"

/* A libknot key from ours (knot_tsig_key_deinit wipes the secret): for one call, or for the
 * life of a read signer. */
static int key_init(const kd_tsig_key_t *key, knot_tsig_key_t *out)
{
	return knot_tsig_key_init(out, kd_tsig_alg_name(key->alg), key->name, key->secret_b64);
}

size_t pub_tsig_size(const kd_tsig_key_t *key)
{
	knot_tsig_key_t k;
	if (key_init(key, &k) != KNOT_EOK)
		return 512; /* sign() fails later with the reason */
	size_t n = knot_tsig_wire_size(&k);
	knot_tsig_key_deinit(&k);
	return n;
}

/* pub_tsig_sign with key decoded into k. */
static int sign_with(const kd_tsig_key_t *key, const knot_tsig_key_t *k, uint8_t *wire, size_t *len,
                     size_t cap, pub_tsig_req_t *req, kd_error_t *err)
{
	req->mac_len = sizeof(req->mac);
	int r = knot_tsig_sign(wire, len, cap, NULL, 0, req->mac, &req->mac_len, k, 0, 0);
	if (r != KNOT_EOK)
		return kd_fail(err, KD_EINVAL, "failed to sign a message with key %s (%s)",
		               key->name, knot_strerror(r));
	return 0;
}

int pub_tsig_sign(const kd_tsig_key_t *key, uint8_t *wire, size_t *len, size_t cap,
                  pub_tsig_req_t *req, kd_error_t *err)
{
	knot_tsig_key_t k;
	if (key_init(key, &k) != KNOT_EOK)
		return kd_fail(err, KD_EINVAL, "failed to sign a message (unusable TSIG key %s)",
		               key->name);
	int r = sign_with(key, &k, wire, len, cap, req, err);
	knot_tsig_key_deinit(&k);
	return r;
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

/* pub_tsig_check with the key decoded (NULL: none, or unusable), of the reply that is size
 * bytes of wire without its TSIG record tsig (ARCOUNT not counting it, as knot_pkt_parse
 * leaves a message); a later message of a transfer (next) against the MAC before it. */
static void check_any(const knot_tsig_key_t *k, const pub_tsig_req_t *req, bool next,
                      const knot_rrset_t *tsig, const uint8_t *wire, size_t size,
                      pub_tsig_result_t *out)
{
	memset(out, 0, sizeof(*out));
	if (tsig == NULL) {
		out->status = PUB_TSIG_NONE;
		return;
	}
	out->error = knot_tsig_rdata_error(tsig);
	if (out->error == KNOT_RCODE_BADSIG || out->error == KNOT_RCODE_BADKEY) {
		out->status = PUB_TSIG_KEYERR; /* nothing to verify: no MAC */
		return;
	}
	int ret = KNOT_EINVAL;
	if (k != NULL && req != NULL && next)
		ret = knot_tsig_client_check_next(tsig, wire, size, req->mac, req->mac_len, k, 0);
	else if (k != NULL && req != NULL)
		ret = knot_tsig_client_check(tsig, wire, size, req->mac, req->mac_len, k, 0);
	out->verified = ret == KNOT_EOK || ret == KNOT_TSIG_EBADTIME;
	if (out->error == KNOT_RCODE_BADTIME || ret == KNOT_TSIG_EBADTIME) {
		out->status = PUB_TSIG_BADTIME;
		out->skew = badtime_skew(tsig);
		return;
	}
	out->status = ret == KNOT_EOK ? PUB_TSIG_VERIFIED : PUB_TSIG_INVALID;
}

void pub_tsig_check_seq(const kd_tsig_key_t *key, pub_tsig_req_t *req, size_t seq,
                        const knot_pkt_t *pkt, pub_tsig_result_t *out)
{
	knot_tsig_key_t k;
	bool ok = key != NULL && pkt->tsig_rr != NULL && key_init(key, &k) == KNOT_EOK;
	check_any(ok ? &k : NULL, req, seq > 0, pkt->tsig_rr, pkt->wire, pkt->size, out);
	if (ok)
		knot_tsig_key_deinit(&k);
	size_t len = ok ? knot_tsig_rdata_mac_length(pkt->tsig_rr) : 0;
	if (out->status == PUB_TSIG_VERIFIED && len <= sizeof(req->mac)) {
		memcpy(req->mac, knot_tsig_rdata_mac(pkt->tsig_rr), len);
		req->mac_len = len;
	}
}

void pub_tsig_check(const kd_tsig_key_t *key, const pub_tsig_req_t *req, const knot_pkt_t *pkt,
                    pub_tsig_result_t *out)
{
	pub_tsig_req_t mac = *req; /* the first message's check does not need it changed */
	pub_tsig_check_seq(key, &mac, 0, pkt, out);
}

knot_pkt_t *pub_pkt_parse(const uint8_t *wire, size_t len)
{
	if (len < KNOT_WIRE_HEADER_SIZE || len > KNOT_WIRE_MAX_PKTSIZE)
		return NULL;
	knot_pkt_t *pkt = knot_pkt_new(NULL, (uint16_t)len, NULL);
	if (pkt == NULL)
		return NULL;
	memcpy(pkt->wire, wire, len);
	pkt->size = len;
	if (knot_pkt_parse(pkt, 0) != KNOT_EOK) {
		knot_pkt_free(pkt);
		return NULL;
	}
	return pkt;
}

uint16_t pub_pkt_rcode(const knot_pkt_t *pkt)
{
	uint16_t rcode = knot_wire_get_rcode(pkt->wire);
	if (pkt->opt_rr != NULL)
		rcode |= (uint16_t)(knot_edns_get_ext_rcode(pkt->opt_rr) << 4);
	return rcode;
}

const char *pub_rcode_name(uint16_t rcode)
{
	const knot_lookup_t *l = knot_lookup_by_id(knot_rcode_names, rcode);
	return l != NULL ? l->name : "unknown rcode";
}

static const char *tsig_error_name(uint16_t err)
{
	/* libknot's knot_tsig_rcode_names lacks some of these in 3.2. */
	switch (err) {
	case KNOT_RCODE_BADSIG: return "BADSIG";
	case KNOT_RCODE_BADKEY: return "BADKEY";
	case KNOT_RCODE_BADTIME: return "BADTIME";
	case KNOT_RCODE_BADTRUNC: return "BADTRUNC";
	default: return pub_rcode_name(err);
	}
}

void pub_rcode_str(uint16_t rcode, const pub_tsig_result_t *t, char *buf, size_t len)
{
	if (t->error != 0)
		snprintf(buf, len, "%s, TSIG %s", pub_rcode_name(rcode), tsig_error_name(t->error));
	else
		snprintf(buf, len, "%s%s", pub_rcode_name(rcode),
		         t->status == PUB_TSIG_NONE ? ", unsigned" : "");
}

int pub_tsig_why(uint16_t rcode, const pub_tsig_result_t *t, char *buf, size_t len)
{
	if (t->status == PUB_TSIG_NONE) {
		if (rcode == KNOT_RCODE_NOERROR || rcode == KNOT_RCODE_NXDOMAIN)
			return 0;
		snprintf(buf, len, "unsigned %s (wrong secret or unknown key?%s)",
		         pub_rcode_name(rcode),
		         rcode == KNOT_RCODE_NOTAUTH ? " or the zone is not served there" : "");
		return -1;
	}
	if (t->status == PUB_TSIG_VERIFIED && t->error == 0)
		return 0; /* the common case, before formatting anything */
	char rc[64];
	pub_rcode_str(rcode, t, rc, sizeof(rc));
	switch (t->status) {
	case PUB_TSIG_KEYERR:
		snprintf(buf, len,
		         "authentication failed: %s (wrong secret, key name unknown to the "
		         "server, or key not permitted for this zone)",
		         rc);
		break;
	case PUB_TSIG_BADTIME:
		snprintf(buf, len,
		         "clock skew: %s (server clock is %+lld s from ours; fix the time on "
		         "one side)",
		         rc, (long long)t->skew);
		break;
	case PUB_TSIG_INVALID:
		snprintf(buf, len, "TSIG of the answer does not verify: %s (not trusted)", rc);
		break;
	default: /* verified, with an error in the TSIG */
		snprintf(buf, len, "TSIG error: %s", rc);
		break;
	}
	return -1;
}

/* ---- the signer for reads ---- */

/* A key as libknot wants it, decoded once for the signer's life (the secret wiped when it
 * ends: knot_tsig_key_deinit). */
typedef struct {
	const kd_tsig_key_t *key;
	knot_tsig_key_t k;
	bool usable; /* k holds the key; else signing with it fails */
} signer_key_t;

typedef struct {
	uint8_t name[KNOT_DNAME_MAXLEN]; /* wire, lower-case */
	size_t len;
	size_t key; /* index in keys */
} name_key_t;

struct pub_signer {
	name_key_t *v;
	size_t n, cap;
	bool sorted;
	signer_key_t *keys;
	size_t nkeys, keys_cap;
};

/* What sign() hands to verify(): the key used (index in keys) and the request MAC. */
typedef struct {
	size_t key;
	pub_tsig_req_t req;
} signed_req_t;

pub_signer_t *pub_signer_new(void)
{
	return calloc(1, sizeof(pub_signer_t));
}

/* The index of key in s->keys, decoded there the first time. SIZE_MAX on ENOMEM. */
static size_t signer_key(pub_signer_t *s, const kd_tsig_key_t *key)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (s->keys[i].key == key)
			return i;
	signer_key_t *keys = kd_array_reserve(s->keys, &s->keys_cap, s->nkeys + 1, sizeof(*keys));
	if (keys == NULL)
		return SIZE_MAX;
	s->keys = keys;
	signer_key_t *k = &keys[s->nkeys];
	k->key = key;
	k->usable = key_init(key, &k->k) == KNOT_EOK;
	return s->nkeys++;
}

int pub_signer_add(pub_signer_t *s, const char *name, const kd_tsig_key_t *key)
{
	name_key_t *v = kd_array_reserve(s->v, &s->cap, s->n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	s->v = v;
	if (knot_dname_from_str(v[s->n].name, name, sizeof(v[s->n].name)) == NULL)
		return -1;
	size_t k = signer_key(s, key);
	if (k == SIZE_MAX)
		return -1;
	knot_dname_to_lower(v[s->n].name);
	v[s->n].len = knot_dname_size(v[s->n].name);
	v[s->n].key = k;
	s->n++;
	s->sorted = false;
	return 0;
}

/* Any order will do for bsearch: length, then bytes (cheaper than canonical order). */
static int name_cmp(const void *a, const void *b)
{
	const name_key_t *x = a, *y = b;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->name, y->name, x->len);
}

/* The key for the uncompressed wire name qname, or NULL. */
static const signer_key_t *key_for(pub_signer_t *s, const uint8_t *qname)
{
	if (!s->sorted) {
		if (s->n > 0)
			qsort(s->v, s->n, sizeof(*s->v), name_cmp);
		s->sorted = true;
	}
	name_key_t want;
	int len = knot_dname_to_wire(want.name, qname, sizeof(want.name));
	if (len <= 0)
		return NULL;
	knot_dname_to_lower(want.name);
	want.len = (size_t)len;
	const name_key_t *hit =
	        s->n > 0 ? bsearch(&want, s->v, s->n, sizeof(*s->v), name_cmp) : NULL;
	return hit != NULL ? &s->keys[hit->key] : NULL;
}

static kd_err_t signer_sign(void *arg, uint8_t *msg, size_t *len, size_t cap, void **req)
{
	pub_signer_t *s = arg;
	/* The question name of a query we built: header, then one uncompressed name. */
	if (*len < KNOT_WIRE_HEADER_SIZE + 1 ||
	    knot_dname_wire_check(msg + KNOT_WIRE_HEADER_SIZE, msg + *len, NULL) <= 0)
		return KD_EINVAL;
	const signer_key_t *key = key_for(s, msg + KNOT_WIRE_HEADER_SIZE);
	if (key == NULL || !key->usable)
		return KD_EINVAL;
	signed_req_t *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return KD_ENOMEM;
	r->key = (size_t)(key - s->keys);
	if (sign_with(key->key, &key->k, msg, len, cap, &r->req, NULL) != 0) {
		free(r);
		return KD_EINVAL;
	}
	*req = r;
	return KD_OK;
}

/* The reply parsed by libknot (every record checked, the TSIG found and taken off the wire
 * it verifies), then its TSIG checked with the signer's decoded key. */
static kd_err_t signer_verify(void *arg, const void *req, const uint8_t *reply, size_t len,
                              char *why, size_t whylen)
{
	const pub_signer_t *s = arg;
	const signed_req_t *r = req;
	if (len > KNOT_WIRE_MAX_PKTSIZE) {
		snprintf(why, whylen, "answer too large");
		return KD_EMALFORMED;
	}
	knot_pkt_t *pkt = pub_pkt_parse(reply, len);
	kd_err_t ret = KD_EMALFORMED;
	if (pkt != NULL) {
		pub_tsig_result_t t;
		check_any(&s->keys[r->key].k, &r->req, false, pkt->tsig_rr, pkt->wire, pkt->size,
		          &t);
		ret = pub_tsig_why(pub_pkt_rcode(pkt), &t, why, whylen) == 0 ? KD_OK : KD_ETSIG;
	} else {
		snprintf(why, whylen, "malformed answer");
	}
	knot_pkt_free(pkt);
	return ret;
}

static void signer_release(void *arg, void *req)
{
	free(req);
}

kd_signer_t pub_signer_get(pub_signer_t *s)
{
	kd_signer_t k = {
	        .sign = signer_sign, .verify = signer_verify, .release = signer_release, .arg = s};
	return k;
}

void pub_signer_free(pub_signer_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nkeys; i++)
		if (s->keys[i].usable)
			knot_tsig_key_deinit(&s->keys[i].k);
	free(s->keys);
	free(s->v);
	free(s);
}
