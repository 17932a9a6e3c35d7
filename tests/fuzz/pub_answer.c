/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One answer as the publisher's read path judges it (pub_answer_parse_wire, publisher/read.c,
 * on ldns): where the name is, and the records of the type asked at the name asked. Those
 * records must be SRV/A/AAAA of that type and owner, a zone or cut reported below ours must be
 * below it, and a failure must leave the list as it was. Input: one byte choosing the question
 * (its low bits index questions[]), then the DNS message. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"
#include "publisher/read.h"

static const char zone[] = "example.test.";

static const struct {
	const char *name;
	ldns_rr_type type;
} questions[] = {
        {"_vlmcs._tcp.example.test.", LDNS_RR_TYPE_SOA},
        {"_vlmcs._tcp.example.test.", LDNS_RR_TYPE_SRV},
        {"kms1.example.test.", LDNS_RR_TYPE_SOA},
        {"kms1.example.test.", LDNS_RR_TYPE_A},
        {"kms1.example.test.", LDNS_RR_TYPE_AAAA},
        {"example.test.", LDNS_RR_TYPE_SOA},
        {"kms1.sub.example.test.", LDNS_RR_TYPE_A},
        {"_vlmcs._tcp.sub.example.test.", LDNS_RR_TYPE_SRV},
};
#define NQ (sizeof(questions) / sizeof(questions[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *qname = questions[data[0] % NQ].name;
	ldns_rr_type type = questions[data[0] % NQ].type;
	pub_answer_t a = {.rrs = {0}};
	kd_error_t err = {.code = KD_OK};
	/* One record from before: the parser appends, and must keep it on failure. */
	ldns_rr *old = pub_rr_new_addr("old.example.test.", 300, "192.0.2.1");
	if (old == NULL || pub_rrlist_add(&a.rrs, old) != 0)
		abort();
	int ret = pub_answer_parse_wire(data + 1, size - 1, qname, type, zone, &a, &err);
	if (a.rrs.n < 1 || a.rrs.v[0] != old)
		abort();
	if (ret != 0) {
		if (a.rrs.n != 1 || err.code == KD_OK)
			abort(); /* half-read records left behind, or no reason */
	} else {
		char owner[PUB_NAME_MAX];
		for (size_t i = 1; i < a.rrs.n; i++)
			if (ldns_rr_get_type(a.rrs.v[i]) != type ||
			    pub_rr_owner_str(a.rrs.v[i], owner, sizeof(owner)) != 0 ||
			    strcmp(owner, qname) != 0)
				abort(); /* a record not asked for */
		if ((a.where == PUB_WHERE_CHILD || a.where == PUB_WHERE_REFERRAL) &&
		    (!kd_dname_in_zone(a.other, zone) || kd_dname_equal(a.other, zone)))
			abort();
	}
	pub_rrlist_free(&a.rrs);
	return 0;
}
