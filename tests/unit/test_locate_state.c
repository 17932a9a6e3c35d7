/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The locate state file: format round trip, expiry, damaged files, sticky and dead logic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "resolver-plugin/ctx.h"
#include "resolver-plugin/delay.h"
#include "resolver-plugin/list.h"
#include "resolver-plugin/order.h"
#include "resolver-plugin/state.h"

static kmsl_cand_t cand(const char *target, uint16_t port, const char *ip)
{
	kmsl_cand_t c;
	memset(&c, 0, sizeof(c));
	strcpy(c.target, target);
	strcpy(c.suffix, "example.test");
	c.port = port;
	c.ttl = 600;
	if (ip != NULL) {
		assert_int_equal(kd_addr_parse_ip(ip, &c.addrs[0]), 0);
		kd_addr_set_port(&c.addrs[0], port);
		c.naddrs = 1;
	}
	return c;
}

static char *format(const kmsl_statefile_t *st)
{
	char *text = NULL;
	assert_int_equal(kmsl_state_format(st, &text), 0);
	return text;
}

static void test_round_trip(void **state)
{
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	kmsl_cand_t hosts[2] = {cand("a.example.test", 1688, NULL),
	                        cand("b.example.test", 1700, NULL)};
	hosts[0].state = KMSL_STATE_ALIVE;
	hosts[1].state = KMSL_STATE_DEAD;
	kmsl_cand_t srv[2] = {cand("a.example.test", 1688, "127.0.0.2"),
	                      cand("b.example.test", 1700, "::1")};
	srv[0].priority = 5;
	srv[0].weight = 7;
	assert_int_equal(kd_addr_parse_ip("127.0.0.3", &srv[0].addrs[1]), 0);
	srv[0].naddrs = 2;
	srv[0].addr_ttl = 60;
	srv[1].addr_ttl = 6000; /* longer than the SRV's: still cut to max-cache-ttl */
	kmsl_state_change_t chg = {.hosts = hosts,
	                           .nhosts = 2,
	                           .dead_until = 2000,
	                           .dead_max = 5000,
	                           .max_cache_ttl = 3600,
	                           .caching = true,
	                           .srv = srv,
	                           .nsrv = 2};
	assert_int_equal(kmsl_state_apply(&st, &chg, 1000), 0);

	char *text = format(&st);
	assert_non_null(strstr(text, "kmsdns-locate-state 3\n"));
	assert_non_null(strstr(text, "sticky example.test a.example.test 1688\n"));
	assert_non_null(strstr(text, "dead b.example.test 1700 2000\n"));
	assert_non_null(strstr(text, "srv example.test 1600 5 7 1688 a.example.test 1060 127.0.0.2 "
	                             "127.0.0.3\n"));
	assert_non_null(strstr(text, "srv example.test 1600 0 0 1700 b.example.test 4600 ::1\n"));

	kmsl_statefile_t back;
	char warn[256] = "";
	assert_int_equal(kmsl_state_parse(text, strlen(text), &back, warn, sizeof(warn)), 0);
	char *again = format(&back);
	assert_string_equal(text, again);
	assert_int_equal(back.nsticky, 1);
	assert_int_equal(back.nsrv, 2);
	assert_int_equal(kd_addr_port(&back.srv[0].cand.addrs[1]), 1688);

	kmsl_cand_t out[4];
	assert_int_equal(kmsl_state_cached(&back, "Example.Test.", 1599, 3600, out, 4), 2);
	assert_int_equal(kmsl_state_cached(&back, "example.test", 1600, 3600, out, 4), 0);
	assert_int_equal(kmsl_state_cached(&back, "other.test", 1000, 3600, out, 4), 0);
	/* The addresses have their own TTL: past it the record stays, without addresses. */
	assert_int_equal(kmsl_state_cached(&back, "example.test", 1059, 3600, out, 4), 2);
	assert_int_equal(out[0].naddrs, 2);
	assert_int_equal(out[0].addr_ttl, 1);
	assert_true(out[0].cached);
	assert_int_equal(out[0].ttl, 541);
	assert_int_equal(kmsl_state_cached(&back, "example.test", 1060, 3600, out, 4), 2);
	assert_int_equal(out[0].naddrs, 0);
	assert_int_equal(out[0].families, 0);
	assert_int_equal(out[1].naddrs, 1);
	free(text);
	free(again);
	kmsl_state_deinit(&st);
	kmsl_state_deinit(&back);
}

