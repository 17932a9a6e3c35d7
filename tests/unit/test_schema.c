/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns/schema.h"

typedef struct {
	char *name;
	unsigned port;
	char **addrs;
	size_t n_addrs;
	int mode; /* an enum without a default: -1 when not given */
	kd_mark_t mark;
} host_t;

typedef struct {
	uint64_t timeout;
	char *label;
	kd_mark_t mark;
} sub_t;

typedef struct {
	kd_mark_t mark;
	char *state;
	unsigned ttl;
	bool withdraw;
	uint64_t interval;
	int transport;
	char **servers;
	size_t n_servers;
	host_t *hosts;
	size_t n_hosts;
	sub_t sub;
	char *checked;
} cfg_t;

static const char *const transports[] = {"tcp", "udp", NULL};

static int check_no_bad(const void *field, char *err, size_t errlen)
{
	const char *s = *(char *const *)field;
	if (strstr(s, "bad") == NULL)
		return 0;
	snprintf(err, errlen, "must not contain 'bad'");
	return -1;
}

static const kd_schema_t host_schema[] = {
        {.key = "name",
         .type = KD_T_STR,
         .offset = offsetof(host_t, name),
         .flags = KD_F_REQUIRED,
         .check = check_no_bad},
        {.key = "port",
         .type = KD_T_UINT,
         .offset = offsetof(host_t, port),
         .def = "1688",
         .min = 1,
         .max = 65535},
        {.key = "addresses",
         .type = KD_T_STRLIST,
         .offset = offsetof(host_t, addrs),
         .count_offset = offsetof(host_t, n_addrs),
         .check = check_no_bad},
        {.key = "mode",
         .type = KD_T_ENUM,
         .offset = offsetof(host_t, mode),
         .enum_names = transports},
        {.key = "", .type = KD_T_MARK, .offset = offsetof(host_t, mark)},
        {.key = NULL},
};

static const kd_schema_t sub_schema[] = {
        {.key = "timeout", .type = KD_T_DURATION, .offset = offsetof(sub_t, timeout), .def = "3s"},
        {.key = "label", .type = KD_T_STR, .offset = offsetof(sub_t, label), .def = "lbl"},
        {.key = "", .type = KD_T_MARK, .offset = offsetof(sub_t, mark)},
        {.key = NULL},
};

static const kd_schema_t cfg_schema[] = {
        {.key = "", .type = KD_T_MARK, .offset = offsetof(cfg_t, mark)},
        {.key = "state",
         .type = KD_T_STR,
         .offset = offsetof(cfg_t, state),
         .def = "/var/lib/x.state"},
        {.key = "ttl", .type = KD_T_UINT, .offset = offsetof(cfg_t, ttl), .def = "600"},
        {.key = "withdraw", .type = KD_T_BOOL, .offset = offsetof(cfg_t, withdraw), .def = "yes"},
        {.key = "interval",
         .type = KD_T_DURATION,
         .offset = offsetof(cfg_t, interval),
         .def = "5m",
         .min = 1000,
         .max = 86400000},
        {.key = "transport",
         .type = KD_T_ENUM,
         .offset = offsetof(cfg_t, transport),
         .def = "tcp",
         .enum_names = transports},
        {.key = "servers",
         .type = KD_T_STRLIST,
         .offset = offsetof(cfg_t, servers),
         .count_offset = offsetof(cfg_t, n_servers),
         .def = "127.0.0.1"},
        {.key = "hosts",
         .type = KD_T_SEQ,
         .offset = offsetof(cfg_t, hosts),
         .count_offset = offsetof(cfg_t, n_hosts),
         .sub = host_schema,
         .elem_size = sizeof(host_t)},
        {.key = "sub", .type = KD_T_MAP, .offset = offsetof(cfg_t, sub), .sub = sub_schema},
        {.key = "checked",
         .type = KD_T_STR,
         .offset = offsetof(cfg_t, checked),
         .check = check_no_bad},
        {.key = NULL},
};

