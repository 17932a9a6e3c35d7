/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* resolv.conf as glibc reads it: nameserver, domain, search and options (ndots, timeout,
 * attempts, rotate), with LOCALDOMAIN and RES_OPTIONS from the environment. The one
 * resolv.conf parser of kmsdns. libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dns/addr.h"

#define KD_RESOLV_MAXNS     3  /* glibc's MAXNS: later nameserver lines are ignored */
#define KD_RESOLV_MAXSEARCH 16 /* more search domains are ignored */
#define KD_RESOLV_NAME_MAX  256

typedef struct {
	kd_addr_t servers[KD_RESOLV_MAXNS]; /* port 53; none listed = 127.0.0.1 (as glibc) */
	size_t nservers;
	bool servers_listed;                                  /* false: the 127.0.0.1 default */
	char search[KD_RESOLV_MAXSEARCH][KD_RESOLV_NAME_MAX]; /* as written, no trailing dot */
	size_t nsearch;
	bool search_is_domain; /* the list came from a "domain" line (the last one won) */
	unsigned ndots;        /* default 1, at most 15 */
	unsigned timeout;      /* seconds per attempt; default 5, at most 30 */
	unsigned attempts;     /* default 2, at most 5 */
	bool rotate;
} kd_resolvconf_t;

/* The defaults glibc uses without a file. */
void kd_resolvconf_defaults(kd_resolvconf_t *rc);

/* Parse resolv.conf text (no environment). Unknown keywords and options are ignored, as glibc
 * does; the last "domain" or "search" line wins. Never fails. */
void kd_resolvconf_parse(const char *text, size_t len, kd_resolvconf_t *out);

/* Read path (a missing or unreadable file gives the defaults), then apply LOCALDOMAIN (replaces
 * the search list) and RES_OPTIONS (more options) from the environment unless the process is
 * setuid (secure_getenv). Returns 0 when the file was read, -1 when the defaults were used. */
int kd_resolvconf_load(const char *path, kd_resolvconf_t *out);
