/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "resolver-plugin/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/array.h"
#include "resolver-plugin/cand.h"

KMSL_API const char *kmsl_strerror(kmsl_err_t err)
{
	switch (err) { /* no default: the compiler names a missing case */
	case KMSL_OK: return "success";
	case KMSL_ENOMEM: return "out of memory";
	case KMSL_EINVAL: return "invalid argument";
	case KMSL_ECONFIG: return "invalid configuration";
	case KMSL_ENOSUFFIX: return "no domain to search";
	case KMSL_ENORECORDS: return "no KMS SRV records found";
	case KMSL_ENOALIVE: return "no KMS host answered";
	case KMSL_ESTATE: return "state file error";
	}
	return "unknown error";
}

KMSL_API const char *kmsl_state_str(kmsl_state_t state)
{
	switch (state) {
	case KMSL_STATE_UNKNOWN: return "unknown";
	case KMSL_STATE_ALIVE: return "alive";
	case KMSL_STATE_DEAD: return "dead";
	case KMSL_STATE_STICKY: return "sticky";
	}
	return "unknown";
}

KMSL_API const char *kmsl_result_str(kmsl_result_t result)
{
	switch (result) { /* no default: the compiler names a missing case */
	case KMSL_RESULT_NONE: return "not tried";
	case KMSL_RESULT_ALIVE: return "alive";
	case KMSL_RESULT_REFUSED: return "refused";
	case KMSL_RESULT_NOANSWER: return "no answer";
	case KMSL_RESULT_RESET: return "reset";
	case KMSL_RESULT_UNREACHABLE: return "unreachable";
	case KMSL_RESULT_NOTKMS: return "not a KMS host";
	case KMSL_RESULT_TIMEOUT: return "timeout";
	case KMSL_RESULT_NOADDRESS: return "no address";
	case KMSL_RESULT_CANCELLED: return "cancelled";
	case KMSL_RESULT_DEADLINE: return "deadline";
	}
	return "not tried";
}

KMSL_API const char *kmsl_reason_str(kmsl_reason_t reason)
{
	switch (reason) {
	case KMSL_REASON_RECORDS: return "records";
	case KMSL_REASON_CACHED: return "cached";
	case KMSL_REASON_NXDOMAIN: return "NXDOMAIN";
	case KMSL_REASON_NODATA: return "no SRV";
	case KMSL_REASON_DOT: return ".";
	case KMSL_REASON_SERVFAIL: return "SERVFAIL";
	case KMSL_REASON_REFUSED: return "REFUSED";
	case KMSL_REASON_TIMEOUT: return "timeout";
	case KMSL_REASON_ERROR: return "error";
	}
	return "error";
}

void kmsl_ctx_warn(kmsl_ctx_t *ctx, const char *msg)
{
	/* The same problem said again ("...; rewritten" after "ignored ...") is not news. */
	size_t len = strlen(ctx->warned);
	if (len > 0 && strncmp(msg, ctx->warned, len) == 0)
		return;
	snprintf(ctx->warning, sizeof(ctx->warning), "%s", msg);
	snprintf(ctx->warned, sizeof(ctx->warned), "%s", msg);
}

KMSL_API kmsl_err_t kmsl_ctx_new(kmsl_ctx_t **out)
{
	if (out == NULL)
		return KMSL_EINVAL;
	kmsl_ctx_t *ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL)
		return KMSL_ENOMEM;
	/* The schema's defaults are the only copy of the defaults. */
	kmsl_err_t ret = kmsl_opts_load("defaults", "", 0, &ctx->opts, NULL, 0);
	if (ret != KMSL_OK) {
		free(ctx);
		return ret;
	}
	ctx->resolv_conf = "/etc/resolv.conf";
	kmsl_rng_seed_random(&ctx->rng);
	*out = ctx;
	return KMSL_OK;
}

KMSL_API void kmsl_ctx_free(kmsl_ctx_t *ctx)
{
	if (ctx == NULL)
		return;
	kmsl_opts_deinit(&ctx->opts);
	free(ctx);
}

KMSL_API kmsl_err_t kmsl_ctx_load_config(kmsl_ctx_t *ctx, const char *path, char *errbuf,
                                         size_t errlen)
{
	if (ctx == NULL || path == NULL)
		return KMSL_EINVAL;
	kmsl_opts_t opts;
	kmsl_err_t ret = kmsl_opts_load(path, NULL, 0, &opts, errbuf, errlen);
	if (ret != KMSL_OK)
		return ret;
	kmsl_opts_deinit(&ctx->opts);
	ctx->opts = opts;
	return KMSL_OK;
}