static void test_expiry(void **state)
{
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	kmsl_cand_t h = cand("a.test", 1688, NULL);
	h.state = KMSL_STATE_DEAD;
	kmsl_cand_t srv = cand("a.test", 1688, "127.0.0.1");
	srv.ttl = 30;
	kmsl_state_change_t chg = {.hosts = &h,
	                           .nhosts = 1,
	                           .dead_until = 100,
	                           .dead_max = 300,
	                           .caching = true,
	                           .srv = &srv,
	                           .nsrv = 1};
	assert_int_equal(kmsl_state_apply(&st, &chg, 50), 0);
	assert_int_equal(st.ndead, 1);
	assert_int_equal(st.nsrv, 1);
	kmsl_state_change_t none = {.caching = true, .dead_max = 300};
	assert_int_equal(kmsl_state_apply(&st, &none, 80), 0); /* srv expired at 80 */
	assert_int_equal(st.ndead, 1);
	assert_int_equal(st.nsrv, 0);
	assert_int_equal(kmsl_state_apply(&st, &none, 100), 0); /* dead-retry passed */
	assert_int_equal(st.ndead, 0);

	/* A suffix answered without records drops its cache. */
	srv.ttl = 1000;
	assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	assert_int_equal(st.nsrv, 1);
	const char *fresh[] = {"example.test"};
	kmsl_state_change_t gone = {.caching = true, .dead_max = 300, .fresh = fresh, .nfresh = 1};
	assert_int_equal(kmsl_state_apply(&st, &gone, 101), 0);
	assert_int_equal(st.nsrv, 0);
	kmsl_state_deinit(&st);
}

static void parse_fails(const char *text, size_t len, const char *why)
{
	kmsl_statefile_t st;
	char warn[256] = "";
	if (kmsl_state_parse(text, len, &st, warn, sizeof(warn)) >= 0)
		fail_msg("parsed: %s", text);
	if (strstr(warn, why) == NULL)
		fail_msg("warning '%s' lacks '%s'", warn, why);
	assert_null(st.dead);
	assert_int_equal(st.ndead, 0);
}

#define PF(text, why) parse_fails(text, sizeof(text) - 1, why)

/* A bad line costs that line only: the others are kept, the warning names the first. */
static void parse_skips(const char *text, size_t len, const char *why, size_t ndead)
{
	kmsl_statefile_t st;
	char warn[256] = "";
	if (kmsl_state_parse(text, len, &st, warn, sizeof(warn)) != 1)
		fail_msg("not skipped: %s", text);
	if (strstr(warn, why) == NULL)
		fail_msg("warning '%s' lacks '%s'", warn, why);
	assert_int_equal(st.ndead, ndead);
	kmsl_state_deinit(&st);
}

#define PS(text, why) parse_skips(text, sizeof(text) - 1, why, 2)

#define MAGIC "kmsdns-locate-state 3\n"
#define D1    "dead a.test 1688 100\n"
#define D2    "dead b.test 1688 100\n"

