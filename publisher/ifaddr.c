/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/ifaddr.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns/array.h"

#define NL_BUF 32768

int pub_ifaddr_fqdn(char *buf, size_t len, kd_error_t *err)
{
	char host[256];
	if (gethostname(host, sizeof(host)) != 0) {
		snprintf(err->msg, sizeof(err->msg), "failed to read this machine's host name (%s)",
		         strerror(errno));
		return -1;
	}
	host[sizeof(host) - 1] = '\0';
	const char *name = host;
	struct addrinfo *ai = NULL;
	if (strchr(host, '.') == NULL) {
		struct addrinfo hints = {.ai_flags = AI_CANONNAME, .ai_socktype = SOCK_STREAM};
		int rc = getaddrinfo(host, NULL, &hints, &ai);
		if (rc != 0 || ai == NULL || ai->ai_canonname == NULL ||
		    strchr(ai->ai_canonname, '.') == NULL) {
			snprintf(err->msg, sizeof(err->msg),
			         "failed to find this machine's FQDN (host name %s has no domain, "
			         "and %s; set 'name' explicitly)",
			         host,
			         rc != 0 ? gai_strerror(rc) : "its canonical name has none either");
			if (ai != NULL)
				freeaddrinfo(ai);
			return -1;
		}
		name = ai->ai_canonname;
	}
	size_t n = strlen(name);
	while (n > 0 && name[n - 1] == '.')
		n--;
	int rc = 0;
	if (n == 0 || n >= len) {
		snprintf(err->msg, sizeof(err->msg), "failed to find this machine's FQDN (%s)",
		         n == 0 ? "empty name" : "name too long");
		rc = -1;
	} else {
		memcpy(buf, name, n);
		buf[n] = '\0';
	}
	if (ai != NULL)
		freeaddrinfo(ai);
	return rc;
}

bool pub_ifaddr_wanted(int family, const uint8_t *a, unsigned scope, uint32_t flags,
                       bool include_ula)
{
	if (scope != RT_SCOPE_UNIVERSE)
		return false; /* host (loopback), link, site */
	if (flags & (IFA_F_DEPRECATED | IFA_F_TENTATIVE | IFA_F_DADFAILED))
		return false;
	if (family == AF_INET) {
		if (a[0] == 0 || a[0] == 127 || a[0] >= 224 || (a[0] == 169 && a[1] == 254))
			return false; /* this network, loopback, multicast/reserved, link-local */
		return true;
	}
	if (family != AF_INET6)
		return false;
	if (flags & IFA_F_TEMPORARY) /* IPv6 only: the same bit means "secondary" for IPv4 */
		return false;
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t zero[15] = {0};
	if (memcmp(a, zero, 15) == 0)
		return false; /* :: and ::1 */
	if (memcmp(a, mapped, 12) == 0 || a[0] == 0xff)
		return false; /* v4-mapped, multicast */
	if (a[0] == 0xfe && (a[1] & 0x80) == 0x80)
		return false; /* fe80::/10 link-local, fec0::/10 site-local */
	if ((a[0] & 0xfe) == 0xfc)
		return include_ula; /* fc00::/7 */
	return true;
}

static int nl_open(unsigned groups)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0),
	                NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = groups};
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* One dump request (RTM_GETLINK or RTM_GETADDR); fn sees each answer message. */
static int nl_dump(int fd, uint16_t type, uint32_t seq, void (*fn)(void *, struct nlmsghdr *),
                   void *arg)
{
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
	} req = {
	        .nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtgenmsg)),
	               .nlmsg_type = type,
	               .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
	               .nlmsg_seq = seq},
	        .g = {.rtgen_family = AF_UNSPEC},
	};
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -1;
	static __thread char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t got = recv(fd, buf, sizeof(buf), 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (got == 0) {
			errno = EPROTO;
			return -1;
		}
		size_t left = (size_t)got;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				errno = e->error < 0 ? -e->error : EPROTO;
				return -1;
			}
			fn(arg, nh);
		}
	}
}

typedef struct {
	int *up; /* interface indexes that are up */
	size_t nup, cap_up;
	kd_addr_t *addrs;
	size_t n, cap;
	bool include_ula;
	bool nomem;
} collect_t;

