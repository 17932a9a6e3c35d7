/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/query.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/clock.h"

/* ldns builds and parses the messages; the transport is ours: ldns_send() reports a refused
 * port and a timeout alike, accepts UDP replies from any source, does not check the ID, and
 * sleeps between servers. */

#define DEFAULT_TIMEOUT_MS 3000
#define EDNS_UDP_SIZE      1232
#define MAX_MSG            65535

typedef struct {
	ldns_pkt *pkt;
	uint8_t *wire;
	size_t len;
	uint16_t id;
} query_t;

/* Wait for events on fd until the deadline. 1 ready, 0 timed out, -1 error (errno). */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= deadline)
			return 0;
		uint64_t left = deadline - now;
		struct pollfd p = {.fd = fd, .events = events};
		int r = poll(&p, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (r < 0 && errno != EINTR)
			return -1;
		if (r > 0)
			return 1;
	}
}

static kd_err_t errno_err(int e)
{
	return e == ENOMEM || e == ENOBUFS ? KD_ENOMEM : KD_ENET;
}

/* Parse a reply and check it answers q: ID, QR, opcode, question. */
static kd_err_t check_reply(const uint8_t *buf, size_t len, const query_t *q, ldns_pkt **out)
{
	if (len < 12)
		return KD_EMALFORMED;
	if ((uint16_t)(buf[0] << 8 | buf[1]) != q->id)
		return KD_EMISMATCH;
	ldns_pkt *pkt = NULL;
	if (ldns_wire2pkt(&pkt, buf, len) != LDNS_STATUS_OK)
		return KD_EMALFORMED;
	bool ok = ldns_pkt_qr(pkt) && ldns_pkt_get_opcode(pkt) == LDNS_PACKET_QUERY;
	if (ok && ldns_pkt_qdcount(pkt) == 0) {
		/* Some servers leave the question out of an error reply. */
		ok = ldns_pkt_get_rcode(pkt) != LDNS_RCODE_NOERROR;
	} else if (ok) {
		const ldns_rr *a = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
		const ldns_rr *b = ldns_rr_list_rr(ldns_pkt_question(q->pkt), 0);
		ok = ldns_pkt_qdcount(pkt) == 1 && a != NULL &&
		     ldns_dname_compare(ldns_rr_owner(a), ldns_rr_owner(b)) == 0 &&
		     ldns_rr_get_type(a) == ldns_rr_get_type(b) &&
		     ldns_rr_get_class(a) == ldns_rr_get_class(b);
	}
	if (!ok) {
		ldns_pkt_free(pkt);
		return KD_EMISMATCH;
	}
	*out = pkt;
	return KD_OK;
}

/* Send the query on a connected UDP socket and wait for the answer. Connected: only the
 * server's replies arrive, and a closed port shows as ECONNREFUSED. */
static kd_err_t udp_io(int fd, const kd_addr_t *server, const query_t *q, uint8_t *buf,
                       uint64_t deadline, ldns_pkt **out)
{
	if (connect(fd, (const struct sockaddr *)&server->ss, server->len) != 0 ||
	    send(fd, q->wire, q->len, 0) != (ssize_t)q->len)
		return errno_err(errno);
	bool mismatch = false;
	for (;;) {
		int w = wait_fd(fd, POLLIN, deadline);
		if (w <= 0)
			return w < 0 ? errno_err(errno) : mismatch ? KD_EMISMATCH : KD_ETIMEOUT;
		ssize_t n = recv(fd, buf, MAX_MSG, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return errno_err(errno);
		kd_err_t ret = check_reply(buf, (size_t)n, q, out);
		if (ret != KD_EMISMATCH)
			return ret;
		mismatch = true; /* a stray or forged datagram: keep waiting for the answer */
	}
}

/* Send or receive exactly len bytes on a non-blocking stream before the deadline. */
static kd_err_t stream_io(int fd, uint8_t *buf, size_t len, bool sending, uint64_t deadline)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = sending ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
		                    : recv(fd, buf + done, len - done, 0);
		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n == 0)
			return KD_ENET; /* closed by the server */
		if (errno != EAGAIN && errno != EINTR)
			return errno_err(errno);
		int w = wait_fd(fd, sending ? POLLOUT : POLLIN, deadline);
		if (w <= 0)
			return w < 0 ? errno_err(errno) : KD_ETIMEOUT;
	}
	return KD_OK;
}

static kd_err_t tcp_connect(int fd, const kd_addr_t *server, uint64_t deadline)
{
	if (connect(fd, (const struct sockaddr *)&server->ss, server->len) == 0)
		return KD_OK;
	if (errno != EINPROGRESS)
		return errno_err(errno);
	int w = wait_fd(fd, POLLOUT, deadline);
	if (w <= 0)
		return w < 0 ? errno_err(errno) : KD_ETIMEOUT;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
		return errno_err(errno);
	return soerr == 0 ? KD_OK : errno_err(soerr);
}

/* Connect, send the length-prefixed query, read the length-prefixed answer. */
static kd_err_t tcp_io(int fd, const kd_addr_t *server, const query_t *q, uint8_t *buf,
                       uint64_t deadline, ldns_pkt **out)
{
	buf[0] = (uint8_t)(q->len >> 8);
	buf[1] = (uint8_t)q->len;
	memcpy(buf + 2, q->wire, q->len);
	kd_err_t ret = tcp_connect(fd, server, deadline);
	if (ret == KD_OK)
		ret = stream_io(fd, buf, q->len + 2, true, deadline);
	if (ret == KD_OK)
		ret = stream_io(fd, buf, 2, false, deadline);
	if (ret != KD_OK)
		return ret;
	size_t len = (size_t)buf[0] << 8 | buf[1];
	ret = stream_io(fd, buf, len, false, deadline);
	return ret == KD_OK ? check_reply(buf, len, q, out) : ret;
}

