/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fake KMS host for the tests: answers a DCE/RPC bind for the KMS interface like a real one,
 * or misbehaves on purpose (--mode). Deliberately independent of dns/probe_rpc.c (own encoder,
 * UUIDs parsed from their text form) so a shared mistake cannot hide.
 *
 * --mode syndrop listens with backlog 0 and never accepts; it connects to itself until a
 * connect stays pending, i.e. the accept queue is full and the kernel drops further SYNs.
 * Checked on Linux 6.x (IPv4 and ::1): with backlog 0 one connection fills the queue, the
 * second connect hangs; with backlog 1 two fill it. Every later connect hangs until its own
 * timeout.
 *
 * --listen may be given up to MAX_LISTEN times: one process answers on every address (the
 * publisher's bench probes 1,000 hosts on 127.0.x.y); the bind_ack names the first port. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONNS    256
#define MAX_LISTEN   4096
#define MAX_PDU      65536
#define MAX_FILLERS  16
#define FILL_WAIT_MS 200

enum mode { M_ACK, M_NAK, M_GARBAGE, M_SILENCE, M_REJECT_ACK, M_SYNDROP };
static const char *const mode_names[] = {"ack",        "nak",     "garbage", "silence",
                                         "reject-ack", "syndrop", NULL};

#define KMS_IF_TEXT  "51c82175-844e-4750-b0d8-ec255555bc06"
#define NDR_TEXT     "8a885d04-1ceb-11c9-9fe8-08002b104860"
#define GARBAGE_TEXT "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"

typedef struct {
	int fd;
	size_t got;
	uint8_t buf[MAX_PDU];
} conn_t;

typedef struct {
	enum mode mode;
	uint16_t port;
	uint8_t kms_uuid[16], ndr_uuid[16];
	conn_t *conns[MAX_CONNS];
} fake_t;

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "fake-kms: failed to %s (%s)\n", what, strerror(errno));
	exit(1);
}

/* Text UUID to its little-endian wire layout: time_low, time_mid, time_hi_and_version
 * byte-swapped, clock_seq and node as written. */
