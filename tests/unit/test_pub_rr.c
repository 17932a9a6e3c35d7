/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "publisher/rr.h"
#include "test_pub_helpers.h"

#define OWN "_vlmcs._tcp.example.test."

static ldns_rr *with_ttl(ldns_rr *rr, uint32_t ttl)
{
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* Many records that differ only late in their rdata (the SRV target, the last address byte),
 * added in an order that is not sorted: every one is found, as itself, and nothing else. */
static void test_index_finds_each_record(void **state)
{
	(void)state;
	pub_rrlist_t list = {0}, other = {0};
	char host[64], ip[32];
	for (int i = 0; i < 300; i++) {
		int k = (i * 7) % 300; /* a shuffled order */
		snprintf(host, sizeof(host), "kms%d.example.test", k);
		snprintf(ip, sizeof(ip), "192.0.2.%d", k % 250);
		t_add(&list, t_srv(OWN, 0, 0, 1688, host));
		t_add(&list, t_addr(host, ip));
		t_add(&other, t_srv(OWN, 0, 0, 1689, host)); /* another port */
	}
	pub_rrindex_t ix;
	assert_int_equal(pub_rrindex_build(&ix, &list, pub_rr_by_record), 0);
	assert_int_equal(ix.n, list.n);
	for (size_t i = 1; i < ix.n; i++)
		assert_true(pub_rr_cmp(ix.v[i - 1], ix.v[i]) < 0);
	for (size_t i = 0; i < list.n; i++) {
		ldns_rr *copy = with_ttl(pub_rr_clone(list.v[i]), 1); /* the TTL does not count */
		assert_ptr_equal(pub_rrindex_find(&ix, copy), list.v[i]);
		ldns_rr_free(copy);
	}
	for (size_t i = 0; i < other.n; i++)
		assert_null(pub_rrindex_find(&ix, other.v[i]));
	pub_rrindex_deinit(&ix);
	pub_rrlist_free(&list);
	pub_rrlist_free(&other);
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

/* pub_rdf_cmp orders as ldns_rdf_compare does (size first, then unsigned bytes), NULL first. */
static void test_rdf_cmp_is_ldns_order(void **state)
{
	(void)state;
	const char *names[] = {"a.test.",         "b.test.",        "ab.test.",
	                       "A\200.test.",     "a\200.test.",    "a\001.test.",
	                       "kms10.big.test.", "kms9.big.test.", "."};
	enum { N = sizeof(names) / sizeof(names[0]) };
	ldns_rdf *r[N];
	for (size_t i = 0; i < N; i++)
		assert_int_equal(ldns_str2rdf_dname(&r[i], names[i]), LDNS_STATUS_OK);
	for (size_t i = 0; i < N; i++) {
		for (size_t j = 0; j < N; j++) {
			assert_int_equal(sign(pub_rdf_cmp(r[i], r[j])),
			                 sign(ldns_rdf_compare(r[i], r[j])));
			assert_int_equal(sign(pub_rdf_cmp(r[i], r[j])),
			                 -sign(pub_rdf_cmp(r[j], r[i])));
		}
		assert_true(pub_rdf_cmp(NULL, r[i]) < 0);
		assert_true(pub_rdf_cmp(r[i], NULL) > 0);
	}
	assert_int_equal(pub_rdf_cmp(NULL, NULL), 0);
	for (size_t i = 0; i < N; i++)
		ldns_rdf_deep_free(r[i]);
}

/* Equal entries (duplicates; one RRset; one host's records at a name) are found from the
 * first of them on, whatever the order they were listed in. */
static void test_index_orders_and_duplicates(void **state)
{
	(void)state;
	pub_rrlist_t list = {0};
	t_add(&list, t_addr("b.example.test", "192.0.2.2"));
	t_add(&list, t_srv(OWN, 0, 0, 1688, "b.example.test"));
	t_add(&list, t_addr("a.example.test", "192.0.2.9"));
	t_add(&list, t_addr("b.example.test", "192.0.2.1"));
	t_add(&list, t_srv(OWN, 5, 0, 1688, "a.example.test"));
	t_add(&list, t_addr("b.example.test", "192.0.2.2")); /* a duplicate */
	t_add(&list, t_srv(OWN, 0, 0, 1688, "a.example.test"));
	t_add(&list, t_addr("b.example.test", "2001:db8::1"));

	pub_rrindex_t rec, set, pair;
	assert_int_equal(pub_rrindex_build(&rec, &list, pub_rr_by_record), 0);
	assert_int_equal(pub_rrindex_build(&set, &list, pub_rr_by_set), 0);
	assert_int_equal(pub_rrindex_build(&pair, &list, pub_rr_by_pair), 0);

	size_t i = pub_rrindex_lower(&rec, list.v[0]);
	assert_true(i + 1 < rec.n);
	assert_true(pub_rr_equal(rec.v[i], list.v[0]) && pub_rr_equal(rec.v[i + 1], list.v[0]));
	assert_false(i > 0 && pub_rr_equal(rec.v[i - 1], list.v[0]));

	/* The A RRset of b: three entries (the duplicate too), not its AAAA record. */
	ldns_rr *key = t_addr("B.Example.Test", "198.51.100.1");
	ldns_rr *canon = pub_rr_clone(key);
	size_t n = 0;
	for (size_t k = pub_rrindex_lower(&set, canon); k < set.n; k++, n++)
		if (!pub_rr_same_set(set.v[k], canon))
			break;
	assert_int_equal(n, 3);
	assert_null(pub_rrindex_find(&rec, canon));

	/* One host's SRV records at a name, whatever the priority. */
	ldns_rr *srv = t_srv(OWN, 9, 9, 9, "a.example.test");
	n = 0;
	for (size_t k = pub_rrindex_lower(&pair, srv); k < pair.n; k++, n++)
		if (pub_rr_by_pair(&pair.v[k], &srv) != 0)
			break;
	assert_int_equal(n, 2);
	ldns_rr *none = t_srv(OWN, 0, 0, 1688, "c.example.test");
	assert_null(pub_rrindex_find(&pair, none));

	ldns_rr_free(key);
	ldns_rr_free(canon);
	ldns_rr_free(srv);
	ldns_rr_free(none);
	pub_rrindex_deinit(&rec);
	pub_rrindex_deinit(&set);
	pub_rrindex_deinit(&pair);
	pub_rrlist_free(&list);
}

static void test_index_insert(void **state)
{
	(void)state;
	pub_rrlist_t keep = {0};
	pub_rrindex_t ix = {.cmp = pub_rr_by_record};
	const char *ips[] = {"192.0.2.5", "192.0.2.1", "192.0.2.9", "192.0.2.1", "192.0.2.3"};
	int want[] = {1, 1, 1, 0, 1};
	for (size_t i = 0; i < 5; i++) {
		ldns_rr *rr = t_addr("a.example.test", ips[i]);
		t_add(&keep, rr);
		assert_int_equal(pub_rrindex_insert(&ix, rr), want[i]);
	}
	assert_int_equal(ix.n, 4);
	for (size_t i = 1; i < ix.n; i++)
		assert_true(pub_rr_cmp(ix.v[i - 1], ix.v[i]) < 0);
	assert_ptr_equal(pub_rrindex_find(&ix, keep.v[3]), keep.v[1]); /* the first one stays */
	pub_rrindex_deinit(&ix);
	pub_rrlist_free(&keep);
}

/* Records are copied in unless an equal record is in the group or earlier in the batch. */
static void test_zoneset_add_copies(void **state)
{
	(void)state;
	pub_zoneset_t s = {0};
	assert_int_equal(
	        pub_zoneset_add(&s, "example.test.", t_addr("a.example.test", "192.0.2.1")), 0);
	pub_rrlist_t batch = {0};
	t_add(&batch, with_ttl(t_addr("a.example.test", "192.0.2.1"), 60)); /* there already */
	t_add(&batch, t_addr("a.example.test", "192.0.2.2"));
	t_add(&batch, t_srv(OWN, 0, 0, 1688, "a.example.test"));
	t_add(&batch, t_addr("a.example.test", "192.0.2.2")); /* twice in the batch */
	bool changed = false;
	assert_int_equal(pub_zoneset_add_copies(&s, "example.test.", &batch, &changed), 0);
	assert_true(changed);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].rrs.n, 3);
	assert_int_equal(ldns_rr_ttl(s.v[0].rrs.v[0]), 600);    /* not replaced */
	assert_true(pub_rr_equal(s.v[0].rrs.v[1], batch.v[1])); /* in the batch's order */
	assert_ptr_not_equal(s.v[0].rrs.v[1], batch.v[1]);      /* a copy */
	assert_true(pub_rr_equal(s.v[0].rrs.v[2], batch.v[2]));

	changed = false;
	assert_int_equal(pub_zoneset_add_copies(&s, "example.test.", &batch, &changed), 0);
	assert_false(changed);
	assert_int_equal(s.v[0].rrs.n, 3);

	/* A zone not there yet. */
	assert_int_equal(pub_zoneset_add_copies(&s, "other.test.", &batch, &changed), 0);
	assert_true(changed);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[1].rrs.n, 3);
	pub_rrlist_free(&batch);
	pub_zoneset_free(&s);
}

