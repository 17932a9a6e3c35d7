/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/transport.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dns/clock.h"

#define HDR 12 /* a DNS header: anything shorter carries no ID worth trusting */

int kd_wait(struct pollfd *fds, size_t n, uint64_t deadline_ms)
{
	for (;;) {
		uint64_t now = kd_now_ms();
		if (now >= deadline_ms)
			return 0;
		uint64_t left = deadline_ms - now;
		int r = poll(fds, (nfds_t)n, left > INT_MAX ? INT_MAX : (int)left);
		if (r >= 0 || errno != EINTR)
			return r;
	}
}

kd_err_t kd_errno_err(int e)
{
	switch (e) {
	case ECONNREFUSED: return KD_EREFUSED;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN: return KD_EUNREACH;
	case ECONNRESET:
	case EPIPE: return KD_ERESET;
	case ETIMEDOUT: return KD_ETIMEOUT;
	case ENOMEM:
	case ENOBUFS: return KD_ENOMEM;
	default: return KD_ENET;
	}
}

static uint16_t msg_id(const uint8_t *msg)
{
	return (uint16_t)(msg[0] << 8 | msg[1]);
}

static kd_reply_t judge(kd_reply_fn check, void *arg, const uint8_t *msg, size_t len)
{
	return check != NULL ? check(msg, len, arg) : KD_REPLY_FINAL;
}

static uint8_t *dup_msg(const uint8_t *msg, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);
	if (copy != NULL)
		memcpy(copy, msg, len);
	return copy;
}

