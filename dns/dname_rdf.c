/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Names between the one canonical text form (dns/dname.c, ldns-free) and ldns dname rdfs. */
#include "config.h"

#include <ldns/ldns.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Letters, digits, '-' and '_': printed as they are (lower-cased), never escaped. */
static bool plain(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The canonical text of a wire name whose labels hold plain characters only, without ldns
 * (thousands of names a round: ldns_rdf2str prints each character through printf). 1 when
 * the name is not plain (ldns must print it), 0 done, -1 short buffer. */
static int plain_text(const uint8_t *w, size_t size, char *buf, size_t len)
{
	size_t pos = 0, out = 0;
	char tmp[KD_DNAME_STRLEN];
	if (size > LDNS_MAX_DOMAINLEN)
		return 1; /* longer than a name may be: ldns refuses it */
	if (size == 1 && w[0] == 0) {
		tmp[out++] = '.';
	} else {
		while (pos < size && w[pos] != 0) {
			size_t l = w[pos++];
			if (l > 63 || pos + l >= size || out + l + 1 >= sizeof(tmp))
				return 1;
			for (size_t i = 0; i < l; i++) {
				uint8_t c = w[pos + i];
				if (!plain(c))
					return 1;
				tmp[out++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			tmp[out++] = '.';
			pos += l;
		}
		if (pos + 1 != size || out == 0)
			return 1;
	}
	if (out >= len)
		return -1;
	memcpy(buf, tmp, out);
	buf[out] = '\0';
	return 0;
}

int kd_dname_from_rdf(const struct ldns_struct_rdf *rdf, char *buf, size_t len)
{
	if (rdf == NULL || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return -1;
	int fast = plain_text(ldns_rdf_data(rdf), ldns_rdf_size(rdf), buf, len);
	if (fast <= 0)
		return fast;
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
