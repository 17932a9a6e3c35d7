/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/addr.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

#include "dns/dname.h"
#include "dns/num.h"

/* Decimal port 1..65535. */
static int parse_port(const char *text, uint16_t *out)
{
	uint64_t v;
	if (kd_num_parse(text, 1, 65535, &v) != 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* The interface index of an IPv6 zone ("eth0" or a number); 0 if unknown. */
static unsigned scope_index(const char *zone)
{
	uint64_t v;
	if (kd_num_parse(zone, 0, UINT32_MAX, &v) == 0)
		return (unsigned)v;
	return if_nametoindex(zone);
}

int kd_addr_parse_ip(const char *text, kd_addr_t *out)
{
	if (text == NULL)
		return -1;
	kd_addr_t a;
	memset(&a, 0, sizeof(a));
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;
	char ip[INET6_ADDRSTRLEN];
	const char *pct = strchr(text, '%');
	size_t iplen = pct != NULL ? (size_t)(pct - text) : strlen(text);
	if (iplen >= sizeof(ip))
		return -1;
	memcpy(ip, text, iplen);
	ip[iplen] = '\0';
	if (pct == NULL && inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		a.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		a.len = sizeof(*sin6);
		/* A zone ("fe80::1%eth0") only where it means something: link-local. */
		if (pct != NULL && (!IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
		                    (sin6->sin6_scope_id = scope_index(pct + 1)) == 0))
			return -1;
	} else {
		return -1;
	}
	*out = a;
	return 0;
}

int kd_addr_parse(const char *text, uint16_t default_port, kd_addr_t *out)
{
	if (text == NULL)
		return -1;
	const char *at = strrchr(text, '@');
	size_t iplen = at != NULL ? (size_t)(at - text) : strlen(text);
	char ip[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	if (iplen == 0 || iplen >= sizeof(ip))
		return -1;
	memcpy(ip, text, iplen);
	ip[iplen] = '\0';

	uint16_t port = default_port;
	if (at != NULL && parse_port(at + 1, &port) != 0)
		return -1;
	kd_addr_t a;
	if (kd_addr_parse_ip(ip, &a) != 0)
		return -1;
	kd_addr_set_port(&a, port);
	*out = a;
	return 0;
}

void kd_addr_ip_str(const kd_addr_t *addr, char *buf, size_t len)
{
	if (len == 0)
		return;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&addr->ss;
	const char *ok = NULL;
	if (addr->ss.ss_family == AF_INET)
		ok = inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	else if (addr->ss.ss_family == AF_INET6)
		ok = inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	if (ok == NULL) {
		snprintf(buf, len, "?");
	} else if (addr->ss.ss_family == AF_INET6 && sin6->sin6_scope_id != 0) {
		char zone[IF_NAMESIZE];
		size_t l = strlen(buf);
		if (if_indextoname(sin6->sin6_scope_id, zone) != NULL)
			snprintf(buf + l, len - l, "%%%s", zone);
		else
			snprintf(buf + l, len - l, "%%%u", (unsigned)sin6->sin6_scope_id);
	}
}

void kd_addr_str(const kd_addr_t *addr, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	kd_addr_ip_str(addr, ip, sizeof(ip));
	snprintf(buf, len, "%s@%u", ip, (unsigned)kd_addr_port(addr));
}

uint16_t kd_addr_port(const kd_addr_t *addr)
{
	if (addr->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&addr->ss)->sin_port);
	if (addr->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&addr->ss)->sin6_port);
	return 0;
}

void kd_addr_set_port(kd_addr_t *addr, uint16_t port)
{
	if (addr->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&addr->ss)->sin_port = htons(port);
	else if (addr->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&addr->ss)->sin6_port = htons(port);
}

bool kd_addr_equal(const kd_addr_t *a, const kd_addr_t *b)
{
	if (a->ss.ss_family != b->ss.ss_family || kd_addr_port(a) != kd_addr_port(b))
		return false;
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)&a->ss;
		const struct sockaddr_in *y = (const struct sockaddr_in *)&b->ss;
		return x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)&a->ss;
		const struct sockaddr_in6 *y = (const struct sockaddr_in6 *)&b->ss;
		return memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0 &&
		       x->sin6_scope_id == y->sin6_scope_id;
	}
	return false;
}

static bool host_valid(const char *host)
{
	kd_addr_t a;
	return kd_addr_parse_ip(host, &a) == 0 || (kd_dname_valid(host) && strcmp(host, ".") != 0);
}

int kd_hostport_parse(const char *text, uint16_t default_port, char **host_out, uint16_t *port_out)
{
	if (text == NULL)
		return -1;
	const char *host = text;
	size_t hostlen;
	const char *port_text = NULL;
	const char *colon = strchr(text, ':');

	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL)
			return -1;
		host = text + 1;
		hostlen = (size_t)(close - host);
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		hostlen = strlen(text); /* two or more colons: a bare IPv6 address */
	} else if (colon != NULL) {
		hostlen = (size_t)(colon - text);
		port_text = colon + 1;
	} else {
		hostlen = strlen(text);
	}

	uint16_t port = default_port;
	if (hostlen == 0 || (port_text != NULL && parse_port(port_text, &port) != 0))
		return -1;
	char *h = strndup(host, hostlen);
	if (h == NULL)
		return -1;
	kd_addr_t a;
	bool ok;
	if (text[0] == '[')
		ok = kd_addr_parse_ip(h, &a) == 0 && a.ss.ss_family == AF_INET6;
	else
		ok = host_valid(h);
	if (!ok) {
		free(h);
		return -1;
	}
	*host_out = h;
	*port_out = port;
	return 0;
}
