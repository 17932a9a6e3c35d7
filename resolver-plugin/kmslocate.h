/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libkmslocate: find a live Windows KMS activation host through DNS SRV records
 * (_vlmcs._tcp.<suffix>), the way Windows clients do, without the RFC 2782 weighting bias.
 *
 * Contexts are independent: no global state, no global rand(). One context per thread is safe;
 * a context must not be used by two threads at once. Several processes may share one state
 * file. Every function returning kmsl_err_t leaves its output parameters untouched on failure. */
#ifndef KMSLOCATE_H
#define KMSLOCATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KMSL_API __attribute__((visibility("default")))
#else
#define KMSL_API
#endif

typedef enum {
	KMSL_OK = 0,
	KMSL_ENOMEM,     /* out of memory */
	KMSL_EINVAL,     /* invalid argument or option value */
	KMSL_ECONFIG,    /* configuration file could not be read or is invalid */
	KMSL_ENOSUFFIX,  /* no suffix to search: nothing configured, none from the system */
	KMSL_ENORECORDS, /* no usable SRV records in any suffix */
	KMSL_ENOALIVE,   /* records found, but no host answered the probe */
	KMSL_ESTATE,     /* the state file could not be written (kmsl_report) */
} kmsl_err_t;

/* A static string for err; never NULL. */
KMSL_API const char *kmsl_strerror(kmsl_err_t err);

typedef enum { KMSL_MERGE_FIRST = 0, KMSL_MERGE_ALL } kmsl_merge_t;
typedef enum { KMSL_PROBE_RPC = 0, KMSL_PROBE_TCP, KMSL_PROBE_NONE } kmsl_probe_t;

/* A candidate's state, from the state file and this context's own probes. */
typedef enum {
	KMSL_STATE_UNKNOWN = 0,
	KMSL_STATE_ALIVE,  /* answered a probe in this context (or reported alive) */
	KMSL_STATE_DEAD,   /* failed a probe; skipped until its dead-retry time passes */
	KMSL_STATE_STICKY, /* the cached host that worked last time (host caching) */
} kmsl_state_t;

/* "unknown", "alive", "dead", "sticky" */
KMSL_API const char *kmsl_state_str(kmsl_state_t state);

/* Why a suffix gave what it gave. */
typedef enum {
	KMSL_REASON_RECORDS = 0, /* usable SRV records */
	KMSL_REASON_CACHED, /* usable SRV records from the state file cache (TTL not expired) */
	KMSL_REASON_NXDOMAIN,
	KMSL_REASON_NODATA, /* name exists, no SRV records */
	KMSL_REASON_DOT,    /* a lone "." target: the service is decidedly not available */
	KMSL_REASON_SERVFAIL,
	KMSL_REASON_REFUSED, /* REFUSED or another error rcode */
	KMSL_REASON_TIMEOUT,
	KMSL_REASON_ERROR, /* network or malformed answer */
} kmsl_reason_t;

/* "records", "cached", "NXDOMAIN", "no SRV", ".", "SERVFAIL", "REFUSED", "timeout", "error" */
KMSL_API const char *kmsl_reason_str(kmsl_reason_t reason);

/* What probing a host (or one of its addresses) showed in the last kmsl_connect_list(). */
typedef enum {
	KMSL_RESULT_NONE = 0, /* not tried: another host answered first, marked dead, probe none */
	KMSL_RESULT_ALIVE,    /* answered as a KMS host */
	KMSL_RESULT_REFUSED,  /* connection refused (nothing listens on the port) */
	KMSL_RESULT_NOANSWER, /* the connection was not answered (SYNs dropped: down, filtered) */
	KMSL_RESULT_RESET,    /* connection reset, or closed before answering */
	KMSL_RESULT_UNREACHABLE, /* network or host unreachable */
	KMSL_RESULT_NOTKMS,      /* answered, but not as a KMS host (kmsl_list_detail says what) */
	KMSL_RESULT_TIMEOUT,     /* connected, but no answer to the DCE/RPC bind in time */
	KMSL_RESULT_NOADDRESS,   /* no address for the target (kmsl_list_detail says why) */
	KMSL_RESULT_CANCELLED,   /* started, then stopped because another host answered first */
	KMSL_RESULT_DEADLINE,    /* cut short or not reached before the deadline: says nothing */
} kmsl_result_t;

/* "not tried", "alive", "refused", "no answer", "reset", "unreachable", "not a KMS host",
 * "timeout", "no address", "cancelled", "deadline" */
