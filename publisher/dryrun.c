/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "publisher/dryrun.h"

#include <stdlib.h>
#include <string.h>

#include "dns/strbuf.h"

static void prereqs(kd_strbuf_t *sb, const pub_prereq_t *pre)
{
	for (size_t i = 0; pre != NULL && pre->present != NULL && i < pre->present->n; i++) {
		const ldns_rr *rr = pre->present->v[i];
		char owner[PUB_NAME_MAX] = "?";
		pub_rr_owner_str(rr, owner, sizeof(owner));
		kd_strbuf_printf(sb, "prereq yxrrset %s IN ", owner);
		pub_rr_print_rdata(sb, rr);
		kd_strbuf_printf(sb, "\n");
	}
	for (size_t i = 0; pre != NULL && pre->absent != NULL && i < pre->absent->n; i++) {
		const ldns_rr *rr = pre->absent->v[i];
		char owner[PUB_NAME_MAX] = "?";
		pub_rr_owner_str(rr, owner, sizeof(owner));
		kd_strbuf_printf(sb, "prereq nxrrset %s IN %s\n", owner, pub_rr_type_str(rr));
	}
}

void pub_dryrun_print(FILE *out, const char *zone, const kd_addr_t *server,
                      const kd_tsig_key_t *key, const pub_prereq_t *pre, const pub_oplist_t *ops)
{
	char ip[KD_ADDR_STRLEN];
	kd_addr_ip_str(server, ip, sizeof(ip));
	kd_strbuf_t sb = {0};
	if (key != NULL)
		kd_strbuf_printf(&sb, "; signed with TSIG key %s (%s); secret not shown\n",
		                 key->name, kd_tsig_alg_name(key->alg));
	kd_strbuf_printf(&sb, "server %s %u\nzone %s\n", ip, kd_addr_port(server), zone);
	prereqs(&sb, pre);
	for (size_t i = 0; i < ops->n; i++) {
		const ldns_rr *rr = ops->v[i].rr;
		char owner[PUB_NAME_MAX] = "?";
		pub_rr_owner_str(rr, owner, sizeof(owner));
		switch (ops->v[i].kind) {
		case PUB_OP_ADD:
			kd_strbuf_printf(&sb, "update add ");
			pub_rr_print(&sb, rr);
			break;
		case PUB_OP_DEL:
			kd_strbuf_printf(&sb, "update delete %s ", owner);
			pub_rr_print_rdata(&sb, rr);
			break;
		case PUB_OP_DEL_RRSET:
			kd_strbuf_printf(&sb, "update delete %s %s", owner, pub_rr_type_str(rr));
			break;
		}
		kd_strbuf_printf(&sb, "\n");
	}
	kd_strbuf_printf(&sb, "send\n");
	size_t len = 0;
	char *text = kd_strbuf_take(&sb, &len);
	if (text != NULL)
		fwrite(text, 1, len, out);
	free(text);
	fflush(out);
}
