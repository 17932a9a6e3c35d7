/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/fleet.c (health gating of the desired SRV records) and the status lines of
 * publisher/status.c. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "publisher/desired.h"
#include "publisher/fleet.h"
#include "publisher/status.h"

#define KEYS "keys:\n  - name: kms-update\n    secret: c2VjcmV0LXNlY3JldA==\n"
#define HOSTS                                                                                      \
	"hosts:\n  - name: kms1.example.test\n    addresses: [192.0.2.1]\n"                        \
	"  - name: kms2.example.test\n    addresses: [192.0.2.2]\n"
#define DOMS   "domains:\n  - name: example.test\n  - name: other.test\n"
#define HEALTH "health: {probe: rpc, interval: 1s, timeout: 500ms, fall: 2, rise: 2}\n"

static pub_config_t *load(const char *text)
{
	pub_config_t *c = NULL;
	kd_error_t err = {.msg = ""};
	if (pub_config_load_buf("t.yaml", text, strlen(text), &c, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

/* How many SRV and address records the desired state holds. */
static void count(const pub_config_t *c, const pub_fleet_t *f, size_t *srv, size_t *addr)
{
	pub_zoneset_t d = {0};
	assert_int_equal(pub_desired_build(c, f, &d), 0);
	*srv = *addr = 0;
	for (size_t z = 0; z < d.n; z++)
		for (size_t i = 0; i < d.v[z].rrs.n; i++) {
			*srv += pub_rr_is_srv(d.v[z].rrs.v[i]);
			*addr += pub_rr_is_addr(d.v[z].rrs.v[i]);
		}
	pub_zoneset_free(&d);
}

static void feed(pub_fleet_t *f, size_t h, kd_probe_result_t r, unsigned times, uint64_t *now)
{
	for (unsigned i = 0; i < times; i++) {
		*now += 1000;
		pub_fleet_feed(f, h, r, 5, *now);
	}
}

static void test_new_hosts_pending(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HEALTH HOSTS DOMS);
	pub_fleet_t f;
	assert_int_equal(pub_fleet_init(&f, c, NULL, PUB_HEALTH_PENDING, 1000), 0);
	size_t srv, addr;
	count(c, &f, &srv, &addr);
	assert_int_equal(srv, 0);  /* pending: not published until rise */
	assert_int_equal(addr, 2); /* addresses never wait for health */
	uint64_t now = 1000;
	feed(&f, 0, KD_PROBE_ALIVE, 1, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 2000), -1); /* one success: no transition */
	feed(&f, 0, KD_PROBE_ALIVE, 1, &now);
	assert_int_equal(pub_fleet_settle(&f, now), -1); /* window still open */
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 1);
	count(c, &f, &srv, &addr);
	assert_int_equal(srv, 2); /* kms1 in both domains */
	assert_true(pub_fleet_wanted(&f, 0, 1));
	assert_false(pub_fleet_wanted(&f, 1, 0));
	pub_fleet_deinit(&f);
	pub_config_free(c);
}

static void test_fall_and_fail_open(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HEALTH HOSTS DOMS);
	pub_fleet_t f;
	uint64_t now = 1000;
	assert_int_equal(pub_fleet_init(&f, c, NULL, PUB_HEALTH_PENDING, now), 0);
	feed(&f, 0, KD_PROBE_ALIVE, 2, &now);
	feed(&f, 1, KD_PROBE_ALIVE, 2, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 1);
	assert_int_equal(pub_fleet_count(&f, 0), 2);
	/* One failure below fall: nothing changes. */
	feed(&f, 0, KD_PROBE_REFUSED, 1, &now);
	assert_int_equal(pub_fleet_deadline(&f), UINT64_MAX);
	feed(&f, 0, KD_PROBE_ALIVE, 1, &now);
	feed(&f, 0, KD_PROBE_REFUSED, 1, &now);
	assert_int_equal(pub_fleet_deadline(&f), UINT64_MAX);
	/* fall failures: withdrawn from both domains. */
	feed(&f, 0, KD_PROBE_REFUSED, 1, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 1);
	assert_false(pub_fleet_wanted(&f, 0, 0));
	assert_false(pub_fleet_wanted(&f, 0, 1));
	assert_int_equal(f.why[0 * f.nd + 0], PUB_WHY_WITHDRAWN);
	/* The last host goes down: fail-open holds it. */
	feed(&f, 1, KD_PROBE_TIMEOUT, 2, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 0);
	assert_true(pub_fleet_wanted(&f, 1, 0));
	assert_int_equal(f.why[1 * f.nd + 0], PUB_WHY_HELD);
	assert_true(f.holding[0]);
	assert_false(pub_fleet_wanted(&f, 0, 0));
	/* kms1 back: fail-open ends, kms2 goes. */
	feed(&f, 0, KD_PROBE_ALIVE, 2, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 1);
	assert_true(pub_fleet_wanted(&f, 0, 0));
	assert_false(pub_fleet_wanted(&f, 1, 0));
	assert_false(f.holding[0]);
	pub_fleet_deinit(&f);
	pub_config_free(c);
}

