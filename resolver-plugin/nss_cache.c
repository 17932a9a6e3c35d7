/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnss_kms's per-process state: the configuration (read once), one cached answer for the
 * served names, and the refresh that computes it. Everything is under one mutex that is never
 * held across I/O other than the one configuration load, so fork() handlers can take it at
 * once. A refresh runs in a detached worker thread while callers wait on a condition variable
 * for at most the configured deadline: a slow DNS server or a host that drops SYNs never holds
 * a program longer than that, whatever the library below does. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/clock.h"
#include "dns/dname.h"
#include "resolver-plugin/ctx.h"
#include "resolver-plugin/nss_kms.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv; /* an answer landed (gen moved) */
	bool loaded;
	kmsl_ctx_t *ctx;              /* options; used by the one running refresh only */
	nss_kms_result_t conf_result; /* FOUND when usable, UNAVAIL for a broken file */
	bool refreshing;
	bool have;
	nss_kms_answer_t ans;
	uint64_t expires_ms; /* CLOCK_MONOTONIC */
	uint64_t gen;
} S = {
        .mu = PTHREAD_MUTEX_INITIALIZER,
        .cv = PTHREAD_COND_INITIALIZER,
};

/* Fork: the child must not inherit a lock held by another thread nor wait for a refresh that
 * runs in a thread it does not have. */
static void atfork_prepare(void)
{
	pthread_mutex_lock(&S.mu);
}

static void atfork_parent(void)
{
	pthread_mutex_unlock(&S.mu);
}

static void atfork_child(void)
{
	pthread_mutex_init(&S.mu, NULL);
	pthread_cond_init(&S.cv, NULL);
	S.refreshing = false;
	if (S.ctx != NULL)
		kmsl_rng_seed_random(&S.ctx->rng); /* parent and child must not draw alike */
}

__attribute__((constructor)) static void nss_kms_init(void)
{
	(void)pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

/* Read the configuration once per process (under S.mu). A missing default file means the
 * defaults; a broken file leaves the default names served with UNAVAIL. */
static void load_locked(void)
{
	kmsl_ctx_t *ctx = NULL;
	if (kmsl_ctx_new(&ctx) != KMSL_OK)
		return; /* out of memory: not loaded, tried again next call */
	const char *path = secure_getenv("KMSDNS_NSS_CONFIG");
	bool is_default = path == NULL || path[0] == '\0';
	if (is_default)
		path = NSS_KMS_CONFIG;
	S.conf_result = NSS_KMS_FOUND;
	if (!(is_default && access(path, F_OK) != 0 && errno == ENOENT)) {
		char err[512];
		kmsl_err_t r = kmsl_ctx_load_config(ctx, path, err, sizeof(err));
		if (r != KMSL_OK)
			S.conf_result = r == KMSL_ENOMEM ? NSS_KMS_NOMEM : NSS_KMS_UNAVAIL;
	}
	/* Only hosts on the served port, also when the library asks DNS again after every
	 * cached candidate failed. */
	ctx->opts.port_filter = ctx->opts.nss_port;
	S.ctx = ctx;
	S.loaded = true;
}

static bool served_locked(const char *name)
{
	for (size_t i = 0; i < S.ctx->opts.nss_nnames; i++)
		if (kd_dname_equal(name, S.ctx->opts.nss_names[i]))
			return true;
	return false;
}

/* Compute a fresh answer and publish it. Only one refresh runs at a time (S.refreshing). */
static void refresh(void)
{
	pthread_mutex_lock(&S.mu);
	kmsl_ctx_t *ctx = S.ctx;
	uint16_t port = ctx->opts.nss_port;
	uint64_t deadline = ctx->opts.nss_deadline_ms;
	pthread_mutex_unlock(&S.mu);

	/* Leave a tenth of the deadline for handing the answer over to the waiting callers. */
	nss_kms_answer_t *a = malloc(sizeof(*a));
	if (a != NULL)
		nss_kms_answer_compute(ctx, port, deadline - deadline / 10, a);

	pthread_mutex_lock(&S.mu);
	if (a != NULL) {
		S.ans = *a;
	} else {
		S.ans.result = NSS_KMS_NOMEM;
		S.ans.naddrs = 0;
	}
	/* Out of memory is not remembered: the next call tries again. */
	S.expires_ms =
	        kd_now_ms() + (S.ans.result == NSS_KMS_NOMEM ? 0 : ctx->opts.nss_probe_cache_ms);
	S.have = true;
	S.gen++;
	S.refreshing = false;
	pthread_cond_broadcast(&S.cv);
	pthread_mutex_unlock(&S.mu);
	free(a);
}

static void *refresh_thread(void *arg)
{
	refresh();
	return NULL;
}

/* Start a refresh in a detached thread with every signal blocked (the program's signal
 * handlers must not run on a thread it does not know). Called with S.mu held; -1 if no thread
 * could be created. */
static int start_refresh_locked(void)
{
	pthread_attr_t attr;
	if (pthread_attr_init(&attr) != 0)
		return -1;
	sigset_t all, old;
	sigfillset(&all);
	pthread_t t;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&t, &attr, refresh_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return r == 0 ? 0 : -1;
}

static struct timespec ms_to_ts(uint64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000),
	                      .tv_nsec = (long)(ms % 1000) * 1000000};
	return ts;
}

void nss_kms_lookup(const char *name, nss_kms_answer_t *ans)
{
	ans->result = NSS_KMS_NOTFOUND;
	ans->naddrs = 0;
	ans->ttl = 0;
	if (name == NULL || name[0] == '\0')
		return;
	pthread_mutex_lock(&S.mu);
	if (!S.loaded)
		load_locked();
	if (!S.loaded || !served_locked(name)) {
		pthread_mutex_unlock(&S.mu);
		return;
	}
	if (S.conf_result != NSS_KMS_FOUND) {
		ans->result = S.conf_result;
		pthread_mutex_unlock(&S.mu);
		return;
	}
	uint64_t now = kd_now_ms(), end = now + S.ctx->opts.nss_deadline_ms, gen = S.gen;
	/* An answer is good while it is fresh, or if it landed after this call began. */
	while (!(S.have && (now < S.expires_ms || S.gen != gen))) {
		if (!S.refreshing) {
			S.refreshing = true;
			if (start_refresh_locked() != 0) {
				/* No thread to be had: refresh here, bounded by the library's
				 * deadlines. */
				pthread_mutex_unlock(&S.mu);
				refresh();
				pthread_mutex_lock(&S.mu);
				now = kd_now_ms();
				continue;
			}
		}
		if (now >= end) {
			ans->result = NSS_KMS_AGAIN;
			pthread_mutex_unlock(&S.mu);
			return;
		}
		struct timespec ts = ms_to_ts(end);
		pthread_cond_clockwait(&S.cv, &S.mu, CLOCK_MONOTONIC, &ts);
		now = kd_now_ms();
	}
	*ans = S.ans;
	ans->ttl = S.expires_ms > now ? (int32_t)((S.expires_ms - now) / 1000) : 0;
	pthread_mutex_unlock(&S.mu);
}
