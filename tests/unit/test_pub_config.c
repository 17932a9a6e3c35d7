/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "publisher/conf.h"
#include "dns/strbuf.h"
#include "publisher/desired.h"
#include "publisher/primary.h"
#include "test_pub_helpers.h"

#define KEYS "keys:\n  - name: kms-update\n    secret: c2VjcmV0LXNlY3JldA==\n"
#define BASE KEYS "hosts:\n  - name: kms1.example.test\ndomains:\n  - name: example.test\n"

static pub_config_t *load_ok(const char *text)
{
	pub_config_t *c = NULL;
	kd_error_t err = {0};
	int r = pub_config_load_buf("t.yaml", text, strlen(text), &c, &err);
	if (r != 0)
		print_error("unexpected error: %s\n", err.msg);
	assert_int_equal(r, 0);
	return c;
}

/* Loading fails with an error that starts with want ("t.yaml:L:C: ...") and holds need. */
static void load_err(const char *text, const char *want, const char *need)
{
	pub_config_t *c = NULL;
	kd_error_t err = {0};
	assert_int_equal(pub_config_load_buf("t.yaml", text, strlen(text), &c, &err), -1);
	assert_null(c);
	if (strncmp(err.msg, want, strlen(want)) != 0 || strstr(err.msg, need) == NULL)
		fail_msg("error '%s' lacks '%s' ... '%s'", err.msg, want, need);
	/* secrets never appear in errors */
	assert_null(strstr(err.msg, "c2VjcmV0"));
}

static void test_defaults(void **state)
{
	pub_config_t *c = load_ok(BASE);
	assert_int_equal(c->raw.ttl, 600);
	assert_int_equal(c->raw.interval_ms, 300000);
	assert_int_equal(c->raw.timeout_ms, 3000);
	assert_int_equal(c->raw.transport, PUB_TRANSPORT_TCP);
	assert_true(c->raw.withdraw_on_exit);
	assert_string_equal(c->raw.state, LOCALSTATEDIR "/lib/kmsdns/publisher.state");
	assert_int_equal(c->raw.hosts[0].port, 1688);
	assert_int_equal(c->raw.hosts[0].addresses_count, 0);
	assert_int_equal(c->raw.domains[0].priority, 0);
	assert_int_equal(c->raw.domains[0].weight, 0);
	assert_int_equal(c->keys[0].alg, KD_TSIG_HMAC_SHA256);
	assert_string_equal(c->keys[0].name, "kms-update");
	assert_int_equal(c->zones_count, 0);
	assert_int_equal(c->resolver_count, 0);
	assert_int_equal(pub_config_default_key(c), 0);
	pub_config_free(c);
}

/* The key secret is a KD_F_SECRET field: pub_config_free's schema free wipes it. */
static void test_secret_wiped(void **state)
{
	pub_config_t *c = load_ok(BASE);
	char *raw = c->raw.keys[0].secret;
	size_t len = strlen(raw);
	assert_string_equal(raw, "c2VjcmV0LXNlY3JldA==");
	kd_schema_wipe(pub_config_schema, &c->raw);
	for (size_t i = 0; i < len; i++)
		assert_int_equal(raw[i], 0);
	assert_string_equal(c->keys[0].secret_b64,
	                    "c2VjcmV0LXNlY3JldA=="); /* the loaded key's own copy */
	pub_config_free(c);
}

