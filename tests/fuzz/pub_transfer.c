/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A zone transfer as the transfer read takes it (publisher/transfer.c), message by message.
 * Input: one flag byte, then messages, each a two-byte length and its bytes (as over TCP). The
 * harness gives each message the request's ID and signs it as a server does (the first against
 * the request's MAC, each later one against the MAC before it), so that what follows the TSIG
 * check is reached; flag bit 0 leaves the last message unsigned, bit 1 flips a byte of its MAC.
 * Seeds: real transfers from knotd and named (tests/fuzz/capture-seeds).
 * What must hold: a transfer that did not complete settles no name and leaves no record
 * behind; a settled name holds only records of the types asked, at that name; a refusal is an
 * error. */
#include "config.h"

#include <libknot/libknot.h>
#include <stdlib.h>
#include <string.h>

#include "dns/query.h"
#include "publisher/transfer.h"

static const char zone[] = "example.test.";
static kd_tsig_key_t key = {.name = "kms-fuzz",
                            .alg = KD_TSIG_HMAC_SHA256,
                            .secret_b64 = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="};

static const struct {
	const char *name;
	unsigned ask;
} wanted[] = {
        {"_vlmcs._tcp.example.test.", PUB_ASK_SRV},
        {"kms1.example.test.", PUB_ASK_A | PUB_ASK_AAAA},
        {"kms2.example.test.", PUB_ASK_A},
        {"kms1.sub.example.test.", PUB_ASK_A | PUB_ASK_SOA},
        {"host1.example.test.", PUB_ASK_AAAA},
};
#define NW (sizeof(wanted) / sizeof(wanted[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t flags = data[0];
	pub_name_read_t names[NW];
	bool settled[NW];
	memset(names, 0, sizeof(names));
	for (size_t i = 0; i < NW; i++) {
		snprintf(names[i].name, sizeof(names[i].name), "%s", wanted[i].name);
		names[i].zone = zone;
		names[i].ask = wanted[i].ask;
	}
	pub_xfr_t x = {.zone = zone, .key = &key, .names = names, .n = NW, .settled = settled};
	/* The request, signed: its ID and MAC are what the server's messages answer. */
	ldns_pkt *pkt = NULL;
	uint8_t *req = NULL;
	size_t len = 0;
	if (kd_query_build(zone, LDNS_RR_TYPE_AXFR, false, &pkt, &req, &len) != KD_OK)
		abort();
	ldns_pkt_free(pkt);
	size_t cap = len + pub_tsig_size(&key);
	uint8_t *v = realloc(req, cap);
	pub_tsig_req_t mac;
	kd_error_t err;
	if (v == NULL || pub_tsig_sign(&key, v, &len, cap, &mac, &err) != 0)
		abort();
	req = v;
	knot_tsig_key_t k;
	if (knot_tsig_key_init(&k, "hmac-sha256", key.name, key.secret_b64) != KNOT_EOK)
		abort();
	uint8_t prev[64], digest[64];
	size_t prev_len = mac.mac_len, dlen = 0;
	memcpy(prev, mac.mac, prev_len);
	pub_xfr_run_t *run = pub_xfr_run_new(&x, &mac);
	if (run == NULL)
		abort();
	kd_reply_t r = KD_REPLY_MORE;
	size_t off = 1;
	for (size_t seq = 0; r == KD_REPLY_MORE && size - off >= 2; seq++) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		bool last = size - off - n < 2;
		size_t room = n + 512;
		uint8_t *msg = malloc(room);
		if (msg == NULL)
			abort();
		memcpy(msg, data + off, n);
		off += n;
		size_t mlen = n;
		if (mlen >= 12) {
			memcpy(msg, req, 2); /* the request's ID */
			bool sign = !(last && (flags & 1));
			int s = KNOT_EOK;
			if (sign && seq == 0)
				s = knot_tsig_sign(msg, &mlen, room, prev, prev_len, digest, &dlen,
				                   &k, 0, 0);
			else if (sign) {
				uint8_t *plain = malloc(mlen); /* what the MAC covers */
				if (plain == NULL)
					abort();
				memcpy(plain, msg, mlen);
				s = knot_tsig_sign_next(msg, &mlen, room, prev, prev_len, digest,
				                        &dlen, &k, plain, mlen);
				free(plain);
			}
			if (sign && s == KNOT_EOK) {
				memcpy(prev, digest, dlen);
				prev_len = dlen;
				if (last && (flags & 2) && mlen > 20)
					msg[mlen - 20] ^=
					        0x01; /* inside the MAC or the fields after */
			}
		}
		r = mlen >= 12 ? pub_xfr_take(msg, mlen, run) : r;
		free(msg);
	}
	bool ok = x.ok;
	pub_xfr_run_finish(run);
	knot_tsig_key_deinit(&k);
	free(req);
	if (ok != x.ok)
		abort();
	if (x.refused && (x.ok || x.err.code == KD_OK))
		abort(); /* a refusal is an error */
	for (size_t i = 0; i < NW; i++) {
		if (!x.ok && settled[i])
			abort(); /* settled by a transfer that did not complete */
		if (!settled[i] && names[i].rrs.n != 0)
			abort(); /* records left behind for the queries to add to */
		for (size_t j = 0; j < names[i].rrs.n; j++) {
			const ldns_rr *rr = names[i].rrs.v[j];
			char owner[PUB_NAME_MAX];
			if ((pub_ask_bit(ldns_rr_get_type(rr)) & names[i].ask) == 0 ||
			    pub_rr_owner_str(rr, owner, sizeof(owner)) != 0 ||
			    strcmp(owner, names[i].name) != 0)
				abort(); /* a record not asked for */
		}
		if (names[i].where == PUB_WHERE_ALIAS && names[i].other[0] == '\0')
			abort();
		pub_rrlist_free(&names[i].rrs);
	}
	return 0;
}
