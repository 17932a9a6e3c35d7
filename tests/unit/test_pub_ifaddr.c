/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/ifaddr.c: the address filter by table, then the real thing inside network and UTS
 * namespaces this test creates (needs root, as tests/run-all runs; skipped otherwise): a veth
 * pair gets documentation-prefix, ULA, deprecated and temporary addresses, and each change is
 * seen by the watcher within 2 s (waited for with a deadline, not slept). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "dns/clock.h"
#include "publisher/ifaddr.h"

#define SEEN_WITHIN_MS 2000

static bool wanted(const char *text, unsigned scope, uint32_t flags, bool ula)
{
	uint8_t a[16];
	int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(family, text, a), 1);
	return pub_ifaddr_wanted(family, a, scope, flags, ula);
}

static void test_filter(void **state)
{
	const unsigned G = RT_SCOPE_UNIVERSE;
	assert_true(wanted("192.0.2.10", G, 0, false));
	assert_true(wanted("10.1.2.3", G, 0, false));
	assert_true(wanted("2001:db8::10", G, 0, false));
	assert_true(wanted("192.0.2.10", G, IFA_F_PERMANENT | IFA_F_SECONDARY, false));
	assert_false(wanted("127.0.0.1", G, 0, false));
	assert_false(wanted("127.0.0.1", RT_SCOPE_HOST, 0, false));
	assert_false(wanted("169.254.1.1", G, 0, false));
	assert_false(wanted("0.0.0.0", G, 0, false));
	assert_false(wanted("224.0.0.1", G, 0, false));
	assert_false(wanted("::1", G, 0, false));
	assert_false(wanted("::", G, 0, false));
	assert_false(wanted("fe80::1", G, 0, false));
	assert_false(wanted("fe80::1", RT_SCOPE_LINK, 0, false));
	assert_false(wanted("fec0::1", G, 0, false));
	assert_false(wanted("ff02::1", G, 0, false));
	assert_false(wanted("::ffff:192.0.2.1", G, 0, false));
	assert_false(wanted("fd00::1", G, 0, false));
	assert_true(wanted("fd00::1", G, 0, true));
	assert_true(wanted("fc00::1", G, 0, true));
	assert_false(wanted("2001:db8::10", G, IFA_F_DEPRECATED, false));
	assert_false(wanted("192.0.2.10", G, IFA_F_DEPRECATED, false));
	assert_false(wanted("2001:db8::10", G, IFA_F_TEMPORARY, false));
	assert_false(wanted("2001:db8::10", G, IFA_F_TENTATIVE, false));
	assert_false(wanted("2001:db8::10", G, IFA_F_DADFAILED, false));
	assert_true(wanted("2001:db8::10", G, IFA_F_NODAD | IFA_F_PERMANENT, false));
	assert_false(wanted("192.0.2.10", RT_SCOPE_SITE, 0, false));
}

static bool in_ns;

static int setup_ns(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWUTS) != 0) {
		fprintf(stderr, "note: cannot create network namespaces (%s): not root?\n",
		        strerror(errno));
		in_ns = false;
		return 0;
	}
	in_ns = true;
	return 0;
}

static void sh(const char *cmd)
{
	int rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The current list as text, "a b c". */
static void list_text(bool ula, char *buf, size_t len)
{
	kd_addr_t *v = NULL;
	size_t n = 0;
	kd_error_t err;
	if (pub_ifaddr_list(ula, &v, &n, &err) != 0)
		fail_msg("%s", err.msg);
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char ip[64];
		kd_addr_ip_str(&v[i], ip, sizeof(ip));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i > 0 ? " " : "", ip);
	}
	free(v);
}

/* Wait (deadline SEEN_WITHIN_MS) until the watcher reports a change after which the list reads
 * want. Every change must be reported within the bound. */
static void expect_change(pub_ifwatch_t *w, bool ula, const char *want)
{
	char got[1024] = "";
	uint64_t end = kd_now_ms() + SEEN_WITHIN_MS;
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= end)
			fail_msg("no change to \"%s\" seen within %d ms (list: \"%s\")", want,
			         SEEN_WITHIN_MS, got);
		struct pollfd p = {.fd = w->fd, .events = POLLIN};
		int rc = poll(&p, 1, (int)(end - now));
		if (rc <= 0)
			continue;
		int r = pub_ifwatch_read(w);
		assert_true(r >= 0);
		if (r == 0)
			continue;
		list_text(ula, got, sizeof(got));
		if (strcmp(got, want) == 0)
			return;
	}
}

