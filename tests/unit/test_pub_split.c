/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "publisher/split.h"
#include "publisher/update.h"
#include "test_pub_helpers.h"

#define OWN "_vlmcs._tcp.example.test."

typedef struct {
	pub_rrlist_t keep; /* the records the ops point at */
	pub_oplist_t ops[3];
	pub_units_t u;
} fx_t;

static int setup(void **state)
{
	*state = calloc(1, sizeof(fx_t));
	return *state == NULL;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	pub_units_free(&f->u);
	for (size_t i = 0; i < 3; i++)
		pub_oplist_deinit(&f->ops[i]);
	pub_rrlist_free(&f->keep);
	free(f);
	return 0;
}

static void op(fx_t *f, size_t zone, pub_op_kind_t kind, ldns_rr *rr)
{
	t_add(&f->keep, rr);
	assert_int_equal(pub_oplist_add(&f->ops[zone], kind, rr), 0);
}

static char host_buf[PUB_NAME_MAX];

/* The host of the first unit of message msg with class cls, or "". */
static const char *host_of(const fx_t *f, size_t msg, pub_unit_class_t cls)
{
	host_buf[0] = '\0';
	for (size_t i = 0; i < f->u.n; i++)
		if (f->u.v[i].msg == msg && f->u.v[i].cls == cls)
			kd_dname_from_rdf(f->u.v[i].host, host_buf, sizeof(host_buf));
	return host_buf;
}

/* One zone, one message: a stale SRV record replaced, an address RRset replaced, the SRV
 * record of a withdrawn host deleted; units in the order withdrawn SRV, addresses, adds. */
static void test_units_of_one_zone(void **state)
{
	fx_t *f = *state;
	op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 10, 1688, "kms1.example.test"));
	op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 0, 1688, "gone.example.test"));
	op(f, 0, PUB_OP_DEL_RRSET, t_addr("kms1.example.test", "192.0.2.10"));
	op(f, 0, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
	op(f, 0, PUB_OP_ADD, t_srv(OWN, 0, 20, 1688, "kms1.example.test"));
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[0]), 0);
	assert_int_equal(pub_units_link(&f->u), 0);
	assert_int_equal(f->u.n, 3);
	assert_int_equal(f->u.v[0].cls, PUB_UNIT_SRV_DEL);
	assert_int_equal(f->u.v[1].cls, PUB_UNIT_ADDR);
	assert_int_equal(f->u.v[1].ops.n, 2);
	assert_int_equal(f->u.v[2].cls, PUB_UNIT_SRV_ADD);
	assert_int_equal(f->u.v[2].ops.n, 2); /* the stale record goes with the new one */
	assert_int_equal(f->u.v[2].ops.v[0].kind, PUB_OP_DEL);
	pub_oplist_t msg = {0};
	size_t m;
	assert_int_equal(pub_units_pack(&f->u, 0, PUB_MSG_MAX, &msg, &m), 3);
	assert_int_equal(msg.n, 5);
	assert_false(pub_units_pending(&f->u, 0));
	pub_units_done(&f->u, 0, m, true);
	for (size_t i = 0; i < f->u.n; i++)
		assert_int_equal(f->u.v[i].st, PUB_U_OK);
	pub_oplist_deinit(&msg);
}

/* Too many for one message: split, a host's address before its SRV record; a unit larger
 * than a message fails alone. */
