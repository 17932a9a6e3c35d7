/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher.yaml keys of issue 8: health (top level and per host, inherited), health-
 * concurrency, fail-open, include-ula, metrics-file, user, log-format, name/addresses auto. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "publisher/conf.h"

#define KEYS "keys:\n  - name: kms-update\n    secret: c2VjcmV0LXNlY3JldA==\n"
#define DOMS "domains:\n  - name: example.test\n"

static pub_config_t *load_ok(const char *text)
{
	pub_config_t *c = NULL;
	kd_error_t err = {.msg = ""};
	if (pub_config_load_buf("t.yaml", text, strlen(text), &c, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return c;
}

static void load_err(const char *text, const char *want)
{
	pub_config_t *c = NULL;
	kd_error_t err = {.msg = ""};
	assert_int_equal(pub_config_load_buf("t.yaml", text, strlen(text), &c, &err), -1);
	assert_null(c);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("error '%s' does not start with '%s'", err.msg, want);
}

static void test_defaults(void **state)
{
	pub_config_t *c =
	        load_ok(KEYS "hosts:\n  - name: kms1.example.test\n    port: 1700\n" DOMS);
	const pub_health_conf_t *h = &c->raw.hosts[0].health;
	assert_string_equal(h->probe, "none"); /* health gating off unless asked for */
	assert_int_equal(pub_config_probe_kind(h->probe), KD_PROBE_NONE);
	assert_int_equal(h->interval_ms, 10000);
	assert_int_equal(h->timeout_ms, 2000);
	assert_int_equal(h->fall, 3);
	assert_int_equal(h->rise, 2);
	assert_null(h->address);
	assert_int_equal(h->port, 1700); /* the host's port */
	assert_int_equal(c->raw.health_concurrency, 64);
	assert_true(c->raw.fail_open);
	assert_false(c->raw.include_ula);
	assert_null(c->raw.metrics_file);
	assert_null(c->raw.user);
	assert_int_equal(c->raw.log_format, PUB_LOG_TEXT);
	assert_false(c->raw.hosts[0].name_auto);
	assert_false(c->raw.hosts[0].addresses_auto);
	pub_config_free(c);
}

static void test_every_key_and_inheritance(void **state)
{
	pub_config_t *c = load_ok(KEYS "health: {probe: rpc, interval: 30s, timeout: 3s, fall: 4, "
	                               "rise: 5}\n"
	                               "health-concurrency: 200\n"
	                               "fail-open: false\n"
	                               "include-ula: true\n"
	                               "metrics-file: /var/lib/node-exporter/kmsdns.prom\n"
	                               "user: kmsdns\n"
	                               "log-format: json\n"
	                               "hosts:\n"
	                               "  - name: kms1.example.test\n"
	                               "  - name: kms2.example.test\n"
	                               "    health:\n"
	                               "      probe: tcp\n"
	                               "      fall: 1\n"
	                               "      address: 2001:db8::99\n"
	                               "      port: 1689\n" DOMS);
	const pub_health_conf_t *a = &c->raw.hosts[0].health, *b = &c->raw.hosts[1].health;
	assert_string_equal(a->probe, "rpc");
	assert_int_equal(pub_config_probe_kind(a->probe), KD_PROBE_RPC);
	assert_int_equal(a->interval_ms, 30000);
	assert_int_equal(a->timeout_ms, 3000);
	assert_int_equal(a->fall, 4);
	assert_int_equal(a->rise, 5);
	assert_int_equal(a->port, 1688);
	assert_string_equal(b->probe, "tcp");
	assert_int_equal(pub_config_probe_kind(b->probe), KD_PROBE_TCP);
	assert_int_equal(b->interval_ms, 30000); /* inherited */
	assert_int_equal(b->fall, 1);            /* its own */
	assert_int_equal(b->rise, 5);            /* inherited */
	assert_string_equal(b->address, "2001:db8::99");
	assert_int_equal(b->port, 1689);
	assert_int_equal(c->raw.health_concurrency, 200);
	assert_false(c->raw.fail_open);
	assert_true(c->raw.include_ula);
	assert_string_equal(c->raw.metrics_file, "/var/lib/node-exporter/kmsdns.prom");
	assert_string_equal(c->raw.user, "kmsdns");
	assert_int_equal(c->raw.log_format, PUB_LOG_JSON);

	/* What -n -v prints loads back into the same values. */
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);
	pub_config_print(fp, c);
	fclose(fp);
	char *hidden = strstr(text, "<hidden>");
	assert_non_null(hidden);
	char *again = calloc(1, len + 64);
	snprintf(again, len + 64, "%.*sc2VjcmV0LXNlY3JldA==%s", (int)(hidden - text), text,
	         hidden + 8);
	pub_config_t *d = load_ok(again);
	assert_int_equal(d->raw.hosts[1].health.fall, 1);
	assert_int_equal(d->raw.hosts[0].health.fall, 4);
	assert_string_equal(d->raw.hosts[1].health.address, "2001:db8::99");
	assert_int_equal(d->raw.log_format, PUB_LOG_JSON);
	pub_config_free(d);
	free(again);
	free(text);
	pub_config_free(c);
}

static void test_errors(void **state)
{
	load_err(KEYS "health: {probe: http}\n", "t.yaml:4:17: key 'probe': invalid value 'http'");
	load_err(KEYS "health: {fall: 0}\n", "t.yaml:4:16: key 'fall': 0 is out of range 1..100");
	load_err(KEYS "health: {interval: 100ms}\n", "t.yaml:4:20: key 'interval'");
	load_err(KEYS "health: {address: 192.0.2.1}\n", "t.yaml:4:10: unknown key 'address'");
	load_err(KEYS "health: {interval: 1s, timeout: 2s}\n",
	         "t.yaml:4:9: health: timeout 2s is longer than interval 1s");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n    health: {timeout: 20s}\n" DOMS,
	         "t.yaml:6:13: host kms1.example.test: health: timeout 20s is longer than interval "
	         "10s");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n    health: {address: kms9}\n" DOMS,
	         "t.yaml:6:23: key 'address': 'kms9' is not an IPv4 or IPv6 address");
	load_err(KEYS "hosts:\n  - name: kms1.example.test\n    health: {port: 0}\n" DOMS,
	         "t.yaml:6:20: key 'port': 0 is out of range 1..65535");
	load_err(KEYS "health-concurrency: 0\n", "t.yaml:4:21: key 'health-concurrency'");
	load_err(KEYS "fail-open: maybe\n", "t.yaml:4:12: key 'fail-open': invalid boolean");
	load_err(KEYS "log-format: xml\n", "t.yaml:4:13: key 'log-format': invalid value 'xml'");
	load_err(KEYS
	         "hosts:\n  - name: kms1.example.test\n    addresses: [auto, 192.0.2.1]\n" DOMS,
	         "t.yaml:5:5: host addresses: 'auto' stands alone");
}

