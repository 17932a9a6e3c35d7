/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fake-dns PORT: a loopback DNS responder on 127.0.0.1 (UDP and TCP) that answers every
 * message with NOERROR and no TSIG, copying the ID, opcode and question. It stands for a
 * server (or an attacker) whose answer must not be taken as a successful signed update. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Length of header + first question in msg, or 0 if malformed. */
static size_t question_end(const uint8_t *msg, size_t len)
{
	if (len < 12)
		return 0;
	if (msg[4] == 0 && msg[5] == 0)
		return 12;
	size_t p = 12;
	while (p < len && msg[p] != 0) {
		if ((msg[p] & 0xc0) != 0)
			return 0;
		p += msg[p] + 1u;
	}
	p += 1 + 4;
	return p <= len ? p : 0;
}

/* Build the answer in out; returns its length or 0. */
static size_t answer(const uint8_t *q, size_t len, uint8_t *out)
{
	size_t n = question_end(q, len);
	if (n == 0)
		return 0;
	memcpy(out, q, n);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x78) | 0x04); /* QR, same opcode, AA */
	out[3] = 0;                                      /* NOERROR */
	out[4] = 0;
	out[5] = n > 12 ? 1 : 0;
	memset(out + 6, 0, 6); /* no answer, authority or additional records: no TSIG */
	return n;
}

static void serve_tcp(int lfd)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	struct timeval tv = {.tv_sec = 2};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t hdr[2], q[65535], a[65535 + 2];
	while (recv(fd, hdr, 2, MSG_WAITALL) == 2) {
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (len == 0 || recv(fd, q, len, MSG_WAITALL) != (ssize_t)len)
			break;
		size_t n = answer(q, len, a + 2);
		if (n == 0)
			break;
		a[0] = (uint8_t)(n >> 8);
		a[1] = (uint8_t)n;
		if (send(fd, a, n + 2, MSG_NOSIGNAL) != (ssize_t)(n + 2))
			break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: fake-dns PORT\n");
		return 2;
	}
	struct sockaddr_in sin = {.sin_family = AF_INET,
	                          .sin_port = htons((uint16_t)atoi(argv[1]))};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (u < 0 || t < 0 || bind(u, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    bind(t, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(t, 16) != 0) {
		perror("fake-dns: failed to listen");
		return 1;
	}
	fprintf(stderr, "fake-dns: listening on 127.0.0.1@%s\n", argv[1]);
	for (;;) {
		struct pollfd p[2] = {{.fd = u, .events = POLLIN}, {.fd = t, .events = POLLIN}};
		if (poll(p, 2, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			uint8_t q[65535], a[65535];
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t len = recvfrom(u, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			size_t n = len > 0 ? answer(q, (size_t)len, a) : 0;
			if (n > 0)
				sendto(u, a, n, 0, (struct sockaddr *)&from, fl);
		}
		if (p[1].revents & POLLIN)
			serve_tcp(t);
	}
}
