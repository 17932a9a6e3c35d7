/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/send.h"

#include <stdlib.h>
#include <string.h>

#include "dns/clock.h"
#include "dns/log.h"

/* The transport's check: a reply that does not answer this request (ID, opcode, zone) or
 * cannot be parsed is not the answer; one that cannot be believed is kept while a signed one
 * may still come (UDP). */
static kd_reply_t check_reply(const uint8_t *resp, size_t len, void *arg)
{
	const pub_send_t *s = arg;
	pub_verdict_t v;
	pub_result_t r = pub_msg_check(&s->msg, s->key, resp, len, &v);
	if (r == PUB_RES_MISMATCH || r == PUB_RES_MALFORMED)
		return KD_REPLY_IGNORE;
	return pub_result_tentative(&v) ? KD_REPLY_TENTATIVE : KD_REPLY_FINAL;
}

static uint64_t deadline(const pub_send_opts_t *o)
{
	uint64_t d = kd_now_ms() + o->timeout_ms;
	return o->deadline_ms != 0 && o->deadline_ms < d ? o->deadline_ms : d;
}

static bool past(const pub_send_opts_t *o)
{
	return o->deadline_ms != 0 && kd_now_ms() >= o->deadline_ms;
}

static void judge(pub_send_t *s, const uint8_t *reply, size_t len, const kd_addr_t *server)
{
	s->server = *server;
	pub_msg_check(&s->msg, s->key, reply, len, &s->v);
	s->err = KD_OK;
}

static void send_udp(pub_send_t *s, const pub_send_opts_t *o)
{
	pub_group_t *g = s->group;
	for (size_t k = 0; k < g->count && !past(o); k++) {
		const kd_addr_t *server = &g->servers[g->cur];
		uint8_t *reply = NULL;
		size_t len = 0;
		s->server = *server;
		s->err = kd_exchange(server, false, s->msg.wire, s->msg.len, deadline(o),
		                     check_reply, s, &reply, &len, NULL);
		if (s->err == KD_OK) {
			judge(s, reply, len, server);
			free(reply);
			return;
		}
		char a[KD_ADDR_STRLEN];
		kd_addr_str(server, a, sizeof(a));
		log_debug("no answer from %s for zone %s (%s)", a, s->msg.zone,
		          kd_strerror(s->err));
		g->cur = (g->cur + 1) % g->count;
	}
}

/* Send the unanswered items of group g over its connection, reopening it or moving to the
 * next server while that helps. */
static void send_tcp(pub_group_t *g, pub_send_t **items, size_t n, const pub_send_opts_t *o)
{
	kd_pipe_item_t *pipe = calloc(n, sizeof(*pipe));
	if (pipe == NULL) {
		for (size_t i = 0; i < n; i++)
			items[i]->err = KD_ENOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++)
		pipe[i] = (kd_pipe_item_t){.msg = items[i]->msg.wire,
		                           .len = items[i]->msg.len,
		                           .check = check_reply,
		                           .check_arg = items[i]};
	size_t tries = 0, answered = 0;
	while (answered < n && tries < 2 * g->count && !past(o)) {
		const kd_addr_t *server = &g->servers[g->cur];
		kd_err_t ret = KD_OK;
		if (g->conn != NULL && !kd_conn_usable(g->conn))
			pub_group_close(g);
		if (g->conn == NULL)
			ret = kd_conn_open(server, deadline(o), &g->conn);
		size_t before = answered;
		if (ret == KD_OK) {
			ret = kd_conn_pipeline(g->conn, pipe, n, o->window, deadline(o));
			answered = 0;
			for (size_t i = 0; i < n; i++)
				answered += pipe[i].reply != NULL;
		}
		for (size_t i = 0; i < n; i++) {
			if (pipe[i].reply != NULL && items[i]->err != KD_OK) {
				judge(items[i], pipe[i].reply, pipe[i].reply_len, server);
			} else if (pipe[i].reply == NULL) {
				items[i]->err = ret != KD_OK ? ret : pipe[i].err;
				items[i]->server = *server;
			}
		}
		if (answered == n)
			break;
		char a[KD_ADDR_STRLEN];
		kd_addr_str(server, a, sizeof(a));
		log_debug("%zu UPDATE(s) unanswered by %s (%s)", n - answered, a, kd_strerror(ret));
		pub_group_close(g);
		tries++;
		/* A server that closes a long pipeline midway is asked again while it makes
		 * progress; anything else moves on to the next server. */
		if (answered == before || (ret != KD_ECLOSED && ret != KD_ERESET))
			g->cur = (g->cur + 1) % g->count;
	}
	for (size_t i = 0; i < n; i++)
		free(pipe[i].reply);
	free(pipe);
}

static bool over_tcp(const pub_send_t *s, const pub_send_opts_t *o)
{
	return o->tcp || s->msg.len > KD_UDP_MAX_SEND;
}

void pub_send_all(pub_send_t *items, size_t n, const pub_send_opts_t *o)
{
	for (size_t i = 0; i < n; i++)
		items[i].err = KD_ETIMEOUT;
	for (size_t i = 0; i < n; i++)
		if (!over_tcp(&items[i], o))
			send_udp(&items[i], o);
	pub_send_t **batch = calloc(n + 1, sizeof(*batch));
	if (batch == NULL) {
		for (size_t i = 0; i < n; i++)
			if (over_tcp(&items[i], o))
				items[i].err = KD_ENOMEM;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		pub_group_t *g = items[i].group;
		bool seen = !over_tcp(&items[i], o);
		for (size_t k = 0; k < i && !seen; k++)
			seen = items[k].group == g && over_tcp(&items[k], o);
		if (seen)
			continue; /* each group once, from its first item */
		size_t m = 0;
		for (size_t k = i; k < n; k++)
			if (items[k].group == g && over_tcp(&items[k], o))
				batch[m++] = &items[k];
		send_tcp(g, batch, m, o);
	}
	free(batch);
}

void pub_group_close(pub_group_t *g)
{
	kd_conn_close(g->conn);
	g->conn = NULL;
}