static void test_every_key(void **state)
{
	const char *text = "keys:\n"
	                   "  - name: kms-update\n"
	                   "    algorithm: hmac-sha512\n"
	                   "    secret: c2VjcmV0LXNlY3JldA==\n"
	                   "  - name: other\n"
	                   "    algorithm: hmac-md5\n"
	                   "    secret: b3RoZXI=\n"
	                   "zones:\n"
	                   "  - name: example.test\n"
	                   "    servers: [127.0.0.1@53531, '::1']\n"
	                   "    key: other\n"
	                   "  - name: Sub.Example.Test.\n"
	                   "    key: kms-update\n"
	                   "hosts:\n"
	                   "  - name: kms1.sub.example.test\n"
	                   "    port: 1700\n"
	                   "    addresses: [192.0.2.10, 2001:db8::10]\n"
	                   "  - name: kms2.example.test\n"
	                   "domains:\n"
	                   "  - name: example.test\n"
	                   "    priority: 10\n"
	                   "    weight: 60\n"
	                   "  - name: sub.example.test\n"
	                   "resolver: 127.0.0.1@5300\n"
	                   "ttl: 120\n"
	                   "interval: 90s\n"
	                   "timeout: 250ms\n"
	                   "transport: udp\n"
	                   "state: /tmp/x.state\n"
	                   "withdraw-on-exit: no\n";
	pub_config_t *c = load_ok(text);
	assert_int_equal(c->keys_count, 2);
	assert_int_equal(c->keys[0].alg, KD_TSIG_HMAC_SHA512);
	assert_int_equal(c->keys[1].alg, KD_TSIG_HMAC_MD5);
	assert_int_equal(c->zones_count, 2);
	assert_int_equal(c->zones[0].servers_count, 2);
	assert_int_equal(kd_addr_port(&c->zones[0].servers[0]), 53531);
	assert_int_equal(kd_addr_port(&c->zones[0].servers[1]), 53);
	assert_int_equal(c->zones[0].key, 1);
	assert_string_equal(c->zones[1].name, "sub.example.test.");
	assert_int_equal(c->zones[1].servers_count, 0);
	assert_int_equal(c->resolver_count, 1);
	assert_int_equal(kd_addr_port(&c->resolver[0]), 5300);
	assert_int_equal(c->raw.ttl, 120);
	assert_int_equal(c->raw.interval_ms, 90000);
	assert_int_equal(c->raw.timeout_ms, 250);
	assert_int_equal(c->raw.transport, PUB_TRANSPORT_UDP);
	assert_string_equal(c->raw.state, "/tmp/x.state");
	assert_false(c->raw.withdraw_on_exit);
	assert_int_equal(pub_config_default_key(c), SIZE_MAX);

	/* longest suffix wins */
	assert_string_equal(pub_config_zone_for(c, "kms1.sub.example.test.")->name,
	                    "sub.example.test.");
	assert_string_equal(pub_config_zone_for(c, "x.example.test.")->name, "example.test.");
	assert_null(pub_config_zone_for(c, "example.org."));
	assert_string_equal(pub_config_zone_for(c, "KMS1.Sub.Example.Test")->name,
	                    "sub.example.test.");
	assert_string_equal(pub_config_zone_for(c, "example.test")->name, "example.test.");
	assert_string_equal(pub_config_zone_for(c, "a\\.sub.example.test.")->name,
	                    "example.test."); /* one label "a.sub" */
	assert_null(pub_config_zone_for(c, "xexample.test."));
	assert_null(pub_config_zone_for(c, "test."));

	/* desired: 2 addresses + 2 hosts x 2 domains, grouped by configured zone */
	pub_zoneset_t d = {0};
	assert_int_equal(pub_desired_build(c, NULL, &d), 0);
	assert_int_equal(pub_zoneset_count(&d), 6);
	long sub = pub_zoneset_find(&d, "sub.example.test.");
	long ex = pub_zoneset_find(&d, "example.test.");
	assert_true(sub >= 0 && ex >= 0);
	assert_int_equal(d.v[sub].rrs.n, 4);
	assert_int_equal(d.v[ex].rrs.n, 2);
	ldns_rr *a = t_addr("kms1.sub.example.test", "192.0.2.10");
	assert_true(pub_rr_equal(d.v[sub].rrs.v[0], a));
	assert_int_equal(ldns_rr_ttl(d.v[sub].rrs.v[0]), 120);
	ldns_rr *s = t_srv("_vlmcs._tcp.example.test", 10, 60, 1700, "kms1.sub.example.test");
	assert_true(pub_rr_equal(d.v[ex].rrs.v[0], s));
	ldns_rr *s2 = t_srv("_vlmcs._tcp.sub.example.test", 0, 0, 1688, "kms2.example.test");
	assert_true(pub_rr_equal(d.v[sub].rrs.v[3], s2));
	ldns_rr_free(a);
	ldns_rr_free(s);
	ldns_rr_free(s2);
	pub_zoneset_free(&d);
	pub_config_free(c);
}

