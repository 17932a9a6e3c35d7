/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tests/fuzz/fake_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns/transport.h"

#define HDR 12 /* the transport drops anything shorter than a DNS header */

static const uint8_t *input;
static size_t input_len, input_pos;
static kd_addr_t server;
static char conn_token; /* stands for the one open kd_conn_t */

void fake_net_feed(const uint8_t *data, size_t len)
{
	input = data;
	input_len = len;
	input_pos = 0;
}

const kd_addr_t *fake_net_server(void)
{
	if (server.len == 0 && kd_addr_parse("192.0.2.53", 53, &server) != 0)
		abort();
	return &server;
}

int fake_net_next(uint8_t **out, size_t *len)
{
	if (input_len - input_pos < 2)
		return -1;
	size_t n = (size_t)input[input_pos] << 8 | input[input_pos + 1];
	input_pos += 2;
	if (n > input_len - input_pos)
		n = input_len - input_pos; /* the server closed the connection midway */
	uint8_t *m = malloc(n > 0 ? n : 1);
	if (m == NULL)
		abort();
	memcpy(m, input + input_pos, n);
	input_pos += n;
	*out = m;
	*len = n;
	return 0;
}

/* The next message with the request's ID, as the transport hands it over. */
static int next_msg(uint16_t id, uint8_t **out, size_t *len)
{
	if (fake_net_next(out, len) != 0)
		return -1;
	if (*len >= 2) {
		(*out)[0] = (uint8_t)(id >> 8);
		(*out)[1] = (uint8_t)id;
	}
	return 0;
}

static uint16_t msg_id(const uint8_t *msg)
{
	return (uint16_t)(msg[0] << 8 | msg[1]);
}

static kd_reply_t judge(kd_reply_fn check, void *arg, const uint8_t *msg, size_t len)
{
	return check != NULL ? check(msg, len, arg) : KD_REPLY_FINAL;
}

/* UDP: datagrams until a FINAL one; an ignored one means keep waiting, a TENTATIVE one is
 * kept for the deadline (the end of the input). As kd_udp_read and kd_udp_finish. */
static kd_err_t fake_udp(const uint8_t *msg, kd_reply_fn check, void *arg, uint8_t **reply,
                         size_t *reply_len)
{
	uint8_t *m = NULL, *tentative = NULL;
	size_t n = 0, tentative_len = 0;
	bool mismatch = false;
	while (next_msg(msg_id(msg), &m, &n) == 0) {
		kd_reply_t v = n >= HDR ? judge(check, arg, m, n) : KD_REPLY_IGNORE;
		if (v == KD_REPLY_FINAL) {
			free(tentative);
			*reply = m;
			*reply_len = n;
			return KD_OK;
		}
		if (v == KD_REPLY_TENTATIVE && tentative == NULL) {
			tentative = m;
			tentative_len = n;
			continue;
		}
		mismatch |= v == KD_REPLY_IGNORE;
		free(m);
	}
	if (tentative != NULL) {
		*reply = tentative;
		*reply_len = tentative_len;
		return KD_OK;
	}
	return mismatch ? KD_EMISMATCH : KD_ETIMEOUT;
}

/* TCP: the next frame answers (its ID is the request's); frames shorter than a header are
 * dropped as pipe_deliver does. The end of the input is the server closing the connection. */
static kd_err_t fake_tcp(const uint8_t *msg, kd_reply_fn check, void *arg, uint8_t **reply,
                         size_t *reply_len)
{
	uint8_t *m = NULL;
	size_t n = 0;
	for (;;) {
		if (next_msg(msg_id(msg), &m, &n) != 0)
			return KD_ECLOSED;
		if (n >= HDR)
			break;
		free(m);
	}
	if (judge(check, arg, m, n) == KD_REPLY_IGNORE) {
		free(m);
		return KD_EMISMATCH;
	}
	*reply = m;
	*reply_len = n;
	return KD_OK;
}

/* Referenced so that the link fails when a wrapped function leaves dns/transport. */
kd_err_t __real_kd_exchange(const kd_addr_t *srv, bool tcp, const uint8_t *msg, size_t len,
                            uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                            size_t *reply_len, bool *used_tcp);
kd_err_t __real_kd_conn_open(const kd_addr_t *srv, uint64_t deadline_ms, kd_conn_t **out);
void __real_kd_conn_close(kd_conn_t *c);
kd_err_t __real_kd_conn_pipeline(kd_conn_t *c, kd_pipe_item_t *items, size_t n, size_t max_inflight,
                                 uint64_t deadline_ms);
