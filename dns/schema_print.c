/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dns/schema.h"

#define HIDDEN "<hidden>"

static const void *field_at(const void *base, size_t offset)
{
	return (const char *)base + offset;
}

/* A plain YAML scalar when that reads back as the same text (no indicator, no ':' that a flow
 * list would split at, not a spelling of null), else a double-quoted one. */
static void print_str(FILE *out, const char *s)
{
	bool plain = s[0] != '\0' && (isalnum((unsigned char)s[0]) || strchr("_/.", s[0]) != NULL);
	for (const char *p = s; plain && *p != '\0'; p++)
		plain = isalnum((unsigned char)*p) || strchr("_-./@+=", *p) != NULL;
	if (plain && strcmp(s, "null") != 0 && strcmp(s, "Null") != 0 && strcmp(s, "NULL") != 0) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void print_value(FILE *out, const kd_schema_t *row, const char *s)
{
	if (row->flags & KD_F_SECRET)
		fputs(HIDDEN, out);
	else
		print_str(out, s);
}

static void print_map(FILE *out, const kd_schema_t *schema, const void *obj, int indent,
                      const char *first);

/* One row as "key: value" (or a block below it); lead is what starts the line. */
static void print_row(FILE *out, const kd_schema_t *row, const void *obj, int indent,
                      const char *lead)
{
	const void *field = field_at(obj, row->offset);
	char buf[64];
	switch (row->type) {
	case KD_T_STR:
		fprintf(out, "%s%s: ", lead, row->key);
		print_value(out, row, *(char *const *)field);
		break;
	case KD_T_UINT: fprintf(out, "%s%s: %u", lead, row->key, *(const unsigned *)field); break;
	case KD_T_BOOL:
		fprintf(out, "%s%s: %s", lead, row->key, *(const bool *)field ? "true" : "false");
		break;
	case KD_T_DURATION:
		kd_format_duration(*(const uint64_t *)field, buf, sizeof(buf));
		fprintf(out, "%s%s: %s", lead, row->key, buf);
		break;
	case KD_T_ENUM: {
		int v = *(const int *)field;
		int n = 0;
		while (row->enum_names != NULL && row->enum_names[n] != NULL)
			n++;
		fprintf(out, "%s%s: %s", lead, row->key,
		        v >= 0 && v < n ? row->enum_names[v] : "?");
		break;
	}
	case KD_T_STRLIST: {
		char *const *list = *(char *const *const *)field;
		size_t count = *(const size_t *)field_at(obj, row->count_offset);
		fprintf(out, "%s%s: [", lead, row->key);
		for (size_t i = 0; i < count; i++) {
			fputs(i > 0 ? ", " : "", out);
			print_value(out, row, list[i]);
		}
		fputc(']', out);
		break;
	}
	case KD_T_SEQ: {
		const char *array = *(const char *const *)field;
		size_t count = *(const size_t *)field_at(obj, row->count_offset);
		fprintf(out, "%s%s:%s\n", lead, row->key, count == 0 ? " []" : "");
		for (size_t i = 0; i < count; i++) {
			snprintf(buf, sizeof(buf), "%*s- ", indent + 2, "");
			print_map(out, row->sub, array + i * row->elem_size, indent + 4, buf);
		}
		return;
	}
	case KD_T_MAP:
		fprintf(out, "%s%s:\n", lead, row->key);
		snprintf(buf, sizeof(buf), "%*s", indent + 2, "");
		print_map(out, row->sub, field, indent + 2, buf);
		return;
	case KD_T_MARK: return;
	}
	fputc('\n', out);
}

/* A string or an enum that was not given and has no default: left out. */
static bool unset(const kd_schema_t *row, const void *obj)
{
	const void *field = field_at(obj, row->offset);
	return (row->type == KD_T_STR && *(char *const *)field == NULL) ||
	       (row->type == KD_T_ENUM && *(const int *)field < 0);
}

/* The rows of a mapping, the first line started with first, the others indented. */
static void print_map(FILE *out, const kd_schema_t *schema, const void *obj, int indent,
                      const char *first)
{
	char lead[64];
	snprintf(lead, sizeof(lead), "%*s", indent, "");
	bool started = false;
	for (const kd_schema_t *row = schema; row->key != NULL; row++) {
		if (row->type == KD_T_MARK || unset(row, obj))
			continue;
		print_row(out, row, obj, indent, started ? lead : first);
		started = true;
	}
	if (!started)
		fprintf(out, "%s{}\n", first);
}

void kd_schema_print(FILE *out, const kd_schema_t *schema, const void *obj)
{
	print_map(out, schema, obj, 0, "");
}