static void test_key_files(void **state)
{
	const char *bind =
	        "keys:\n  - name: kms-update\n    file: " TEST_SRCDIR "/unit/data/pub-bind.key\n";
	pub_config_t *c = load_ok(bind);
	assert_int_equal(c->keys[0].alg, KD_TSIG_HMAC_SHA256);
	assert_string_equal(c->keys[0].secret_b64, "FMJTLjAdLlknfXdv+6/7thCfZ+FaC4gyRbtxvkQWaxY=");
	pub_config_free(c);

	/* name taken from the file when not given */
	const char *knot = "keys:\n  - file: " TEST_SRCDIR "/unit/data/pub-knot.key\n";
	c = load_ok(knot);
	assert_int_equal(c->keys[0].alg, KD_TSIG_HMAC_SHA512);
	assert_string_equal(c->keys[0].name, "kms-update");
	pub_config_free(c);

	load_err("keys:\n  - name: kms-update\n    algorithm: hmac-sha256\n    file: " TEST_SRCDIR
	         "/unit/data/pub-knot.key\n",
	         "t.yaml:2:5: ", "differs");
	load_err("keys:\n  - name: nosuch\n    file: " TEST_SRCDIR "/unit/data/pub-knot.key\n",
	         "t.yaml:2:5: ", "failed to load key file");
	load_err("keys:\n  - name: k\n    file: /nonexistent/kms.key\n",
	         "t.yaml:2:5: ", "/nonexistent/kms.key");
}

static void test_errors(void **state)
{
	load_err(BASE "bogus: 1\n", "t.yaml:8:1: ", "unknown key 'bogus'");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n    port: 0\ndomains:\n"
	              "  - name: example.test\n",
	         "t.yaml:6:11: ", "port");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n    addresses: [192.0.2.300]\n"
	              "domains:\n  - name: example.test\n",
	         "t.yaml:6:17: ", "not an IPv4 or IPv6 address");
	load_err(KEYS "hosts:\n  - name: 'bad..name'\ndomains:\n  - name: example.test\n",
	         "t.yaml:5:11: ", "not a valid domain name");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\ndomains:\n  - name: '.'\n",
	         "t.yaml:7:11: ", "the root");
	load_err(KEYS "domains:\n  - name: example.test\n    weight: 70000\n",
	         "t.yaml:6:13: ", "weight");
	load_err("keys:\n  - name: k\n    algorithm: hmac-sha999\n    secret: c2VjcmV0\n",
	         "t.yaml:3:16: ", "unknown TSIG algorithm");
	/* A secret pasted into the wrong key is not echoed (load_err checks for c2VjcmV0). */
	load_err("keys:\n  - name: k\n    algorithm: c2VjcmV0\n    secret: c2VjcmV0\n",
	         "t.yaml:3:16: ", "unknown TSIG algorithm");
	load_err("keys:\n  - name: k\n    secret: 'not base64!'\n", "t.yaml:3:13: ", "base64");
	load_err("keys:\n  - name: k\n    secret: c2VjcmV0\n    file: /x\n",
	         "t.yaml:2:5: ", "exactly one of");
	load_err("keys:\n  - name: k\n", "t.yaml:2:5: ", "exactly one of");
	load_err("hosts:\n  - name: kms1.example.test\n", "t.yaml:1:1: ", "no TSIG key");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n", "t.yaml:1:1: ", "no 'domains'");
	load_err(KEYS "zones:\n  - name: example.test\n    key: nokey\n",
	         "t.yaml:5:5: ", "key 'nokey' is not defined");
	load_err(KEYS "  - name: k2\n    secret: c2VjcmV0\nzones:\n  - name: example.test\n",
	         "t.yaml:7:5: ", "no 'key' given and 2 keys");
	load_err(KEYS "  - name: k2\n    secret: c2VjcmV0\ndomains:\n  - name: example.test\n",
	         "t.yaml:7:5: ", "in no configured zone");
	load_err(KEYS "  - name: Kms-Update.\n    secret: c2VjcmV0\n",
	         "t.yaml:4:5: ", "duplicate key");
	load_err(BASE "  - name: EXAMPLE.test.\n", "t.yaml:8:5: ", "duplicate domain");
	/* The first repeat in file order is named, whatever the order of the names. */
	load_err(KEYS "hosts:\n  - name: z.example.test\n  - name: a.example.test\n"
	              "  - name: Z.Example.Test.\n  - name: a.example.test\n"
	              "domains:\n  - name: example.test\n",
	         "t.yaml:7:5: ", "duplicate host Z.Example.Test.");
	load_err(KEYS "zones:\n  - name: z.test\n  - name: a.test\n  - name: Z.Test.\n"
	              "  - name: a.test\n",
	         "t.yaml:7:5: ", "duplicate zone z.test.");
	load_err(KEYS "zones:\n  - name: example.test\n    servers: [192.0.2.1@99999]\n",
	         "t.yaml:6:15: ", "address[@port]");
	load_err(BASE "interval: 5 minutes\n", "t.yaml:8:11: ", "interval");
	load_err(BASE "timeout: 5ms\n", "t.yaml:8:10: ", "timeout");
	load_err(BASE "transport: sctp\n", "t.yaml:8:12: ", "transport");
	load_err(BASE "ttl: -1\n", "t.yaml:8:6: ", "ttl");
	load_err(BASE "withdraw-on-exit: maybe\n", "t.yaml:8:19: ", "withdraw-on-exit");
	load_err(BASE "resolver: [localhost]\n", "t.yaml:8:12: ", "address[@port]");
	load_err(BASE "keys: [\n", "t.yaml:", "");
}