static void test_damaged(void **state)
{
	PF("", "empty");
	PF("kmsdns-locate-state 4\nend\n", "version");
	PF("\x7f"
	   "ELF\0\0\0\n\n",
	   "");
	PS(MAGIC D1 D2 "sticky s.test a.test 1688\n", "no end");
	PS(MAGIC D1 D2 "sticky s.test a.test 1688", "no final newline");
	PS(MAGIC D1 D2 "end\nsticky s.test a.test 1688\n", "after end");
	PS(MAGIC D1 "frobnicate\n" D2 "end\n", "line 3: unknown line");
	PS(MAGIC D1 "sticky s.test a.test 0\n" D2 "end\n", "bad value");
	PS(MAGIC D1 "sticky s.test a.test 70000\n" D2 "end\n", "bad value");
	PS(MAGIC D1 "dead a.test 1688 -5\n" D2 "end\n", "bad value");
	PS(MAGIC D1 "dead a.test 1688 99999999999999999999\n" D2 "end\n", "bad value");
	PS(MAGIC D1 "srv s.test 10 0 0 1688 a.test 10 1.2.3.999\n" D2 "end\n", "bad value");
	PS(MAGIC D1 "srv s.test 10 0 0 1688 a.test 10 1.1.1.1 1.1.1.1 1.1.1.1 1.1.1.1 "
	            "1.1.1.1 1.1.1.1 1.1.1.1 1.1.1.1 1.1.1.1\n" D2 "end\n",
	   "line 3");
	parse_skips(MAGIC D1 "bad\0line\n" D2 "end\n",
	            sizeof(MAGIC D1 "bad\0line\n" D2 "end\n") - 1, "binary", 2);

	/* Version 1 (before addresses had their own TTL): read as empty, without a warning. */
	kmsl_statefile_t st;
	char warn[256] = "";
	const char v1[] = "kmsdns-locate-state 1\nsticky a.test 1688\nend\n";
	assert_int_equal(kmsl_state_parse(v1, sizeof(v1) - 1, &st, warn, sizeof(warn)), 0);
	assert_int_equal(st.nsticky, 0);
	assert_string_equal(warn, "");
	kmsl_state_deinit(&st);

	/* Bounded: too many dead entries (the rest kept), an overlong line, a huge buffer. */
	size_t cap = 64 * (KMSL_STATE_MAX_DEAD + 2);
	char *big = malloc(cap);
	assert_non_null(big);
	size_t len = (size_t)sprintf(big, "%s\n", KMSL_STATE_MAGIC);
	for (int i = 0; i <= KMSL_STATE_MAX_DEAD; i++)
		len += (size_t)sprintf(big + len, "dead h%d.test 1688 100\n", i);
	len += (size_t)sprintf(big + len, "end\n");
	parse_skips(big, len, "too many", KMSL_STATE_MAX_DEAD);
	free(big);
	char line[5000];
	memset(line, 'a', sizeof(line));
	memcpy(line, MAGIC, sizeof(MAGIC) - 1);
	line[sizeof(line) - 1] = '\n';
	parse_skips(line, sizeof(line), "too long", 0);
	parse_fails("x", KMSL_STATE_MAX_BYTES + 1, "too large"); /* size checked first */
}