static int load(const char *yaml, cfg_t *cfg, kd_error_t *err)
{
	memset(cfg, 0x5A, sizeof(*cfg)); /* the loader must write every field itself */
	return kd_schema_load_buf(cfg_schema, "t.yaml", yaml, strlen(yaml), cfg, err);
}

static void assert_error(const char *yaml, const char *want)
{
	cfg_t cfg;
	kd_error_t err = {0};
	if (load(yaml, &cfg, &err) != -1)
		fail_msg("accepted:\n%s", yaml);
	if (strcmp(err.msg, want) != 0)
		fail_msg("error\n  got:  %s\n  want: %s", err.msg, want);
	/* Everything freed and reset on failure. */
	assert_null(cfg.state);
	assert_null(cfg.servers);
	assert_int_equal(cfg.n_servers, 0);
	assert_null(cfg.hosts);
	assert_int_equal(cfg.n_hosts, 0);
	assert_null(cfg.sub.label);
	assert_null(cfg.checked);
}

static void test_defaults(void **state)
{
	static const char *const empty_docs[] = {"", "# only a comment\n", "---\n", "~\n", "{}\n"};
	for (size_t i = 0; i < sizeof(empty_docs) / sizeof(empty_docs[0]); i++) {
		cfg_t cfg;
		kd_error_t err = {0};
		assert_int_equal(load(empty_docs[i], &cfg, &err), 0);
		assert_string_equal(cfg.state, "/var/lib/x.state");
		assert_int_equal(cfg.ttl, 600);
		assert_true(cfg.withdraw);
		assert_int_equal(cfg.interval, 300000);
		assert_int_equal(cfg.transport, 0);
		assert_int_equal(cfg.n_servers, 1);
		assert_string_equal(cfg.servers[0], "127.0.0.1");
		assert_null(cfg.hosts);
		assert_int_equal(cfg.n_hosts, 0);
		assert_int_equal(cfg.sub.timeout, 3000);
		assert_string_equal(cfg.sub.label, "lbl");
		assert_null(cfg.checked);
		kd_schema_free(cfg_schema, &cfg);
		assert_null(cfg.state);
		assert_null(cfg.servers);
	}
}