static void test_split_by_budget(void **state)
{
	fx_t *f = *state;
	for (int i = 0; i < 10; i++) {
		char host[64], ip[32];
		snprintf(host, sizeof(host), "kms%d.example.test", i);
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		op(f, 0, PUB_OP_ADD, t_addr(host, ip));
	}
	for (int i = 0; i < 10; i++) {
		char host[64];
		snprintf(host, sizeof(host), "kms%d.example.test", i);
		op(f, 0, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, host));
	}
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[0]), 0);
	assert_int_equal(pub_units_link(&f->u), 0);
	size_t one = f->u.v[0].size; /* an address unit */
	size_t budget = 7 * one;
	size_t msgs = 0, units = 0;
	for (;;) {
		pub_oplist_t msg = {0};
		size_t m;
		long k = pub_units_pack(&f->u, 0, budget, &msg, &m);
		assert_true(k >= 0);
		size_t bytes = 0;
		for (size_t i = 0; i < msg.n; i++)
			bytes += pub_op_size(&msg.v[i]);
		assert_true(bytes <= budget);
		pub_oplist_deinit(&msg);
		if (k == 0)
			break;
		msgs++;
		units += (size_t)k;
		pub_units_done(&f->u, 0, m, true);
		assert_true(msgs < 20);
	}
	assert_true(msgs >= 3);
	assert_int_equal(units, 20);
	/* every SRV unit went in the message of its host's address or a later one */
	for (size_t i = 0; i < f->u.n; i++) {
		const pub_unit_t *s = &f->u.v[i];
		if (s->cls != PUB_UNIT_SRV_ADD)
			continue;
		for (size_t k = 0; k < f->u.n; k++)
			if (f->u.v[k].cls == PUB_UNIT_ADDR &&
			    ldns_dname_compare(f->u.v[k].host, s->host) == 0)
				assert_true(f->u.v[k].msg <= s->msg);
	}
	/* a budget below one unit: each fails, none is sent */
	pub_units_free(&f->u);
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[0]), 0);
	assert_int_equal(pub_units_link(&f->u), 0);
	pub_oplist_t msg = {0};
	size_t m;
	assert_int_equal(pub_units_pack(&f->u, 0, 10, &msg, &m), 0);
	assert_int_equal(msg.n, 0);
	assert_int_equal(f->u.v[0].st, PUB_U_FAILED);
	pub_oplist_deinit(&msg);
}

/* Across zones: an SRV record in zone 1 waits for its host's addresses in zone 0, and is
 * skipped when they fail; a withdrawn host's addresses wait for its SRV records to go. */
static void test_dependencies_across_zones(void **state)
{
	fx_t *f = *state;
	op(f, 0, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
	op(f, 0, PUB_OP_DEL, t_addr("gone.example.test", "192.0.2.99"));
	op(f, 1, PUB_OP_DEL, t_srv("_vlmcs._tcp.other.test", 0, 0, 1688, "gone.example.test"));
	op(f, 1, PUB_OP_ADD, t_srv("_vlmcs._tcp.other.test", 0, 0, 1688, "kms1.example.test"));
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[0]), 0);
	assert_int_equal(pub_units_add(&f->u, 1, &f->ops[1]), 0);
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[2]), -1); /* zones in order */
	assert_int_equal(pub_units_link(&f->u), 0);
	pub_oplist_t a = {0}, b = {0};
	size_t ma, mb;
	/* step 1: zone 0 sends kms1's address, not gone's (its SRV is still there); zone 1
	 * deletes gone's SRV record, and kms1's waits */
	assert_int_equal(pub_units_pack(&f->u, 0, PUB_MSG_MAX, &a, &ma), 1);
	assert_string_equal(host_of(f, ma, PUB_UNIT_ADDR), "kms1.example.test.");
	assert_int_equal(pub_units_pack(&f->u, 1, PUB_MSG_MAX, &b, &mb), 1);
	assert_string_equal(host_of(f, mb, PUB_UNIT_SRV_DEL), "gone.example.test.");
	/* kms1's address is rejected, gone's SRV delete goes through */
	pub_units_done(&f->u, 0, ma, false);
	for (size_t i = 0; i < f->u.n; i++) /* zone 1's message is untouched */
		if (f->u.v[i].zone == 1 && f->u.v[i].msg == mb)
			assert_int_equal(f->u.v[i].st, PUB_U_SENT);
	pub_units_done(&f->u, 1, mb, true);
	pub_oplist_deinit(&a);
	pub_oplist_deinit(&b);
	/* step 2: gone's address goes; kms1's SRV record is skipped */
	assert_int_equal(pub_units_pack(&f->u, 0, PUB_MSG_MAX, &a, &ma), 1);
	assert_string_equal(host_of(f, ma, PUB_UNIT_ADDR), "gone.example.test.");
	assert_int_equal(pub_units_pack(&f->u, 1, PUB_MSG_MAX, &b, &mb), 0);
	assert_false(pub_units_pending(&f->u, 1));
	bool skipped = false;
	for (size_t i = 0; i < f->u.n; i++)
		skipped = skipped ||
		          (f->u.v[i].cls == PUB_UNIT_SRV_ADD && f->u.v[i].st == PUB_U_SKIPPED);
	assert_true(skipped);
	pub_oplist_deinit(&a);
	pub_oplist_deinit(&b);
}