/* The writer's largest line (KMSL_MAX_ADDRS long scoped IPv6 addresses) reads back whole. */
static void test_round_trip_max(void **state)
{
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	kmsl_cand_t c =
	        cand("a-rather-long-host-name.kms.some-department.example.test", 1688, NULL);
	strcpy(c.suffix, "some-department.example.test");
	kd_addr_t a[KMSL_MAX_ADDRS];
	for (size_t i = 0; i < KMSL_MAX_ADDRS; i++) {
		char ip[64];
		if (i % 2 == 0)
			snprintf(ip, sizeof(ip), "fe80::ffff:ffff:ffff:ff%02zx%%1", i);
		else
			snprintf(ip, sizeof(ip), "255.255.255.%zu", 240 + i);
		assert_int_equal(kd_addr_parse_ip(ip, &a[i]), 0);
		kd_addr_set_port(&a[i], 1688);
	}
	kmsl_cand_add_addrs(&c, a, KMSL_MAX_ADDRS, 300);
	assert_int_equal(c.naddrs, KMSL_MAX_ADDRS);
	kmsl_state_change_t chg = {.caching = true, .dead_max = 300, .srv = &c, .nsrv = 1};
	assert_int_equal(kmsl_state_apply(&st, &chg, 1000), 0);
	char *text = format(&st);
	kmsl_statefile_t back;
	char warn[256] = "";
	assert_int_equal(kmsl_state_parse(text, strlen(text), &back, warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	assert_int_equal(back.nsrv, 1);
	assert_int_equal(back.srv[0].cand.naddrs, KMSL_MAX_ADDRS);
	for (size_t i = 0; i < KMSL_MAX_ADDRS; i++)
		assert_true(kd_addr_equal(&back.srv[0].cand.addrs[i], &c.addrs[i]));
	char *again = format(&back);
	assert_string_equal(text, again);
	free(text);
	free(again);
	kmsl_state_deinit(&st);
	kmsl_state_deinit(&back);
}

/* Times from a clock that has since gone back are bounded: a dead mark beyond now +
 * dead-retry and a cache entry beyond now + max-cache-ttl count as now. */
static void test_clock_jump(void **state)
{
	const char text[] = MAGIC "dead far.test 1688 90000\n"
	                          "dead near.test 1688 1200\n"
	                          "srv s.test 90000 0 0 1688 far.test 90000 127.0.0.1\n"
	                          "srv t.test 1500 0 0 1688 near.test 1500 127.0.0.2\n"
	                          "end\n";
	kmsl_statefile_t st;
	char warn[256] = "";
	assert_int_equal(kmsl_state_parse(text, sizeof(text) - 1, &st, warn, sizeof(warn)), 0);
	kmsl_cand_t c[2] = {cand("far.test", 1688, "127.0.0.1"),
	                    cand("near.test", 1688, "127.0.0.2")};
	kmsl_state_mark(&st, c, 2, 1000, 300, true);
	assert_int_equal(c[0].state, KMSL_STATE_UNKNOWN); /* 89000 s ahead: the clock jumped */
	assert_int_equal(c[1].state, KMSL_STATE_DEAD);
	kmsl_cand_t out[2];
	assert_int_equal(kmsl_state_cached(&st, "s.test", 1000, 3600, out, 2), 0);
	assert_int_equal(kmsl_state_cached(&st, "t.test", 1000, 3600, out, 2), 1);
	assert_int_equal(kmsl_state_cached(&st, "t.test", 1000, 60, out, 2), 0);
	/* An update drops them too, and writes no expiry beyond max-cache-ttl. */
	kmsl_cand_t srv = cand("x.test", 1688, "127.0.0.3");
	srv.ttl = 86400;
	srv.addr_ttl = 86400;
	kmsl_state_change_t chg = {
	        .caching = true, .dead_max = 300, .max_cache_ttl = 3600, .srv = &srv, .nsrv = 1};
	assert_int_equal(kmsl_state_apply(&st, &chg, 1000), 0);
	assert_int_equal(st.ndead, 1);
	assert_string_equal(st.dead[0].target, "near.test");
	assert_int_equal(st.nsrv, 2);
	assert_int_equal(st.srv[1].expires, 4600);
	assert_int_equal(st.srv[1].addr_expires, 4600);

	/* A writer whose "now" is a few seconds older (it waited for the lock) keeps the dead
	 * mark another one just wrote. */
	kmsl_cand_t h = cand("late.test", 1688, NULL);
	h.state = KMSL_STATE_DEAD;
	kmsl_state_change_t dead = {
	        .hosts = &h, .nhosts = 1, .dead_until = 1300, .dead_max = 300, .caching = true};
	assert_int_equal(kmsl_state_apply(&st, &dead, 1000), 0);
	kmsl_state_change_t none = {.caching = true, .dead_max = 300};
	assert_int_equal(kmsl_state_apply(&st, &none, 995), 0);
	assert_int_equal(st.ndead, 2);
	kmsl_state_deinit(&st);
}

static char tmpdir[64];

static int setup_dir(void **state)
{
	strcpy(tmpdir, "/tmp/test_locate_state.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_dir(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_file_load_update(void **state)
{
	char path[256], warn[512];
	snprintf(path, sizeof(path), "%s/sub/dir/locate.state", tmpdir);
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0); /* missing = empty */
	assert_int_equal(st.ndead, 0);

	kmsl_cand_t h = cand("a.test", 1688, NULL);
	h.state = KMSL_STATE_DEAD;
	kmsl_state_change_t chg = {
	        .hosts = &h, .nhosts = 1, .dead_until = 500, .dead_max = 1000, .caching = true};
	warn[0] = '\0';
	assert_int_equal(kmsl_state_update(path, &chg, 100, warn, sizeof(warn)), 0);
	h = cand("b.test", 1688, NULL);
	h.state = KMSL_STATE_ALIVE;
	assert_int_equal(kmsl_state_update(path, &chg, 100, warn, sizeof(warn)), 0);

	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0);
	assert_int_equal(st.ndead, 1); /* merged with what the first update wrote */
	assert_string_equal(st.dead[0].target, "a.test");
	assert_int_equal(st.nsticky, 1);
	assert_string_equal(st.sticky[0].target, "b.test");
	kmsl_state_deinit(&st);

	char lock[300];
	snprintf(lock, sizeof(lock), "%s.lock", path);
	assert_int_equal(access(lock, F_OK), 0);

	/* Corrupt: ignored with a warning naming the file, then replaced on the next update. */
	write_file(path, "kmsdns-locate-state 7\ngarbage here\n");
	kmsl_state_init(&st);
	warn[0] = '\0';
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, path));
	assert_non_null(strstr(warn, "corrupt"));
	assert_int_equal(st.ndead, 0);
	assert_int_equal(kmsl_state_update(path, &chg, 100, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "rewritten"));
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0);
	assert_int_equal(st.nsticky, 1);
	kmsl_state_deinit(&st);

	/* Unreadable (a directory): warning, no crash; an update cannot write there either. */
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/isadir", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	kmsl_state_init(&st);
	assert_int_equal(kmsl_state_load(dir, &st, warn, sizeof(warn)), 1);
	assert_int_equal(kmsl_state_update(dir, &chg, 100, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "failed to write"));
	kmsl_state_deinit(&st);

	/* A file another user could have written is not believed (as root: chown). */
	kmsl_state_init(&st);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "writable by others"));
	assert_int_equal(st.nsticky, 0);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0);
	assert_int_equal(st.nsticky, 1);
	kmsl_state_deinit(&st);
	char sub[256];
	snprintf(sub, sizeof(sub), "%s/sub/dir", tmpdir);
	assert_int_equal(chmod(sub, 0777), 0);
	kmsl_state_init(&st);
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "directory"));
	assert_int_equal(kmsl_state_update(path, &chg, 100, warn, sizeof(warn)), 1);
	assert_non_null(strstr(warn, "failed to write"));
	assert_int_equal(chmod(sub, 01777), 0); /* sticky, like /tmp: others cannot replace it */
	assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 0);
	kmsl_state_deinit(&st);
	assert_int_equal(chmod(sub, 0755), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		kmsl_state_init(&st);
		assert_int_equal(kmsl_state_load(path, &st, warn, sizeof(warn)), 1);
		assert_non_null(strstr(warn, "owned by uid 65534"));
		assert_int_equal(st.nsticky, 0);
		kmsl_state_deinit(&st);
	}
}