static void test_full(void **state)
{
	const char *yaml = "state: /tmp/s\n"
	                   "ttl: 0\n"
	                   "withdraw: off\n"
	                   "interval: 1500ms\n"
	                   "transport: UDP\n"
	                   "servers: [192.0.2.1@53, \"::1\"]\n"
	                   "hosts:\n"
	                   "  - name: kms1.example.test\n"
	                   "    port: 1700\n"
	                   "    addresses: 192.0.2.10\n"
	                   "  -   name: kms2\n"
	                   "      addresses:\n"
	                   "        - 192.0.2.11\n"
	                   "        - 2001:db8::11\n"
	                   "      mode: udp\n"
	                   "sub:\n"
	                   "    timeout: 2\n"
	                   "checked: fine\n";
	cfg_t cfg;
	kd_error_t err = {0};
	if (load(yaml, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.mark.line, 1);
	assert_int_equal(cfg.mark.column, 1);
	assert_string_equal(cfg.state, "/tmp/s");
	assert_int_equal(cfg.ttl, 0);
	assert_false(cfg.withdraw);
	assert_int_equal(cfg.interval, 1500);
	assert_int_equal(cfg.transport, 1);
	assert_int_equal(cfg.n_servers, 2);
	assert_string_equal(cfg.servers[0], "192.0.2.1@53");
	assert_string_equal(cfg.servers[1], "::1");
	assert_int_equal(cfg.n_hosts, 2);
	assert_string_equal(cfg.hosts[0].name, "kms1.example.test");
	assert_int_equal(cfg.hosts[0].port, 1700);
	assert_int_equal(cfg.hosts[0].n_addrs, 1);
	assert_string_equal(cfg.hosts[0].addrs[0], "192.0.2.10");
	assert_int_equal(cfg.hosts[0].mode, -1); /* not given, no default */
	assert_int_equal(cfg.hosts[0].mark.line, 8);
	assert_int_equal(cfg.hosts[0].mark.column, 5);
	assert_string_equal(cfg.hosts[1].name, "kms2");
	assert_int_equal(cfg.hosts[1].port, 1688); /* element default */
	assert_int_equal(cfg.hosts[1].n_addrs, 2);
	assert_string_equal(cfg.hosts[1].addrs[1], "2001:db8::11");
	assert_int_equal(cfg.hosts[1].mode, 1);
	assert_int_equal(cfg.hosts[1].mark.line, 11);
	assert_int_equal(cfg.hosts[1].mark.column, 7);
	assert_int_equal(cfg.sub.timeout, 2000);
	assert_string_equal(cfg.sub.label, "lbl");
	assert_int_equal(cfg.sub.mark.line, 17);
	assert_int_equal(cfg.sub.mark.column, 5);
	assert_string_equal(cfg.checked, "fine");
	kd_schema_free(cfg_schema, &cfg);
	assert_null(cfg.hosts);
	assert_int_equal(cfg.n_hosts, 0);
	kd_schema_free(cfg_schema, &cfg); /* a second free is harmless */
}

/* kd_schema_print writes what the loader reads back: defaults filled in, same values. */
static void test_print_round_trip(void **state)
{
	const char *yaml = "state: /tmp/s\n"
	                   "withdraw: off\n"
	                   "interval: 1500ms\n"
	                   "transport: UDP\n"
	                   "servers: [192.0.2.1@53, \"::1\", null, \"a \\\"b\"]\n"
	                   "hosts:\n"
	                   "  - name: kms1.example.test\n"
	                   "    addresses: 192.0.2.10\n"
	                   "  - name: kms2\n"
	                   "    port: 1700\n"
	                   "    addresses: [2001:db8::11]\n"
	                   "    mode: UDP\n";
	const char *want = "state: /tmp/s\n"
	                   "ttl: 600\n"
	                   "withdraw: false\n"
	                   "interval: 1500ms\n"
	                   "transport: udp\n"
	                   "servers: [192.0.2.1@53, \"::1\", \"null\", \"a \\\"b\"]\n"
	                   "hosts:\n"
	                   "  - name: kms1.example.test\n"
	                   "    port: 1688\n"
	                   "    addresses: [192.0.2.10]\n"
	                   "  - name: kms2\n"
	                   "    port: 1700\n"
	                   "    addresses: [\"2001:db8::11\"]\n"
	                   "    mode: udp\n"
	                   "sub:\n"
	                   "  timeout: 3s\n"
	                   "  label: lbl\n";
	cfg_t cfg, again;
	kd_error_t err = {0};
	if (load(yaml, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	kd_schema_print(f, cfg_schema, &cfg);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text, want);
	if (load(text, &again, &err) != 0)
		fail_msg("printed text does not load: %s\n%s", err.msg, text);
	assert_string_equal(again.servers[2], "null");
	assert_string_equal(again.servers[3], "a \"b");
	assert_int_equal(again.hosts[1].port, 1700);
	assert_int_equal(again.hosts[0].mode, -1);
	assert_int_equal(again.hosts[1].mode, 1);
	assert_string_equal(again.hosts[1].addrs[0], "2001:db8::11");
	assert_int_equal(again.interval, 1500);
	assert_int_equal(again.transport, 1);
	char *text2 = NULL;
	f = open_memstream(&text2, &len);
	assert_non_null(f);
	kd_schema_print(f, cfg_schema, &again);
	assert_int_equal(fclose(f), 0);
	assert_string_equal(text2, text);
	free(text);
	free(text2);
	kd_schema_free(cfg_schema, &cfg);
	kd_schema_free(cfg_schema, &again);
}

static void test_lists_empty_and_null(void **state)
{
	cfg_t cfg;
	kd_error_t err = {0};
	assert_int_equal(load("servers: []\nhosts: []\n", &cfg, &err), 0);
	assert_int_equal(cfg.n_servers, 0);
	assert_null(cfg.servers);
	assert_int_equal(cfg.n_hosts, 0);
	kd_schema_free(cfg_schema, &cfg);

	assert_int_equal(load("servers:\nhosts:\nsub:\n", &cfg, &err), 0);
	assert_int_equal(cfg.n_servers, 0);
	assert_int_equal(cfg.n_hosts, 0);
	assert_int_equal(cfg.sub.timeout, 3000);
	kd_schema_free(cfg_schema, &cfg);
}

static void test_scalar_values(void **state)
{
	static const struct {
		const char *yaml;
		bool withdraw;
		uint64_t interval;
	} ok[] = {
	        {"withdraw: true\ninterval: 1s\n", true, 1000},
	        {"withdraw: No\ninterval: 2m\n", false, 120000},
	        {"withdraw: ON\ninterval: 1h\n", true, 3600000},
	        {"withdraw: false\ninterval: 1d\n", false, 86400000},
	        {"withdraw: yes\ninterval: 1000ms\n", true, 1000},
	        {"withdraw: 'off'\ninterval: 60\n", false, 60000},
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		cfg_t cfg;
		kd_error_t err = {0};
		if (load(ok[i].yaml, &cfg, &err) != 0)
			fail_msg("%s", err.msg);
		assert_int_equal(cfg.withdraw, ok[i].withdraw);
		assert_int_equal(cfg.interval, ok[i].interval);
		kd_schema_free(cfg_schema, &cfg);
	}
	cfg_t cfg;
	kd_error_t err = {0};
	assert_int_equal(load("ttl: 4294967295\n", &cfg, &err), 0);
	assert_int_equal(cfg.ttl, 4294967295u);
	kd_schema_free(cfg_schema, &cfg);
}

static void test_parse_duration(void **state)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} ok[] = {
	        {"0", 0},        {"250ms", 250},    {"3s", 3000},  {"5m", 300000},
	        {"1h", 3600000}, {"2d", 172800000}, {"15", 15000},
	};
	uint64_t ms;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ms = 7;
		assert_int_equal(kd_parse_duration(ok[i].text, &ms), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	static const char *const bad[] = {
	        "",
	        "s",
	        "-1s",
	        "+1s",
	        "1.5s",
	        "1 s",
	        "1S",
	        "1sec",
	        "1w",
	        "1ms5",
	        " 1",
	        "18446744073709551615",
	        "18446744073709551616ms",
	        "99999999999999999d",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 7;
		if (kd_parse_duration(bad[i], &ms) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(ms, 7);
	}
}

static void test_error_unknown_key(void **state)
{
	assert_error("ttl: 5\nprot: 53\n", "t.yaml:2:1: unknown key 'prot'");
	assert_error("hosts:\n  - name: a\n    prot: 1\n", "t.yaml:3:5: unknown key 'prot'");
	assert_error("sub:\n  timeout: 1s\n  mark: 1\n", "t.yaml:3:3: unknown key 'mark'");
	/* The key of a MARK row is not a YAML key. */
	assert_error("'': 1\n", "t.yaml:1:1: unknown key ''");
	assert_error("[a]: 1\n", "t.yaml:1:1: expected a scalar key, got a sequence");
}

static void test_error_wrong_type(void **state)
{
	assert_error("ttl: [1]\n", "t.yaml:1:6: key 'ttl': expected a scalar, got a sequence");
	assert_error("state:\n  a: b\n",
	             "t.yaml:2:3: key 'state': expected a scalar, got a mapping");
	assert_error("hosts: kms\n", "t.yaml:1:8: key 'hosts': expected a sequence, got a scalar");
	assert_error("hosts:\n  - kms\n",
	             "t.yaml:2:5: key 'hosts': expected a mapping, got a scalar");
	assert_error("sub: [1]\n", "t.yaml:1:6: key 'sub': expected a mapping, got a sequence");
	assert_error("servers:\n  - a\n  - [b]\n",
	             "t.yaml:3:5: key 'servers': expected a scalar, got a sequence");
	assert_error("servers: {a: b}\n",
	             "t.yaml:1:10: key 'servers': expected a sequence, got a mapping");
	assert_error("- a\n", "t.yaml:1:1: expected a mapping at the top level, got a sequence");
	assert_error("just text\n",
	             "t.yaml:1:1: expected a mapping at the top level, got a scalar");
	assert_error("ttl:\n", "t.yaml:1:5: key 'ttl': missing value");
}

static void test_error_missing_required(void **state)
{
	assert_error("hosts:\n  - name: a\n  -   port: 1\n      addresses: []\n",
	             "t.yaml:3:7: missing required key 'name'");
	assert_error("hosts: [{port: 1}]\n", "t.yaml:1:9: missing required key 'name'");
}

static void test_error_values(void **state)
{
	assert_error("ttl: 12x\n", "t.yaml:1:6: key 'ttl': invalid number '12x'");
	assert_error("ttl: -1\n", "t.yaml:1:6: key 'ttl': invalid number '-1'");
	assert_error("ttl: 4294967296\n",
	             "t.yaml:1:6: key 'ttl': 4294967296 is out of range 0..4294967295");
	assert_error("hosts:\n  - name: a\n    port: 0\n",
	             "t.yaml:3:11: key 'port': 0 is out of range 1..65535");
	assert_error("hosts:\n  - name: a\n    port: 65536\n",
	             "t.yaml:3:11: key 'port': 65536 is out of range 1..65535");
	assert_error("interval: 5x\n", "t.yaml:1:11: key 'interval': invalid duration '5x' "
	                               "(expected a number with ms, s, m, h or d)");
	assert_error("interval: 999ms\n",
	             "t.yaml:1:11: key 'interval': 999ms is out of range 1s..1d");
	assert_error("interval: 25h\n", "t.yaml:1:11: key 'interval': 25h is out of range 1s..1d");
	assert_error(
	        "transport: tls\n",
	        "t.yaml:1:12: key 'transport': invalid value 'tls' (expected one of: tcp, udp)");
	assert_error("withdraw: maybe\n", "t.yaml:1:11: key 'withdraw': invalid boolean 'maybe' "
	                                  "(expected true/false, yes/no or on/off)");
}

static void test_error_check(void **state)
{
	assert_error("checked: abad\n", "t.yaml:1:10: key 'checked': must not contain 'bad'");
	assert_error("hosts:\n  - name: a\n    addresses: [ok, bad]\n",
	             "t.yaml:3:21: key 'addresses': must not contain 'bad'");
	assert_error("hosts:\n  - name: a\n    addresses: bad\n",
	             "t.yaml:3:16: key 'addresses': must not contain 'bad'");
}

static void test_error_duplicate(void **state)
{
	assert_error("ttl: 1\nstate: a\nttl: 2\n", "t.yaml:3:1: duplicate key 'ttl'");
	assert_error("hosts:\n  - name: a\n    name: b\n", "t.yaml:3:5: duplicate key 'name'");
}

static void test_error_syntax(void **state)
{
	assert_error("ttl: 1\n  state: a\n",
	             "t.yaml:2:8: invalid YAML (mapping values are not allowed in this context)");
	assert_error("servers: [a, b\n",
	             "t.yaml:2:1: invalid YAML (did not find expected ',' or ']' "
	             "while parsing a flow sequence at 1:10)");
	assert_error("state: \"abc\n", "t.yaml:2:1: invalid YAML (found unexpected end of stream "
	                               "while scanning a quoted scalar at 1:8)");
	assert_error("state: &a x\nchecked: *a\n", "t.yaml:2:10: YAML aliases are not supported");
	assert_error("ttl: 1\n---\nttl: 2\n", "t.yaml:2:1: only one YAML document is supported");
}

/* libyaml scans nested flow collections in time quadratic in their depth (40000 '[' took half
 * a minute): nesting beyond any schema's is refused as soon as it is seen. */
static void test_error_nesting(void **state)
{
	size_t depth = 100000;
	char *yaml = malloc(9 + 2 * depth + 2);
	assert_non_null(yaml);
	memcpy(yaml, "servers: ", 9);
	memset(yaml + 9, '[', depth);
	memset(yaml + 9 + depth, ']', depth);
	strcpy(yaml + 9 + 2 * depth, "\n");
	assert_error(yaml, "t.yaml:1:41: YAML nested deeper than 32 levels");
	free(yaml);
	assert_error("hosts:\n  - {a: {b: {c: {d: {e: {f: {g: {h: {i: {j: {k: {l: {m: {n: {o: {p: "
	             "{q: {r: {s: {t: {u: {v: {w: {x: {y: {z: {a: {b: {c: {d: {e: 1}}}}}}}}}}}}}}}}"
	             "}}}}}}}}}}}}}}}\n",
	             "t.yaml:2:125: YAML nested deeper than 32 levels");
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/test_schema.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *yaml = "ttl: 30\nbogus: 1\n";
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);

	cfg_t cfg;
	kd_error_t err = {0};
	assert_int_equal(kd_schema_load_file(cfg_schema, path, &cfg, &err), -1);
	char want[256];
	snprintf(want, sizeof(want), "%s:2:1: unknown key 'bogus'", path);
	assert_string_equal(err.msg, want);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, 8), 8);
	close(fd);
	assert_int_equal(kd_schema_load_file(cfg_schema, path, &cfg, &err), 0);
	assert_int_equal(cfg.ttl, 30);
	kd_schema_free(cfg_schema, &cfg);
	unlink(path);

	assert_int_equal(kd_schema_load_file(cfg_schema, path, &cfg, &err), -1);
	snprintf(want, sizeof(want), "%s: failed to read file (No such file or directory)", path);
	assert_string_equal(err.msg, want);
}