KMSL_API const char *kmsl_result_str(kmsl_result_t result);

typedef struct kmsl_ctx kmsl_ctx_t;
typedef struct kmsl_list kmsl_list_t;

#define KMSL_NAME_MAX 256

/* The host kmsl_connect() chose (caller-allocated). */
typedef struct {
	char target[KMSL_NAME_MAX]; /* host name without the trailing dot (or the static host) */
	char suffix[KMSL_NAME_MAX]; /* suffix the record came from; "" for a static host */
	uint16_t priority;
	uint16_t weight;
	uint16_t port;
	struct sockaddr_storage addr; /* the address that answered (port included) */
	socklen_t addrlen;
} kmsl_host_t;

/* Create a context with the defaults (see locate.yaml(5)). Seeds its random source from
 * getrandom(). *out is freed with kmsl_ctx_free. */
KMSL_API kmsl_err_t kmsl_ctx_new(kmsl_ctx_t **out);
KMSL_API void kmsl_ctx_free(kmsl_ctx_t *ctx);

/* Load a locate.yaml file. Every option takes the file's value or its default; options set
 * before are replaced (set command-line overrides afterwards). On failure the context is
 * unchanged and errbuf holds "file:line:column: message". */
KMSL_API kmsl_err_t kmsl_ctx_load_config(kmsl_ctx_t *ctx, const char *path, char *errbuf,
                                         size_t errlen);

/* "host", "host:port" or "[v6]:port": use this host only, no SRV discovery. NULL clears. */
KMSL_API kmsl_err_t kmsl_set_static(kmsl_ctx_t *ctx, const char *hostport);
/* Search this one domain instead of the suffix list. NULL clears. */
KMSL_API kmsl_err_t kmsl_set_lookup_domain(kmsl_ctx_t *ctx, const char *domain);
/* Append a suffix; server ("address[@port]") is asked for this suffix only, NULL = servers. */
KMSL_API kmsl_err_t kmsl_add_domain(kmsl_ctx_t *ctx, const char *name, const char *server);
KMSL_API void kmsl_clear_domains(kmsl_ctx_t *ctx);
/* Append a DNS server "address[@port]" (default: resolv.conf nameservers). */
KMSL_API kmsl_err_t kmsl_add_server(kmsl_ctx_t *ctx, const char *server);
KMSL_API void kmsl_clear_servers(kmsl_ctx_t *ctx);
KMSL_API kmsl_err_t kmsl_set_merge(kmsl_ctx_t *ctx, kmsl_merge_t merge);
KMSL_API kmsl_err_t kmsl_set_probe(kmsl_ctx_t *ctx, kmsl_probe_t probe);
/* Milliseconds. attempt_delay >= 10, or KMSL_ATTEMPT_DELAY_AUTO (the default: 2 x the smoothed
 * connect RTT of each host, else 2 x this call's DNS RTT, 10 to 250 ms); timeout, deadline >= 1;
 * dead_retry any. */
#define KMSL_ATTEMPT_DELAY_AUTO 0
KMSL_API kmsl_err_t kmsl_set_attempt_delay(kmsl_ctx_t *ctx, uint64_t ms);
KMSL_API kmsl_err_t kmsl_set_timeout(kmsl_ctx_t *ctx, uint64_t ms);
KMSL_API kmsl_err_t kmsl_set_deadline(kmsl_ctx_t *ctx, uint64_t ms);
KMSL_API kmsl_err_t kmsl_set_dead_retry(kmsl_ctx_t *ctx, uint64_t ms);
KMSL_API kmsl_err_t kmsl_set_host_caching(kmsl_ctx_t *ctx, bool on);
/* Milliseconds, at least 1000: cached SRV answers and addresses expire no later than this. */
KMSL_API kmsl_err_t kmsl_set_max_cache_ttl(kmsl_ctx_t *ctx, uint64_t ms);
/* State file path; NULL = no state file (no dead-host memory, no sticky host, no cache). */
KMSL_API kmsl_err_t kmsl_set_state_path(kmsl_ctx_t *ctx, const char *path);
/* The state file in use, or NULL. */
KMSL_API const char *kmsl_state_path(const kmsl_ctx_t *ctx);
/* Make the random order reproducible. */
KMSL_API void kmsl_set_seed(kmsl_ctx_t *ctx, uint64_t seed);