static void on_link(void *arg, struct nlmsghdr *nh)
{
	collect_t *c = arg;
	if (nh->nlmsg_type != RTM_NEWLINK || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return;
	const struct ifinfomsg *ifi = NLMSG_DATA(nh);
	if (!(ifi->ifi_flags & IFF_UP))
		return;
	int *v = kd_array_reserve(c->up, &c->cap_up, c->nup + 1, sizeof(*v));
	if (v == NULL) {
		c->nomem = true;
		return;
	}
	c->up = v;
	v[c->nup++] = ifi->ifi_index;
}

static bool is_up(const collect_t *c, int index)
{
	for (size_t i = 0; i < c->nup; i++)
		if (c->up[i] == index)
			return true;
	return false;
}

static void on_addr(void *arg, struct nlmsghdr *nh)
{
	collect_t *c = arg;
	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifaddrmsg)))
		return;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	if (!is_up(c, (int)ifa->ifa_index))
		return;
	uint32_t flags = ifa->ifa_flags;
	const uint8_t *address = NULL, *local = NULL;
	size_t alen = ifa->ifa_family == AF_INET ? 4 : ifa->ifa_family == AF_INET6 ? 16 : 0;
	int len = (int)IFA_PAYLOAD(nh);
	for (struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		size_t plen = RTA_PAYLOAD(rta);
		if (rta->rta_type == IFA_FLAGS && plen >= 4)
			memcpy(&flags, RTA_DATA(rta), 4); /* the full 32 bits */
		else if (rta->rta_type == IFA_ADDRESS && plen == alen && alen > 0)
			address = RTA_DATA(rta);
		else if (rta->rta_type == IFA_LOCAL && plen == alen && alen > 0)
			local = RTA_DATA(rta);
	}
	/* IFA_LOCAL is the interface's own address (IFA_ADDRESS is the peer's on a
	 * point-to-point link); IPv6 sends IFA_ADDRESS alone. */
	const uint8_t *a = local != NULL ? local : address;
	if (a == NULL ||
	    !pub_ifaddr_wanted(ifa->ifa_family, a, ifa->ifa_scope, flags, c->include_ula))
		return;
	kd_addr_t addr;
	memset(&addr, 0, sizeof(addr));
	if (ifa->ifa_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&addr.ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a, 4);
		addr.len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr.ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a, 16);
		addr.len = sizeof(*sin6);
	}
	for (size_t i = 0; i < c->n; i++)
		if (kd_addr_equal(&c->addrs[i], &addr))
			return;
	kd_addr_t *v = kd_array_reserve(c->addrs, &c->cap, c->n + 1, sizeof(*v));
	if (v == NULL) {
		c->nomem = true;
		return;
	}
	c->addrs = v;
	v[c->n++] = addr;
}

static const uint8_t *addr_bytes(const kd_addr_t *a, size_t *len)
{
	if (a->ss.ss_family == AF_INET) {
		*len = 4;
		return (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
	}
	*len = 16;
	return (const uint8_t *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
}

static int addr_cmp(const void *pa, const void *pb)
{
	const kd_addr_t *a = pa, *b = pb;
	if (a->ss.ss_family != b->ss.ss_family)
		return a->ss.ss_family == AF_INET ? -1 : 1;
	size_t n;
	const uint8_t *x = addr_bytes(a, &n), *y = addr_bytes(b, &n);
	return memcmp(x, y, n);
}

int pub_ifaddr_list(bool include_ula, kd_addr_t **out, size_t *n, kd_error_t *err)
{
	collect_t c = {.include_ula = include_ula};
	int fd = nl_open(0);
	int rc = fd < 0 ? -1 : nl_dump(fd, RTM_GETLINK, 1, on_link, &c);
	if (rc == 0)
		rc = nl_dump(fd, RTM_GETADDR, 2, on_addr, &c);
	int e = errno;
	if (fd >= 0)
		close(fd);
	free(c.up);
	if (rc != 0 || c.nomem) {
		free(c.addrs);
		snprintf(err->msg, sizeof(err->msg),
		         "failed to list this machine's addresses over rtnetlink (%s)",
		         c.nomem ? strerror(ENOMEM) : strerror(e));
		return -1;
	}
	if (c.n > 1)
		qsort(c.addrs, c.n, sizeof(*c.addrs), addr_cmp);
	*out = c.addrs;
	*n = c.n;
	return 0;
}

bool pub_ifaddr_same(const kd_addr_t *a, size_t na, const kd_addr_t *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (addr_cmp(&a[i], &b[i]) != 0)
			return false;
	return true;
}

int pub_ifwatch_open(pub_ifwatch_t *w, kd_error_t *err)
{
	w->fd = nl_open(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
	if (w->fd >= 0)
		return 0;
	snprintf(err->msg, sizeof(err->msg), "failed to watch address changes over rtnetlink (%s)",
	         strerror(errno));
	return -1;
}

int pub_ifwatch_read(pub_ifwatch_t *w)
{
	static __thread char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
	int changed = 0;
	for (;;) {
		ssize_t got = recv(w->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return changed;
			if (errno == ENOBUFS)
				return 1; /* the kernel dropped notifications: list again */
			return -1;
		}
		size_t left = (size_t)got;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left))
			if (nh->nlmsg_type == RTM_NEWADDR || nh->nlmsg_type == RTM_DELADDR ||
			    nh->nlmsg_type == RTM_NEWLINK || nh->nlmsg_type == RTM_DELLINK)
				changed = 1;
	}
}

void pub_ifwatch_close(pub_ifwatch_t *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
