/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "dns/clock.h"
#include "dns/log.h"
#include "publisher/conf.h"
#include "publisher/round.h"

/* Signal handlers only set these; the loop acts on them. */
static volatile sig_atomic_t got_hup, got_term;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = sig;
}

static uint32_t os_random(void *ctx)
{
	uint32_t v = 0;
	while (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v) && errno == EINTR)
		;
	return v;
}

static void reload(pub_ctx_t *ctx, const char *path)
{
	pub_config_t *conf = NULL;
	kd_error_t err;
	if (pub_config_load(path, &conf, &err) != 0) {
		log_err("failed to reload configuration (%s); keeping the previous one", err.msg);
		return;
	}
	pub_ctx_set_config(ctx, conf);
	log_info("configuration reloaded from %s", path);
}

/* Block the signals the loop handles (they arrive only inside ppoll, so none slips in between
 * a check and the wait) and install handlers that only set flags. Done before the
 * configuration is read, so an early SIGHUP or SIGTERM is kept for the loop, not fatal. */
static void signals_init(sigset_t *waitmask)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};
	sigset_t block;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&block, sigs[i]);
	sigprocmask(SIG_BLOCK, &block, waitmask);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigdelset(waitmask, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
}

static int daemon_loop(pub_ctx_t *ctx, const char *path, const sigset_t *waitmask)
{
	log_info("publishing every %llu s", (unsigned long long)ctx->conf->raw.interval_ms / 1000);
	for (;;) {
		if (got_term) {
			if (ctx->conf->raw.withdraw_on_exit) {
				log_info("signal %d: withdrawing own records", (int)got_term);
				pub_round(ctx, PUB_WITHDRAW, false, kd_now_ms());
			}
			log_info("exiting");
			return 0;
		}
		if (got_hup) {
			got_hup = 0;
			reload(ctx, path);
		}
		uint64_t now = kd_now_ms();
		pub_round(ctx, PUB_PUBLISH, true, now);
		/* Nothing may stay due without being processed, or the loop would spin. */
		pub_sched_push_idle(&ctx->sched, now, ctx->conf->raw.interval_ms);
		uint64_t next = pub_next_due(ctx);
		now = kd_now_ms();
		uint64_t wait = next > now ? next - now : 0;
		if (wait > ctx->conf->raw.interval_ms)
			wait = ctx->conf->raw.interval_ms;
		if (wait < 10)
			wait = 10;
		struct timespec ts = {.tv_sec = (time_t)(wait / 1000),
		                      .tv_nsec = (long)(wait % 1000) * 1000000};
		ppoll(NULL, 0, &ts, waitmask);
	}
}

int pub_run(const pub_run_opts_t *opts)
{
	pub_config_t *conf = NULL;
	kd_error_t err;
	sigset_t waitmask;
	sigemptyset(&waitmask);
	if (opts->mode == PUB_RUN_DAEMON)
		signals_init(&waitmask);
	if (pub_config_load(opts->config_path, &conf, &err) != 0) {
		log_err("failed to load configuration (%s)", err.msg);
		return 2;
	}
	if (opts->mode == PUB_RUN_CHECK) {
		printf("%s: configuration OK\n", opts->config_path);
		if (opts->verbose)
			pub_config_print(stdout, conf);
		pub_config_free(conf);
		return 0;
	}
	pub_ctx_t ctx;
	pub_ctx_init(&ctx, conf, os_random, NULL);
	if (opts->dry_run)
		ctx.dry_run = stdout;
	int rc;
	switch (opts->mode) {
	case PUB_RUN_ONCE: rc = pub_round(&ctx, PUB_PUBLISH, false, kd_now_ms()) > 0 ? 1 : 0; break;
	case PUB_RUN_WITHDRAW:
		rc = pub_round(&ctx, PUB_WITHDRAW, false, kd_now_ms()) > 0 ? 1 : 0;
		break;
	case PUB_RUN_DAEMON:
	case PUB_RUN_CHECK:
	default: rc = daemon_loop(&ctx, opts->config_path, &waitmask); break;
	}
	pub_ctx_deinit(&ctx);
	return rc;
}