/* Replace *slot with a heap copy of s (NULL clears). */
static kmsl_err_t replace_str(char **slot, const char *s)
{
	char *copy = NULL;
	if (s != NULL && (copy = strdup(s)) == NULL)
		return KMSL_ENOMEM;
	free(*slot);
	*slot = copy;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_static(kmsl_ctx_t *ctx, const char *hostport)
{
	if (ctx == NULL)
		return KMSL_EINVAL;
	char *host = NULL;
	uint16_t port = KMSL_KMS_PORT;
	if (hostport != NULL && kd_hostport_parse(hostport, KMSL_KMS_PORT, &host, &port) != 0)
		return KMSL_EINVAL;
	free(ctx->opts.static_host);
	ctx->opts.static_host = host;
	ctx->opts.static_port = port;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_lookup_domain(kmsl_ctx_t *ctx, const char *domain)
{
	char name[KMSL_NAME_MAX];
	if (ctx == NULL)
		return KMSL_EINVAL;
	if (domain == NULL)
		return replace_str(&ctx->opts.lookup_domain, NULL);
	if (!kd_dname_valid(domain) || kd_dname_text(domain, name, sizeof(name)) != 0)
		return KMSL_EINVAL;
	return replace_str(&ctx->opts.lookup_domain, name);
}

KMSL_API kmsl_err_t kmsl_add_domain(kmsl_ctx_t *ctx, const char *name, const char *server)
{
	kmsl_domain_t d = {0};
	char norm[KMSL_NAME_MAX];
	if (ctx == NULL || name == NULL || !kd_dname_valid(name) ||
	    kd_dname_text(name, norm, sizeof(norm)) != 0)
		return KMSL_EINVAL;
	if (server != NULL && kd_addr_parse(server, KMSL_DNS_PORT, &d.server) != 0)
		return KMSL_EINVAL;
	d.has_server = server != NULL;
	kmsl_domain_t *arr = kd_array_reserve(ctx->opts.domains, &ctx->opts.capdomains,
	                                      ctx->opts.ndomains + 1, sizeof(*arr));
	if (arr == NULL)
		return KMSL_ENOMEM;
	ctx->opts.domains = arr;
	if ((d.name = strdup(norm)) == NULL)
		return KMSL_ENOMEM;
	arr[ctx->opts.ndomains++] = d;
	return KMSL_OK;
}

KMSL_API void kmsl_clear_domains(kmsl_ctx_t *ctx)
{
	if (ctx == NULL)
		return;
	for (size_t i = 0; i < ctx->opts.ndomains; i++)
		free(ctx->opts.domains[i].name);
	free(ctx->opts.domains);
	ctx->opts.domains = NULL;
	ctx->opts.ndomains = 0;
	ctx->opts.capdomains = 0;
}

KMSL_API kmsl_err_t kmsl_add_server(kmsl_ctx_t *ctx, const char *server)
{
	kd_addr_t a;
	if (ctx == NULL || server == NULL || kd_addr_parse(server, KMSL_DNS_PORT, &a) != 0)
		return KMSL_EINVAL;
	kd_addr_t *arr = kd_array_reserve(ctx->opts.servers, &ctx->opts.capservers,
	                                  ctx->opts.nservers + 1, sizeof(*arr));
	if (arr == NULL)
		return KMSL_ENOMEM;
	ctx->opts.servers = arr;
	arr[ctx->opts.nservers++] = a;
	return KMSL_OK;
}

KMSL_API void kmsl_clear_servers(kmsl_ctx_t *ctx)
{
	if (ctx == NULL)
		return;
	free(ctx->opts.servers);
	ctx->opts.servers = NULL;
	ctx->opts.nservers = 0;
	ctx->opts.capservers = 0;
}

KMSL_API kmsl_err_t kmsl_set_merge(kmsl_ctx_t *ctx, kmsl_merge_t merge)
{
	if (ctx == NULL || (merge != KMSL_MERGE_FIRST && merge != KMSL_MERGE_ALL))
		return KMSL_EINVAL;
	ctx->opts.merge = merge;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_probe(kmsl_ctx_t *ctx, kmsl_probe_t probe)
{
	if (ctx == NULL ||
	    (probe != KMSL_PROBE_RPC && probe != KMSL_PROBE_TCP && probe != KMSL_PROBE_NONE))
		return KMSL_EINVAL;
	ctx->opts.probe = probe;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_attempt_delay(kmsl_ctx_t *ctx, uint64_t ms)
{
	if (ctx == NULL || (ms != KMSL_ATTEMPT_DELAY_AUTO && ms < 10))
		return KMSL_EINVAL;
	ctx->opts.attempt_delay_ms = ms;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_timeout(kmsl_ctx_t *ctx, uint64_t ms)
{
	if (ctx == NULL || ms == 0)
		return KMSL_EINVAL;
	ctx->opts.timeout_ms = ms;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_deadline(kmsl_ctx_t *ctx, uint64_t ms)
{
	if (ctx == NULL || ms == 0)
		return KMSL_EINVAL;
	ctx->opts.deadline_ms = ms;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_dead_retry(kmsl_ctx_t *ctx, uint64_t ms)
{
	if (ctx == NULL)
		return KMSL_EINVAL;
	ctx->opts.dead_retry_ms = ms;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_host_caching(kmsl_ctx_t *ctx, bool on)
{
	if (ctx == NULL)
		return KMSL_EINVAL;
	ctx->opts.host_caching = on;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_max_cache_ttl(kmsl_ctx_t *ctx, uint64_t ms)
{
	if (ctx == NULL || ms < 1000)
		return KMSL_EINVAL;
	ctx->opts.max_cache_ttl_ms = ms;
	return KMSL_OK;
}

KMSL_API kmsl_err_t kmsl_set_state_path(kmsl_ctx_t *ctx, const char *path)
{
	if (ctx == NULL || (path != NULL && path[0] == '\0'))
		return KMSL_EINVAL;
	return replace_str(&ctx->opts.state_path, path);
}

KMSL_API const char *kmsl_state_path(const kmsl_ctx_t *ctx)
{
	return ctx == NULL ? NULL : ctx->opts.state_path;
}

KMSL_API void kmsl_set_seed(kmsl_ctx_t *ctx, uint64_t seed)
{
	if (ctx != NULL)
		kmsl_rng_seed(&ctx->rng, seed);
}

KMSL_API const char *kmsl_warning(const kmsl_ctx_t *ctx)
{
	return ctx == NULL || ctx->warning[0] == '\0' ? NULL : ctx->warning;
}