void *fake_net_real_functions[] = {
        (void *)__real_kd_exchange,
        (void *)__real_kd_conn_open,
        (void *)__real_kd_conn_close,
        (void *)__real_kd_conn_pipeline,
};

kd_err_t __wrap_kd_exchange(const kd_addr_t *srv, bool tcp, const uint8_t *msg, size_t len,
                            uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                            size_t *reply_len, bool *used_tcp);
kd_err_t __wrap_kd_exchange(const kd_addr_t *srv, bool tcp, const uint8_t *msg, size_t len,
                            uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                            size_t *reply_len, bool *used_tcp)
{
	if (len < HDR || len > KD_MSG_MAX)
		return KD_EINVAL;
	uint8_t *r = NULL;
	size_t rl = 0;
	if (!tcp && len <= KD_UDP_MAX_SEND) {
		kd_err_t ret = fake_udp(msg, check, arg, &r, &rl);
		if (ret != KD_OK)
			return ret;
		if ((r[2] & 0x02) == 0) { /* not truncated */
			*reply = r;
			*reply_len = rl;
			if (used_tcp != NULL)
				*used_tcp = false;
			return KD_OK;
		}
		free(r);
	}
	kd_err_t ret = fake_tcp(msg, check, arg, &r, &rl);
	if (ret != KD_OK)
		return ret;
	*reply = r;
	*reply_len = rl;
	if (used_tcp != NULL)
		*used_tcp = true;
	return KD_OK;
}

kd_err_t __wrap_kd_conn_open(const kd_addr_t *srv, uint64_t deadline_ms, kd_conn_t **out);
kd_err_t __wrap_kd_conn_open(const kd_addr_t *srv, uint64_t deadline_ms, kd_conn_t **out)
{
	*out = (kd_conn_t *)&conn_token;
	return KD_OK;
}

void __wrap_kd_conn_close(kd_conn_t *c);
void __wrap_kd_conn_close(kd_conn_t *c)
{
	if (c != NULL && c != (kd_conn_t *)&conn_token)
		abort();
}

/* The one connection is to the one server, and usable while input is left (the caller keeps
 * it for its next batch). */
const kd_addr_t *__wrap_kd_conn_server(const kd_conn_t *c);
const kd_addr_t *__wrap_kd_conn_server(const kd_conn_t *c)
{
	if (c != (const kd_conn_t *)&conn_token)
		abort();
	return fake_net_server();
}

bool __wrap_kd_conn_usable(const kd_conn_t *c);
bool __wrap_kd_conn_usable(const kd_conn_t *c)
{
	if (c != (const kd_conn_t *)&conn_token)
		abort();
	return input_len - input_pos >= 2;
}

/* Every item that has no reply yet gets the next frame, in order. */
kd_err_t __wrap_kd_conn_pipeline(kd_conn_t *c, kd_pipe_item_t *items, size_t n, size_t max_inflight,
                                 uint64_t deadline_ms);
kd_err_t __wrap_kd_conn_pipeline(kd_conn_t *c, kd_pipe_item_t *items, size_t n, size_t max_inflight,
                                 uint64_t deadline_ms)
{
	kd_err_t first = KD_OK;
	bool closed = false;
	for (size_t i = 0; i < n; i++) {
		kd_pipe_item_t *it = &items[i];
		if (it->reply != NULL)
			continue;
		if (it->len < 2 || it->len > KD_MSG_MAX)
			return KD_EINVAL;
		it->err = closed ? KD_ECLOSED
		                 : fake_tcp(it->msg, it->check, it->check_arg, &it->reply,
		                            &it->reply_len);
		closed |= it->err == KD_ECLOSED;
		if (first == KD_OK)
			first = it->err;
	}
	return first;
}

/* The network itself is out of bounds for a fuzz target. */
static _Noreturn void network_reached(const char *fn)
{
	fprintf(stderr,
	        "fuzz target called %s(): the code no longer goes through the wrapped functions "
	        "of dns/transport (adapt tests/fuzz/fake_net.c)\n",
	        fn);
	abort();
}

int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len);
int __wrap_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	network_reached("connect");
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	network_reached("send");
}

ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                      socklen_t alen);
ssize_t __wrap_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *addr,
                      socklen_t alen)
{
	network_reached("sendto");
}

ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t __wrap_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	network_reached("sendmsg");
}
