/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/live.h"

#include <malloc.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dns/clock.h"
#include "dns/file.h"
#include "dns/log.h"
#include "publisher/status.h"

#define STATUS_EVERY_MS 1000u /* probe results alone are saved at most this often */
#define ADDR_SETTLE_MS  100u  /* rtnetlink sends bursts: list once they settle */

static char *status_extra(const void *ctx, size_t *len)
{
	return pub_status_format(ctx, (int64_t)time(NULL), kd_now_ms(), len);
}

/* The addresses to probe for host h: health.address, else its addresses, else what the
 * system resolver gives for its name; port health.port, else the host's port. */
static int probe_addrs(const pub_host_conf_t *h, kd_addr_t **out, size_t *n)
{
	uint16_t port = (uint16_t)(h->health.port != 0 ? h->health.port : h->port);
	kd_addr_t *v = calloc(h->addresses_count + 1, sizeof(*v));
	size_t k = 0;
	if (v == NULL)
		return -1;
	if (h->health.address != NULL) {
		if (kd_addr_parse_ip(h->health.address, &v[k]) == 0)
			k++;
	} else {
		for (size_t i = 0; i < h->addresses_count; i++)
			if (kd_addr_parse_ip(h->addresses[i], &v[k]) == 0)
				k++;
	}
	if (k == 0) {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL, *ai;
		if (getaddrinfo(h->name, NULL, &hints, &res) == 0) {
			for (ai = res; ai != NULL && k < 1; ai = ai->ai_next) {
				char ip[KD_ADDR_STRLEN];
				if (getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof(ip), NULL,
				                0, NI_NUMERICHOST) == 0 &&
				    kd_addr_parse_ip(ip, &v[k]) == 0)
					k++;
			}
			freeaddrinfo(res);
		}
	}
	for (size_t i = 0; i < k; i++)
		kd_addr_set_port(&v[i], port);
	*out = v;
	*n = k;
	return 0;
}

static void prober_stop(pub_live_t *l)
{
	pub_prober_free(l->prober);
	l->prober = NULL;
	free(l->target_host);
	l->target_host = NULL;
	l->ntargets = 0;
}

/* A prober for the probed hosts of the fleet; started when probing. */
static int prober_build(pub_live_t *l, uint64_t now_ms)
{
	const pub_config_t *conf = l->ctx->conf;
	size_t nh = conf->raw.hosts_count;
	pub_probe_target_t *t = calloc(nh + 1, sizeof(*t));
	kd_addr_t **addrs = calloc(nh + 1, sizeof(*addrs));
	l->target_host = calloc(nh + 1, sizeof(*l->target_host));
	int ret = -1;
	if (t == NULL || addrs == NULL || l->target_host == NULL)
		goto done;
	size_t n = 0;
	for (size_t h = 0; h < nh; h++) {
		const pub_host_conf_t *hc = &conf->raw.hosts[h];
		kd_probe_kind_t kind = pub_config_probe_kind(hc->health.probe);
		if (kind == KD_PROBE_NONE)
			continue;
		size_t na = 0;
		if (probe_addrs(hc, &addrs[n], &na) != 0)
			goto done;
		if (na == 0)
			log_warnx(
			        "host %s: no address to probe (give addresses or health.address); "
			        "its probes fail",
			        hc->name);
		t[n] = (pub_probe_target_t){.addrs = addrs[n],
		                            .addrs_count = na,
		                            .kind = kind,
		                            .interval_ms = hc->health.interval_ms,
		                            .timeout_ms = hc->health.timeout_ms};
		l->target_host[n++] = h;
	}
	l->ntargets = n;
	ret = 0;
	if (n == 0)
		goto done;
	l->prober = pub_prober_new(t, n, conf->raw.health_concurrency, now_ms);
	if (l->prober == NULL) {
		ret = -1;
		goto done;
	}
	if (l->probing) {
		kd_error_t err;
		if (pub_prober_start(l->prober, &err) != 0) {
			log_err("failed to start health probes (%s)", err.msg);
			ret = -1;
		}
	}
done:
	for (size_t i = 0; addrs != NULL && i < nh; i++)
		free(addrs[i]);
	free(addrs);
	free(t);
	if (ret != 0)
		prober_stop(l);
	return ret;
}

static bool any_auto(const pub_config_t *conf)
{
	for (size_t h = 0; h < conf->raw.hosts_count; h++)
		if (conf->raw.hosts[h].addresses_auto)
			return true;
	return false;
}

