/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libnss_kms.so.2, the front glibc loads: the six entry points, linking libc and libyaml only.
 * glibc loads every module named in nsswitch.conf into each process that resolves a host name,
 * and the implementation links libldns, which pulls libssl and libcrypto: loading those in
 * every new process costs more than the lookup itself. The front reads the served names
 * (locate.yaml's nss: names, with the loader the implementation uses) once per process and
 * answers NOTFOUND at once for every other name; for a served name it dlopen()s the
 * implementation (libnss_kms_impl.so, the module proper, installed under $libdir/kmsdns) once
 * per process and forwards the call. */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include "dns/dname.h"
#include "resolver-plugin/nss_kms.h"
#include "resolver-plugin/opts.h"

typedef enum nss_status (*byname4_fn)(const char *, struct gaih_addrtuple **, char *, size_t, int *,
                                      int *, int32_t *);
typedef enum nss_status (*byname3_fn)(const char *, int, struct hostent *, char *, size_t, int *,
                                      int *, int32_t *, char **);

static pthread_once_t names_once = PTHREAD_ONCE_INIT;
static kmsl_opts_t names_opts; /* nss_names only are used; NULL list: none could be loaded */

static pthread_once_t impl_once = PTHREAD_ONCE_INIT;
static byname4_fn impl4;
static byname3_fn impl3;

/* The served names, as the implementation reads them: a missing default file means the
 * defaults, and so does a broken file (the implementation then answers those names with
 * UNAVAIL). */
static void load_names(void)
{
	const char *path = secure_getenv("KMSDNS_NSS_CONFIG");
	bool is_default = path == NULL || path[0] == '\0';
	if (is_default)
		path = NSS_KMS_CONFIG;
	if (!(is_default && access(path, F_OK) != 0 && errno == ENOENT) &&
	    kmsl_opts_load(path, NULL, 0, &names_opts, NULL, 0) == KMSL_OK)
		return;
	if (kmsl_opts_load("(defaults)", "", 0, &names_opts, NULL, 0) != KMSL_OK)
		names_opts.nss_nnames = 0; /* out of memory: serve nothing */
}

static bool served(const char *name)
{
	if (name == NULL || name[0] == '\0')
		return false;
	int saved = errno;
	pthread_once(&names_once, load_names);
	errno = saved;
	for (size_t i = 0; i < names_opts.nss_nnames; i++)
		if (kd_dname_equal(name, names_opts.nss_names[i]))
			return true;
	return false;
}

/* The implementation: NSS_KMS_IMPL, or KMSDNS_NSS_IMPL from the environment when the process
 * is not setuid (tests and benches run the build tree's). Never unloaded. */
static void load_impl(void)
{
	const char *path = secure_getenv("KMSDNS_NSS_IMPL");
	if (path == NULL || path[0] == '\0')
		path = NSS_KMS_IMPL;
	void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (dl == NULL)
		return;
	byname4_fn f4 = (byname4_fn)dlsym(dl, "_nss_kms_gethostbyname4_r");
	byname3_fn f3 = (byname3_fn)dlsym(dl, "_nss_kms_gethostbyname3_r");
	if (f4 == NULL || f3 == NULL)
		return;
	impl4 = f4;
	impl3 = f3;
}

static bool have_impl(void)
{
	int saved = errno;
	pthread_once(&impl_once, load_impl);
	errno = saved;
	return impl4 != NULL;
}

static enum nss_status not_served(int *errnop, int *h_errnop)
{
	*errnop = ENOENT;
	*h_errnop = HOST_NOT_FOUND;
	return NSS_STATUS_NOTFOUND;
}

/* A served name but no implementation to answer it: the module cannot work at all. */
static enum nss_status unavail(int *errnop, int *h_errnop)
{
	*errnop = ENOENT;
	*h_errnop = NO_RECOVERY;
	return NSS_STATUS_UNAVAIL;
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                      char *buffer, size_t buflen, int *errnop,
                                                      int *h_errnop, int32_t *ttlp)
{
	if (!served(name))
		return not_served(errnop, h_errnop);
	if (!have_impl())
		return unavail(errnop, h_errnop);
	return impl4(name, pat, buffer, buflen, errnop, h_errnop, ttlp);
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname3_r(const char *name, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop,
                                                      int32_t *ttlp, char **canonp)
{
	if (!served(name))
		return not_served(errnop, h_errnop);
	if (!have_impl())
		return unavail(errnop, h_errnop);
	return impl3(name, af, host, buffer, buflen, errnop, h_errnop, ttlp, canonp);
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname2_r(const char *name, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop)
{
	return _nss_kms_gethostbyname3_r(name, af, host, buffer, buflen, errnop, h_errnop, NULL,
	                                 NULL);
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyname_r(const char *name, struct hostent *host,
                                                     char *buffer, size_t buflen, int *errnop,
                                                     int *h_errnop)
{
	return _nss_kms_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop, h_errnop,
	                                 NULL, NULL);
}

/* Reverse lookups are not ours: NOTFOUND at once. */
NSS_KMS_API enum nss_status _nss_kms_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
                                                      struct hostent *host, char *buffer,
                                                      size_t buflen, int *errnop, int *h_errnop,
                                                      int32_t *ttlp)
{
	return not_served(errnop, h_errnop);
}

NSS_KMS_API enum nss_status _nss_kms_gethostbyaddr_r(const void *addr, socklen_t len, int af,
                                                     struct hostent *host, char *buffer,
                                                     size_t buflen, int *errnop, int *h_errnop)
{
	return not_served(errnop, h_errnop);
}
