/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "publisher/zone.h"
#include "test_pub_helpers.h"

#define OWN "_vlmcs._tcp.example.test."

typedef struct {
	pub_rrlist_t keep; /* the records des and pub point at */
	pub_work_t w;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof(fx_t));
	*state = f;
	if (f == NULL || (f->w.zone = strdup("example.test.")) == NULL)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	pub_work_deinit(&f->w);
	pub_rrlist_free(&f->keep);
	free(f);
	return 0;
}

static void add(fx_t *f, pub_rrlist_t *to, ldns_rr *rr)
{
	t_add(&f->keep, rr);
	t_add(to, rr);
}

static const pub_name_read_t *name(const fx_t *f, const char *n)
{
	for (size_t i = 0; i < f->w.n_names; i++)
		if (strcmp(f->w.names[i].name, n) == 0)
			return &f->w.names[i];
	return NULL;
}

/* Each name once, with the questions of every record there, whatever order and list the
 * records come in; SRV targets outside the zone are not read. */
static void test_plan_reads_each_name_once(void **state)
{
	fx_t *f = *state;
	char host[64], ip[32];
	for (int i = 0; i < 60; i++) {
		int k = (i * 13) % 60;
		snprintf(host, sizeof(host), "kms%d.example.test", k);
		snprintf(ip, sizeof(ip), "192.0.2.%d", k + 1);
		add(f, &f->w.des, t_srv(OWN, 0, 0, 1688, host));
		add(f, &f->w.des, t_addr(host, ip));
		if (k % 3 == 0)
			add(f, &f->w.pub, t_addr(host, "2001:db8::1"));
	}
	add(f, &f->w.des, t_srv(OWN, 0, 0, 1688, "kms.elsewhere.test"));
	add(f, &f->w.pub, t_addr("gone.example.test", "192.0.2.250"));
	assert_int_equal(pub_work_name(&f->w, "early.example.test.", PUB_ASK_SOA), 0);
	assert_int_equal(pub_work_plan_reads(&f->w), 0);
	assert_int_equal(f->w.n_names, 1 + 1 + 60 + 1);
	for (size_t i = 0; i < f->w.n_names; i++)
		for (size_t k = i + 1; k < f->w.n_names; k++)
			assert_string_not_equal(f->w.names[i].name, f->w.names[k].name);
	assert_int_equal(name(f, OWN)->ask, PUB_ASK_SOA | PUB_ASK_SRV);
	assert_int_equal(name(f, "kms0.example.test.")->ask,
	                 PUB_ASK_SOA | PUB_ASK_A | PUB_ASK_AAAA);
	assert_int_equal(name(f, "kms1.example.test.")->ask, PUB_ASK_SOA | PUB_ASK_A);
	assert_int_equal(name(f, "gone.example.test.")->ask, PUB_ASK_SOA | PUB_ASK_A);
	assert_int_equal(name(f, "early.example.test.")->ask, PUB_ASK_SOA);
	assert_null(name(f, "kms.elsewhere.test."));
	/* asked again, the names stay */
	assert_int_equal(pub_work_plan_reads(&f->w), 0);
	assert_int_equal(f->w.n_names, 63);
}

/* What was read goes into actual; each type asked and read empty gives one record of that
 * RRset (desired first, else published) in absent. */
static void test_collect_absent_rrsets(void **state)
{
	fx_t *f = *state;
	char host[64];
	for (int i = 0; i < 30; i++) {
		snprintf(host, sizeof(host), "kms%d.example.test", 29 - i);
		add(f, &f->w.des, t_addr(host, "192.0.2.1"));
		add(f, &f->w.des, t_addr(host, "192.0.2.2"));
		add(f, &f->w.pub, t_addr(host, "2001:db8::1"));
	}
	add(f, &f->w.des, t_srv(OWN, 0, 0, 1688, "kms0.example.test"));
	add(f, &f->w.pub, t_srv(OWN, 0, 0, 1688, "gone.example.test"));
	assert_int_equal(pub_work_plan_reads(&f->w), 0);
	/* kms7 has its A records (one of them) and no AAAA; the others have nothing */
	for (size_t i = 0; i < f->w.n_names; i++)
		if (strcmp(f->w.names[i].name, "kms7.example.test.") == 0)
			t_add(&f->w.names[i].rrs, t_addr("kms7.example.test", "192.0.2.1"));
	assert_int_equal(pub_work_collect(&f->w), 0);
	assert_int_equal(f->w.actual.n, 1);
	assert_int_equal(f->w.absent.n, 29 + 30 + 1);
	size_t a = 0, aaaa = 0, srv = 0;
	for (size_t i = 0; i < f->w.absent.n; i++) {
		const ldns_rr *rr = f->w.absent.v[i];
		char owner[PUB_NAME_MAX];
		assert_int_equal(pub_rr_owner_str(rr, owner, sizeof(owner)), 0);
		const pub_name_read_t *n = name(f, owner);
		assert_non_null(n);
		assert_int_equal(n->rrs.n, 0 + (strcmp(owner, "kms7.example.test.") == 0));
		switch (ldns_rr_get_type(rr)) {
		case LDNS_RR_TYPE_A:
			assert_string_not_equal(owner, "kms7.example.test.");
			a++;
			break;
		case LDNS_RR_TYPE_AAAA: aaaa++; break;
		case LDNS_RR_TYPE_SRV:
			assert_true(
			        pub_rr_equal(rr, f->w.des.v[f->w.des.n - 1])); /* desired first */
			srv++;
			break;
		default: fail();
		}
	}
	assert_int_equal(a, 29);
	assert_int_equal(aaaa, 30);
	assert_int_equal(srv, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_plan_reads_each_name_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_collect_absent_rrsets, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