/* A copy in the state is the record as ldns_rr_clone copies it: every field, with its type,
 * and the TTL and class; its own memory. */
static void test_zoneset_copies_whole(void **state)
{
	(void)state;
	pub_zoneset_t s = {0};
	pub_rrlist_t batch = {0};
	t_add(&batch, with_ttl(t_srv(OWN, 1, 2, 1688, "kms1.example.test"), 77));
	t_add(&batch, t_addr("kms1.example.test", "192.0.2.1"));
	t_add(&batch, t_addr("kms1.example.test", "2001:db8::1"));
	bool changed = false;
	assert_int_equal(pub_zoneset_add_copies(&s, "example.test.", &batch, &changed), 0);
	assert_int_equal(s.v[0].rrs.n, 3);
	for (size_t i = 0; i < batch.n; i++) {
		ldns_rr *c = s.v[0].rrs.v[i], *want = ldns_rr_clone(batch.v[i]);
		assert_ptr_not_equal(c, batch.v[i]);
		assert_int_equal(ldns_rr_compare(c, want), 0);
		assert_int_equal(ldns_rr_get_type(c), ldns_rr_get_type(want));
		assert_int_equal(ldns_rr_get_class(c), ldns_rr_get_class(want));
		assert_int_equal(ldns_rr_ttl(c), ldns_rr_ttl(want));
		assert_int_equal(ldns_rr_rd_count(c), ldns_rr_rd_count(want));
		for (size_t k = 0; k < ldns_rr_rd_count(c); k++) {
			assert_ptr_not_equal(ldns_rr_rdf(c, k), ldns_rr_rdf(batch.v[i], k));
			assert_int_equal(ldns_rdf_get_type(ldns_rr_rdf(c, k)),
			                 ldns_rdf_get_type(ldns_rr_rdf(want, k)));
		}
		assert_ptr_not_equal(ldns_rr_owner(c), ldns_rr_owner(batch.v[i]));
		ldns_rr_free(want);
	}
	pub_rrlist_free(&batch);
	pub_zoneset_free(&s);
}

