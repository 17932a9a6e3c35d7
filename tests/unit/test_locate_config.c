/* SPDX-License-Identifier: GPL-3.0-or-later */
/* locate.yaml: every key, the defaults, and errors with file:line:column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolver-plugin/ctx.h"

static kmsl_err_t load(const char *yaml, kmsl_opts_t *o, char *err, size_t len)
{
	return kmsl_opts_load("t.yaml", yaml, strlen(yaml), o, err, len);
}

static void addr_is(const kd_addr_t *a, const char *want)
{
	char buf[KD_ADDR_STRLEN];
	kd_addr_str(a, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_defaults(void **state)
{
	kmsl_opts_t o;
	char err[512];
	setenv("XDG_CACHE_HOME", "/xdg", 1);
	assert_int_equal(load("", &o, err, sizeof(err)), KMSL_OK);
	assert_null(o.static_host);
	assert_null(o.lookup_domain);
	assert_int_equal(o.ndomains, 0);
	assert_int_equal(o.nservers, 0);
	assert_int_equal(o.merge, KMSL_MERGE_FIRST);
	assert_int_equal(o.probe, KMSL_PROBE_RPC);
	assert_int_equal(o.attempt_delay_ms, KMSL_ATTEMPT_DELAY_AUTO);
	assert_int_equal(o.timeout_ms, 2000);
	assert_int_equal(o.deadline_ms, 10000);
	assert_int_equal(o.dead_retry_ms, 300000);
	assert_true(o.host_caching);
	if (geteuid() == 0)
		assert_string_equal(o.state_path, LOCALSTATEDIR "/cache/kmsdns/locate.state");
	else
		assert_string_equal(o.state_path, "/xdg/kmsdns/locate.state");
	kmsl_opts_deinit(&o);
}

static void test_every_key(void **state)
{
	const char *yaml = "static: KMS1.Example.Test:1700\n"
	                   "lookup-domain: Example.TEST.\n"
	                   "domains:\n"
	                   "  - name: a.test\n"
	                   "    server: 127.0.0.1@53531\n"
	                   "  - name: b.test\n"
	                   "servers: [127.0.0.2@5353, '::1']\n"
	                   "merge: all\n"
	                   "probe: tcp\n"
	                   "attempt-delay: 10ms\n"
	                   "timeout: 3s\n"
	                   "deadline: 1m\n"
	                   "dead-retry: 0\n"
	                   "host-caching: false\n"
	                   "state: /tmp/x.state\n";
	kmsl_opts_t o;
	char err[512] = "";
	assert_int_equal(load(yaml, &o, err, sizeof(err)), KMSL_OK);
	assert_string_equal(o.static_host, "KMS1.Example.Test");
	assert_int_equal(o.static_port, 1700);
	assert_string_equal(o.lookup_domain, "example.test");
	assert_int_equal(o.ndomains, 2);
	assert_string_equal(o.domains[0].name, "a.test");
	assert_true(o.domains[0].has_server);
	addr_is(&o.domains[0].server, "127.0.0.1@53531");
	assert_string_equal(o.domains[1].name, "b.test");
	assert_false(o.domains[1].has_server);
	assert_int_equal(o.nservers, 2);
	addr_is(&o.servers[0], "127.0.0.2@5353");
	addr_is(&o.servers[1], "::1@53");
	assert_int_equal(o.merge, KMSL_MERGE_ALL);
	assert_int_equal(o.probe, KMSL_PROBE_TCP);
	assert_int_equal(o.attempt_delay_ms, 10);
	assert_int_equal(o.timeout_ms, 3000);
	assert_int_equal(o.deadline_ms, 60000);
	assert_int_equal(o.dead_retry_ms, 0);
	assert_false(o.host_caching);
	assert_string_equal(o.state_path, "/tmp/x.state");
	kmsl_opts_deinit(&o);
}

/* The NSS module's keys: defaults, every key, and the checks. */
static void test_nss_keys(void **state)
{
	kmsl_opts_t o;
	char err[512] = "";
	assert_int_equal(load("", &o, err, sizeof(err)), KMSL_OK);
	assert_int_equal(o.nss_nnames, 1);
	assert_string_equal(o.nss_names[0], "_vlmcs._tcp");
	assert_int_equal(o.nss_port, 1688);
	assert_int_equal(o.nss_probe_cache_ms, 60000);
	assert_int_equal(o.nss_deadline_ms, 3000);
	kmsl_opts_deinit(&o);
	assert_int_equal(load("nss:\n  names: [KMS., _vlmcs._tcp.corp.example]\n  port: 1689\n"
	                      "  probe-cache: 0\n  deadline: 250ms\n",
	                      &o, err, sizeof(err)),
	                 KMSL_OK);
	assert_int_equal(o.nss_nnames, 2);
	assert_string_equal(o.nss_names[0], "kms");
	assert_string_equal(o.nss_names[1], "_vlmcs._tcp.corp.example");
	assert_int_equal(o.nss_port, 1689);
	assert_int_equal(o.nss_probe_cache_ms, 0);
	assert_int_equal(o.nss_deadline_ms, 250);
	kmsl_opts_deinit(&o);
	assert_int_equal(load("nss:\n  names: []\n", &o, err, sizeof(err)), KMSL_OK);
	assert_int_equal(o.nss_nnames, 0);
	kmsl_opts_deinit(&o);
	assert_int_equal(load("nss: kms\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_int_equal(load("nss:\n  names: [a..b]\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_non_null(strstr(err, "t.yaml:2:"));
	assert_int_equal(load("nss:\n  port: 0\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_int_equal(load("nss:\n  deadline: 5ms\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_int_equal(load("nss:\n  probe-cache: 2d\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_int_equal(load("nss:\n  name: kms\n", &o, err, sizeof(err)), KMSL_ECONFIG);
	assert_non_null(strstr(err, "unknown key 'name'"));
}

static void test_small_values(void **state)
{
	kmsl_opts_t o;
	char err[512];
	assert_int_equal(load("static: kms\nprobe: none\nstate: none\nservers: 10.0.0.1\n", &o, err,
	                      sizeof(err)),
	                 KMSL_OK);
	assert_string_equal(o.static_host, "kms");
	assert_int_equal(o.static_port, 1688);
	assert_int_equal(o.probe, KMSL_PROBE_NONE);
	assert_null(o.state_path);
	assert_int_equal(o.nservers, 1);
	addr_is(&o.servers[0], "10.0.0.1@53");
	kmsl_opts_deinit(&o);
}

/* Each bad file fails with the expected position and words. */
static void bad(const char *yaml, const char *pos, const char *words)
{
	kmsl_opts_t o;
	char err[512] = "";
	if (load(yaml, &o, err, sizeof(err)) != KMSL_ECONFIG) {
		kmsl_opts_deinit(&o);
		fail_msg("accepted: %s", yaml);
	}
	if (strstr(err, pos) == NULL || strstr(err, words) == NULL)
		fail_msg("error '%s' lacks '%s' or '%s'", err, pos, words);
}

static void test_errors(void **state)
{
	bad("merge: first\nbogus: 1\n", "t.yaml:2:1:", "unknown key 'bogus'");
	bad("attempt-delay: 5ms\n", "t.yaml:1:16:", "attempt-delay");
	bad("attempt-delay: 2m\n", "t.yaml:1:16:", "neither auto nor a duration");
	bad("attempt-delay: automatic\n", "t.yaml:1:16:", "attempt-delay");
	bad("timeout: 0\n", "t.yaml:1:10:", "timeout");
	bad("merge: some\n", "t.yaml:1:8:", "merge");
	bad("probe: icmp\n", "t.yaml:1:8:", "probe");
	bad("servers: [127.0.0.1, kms.example.test]\n", "t.yaml:1:22:", "not an address");
	bad("domains:\n  - name: a..b\n", "t.yaml:2:11:", "not a valid domain name");
	bad("domains:\n  - name: .\n", "t.yaml:2:11:", "the root");
	bad("domains:\n  - server: 127.0.0.1\n", "t.yaml:2:5:", "name");
	bad("domains:\n  - name: a.test\n    sever: 127.0.0.1\n",
	    "t.yaml:3:5:", "unknown key 'sever'");
	bad("domains:\n  - name: a.test\n    server: 300.1.1.1\n",
	    "t.yaml:3:13:", "not an address");
	bad("lookup-domain: a..b\n", "t.yaml:1:16:", "lookup-domain");
	bad("static: 'kms:99999'\n", "t.yaml:1:9:", "host[:port]");
	bad("state: relative/path\n", "t.yaml:1:8:", "absolute path");
	bad("host-caching: maybe\n", "t.yaml:1:15:", "host-caching");
	bad("dead-retry: 5 years\n", "t.yaml:1:13:", "dead-retry");
	bad("- a\n- b\n", "t.yaml:1:1:", "");
}

static void test_ctx_load_file(void **state)
{
	char path[] = "/tmp/test_locate_config.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *good = "lookup-domain: example.test\nstate: none\n";
	assert_int_equal(write(fd, good, strlen(good)), (ssize_t)strlen(good));
	close(fd);

	kmsl_ctx_t *ctx;
	char err[512] = "";
	assert_int_equal(kmsl_ctx_new(&ctx), KMSL_OK);
	assert_int_equal(kmsl_set_timeout(ctx, 1234), KMSL_OK);
	assert_int_equal(kmsl_ctx_load_config(ctx, path, err, sizeof(err)), KMSL_OK);
	assert_string_equal(ctx->opts.lookup_domain, "example.test");
	assert_int_equal(ctx->opts.timeout_ms, 2000); /* the file replaces every option */
	assert_null(kmsl_state_path(ctx));

	/* A failed load leaves the context as it was. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("timeout: 1s\nmerge: nonsense\n", f);
	fclose(f);
	assert_int_equal(kmsl_ctx_load_config(ctx, path, err, sizeof(err)), KMSL_ECONFIG);
	assert_non_null(strstr(err, ":2:8:"));
	assert_int_equal(ctx->opts.timeout_ms, 2000);
	assert_string_equal(ctx->opts.lookup_domain, "example.test");

	unlink(path);
	assert_int_equal(kmsl_ctx_load_config(ctx, path, err, sizeof(err)), KMSL_ECONFIG);
	assert_non_null(strstr(err, path));
	kmsl_ctx_free(ctx);
}

static void test_setters(void **state)
{
	kmsl_ctx_t *ctx;
	assert_int_equal(kmsl_ctx_new(&ctx), KMSL_OK);
	assert_int_equal(kmsl_set_attempt_delay(ctx, 9), KMSL_EINVAL);
	assert_int_equal(kmsl_set_attempt_delay(ctx, 10), KMSL_OK);
	assert_int_equal(ctx->opts.attempt_delay_ms, 10);
	assert_int_equal(kmsl_set_attempt_delay(ctx, KMSL_ATTEMPT_DELAY_AUTO), KMSL_OK);
	assert_int_equal(ctx->opts.attempt_delay_ms, KMSL_ATTEMPT_DELAY_AUTO);
	assert_int_equal(kmsl_set_timeout(ctx, 0), KMSL_EINVAL);
	assert_int_equal(kmsl_set_deadline(ctx, 0), KMSL_EINVAL);
	assert_int_equal(kmsl_set_static(ctx, "[::1]:1700"), KMSL_OK);
	assert_string_equal(ctx->opts.static_host, "::1");
	assert_int_equal(ctx->opts.static_port, 1700);
	assert_int_equal(kmsl_set_static(ctx, "kms:0"), KMSL_EINVAL);
	assert_string_equal(ctx->opts.static_host, "::1");
	assert_int_equal(kmsl_set_static(ctx, NULL), KMSL_OK);
	assert_null(ctx->opts.static_host);
	assert_int_equal(kmsl_add_domain(ctx, "A.test", "127.0.0.1@5300"), KMSL_OK);
	assert_int_equal(kmsl_add_domain(ctx, "b.test", NULL), KMSL_OK);
	assert_int_equal(kmsl_add_domain(ctx, "b..test", NULL), KMSL_EINVAL);
	assert_int_equal(kmsl_add_domain(ctx, "c.test", "nope"), KMSL_EINVAL);
	assert_int_equal(ctx->opts.ndomains, 2);
	assert_string_equal(ctx->opts.domains[0].name, "a.test");
	kmsl_clear_domains(ctx);
	assert_int_equal(ctx->opts.ndomains, 0);
	assert_int_equal(kmsl_add_server(ctx, "127.0.0.1@5300"), KMSL_OK);
	assert_int_equal(kmsl_add_server(ctx, "host.test"), KMSL_EINVAL);
	assert_int_equal(ctx->opts.nservers, 1);
	assert_int_equal(kmsl_set_merge(ctx, (kmsl_merge_t)7), KMSL_EINVAL);
	assert_int_equal(kmsl_set_probe(ctx, (kmsl_probe_t)7), KMSL_EINVAL);
	assert_int_equal(kmsl_set_state_path(ctx, ""), KMSL_EINVAL);
	assert_int_equal(kmsl_set_state_path(ctx, NULL), KMSL_OK);
	assert_null(kmsl_state_path(ctx));
	kmsl_ctx_free(ctx);
}

static void test_strings(void **state)
{
	for (int e = KMSL_OK; e <= KMSL_ESTATE; e++)
		assert_string_not_equal(kmsl_strerror((kmsl_err_t)e), "unknown error");
	assert_string_equal(kmsl_reason_str(KMSL_REASON_NODATA), "no SRV");
	assert_string_equal(kmsl_reason_str(KMSL_REASON_DOT), ".");
	assert_string_equal(kmsl_state_str(KMSL_STATE_STICKY), "sticky");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_every_key),
	        cmocka_unit_test(test_small_values),  cmocka_unit_test(test_errors),
	        cmocka_unit_test(test_ctx_load_file), cmocka_unit_test(test_setters),
	        cmocka_unit_test(test_strings),       cmocka_unit_test(test_nss_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
