/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns/resolvconf: resolv.conf read as glibc reads it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <net/if.h>
#include <unistd.h>
#include <netinet/in.h>

#include "dns/resolvconf.h"

static void parse(const char *text, kd_resolvconf_t *rc)
{
	kd_resolvconf_parse(text, strlen(text), rc);
}

static void assert_server(const kd_resolvconf_t *rc, size_t i, const char *want)
{
	char buf[KD_ADDR_STRLEN];
	assert_true(i < rc->nservers);
	kd_addr_str(&rc->servers[i], buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void test_defaults(void **state)
{
	kd_resolvconf_t rc;
	parse("", &rc);
	assert_int_equal(rc.nservers, 1);
	assert_false(rc.servers_listed);
	assert_server(&rc, 0, "127.0.0.1@53");
	assert_int_equal(rc.nsearch, 0);
	assert_int_equal(rc.ndots, 1);
	assert_int_equal(rc.timeout, 5);
	assert_int_equal(rc.attempts, 2);
	assert_false(rc.rotate);
}

static void test_nameservers(void **state)
{
	kd_resolvconf_t rc;
	parse("# comment\n"
	      "nameserver 192.0.2.1\n"
	      "nameserver\t2001:db8::53  # trailing words are ignored\n"
	      "nameserver not-an-address\n"
	      "nameserver 192.0.2.3\n"
	      "nameserver 192.0.2.4\n", /* the fourth usable one: beyond MAXNS */
	      &rc);
	assert_true(rc.servers_listed);
	assert_int_equal(rc.nservers, 3);
	assert_server(&rc, 0, "192.0.2.1@53");
	assert_server(&rc, 1, "2001:db8::53@53");
	assert_server(&rc, 2, "192.0.2.3@53");
	/* Only unusable lines: the local server, as glibc does. */
	parse("nameserver bogus\n", &rc);
	assert_int_equal(rc.nservers, 1);
	assert_server(&rc, 0, "127.0.0.1@53");
	/* A scoped link-local address keeps its zone (the loopback interface has index 1). */
	char line[64];
	snprintf(line, sizeof(line), "nameserver fe80::1%%%u\n", if_nametoindex("lo"));
	parse(line, &rc);
	assert_int_equal(rc.nservers, 1);
	assert_server(&rc, 0, "fe80::1%lo@53");
	/* A zone on a global address means nothing: refused, as inet_pton would. */
	parse("nameserver 2001:db8::1%lo\n", &rc);
	assert_server(&rc, 0, "127.0.0.1@53");
}

static void test_search(void **state)
{
	kd_resolvconf_t rc;
	parse("search a.example b.example. c.example ; comment\n", &rc);
	assert_int_equal(rc.nsearch, 3);
	assert_false(rc.search_is_domain);
	assert_string_equal(rc.search[0], "a.example");
	assert_string_equal(rc.search[1], "b.example");
	assert_string_equal(rc.search[2], "c.example");
	/* The last domain or search line wins. */
	parse("search a.example b.example\ndomain corp.example extra\n", &rc);
	assert_int_equal(rc.nsearch, 1);
	assert_true(rc.search_is_domain);
	assert_string_equal(rc.search[0], "corp.example");
	parse("domain corp.example\nsearch x.example\n", &rc);
	assert_int_equal(rc.nsearch, 1);
	assert_false(rc.search_is_domain);
	assert_string_equal(rc.search[0], "x.example");
	/* At most KD_RESOLV_MAXSEARCH names. */
	char many[4096] = "search";
	for (int i = 0; i < KD_RESOLV_MAXSEARCH + 5; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), " d%d.example", i);
	parse(many, &rc);
	assert_int_equal(rc.nsearch, KD_RESOLV_MAXSEARCH);
	assert_string_equal(rc.search[KD_RESOLV_MAXSEARCH - 1], "d15.example");
}

static void test_options(void **state)
{
	kd_resolvconf_t rc;
	parse("options timeout:1 attempts:3 rotate ndots:2 edns0\n", &rc);
	assert_int_equal(rc.timeout, 1);
	assert_int_equal(rc.attempts, 3);
	assert_int_equal(rc.ndots, 2);
	assert_true(rc.rotate);
	/* Clamped as glibc clamps them. */
	parse("options timeout:99 attempts:9 ndots:40\n", &rc);
	assert_int_equal(rc.timeout, 30);
	assert_int_equal(rc.attempts, 5);
	assert_int_equal(rc.ndots, 15);
	parse("options timeout:0 attempts:0\n", &rc);
	assert_int_equal(rc.timeout, 1);
	assert_int_equal(rc.attempts, 1);
	/* Several options lines add up. */
	parse("options rotate\noptions attempts:4\n", &rc);
	assert_true(rc.rotate);
	assert_int_equal(rc.attempts, 4);
}

static void test_load_env(void **state)
{
	char path[] = "/tmp/kmsdns-resolvconf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "nameserver 192.0.2.9\nsearch file.example\noptions attempts:1\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	kd_resolvconf_t rc;
	assert_int_equal(setenv("LOCALDOMAIN", "env1.example env2.example", 1), 0);
	assert_int_equal(setenv("RES_OPTIONS", "attempts:5 rotate", 1), 0);
	assert_int_equal(kd_resolvconf_load(path, &rc), 0);
	assert_server(&rc, 0, "192.0.2.9@53");
	assert_int_equal(rc.nsearch, 2);
	assert_string_equal(rc.search[0], "env1.example");
	assert_int_equal(rc.attempts, 5);
	assert_true(rc.rotate);
	unsetenv("LOCALDOMAIN");
	unsetenv("RES_OPTIONS");
	unlink(path);
	/* A missing file: the defaults. */
	assert_int_equal(kd_resolvconf_load(path, &rc), -1);
	assert_server(&rc, 0, "127.0.0.1@53");
	assert_int_equal(rc.nsearch, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_defaults), cmocka_unit_test(test_nameservers),
	        cmocka_unit_test(test_search),   cmocka_unit_test(test_options),
	        cmocka_unit_test(test_load_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
