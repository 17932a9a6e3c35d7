/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The glibc NSS entry points of libnss_kms's implementation (libnss_kms_impl.so): the answer
 * of nss_kms_lookup() laid out in the caller's buffer the way glibc's own modules do it. Only
 * gethostbyname4_r and gethostbyname3_r: the front (nss_front.c) maps the others onto them. A
 * buffer that is too small gives TRYAGAIN with ERANGE and NETDB_INTERNAL, the only combination on
 * which glibc retries with a bigger one. Output parameters are untouched unless the call succeeds.
 */
#include "config.h"

#include "resolver-plugin/nss_kms.h"

#include <errno.h>
#include <stdalign.h>
#include <string.h>

#include "dns/dname.h"

static enum nss_status fail(nss_kms_result_t r, int *errnop, int *h_errnop)
{
	switch (r) {        /* no default: the compiler names a missing case */
	case NSS_KMS_FOUND: /* with no address of the asked family */
		*errnop = ENOENT;
		*h_errnop = NO_DATA;
		return NSS_STATUS_NOTFOUND;
	case NSS_KMS_NOTFOUND:
		*errnop = ENOENT;
		*h_errnop = HOST_NOT_FOUND;
		return NSS_STATUS_NOTFOUND;
	case NSS_KMS_AGAIN:
		*errnop = EAGAIN;
		*h_errnop = TRY_AGAIN;
		return NSS_STATUS_TRYAGAIN;
	case NSS_KMS_NOMEM:
		*errnop = ENOMEM;
		*h_errnop = NO_RECOVERY;
		return NSS_STATUS_TRYAGAIN;
	case NSS_KMS_UNAVAIL:
		*errnop = ENOENT;
		*h_errnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	*errnop = ENOENT;
	*h_errnop = NO_RECOVERY;
	return NSS_STATUS_UNAVAIL;
}

static enum nss_status too_small(int *errnop, int *h_errnop)
{
	*errnop = ERANGE;
	*h_errnop = NETDB_INTERNAL;
	return NSS_STATUS_TRYAGAIN;
}

/* Bytes to skip at buffer so that it is aligned for align. */
static size_t pad_for(const char *buffer, size_t align)
{
	return (size_t)(-(uintptr_t)buffer % align);
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                      char *buffer, size_t buflen, int *errnop,
                                                      int *h_errnop, int32_t *ttlp)
{
	nss_kms_answer_t ans;
	nss_kms_lookup(name, &ans);
	if (ans.result != NSS_KMS_FOUND || ans.naddrs == 0)
		return fail(ans.result, errnop, h_errnop);
	/* Tuples first (aligned as glibc's own modules align them), the canonical name after. */
	size_t pad = pad_for(buffer, alignof(struct gaih_addrtuple));
	size_t tuples = ans.naddrs * sizeof(struct gaih_addrtuple);
	size_t namelen = strlen(ans.name) + 1;
	if (buflen < pad || buflen - pad < tuples + namelen)
		return too_small(errnop, h_errnop);
	struct gaih_addrtuple *t = (struct gaih_addrtuple *)(void *)(buffer + pad);
	char *canon = buffer + pad + tuples;
	memcpy(canon, ans.name, namelen);
	for (size_t i = 0; i < ans.naddrs; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].next = i + 1 < ans.naddrs ? &t[i + 1] : NULL;
		t[i].name = i == 0 ? canon : NULL;
		t[i].family = ans.addrs[i].family;
		memcpy(t[i].addr, ans.addrs[i].addr, ans.addrs[i].family == AF_INET ? 4 : 16);
		t[i].scopeid = ans.addrs[i].scope;
	}
	/* A caller may hand in a first tuple of its own (nscd does): fill it in. */
	if (*pat != NULL)
		**pat = t[0];
	else
		*pat = &t[0];
	if (ttlp != NULL)
		*ttlp = ans.ttl;
	return NSS_STATUS_SUCCESS;
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname3_r(const char *name, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop,
                                                      int32_t *ttlp, char **canonp)
{
	if (af != AF_INET && af != AF_INET6) {
		*errnop = EAFNOSUPPORT;
		*h_errnop = NO_RECOVERY;
		return NSS_STATUS_UNAVAIL;
	}
	nss_kms_answer_t ans;
	nss_kms_lookup(name, &ans);
	if (ans.result != NSS_KMS_FOUND)
		return fail(ans.result, errnop, h_errnop);
	size_t alen = af == AF_INET ? 4 : 16, n = 0;
	for (size_t i = 0; i < ans.naddrs; i++)
		n += ans.addrs[i].family == af;
	if (n == 0)
		return fail(NSS_KMS_FOUND, errnop, h_errnop); /* no address of this family */
	/* The asked name is an alias of the chosen host unless it is the host's own name. */
	bool alias = !kd_dname_equal(name, ans.name);
	size_t namelen = strlen(ans.name) + 1, aliaslen = alias ? strlen(name) + 1 : 0;
	size_t pad = pad_for(buffer, alignof(char *));
	size_t ptrs = (n + 1 + (alias ? 2 : 1)) * sizeof(char *);
	size_t need = ptrs + n * alen + namelen + aliaslen;
	if (buflen < pad || buflen - pad < need)
		return too_small(errnop, h_errnop);
	char **addr_list = (char **)(void *)(buffer + pad);
	char **aliases = addr_list + n + 1;
	char *p = buffer + pad + ptrs;
	for (size_t i = 0, k = 0; i < ans.naddrs; i++) {
		if (ans.addrs[i].family != af)
			continue;
		memcpy(p, ans.addrs[i].addr, alen);
		addr_list[k++] = p;
		p += alen;
	}
	addr_list[n] = NULL;
	char *h_name = p;
	memcpy(h_name, ans.name, namelen);
	p += namelen;
	if (alias) {
		memcpy(p, name, aliaslen);
		aliases[0] = p;
	}
	aliases[alias ? 1 : 0] = NULL;
	host->h_name = h_name;
	host->h_aliases = aliases;
	host->h_addrtype = af;
	host->h_length = (int)alen;
	host->h_addr_list = addr_list;
	if (ttlp != NULL)
		*ttlp = ans.ttl;
	if (canonp != NULL)
		*canonp = h_name;
	return NSS_STATUS_SUCCESS;
}