static void uuid_wire(const char *text, uint8_t out[16])
{
	static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t raw[16];
	size_t k = 0;
	for (const char *p = text; *p != '\0' && k < 16; p++) {
		if (*p == '-')
			continue;
		unsigned v;
		sscanf(p, "%2x", &v);
		raw[k++] = (uint8_t)v;
		p++;
	}
	for (size_t i = 0; i < 16; i++)
		out[i] = raw[order[i]];
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

/* Common header; frag_length is patched by finish(). */
static size_t header(uint8_t *out, uint8_t ptype, const uint8_t *req)
{
	memset(out, 0, 16);
	out[0] = 5;
	out[2] = ptype;
	out[3] = 0x03;
	out[4] = 0x10;
	memcpy(out + 12, req + 12, 4); /* call_id echoed */
	return 16;
}

static size_t build_nak(uint8_t *out, const uint8_t *req)
{
	size_t n = header(out, 13, req);
	put16(out + n, 0); /* reason not specified */
	n += 2;
	out[n++] = 1; /* one supported protocol version: 5.0 */
	out[n++] = 5;
	out[n++] = 0;
	return n;
}

/* bind_ack with one result; result 0 carries the accepted transfer syntax (NDR 2.0). */
static size_t build_ack(const fake_t *f, uint8_t *out, const uint8_t *req, uint16_t result,
                        uint16_t reason)
{
	size_t n = header(out, 12, req);
	put16(out + n, 5840);
	put16(out + n + 2, 5840);
	put32(out + n + 4, 0x00011ab7);
	n += 8;
	char port[8];
	int plen = snprintf(port, sizeof(port), "%u", f->port) + 1; /* with its NUL */
	put16(out + n, (uint16_t)plen);
	memcpy(out + n + 2, port, (size_t)plen);
	n += 2 + (size_t)plen;
	while (n % 4 != 0)
		out[n++] = 0;
	out[n] = 1;
	out[n + 1] = out[n + 2] = out[n + 3] = 0;
	n += 4;
	put16(out + n, result);
	put16(out + n + 2, reason);
	n += 4;
	if (result == 0) {
		memcpy(out + n, f->ndr_uuid, 16);
		put32(out + n + 16, 2);
	} else {
		memset(out + n, 0, 20);
	}
	return n + 20;
}

/* Judge the client's bind like a KMS host would: the first context must offer the KMS
 * interface v1.0 with NDR v2.0. Returns the provider reason (0 = acceptable), -1 if the
 * PDU is not a bind at all. */
static int check_bind(const fake_t *f, const uint8_t *req, size_t len)
{
	if (len < 72 || req[0] != 5 || req[2] != 11 || req[4] != 0x10 || req[24] < 1)
		return -1;
	const uint8_t *ctx = req + 28;
	if (ctx[2] < 1)
		return -1;
	if (memcmp(ctx + 4, f->kms_uuid, 16) != 0 || get16(ctx + 20) != 1 || get16(ctx + 22) != 0)
		return 1; /* abstract syntax not supported */
	if (memcmp(ctx + 24, f->ndr_uuid, 16) != 0 || get16(ctx + 40) != 2 || get16(ctx + 42) != 0)
		return 2; /* proposed transfer syntaxes not supported */
	return 0;
}

static void conn_close(fake_t *f, size_t i)
{
	close(f->conns[i]->fd);
	free(f->conns[i]);
	f->conns[i] = NULL;
}

/* Answer one complete PDU of len bytes at the start of the connection's buffer. Returns -1
 * when the connection was closed. */
static int answer(fake_t *f, size_t i, size_t len)
{
	conn_t *c = f->conns[i];
	uint8_t out[256];
	size_t n = 0;
	int reason = check_bind(f, c->buf, len);
	if (reason < 0) {
		fprintf(stderr, "fake-kms: not a bind request, closing\n");
		conn_close(f, i);
		return -1;
	}
	if (f->mode == M_NAK)
		n = build_nak(out, c->buf);
	else if (f->mode == M_REJECT_ACK)
		n = build_ack(f, out, c->buf, 2, 1);
	else if (f->mode == M_ACK)
		n = build_ack(f, out, c->buf, reason == 0 ? 0 : 2, (uint16_t)reason);
	if (n == 0)
		return 0; /* silence */
	put16(out + 8, (uint16_t)n);
	if (send(c->fd, out, n, MSG_NOSIGNAL) != (ssize_t)n) {
		conn_close(f, i);
		return -1;
	}
	fprintf(stderr, "fake-kms: bind answered (%s, reason %d)\n", mode_names[f->mode], reason);
	return 0;
}

/* Read and answer every complete PDU; a partial one waits for more bytes. */
static void conn_read(fake_t *f, size_t i)
{
	conn_t *c = f->conns[i];
	ssize_t r = recv(c->fd, c->buf + c->got, sizeof(c->buf) - c->got, 0);
	if (r <= 0) {
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(f, i);
		return;
	}
	c->got += (size_t)r;
	while (c->got >= 10) {
		size_t frag = get16(c->buf + 8);
		if (frag < 16) {
			conn_close(f, i);
			return;
		}
		if (c->got < frag)
			return; /* frag <= 0xffff < sizeof(buf): it will fit */
		if (answer(f, i, frag) < 0)
			return;
		c->got -= frag;
		memmove(c->buf, c->buf + frag, c->got);
	}
}

static void conn_accept(fake_t *f, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (size_t i = 0; i < MAX_CONNS; i++) {
		if (f->conns[i] != NULL)
			continue;
		if ((f->conns[i] = calloc(1, sizeof(conn_t))) == NULL)
			break;
		f->conns[i]->fd = fd;
		if (f->mode == M_GARBAGE) /* like a chatty non-KMS service, before any request */
			send(fd, GARBAGE_TEXT, strlen(GARBAGE_TEXT), MSG_NOSIGNAL);
		return;
	}
	close(fd);
}

/* "127.0.0.2:1688" or "[::1]:1688" */
static void parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(text, ':');
	const char *h = text;
	size_t hlen = colon != NULL ? (size_t)(colon - text) : 0;
	if (hlen > 1 && text[0] == '[' && text[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (colon == NULL || hlen == 0 || hlen >= sizeof(host)) {
		fprintf(stderr, "fake-kms: failed to parse --listen %s (want ADDR:PORT)\n", text);
		exit(2);
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	                         .ai_socktype = SOCK_STREAM};
	struct addrinfo *ai;
	int rc = getaddrinfo(host, colon + 1, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "fake-kms: failed to parse --listen %s (%s)\n", text,
		        gai_strerror(rc));
		exit(2);
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
}

static int listen_on(const char *text, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	parse_listen(text, &ss, &len);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("create the listening socket");
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind the listening address");
	if (listen(fd, backlog) < 0)
		die("listen");
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		die("read the bound address");
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                       : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Connect to our own never-accepting listener until a connect stays pending: from then on
 * the kernel drops new SYNs. The filler sockets stay open for the life of the process. */
static void saturate(int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		die("read the bound address");
	for (int i = 0; i < MAX_FILLERS; i++) {
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("create a filler socket");
		if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS)
			die("connect a filler socket");
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, FILL_WAIT_MS) == 0) {
			fprintf(stderr, "fake-kms: accept queue full after %d connections\n", i);
			return;
		}
	}
	errno = EAGAIN;
	die("fill the accept queue");
}