static void test_addresses_auto(void **state)
{
	/* This machine's addresses, whatever they are: never loopback or link-local. */
	pub_config_t *c =
	        load_ok(KEYS "hosts:\n  - name: kms1.example.test\n    addresses: auto\n" DOMS);
	const pub_host_conf_t *h = &c->raw.hosts[0];
	assert_true(h->addresses_auto);
	for (size_t i = 0; i < h->addresses_count; i++) {
		assert_true(strncmp(h->addresses[i], "127.", 4) != 0);
		assert_string_not_equal(h->addresses[i], "::1");
		assert_true(strncmp(h->addresses[i], "fe80:", 5) != 0);
	}
	pub_config_free(c);
}

static void test_name_auto(void **state)
{
	const char *text = KEYS "hosts:\n  - name: auto\n" DOMS;
	pub_config_t *c = NULL;
	kd_error_t err = {.msg = ""};
	if (pub_config_load_buf("t.yaml", text, strlen(text), &c, &err) == 0) {
		assert_true(c->raw.hosts[0].name_auto);
		assert_non_null(strchr(c->raw.hosts[0].name, '.'));
		assert_string_not_equal(c->raw.hosts[0].name, "auto");
		pub_config_free(c);
	} else {
		/* A machine without a domain: said so, with the position. */
		if (strncmp(err.msg,
		            "t.yaml:5:5: host name auto: failed to find this machine's FQDN",
		            62) != 0)
			fail_msg("unexpected error: %s", err.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_every_key_and_inheritance),
	        cmocka_unit_test(test_errors),    cmocka_unit_test(test_addresses_auto),
	        cmocka_unit_test(test_name_auto),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