int pub_live_init(pub_live_t *l, pub_ctx_t *ctx, bool probing, uint64_t now_ms)
{
	memset(l, 0, sizeof(*l));
	l->ctx = ctx;
	l->watch.fd = -1;
	l->addr_check_ms = UINT64_MAX;
	l->status_due_ms = UINT64_MAX;
	l->probing = probing;
	if (pub_fleet_init(&l->fleet, ctx->conf, &ctx->state,
	                   probing ? PUB_HEALTH_PENDING : PUB_HEALTH_UP, now_ms) != 0)
		return -1;
	l->has_fleet = true;
	char *buf = NULL;
	size_t len = 0;
	if (kd_file_read(ctx->conf->raw.state, 64u << 20, &buf, &len) == 0) {
		pub_fleet_restore(&l->fleet, buf, len, (int64_t)time(NULL), now_ms);
		free(buf);
	}
	if (ctx->conf->raw.metrics_file != NULL && (l->metrics = pub_metrics_new()) == NULL)
		return -1;
	ctx->fleet = &l->fleet;
	ctx->metrics = l->metrics;
	ctx->state_extra = status_extra;
	return 0;
}

int pub_live_start(pub_live_t *l, uint64_t now_ms)
{
	l->probing = true;
	if (!l->watching && any_auto(l->ctx->conf)) {
		kd_error_t err;
		if (pub_ifwatch_open(&l->watch, &err) != 0)
			log_err("failed to watch this machine's addresses (%s); they are listed "
			        "again "
			        "at each round",
			        err.msg);
		else
			l->watching = true;
	}
	return prober_build(l, now_ms);
}

void pub_live_reload(pub_live_t *l, uint64_t now_ms)
{
	pub_fleet_t old = l->fleet;
	if (pub_fleet_init(&l->fleet, l->ctx->conf, &l->ctx->state, PUB_HEALTH_PENDING, now_ms) !=
	    0) {
		log_err("failed to set up health gating for the new configuration (out of memory); "
		        "every host is published");
		l->has_fleet = false;
		l->ctx->fleet = NULL;
	} else {
		pub_fleet_carry(&l->fleet, &old);
		l->ctx->fleet = &l->fleet;
	}
	pub_fleet_deinit(&old);
	prober_stop(l);
	if (l->watching && !any_auto(l->ctx->conf)) {
		pub_ifwatch_close(&l->watch);
		l->watching = false;
	}
	if (l->probing)
		pub_live_start(l, now_ms);
}

void pub_live_deinit(pub_live_t *l)
{
	prober_stop(l);
	if (l->watching)
		pub_ifwatch_close(&l->watch);
	if (l->has_fleet)
		pub_fleet_deinit(&l->fleet);
	pub_metrics_free(l->metrics);
	if (l->ctx != NULL) {
		l->ctx->fleet = NULL;
		l->ctx->metrics = NULL;
		l->ctx->state_extra = NULL;
	}
	memset(l, 0, sizeof(*l));
}

size_t pub_live_fds(const pub_live_t *l, struct pollfd *fds)
{
	size_t n = 0;
	if (l->prober != NULL)
		fds[n++] = (struct pollfd){.fd = pub_prober_fd(l->prober), .events = POLLIN};
	if (l->watching)
		fds[n++] = (struct pollfd){.fd = l->watch.fd, .events = POLLIN};
	return n;
}

uint64_t pub_live_next(const pub_live_t *l)
{
	uint64_t t = l->has_fleet ? pub_fleet_deadline(&l->fleet) : UINT64_MAX;
	if (l->addr_check_ms < t)
		t = l->addr_check_ms;
	if (l->status_due_ms < t)
		t = l->status_due_ms;
	return t;
}

static void make_due(pub_ctx_t *ctx, uint64_t now_ms)
{
	for (size_t i = 0; i < ctx->sched.n; i++)
		if (ctx->sched.v[i].key[0] != '?' && ctx->sched.v[i].backoff.next_ms > now_ms)
			ctx->sched.v[i].backoff.next_ms = now_ms;
}

static void write_metrics(pub_live_t *l)
{
	const pub_config_t *conf = l->ctx->conf;
	if (l->metrics == NULL || conf->raw.metrics_file == NULL)
		return;
	pub_metrics_clear_gauges(l->metrics);
	for (size_t h = 0; l->has_fleet && h < l->fleet.nh; h++)
		pub_metrics_host_up(l->metrics, l->fleet.hosts[h].name,
		                    l->fleet.hosts[h].h.state == PUB_HEALTH_UP);
	for (size_t d = 0; l->has_fleet && d < l->fleet.nd; d++)
		pub_metrics_published(l->metrics, conf->raw.domains[d].name,
		                      pub_fleet_count(&l->fleet, d));
	if (pub_metrics_write(l->metrics, conf->raw.metrics_file) != 0) {
		if (!l->metrics_failed)
			log_warn("failed to write metrics file %s", conf->raw.metrics_file);
		l->metrics_failed = true;
	} else {
		l->metrics_failed = false;
	}
}