/* attempt-delay auto: 2 x the host's smoothed RTT, else 2 x this call's DNS RTT, else the cap;
 * 10 to 250 ms, rounded up to whole milliseconds. */
static void test_auto_delay(void **state)
{
	assert_int_equal(kmsl_auto_delay_ms(0, 0), 250);          /* nothing known */
	assert_int_equal(kmsl_auto_delay_ms(0, 30000), 60);       /* DNS RTT 30 ms */
	assert_int_equal(kmsl_auto_delay_ms(40000, 30000), 80);   /* history wins over DNS */
	assert_int_equal(kmsl_auto_delay_ms(60, 30000), 10);      /* loopback: the floor */
	assert_int_equal(kmsl_auto_delay_ms(0, 100), 10);         /* the floor */
	assert_int_equal(kmsl_auto_delay_ms(0, 5001), 11);        /* rounded up */
	assert_int_equal(kmsl_auto_delay_ms(200000, 0), 250);     /* the cap */
	assert_int_equal(kmsl_auto_delay_ms(UINT32_MAX, 0), 250); /* no overflow */
	assert_int_equal(kmsl_auto_delay_ms(0, UINT64_MAX), 250);

	/* RFC 6298 smoothing: the first sample as is, then 7/8 old + 1/8 new. */
	assert_int_equal(kmsl_srtt_update(0, 8000), 8000);
	assert_int_equal(kmsl_srtt_update(8000, 16000), 9000);
	assert_int_equal(kmsl_srtt_update(0, 0), 1); /* never 0 (= no history) */
	assert_int_equal(kmsl_srtt_update(1, 0), 1);
	assert_int_equal(kmsl_srtt_update(0, (uint64_t)UINT32_MAX + 5), UINT32_MAX);
}

