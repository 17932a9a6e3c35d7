/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/schema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "dns/file.h"
#include "dns/schema_int.h"

typedef struct {
	yaml_document_t *doc;
	const char *name;
	kd_error_t *err;
} walk_t;

static int walk_map(walk_t *w, const kd_schema_t *schema, void *base, yaml_node_t *node);

void kd_error_set(kd_error_t *err, const char *name, kd_mark_t mark, const char *fmt, ...)
{
	if (name == NULL)
		name = "(input)";
	err->code = KD_EINVAL;
	int n;
	if (mark.line == 0)
		n = snprintf(err->msg, sizeof(err->msg), "%s: ", name);
	else
		n = snprintf(err->msg, sizeof(err->msg), "%s:%u:%u: ", name, mark.line,
		             mark.column);
	if (n >= 0 && (size_t)n < sizeof(err->msg)) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	kd_error_redact(err->msg); /* never a misplaced secret */
}

static kd_mark_t node_mark(const yaml_node_t *node)
{
	kd_mark_t m = {(unsigned)node->start_mark.line + 1, (unsigned)node->start_mark.column + 1};
	return m;
}

static const char *node_kind(yaml_node_type_t type)
{
	switch (type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a sequence";
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_NO_NODE: break;
	}
	return "nothing";
}

/* A plain "", "~" or "null": the key is present with no value. */
static bool node_is_null(const yaml_node_t *node)
{
	if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)node->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	       strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static int expect_node(walk_t *w, const kd_schema_t *row, const yaml_node_t *node,
                       yaml_node_type_t want)
{
	if (node->type == want)
		return 0;
	kd_error_set(w->err, w->name, node_mark(node), "key '%s': expected %s, got %s", row->key,
	             node_kind(want), node_kind(node->type));
	return -1;
}

static void *field_at(void *base, size_t offset)
{
	return (char *)base + offset;
}

static int run_check(walk_t *w, const kd_schema_t *row, const void *field, kd_mark_t mark)
{
	if (row->check == NULL)
		return 0;
	char why[256] = "invalid value";
	if (row->check(field, why, sizeof(why)) == 0)
		return 0;
	kd_error_set(w->err, w->name, mark, "key '%s': %s", row->key, why);
	return -1;
}

/* Start a list of n items in the row's field, replacing a default. */
static int strlist_alloc(const kd_schema_t *row, void *base, size_t n)
{
	char ***list = field_at(base, row->offset);
	size_t *count = field_at(base, row->count_offset);
	kd_schema_drop_strlist(row, list, count, free);
	if (n == 0)
		return 0;
	*list = calloc(n, sizeof(char *));
	if (*list == NULL)
		return -1;
	*count = n;
	return 0;
}

static int set_value(walk_t *w, const kd_schema_t *row, void *base, const char *text,
                     kd_mark_t mark)
{
	char why[256];
	void *field = field_at(base, row->offset);
	if (row->type == KD_T_STRLIST) {
		char ***list = field;
		if (strlist_alloc(row, base, 1) != 0 || ((*list)[0] = strdup(text)) == NULL)
			goto nomem;
		return 0;
	}
	if (row->type == KD_T_STR) {
		char *copy = strdup(text);
		if (copy == NULL)
			goto nomem;
		kd_schema_drop_str(row, *(char **)field, free);
		*(char **)field = copy;
		return 0;
	}
	if (kd_scalar_parse(row, text, field, why, sizeof(why)) == 0)
		return 0;
	kd_error_set(w->err, w->name, mark, "key '%s': %s", row->key, why);
	return -1;
nomem:
	kd_error_set(w->err, w->name, mark, "key '%s': out of memory", row->key);
	return -1;
}

