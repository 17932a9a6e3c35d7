/* SPDX-License-Identifier: GPL-3.0-or-later */
/* kms-publisher's read path (pub_read_names): the SOA probe and the record queries of two
 * names, pipelined on one TCP connection, each signed and its answer verified by pub_signer_t
 * (publisher/tsig.c: libknot parses every answer and checks its TSIG before
 * pub_answer_parse judges it with ldns). What is read must be records of the types asked at
 * the name asked, and a zone reported below ours must be below it. Input: the server's
 * messages (fake_net.h), in the order asked: SRV of _vlmcs._tcp.example.test., A and AAAA of
 * kms1.example.test., then the SOA probes of those whose answers named no zone. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dns/dname.h"
#include "publisher/read.h"
#include "tests/fuzz/fake_net.h"

#define FUZZ_NOW 1700000000 /* 2023-11-14T22:13:20Z */

/* TSIG signs and checks the time: a fixed clock makes an input behave alike on every run.
 * Default visibility: libknot must resolve time() here too. */
__attribute__((visibility("default"))) time_t time(time_t *t)
{
	if (t != NULL)
		*t = FUZZ_NOW;
	return FUZZ_NOW;
}

static const char zone[] = "example.test.";
static kd_tsig_key_t key = {.name = "kms-update",
                            .alg = KD_TSIG_HMAC_SHA256,
                            .secret_b64 = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="};

static const struct {
	const char *name;
	unsigned ask;
} wanted[] = {
        {"_vlmcs._tcp.example.test.", PUB_ASK_SOA | PUB_ASK_SRV},
        {"kms1.example.test.", PUB_ASK_SOA | PUB_ASK_A | PUB_ASK_AAAA},
};
#define NNAMES (sizeof(wanted) / sizeof(wanted[0]))

static bool asked(const pub_name_read_t *r, const ldns_rr *rr)
{
	switch (ldns_rr_get_type(rr)) {
	case LDNS_RR_TYPE_SRV: return r->ask & PUB_ASK_SRV;
	case LDNS_RR_TYPE_A: return r->ask & PUB_ASK_A;
	case LDNS_RR_TYPE_AAAA: return r->ask & PUB_ASK_AAAA;
	default: return false;
	}
}

static void check(const pub_name_read_t *r)
{
	char owner[PUB_NAME_MAX];
	if (r->err.code != KD_OK)
		return;
	for (size_t i = 0; i < r->rrs.n; i++)
		if (!asked(r, r->rrs.v[i]) ||
		    pub_rr_owner_str(r->rrs.v[i], owner, sizeof(owner)) != 0 ||
		    strcmp(owner, r->name) != 0)
			abort(); /* a record we did not ask for */
	if ((r->where == PUB_WHERE_CHILD || r->where == PUB_WHERE_REFERRAL) &&
	    (!kd_dname_in_zone(r->other, zone) || kd_dname_equal(r->other, zone)))
		abort(); /* a zone "below ours" that is not */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_query_opts_t opts = {.servers = fake_net_server(), .count = 1, .tcp = true};
	pub_signer_t *signer = pub_signer_new();
	pub_name_read_t names[NNAMES];
	memset(names, 0, sizeof(names));
	for (size_t i = 0; i < NNAMES; i++) {
		strcpy(names[i].name, wanted[i].name);
		names[i].zone = zone;
		names[i].ask = wanted[i].ask;
		if (signer == NULL || pub_signer_add(signer, wanted[i].name, &key) != 0)
			abort();
	}
	kd_signer_t s = pub_signer_get(signer);
	kd_addr_t from = *fake_net_server();
	fake_net_feed(data, size);
	if (pub_read_names(&opts, &s, names, NNAMES, &from) != 0)
		abort();
	for (size_t i = 0; i < NNAMES; i++) {
		check(&names[i]);
		pub_name_read_deinit(&names[i]);
	}
	pub_signer_free(signer);
	return 0;
}
