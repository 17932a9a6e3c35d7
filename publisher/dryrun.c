/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/dryrun.h"

#include <string.h>

void pub_dryrun_print(FILE *out, const char *zone, const kd_addr_t *server,
                      const kd_tsig_key_t *key, const pub_oplist_t *ops)
{
	char ip[KD_ADDR_STRLEN];
	kd_addr_ip_str(server, ip, sizeof(ip));
	if (key != NULL)
		fprintf(out, "; signed with TSIG key %s (%s); secret not shown\n", key->name,
		        kd_tsig_alg_name(key->alg));
	fprintf(out, "server %s %u\nzone %s\n", ip, kd_addr_port(server), zone);
	for (size_t i = 0; i < ops->n; i++) {
		const pub_rr_t *rr = &ops->v[i].rr;
		char rdata[PUB_NAME_MAX + 64];
		pub_rr_rdata_str(rr, rdata, sizeof(rdata));
		switch (ops->v[i].kind) {
		case PUB_OP_ADD:
			fprintf(out, "update add %s %u IN %s\n", rr->owner, rr->ttl, rdata);
			break;
		case PUB_OP_DEL: fprintf(out, "update delete %s %s\n", rr->owner, rdata); break;
		case PUB_OP_DEL_RRSET:
			if (strchr(rdata, ' ') != NULL) /* the type alone */
				*strchr(rdata, ' ') = '\0';
			fprintf(out, "update delete %s %s\n", rr->owner, rdata);
			break;
		}
	}
	fprintf(out, "send\n");
	fflush(out);
}
