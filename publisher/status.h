/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What `kms-publisher status` shows, kept in the state file after the records as comment
 * lines that start with ";@" (older readers skip them):
 *
 *   ;@written unix=T pid=P probes_max_in_flight=N
 *   ;@host NAME state=up|down|pending since=T probe=rpc|tcp|none result=R latency_ms=N
 *          probed=T failures=N successes=N (consecutive)
 *   ;@record DOMAIN HOST published=0|1 why=healthy|pending|withdrawn|held in_zone=0|1
 *   ;@domain DOMAIN fail_open=0|1 records=N
 *   ;@zone ZONE ok=0|1 last_success=T next=T error=TEXT TO THE END OF THE LINE
 *
 * T is Unix time in seconds (0 = never). The daemon writes them after every round, every
 * health transition and at most once a second while probe results come in. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/error.h"
#include "publisher/round.h"

/* One ";@" line, split. */
typedef struct {
	char kind[16];
	char name[256], name2[256]; /* positional arguments ("" when absent) */
	char fields[1024];          /* the key=value part */
} pub_status_line_t;

/* The next ";@" line of buf from *off on (other lines are skipped). Returns false at the end. */
bool pub_status_next(const char *buf, size_t len, size_t *off, pub_status_line_t *out);

/* The value of key in line into buf (error= takes the rest of the line). Returns whether
 * key is there. */
bool pub_status_field(const pub_status_line_t *line, const char *key, char *buf, size_t len);

/* The ";@" lines for ctx (its fleet and zones) at now (both clocks). Heap, length in *len;
 * NULL on ENOMEM. */
char *pub_status_format(const pub_ctx_t *ctx, int64_t now_unix, uint64_t now_ms, size_t *len);

/* Print the status kept in the state file at path, as text or JSON (one object). Returns 0,
 * or -1 with the reason in err. */
int pub_status_print(FILE *out, const char *path, bool json, kd_error_t *err);