/* Groups are found by zone name among many (the hash grows as they come), in the order they
 * were added; a zone not there is not found, whatever its hash. */
static void test_zoneset_find_many(void **state)
{
	(void)state;
	pub_zoneset_t s = {0};
	char zone[64];
	assert_int_equal(pub_zoneset_find(&s, "a.test."), -1);
	for (int i = 0; i < 300; i++) {
		snprintf(zone, sizeof(zone), "b%04d.test.", i);
		assert_int_equal(pub_zoneset_zone(&s, zone), i);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(zone, sizeof(zone), "b%04d.test.", i);
		assert_int_equal(pub_zoneset_find(&s, zone), i);
		assert_int_equal(pub_zoneset_zone(&s, zone), i); /* not added twice */
		assert_string_equal(s.v[i].zone, zone);
	}
	for (int i = 300; i < 600; i++) {
		snprintf(zone, sizeof(zone), "b%04d.test.", i);
		assert_int_equal(pub_zoneset_find(&s, zone), -1);
	}
	assert_int_equal(pub_zoneset_find(&s, ""), -1);
	assert_int_equal(pub_zoneset_zone(&s, ""), 300);
	assert_int_equal(pub_zoneset_find(&s, ""), 300);
	assert_int_equal(s.n, 301);
	pub_zoneset_free(&s);
}

