/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/cursor.h"

#include <string.h>

const uint8_t *kd_rcur_bytes(kd_rcur_t *r, size_t n)
{
	if (r->bad || r->off > r->len || r->len - r->off < n) {
		r->bad = true;
		return NULL;
	}
	const uint8_t *at = r->p + r->off;
	r->off += n;
	return at;
}

void kd_rcur_skip(kd_rcur_t *r, size_t n)
{
	(void)kd_rcur_bytes(r, n);
}

void kd_rcur_align(kd_rcur_t *r, size_t n)
{
	if (n > 0)
		kd_rcur_skip(r, (n - r->off % n) % n);
}

size_t kd_rcur_left(const kd_rcur_t *r)
{
	return r->bad || r->off > r->len ? 0 : r->len - r->off;
}

uint8_t kd_rcur_u8(kd_rcur_t *r)
{
	const uint8_t *at = kd_rcur_bytes(r, 1);
	return at != NULL ? at[0] : 0;
}

uint16_t kd_rcur_u16be(kd_rcur_t *r)
{
	const uint8_t *at = kd_rcur_bytes(r, 2);
	return at != NULL ? (uint16_t)(at[0] << 8 | at[1]) : 0;
}

uint16_t kd_rcur_u16le(kd_rcur_t *r)
{
	const uint8_t *at = kd_rcur_bytes(r, 2);
	return at != NULL ? (uint16_t)(at[1] << 8 | at[0]) : 0;
}

uint32_t kd_rcur_u32be(kd_rcur_t *r)
{
	const uint8_t *at = kd_rcur_bytes(r, 4);
	return at != NULL ? (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 |
	                            at[3]
	                  : 0;
}

uint32_t kd_rcur_u32le(kd_rcur_t *r)
{
	const uint8_t *at = kd_rcur_bytes(r, 4);
	return at != NULL ? (uint32_t)at[3] << 24 | (uint32_t)at[2] << 16 | (uint32_t)at[1] << 8 |
	                            at[0]
	                  : 0;
}

uint8_t *kd_wcur_take(kd_wcur_t *w, size_t n)
{
	if (w->bad || w->off > w->len || w->len - w->off < n) {
		w->bad = true;
		return NULL;
	}
	uint8_t *at = w->p + w->off;
	w->off += n;
	return at;
}

void kd_wcur_u8(kd_wcur_t *w, uint8_t v)
{
	uint8_t *at = kd_wcur_take(w, 1);
	if (at != NULL)
		at[0] = v;
}

void kd_wcur_u16be(kd_wcur_t *w, uint16_t v)
{
	uint8_t *at = kd_wcur_take(w, 2);
	if (at != NULL) {
		at[0] = (uint8_t)(v >> 8);
		at[1] = (uint8_t)v;
	}
}

void kd_wcur_u16le(kd_wcur_t *w, uint16_t v)
{
	uint8_t *at = kd_wcur_take(w, 2);
	if (at != NULL) {
		at[0] = (uint8_t)v;
		at[1] = (uint8_t)(v >> 8);
	}
}

void kd_wcur_u32be(kd_wcur_t *w, uint32_t v)
{
	kd_wcur_u16be(w, (uint16_t)(v >> 16));
	kd_wcur_u16be(w, (uint16_t)v);
}

void kd_wcur_u32le(kd_wcur_t *w, uint32_t v)
{
	kd_wcur_u16le(w, (uint16_t)v);
	kd_wcur_u16le(w, (uint16_t)(v >> 16));
}

void kd_wcur_bytes(kd_wcur_t *w, const void *src, size_t n)
{
	uint8_t *at = kd_wcur_take(w, n);
	if (at != NULL && n > 0)
		memcpy(at, src, n);
}
