/* SPDX-License-Identifier: GPL-3.0-or-later */
/* publisher/sdnotify.c: a socket of the test's own stands in for systemd as NOTIFY_SOCKET and
 * receives what the publisher says, through libsystemd (when built with it) and through the
 * fallback of our own. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "publisher/sdnotify.h"

typedef struct {
	char dir[64];
	char path[128];
	int fd;
} listener_t;

static void listen_at(listener_t *l, bool abstract)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(l->dir, sizeof(l->dir), "/tmp/test-sdnotify.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	if (abstract)
		snprintf(l->path, sizeof(l->path), "@kmsdns-test-%ld", (long)getpid());
	else
		snprintf(l->path, sizeof(l->path), "%s/notify", l->dir);
	size_t len = strlen(l->path);
	memcpy(sa.sun_path, l->path, len);
	if (abstract)
		sa.sun_path[0] = '\0';
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa,
	                      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)),
	                 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", l->path, 1), 0);
}

static void listen_close(listener_t *l)
{
	close(l->fd);
	if (l->path[0] == '/')
		unlink(l->path);
	rmdir(l->dir);
	unsetenv("NOTIFY_SOCKET");
}

/* The next datagram (waited for with a deadline: it was sent before we ask). */
static void expect_msg(listener_t *l, const char *want)
{
	struct pollfd p = {.fd = l->fd, .events = POLLIN};
	assert_int_equal(poll(&p, 1, 5000), 1);
	char buf[1024];
	ssize_t n = recv(l->fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	if (strncmp(want, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0) {
		assert_memory_equal(buf, want, 27);
		char *end;
		assert_true(strtoull(buf + 27, &end, 10) > 0 && *end == '\0');
		return;
	}
	assert_string_equal(buf, want);
}

static void expect_none(listener_t *l)
{
	char buf[64];
	assert_int_equal(recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void test_messages(void **state)
{
	listener_t l;
	listen_at(&l, false);
	assert_int_equal(pub_sd_ready("published 3 zones"), 1);
	expect_msg(&l, "READY=1\nSTATUS=published 3 zones");
	assert_int_equal(pub_sd_reloading(), 1);
	expect_msg(&l, "RELOADING=1\nMONOTONIC_USEC=");
	assert_int_equal(pub_sd_ready(NULL), 1);
	expect_msg(&l, "READY=1");
	assert_int_equal(pub_sd_status("%d hosts up,\n%d down", 2, 1), 1);
	expect_msg(&l, "STATUS=2 hosts up, 1 down");
	assert_int_equal(pub_sd_stopping(), 1);
	expect_msg(&l, "STOPPING=1");
	expect_none(&l);
	listen_close(&l);
}

static void test_raw_path_and_abstract(void **state)
{
	for (int abstract = 0; abstract < 2; abstract++) {
		listener_t l;
		listen_at(&l, abstract);
		assert_int_equal(pub_sd_notify_raw("READY=1\nSTATUS=raw"), 1);
		expect_msg(&l, "READY=1\nSTATUS=raw");
		assert_int_equal(pub_sd_notify("STATUS=configured way"), 1);
		expect_msg(&l, "STATUS=configured way");
		listen_close(&l);
	}
}

static void test_no_manager(void **state)
{
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(pub_sd_notify_raw("READY=1"), 0);
	assert_int_equal(pub_sd_notify("READY=1"), 0);
	assert_int_equal(pub_sd_ready("x"), 0);
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	assert_int_equal(pub_sd_notify_raw("READY=1"), -1);
	unsetenv("NOTIFY_SOCKET");
}

static void test_watchdog(void **state)
{
	listener_t l;
	listen_at(&l, false);
	char pid[32];
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	pub_sd_watchdog_t w;
	pub_sd_watchdog_init(&w, 1000);
	assert_int_equal(w.interval_ms, 1500); /* half of WatchdogSec */
	assert_int_equal(pub_sd_watchdog_due(&w), 1000);
	assert_true(pub_sd_watchdog_tick(&w, 1000));
	expect_msg(&l, "WATCHDOG=1");
	assert_int_equal(pub_sd_watchdog_due(&w), 2500);
	assert_false(pub_sd_watchdog_tick(&w, 2499));
	expect_none(&l);
	assert_true(pub_sd_watchdog_tick(&w, 2500));
	expect_msg(&l, "WATCHDOG=1");

	/* Meant for another process: off. */
	setenv("WATCHDOG_PID", "1", 1);
	pub_sd_watchdog_init(&w, 0);
	assert_true(pub_sd_watchdog_due(&w) == UINT64_MAX);
	assert_false(pub_sd_watchdog_tick(&w, 100000));
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	pub_sd_watchdog_init(&w, 0);
	assert_true(pub_sd_watchdog_due(&w) == UINT64_MAX);
	expect_none(&l);
	listen_close(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_messages),
	        cmocka_unit_test(test_raw_path_and_abstract),
	        cmocka_unit_test(test_no_manager),
	        cmocka_unit_test(test_watchdog),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
