/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Table-driven YAML loader: a schema table (key, type, default, check) describes a C struct;
 * one generic walker fills it from a YAML file. Unknown keys, wrong types and failed checks are
 * errors that carry file:line:column. libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/error.h"

/* A position in a YAML file, 1-based. line 0 = not from a file (a default). */
typedef struct {
	unsigned line;
	unsigned column;
} kd_mark_t;

typedef enum {
	KD_T_STR,      /* char *, heap (strdup) */
	KD_T_UINT,     /* unsigned, bounded by min/max */
	KD_T_BOOL,     /* bool: true/false/yes/no/on/off */
	KD_T_DURATION, /* uint64_t milliseconds: "250ms", "3s", "5m", "1h", "1d"; bare number = s */
	KD_T_ENUM,     /* int: index into enum_names; -1 when not given and no default */
	KD_T_STRLIST,  /* char ** + size_t count at count_offset; a scalar is a one-item list */
	KD_T_SEQ,  /* void * array of elem_size structs, each loaded with sub; count at count_offset
	            */
	KD_T_MAP,  /* nested struct at offset, loaded with sub */
	KD_T_MARK, /* kd_mark_t: where the enclosing mapping starts (key is ignored, use "") */
} kd_type_t;

enum {
	KD_F_REQUIRED = 1 << 0, /* missing key is an error */
	KD_F_SECRET = 1 << 1,   /* STR, STRLIST: overwritten with zero bytes before it is freed
	                         * (also when a later value replaces it); never printed */
};

typedef struct kd_schema kd_schema_t;

/* Optional extra check of a loaded value. Return 0 if fine, else write a short reason into
 * err (e.g. "not an IP address") and return -1; the loader adds file:line:column and key.
 * field points at the loaded field; for STRLIST at each item (char **) in turn, for SEQ at each
 * element struct in turn, for MAP at the nested struct. Defaults are not checked. */
typedef int (*kd_check_fn)(const void *field, char *err, size_t errlen);

struct kd_schema {
	const char *key; /* NULL ends a table */
	kd_type_t type;
	size_t offset;
	size_t count_offset;           /* STRLIST, SEQ */
	const char *def;               /* default as YAML scalar text; NULL = none */
	unsigned flags;                /* KD_F_* */
	uint64_t min, max;             /* UINT, DURATION (ms); both 0 = unbounded */
	const char *const *enum_names; /* ENUM: NULL-terminated */
	const kd_schema_t *sub;        /* SEQ, MAP */
	size_t elem_size;              /* SEQ */
	kd_check_fn check;             /* optional */
};

/* Errors are kd_error_t (dns/error.h): "file:line:column: message", code KD_EINVAL. */

/* Load YAML text from a file into out (zeroed by the caller or fully written by this call:
 * defaults are applied first). On failure returns -1, fills err, and frees what it allocated
 * in out. The copies of the text this makes on the way (file buffer, libyaml's buffers, events
 * and nodes) are wiped before they are freed. An empty document applies the defaults only. A key
 * with no value ("key:", "~") means an empty list for STRLIST/SEQ, the defaults for MAP, and is an
 * error for scalars. Aliases and more than one document are rejected. Files are limited to 1 MiB.
 */
int kd_schema_load_file(const kd_schema_t *schema, const char *path, void *out, kd_error_t *err);

/* The same from a buffer; name is shown in errors in place of the file name. */
int kd_schema_load_buf(const kd_schema_t *schema, const char *name, const char *buf, size_t len,
                       void *out, kd_error_t *err);

/* Free everything the loader allocated in obj (strings, lists, sequences, recursively), wiping
 * every KD_F_SECRET value before its memory is released. */
void kd_schema_free(const kd_schema_t *schema, void *obj);

/* kd_schema_free with release in place of free() for every block (a test can look at each block
 * as it is released). */
void kd_schema_free_with(const kd_schema_t *schema, void *obj, void (*release)(void *));

/* Overwrite every KD_F_SECRET value in obj with zero bytes, recursively (the wipe step of
 * kd_schema_free); the strings stay allocated and read as "". */
void kd_schema_wipe(const kd_schema_t *schema, void *obj);

/* Parse a duration ("250ms", "3s", "5m", "1h", "1d", bare number = seconds) to milliseconds. */
int kd_parse_duration(const char *text, uint64_t *ms_out);

/* Write a duration in the largest unit that divides it exactly: 90000 -> "90s", 300000 -> "5m",
 * 250 -> "250ms", 0 -> "0s". */
void kd_format_duration(uint64_t ms, char *buf, size_t len);

/* Print obj as the YAML the schema reads: every key with its value, defaults included; a key
 * whose string is unset is left out, and a KD_F_SECRET value is shown as <hidden>. What is
 * printed loads back into the same values (secrets aside). */
void kd_schema_print(FILE *out, const kd_schema_t *schema, const void *obj);

/* Format an error with a position: "name:line:column: fmt..." (used by callers that validate
 * cross-references after loading). */
void kd_error_set(kd_error_t *err, const char *name, kd_mark_t mark, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Ready-made checks (kd_check_fn) shared by the configuration schemas; a NULL value passes.
 * kd_check_dname: a domain name other than the root. kd_check_server: a DNS server
 * "address[@port]". */
int kd_check_dname(const void *field, char *err, size_t errlen);
int kd_check_server(const void *field, char *err, size_t errlen);