static void save_status(pub_live_t *l)
{
	kd_error_t err;
	if (l->prober != NULL) {
		size_t m = pub_prober_max_inflight(l->prober);
		if (m > l->ctx->probes_max_inflight)
			l->ctx->probes_max_inflight = m;
	}
	l->ctx->state_dirty = true;
	if (pub_ctx_save_state(l->ctx, &err) != 0)
		log_debug("%s", err.msg);
	l->status_due_ms = UINT64_MAX;
	/* The daemon idles now. A round allocates per record and name (about 25 MiB of heap at
	 * 1,000 zones x 10 hosts) and frees it all, a save a few MiB of text, but glibc keeps
	 * freed heap pages resident unless asked: 33 -> 15 MiB RSS (tests/bench/pub-bench). */
	malloc_trim(0);
}

/* Re-list this machine's addresses for the hosts with addresses: auto; true when they
 * changed. */
static bool relist(pub_live_t *l)
{
	pub_config_t *conf = l->ctx->conf;
	kd_addr_t *v = NULL;
	size_t n = 0;
	kd_error_t err;
	if (pub_ifaddr_list(conf->raw.include_ula, &v, &n, &err) != 0) {
		log_err("failed to list this machine's addresses (%s)", err.msg);
		return false;
	}
	bool changed = false;
	for (size_t h = 0; h < conf->raw.hosts_count; h++) {
		pub_host_conf_t *hc = &conf->raw.hosts[h];
		if (!hc->addresses_auto)
			continue;
		bool same = hc->addresses_count == n;
		for (size_t i = 0; same && i < n; i++) {
			kd_addr_t a;
			same = kd_addr_parse_ip(hc->addresses[i], &a) == 0 &&
			       kd_addr_equal(&a, &v[i]);
		}
		if (same)
			continue;
		char **list = calloc(n + 1, sizeof(*list));
		size_t k = 0;
		for (; list != NULL && k < n; k++) {
			char ip[KD_ADDR_STRLEN];
			kd_addr_ip_str(&v[k], ip, sizeof(ip));
			if ((list[k] = strdup(ip)) == NULL)
				break;
		}
		if (list == NULL || k < n) {
			for (size_t i = 0; list != NULL && i < k; i++)
				free(list[i]);
			free(list);
			log_err("failed to take this machine's new addresses (out of memory)");
			continue;
		}
		for (size_t i = 0; i < hc->addresses_count; i++)
			free(hc->addresses[i]);
		free(hc->addresses);
		hc->addresses = list;
		hc->addresses_count = n;
		log_info("host %s: this machine's addresses changed (%zu now)", hc->name, n);
		changed = true;
	}
	free(v);
	return changed;
}

bool pub_live_work(pub_live_t *l, uint64_t now_ms)
{
	bool round = false, transition = false;
	if (l->prober != NULL) {
		pub_probe_verdict_t v[64];
		size_t n;
		/* Bounded: at most 64 batches a turn; the rest waits for the next turn. */
		for (int b = 0; b < 64 && (n = pub_prober_take(l->prober, v, 64)) > 0; b++) {
			for (size_t i = 0; i < n; i++) {
				if (v[i].host >= l->ntargets)
					continue;
				size_t h = l->target_host[v[i].host];
				log_debug("host %s: probe %s in %u ms", l->fleet.hosts[h].name,
				          kd_probe_result_str(v[i].result), v[i].latency_ms);
				if (l->metrics != NULL)
					pub_metrics_probe(l->metrics, l->fleet.hosts[h].name,
					                  kd_probe_result_str(v[i].result),
					                  v[i].latency_ms);
				if (pub_fleet_feed(&l->fleet, h, v[i].result, v[i].latency_ms,
				                   v[i].when_ms))
					transition = true;
				if (l->status_due_ms == UINT64_MAX)
					l->status_due_ms = now_ms + STATUS_EVERY_MS;
			}
			if (n < 64)
				break; /* the queue is empty: no second look */
		}
	}
	if (l->has_fleet) {
		int s = pub_fleet_settle(&l->fleet, now_ms);
		if (s == 1) {
			log_info("health changed the published records: updating now");
			make_due(l->ctx, now_ms);
			round = true;
		}
	}
	if (l->watching) {
		int r = pub_ifwatch_read(&l->watch);
		if (r != 0 && l->addr_check_ms == UINT64_MAX)
			l->addr_check_ms = now_ms + ADDR_SETTLE_MS;
	}
	if (l->addr_check_ms <= now_ms) {
		l->addr_check_ms = UINT64_MAX;
		if (relist(l)) {
			prober_stop(l);
			prober_build(l, now_ms);
			make_due(l->ctx, now_ms);
			round = true;
		}
	}
	if (transition) {
		save_status(l);
		write_metrics(l);
	} else if (l->status_due_ms <= now_ms) {
		save_status(l);
		write_metrics(l);
	}
	return round;
}

void pub_live_after_round(pub_live_t *l)
{
	/* --once leaves the state file alone unless the records in it changed (an
	 * authentication failure must not touch it); the round saved it then. */
	if (l->probing)
		save_status(l);
	write_metrics(l);
}