static void test_fail_open_off(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HEALTH "fail-open: false\n" HOSTS DOMS);
	pub_fleet_t f;
	uint64_t now = 1000;
	assert_int_equal(pub_fleet_init(&f, c, NULL, PUB_HEALTH_PENDING, now), 0);
	feed(&f, 0, KD_PROBE_ALIVE, 2, &now);
	feed(&f, 1, KD_PROBE_ALIVE, 2, &now);
	pub_fleet_settle(&f, now + 1000);
	feed(&f, 0, KD_PROBE_REFUSED, 2, &now);
	feed(&f, 1, KD_PROBE_REFUSED, 2, &now);
	assert_int_equal(pub_fleet_settle(&f, now + 1000), 1);
	assert_int_equal(pub_fleet_count(&f, 0), 0);
	assert_false(f.holding[0]);
	pub_fleet_deinit(&f);
	pub_config_free(c);
}

static void test_state_and_restore(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HEALTH HOSTS DOMS);
	/* The state file says kms2's SRV record in example.test was ours: with nobody up,
	 * fail-open keeps it there (and only there). */
	pub_zoneset_t st = {0};
	assert_int_equal(pub_zoneset_add(&st, "example.test.",
	                                 pub_rr_new_srv("_vlmcs._tcp.example.test", 600, 0, 0, 1688,
	                                                "KMS2.example.test")),
	                 0);
	pub_fleet_t f;
	assert_int_equal(pub_fleet_init(&f, c, &st, PUB_HEALTH_PENDING, 100000), 0);
	assert_true(pub_fleet_wanted(&f, 1, 0));
	assert_int_equal(f.why[1 * f.nd + 0], PUB_WHY_HELD);
	assert_false(pub_fleet_wanted(&f, 1, 1));
	/* Saved health: kms1 up since 10 s ago. */
	const char *saved = "$ORIGIN example.test.\n;@host kms1.example.test state=up since=990 "
	                    "probe=rpc result=alive\n;@host gone.example.test state=up\n";
	pub_fleet_restore(&f, saved, strlen(saved), 1000, 100000);
	assert_int_equal(f.hosts[0].h.state, PUB_HEALTH_UP);
	assert_int_equal(f.hosts[0].h.since_ms, 90000);
	assert_true(pub_fleet_wanted(&f, 0, 0));
	assert_false(pub_fleet_wanted(&f, 1, 0)); /* fail-open no longer needed */
	pub_fleet_deinit(&f);
	pub_zoneset_free(&st);
	pub_config_free(c);
}

/* Host lines in another order than the configuration's, in another case, each restore
 * their own host (the search tries the next host first). */
static void test_restore_any_order(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HEALTH HOSTS DOMS);
	pub_fleet_t f;
	assert_int_equal(pub_fleet_init(&f, c, NULL, PUB_HEALTH_PENDING, 100000), 0);
	const char *saved = ";@host KMS2.example.test state=down since=990\n"
	                    ";@host kms1.example.test state=up since=980\n";
	pub_fleet_restore(&f, saved, strlen(saved), 1000, 100000);
	assert_int_equal(f.hosts[0].h.state, PUB_HEALTH_UP);
	assert_int_equal(f.hosts[0].h.since_ms, 80000);
	assert_int_equal(f.hosts[1].h.state, PUB_HEALTH_DOWN);
	assert_int_equal(f.hosts[1].h.since_ms, 90000);
	pub_fleet_t g;
	assert_int_equal(pub_fleet_init(&g, c, NULL, PUB_HEALTH_PENDING, 100000), 0);
	pub_fleet_carry(&g, &f);
	assert_int_equal(g.hosts[0].h.state, PUB_HEALTH_UP);
	assert_int_equal(g.hosts[1].h.state, PUB_HEALTH_DOWN);
	pub_fleet_deinit(&g);
	pub_fleet_deinit(&f);
	pub_config_free(c);
}

