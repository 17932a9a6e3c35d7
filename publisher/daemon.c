/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/daemon.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/log.h"
#include "publisher/conf.h"
#include "publisher/live.h"
#include "publisher/privdrop.h"
#include "publisher/round.h"
#include "publisher/sdnotify.h"
#include "publisher/status.h"

/* Signal handlers only set these; the loop and the round act on them. The one exception: a
 * second SIGTERM/SIGINT ends the process at once, wherever it waits. */
static volatile sig_atomic_t got_hup, got_term;

static const char *sig_name(int sig)
{
	switch (sig) {
	case SIGHUP: return "SIGHUP";
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	default: return "a signal";
	}
}

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		got_hup = 1;
		return;
	}
	if (got_term) {
		/* write(2) and _exit(2) are async-signal-safe; stdio is not. */
		static const char msg[] = "kms-publisher: second signal: exiting at once, own "
		                          "records not withdrawn\n";
		ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
		(void)w;
		_exit(1);
	}
	got_term = sig;
}

static uint32_t os_random(void *ctx)
{
	uint32_t v = 0;
	while (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v) && errno == EINTR)
		;
	return v;
}

/* Report what loading found; with strict permissions a secret readable by others is an
 * error. Returns 0, or -1 when the configuration must not be used. */
static int report_warnings(const pub_config_t *conf, bool strict_cli)
{
	bool strict = strict_cli || conf->raw.strict;
	int ret = 0;
	for (size_t i = 0; i < conf->warnings_count; i++) {
		const pub_warning_t *w = &conf->warnings[i];
		if (w->permissions && strict) {
			log_err("%s (strict permissions)", w->text);
			ret = -1;
		} else {
			log_warnx("%s", w->text);
		}
	}
	return ret;
}

