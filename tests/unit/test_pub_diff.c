/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "publisher/diff.h"
#include "test_pub_helpers.h"

#define OWN "_vlmcs._tcp.example.test."

typedef struct {
	pub_rrlist_t desired, actual, withdraw; /* withdraw: published, not desired */
	pub_oplist_t ops;
} fx_t;

static int setup(void **state)
{
	*state = calloc(1, sizeof(fx_t));
	return *state == NULL;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	pub_rrlist_free(&f->desired);
	pub_rrlist_free(&f->actual);
	pub_rrlist_free(&f->withdraw);
	pub_oplist_deinit(&f->ops);
	free(f);
	return 0;
}

static void run(fx_t *f)
{
	assert_int_equal(pub_diff(&f->desired, &f->actual, &f->withdraw, &f->ops), 0);
}

/* Op i is kind on want (for an RRset delete: want's owner and type); frees want. */
static void assert_op(const fx_t *f, size_t i, pub_op_kind_t kind, ldns_rr *want)
{
	assert_true(i < f->ops.n);
	assert_int_equal(f->ops.v[i].kind, kind);
	if (kind == PUB_OP_DEL_RRSET)
		assert_true(pub_rr_same_set(f->ops.v[i].rr, want));
	else
		assert_true(pub_rr_equal(f->ops.v[i].rr, want));
	ldns_rr_free(want);
}

static void test_nothing_differs(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "foreign.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 0);
}

