/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The state file: the records this publisher published, so that records of hosts removed from
 * the configuration are withdrawn even across restarts, while records it never published are
 * never deleted. The file is zone-file syntax: a `$ORIGIN zone.` line starts the records of
 * that zone, each record is one line "owner ttl IN TYPE rdata" with an absolute owner, and
 * lines starting with ';' are comments (later versions keep more state in comment lines that
 * start with ";@", which this version skips). Files written by version 1 ("zone owner ttl TYPE
 * rdata" lines under a "# kms-publisher state v1" header) are read too. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "dns/error.h"
#include "publisher/rr.h"

/* Called for each line that is not a record of ours: its number (1-based) and why. */
typedef void (*pub_state_bad_fn)(void *arg, unsigned line, const char *reason);

/* A record line in exactly the form the writer prints ("owner ttl IN SRV p w port target.",
 * "owner ttl IN A|AAAA address", plain absolute names, one space apart), built without ldns's
 * zone-file parser; NULL for any other line, which pub_rr_parse judges. Whatever it returns,
 * pub_rr_parse gives the same record for the same text (the pub_state fuzz target checks). */
ldns_rr *pub_state_quick_record(const char *text);

/* Parse the text of a state file (len bytes, no NUL needed) into out, appending. Lines that
 * are not understood are reported to bad (may be NULL) and skipped. Returns the number of bad
 * lines, or -1 on ENOMEM. */
long pub_state_parse(const char *buf, size_t len, pub_zoneset_t *out, pub_state_bad_fn bad,
                     void *arg);

/* What loading found. */
typedef struct {
	long bad_lines; /* lines skipped (each reported to bad) */
	bool copied;    /* the damaged file was copied to path.bad before anything else */
} pub_state_info_t;

/* Read path into out (empty). A missing file is an empty state. Every good line is kept and
 * each bad one reported to bad (may be NULL); when some were bad, the file as it was is copied
 * to "path.bad" (replacing an older copy). Returns 0, or -1 with the reason in err ("failed to
 * read state file ...") when the file cannot be read, or is damaged and the copy could not be
 * written: such a file must not be saved over, or what it held is lost. */
int pub_state_load(const char *path, pub_zoneset_t *out, pub_state_bad_fn bad, void *arg,
                   pub_state_info_t *info, kd_error_t *err);

/* The text of a state file for s (heap, NUL-terminated, length in *len), or NULL on ENOMEM.
 * Groups without records and the group of unknown zone ("") are left out. */
char *pub_state_format(const pub_zoneset_t *s, size_t *len);

/* Write s to path atomically (kd_file_write_atomic), readable by the owner only. Returns 0,
 * or -1 with the reason in err. */
int pub_state_save(const char *path, const pub_zoneset_t *s, kd_error_t *err);
/* The same with extra text (xlen bytes of ";@" lines; may be NULL) after the records. */
int pub_state_save_extra(const char *path, const pub_zoneset_t *s, const char *extra, size_t xlen,
                         kd_error_t *err);