/* The smoothed RTT lives in the state file next to the sticky host: an ALIVE outcome with an
 * RTT sample updates it, a later call's candidates get it back, a version 2 file is read. */
static void test_rtt_history(void **state)
{
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	kmsl_cand_t up = cand("a.test", 1688, NULL);
	up.state = KMSL_STATE_ALIVE;
	up.rtt_us = 8000;
	kmsl_cand_t down = cand("b.test", 1688, NULL);
	down.state = KMSL_STATE_DEAD;
	down.rtt_us = 123; /* a dead host's sample is not history */
	kmsl_cand_t both[2] = {up, down};
	kmsl_state_change_t chg = {.hosts = both, .nhosts = 2, .dead_until = 500, .dead_max = 1000};
	assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	up.rtt_us = 16000;
	chg.hosts = &up;
	chg.nhosts = 1;
	assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	up.rtt_us = 0; /* alive without a sample (kmsl_report): unchanged */
	assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	assert_int_equal(st.nrtt, 1);

	char *text = format(&st);
	assert_non_null(strstr(text, "rtt a.test 1688 9000\n"));
	kmsl_statefile_t back;
	char warn[256] = "";
	assert_int_equal(kmsl_state_parse(text, strlen(text), &back, warn, sizeof(warn)), 0);
	kmsl_cand_t c[2] = {cand("b.test", 1688, "127.0.0.2"), cand("A.Test", 1688, "127.0.0.1")};
	kmsl_state_mark(&back, c, 2, 200, 1000, false);
	assert_int_equal(c[0].srtt_us, 0);
	assert_int_equal(c[1].srtt_us, 9000);
	assert_int_equal(kmsl_auto_delay_ms(c[1].srtt_us, 50000), 18);
	kmsl_state_deinit(&back);

	/* Version 2 (before RTT history) is read as it is. */
	const char v2[] = "kmsdns-locate-state 2\ndead a.test 1688 900\nend\n";
	assert_int_equal(kmsl_state_parse(v2, sizeof(v2) - 1, &back, warn, sizeof(warn)), 0);
	assert_int_equal(back.ndead, 1);
	kmsl_state_deinit(&back);
	/* Bad values cost the line. */
	const char bad[] = MAGIC "rtt a.test 1688 0\nrtt a.test 0 5\nend\n";
	assert_int_equal(kmsl_state_parse(bad, sizeof(bad) - 1, &back, warn, sizeof(warn)), 1);
	assert_int_equal(back.nrtt, 0);
	assert_non_null(strstr(warn, "2 lines skipped"));
	kmsl_state_deinit(&back);

	/* A full table forgets the entry updated longest ago. */
	for (int i = 0; i < KMSL_STATE_MAX_RTT; i++) {
		char name[32];
		snprintf(name, sizeof(name), "h%d.test", i);
		kmsl_cand_t h = cand(name, 1688, NULL);
		h.state = KMSL_STATE_ALIVE;
		h.rtt_us = 1000;
		chg.hosts = &h;
		assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	}
	assert_int_equal(st.nrtt, KMSL_STATE_MAX_RTT);
	assert_string_equal(st.rtt[0].target, "h0.test");
	free(text);
	kmsl_state_deinit(&st);
}

/* The port filter (the NSS module's port guard): candidates on other ports are dropped from
 * what kmsl_candidates returns, while the shared cache keeps them. */