static int load(const pub_run_opts_t *opts, pub_config_t **out)
{
	kd_error_t err;
	if (pub_config_load(opts->config_path, out, &err) != 0) {
		log_err("failed to load configuration (%s)", err.msg);
		return -1;
	}
	if (report_warnings(*out, opts->strict_permissions) != 0) {
		pub_config_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void reload(pub_ctx_t *ctx, pub_live_t *live, const pub_run_opts_t *opts)
{
	pub_config_t *conf = NULL;
	if (load(opts, &conf) != 0) {
		log_err("failed to reload configuration from %s; keeping the previous one",
		        opts->config_path);
		return;
	}
	pub_ctx_set_config(ctx, conf);
	pub_live_reload(live, kd_now_ms());
	log_info("configuration reloaded from %s", opts->config_path);
}

/* Block the signals the loop handles (they arrive only inside ppoll or a round, so none
 * slips in between a check and the wait) and install handlers that only set flags. Done
 * before the configuration is read, so an early SIGHUP or SIGTERM is kept for the loop, not
 * fatal. */
static void signals_init(sigset_t *waitmask, sigset_t *blocked)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT};
	sigemptyset(blocked);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(blocked, sigs[i]);
	sigprocmask(SIG_BLOCK, blocked, waitmask);
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

/* A round with the signals open: SIGTERM ends it after the exchanges in flight. */
static unsigned round_open(pub_ctx_t *ctx, pub_mode_t mode, bool honor, const sigset_t *blocked)
{
	sigprocmask(SIG_UNBLOCK, blocked, NULL);
	unsigned failures = pub_round(ctx, mode, honor, kd_now_ms());
	sigprocmask(SIG_BLOCK, blocked, NULL);
	return failures;
}

static int shut_down(pub_ctx_t *ctx, const sigset_t *blocked)
{
	const char *name = sig_name((int)got_term);
	if (!ctx->conf->raw.withdraw_on_exit) {
		log_info("%s: exiting", name);
		return 0;
	}
	uint64_t limit = ctx->conf->raw.shutdown_timeout_ms;
	log_info("%s: withdrawing own records (at most %llu ms; a second signal exits at once)",
	         name, (unsigned long long)limit);
	ctx->deadline_ms = kd_now_ms() + limit;
	ctx->stop = NULL; /* the withdrawal is the one round left: let it finish */
	unsigned failures = round_open(ctx, PUB_WITHDRAW, false, blocked);
	if (failures > 0) {
		log_err("exiting: %u zone(s) not withdrawn; their records stay in the state file "
		        "and are withdrawn at the next start with --withdraw",
		        failures);
		return 1;
	}
	log_info("exiting");
	return 0;
}

/* As root: drop to target or fail. Not root: fine when already that user, else an error (the
 * configuration asks for an identity this process cannot take). */
static int drop_privileges(const pub_user_t *target)
{
	kd_error_t err;
	if (geteuid() == 0) {
		if (pub_privdrop_apply(target, &err) != 0) {
			log_err("%s; not running on as root", err.msg);
			return -1;
		}
		log_info("running as user %s (uid %u, gid %u)", target->name, (unsigned)target->uid,
		         (unsigned)target->gid);
		return 0;
	}
	if (geteuid() == target->uid)
		return 0;
	log_err("failed to drop privileges to user %s (not started as root, running as uid %u)",
	        target->name, (unsigned)geteuid());
	return -1;
}

/* Ready once the first round is done, whatever its outcome: failures are retried, and
 * STATUS= (sent when it changes) says how the zones stand. */
static void notify_status(const pub_ctx_t *ctx, bool *ready, char *last, size_t lastsz)
{
	size_t ok = 0, failing = 0; /* "?name" entries: names whose zone is not found yet */
	for (size_t i = 0; i < ctx->sched.n; i++) {
		ok += ctx->sched.v[i].ok && ctx->sched.v[i].key[0] != '?';
		failing += !ctx->sched.v[i].ok;
	}
	char status[128];
	size_t probed = 0, up = 0;
	for (size_t h = 0; ctx->fleet != NULL && h < ctx->fleet->nh; h++) {
		probed += ctx->fleet->hosts[h].kind != KD_PROBE_NONE;
		up += ctx->fleet->hosts[h].kind != KD_PROBE_NONE &&
		      ctx->fleet->hosts[h].h.state == PUB_HEALTH_UP;
	}
	int n = snprintf(status, sizeof(status), "%zu zone(s) ok, %zu failing", ok, failing);
	if (probed > 0 && n > 0 && (size_t)n < sizeof(status))
		snprintf(status + n, sizeof(status) - (size_t)n, "; %zu of %zu probed host(s) up",
		         up, probed);
	if (!*ready)
		pub_sd_ready(status);
	else if (strcmp(status, last) != 0)
		pub_sd_status("%s", status);
	snprintf(last, lastsz, "%s", status);
	*ready = true;
}

static int daemon_loop(pub_ctx_t *ctx, pub_live_t *live, const pub_run_opts_t *opts,
                       const sigset_t *waitmask, const sigset_t *blocked)
{
	log_info("publishing every %llu s", (unsigned long long)ctx->conf->raw.interval_ms / 1000);
	ctx->stop = &got_term;
	pub_sd_watchdog_t wd;
	pub_sd_watchdog_init(&wd, kd_now_ms());
	bool ready = false;
	char last_status[128] = "";
	bool force = true; /* a round regardless of the schedule: at start and after a reload */
	for (;;) {
		pub_sd_watchdog_tick(&wd, kd_now_ms());
		if (got_term) {
			pub_sd_stopping();
			return shut_down(ctx, blocked);
		}
		if (got_hup) {
			got_hup = 0;
			log_info("SIGHUP: reloading the configuration");
			pub_sd_reloading();
			reload(ctx, live, opts);
			force = true;
			pub_sd_ready(NULL);
		}
		uint64_t now = kd_now_ms();
		if (pub_live_work(live, now))
			force = true;
		if (force || pub_next_due(ctx) <= now) {
			force = false;
			round_open(ctx, PUB_PUBLISH, true, blocked);
			pub_live_after_round(live);
			notify_status(ctx, &ready, last_status, sizeof(last_status));
		}
		/* Nothing may stay due without being processed, or the loop would spin. */
		pub_sched_push_idle(&ctx->sched, now, ctx->conf->raw.interval_ms);
		/* A signal that came during the round was handled then (the flag is set) and does
		 * not interrupt the ppoll below: act on it now, not at the next timer. */
		if (got_term || got_hup)
			continue;
		uint64_t next = pub_next_due(ctx);
		now = kd_now_ms();
		uint64_t wait = next > now ? next - now : 0;
		if (wait > ctx->conf->raw.interval_ms)
			wait = ctx->conf->raw.interval_ms;
		uint64_t lnext = pub_live_next(live);
		if (lnext != UINT64_MAX && (lnext <= now ? 0 : lnext - now) < wait)
			wait = lnext <= now ? 0 : lnext - now;
		uint64_t ping = pub_sd_watchdog_due(&wd);
		if (ping != UINT64_MAX && (ping <= now ? 0 : ping - now) < wait)
			wait = ping <= now ? 0 : ping - now;
		if (wait < 10)
			wait = 10;
		struct timespec ts = {.tv_sec = (time_t)(wait / 1000),
		                      .tv_nsec = (long)(wait % 1000) * 1000000};
		struct pollfd fds[PUB_LIVE_FDS];
		size_t nfds = pub_live_fds(live, fds);
		ppoll(fds, nfds, &ts, waitmask);
	}
}

int pub_run(const pub_run_opts_t *opts)
{
	pub_config_t *conf = NULL;
	sigset_t waitmask, blocked;
	sigemptyset(&waitmask);
	sigemptyset(&blocked);
	if (opts->mode == PUB_RUN_DAEMON)
		signals_init(&waitmask, &blocked);
	if (load(opts, &conf) != 0)
		return 2;
	if (opts->log_format < 0)
		kd_log_set_format((kd_log_format_t)conf->raw.log_format);
	const char *user = opts->user != NULL ? opts->user : conf->raw.user;
	pub_user_t target;
	kd_error_t uerr;
	if (user != NULL && pub_privdrop_lookup(user, &target, &uerr) != 0) {
		log_err("%s", uerr.msg);
		pub_config_free(conf);
		return 2;
	}
	if (opts->mode == PUB_RUN_CHECK) {
		kd_error_t err;
		int rc = 0;
		if (pub_config_check_state(conf, &err) != 0) {
			log_err("%s", err.msg);
			rc = 2;
		} else {
			printf("%s: configuration OK\n", opts->config_path);
			if (opts->verbose)
				pub_config_print(stdout, conf);
		}
		pub_config_free(conf);
		return rc;
	}
	pub_ctx_t ctx;
	pub_ctx_init(&ctx, conf, os_random, NULL);
	if (opts->dry_run)
		ctx.dry_run = stdout;
	pub_live_t live;
	if (pub_live_init(&live, &ctx, opts->mode == PUB_RUN_DAEMON, kd_now_ms()) != 0) {
		log_err("failed to set up health gating (out of memory)");
		pub_live_deinit(&live);
		pub_ctx_deinit(&ctx);
		return 2;
	}
	/* Configuration, keys and state are read: become the user before any traffic. */
	if (user != NULL && drop_privileges(&target) != 0) {
		pub_live_deinit(&live);
		pub_ctx_deinit(&ctx);
		return 2;
	}
	if (opts->mode == PUB_RUN_DAEMON && pub_live_start(&live, kd_now_ms()) != 0) {
		pub_live_deinit(&live);
		pub_ctx_deinit(&ctx);
		return 2;
	}
	int rc;
	switch (opts->mode) {
	case PUB_RUN_ONCE:
		rc = pub_round(&ctx, PUB_PUBLISH, false, kd_now_ms()) > 0 ? 1 : 0;
		pub_live_after_round(&live);
		break;
	case PUB_RUN_WITHDRAW:
		rc = pub_round(&ctx, PUB_WITHDRAW, false, kd_now_ms()) > 0 ? 1 : 0;
		break;
	case PUB_RUN_DAEMON:
	case PUB_RUN_CHECK:
	default: rc = daemon_loop(&ctx, &live, opts, &waitmask, &blocked); break;
	}
	pub_live_deinit(&live);
	pub_ctx_deinit(&ctx);
	return rc;
}

int pub_run_status(const char *config_path, bool json)
{
	pub_config_t *conf = NULL;
	kd_error_t err;
	if (pub_config_load(config_path, &conf, &err) != 0) {
		log_err("failed to load configuration (%s)", err.msg);
		return 2;
	}
	int rc = pub_status_print(stdout, conf->raw.state, json, &err) == 0 ? 0 : 2;
	if (rc != 0)
		log_err("%s", err.msg);
	pub_config_free(conf);
	return rc;
}