/* The index of the state's SRV records: a record is found by its domain and host in any
 * case, with or without the final dot; another host, domain or record type is not. */
static void test_state_index(void **state)
{
	(void)state;
	pub_zoneset_t st = {0};
	assert_int_equal(pub_zoneset_add(&st, "example.test.",
	                                 pub_rr_new_srv("_vlmcs._tcp.example.test", 600, 0, 0, 1688,
	                                                "KMS2.example.test")),
	                 0);
	assert_int_equal(pub_zoneset_add(&st, "other.test.",
	                                 pub_rr_new_srv("_vlmcs._tcp.other.test.", 600, 1, 2, 3,
	                                                "kms1.example.test.")),
	                 0);
	assert_int_equal(pub_zoneset_add(&st, "example.test.",
	                                 pub_rr_new_addr("kms3.example.test", 600, "192.0.2.3")),
	                 0);
	pub_fleet_srvs_t s;
	assert_int_equal(pub_fleet_srvs_init(&s, &st), 0);
	assert_int_equal(s.n, 2);
	assert_true(pub_fleet_srvs_has(&s, "example.test", "kms2.example.test"));
	assert_true(pub_fleet_srvs_has(&s, "Example.Test.", "KMS2.EXAMPLE.TEST."));
	assert_true(pub_fleet_srvs_has(&s, "other.test", "kms1.example.test"));
	assert_false(pub_fleet_srvs_has(&s, "example.test", "kms1.example.test"));
	assert_false(pub_fleet_srvs_has(&s, "other.test", "kms2.example.test"));
	assert_false(pub_fleet_srvs_has(&s, "example.test", "kms3.example.test"));
	assert_false(pub_fleet_srvs_has(&s, "sub.example.test", "kms2.example.test"));
	/* hosts of one domain in a row (the domain's part of the key is kept) */
	assert_false(pub_fleet_srvs_has(&s, "other.test.", "kms2.example.test"));
	assert_true(pub_fleet_srvs_has(&s, "other.test.", "KMS1.example.test."));
	assert_false(pub_fleet_srvs_has(&s, "other.test.", "kms1.example.tes"));
	assert_false(pub_fleet_srvs_has(&s, "other.tes", "kms1.example.test"));
	pub_fleet_srvs_deinit(&s);
	assert_int_equal(pub_fleet_srvs_init(&s, NULL), 0);
	assert_false(pub_fleet_srvs_has(&s, "example.test", "kms2.example.test"));
	pub_fleet_srvs_deinit(&s);
	pub_zoneset_free(&st);
}

static void test_probe_none_always_up(void **state)
{
	(void)state;
	pub_config_t *c = load(KEYS HOSTS DOMS);
	pub_fleet_t f;
	assert_int_equal(pub_fleet_init(&f, c, NULL, PUB_HEALTH_PENDING, 1000), 0);
	assert_int_equal(pub_fleet_count(&f, 0), 2);
	assert_int_equal(pub_fleet_count(&f, 1), 2);
	pub_fleet_deinit(&f);
	pub_config_free(c);
}

static void test_status_lines(void **state)
{
	(void)state;
	const char *text = "_x 1 IN A 192.0.2.1\n;@zone example.test. ok=0 last_success=0 "
	                   "next=5 error=at 127.0.0.1@53: REFUSED (key not allowed)\n"
	                   ";@record example.test kms1.example.test published=1 why=held\n";
	pub_status_line_t l;
	size_t off = 0;
	char v[128];
	assert_true(pub_status_next(text, strlen(text), &off, &l));
	assert_string_equal(l.kind, "zone");
	assert_string_equal(l.name, "example.test.");
	assert_true(pub_status_field(&l, "next", v, sizeof(v)));
	assert_string_equal(v, "5");
	assert_true(pub_status_field(&l, "error", v, sizeof(v)));
	assert_string_equal(v, "at 127.0.0.1@53: REFUSED (key not allowed)");
	assert_false(pub_status_field(&l, "missing", v, sizeof(v)));
	assert_true(pub_status_next(text, strlen(text), &off, &l));
	assert_string_equal(l.kind, "record");
	assert_string_equal(l.name, "example.test");
	assert_string_equal(l.name2, "kms1.example.test");
	assert_true(pub_status_field(&l, "why", v, sizeof(v)));
	assert_string_equal(v, "held");
	assert_false(pub_status_next(text, strlen(text), &off, &l));
	/* a line without fields after one with them; a kind longer than its field is cut */
	const char *more = ";@host a b c=1\n;@zone z.\n;@0123456789abcdefXYZ n\n";
	off = 0;
	assert_true(pub_status_next(more, strlen(more), &off, &l));
	assert_string_equal(l.name2, "b");
	assert_string_equal(l.fields, "c=1");
	assert_true(pub_status_next(more, strlen(more), &off, &l));
	assert_string_equal(l.kind, "zone");
	assert_string_equal(l.name, "z.");
	assert_string_equal(l.name2, "");
	assert_string_equal(l.fields, "");
	assert_true(pub_status_next(more, strlen(more), &off, &l));
	assert_string_equal(l.kind, "0123456789abcde");
	assert_string_equal(l.name, "n");
}