/* Many hosts, their operations interleaved and not in name order: each op joins the unit of
 * its class, host and RRset (and only that one), units come in the order their first op came,
 * and an SRV delete joins an add only when the add is of the same host at the same name. */
static void test_units_join_by_host(void **state)
{
	fx_t *f = *state;
	enum { N = 40 };
	char host[N][64], ip[32];
	for (int i = 0; i < N; i++)
		snprintf(host[i], sizeof(host[i]), "kms%d.example.test", (i * 17) % N);
	for (int i = 0; i < N; i++) {
		op(f, 0, PUB_OP_DEL, t_srv(OWN, 1, 0, 1688, host[i]));    /* stale */
		op(f, 0, PUB_OP_DEL_RRSET, t_addr(host[i], "192.0.2.1")); /* replaced */
		snprintf(ip, sizeof(ip), "192.0.2.%d", i + 1);
		op(f, 0, PUB_OP_ADD, t_addr(host[i], ip));
		/* the same host at another name: withdrawn, its own unit */
		op(f, 0, PUB_OP_DEL, t_srv("_vlmcs._tcp.other.example.test", 0, 0, 1688, host[i]));
	}
	for (int i = N; i-- > 0;) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", i + 1);
		op(f, 0, PUB_OP_ADD, t_addr(host[i], ip)); /* a second address, much later */
		op(f, 0, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, host[i]));
	}
	assert_int_equal(pub_units_add(&f->u, 0, &f->ops[0]), 0);
	assert_int_equal(f->u.n, 3 * N);
	for (size_t i = 0; i < f->u.n; i++) {
		const pub_unit_t *x = &f->u.v[i];
		size_t k = i % N;
		/* N withdrawn SRV units, N address units, N SRV units, each class in the order of
		 * its hosts' first op */
		pub_unit_class_t cls = i < N       ? PUB_UNIT_SRV_DEL
		                       : i < 2 * N ? PUB_UNIT_ADDR
		                                   : PUB_UNIT_SRV_ADD;
		assert_int_equal(x->cls, cls);
		char h[PUB_NAME_MAX];
		assert_int_equal(kd_dname_from_rdf(x->host, h, sizeof(h)), 0);
		char want[80];
		snprintf(want, sizeof(want), "%s.", host[k]);
		assert_string_equal(h, want);
		assert_int_equal(x->ops.n, cls == PUB_UNIT_ADDR      ? 3
		                           : cls == PUB_UNIT_SRV_ADD ? 2
		                                                     : 1);
		for (size_t o = 0; o < x->ops.n; o++) {
			const ldns_rr *rr = x->ops.v[o].rr;
			const ldns_rdf *oh =
			        pub_rr_is_srv(rr) ? ldns_rr_rdf(rr, 3) : ldns_rr_owner(rr);
			assert_int_equal(ldns_dname_compare(oh, x->host), 0);
			assert_true(pub_rr_same_set(rr, x->ops.v[0].rr));
		}
		if (cls == PUB_UNIT_ADDR) { /* in op order: the delete, then both adds */
			assert_int_equal(x->ops.v[0].kind, PUB_OP_DEL_RRSET);
			assert_int_equal(x->ops.v[2].kind, PUB_OP_ADD);
		}
		if (cls == PUB_UNIT_SRV_ADD) {
			assert_int_equal(x->ops.v[0].kind, PUB_OP_DEL);
			assert_int_equal(x->ops.v[1].kind, PUB_OP_ADD);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_units_of_one_zone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_split_by_budget, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dependencies_across_zones, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_units_join_by_host, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