static void test_port_filter(void **state)
{
	char dir[] = "/tmp/kmsdns-portfilter.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128], text[1024];
	snprintf(path, sizeof(path), "%s/state", dir);
	long long exp = (long long)time(NULL) + 1800;
	snprintf(text, sizeof(text),
	         "kmsdns-locate-state 3\n"
	         "srv example.test %lld 0 0 1688 a.example.test %lld 127.0.0.2\n"
	         "srv example.test %lld 0 0 1700 b.example.test %lld 127.0.0.3\n"
	         "srv example.test %lld 5 0 1688 c.example.test %lld 127.0.0.4\n"
	         "end\n",
	         exp, exp, exp, exp, exp, exp);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);

	kmsl_ctx_t *ctx;
	assert_int_equal(kmsl_ctx_new(&ctx), KMSL_OK);
	assert_int_equal(kmsl_add_domain(ctx, "example.test", "127.0.0.1@9"), KMSL_OK);
	assert_int_equal(kmsl_set_state_path(ctx, path), KMSL_OK);
	kmsl_list_t *list;
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_count(list), 3);
	kmsl_list_free(list);
	ctx->opts.port_filter = 1688;
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_count(list), 2);
	for (size_t i = 0; i < kmsl_list_count(list); i++)
		assert_int_equal(kmsl_list_port(list, i), 1688);
	kmsl_list_free(list);
	ctx->opts.port_filter = 1700;
	assert_int_equal(kmsl_candidates(ctx, &list), KMSL_OK);
	assert_int_equal(kmsl_list_count(list), 1);
	assert_string_equal(kmsl_list_target(list, 0), "b.example.test");
	kmsl_list_free(list);
	kmsl_ctx_free(ctx);
	unlink(path);
	snprintf(path, sizeof(path), "%s/state.lock", dir);
	unlink(path);
	rmdir(dir);
}