/* hosts x one domain: the SRV RRset's size decides */
static char *many_hosts(size_t n)
{
	kd_strbuf_t sb = {0};
	kd_strbuf_printf(&sb, KEYS "domains:\n  - name: example.test\nhosts:\n");
	for (size_t i = 0; i < n; i++)
		kd_strbuf_printf(&sb, "  - name: kms%zu.example.test\n", i);
	size_t len;
	return kd_strbuf_take(&sb, &len);
}

static void test_srv_counts(void **state)
{
	char *text = many_hosts(100);
	pub_config_t *c = load_ok(text);
	assert_int_equal(c->warnings_count, 0);
	pub_config_free(c);
	free(text);
	text = many_hosts(101); /* above BIND's default max-records-per-type */
	c = load_ok(text);
	assert_int_equal(c->warnings_count, 1);
	assert_false(c->warnings[0].permissions);
	assert_non_null(strstr(c->warnings[0].text, "t.yaml:5:5: domain example.test: 101 SRV"));
	assert_non_null(strstr(c->warnings[0].text, "max-records-per-type"));
	pub_config_free(c);
	free(text);
	text = many_hosts(1700); /* more than one answer holds */
	load_err(text, "t.yaml:5:5: domain example.test: 1700 SRV records", "clients could not");
	free(text);
}

static void test_names(void **state)
{
	load_err(KEYS
	         "hosts:\n  - name: k\xc3\xa4s.example.test\ndomains:\n  - name: example.test\n",
	         "t.yaml:5:11:", "write it in its A-label form xn--ks-via.example.test");
	/* a key name is never echoed, valid or not */
	load_err("keys:\n  - name: 'not a name'\n    secret: c2VjcmV0LXNlY3JldA==\n",
	         "t.yaml:2:11:", "not a valid key name (not shown");
	pub_config_t *c = NULL;
	kd_error_t err = {0};
	const char *text = "keys:\n  - name: 'not a name'\n    secret: c2VjcmV0LXNlY3JldA==\n";
	assert_int_equal(pub_config_load_buf("t.yaml", text, strlen(text), &c, &err), -1);
	assert_null(strstr(err.msg, "not a name"));
}

/* pub_target finds a configured zone by its name among many (its servers and key), and a
 * zone that is not configured is not given the servers of a configured zone above it. */
static void test_target_of_zone(void **state)
{
	(void)state;
	pub_config_t *c = load_ok(KEYS "zones:\n  - name: c.test\n    servers: [192.0.2.3]\n"
	                               "  - name: A.test\n    servers: [192.0.2.1]\n"
	                               "  - name: b.a.test\n    servers: [192.0.2.2]\n"
	                               "resolver: [127.0.0.1@1]\ntimeout: 1s\n");
	static const struct {
		const char *zone, *addr;
	} want[] = {{"a.test.", "192.0.2.1"}, {"b.a.test.", "192.0.2.2"}, {"c.test.", "192.0.2.3"}};
	pub_primaries_t p = {0};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		pub_target_t t;
		kd_error_t err = {0};
		kd_addr_t a;
		assert_int_equal(pub_target(&p, c, want[i].zone, 0, &t, &err), 0);
		assert_int_equal(kd_addr_parse(want[i].addr, 53, &a), 0);
		assert_int_equal(t.count, 1);
		assert_true(kd_addr_equal(&t.servers[0], &a));
		assert_ptr_equal(t.key, &c->keys[0]);
	}
	/* Below a.test. but not configured: discovery (through a closed port: it fails). */
	pub_target_t t;
	kd_error_t err = {0};
	assert_int_equal(pub_target(&p, c, "x.a.test.", 0, &t, &err), -1);
	pub_primaries_clear(&p);
	pub_config_free(c);
}