static int walk_strlist(walk_t *w, const kd_schema_t *row, void *base, yaml_node_t *node)
{
	char ***list = field_at(base, row->offset);
	if (node->type == YAML_SCALAR_NODE) {
		if (set_value(w, row, base, (const char *)node->data.scalar.value, node_mark(node)))
			return -1;
		return run_check(w, row, &(*list)[0], node_mark(node));
	}
	if (expect_node(w, row, node, YAML_SEQUENCE_NODE) != 0)
		return -1;
	yaml_node_item_t *first = node->data.sequence.items.start;
	size_t n = (size_t)(node->data.sequence.items.top - first);
	if (strlist_alloc(row, base, n) != 0) {
		kd_error_set(w->err, w->name, node_mark(node), "key '%s': out of memory", row->key);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yaml_document_get_node(w->doc, first[i]);
		if (item->type != YAML_SCALAR_NODE) {
			kd_error_set(w->err, w->name, node_mark(item),
			             "key '%s': expected a scalar, got %s", row->key,
			             node_kind(item->type));
			return -1;
		}
		(*list)[i] = strdup((const char *)item->data.scalar.value);
		if ((*list)[i] == NULL) {
			kd_error_set(w->err, w->name, node_mark(item), "key '%s': out of memory",
			             row->key);
			return -1;
		}
		if (run_check(w, row, &(*list)[i], node_mark(item)) != 0)
			return -1;
	}
	return 0;
}

/* Zero every field the schema describes, then apply the defaults (recursively for MAP). */
static int apply_defaults(walk_t *w, const kd_schema_t *schema, void *base)
{
	for (const kd_schema_t *row = schema; row->key != NULL; row++) {
		void *field = field_at(base, row->offset);
		switch (row->type) {
		case KD_T_STR: *(char **)field = NULL; break;
		case KD_T_UINT: *(unsigned *)field = 0; break;
		case KD_T_BOOL: *(bool *)field = false; break;
		case KD_T_DURATION: *(uint64_t *)field = 0; break;
		case KD_T_ENUM: *(int *)field = -1; break; /* not given (without a default) */
		case KD_T_MARK: memset(field, 0, sizeof(kd_mark_t)); break;
		case KD_T_STRLIST:
		case KD_T_SEQ:
			*(void **)field = NULL;
			*(size_t *)field_at(base, row->count_offset) = 0;
			break;
		case KD_T_MAP:
			if (apply_defaults(w, row->sub, field) != 0)
				return -1;
			break;
		}
		kd_mark_t none = {0, 0};
		if (row->def != NULL && row->type != KD_T_MAP && row->type != KD_T_SEQ &&
		    set_value(w, row, base, row->def, none) != 0)
			return -1;
	}
	return 0;
}

static int walk_seq(walk_t *w, const kd_schema_t *row, void *base, yaml_node_t *node)
{
	if (expect_node(w, row, node, YAML_SEQUENCE_NODE) != 0)
		return -1;
	void **array = field_at(base, row->offset);
	size_t *count = field_at(base, row->count_offset);
	yaml_node_item_t *first = node->data.sequence.items.start;
	size_t n = (size_t)(node->data.sequence.items.top - first);
	if (n == 0)
		return 0;
	*array = calloc(n, row->elem_size);
	if (*array == NULL) {
		kd_error_set(w->err, w->name, node_mark(node), "key '%s': out of memory", row->key);
		return -1;
	}
	/* Every element is initialised before any is loaded, so a failure frees all n. */
	*count = n;
	for (size_t i = 0; i < n; i++)
		if (apply_defaults(w, row->sub, (char *)*array + i * row->elem_size) != 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		yaml_node_t *item = yaml_document_get_node(w->doc, first[i]);
		void *elem = (char *)*array + i * row->elem_size;
		if (expect_node(w, row, item, YAML_MAPPING_NODE) != 0 ||
		    walk_map(w, row->sub, elem, item) != 0 ||
		    run_check(w, row, elem, node_mark(item)) != 0)
			return -1;
	}
	return 0;
}

