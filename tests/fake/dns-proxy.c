/* SPDX-License-Identifier: GPL-3.0-or-later */
/* dns-proxy LISTEN_PORT UPSTREAM_PORT [options]: a DNS proxy on 127.0.0.1 (UDP and TCP) in
 * front of a real server on 127.0.0.1, that misbehaves on request, for the publisher's tests:
 *   --strip-query-tsig       remove the TSIG record from answers to QUERY messages (a server
 *                            that does not sign its answers); UPDATE answers pass untouched
 *   --empty-queries          answer every QUERY itself: NOERROR, AA, no records, unsigned (a
 *                            forged or stale empty answer)
 *   --forge-update-refused   over UDP, answer every UPDATE at once with an unsigned REFUSED
 *                            (a forgery), then forward it and pass the real answer on
 *   --drop-updates           never forward an UPDATE (no answer comes)
 *   --drop-update-answers    forward every UPDATE, drop its answer (the change is made, the
 *                            client never learns it: like a crash right after sending)
 *   --drop-queries-after-update   forward no QUERY once an UPDATE went through
 *   --silent                 accept and read, answer nothing (a primary that hangs)
 *   --delay MS               hold every answer MS milliseconds before passing it on (a slow
 *                            primary; the proxy serves one thing at a time meanwhile)
 *   --log FILE               one line per TCP connection ("tcp connection N") and per
 *                            message ("query NAME TYPE" / "update ZONE prereq=P update=U")
 * Every socket is on loopback; it runs until killed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 64
#define MAXUDP  64

static struct {
	bool strip, empty, forge, drop_updates, drop_update_answers, drop_queries_after, silent;
	FILE *log;
	unsigned delay_ms;
	uint16_t upstream;
	bool update_seen;
	unsigned connections;
} opt;

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int opcode(const uint8_t *m, size_t len)
{
	return len >= 12 ? (m[2] >> 3) & 0x0f : -1;
}

/* Offset after the name at off, or 0 when malformed. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		uint8_t b = m[off];
		if ((b & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		if (b == 0)
			return off + 1;
		off += 1u + b;
	}
	return 0;
}

/* The first question's name as text into buf, and its type. */
static void qname(const uint8_t *m, size_t len, char *buf, size_t cap, unsigned *type)
{
	size_t off = 12, n = 0;
	buf[0] = '\0';
	*type = 0;
	if (len < 12 || get16(m + 4) == 0)
		return;
	while (off < len && m[off] != 0 && (m[off] & 0xc0) == 0) {
		size_t l = m[off++];
		for (size_t i = 0; i < l && off < len && n + 2 < cap; i++)
			buf[n++] = (char)m[off++];
		if (n + 2 < cap)
			buf[n++] = '.';
	}
	buf[n] = '\0';
	if (off + 3 < len)
		*type = get16(m + off + 1);
}

/* Remove a TSIG record ending the additional section. Returns the new length. */
static size_t strip_tsig(uint8_t *m, size_t len)
{
	if (len < 12)
		return len;
	size_t off = 12, last = 0;
	unsigned qd = get16(m + 4), rrs = get16(m + 6) + get16(m + 8) + get16(m + 10);
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(m, len, off);
		if (off == 0 || off + 4 > len)
			return len;
		off += 4;
	}
	for (unsigned i = 0; i < rrs; i++) {
		last = off;
		off = skip_name(m, len, off);
		if (off == 0 || off + 10 > len)
			return len;
		size_t type = get16(m + off);
		size_t rdlen = get16(m + off + 8);
		off += 10 + rdlen;
		if (off > len)
			return len;
		if (i == rrs - 1 && type == 250 && get16(m + 10) > 0) {
			put16(m + 10, (uint16_t)(get16(m + 10) - 1));
			return last;
		}
	}
	return len;
}

/* An answer we make up: the request's header and question, QR and AA set, rcode. */
static size_t forge(const uint8_t *q, size_t len, uint8_t rcode, uint8_t *out)
{
	size_t off = 12;
	if (len < 12)
		return 0;
	if (get16(q + 4) > 0) {
		off = skip_name(q, len, 12);
		if (off == 0 || off + 4 > len)
			return 0;
		off += 4;
	}
	memcpy(out, q, off);
	out[2] = (uint8_t)(0x80 | (q[2] & 0x78) | 0x04);
	out[3] = rcode;
	put16(out + 4, get16(q + 4) > 0 ? 1 : 0);
	memset(out + 6, 0, 6);
	return off;
}

static void log_msg(const uint8_t *m, size_t len)
{
	if (opt.log == NULL)
		return;
	char name[256];
	unsigned type;
	qname(m, len, name, sizeof(name), &type);
	if (opcode(m, len) == 5)
		fprintf(opt.log, "update %s prereq=%u update=%u\n", name, get16(m + 6),
		        get16(m + 8));
	else
		fprintf(opt.log, "query %s %u\n", name, type);
	fflush(opt.log);
}