/* A discovery cache that already knows zone (found at time 0, its primary 192.0.2.9), so
 * that pub_target takes the path of a zone that is not configured without a network. */
static void known_zone(pub_primaries_t *p, const char *zone)
{
	p->v = calloc(1, sizeof(*p->v));
	assert_non_null(p->v);
	p->n = p->cap = 1;
	p->v[0].owner = strdup(zone);
	p->v[0].zone = strdup(zone);
	p->v[0].servers = calloc(1, sizeof(*p->v[0].servers));
	assert_non_null(p->v[0].servers);
	assert_int_equal(kd_addr_parse("192.0.2.9", 53, &p->v[0].servers[0]), 0);
	p->v[0].servers_count = 1;
}

/* The way pub_target says zone is read (read: transfer or not); a zone without configured
 * servers is known to discovery. */
static bool target_transfer(const pub_config_t *c, const char *zone)
{
	pub_primaries_t p = {0};
	known_zone(&p, zone);
	pub_target_t t;
	kd_error_t err = {0};
	memset(&t, 0x5a, sizeof(t)); /* pub_target must set transfer itself */
	if (pub_target(&p, c, zone, 0, &t, &err) != 0)
		fail_msg("pub_target(%s): %s", zone, err.msg);
	pub_primaries_clear(&p);
	return t.transfer;
}

#define READ_ZONES                                                                                 \
	"zones:\n  - name: own.test\n    servers: [192.0.2.1]\n"                                   \
	"  - name: q.test\n    servers: [192.0.2.2]\n    read: queries\n"                          \
	"  - name: t.test\n    read: Transfer\n"

/* read: queries by default, for configured zones and discovered ones; the top level's value
 * for zones without their own; a zone's own value over the top level's. */
static void test_read(void **state)
{
	static const char *const zones[] = {"own.test.", "q.test.", "t.test.", "found.test."};
	static const struct {
		const char *top;
		int read;
		bool want[4]; /* per zone above: read by transfer */
	} cases[] = {
	        {"", PUB_READ_QUERIES, {false, false, true, false}},
	        {"read: transfer\n", PUB_READ_TRANSFER, {true, false, true, true}},
	};
	pub_config_t *c = NULL;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char text[512];
		snprintf(text, sizeof(text), KEYS READ_ZONES "%s", cases[k].top);
		pub_config_free(c);
		c = load_ok(text);
		assert_int_equal(c->raw.read, cases[k].read);
		for (size_t i = 0; i < 4; i++) {
			if (i < c->zones_count)
				assert_int_equal(c->zones[i].transfer, cases[k].want[i]);
			assert_int_equal(target_transfer(c, zones[i]), cases[k].want[i]);
		}
	}
	/* The last configuration (read: transfer) as printed, with the zones' own values. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	pub_config_print(f, c);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(text, "\nread: transfer\n"));
	assert_non_null(strstr(text,
	                       "zones:\n"
	                       "  - name: own.test\n    servers: [192.0.2.1]\n"
	                       "  - name: q.test\n    servers: [192.0.2.2]\n    read: queries\n"
	                       "  - name: t.test\n    servers: []\n    read: transfer\n"));
	free(text);
	pub_config_free(c);

	load_err(KEYS "read: axfr\n", "t.yaml:4:7:",
	         "key 'read': invalid value 'axfr' (expected one of: queries, transfer)");
	load_err(KEYS "zones:\n  - name: a.test\n    read: axfr\n", "t.yaml:6:11:",
	         "key 'read': invalid value 'axfr' (expected one of: queries, transfer)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_secret_wiped),
	        cmocka_unit_test(test_every_key), cmocka_unit_test(test_key_files),
	        cmocka_unit_test(test_errors),    cmocka_unit_test(test_srv_counts),
	        cmocka_unit_test(test_names),     cmocka_unit_test(test_target_of_zone),
	        cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
