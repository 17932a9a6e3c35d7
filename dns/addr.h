/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Socket addresses written as "address[@port]" (DNS servers, like dig/knsupdate) and host names
 * written as "host[:port]" or "[v6]:port" (KMS hosts, like slmgr /skms). libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
	struct sockaddr_storage ss;
	socklen_t len;
} kd_addr_t;

/* Parse a numeric IPv4/IPv6 address with optional "@port"; port defaults to default_port.
 * Returns 0, or -1 (out untouched) on bad syntax. No name lookups. */
int kd_addr_parse(const char *text, uint16_t default_port, kd_addr_t *out);

/* Parse a numeric address without a port; a link-local IPv6 address may carry its zone
 * ("fe80::1%eth0", or the interface index), which then shows in kd_addr_ip_str. */
int kd_addr_parse_ip(const char *text, kd_addr_t *out);

/* "192.0.2.1@53" / "2001:db8::1@53" into buf (at least KD_ADDR_STRLEN). */
#define KD_ADDR_STRLEN 80
void kd_addr_str(const kd_addr_t *addr, char *buf, size_t len);
/* The address alone, no port. */
void kd_addr_ip_str(const kd_addr_t *addr, char *buf, size_t len);

uint16_t kd_addr_port(const kd_addr_t *addr);
void kd_addr_set_port(kd_addr_t *addr, uint16_t port);
bool kd_addr_equal(const kd_addr_t *a, const kd_addr_t *b);

/* Parse "host", "host:port", "[v6]:port" or a bare IPv6 address. *host_out is heap (caller
 * frees). Returns 0 or -1 on bad syntax (port out of 1..65535, empty host). */
int kd_hostport_parse(const char *text, uint16_t default_port, char **host_out, uint16_t *port_out);
