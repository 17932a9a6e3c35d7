/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UPDATE verdict (pub_msg_check): a server's reply to a signed UPDATE, its ID, zone, rcode
 * and TSIG (pub_tsig_check, publisher/tsig.c, on libknot), then the sentence that reports it
 * and the retry decisions taken on it. Input: one DNS message. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "publisher/update.h"

#define FUZZ_NOW 1700000000 /* 2023-11-14T22:13:20Z */
#define FUZZ_ID  0x4b4d

/* TSIG signs and checks the time: a fixed clock makes an input behave alike on every run.
 * Default visibility: libknot must resolve time() here too. */
__attribute__((visibility("default"))) time_t time(time_t *t)
{
	if (t != NULL)
		*t = FUZZ_NOW;
	return FUZZ_NOW;
}

static kd_tsig_key_t key = {.name = "kms-update",
                            .alg = KD_TSIG_HMAC_SHA256,
                            .secret_b64 = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldCE="};

static const pub_msg_t *request(void)
{
	static pub_msg_t req;
	if (req.wire != NULL)
		return &req;
	pub_oplist_t ops = {0};
	ldns_rr *rr = NULL;
	kd_error_t err = {.code = KD_OK};
	const char *srv = "_vlmcs._tcp.example.test. 300 SRV 0 0 1688 kms1.example.test.";
	if (pub_rr_parse(srv, NULL, &rr, &err) != 0 || pub_oplist_add(&ops, PUB_OP_ADD, rr) != 0 ||
	    pub_msg_build("example.test.", NULL, &ops, &key, FUZZ_ID, &req, &err) != 0)
		abort();
	pub_oplist_deinit(&ops);
	ldns_rr_free(rr);
	/* tests/fuzz/capture-seeds sends this very request to real servers. */
	const char *dump = getenv("FUZZ_WRITE_REQUEST");
	FILE *f = dump != NULL ? fopen(dump, "wb") : NULL;
	if (dump != NULL && (f == NULL || fwrite(req.wire, 1, req.len, f) != req.len || fclose(f)))
		abort();
	return &req;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pub_verdict_t v;
	char line[512];
	pub_msg_check(request(), &key, data, size, &v);
	pub_verdict_str(&v, line, sizeof(line));
	if (v.result == PUB_RES_OK && v.ts.status != PUB_TSIG_VERIFIED)
		abort(); /* an unsigned or unverified reply to a signed request taken as success */
	(void)pub_result_permanent(&v);
	(void)pub_result_tentative(&v);
	return 0;
}