static kd_err_t exchange(const kd_addr_t *server, const query_t *q, bool tcp, uint64_t timeout_ms,
                         ldns_pkt **out)
{
	uint64_t deadline = kd_now_ms() + timeout_ms;
	int type = tcp ? SOCK_STREAM : SOCK_DGRAM;
	int fd = socket(server->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return errno_err(errno);
	uint8_t *buf = malloc(MAX_MSG + 2);
	kd_err_t ret = KD_ENOMEM;
	if (buf != NULL)
		ret = tcp ? tcp_io(fd, server, q, buf, deadline, out)
		          : udp_io(fd, server, q, buf, deadline, out);
	free(buf);
	close(fd);
	return ret;
}

static uint16_t random_id(void)
{
	uint16_t id;
	if (getrandom(&id, sizeof(id), 0) == (ssize_t)sizeof(id))
		return id;
	return (uint16_t)(kd_now_ms() ^ (uint64_t)getpid());
}

static kd_err_t build_query(const char *name, ldns_rr_type type, bool rd, query_t *q)
{
	size_t len = strlen(name);
	char *abs = malloc(len + 2);
	if (abs == NULL)
		return KD_ENOMEM;
	memcpy(abs, name, len + 1);
	if (len == 0 || name[len - 1] != '.')
		strcpy(abs + len, ".");
	ldns_rdf *owner = ldns_dname_new_frm_str(abs);
	free(abs);
	if (owner == NULL)
		return KD_EINVAL;
	ldns_pkt *pkt = ldns_pkt_query_new(owner, type, LDNS_RR_CLASS_IN, rd ? LDNS_RD : 0);
	if (pkt == NULL)
		return KD_ENOMEM;
	q->id = random_id();
	ldns_pkt_set_id(pkt, q->id);
	ldns_pkt_set_edns_udp_size(pkt, EDNS_UDP_SIZE);
	if (ldns_pkt2wire(&q->wire, pkt, &q->len) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		return KD_ENOMEM;
	}
	q->pkt = pkt;
	return KD_OK;
}

/* The nameservers of resolv.conf; 127.0.0.1 when it names none (as the C library does). */
static kd_err_t system_servers(kd_addr_t **out, size_t *n_out)
{
	ldns_resolver *res = NULL;
	size_t count = 0, n = 0;
	if (ldns_resolver_new_frm_file(&res, NULL) == LDNS_STATUS_OK)
		count = ldns_resolver_nameserver_count(res);
	kd_addr_t *list = calloc(count + 1, sizeof(*list));
	if (list == NULL) {
		ldns_resolver_deep_free(res);
		return KD_ENOMEM;
	}
	for (size_t i = 0; i < count; i++) {
		size_t sl = 0;
		struct sockaddr_storage *ss = ldns_rdf2native_sockaddr_storage(
		        ldns_resolver_nameservers(res)[i], ldns_resolver_port(res), &sl);
		if (ss != NULL && sl <= sizeof(list[n].ss)) {
			memcpy(&list[n].ss, ss, sl);
			list[n++].len = (socklen_t)sl;
		}
		free(ss);
	}
	if (res != NULL)
		ldns_resolver_deep_free(res);
	if (n == 0 && kd_addr_parse("127.0.0.1", 53, &list[n++]) != 0)
		n = 0;
	*out = list;
	*n_out = n;
	return KD_OK;
}

/* Ask each server in turn; the first answer wins. */
static kd_err_t ask_servers(const kd_query_opts_t *opts, const kd_addr_t *servers, size_t count,
                            const query_t *q, ldns_pkt **answer, kd_addr_t *from)
{
	uint64_t timeout = opts->timeout_ms != 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
	kd_err_t ret = KD_ENET;
	for (size_t i = 0; i < count; i++) {
		ldns_pkt *pkt = NULL;
		ret = exchange(&servers[i], q, opts->tcp, timeout, &pkt);
		if (ret == KD_OK && !opts->tcp && ldns_pkt_tc(pkt)) {
			ldns_pkt_free(pkt);
			pkt = NULL;
			ret = exchange(&servers[i], q, true, timeout, &pkt);
		}
		if (ret == KD_OK) {
			*answer = pkt;
			if (from != NULL)
				*from = servers[i];
			return KD_OK;
		}
		if (ret == KD_ENOMEM)
			break;
	}
	return ret;
}

kd_err_t kd_query(const kd_query_opts_t *opts, const char *name, ldns_rr_type type,
                  ldns_pkt **answer, kd_addr_t *from)
{
	query_t q = {NULL, NULL, 0, 0};
	kd_err_t ret = build_query(name, type, opts->recurse, &q);
	if (ret != KD_OK)
		return ret;
	const kd_addr_t *servers = opts->servers;
	kd_addr_t *owned = NULL;
	size_t count = opts->count;
	if (count == 0) {
		ret = system_servers(&owned, &count);
		servers = owned;
	}
	if (ret == KD_OK)
		ret = ask_servers(opts, servers, count, &q, answer, from);
	free(owned);
	free(q.wire);
	ldns_pkt_free(q.pkt);
	return ret;
}
