/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/transport.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns/clock.h"

/* Wait until fd is ready for events or the deadline passes. */
static kd_err_t wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= deadline)
			return KD_ETIMEOUT;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, (int)(deadline - now));
		if (r > 0)
			return KD_OK;
		if (r == 0)
			return KD_ETIMEOUT;
		if (errno != EINTR)
			return KD_ENET;
	}
}

static int open_socket(const kd_addr_t *server, int type)
{
	int fd = socket(server->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	return fd;
}

static kd_err_t send_all(int fd, const uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return KD_ENET;
		kd_err_t e = wait_fd(fd, POLLOUT, deadline);
		if (e != KD_OK)
			return e;
	}
	return KD_OK;
}

static kd_err_t recv_all(int fd, uint8_t *buf, size_t len, uint64_t deadline)
{
	while (len > 0) {
		ssize_t n = recv(fd, buf, len, 0);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return KD_ENET; /* closed before the whole answer */
		if (errno != EAGAIN && errno != EINTR)
			return KD_ENET;
		kd_err_t e = wait_fd(fd, POLLIN, deadline);
		if (e != KD_OK)
			return e;
	}
	return KD_OK;
}

static kd_err_t tcp_exchange(const kd_addr_t *server, uint64_t timeout_ms, const uint8_t *msg,
                             size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	uint64_t deadline = kd_now_ms() + timeout_ms;
	uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	if (len > 65535)
		return KD_EMALFORMED;
	int fd = open_socket(server, SOCK_STREAM);
	if (fd < 0)
		return KD_ENET;
	kd_err_t e = KD_OK;
	if (connect(fd, (const struct sockaddr *)&server->ss, server->len) != 0) {
		if (errno != EINPROGRESS) {
			e = KD_ENET;
			goto done;
		}
		if ((e = wait_fd(fd, POLLOUT, deadline)) != KD_OK)
			goto done;
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			e = KD_ENET;
			goto done;
		}
	}
	if ((e = send_all(fd, hdr, 2, deadline)) != KD_OK ||
	    (e = send_all(fd, msg, len, deadline)) != KD_OK ||
	    (e = recv_all(fd, hdr, 2, deadline)) != KD_OK)
		goto done;
	size_t n = (size_t)hdr[0] << 8 | hdr[1];
	if (n > cap || n < 12) {
		e = KD_EMALFORMED;
		goto done;
	}
	if ((e = recv_all(fd, resp, n, deadline)) != KD_OK)
		goto done;
	*resp_len = n;
done:
	close(fd);
	return e;
}

static kd_err_t udp_exchange(const kd_addr_t *server, uint64_t timeout_ms, const uint8_t *msg,
                             size_t len, uint8_t *resp, size_t cap, size_t *resp_len, bool *tc)
{
	uint64_t deadline = kd_now_ms() + timeout_ms;
	int fd = open_socket(server, SOCK_DGRAM);
	if (fd < 0)
		return KD_ENET;
	kd_err_t e = KD_ENET;
	/* connect() makes the kernel drop datagrams from other addresses. */
	if (connect(fd, (const struct sockaddr *)&server->ss, server->len) != 0 ||
	    send(fd, msg, len, 0) != (ssize_t)len)
		goto done;
	for (;;) {
		if ((e = wait_fd(fd, POLLIN, deadline)) != KD_OK)
			goto done;
		ssize_t n = recv(fd, resp, cap, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			e = KD_ENET;
			goto done;
		}
		if (n < 12 || memcmp(resp, msg, 2) != 0)
			continue; /* not an answer to this request */
		*tc = (resp[2] & 0x02) != 0;
		*resp_len = (size_t)n;
		e = KD_OK;
		goto done;
	}
done:
	close(fd);
	return e;
}

kd_err_t pub_exchange(const kd_addr_t *server, bool tcp, uint64_t timeout_ms, const uint8_t *msg,
                      size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	if (timeout_ms == 0)
		timeout_ms = 3000;
	if (!tcp && len <= 1232) {
		bool tc = false;
		size_t n = 0;
		kd_err_t e = udp_exchange(server, timeout_ms, msg, len, resp, cap, &n, &tc);
		if (e != KD_OK || !tc) {
			if (e == KD_OK)
				*resp_len = n;
			return e;
		}
	}
	return tcp_exchange(server, timeout_ms, msg, len, resp, cap, resp_len);
}