/* The status lines of a save, byte for byte (the state file's format; the first line names
 * the pid): hosts, records, domains, and zones with an error and a negative time. */
static void test_status_format(void **state)
{
	(void)state;
	pub_ctx_t ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.conf = load(KEYS HEALTH HOSTS DOMS);
	assert_int_equal(pub_zoneset_add(&ctx.state, "example.test.",
	                                 pub_rr_new_srv("_vlmcs._tcp.example.test", 600, 0, 0, 1688,
	                                                "kms2.example.test")),
	                 0);
	pub_fleet_t f;
	assert_int_equal(pub_fleet_init(&f, ctx.conf, &ctx.state, PUB_HEALTH_PENDING, 100000), 0);
	f.hosts[0].h.last_probe_ms = 50000;
	f.hosts[0].h.last_latency_ms = 7;
	f.hosts[0].h.failures = 3;
	ctx.fleet = &f;
	size_t z = pub_sched_slot(&ctx.sched, "example.test.");
	assert_true(z != SIZE_MAX);
	ctx.sched.v[z].tried = true;
	ctx.sched.v[z].last_ok_unix = -5;
	ctx.sched.v[z].backoff.next_ms = 103500;
	snprintf(ctx.sched.v[z].last_err, sizeof(ctx.sched.v[z].last_err), "at x: REFUSED\nagain");
	z = pub_sched_slot(&ctx.sched, "other.test.");
	ctx.sched.v[z].tried = true;
	ctx.sched.v[z].ok = true;
	ctx.sched.v[z].last_ok_unix = 990;
	pub_sched_slot(&ctx.sched, "?kms9.example.test."); /* not tried: left out */
	size_t len = 0;
	char *text = pub_status_format(&ctx, 1000, 100000, &len);
	assert_non_null(text);
	const char *body = strchr(text, '\n');
	assert_non_null(body);
	assert_string_equal(
	        body + 1,
	        ";@host kms1.example.test state=pending since=1000 probe=rpc result=untried "
	        "latency_ms=7 probed=950 failures=3 successes=0\n"
	        ";@host kms2.example.test state=pending since=1000 probe=rpc result=none "
	        "latency_ms=0 probed=0 failures=0 successes=0\n"
	        ";@domain example.test fail_open=1 records=1\n"
	        ";@record example.test kms1.example.test published=0 why=pending in_zone=0\n"
	        ";@record example.test kms2.example.test published=1 why=held in_zone=1\n"
	        ";@domain other.test fail_open=0 records=0\n"
	        ";@record other.test kms1.example.test published=0 why=pending in_zone=0\n"
	        ";@record other.test kms2.example.test published=0 why=pending in_zone=0\n"
	        ";@zone example.test. ok=0 last_success=-5 next=1004 error=at x: REFUSED again\n"
	        ";@zone other.test. ok=1 last_success=990 next=0\n");
	assert_int_equal(len, strlen(text));
	free(text);
	pub_fleet_deinit(&f);
	pub_sched_clear(&ctx.sched);
	pub_zoneset_free(&ctx.state);
	pub_config_free(ctx.conf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_new_hosts_pending),
	        cmocka_unit_test(test_fall_and_fail_open),
	        cmocka_unit_test(test_fail_open_off),
	        cmocka_unit_test(test_state_and_restore),
	        cmocka_unit_test(test_restore_any_order),
	        cmocka_unit_test(test_state_index),
	        cmocka_unit_test(test_probe_none_always_up),
	        cmocka_unit_test(test_status_lines),
	        cmocka_unit_test(test_status_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