static int walk_value(walk_t *w, const kd_schema_t *row, void *base, yaml_node_t *node)
{
	void *field = field_at(base, row->offset);
	switch (row->type) {
	case KD_T_STRLIST:
		if (node_is_null(node))
			return strlist_alloc(row, base, 0);
		return walk_strlist(w, row, base, node);
	case KD_T_SEQ:
		if (node_is_null(node))
			return 0;
		return walk_seq(w, row, base, node);
	case KD_T_MAP:
		if (node_is_null(node))
			return 0;
		if (expect_node(w, row, node, YAML_MAPPING_NODE) != 0 ||
		    walk_map(w, row->sub, field, node) != 0)
			return -1;
		return run_check(w, row, field, node_mark(node));
	case KD_T_MARK: return 0; /* not reachable: MARK rows never match a key */
	default: break;
	}
	if (expect_node(w, row, node, YAML_SCALAR_NODE) != 0)
		return -1;
	if (node_is_null(node)) {
		kd_error_set(w->err, w->name, node_mark(node), "key '%s': missing value", row->key);
		return -1;
	}
	if (set_value(w, row, base, (const char *)node->data.scalar.value, node_mark(node)) != 0)
		return -1;
	return run_check(w, row, field, node_mark(node));
}

static size_t schema_rows(const kd_schema_t *schema)
{
	size_t n = 0;
	while (schema[n].key != NULL)
		n++;
	return n;
}

static int walk_map(walk_t *w, const kd_schema_t *schema, void *base, yaml_node_t *node)
{
	size_t nrows = schema_rows(schema);
	bool *seen = calloc(nrows + 1, sizeof(bool));
	if (seen == NULL) {
		kd_error_set(w->err, w->name, node_mark(node), "out of memory");
		return -1;
	}
	int ret = -1;
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(w->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(w->doc, p->value);
		if (k->type != YAML_SCALAR_NODE) {
			kd_error_set(w->err, w->name, node_mark(k), "expected a scalar key, got %s",
			             node_kind(k->type));
			goto out;
		}
		const char *key = (const char *)k->data.scalar.value;
		size_t i = 0;
		while (i < nrows &&
		       (schema[i].type == KD_T_MARK || strcmp(schema[i].key, key) != 0))
			i++;
		if (i == nrows) {
			kd_error_set(w->err, w->name, node_mark(k), "unknown key '%s'", key);
			goto out;
		}
		if (seen[i]) {
			kd_error_set(w->err, w->name, node_mark(k), "duplicate key '%s'", key);
			goto out;
		}
		seen[i] = true;
		if (walk_value(w, &schema[i], base, v) != 0)
			goto out;
	}
	for (size_t i = 0; i < nrows; i++) {
		if (schema[i].type == KD_T_MARK) {
			*(kd_mark_t *)field_at(base, schema[i].offset) = node_mark(node);
		} else if ((schema[i].flags & KD_F_REQUIRED) && !seen[i]) {
			kd_error_set(w->err, w->name, node_mark(node), "missing required key '%s'",
			             schema[i].key);
			goto out;
		}
	}
	ret = 0;
out:
	free(seen);
	return ret;
}

/* libyaml keeps copies of the text (the input buffers, the values of events and nodes) and
 * frees them without wiping: wipe them first, they may hold secrets. */