static void test_namespace(void **state)
{
	if (!in_ns)
		skip();
	char got[1024];
	kd_error_t err;
	pub_ifwatch_t w;
	assert_int_equal(pub_ifwatch_open(&w, &err), 0);

	sh("ip link set lo up");
	expect_change(&w, true, ""); /* 127.0.0.1 and ::1 are not published */
	sh("ip link add v0 type veth peer name v1 && ip link set v1 up && "
	   "sysctl -qw net.ipv6.conf.v0.use_tempaddr=2 && ip link set v0 up");
	list_text(true, got, sizeof(got));
	assert_string_equal(got, ""); /* link-local only */

	sh("ip addr add 192.0.2.10/24 dev v0");
	expect_change(&w, false, "192.0.2.10");
	sh("ip -6 addr add 2001:db8::10/64 dev v0 nodad");
	expect_change(&w, false, "192.0.2.10 2001:db8::10");
	sh("ip -6 addr add fd00:1::1/64 dev v0 nodad");
	expect_change(&w, true, "192.0.2.10 2001:db8::10 fd00:1::1");
	list_text(false, got, sizeof(got));
	assert_string_equal(got, "192.0.2.10 2001:db8::10"); /* no ULA without include-ula */

	/* Deprecated (preferred lifetime 0): listed by the kernel, not by us. */
	sh("ip -6 addr add 2001:db8::20/64 dev v0 nodad preferred_lft 0");
	sh("ip addr add 198.51.100.20/24 dev v0 preferred_lft 0");
	sh("ip -6 addr show dev v0 | grep -q '2001:db8::20/64 .*deprecated'");
	sh("ip addr add 198.51.100.7/24 dev v0");
	expect_change(&w, false, "192.0.2.10 198.51.100.7 2001:db8::10");

	/* A temporary (privacy) address the kernel makes from a mngtmpaddr one. */
	sh("ip -6 addr add 2001:db8:1::1/64 dev v0 mngtmpaddr nodad");
	expect_change(&w, false, "192.0.2.10 198.51.100.7 2001:db8::10 2001:db8:1::1");
	uint64_t end = kd_now_ms() + SEEN_WITHIN_MS;
	while (system("ip -6 addr show dev v0 temporary | grep -q 2001:db8:1:") != 0) {
		assert_true(kd_now_ms() < end);
		poll(NULL, 0, 20);
	}
	list_text(false, got, sizeof(got));
	assert_string_equal(got, "192.0.2.10 198.51.100.7 2001:db8::10 2001:db8:1::1");

	sh("ip addr del 192.0.2.10/24 dev v0");
	expect_change(&w, false, "198.51.100.7 2001:db8::10 2001:db8:1::1");
	sh("ip -6 addr del 2001:db8::10/64 dev v0");
	expect_change(&w, false, "198.51.100.7 2001:db8:1::1");
	/* A link that goes down takes its addresses out. */
	sh("ip link set v0 down");
	expect_change(&w, false, "");
	pub_ifwatch_close(&w);
}

static void test_fqdn(void **state)
{
	if (!in_ns)
		skip();
	char name[256];
	kd_error_t err;
	assert_int_equal(sethostname("kms1.example.test", 17), 0);
	assert_int_equal(pub_ifaddr_fqdn(name, sizeof(name), &err), 0);
	assert_string_equal(name, "kms1.example.test");
	assert_int_equal(pub_ifaddr_fqdn(name, 5, &err), -1);
	/* No domain and none found for it (the namespace has no route to any DNS server). */
	assert_int_equal(sethostname("kmsdns-nodomain-test", 20), 0);
	if (pub_ifaddr_fqdn(name, sizeof(name), &err) == 0)
		assert_non_null(strchr(name, '.')); /* /etc/hosts knew it: fine, but dotted */
	else
		assert_non_null(strstr(err.msg, "host name kmsdns-nodomain-test has no domain"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_filter),
	        cmocka_unit_test(test_namespace),
	        cmocka_unit_test(test_fqdn),
	};
	return cmocka_run_group_tests(tests, setup_ns, NULL);
}
