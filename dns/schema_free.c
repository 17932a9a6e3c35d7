/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dns/schema.h"
#include "dns/schema_int.h"

static void *field_at(void *base, size_t offset)
{
	return (char *)base + offset;
}

static void wipe_str(const kd_schema_t *row, char *s)
{
	if (s != NULL && (row->flags & KD_F_SECRET))
		explicit_bzero(s, strlen(s));
}

void kd_schema_drop_str(const kd_schema_t *row, char *s, void (*release)(void *))
{
	wipe_str(row, s);
	if (s != NULL)
		release(s);
}

void kd_schema_drop_strlist(const kd_schema_t *row, char ***list, size_t *count,
                            void (*release)(void *))
{
	for (size_t i = 0; *list != NULL && i < *count; i++)
		kd_schema_drop_str(row, (*list)[i], release);
	if (*list != NULL)
		release(*list);
	*list = NULL;
	*count = 0;
}

void kd_schema_wipe(const kd_schema_t *schema, void *obj)
{
	for (const kd_schema_t *row = schema; row->key != NULL; row++) {
		void *field = field_at(obj, row->offset);
		switch (row->type) {
		case KD_T_STR: wipe_str(row, *(char **)field); break;
		case KD_T_STRLIST: {
			char **list = *(char ***)field;
			size_t count = *(size_t *)field_at(obj, row->count_offset);
			for (size_t i = 0; list != NULL && i < count; i++)
				wipe_str(row, list[i]);
			break;
		}
		case KD_T_SEQ: {
			char *array = *(char **)field;
			size_t count = *(size_t *)field_at(obj, row->count_offset);
			for (size_t i = 0; array != NULL && i < count; i++)
				kd_schema_wipe(row->sub, array + i * row->elem_size);
			break;
		}
		case KD_T_MAP: kd_schema_wipe(row->sub, field); break;
		default: break;
		}
	}
}

void kd_schema_free_with(const kd_schema_t *schema, void *obj, void (*release)(void *))
{
	for (const kd_schema_t *row = schema; row->key != NULL; row++) {
		void *field = field_at(obj, row->offset);
		switch (row->type) {
		case KD_T_STR:
			kd_schema_drop_str(row, *(char **)field, release);
			*(char **)field = NULL;
			break;
		case KD_T_STRLIST:
			kd_schema_drop_strlist(row, field, field_at(obj, row->count_offset),
			                       release);
			break;
		case KD_T_SEQ: {
			char **array = field;
			size_t *count = field_at(obj, row->count_offset);
			for (size_t i = 0; *array != NULL && i < *count; i++)
				kd_schema_free_with(row->sub, *array + i * row->elem_size, release);
			if (*array != NULL)
				release(*array);
			*array = NULL;
			*count = 0;
			break;
		}
		case KD_T_MAP: kd_schema_free_with(row->sub, field, release); break;
		default: break;
		}
	}
}

void kd_schema_free(const kd_schema_t *schema, void *obj)
{
	kd_schema_free_with(schema, obj, free);
}
