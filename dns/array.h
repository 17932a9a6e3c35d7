/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The one way to grow a heap array. The caller keeps the array, its element count and its
 * capacity (in elements); this only makes room:
 *
 *   kd_keyent_t *v = kd_array_reserve(list->v, &list->cap, list->n + 1, sizeof(*v));
 *   if (v == NULL)
 *           return -1;             // list unchanged
 *   list->v = v;
 *   v[list->n++] = entry;
 *
 * libknot-free. */
#pragma once

#include <stddef.h>

/* Room for at least need elements of elem_size bytes in v (NULL for none yet), whose capacity
 * is *cap elements. Grows by doubling, to 8 elements at least; a *cap smaller than the elements
 * already held (an exactly sized calloc) is fine. Returns the array, moved or not, with *cap
 * updated, or NULL on ENOMEM or size overflow (v is still valid and *cap unchanged). */
void *kd_array_reserve(void *v, size_t *cap, size_t need, size_t elem_size);
