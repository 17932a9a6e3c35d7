/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnss_kms: the glibc NSS entry points (nss.c), the per-process answer cache with its lock,
 * fork handlers and deadline (nss_cache.c), and the answer itself (nss_answer.c). Internal. */
#pragma once

#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <sys/socket.h>

#include "resolver-plugin/kmslocate.h"

#define NSS_KMS_API       __attribute__((visibility("default")))
#define NSS_KMS_MAX_ADDRS 64
#define NSS_KMS_CONFIG    SYSCONFDIR "/kmsdns/locate.yaml"

typedef struct {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint32_t scope; /* IPv6 scope id */
} nss_kms_addr_t;

typedef enum {
	NSS_KMS_FOUND = 0,
	NSS_KMS_NOTFOUND, /* not a served name, or no records in any suffix */
	NSS_KMS_AGAIN,    /* records but no live host, DNS failure, deadline passed */
	NSS_KMS_NOMEM,
	NSS_KMS_UNAVAIL, /* the configuration cannot be used */
} nss_kms_result_t;

/* The answer for a served name: the chosen host first, the other live candidates after it. */
typedef struct {
	nss_kms_result_t result;
	char name[KMSL_NAME_MAX]; /* canonical name: the chosen target */
	nss_kms_addr_t addrs[NSS_KMS_MAX_ADDRS];
	size_t naddrs;
	int32_t ttl; /* seconds this answer stays in the process cache */
} nss_kms_answer_t;

/* Answer name into *ans (result NOTFOUND at once for a name not served). Thread-safe; returns
 * within the configured nss deadline. */
void nss_kms_lookup(const char *name, nss_kms_answer_t *ans);

/* Discover and probe with ctx (deadline_ms for both together), serving candidates on port only.
 * Fills *ans (ttl not set). */
void nss_kms_answer_compute(kmsl_ctx_t *ctx, uint16_t port, uint64_t deadline_ms,
                            nss_kms_answer_t *ans);

/* The answer from a probed list: chosen's address that answered first, then its other
 * addresses, then those of every other candidate on its port not marked dead, in list order, each
 * address once. Pure. */
void nss_kms_answer_build(const kmsl_list_t *list, const kmsl_host_t *chosen,
                          nss_kms_answer_t *ans);

/* Entry points (glibc's conventions, see libnss_kms(8)). */
NSS_KMS_API enum nss_status _nss_kms_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                      char *buffer, size_t buflen, int *errnop,
                                                      int *h_errnop, int32_t *ttlp);
NSS_KMS_API enum nss_status _nss_kms_gethostbyname3_r(const char *name, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop,
                                                      int32_t *ttlp, char **canonp);
NSS_KMS_API enum nss_status _nss_kms_gethostbyname2_r(const char *name, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop);
NSS_KMS_API enum nss_status _nss_kms_gethostbyname_r(const char *name, struct hostent *host,
                                                     char *buffer, size_t buflen, int *errnop,
                                                     int *h_errnop);
NSS_KMS_API enum nss_status _nss_kms_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop,
                                                      int32_t *ttlp);
NSS_KMS_API enum nss_status _nss_kms_gethostbyaddr_r(const void *addr, socklen_t len, int af,
                                                     struct hostent *host, char *buffer,
                                                     size_t buflen, int *errnop, int *h_errnop);