static void test_sticky_and_dead(void **state)
{
	kmsl_statefile_t st;
	kmsl_state_init(&st);
	kmsl_cand_t up = cand("b.test", 1688, NULL);
	up.state = KMSL_STATE_ALIVE;
	kmsl_state_change_t chg = {
	        .hosts = &up, .nhosts = 1, .dead_until = 500, .dead_max = 1000, .caching = true};
	assert_int_equal(kmsl_state_apply(&st, &chg, 100), 0);
	assert_int_equal(st.nsticky, 1);

	/* Whatever order the SRV draw gives after a TTL expiry, the sticky host comes first. */
	kmsl_rng_t rng;
	kmsl_rng_seed(&rng, 5);
	for (int i = 0; i < 200; i++) {
		kmsl_cand_t c[3] = {cand("a.test", 1688, "127.0.0.1"),
		                    cand("b.test", 1688, "127.0.0.2"),
		                    cand("c.test", 1688, "127.0.0.3")};
		c[1].priority = 10; /* even from a later priority group */
		assert_int_equal(kmsl_cand_order(c, 3, &rng), 0);
		kmsl_state_mark(&st, c, 3, 200, 1000, true);
		assert_string_equal(c[0].target, "b.test");
		assert_int_equal(c[0].state, KMSL_STATE_STICKY);
		assert_int_equal(c[1].state, KMSL_STATE_UNKNOWN);
	}
	/* Host caching off: no sticky host first. */
	kmsl_cand_t c[2] = {cand("a.test", 1688, "127.0.0.1"), cand("b.test", 1688, "127.0.0.2")};
	kmsl_state_mark(&st, c, 2, 200, 1000, false);
	assert_string_equal(c[0].target, "a.test");
	assert_int_equal(c[1].state, KMSL_STATE_UNKNOWN);
	/* Same name, other port: not the sticky host. The same host found through another
	 * suffix: not that suffix's sticky host. */
	kmsl_cand_t p = cand("b.test", 1700, "127.0.0.2");
	kmsl_state_mark(&st, &p, 1, 200, 1000, true);
	assert_int_equal(p.state, KMSL_STATE_UNKNOWN);
	kmsl_cand_t o = cand("b.test", 1688, "127.0.0.2");
	strcpy(o.suffix, "other.test");
	kmsl_state_mark(&st, &o, 1, 200, 1000, true);
	assert_int_equal(o.state, KMSL_STATE_UNKNOWN);

	/* One sticky host per suffix: runs for two domains do not overwrite each other's. */
	kmsl_cand_t up2 = cand("z.other.test", 1688, NULL);
	strcpy(up2.suffix, "other.test");
	up2.state = KMSL_STATE_ALIVE;
	chg.hosts = &up2;
	assert_int_equal(kmsl_state_apply(&st, &chg, 150), 0);
	assert_int_equal(st.nsticky, 2);
	kmsl_cand_t both[2] = {cand("a.test", 1688, "127.0.0.1"),
	                       cand("b.test", 1688, "127.0.0.2")};
	kmsl_state_mark(&st, both, 2, 200, 1000, true);
	assert_string_equal(both[0].target, "b.test");
	assert_int_equal(both[0].state, KMSL_STATE_STICKY);

	/* The sticky host fails: marked dead, no longer sticky; the next alive one replaces it. */
	kmsl_cand_t down = cand("B.TEST", 1688, NULL);
	down.state = KMSL_STATE_DEAD;
	chg.hosts = &down;
	assert_int_equal(kmsl_state_apply(&st, &chg, 200), 0);
	assert_int_equal(st.nsticky, 1);
	assert_string_equal(st.sticky[0].suffix, "other.test");
	kmsl_cand_t d[2] = {cand("a.test", 1688, "127.0.0.1"), cand("b.test", 1688, "127.0.0.2")};
	kmsl_state_mark(&st, d, 2, 300, 1000, true);
	assert_int_equal(d[0].state, KMSL_STATE_UNKNOWN);
	assert_int_equal(d[1].state, KMSL_STATE_DEAD);
	bool use[2];
	assert_int_equal(kmsl_state_select(d, 2, use), 1);
	assert_true(use[0]);
	assert_false(use[1]);
	/* After dead-retry it is a candidate again. */
	kmsl_cand_t e[1] = {cand("b.test", 1688, "127.0.0.2")};
	kmsl_state_mark(&st, e, 1, 500, 1000, true);
	assert_int_equal(e[0].state, KMSL_STATE_UNKNOWN);

	up = cand("a.test", 1688, NULL);
	up.state = KMSL_STATE_ALIVE;
	chg.hosts = &up;
	assert_int_equal(kmsl_state_apply(&st, &chg, 300), 0);
	assert_int_equal(st.nsticky, 2);
	/* An alive report clears a dead mark. */
	up = cand("b.test", 1688, NULL);
	up.state = KMSL_STATE_ALIVE;
	assert_int_equal(kmsl_state_apply(&st, &chg, 300), 0);
	assert_int_equal(st.ndead, 0);
	/* Caching off forgets the sticky host of that suffix only. */
	chg.caching = false;
	assert_int_equal(kmsl_state_apply(&st, &chg, 300), 0);
	assert_int_equal(st.nsticky, 1);
	assert_string_equal(st.sticky[0].suffix, "other.test");
	kmsl_state_deinit(&st);
}

static void test_all_dead_all_tried(void **state)
{
	kmsl_cand_t c[3] = {cand("a.test", 1688, "127.0.0.1"), cand("b.test", 1688, "127.0.0.2"),
	                    cand("c.test", 1688, NULL)};
	c[0].state = KMSL_STATE_DEAD;
	c[1].state = KMSL_STATE_DEAD;
	bool use[3];
	assert_int_equal(kmsl_state_select(c, 3, use), 2);
	assert_true(use[0] && use[1]);
	assert_false(use[2]); /* no addresses: nothing to try */
	c[1].state = KMSL_STATE_STICKY;
	assert_int_equal(kmsl_state_select(c, 3, use), 1);
	assert_true(use[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_expiry),
	        cmocka_unit_test(test_damaged),
	        cmocka_unit_test(test_round_trip_max),
	        cmocka_unit_test(test_clock_jump),
	        cmocka_unit_test_setup_teardown(test_file_load_update, setup_dir, teardown_dir),
	        cmocka_unit_test(test_auto_delay),
	        cmocka_unit_test(test_rtt_history),
	        cmocka_unit_test(test_port_filter),
	        cmocka_unit_test(test_sticky_and_dead),
	        cmocka_unit_test(test_all_dead_all_tried),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