static void write_file(const char *path, const char *text)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *fp = fopen(tmp, "w");
	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0 || rename(tmp, path) < 0)
		die("write the pid or ready file");
}

static void serve(fake_t *f, const int *lfd, size_t nl)
{
	sigset_t empty;
	sigemptyset(&empty);
	struct pollfd *pfd = calloc(nl + MAX_CONNS, sizeof(*pfd));
	size_t *idx = calloc(nl + MAX_CONNS, sizeof(*idx));
	if (pfd == NULL || idx == NULL)
		die("allocate the poll set");
	while (!got_term) {
		size_t np = 0;
		for (size_t l = 0; f->mode != M_SYNDROP && l < nl; l++) {
			pfd[np].fd = lfd[l];
			pfd[np].events = POLLIN;
			idx[np++] = SIZE_MAX;
		}
		for (size_t i = 0; i < MAX_CONNS; i++) {
			if (f->conns[i] == NULL)
				continue;
			pfd[np].fd = f->conns[i]->fd;
			pfd[np].events = POLLIN;
			idx[np++] = i;
		}
		/* SIGTERM is blocked except inside ppoll, so it cannot slip in before the wait. */
		if (ppoll(pfd, np, NULL, &empty) < 0)
			continue;
		for (size_t k = 0; k < np; k++) {
			if (pfd[k].revents == 0)
				continue;
			if (idx[k] == SIZE_MAX)
				conn_accept(f, pfd[k].fd);
			else
				conn_read(f, idx[k]);
		}
	}
	free(pfd);
	free(idx);
}

static void usage(void)
{
	fprintf(stderr, "usage: fake-kms --listen ADDR:PORT [--listen ADDR:PORT ...] "
	                "[--mode ack|nak|garbage|silence|reject-ack|syndrop] "
	                "[--pidfile FILE] [--ready-file FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, 'l'},
	        {"mode", required_argument, NULL, 'm'},
	        {"pidfile", required_argument, NULL, 'p'},
	        {"ready-file", required_argument, NULL, 'r'},
	        {NULL, 0, NULL, 0},
	};
	static fake_t f;
	static const char *listen_text[MAX_LISTEN];
	static int lfd[MAX_LISTEN];
	size_t nl = 0;
	const char *pidfile = NULL, *readyfile = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l') {
			if (nl == MAX_LISTEN)
				usage();
			listen_text[nl++] = optarg;
		} else if (c == 'm') {
			size_t m = 0;
			while (mode_names[m] != NULL && strcmp(mode_names[m], optarg) != 0)
				m++;
			if (mode_names[m] == NULL)
				usage();
			f.mode = (enum mode)m;
		} else if (c == 'p') {
			pidfile = optarg;
		} else if (c == 'r') {
			readyfile = optarg;
		} else {
			usage();
		}
	}
	if (nl == 0 || optind != argc)
		usage();

	uuid_wire(KMS_IF_TEXT, f.kms_uuid);
	uuid_wire(NDR_TEXT, f.ndr_uuid);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (size_t l = 0; l < nl; l++) {
		uint16_t port;
		lfd[l] = listen_on(listen_text[l], f.mode == M_SYNDROP ? 0 : 64, &port);
		if (l == 0)
			f.port = port;
		if (f.mode == M_SYNDROP)
			saturate(lfd[l]);
	}
	char line[32];
	if (pidfile != NULL) {
		snprintf(line, sizeof(line), "%ld\n", (long)getpid());
		write_file(pidfile, line);
	}
	fprintf(stderr, "fake-kms: listening on %s%s port %u, mode %s\n", listen_text[0],
	        nl > 1 ? " and more" : "", f.port, mode_names[f.mode]);
	if (readyfile != NULL) {
		snprintf(line, sizeof(line), "%u\n", f.port);
		write_file(readyfile, line);
	}
	serve(&f, lfd, nl);
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (f.conns[i] != NULL)
			conn_close(&f, i);
	for (size_t l = 0; l < nl; l++)
		close(lfd[l]);
	if (pidfile != NULL)
		unlink(pidfile);
	return 0;
}