static int open_socket(const kd_addr_t *server, int type)
{
	return socket(server->ss.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
}

/* ---- UDP ---- */

struct kd_udp {
	int fd;
	uint8_t *msg;
	size_t len;
	kd_reply_fn check;
	void *arg;
	uint8_t *tentative;
	size_t tentative_len;
	bool mismatch;
	uint8_t buf[KD_MSG_MAX];
};

kd_err_t kd_udp_start(const kd_addr_t *server, const uint8_t *msg, size_t len, kd_reply_fn check,
                      void *arg, kd_udp_t **out)
{
	if (len < 2 || len > KD_MSG_MAX)
		return KD_EINVAL;
	kd_udp_t *u = calloc(1, sizeof(*u));
	if (u == NULL || (u->msg = dup_msg(msg, len)) == NULL) {
		free(u);
		return KD_ENOMEM;
	}
	u->len = len;
	u->check = check;
	u->arg = arg;
	u->fd = open_socket(server, SOCK_DGRAM);
	/* Connected: the kernel drops datagrams from other addresses and reports ICMP errors. */
	kd_err_t ret = KD_OK;
	if (u->fd < 0 || connect(u->fd, (const struct sockaddr *)&server->ss, server->len) != 0)
		ret = kd_errno_err(errno);
	else
		ret = kd_udp_resend(u);
	if (ret != KD_OK) {
		kd_udp_free(u);
		return ret;
	}
	*out = u;
	return KD_OK;
}

kd_err_t kd_udp_resend(kd_udp_t *u)
{
	if (send(u->fd, u->msg, u->len, 0) == (ssize_t)u->len)
		return KD_OK;
	return kd_errno_err(errno);
}

int kd_udp_fd(const kd_udp_t *u)
{
	return u->fd;
}

kd_err_t kd_udp_read(kd_udp_t *u, uint8_t **reply, size_t *reply_len)
{
	for (;;) {
		ssize_t n = recv(u->fd, u->buf, sizeof(u->buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? KD_EAGAIN
			                                               : kd_errno_err(errno);
		}
		if ((size_t)n < HDR || msg_id(u->buf) != msg_id(u->msg)) {
			u->mismatch = true; /* a stray or forged datagram: keep waiting */
			continue;
		}
		kd_reply_t v = judge(u->check, u->arg, u->buf, (size_t)n);
		if (v == KD_REPLY_IGNORE || v == KD_REPLY_MORE) {
			u->mismatch = true;
			continue;
		}
		if (v == KD_REPLY_TENTATIVE) {
			if (u->tentative == NULL &&
			    (u->tentative = dup_msg(u->buf, (size_t)n)) != NULL)
				u->tentative_len = (size_t)n;
			continue;
		}
		uint8_t *copy = dup_msg(u->buf, (size_t)n);
		if (copy == NULL)
			return KD_ENOMEM;
		*reply = copy;
		*reply_len = (size_t)n;
		return KD_OK;
	}
}

kd_err_t kd_udp_finish(kd_udp_t *u, uint8_t **reply, size_t *reply_len)
{
	if (u->tentative != NULL) {
		*reply = u->tentative;
		*reply_len = u->tentative_len;
		u->tentative = NULL;
		return KD_OK;
	}
	return u->mismatch ? KD_EMISMATCH : KD_ETIMEOUT;
}

void kd_udp_free(kd_udp_t *u)
{
	if (u == NULL)
		return;
	if (u->fd >= 0)
		close(u->fd);
	free(u->msg);
	free(u->tentative);
	free(u);
}

/* ---- TCP ---- */

struct kd_conn {
	int fd;
	kd_addr_t server;
	bool broken;
	size_t rlen;                  /* bytes read and not handed over, from a frame's start */
	uint8_t rbuf[2 + KD_MSG_MAX]; /* length prefix + message, and what follows */
};

kd_err_t kd_conn_open(const kd_addr_t *server, uint64_t deadline_ms, kd_conn_t **out)
{
	kd_conn_t *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return KD_ENOMEM;
	c->server = *server;
	c->fd = open_socket(server, SOCK_STREAM);
	kd_err_t ret = KD_OK;
	/* Pipelined questions are small messages sent while answers are due: Nagle would hold
	 * one back until the server's (delayed, up to 40 ms) ACK. */
	int one = 1;
	if (c->fd >= 0)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (c->fd < 0) {
		ret = kd_errno_err(errno);
	} else if (connect(c->fd, (const struct sockaddr *)&server->ss, server->len) != 0) {
		if (errno != EINPROGRESS) {
			ret = kd_errno_err(errno);
		} else {
			struct pollfd p = {.fd = c->fd, .events = POLLOUT};
			int w = kd_wait(&p, 1, deadline_ms);
			int soerr = 0;
			socklen_t sl = sizeof(soerr);
			if (w <= 0)
				ret = w < 0 ? kd_errno_err(errno) : KD_ETIMEOUT;
			else if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
				ret = kd_errno_err(errno);
			else if (soerr != 0)
				ret = kd_errno_err(soerr);
		}
	}
	if (ret != KD_OK) {
		kd_conn_close(c);
		return ret;
	}
	*out = c;
	return KD_OK;
}

void kd_conn_close(kd_conn_t *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

const kd_addr_t *kd_conn_server(const kd_conn_t *c)
{
	return &c->server;
}

bool kd_conn_usable(const kd_conn_t *c)
{
	return !c->broken;
}

/* State of one kd_conn_pipeline call. */
typedef struct {
	kd_conn_t *c;
	kd_pipe_item_t *items;
	size_t n;
	int32_t *waiting; /* message ID -> index of the item waiting for it, or -1 */
	size_t next;      /* next item to send */
	size_t sent;      /* bytes of items[next] (with its length prefix) already sent */
	size_t inflight;
	size_t max_inflight; /* 0: no limit */
	size_t open;         /* items without a reply or a final error */
	bool stray;          /* a reply came with an ID nobody was waiting for */
} pipe_t;

static bool needs_reply(const kd_pipe_item_t *it)
{
	return it->reply == NULL;
}

static void skip_answered(pipe_t *p)
{
	while (p->next < p->n && !needs_reply(&p->items[p->next]))
		p->next++;
}

/* Write as much of the pending messages as the socket takes. */
static kd_err_t pipe_send(pipe_t *p)
{
	for (;;) {
		skip_answered(p);
		if (p->next == p->n || (p->max_inflight != 0 && p->inflight >= p->max_inflight))
			return KD_OK;
		kd_pipe_item_t *it = &p->items[p->next];
		uint8_t hdr[2] = {(uint8_t)(it->len >> 8), (uint8_t)it->len};
		struct iovec iov[2] = {{hdr, 2}, {(void *)it->msg, it->len}};
		size_t skip = p->sent;
		int first = skip >= 2 ? 1 : 0;
		iov[first].iov_base = (uint8_t *)iov[first].iov_base + (first ? skip - 2 : skip);
		iov[first].iov_len -= first ? skip - 2 : skip;
		struct msghdr mh = {.msg_iov = &iov[first], .msg_iovlen = (size_t)(2 - first)};
		ssize_t w = sendmsg(p->c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? KD_OK
			                                               : kd_errno_err(errno);
		}
		p->sent += (size_t)w;
		if (p->sent == it->len + 2) {
			p->waiting[msg_id(it->msg)] = (int32_t)p->next;
			p->inflight++;
			p->next++;
			p->sent = 0;
		}
	}
}

/* One whole reply frame in c->rbuf: hand it to the item waiting for its ID. */
static void pipe_deliver(pipe_t *p, const uint8_t *msg, size_t len)
{
	if (len < HDR)
		return;
	int32_t k = p->waiting[msg_id(msg)];
	if (k < 0) {
		p->stray = true; /* nobody asked (a late or forged answer) */
		return;
	}
	kd_pipe_item_t *it = &p->items[k];
	p->waiting[msg_id(msg)] = -1;
	p->inflight--;
	p->open--;
	/* Refill the window before judging the reply (a TSIG check, a parse): the server works
	 * on the next question meanwhile instead of waiting for the whole batch to be judged.
	 * A send error shows again in the caller's next pipe_send. */
	(void)pipe_send(p);
	/* Over TCP no other answer will come for this ID: TENTATIVE is final here. */
	kd_reply_t v = judge(it->check, it->check_arg, msg, len);
	if (v == KD_REPLY_MORE) { /* the check took it; the rest follows with the same ID */
		p->waiting[msg_id(msg)] = k;
		p->inflight++;
		p->open++;
		return;
	}
	if (v == KD_REPLY_IGNORE) {
		it->err = KD_EMISMATCH;
		return;
	}
	if ((it->reply = dup_msg(msg, len)) == NULL) {
		it->err = KD_ENOMEM;
		return;
	}
	it->reply_len = len;
	it->err = KD_OK;
}

/* Read whatever has arrived, as much as c->rbuf holds per recv, and hand over every whole
 * frame (what follows the last one stays in c->rbuf, from a frame's start: a frame of the
 * largest size always fits). One recv per reply and one per length prefix was most of the
 * cost of a long pipeline of small answers. */
static kd_err_t pipe_recv(pipe_t *p)
{
	kd_conn_t *c = p->c;
	for (;;) {
		size_t off = 0;
		while (p->open > 0 && c->rlen - off >= 2) {
			size_t frame = 2 + (size_t)(c->rbuf[off] << 8 | c->rbuf[off + 1]);
			if (c->rlen - off < frame)
				break;
			if (frame > 2)
				pipe_deliver(p, c->rbuf + off + 2, frame - 2);
			off += frame;
		}
		if (off > 0) {
			memmove(c->rbuf, c->rbuf + off, c->rlen - off);
			c->rlen -= off;
		}
		if (p->open == 0)
			return KD_OK;
		ssize_t r = recv(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? KD_OK
			                                               : kd_errno_err(errno);
		}
		if (r == 0)
			return KD_ECLOSED;
		c->rlen += (size_t)r;
	}
}

/* Every item still open gets err; the connection is no longer usable. */
static void pipe_fail(pipe_t *p, kd_err_t err)
{
	p->c->broken = true;
	if (p->stray && (err == KD_ETIMEOUT || err == KD_ECLOSED))
		err = KD_EMISMATCH; /* the server did answer, but not with the IDs asked */
	for (size_t i = 0; i < p->n; i++)
		if (needs_reply(&p->items[i]) &&
		    (p->items[i].err == KD_OK || p->items[i].err == KD_EAGAIN))
			p->items[i].err = err;
}

static kd_err_t pipe_init(pipe_t *p, kd_conn_t *c, kd_pipe_item_t *items, size_t n,
                          size_t max_inflight)
{
	memset(p, 0, sizeof(*p));
	p->c = c;
	p->max_inflight = max_inflight;
	p->items = items;
	p->n = n;
	p->waiting = malloc(65536 * sizeof(*p->waiting));
	if (p->waiting == NULL)
		return KD_ENOMEM;
	memset(p->waiting, 0xff, 65536 * sizeof(*p->waiting)); /* all -1 */
	uint8_t *seen = calloc(65536, 1);
	if (seen == NULL)
		return KD_ENOMEM;
	kd_err_t ret = KD_OK;
	for (size_t i = 0; i < n && ret == KD_OK; i++) {
		kd_pipe_item_t *it = &items[i];
		if (!needs_reply(it))
			continue;
		if (it->len < 2 || it->len > KD_MSG_MAX || seen[msg_id(it->msg)]) {
			ret = KD_EINVAL;
			break;
		}
		seen[msg_id(it->msg)] = 1;
		it->err = KD_EAGAIN;
		p->open++;
	}
	free(seen);
	return ret;
}

kd_err_t kd_conn_pipeline(kd_conn_t *c, kd_pipe_item_t *items, size_t n, size_t max_inflight,
                          uint64_t deadline_ms)
{
	pipe_t p;
	kd_err_t ret = pipe_init(&p, c, items, n, max_inflight);
	if (ret == KD_OK && c->broken)
		ret = KD_ECLOSED;
	if (ret != KD_OK) {
		if (ret != KD_EINVAL)
			pipe_fail(&p, ret);
		free(p.waiting);
		return ret;
	}
	while (p.open > 0) {
		ret = pipe_send(&p);
		if (ret != KD_OK)
			break;
		skip_answered(&p);
		bool more = p.next < p.n && (max_inflight == 0 || p.inflight < max_inflight);
#ifdef TCP_QUICKACK
		/* Nothing left to send, so no question carries our ACK: the server's Nagle would
		 * hold its last small answers until our delayed ACK (40 ms). Not sticky: again
		 * before each wait. */
		int one = 1;
		if (!more)
			(void)setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#endif
		struct pollfd pfd = {.fd = c->fd, .events = POLLIN | (more ? POLLOUT : 0)};
		int w = kd_wait(&pfd, 1, deadline_ms);
		if (w <= 0) {
			ret = w < 0 ? kd_errno_err(errno) : KD_ETIMEOUT;
			break;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ret = pipe_recv(&p);
			if (ret != KD_OK)
				break;
		}
	}
	if (ret != KD_OK)
		pipe_fail(&p, ret);
	free(p.waiting);
	for (size_t i = 0; i < n; i++)
		if (needs_reply(&items[i]))
			return items[i].err;
	return KD_OK;
}

/* ---- one exchange ---- */

static kd_err_t exchange_udp(const kd_addr_t *server, const uint8_t *msg, size_t len,
                             uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                             size_t *reply_len)
{
	kd_udp_t *u = NULL;
	kd_err_t ret = kd_udp_start(server, msg, len, check, arg, &u);
	while (ret == KD_OK) {
		struct pollfd p = {.fd = kd_udp_fd(u), .events = POLLIN};
		int w = kd_wait(&p, 1, deadline_ms);
		if (w < 0) {
			ret = kd_errno_err(errno);
		} else if (w == 0) {
			ret = kd_udp_finish(u, reply, reply_len);
			break;
		} else if ((ret = kd_udp_read(u, reply, reply_len)) != KD_EAGAIN) {
			break;
		} else {
			ret = KD_OK;
		}
	}
	kd_udp_free(u);
	return ret;
}

static kd_err_t exchange_tcp(const kd_addr_t *server, const uint8_t *msg, size_t len,
                             uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                             size_t *reply_len)
{
	kd_conn_t *c = NULL;
	kd_err_t ret = kd_conn_open(server, deadline_ms, &c);
	if (ret != KD_OK)
		return ret;
	kd_pipe_item_t it = {.msg = msg, .len = len, .check = check, .check_arg = arg};
	ret = kd_conn_pipeline(c, &it, 1, 1, deadline_ms);
	kd_conn_close(c);
	if (ret == KD_OK) {
		*reply = it.reply;
		*reply_len = it.reply_len;
	}
	return ret;
}

kd_err_t kd_exchange(const kd_addr_t *server, bool tcp, const uint8_t *msg, size_t len,
                     uint64_t deadline_ms, kd_reply_fn check, void *arg, uint8_t **reply,
                     size_t *reply_len, bool *used_tcp)
{
	if (len < HDR || len > KD_MSG_MAX)
		return KD_EINVAL;
	uint8_t *r = NULL;
	size_t rl = 0;
	if (!tcp && len <= KD_UDP_MAX_SEND) {
		kd_err_t ret = exchange_udp(server, msg, len, deadline_ms, check, arg, &r, &rl);
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
	kd_err_t ret = exchange_tcp(server, msg, len, deadline_ms, check, arg, &r, &rl);
	if (ret != KD_OK)
		return ret;
	*reply = r;
	*reply_len = rl;
	if (used_tcp != NULL)
		*used_tcp = true;
	return KD_OK;
}