static void parser_delete(yaml_parser_t *p)
{
	if (p->raw_buffer.start != NULL)
		explicit_bzero(p->raw_buffer.start,
		               (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start != NULL)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
	yaml_parser_delete(p);
}

static void event_delete(yaml_event_t *ev)
{
	if (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.value != NULL)
		explicit_bzero(ev->data.scalar.value, ev->data.scalar.length);
	yaml_event_delete(ev);
}

static void document_delete(yaml_document_t *doc)
{
	for (yaml_node_t *n = doc->nodes.start; n != NULL && n < doc->nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value != NULL)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
	yaml_document_delete(doc);
}

/* Deeper than any schema: libyaml scans nested flow collections in time quadratic in their
 * depth (40000 '[' take half a minute), so the event pass stops there. */
#define MAX_DEPTH 32

/* The event pass reports syntax errors with libyaml's position and rejects aliases (a shared
 * node would be loaded twice, and alias bombs grow exponentially) and deep nesting. */
static int check_events(walk_t *w, const char *buf, size_t len)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		kd_error_set(w->err, w->name, (kd_mark_t){0, 0}, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	int ret = -1, docs = 0, depth = 0;
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev)) {
			kd_mark_t m = {(unsigned)parser.problem_mark.line + 1,
			               (unsigned)parser.problem_mark.column + 1};
			if (parser.context != NULL)
				kd_error_set(w->err, w->name, m, "invalid YAML (%s %s at %u:%u)",
				             parser.problem, parser.context,
				             (unsigned)parser.context_mark.line + 1,
				             (unsigned)parser.context_mark.column + 1);
			else
				kd_error_set(w->err, w->name, m, "invalid YAML (%s)",
				             parser.problem != NULL ? parser.problem
				                                    : "unknown error");
			break;
		}
		kd_mark_t m = {(unsigned)ev.start_mark.line + 1,
		               (unsigned)ev.start_mark.column + 1};
		yaml_event_type_t type = ev.type;
		event_delete(&ev);
		if (type == YAML_ALIAS_EVENT) {
			kd_error_set(w->err, w->name, m, "YAML aliases are not supported");
			break;
		}
		if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
			if (++depth > MAX_DEPTH) {
				kd_error_set(w->err, w->name, m,
				             "YAML nested deeper than %d levels", MAX_DEPTH);
				break;
			}
		} else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
			depth--;
		}
		if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			kd_error_set(w->err, w->name, m, "only one YAML document is supported");
			break;
		}
		if (type == YAML_STREAM_END_EVENT) {
			ret = 0;
			break;
		}
	}
	parser_delete(&parser);
	return ret;
}

static int load_doc(walk_t *w, const kd_schema_t *schema, const char *buf, size_t len, void *out)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	if (!yaml_parser_initialize(&parser)) {
		kd_error_set(w->err, w->name, (kd_mark_t){0, 0}, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		kd_error_set(w->err, w->name, (kd_mark_t){0, 0}, "failed to load YAML (%s)",
		             parser.problem != NULL ? parser.problem : "out of memory");
		parser_delete(&parser);
		return -1;
	}
	w->doc = &doc;
	int ret = 0;
	yaml_node_t *root = yaml_document_get_root_node(&doc);
	if (root != NULL && !node_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE) {
			kd_error_set(w->err, w->name, node_mark(root),
			             "expected a mapping at the top level, got %s",
			             node_kind(root->type));
			ret = -1;
		} else {
			ret = walk_map(w, schema, out, root);
		}
	}
	w->doc = NULL;
	document_delete(&doc);
	parser_delete(&parser);
	return ret;
}

int kd_schema_load_buf(const kd_schema_t *schema, const char *name, const char *buf, size_t len,
                       void *out, kd_error_t *err)
{
	walk_t w = {NULL, name != NULL ? name : "(input)", err};
	if (apply_defaults(&w, schema, out) != 0 || check_events(&w, buf, len) != 0 ||
	    load_doc(&w, schema, buf, len, out) != 0) {
		kd_schema_free(schema, out);
		return -1;
	}
	return 0;
}

int kd_schema_load_file(const kd_schema_t *schema, const char *path, void *out, kd_error_t *err)
{
	char *buf = NULL;
	size_t len = 0;
	if (kd_file_read(path, KD_FILE_CONF_MAX, &buf, &len) != 0) {
		kd_error_set(err, path, (kd_mark_t){0, 0}, "failed to read file (%s)",
		             strerror(errno));
		return -1;
	}
	int ret = kd_schema_load_buf(schema, path, buf, len, out, err);
	explicit_bzero(buf, len); /* configuration files may hold secrets */
	free(buf);
	return ret;
}
