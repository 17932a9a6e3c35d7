/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The host itself: `name: auto` is this machine's FQDN, `addresses: auto` its global unicast
 * addresses as the kernel lists them over rtnetlink, and a watcher on rtnetlink that says when
 * addresses or links changed (then list again and compare). Linux only. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/schema.h" /* kd_error_t */

/* This machine's FQDN, without the trailing dot: the host name when it has a dot, else the
 * canonical name getaddrinfo(AI_CANONNAME) gives for it. Returns 0, or -1 with the reason in
 * err when no name with a domain is found (a bare "kms1" is never published). */
int pub_ifaddr_fqdn(char *buf, size_t len, kd_error_t *err);

/* Whether an address the kernel reports is one to publish. family AF_INET or AF_INET6, addr
 * its 4 or 16 bytes, scope the ifa_scope, flags the IFA_F_* flags. Yes for global unicast
 * (RFC 1918 and documentation prefixes included); no for loopback, link-local, multicast,
 * unspecified, v4-mapped, site-local; ULA (fc00::/7) only with include_ula; no for deprecated
 * (preferred lifetime over), tentative, DAD-failed and temporary (privacy) IPv6 addresses. */
bool pub_ifaddr_wanted(int family, const uint8_t *addr, unsigned scope, uint32_t flags,
                       bool include_ula);

/* The addresses to publish for this machine: those pub_ifaddr_wanted accepts on interfaces
 * that are up, IPv4 first, each family in byte order, without duplicates, port 0. *out is
 * heap (caller frees; NULL when there are none). Returns 0, or -1 with the reason in err. */
int pub_ifaddr_list(bool include_ula, kd_addr_t **out, size_t *n, kd_error_t *err);

/* Whether two lists from pub_ifaddr_list hold the same addresses. */
bool pub_ifaddr_same(const kd_addr_t *a, size_t na, const kd_addr_t *b, size_t nb);

/* A subscription to address and link changes. */
typedef struct {
	int fd; /* non-blocking; poll it for POLLIN */
} pub_ifwatch_t;

/* Subscribe. Returns 0, or -1 with the reason in err. */
int pub_ifwatch_open(pub_ifwatch_t *w, kd_error_t *err);
/* Read what is pending: 1 when an address or link changed (or notifications were lost: list
 * again either way), 0 when nothing relevant came, -1 with errno on a socket error. */
int pub_ifwatch_read(pub_ifwatch_t *w);
void pub_ifwatch_close(pub_ifwatch_t *w);
