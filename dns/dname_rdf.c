/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names between the one canonical text form (dns/dname.c, ldns-free) and ldns dname rdfs. */
#include "config.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dname.h"

struct ldns_struct_rdf *kd_dname_to_rdf(const char *name)
{
	ldns_rdf *rdf = NULL;
	if (name == NULL || ldns_str2rdf_dname(&rdf, name) != LDNS_STATUS_OK)
		return NULL;
	return rdf;
}

int kd_dname_from_rdf(const struct ldns_struct_rdf *rdf, char *buf, size_t len)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	ldns_rdf *copy = ldns_rdf_clone(rdf);
	if (copy == NULL)
		return -1;
	ldns_dname2canonical(copy);
	char *text = ldns_rdf2str(copy);
	ldns_rdf_deep_free(copy);
	if (text == NULL)
		return -1;
	size_t n = strlen(text);
	int ret = -1;
	if (n < len) {
		memcpy(buf, text, n + 1);
		ret = 0;
	}
	free(text);
	return ret;
}