/* The warning of the last call (state file ignored or not written), or NULL: every call that
 * can warn clears it first. Valid until the next call. */
KMSL_API const char *kmsl_warning(const kmsl_ctx_t *ctx);

/* Discover and order the candidates: sticky host first (host caching), then priority groups
 * ascending, weighted random order inside a group. No probes. Returns KMSL_OK with a list that
 * may be empty (see the per-suffix reasons), or KMSL_ENOSUFFIX / KMSL_EINVAL / KMSL_ENOMEM. */
KMSL_API kmsl_err_t kmsl_candidates(kmsl_ctx_t *ctx, kmsl_list_t **out);
KMSL_API void kmsl_list_free(kmsl_list_t *list);

KMSL_API size_t kmsl_list_count(const kmsl_list_t *list);
KMSL_API uint16_t kmsl_list_priority(const kmsl_list_t *list, size_t i);
KMSL_API uint16_t kmsl_list_weight(const kmsl_list_t *list, size_t i);
KMSL_API uint16_t kmsl_list_port(const kmsl_list_t *list, size_t i);
KMSL_API const char *kmsl_list_target(const kmsl_list_t *list, size_t i);
/* Suffix the record came from ("" for a static host). */
KMSL_API const char *kmsl_list_source(const kmsl_list_t *list, size_t i);
KMSL_API kmsl_state_t kmsl_list_state(const kmsl_list_t *list, size_t i);
KMSL_API size_t kmsl_list_addr_count(const kmsl_list_t *list, size_t i);
/* Address j of candidate i (port set), *len_out its length. */
KMSL_API const struct sockaddr *kmsl_list_addr(const kmsl_list_t *list, size_t i, size_t j,
                                               socklen_t *len_out);

/* What the last kmsl_connect_list() on list found for candidate i: ALIVE when an address
 * answered, NOADDRESS without addresses, DEADLINE when the deadline cut it short, else the
 * first failure of its addresses (NONE when it was not tried). */
KMSL_API kmsl_result_t kmsl_list_result(const kmsl_list_t *list, size_t i);
/* The same for address j of candidate i. */
KMSL_API kmsl_result_t kmsl_list_addr_result(const kmsl_list_t *list, size_t i, size_t j);
/* Details for candidate i, or "": what a peer that is not a KMS host said ("bind_nak",
 * "HTTP/1.1 400 Bad Request", "SSH-2.0-..."), or why it has no address ("no address
 * (NXDOMAIN)"). */
KMSL_API const char *kmsl_list_detail(const kmsl_list_t *list, size_t i);

/* Suffixes asked, in order, with their reasons (for "no records" diagnostics). */
KMSL_API size_t kmsl_list_suffix_count(const kmsl_list_t *list);
KMSL_API const char *kmsl_list_suffix_name(const kmsl_list_t *list, size_t k);
KMSL_API kmsl_reason_t kmsl_list_suffix_reason(const kmsl_list_t *list, size_t k);

/* Probe the candidates of list (racing inside priority groups, dead hosts skipped unless all
 * are dead) and return a connected socket to the first live host. With probe "none" the first
 * candidate wins and *fd is -1. Records the outcome in the list's states and results and in
 * the state file; a probe cut short by the deadline leaves the host's state as it was. When
 * every candidate of a suffix that came from the cache failed, the cache is dropped and the
 * suffix asked again (the host may have been renumbered) before KMSL_ENOALIVE. The time is
 * what is left of the deadline kmsl_candidates() started for list (a new one when it has
 * passed). Returns KMSL_ENORECORDS for an empty list, KMSL_ENOALIVE if nobody answered. */
KMSL_API kmsl_err_t kmsl_connect_list(kmsl_ctx_t *ctx, kmsl_list_t *list, int *fd,
                                      kmsl_host_t *chosen);
/* kmsl_candidates() followed by kmsl_connect_list(), within one deadline. chosen may be
 * NULL. */
KMSL_API kmsl_err_t kmsl_connect(kmsl_ctx_t *ctx, int *fd, kmsl_host_t *chosen);

/* A client says how a host did (e.g. activation failed on it): dead marks it dead for
 * dead-retry and drops it as sticky host; alive makes it the sticky host (host caching). */
KMSL_API kmsl_err_t kmsl_report(kmsl_ctx_t *ctx, const char *target, uint16_t port,
                                kmsl_state_t state);

#ifdef __cplusplus
}
#endif

#endif