static void test_error_set(void **state)
{
	kd_error_t err;
	kd_error_set(&err, "p.yaml", (kd_mark_t){4, 7}, "key '%s' names no zone", "z");
	assert_string_equal(err.msg, "p.yaml:4:7: key 'z' names no zone");
	kd_error_set(&err, "p.yaml", (kd_mark_t){0, 0}, "no hosts");
	assert_string_equal(err.msg, "p.yaml: no hosts");
	char longer[1000];
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	kd_error_set(&err, "p.yaml", (kd_mark_t){1, 1}, "%s", longer);
	assert_int_equal(strlen(err.msg), sizeof(err.msg) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),
	        cmocka_unit_test(test_full),
	        cmocka_unit_test(test_print_round_trip),
	        cmocka_unit_test(test_lists_empty_and_null),
	        cmocka_unit_test(test_scalar_values),
	        cmocka_unit_test(test_parse_duration),
	        cmocka_unit_test(test_error_unknown_key),
	        cmocka_unit_test(test_error_wrong_type),
	        cmocka_unit_test(test_error_missing_required),
	        cmocka_unit_test(test_error_values),
	        cmocka_unit_test(test_error_check),
	        cmocka_unit_test(test_error_duplicate),
	        cmocka_unit_test(test_error_syntax),
	        cmocka_unit_test(test_error_nesting),
	        cmocka_unit_test(test_load_file),
	        cmocka_unit_test(test_error_set),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