/* A group is replaced unless it holds the same records with the same TTLs, in any order. */
static void test_zoneset_set(void **state)
{
	(void)state;
	pub_zoneset_t s = {0};
	pub_rrlist_t a = {0}, b = {0}, c = {0}, d = {0};
	char host[64];
	for (int i = 0; i < 50; i++) {
		snprintf(host, sizeof(host), "kms%d.example.test", i);
		t_add(&a, t_srv(OWN, 0, 0, 1688, host));
		snprintf(host, sizeof(host), "kms%d.example.test", 49 - i);
		t_add(&b, t_srv(OWN, 0, 0, 1688, host)); /* a in reverse */
		t_add(&c, with_ttl(t_srv(OWN, 0, 0, 1688, host), i == 10 ? 60 : 600));
		t_add(&d, t_srv(OWN, 0, 0, i == 20 ? 1689 : 1688, host));
	}
	assert_true(pub_rrlist_same(&a, &a));
	assert_false(pub_rrlist_same(&a, &b)); /* same records, another order */
	assert_false(pub_rrlist_same(&b, &c)); /* one TTL differs */
	assert_false(pub_rrlist_same(&b, &d)); /* one port differs */
	pub_rrlist_t half = {.v = b.v, .n = b.n / 2};
	assert_false(pub_rrlist_same(&b, &half));
	bool changed = false;
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &a, &changed), 0);
	assert_true(changed);
	changed = false;
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &b, &changed), 0);
	assert_false(changed);
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &c, &changed), 0);
	assert_true(changed); /* one TTL differs */
	changed = false;
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &d, &changed), 0);
	assert_true(changed); /* one port differs */
	changed = false;
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &d, &changed), 0);
	assert_false(changed);
	/* Same count, one record twice instead of another. */
	pub_rrlist_t e = {0};
	for (size_t i = 0; i < d.n; i++)
		t_add(&e, pub_rr_clone(d.v[i == 5 ? 6 : i]));
	assert_int_equal(pub_zoneset_set(&s, "example.test.", &e, &changed), 0);
	assert_true(changed);
	pub_rrlist_free(&a);
	pub_rrlist_free(&b);
	pub_rrlist_free(&c);
	pub_rrlist_free(&d);
	pub_rrlist_free(&e);
	pub_zoneset_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_rdf_cmp_is_ldns_order),
	        cmocka_unit_test(test_index_finds_each_record),
	        cmocka_unit_test(test_index_orders_and_duplicates),
	        cmocka_unit_test(test_index_insert),
	        cmocka_unit_test(test_zoneset_add_copies),
	        cmocka_unit_test(test_zoneset_copies_whole),
	        cmocka_unit_test(test_zoneset_find_many),
	        cmocka_unit_test(test_zoneset_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