static void test_add_order_addresses_first(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->desired, t_addr("kms1.example.test", "2001:db8::10"));
	run(f);
	/* no RRset delete for RRsets the server does not hold */
	assert_int_equal(f->ops.n, 3);
	assert_op(f, 0, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
	assert_op(f, 1, PUB_OP_ADD, t_addr("kms1.example.test", "2001:db8::10"));
	assert_op(f, 2, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
}

static ldns_rr *with_ttl(ldns_rr *rr, uint32_t ttl)
{
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

static void test_ttl_change_applied(void **state)
{
	fx_t *f = *state;
	/* we published 600, the configuration says 300 now, the server holds 600 */
	t_add(&f->desired, with_ttl(t_srv(OWN, 0, 0, 1688, "kms1.example.test"), 300));
	t_add(&f->desired, with_ttl(t_addr("kms1.example.test", "192.0.2.10"), 300));
	t_add(&f->withdraw, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->withdraw, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "foreign.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 4);
	assert_op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	assert_op(f, 1, PUB_OP_DEL_RRSET, t_addr("kms1.example.test", "192.0.2.10"));
	assert_op(f, 2, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
	assert_int_equal(ldns_rr_ttl(f->ops.v[2].rr), 300);
	assert_op(f, 3, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	assert_int_equal(ldns_rr_ttl(f->ops.v[3].rr), 300);
}

static void test_ttl_not_fought(void **state)
{
	fx_t *f = *state;
	/* we published 300 already; the server shows 600 (another host's TTL for the RRset, or
	 * BIND's one TTL per RRset): not ours to change */
	t_add(&f->desired, with_ttl(t_srv(OWN, 0, 0, 1688, "kms1.example.test"), 300));
	t_add(&f->withdraw, with_ttl(t_srv(OWN, 0, 0, 1688, "kms1.example.test"), 300));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	/* a record we never published, with another TTL: not ours either */
	t_add(&f->desired, with_ttl(t_addr("kms1.example.test", "192.0.2.10"), 300));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	run(f);
	assert_int_equal(f->ops.n, 0);
}

static void test_foreign_untouched(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "foreign.example.test"));
	t_add(&f->actual, t_srv(OWN, 5, 5, 1699, "other.example.test"));
	t_add(&f->withdraw, t_srv(OWN, 0, 0, 1688, "gone.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 1);
	assert_op(f, 0, PUB_OP_ADD, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
}

static void test_case_insensitive(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	ldns_rr *upper = NULL;
	assert_int_equal(
	        pub_rr_parse("_VLMCS._TCP.Example.TEST. 600 IN SRV 0 0 1688 KMS1.Example.Test.",
	                     NULL, &upper, NULL),
	        0);
	t_add(&f->actual, upper);
	run(f);
	assert_int_equal(f->ops.n, 0);
}

static void test_changed_weight_replaces(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 20, 1688, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 10, 1688, "KMS1.example.test"));
	t_add(&f->actual, t_srv(OWN, 1, 0, 1688, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 10, 1688, "foreign.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 3);
	assert_op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 10, 1688, "kms1.example.test"));
	assert_op(f, 1, PUB_OP_DEL, t_srv(OWN, 1, 0, 1688, "kms1.example.test"));
	assert_op(f, 2, PUB_OP_ADD, t_srv(OWN, 0, 20, 1688, "kms1.example.test"));
	for (size_t i = 0; i < f->ops.n; i++)
		assert_int_not_equal(f->ops.v[i].kind, PUB_OP_DEL_RRSET);
}

static void test_changed_port_keeps_right_one(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_srv(OWN, 0, 0, 1700, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1700, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 1);
	assert_op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
}

static void test_withdraw_order_srv_first(void **state)
{
	fx_t *f = *state;
	t_add(&f->withdraw, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->withdraw, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->withdraw, t_addr("kms1.example.test", "192.0.2.11"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.99"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 0, 1688, "foreign.example.test"));
	run(f);
	/* absent 192.0.2.11 is not deleted; the unknown 192.0.2.99 is not ours */
	assert_int_equal(f->ops.n, 2);
	assert_op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 0, 1688, "kms1.example.test"));
	assert_op(f, 1, PUB_OP_DEL, t_addr("kms1.example.test", "192.0.2.10"));
}

static void test_withdrawn_host_stale_variant(void **state)
{
	fx_t *f = *state;
	/* published weight 5 earlier; someone's re-run left weight 7 for the same host */
	t_add(&f->withdraw, t_srv(OWN, 0, 5, 1688, "old.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 7, 1688, "old.example.test"));
	t_add(&f->actual, t_srv(OWN, 0, 5, 1688, "kms1.example.test"));
	t_add(&f->desired, t_srv(OWN, 0, 5, 1688, "kms1.example.test"));
	run(f);
	assert_int_equal(f->ops.n, 1);
	assert_op(f, 0, PUB_OP_DEL, t_srv(OWN, 0, 7, 1688, "old.example.test"));
}

static void test_address_rrset_replaced(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.66"));
	t_add(&f->actual, t_addr("kms1.example.test", "2001:db8::66"));
	run(f);
	/* A is owned and replaced; AAAA is not listed, so it is left alone */
	assert_int_equal(f->ops.n, 2);
	assert_op(f, 0, PUB_OP_DEL_RRSET, t_addr("kms1.example.test", "192.0.2.10"));
	assert_op(f, 1, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.10"));
}

static void test_removed_address_withdrawn(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->withdraw, t_addr("kms1.example.test", "2001:db8::10"));
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.10"));
	t_add(&f->actual, t_addr("kms1.example.test", "2001:db8::10"));
	run(f);
	assert_int_equal(f->ops.n, 1);
	assert_op(f, 0, PUB_OP_DEL, t_addr("kms1.example.test", "2001:db8::10"));
}

/* Address RRsets of several owners, their records interleaved in desired: each RRset is
 * handled once (one RRset delete when the server holds it, then all its records added), an
 * RRset already current is left alone, and the A and AAAA sets of an owner are apart. */
static void test_interleaved_rrsets_once_each(void **state)
{
	fx_t *f = *state;
	t_add(&f->desired, t_addr("kms2.example.test", "192.0.2.21"));
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.11"));
	t_add(&f->desired, t_addr("kms3.example.test", "192.0.2.31"));
	t_add(&f->desired, t_addr("kms1.example.test", "2001:db8::11"));
	t_add(&f->desired, t_addr("kms2.example.test", "192.0.2.22"));
	t_add(&f->desired, t_addr("kms1.example.test", "192.0.2.12"));
	t_add(&f->desired, t_addr("kms3.example.test", "192.0.2.32"));
	t_add(&f->desired, t_addr("kms1.example.test", "2001:db8::12"));
	/* kms1 A: one stale record; kms2 A: current; kms3 A and kms1 AAAA: none there */
	t_add(&f->actual, t_addr("kms1.example.test", "192.0.2.99"));
	t_add(&f->actual, t_addr("kms2.example.test", "192.0.2.22"));
	t_add(&f->actual, t_addr("kms2.example.test", "192.0.2.21"));
	run(f);
	assert_int_equal(f->ops.n, 7);
	assert_op(f, 0, PUB_OP_DEL_RRSET, t_addr("kms1.example.test", "192.0.2.1"));
	assert_op(f, 1, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.11"));
	assert_op(f, 2, PUB_OP_ADD, t_addr("kms1.example.test", "192.0.2.12"));
	assert_op(f, 3, PUB_OP_ADD, t_addr("kms3.example.test", "192.0.2.31"));
	assert_op(f, 4, PUB_OP_ADD, t_addr("kms3.example.test", "192.0.2.32"));
	assert_op(f, 5, PUB_OP_ADD, t_addr("kms1.example.test", "2001:db8::11"));
	assert_op(f, 6, PUB_OP_ADD, t_addr("kms1.example.test", "2001:db8::12"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_nothing_differs, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_interleaved_rrsets_once_each, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_add_order_addresses_first, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_untouched, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_case_insensitive, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_changed_weight_replaces, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_changed_port_keeps_right_one, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_withdraw_order_srv_first, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_withdrawn_host_stale_variant, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_address_rrset_replaced, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_removed_address_withdrawn, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ttl_change_applied, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ttl_not_fought, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
