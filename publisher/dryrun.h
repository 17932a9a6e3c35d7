/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --dry-run: the UPDATE a zone would get, as nsupdate-like text. Never prints a secret. */
#pragma once

#include <stdio.h>

#include "dns/addr.h"
#include "dns/tsigkey.h"
#include "publisher/diff.h"

/* Print the message for zone to out: server/zone lines, one "update add/delete" line per
 * operation in order, "send". key may be NULL. */
void pub_dryrun_print(FILE *out, const char *zone, const kd_addr_t *server,
                      const kd_tsig_key_t *key, const pub_oplist_t *ops);
