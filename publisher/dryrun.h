/* SPDX-License-Identifier: GPL-3.0-or-later */
/* --dry-run: the UPDATEs a round would send, as nsupdate-like text, one "send" block per
 * message. Never prints a secret. */
#pragma once

#include <stdio.h>

#include "dns/addr.h"
#include "dns/tsigkey.h"
#include "publisher/diff.h"
#include "publisher/update.h"

/* Print one message for zone to out: server/zone lines, "prereq" lines for pre (may be NULL),
 * one "update add/delete" line per operation in order, "send". key may be NULL. */
void pub_dryrun_print(FILE *out, const char *zone, const kd_addr_t *server,
                      const kd_tsig_key_t *key, const pub_prereq_t *pre, const pub_oplist_t *ops);