/* What to do with a message from a client: 0 forward, 1 drop, 2 answer with out[0..*n). */
static int from_client(const uint8_t *m, size_t len, uint8_t *out, size_t *n)
{
	log_msg(m, len);
	if (opt.silent)
		return 1;
	if (opcode(m, len) == 5) {
		if (opt.drop_updates)
			return 1;
		opt.update_seen = true;
		return 0;
	}
	if (opt.drop_queries_after && opt.update_seen)
		return 1;
	if (opt.empty) {
		*n = forge(m, len, 0, out);
		return *n > 0 ? 2 : 1;
	}
	return 0;
}

/* An answer from upstream on its way back to the client: its new length, 0 to drop it. */
static size_t from_server(uint8_t *m, size_t len)
{
	if (opt.delay_ms > 0) {
		struct timespec ts = {.tv_sec = opt.delay_ms / 1000,
		                      .tv_nsec = (long)(opt.delay_ms % 1000) * 1000000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	if (opt.drop_update_answers && opcode(m, len) == 5)
		return 0;
	if (opt.strip && opcode(m, len) == 0)
		return strip_tsig(m, len);
	return len;
}

static int upstream_socket(int type)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(opt.upstream)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, type, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- TCP: a client connection and its upstream connection ---- */
typedef struct {
	int cfd, ufd;
	uint8_t cbuf[65537 + 2], ubuf[65537 + 2];
	size_t clen, ulen;
} conn_t;

static conn_t *conns[MAXCONN];

static void conn_close(int i)
{
	close(conns[i]->cfd);
	if (conns[i]->ufd >= 0)
		close(conns[i]->ufd);
	free(conns[i]);
	conns[i] = NULL;
}

static bool send_frame(int fd, const uint8_t *m, size_t len)
{
	uint8_t hdr[2];
	put16(hdr, (uint16_t)len);
	return send(fd, hdr, 2, MSG_NOSIGNAL) == 2 &&
	       send(fd, m, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* Whole frames in buf: hand each to fn. Returns false when the peer is gone. */
static bool pump(conn_t *c, bool client_side)
{
	int fd = client_side ? c->cfd : c->ufd;
	uint8_t *buf = client_side ? c->cbuf : c->ubuf;
	size_t *len = client_side ? &c->clen : &c->ulen;
	ssize_t r = recv(fd, buf + *len, sizeof(c->cbuf) - *len, 0);
	if (r <= 0)
		return false;
	*len += (size_t)r;
	while (*len >= 2 && *len >= 2u + get16(buf)) {
		size_t n = get16(buf);
		uint8_t *m = buf + 2, out[65536];
		if (client_side) {
			size_t on = 0;
			int what = from_client(m, n, out, &on);
			if ((what == 0 && !send_frame(c->ufd, m, n)) ||
			    (what == 2 && !send_frame(c->cfd, out, on)))
				return false;
		} else {
			size_t nn = from_server(m, n);
			if (nn > 0 && !send_frame(c->cfd, m, nn))
				return false;
		}
		memmove(buf, buf + 2 + n, *len - 2 - n);
		*len -= 2 + n;
	}
	return true;
}

/* ---- UDP: one upstream socket per request in flight ---- */
typedef struct {
	int fd;
	struct sockaddr_storage from;
	socklen_t fromlen;
	time_t started;
} udp_t;

static udp_t udps[MAXUDP];

static void udp_request(int lfd)
{
	uint8_t m[65536], out[65536];
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	ssize_t len = recvfrom(lfd, m, sizeof(m), 0, (struct sockaddr *)&from, &fl);
	if (len < 12)
		return;
	size_t on = 0;
	int what = from_client(m, (size_t)len, out, &on);
	if (what == 2) {
		sendto(lfd, out, on, 0, (struct sockaddr *)&from, fl);
		return;
	}
	if (opcode(m, (size_t)len) == 5 && opt.forge) {
		size_t fn = forge(m, (size_t)len, 5 /* REFUSED */, out);
		if (fn > 0)
			sendto(lfd, out, fn, 0, (struct sockaddr *)&from, fl);
	}
	if (what == 1)
		return;
	for (int i = 0; i < MAXUDP; i++) {
		if (udps[i].fd > 0)
			continue;
		udps[i].fd = upstream_socket(SOCK_DGRAM);
		if (udps[i].fd < 0 || send(udps[i].fd, m, (size_t)len, 0) != len) {
			if (udps[i].fd >= 0)
				close(udps[i].fd);
			udps[i].fd = 0;
			return;
		}
		udps[i].from = from;
		udps[i].fromlen = fl;
		udps[i].started = time(NULL);
		return;
	}
}

static void udp_answer(int lfd, int i)
{
	uint8_t m[65536];
	ssize_t len = recv(udps[i].fd, m, sizeof(m), 0);
	if (len > 0) {
		size_t n = from_server(m, (size_t)len);
		if (n > 0)
			sendto(lfd, m, n, 0, (struct sockaddr *)&udps[i].from, udps[i].fromlen);
	}
	close(udps[i].fd);
	udps[i].fd = 0;
}

static int listen_on(uint16_t port, int type)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int one = 1, fd = socket(AF_INET, type, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) != 0)) {
		perror("dns-proxy: failed to listen");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dns-proxy LISTEN_PORT UPSTREAM_PORT [options]\n");
		return 2;
	}
	uint16_t port = (uint16_t)atoi(argv[1]);
	opt.upstream = (uint16_t)atoi(argv[2]);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--strip-query-tsig") == 0)
			opt.strip = true;
		else if (strcmp(argv[i], "--empty-queries") == 0)
			opt.empty = true;
		else if (strcmp(argv[i], "--forge-update-refused") == 0)
			opt.forge = true;
		else if (strcmp(argv[i], "--drop-updates") == 0)
			opt.drop_updates = true;
		else if (strcmp(argv[i], "--drop-update-answers") == 0)
			opt.drop_update_answers = true;
		else if (strcmp(argv[i], "--drop-queries-after-update") == 0)
			opt.drop_queries_after = true;
		else if (strcmp(argv[i], "--silent") == 0)
			opt.silent = true;
		else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
			opt.delay_ms = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--log") == 0 && i + 1 < argc)
			opt.log = fopen(argv[++i], "a");
		else {
			fprintf(stderr, "dns-proxy: unknown option %s\n", argv[i]);
			return 2;
		}
	}
	int ufd = listen_on(port, SOCK_DGRAM), tfd = listen_on(port, SOCK_STREAM);
	fprintf(stderr, "dns-proxy: 127.0.0.1@%u -> 127.0.0.1@%u\n", port, opt.upstream);
	for (;;) {
		struct pollfd p[2 + 2 * MAXCONN + MAXUDP];
		int who[2 + 2 * MAXCONN + MAXUDP];
		size_t n = 0;
		p[n] = (struct pollfd){.fd = ufd, .events = POLLIN};
		who[n++] = -1;
		p[n] = (struct pollfd){.fd = tfd, .events = POLLIN};
		who[n++] = -2;
		for (int i = 0; i < MAXCONN; i++) {
			if (conns[i] == NULL)
				continue;
			p[n] = (struct pollfd){.fd = conns[i]->cfd, .events = POLLIN};
			who[n++] = 1000 + i;
			if (conns[i]->ufd >= 0) {
				p[n] = (struct pollfd){.fd = conns[i]->ufd, .events = POLLIN};
				who[n++] = 2000 + i;
			}
		}
		time_t now = time(NULL);
		for (int i = 0; i < MAXUDP; i++) {
			if (udps[i].fd > 0 && now - udps[i].started > 30) {
				close(udps[i].fd);
				udps[i].fd = 0;
			}
			if (udps[i].fd > 0) {
				p[n] = (struct pollfd){.fd = udps[i].fd, .events = POLLIN};
				who[n++] = 3000 + i;
			}
		}
		if (poll(p, n, 1000) < 0 && errno != EINTR)
			return 1;
		for (size_t k = 0; k < n; k++) {
			if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (who[k] == -1) {
				udp_request(ufd);
			} else if (who[k] == -2) {
				int cfd = accept(tfd, NULL, NULL);
				int slot = -1;
				for (int i = 0; i < MAXCONN && slot < 0; i++)
					if (conns[i] == NULL)
						slot = i;
				conn_t *c = slot >= 0 && cfd >= 0 ? calloc(1, sizeof(*c)) : NULL;
				if (c == NULL) {
					if (cfd >= 0)
						close(cfd);
					continue;
				}
				c->cfd = cfd;
				c->ufd = opt.silent ? -1 : upstream_socket(SOCK_STREAM);
				conns[slot] = c;
				if (opt.log != NULL) {
					fprintf(opt.log, "tcp connection %u\n", ++opt.connections);
					fflush(opt.log);
				}
				if (c->ufd < 0 && !opt.silent)
					conn_close(slot);
			} else if (who[k] >= 3000) {
				udp_answer(ufd, who[k] - 3000);
			} else {
				int i = who[k] % 1000;
				if (conns[i] != NULL && !pump(conns[i], who[k] < 2000))
					conn_close(i);
			}
		}
	}
}
