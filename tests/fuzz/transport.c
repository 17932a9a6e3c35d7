/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TCP reply framing of dns/transport (kd_conn_pipeline): length-prefixed frames split
 * across reads, matched by ID to pipelined requests, a partial frame kept for the next call on
 * the same connection. The connection is one end of a socketpair that the wrapped connect()
 * hands over (fuzz.inc), so nothing reaches the network. Input: the bytes the server sends
 * before it closes the connection. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/transport.h"

static int peer = -1;

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0 ||
	    dup2(sv[0], fd) < 0)
		abort();
	close(sv[0]);
	peer = sv[1];
	return 0;
}

/* A verdict from the reply's last byte, so every kind of check result comes up. */
static kd_reply_t check(const uint8_t *msg, size_t len, void *arg)
{
	return (kd_reply_t)(msg[len - 1] % 3);
}

static void pipeline(kd_conn_t *c, uint16_t first_id, size_t n)
{
	uint8_t msgs[3][12];
	kd_pipe_item_t items[3] = {{0}};
	for (size_t i = 0; i < n; i++) {
		uint16_t id = (uint16_t)(first_id + i);
		memset(msgs[i], 0, sizeof(msgs[i])); /* a header is all the transport looks at */
		msgs[i][0] = (uint8_t)(id >> 8);
		msgs[i][1] = (uint8_t)id;
		items[i] = (kd_pipe_item_t){
		        .msg = msgs[i], .len = sizeof(msgs[i]), .check = check, .check_arg = NULL};
	}
	kd_conn_pipeline(c, items, n, 2, kd_now_ms() + 2000);
	for (size_t i = 0; i < n; i++)
		free(items[i].reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kd_addr_t server;
	kd_conn_t *c = NULL;
	if (kd_addr_parse("192.0.2.53", 53, &server) != 0 ||
	    kd_conn_open(&server, kd_now_ms() + 1000, &c) != KD_OK || peer < 0)
		abort();
	/* What the socket buffer takes is what the server sent before closing. */
	ssize_t w = size > 0 ? write(peer, data, size) : 0;
	(void)w;
	shutdown(peer, SHUT_WR);
	pipeline(c, 0x0101, 3);
	if (kd_conn_usable(c))
		pipeline(c, 0x0201, 2);
	kd_conn_close(c);
	close(peer);
	peer = -1;
	return 0;
}
