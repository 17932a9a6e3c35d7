/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Bounds-checked cursors for building and parsing wire data (c-ares' ares_buf style): every
 * access checks the room left first, and a failed access marks the cursor bad and does nothing
 * (a read returns 0), so a parser tests once at the end. Integers in either byte order.
 * Initialise with a designated initializer: kd_rcur_t r = {.p = buf, .len = len}.
 * libknot-free. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
	const uint8_t *p;
	size_t len, off; /* off: the next byte to read, from the start of p */
	bool bad;
} kd_rcur_t;

typedef struct {
	uint8_t *p;
	size_t len, off; /* off: the next byte to write, and so the length written */
	bool bad;
} kd_wcur_t;

uint8_t kd_rcur_u8(kd_rcur_t *r);
uint16_t kd_rcur_u16be(kd_rcur_t *r);
uint16_t kd_rcur_u16le(kd_rcur_t *r);
uint32_t kd_rcur_u32be(kd_rcur_t *r);
uint32_t kd_rcur_u32le(kd_rcur_t *r);
/* n bytes in place, or NULL. */
const uint8_t *kd_rcur_bytes(kd_rcur_t *r, size_t n);
void kd_rcur_skip(kd_rcur_t *r, size_t n);
/* Skip to the next multiple of n (> 0) counted from the start of p. */
void kd_rcur_align(kd_rcur_t *r, size_t n);
/* Bytes left to read (0 once bad). */
size_t kd_rcur_left(const kd_rcur_t *r);

/* Room for n bytes, advanced past, or NULL. */
uint8_t *kd_wcur_take(kd_wcur_t *w, size_t n);
void kd_wcur_u8(kd_wcur_t *w, uint8_t v);
void kd_wcur_u16be(kd_wcur_t *w, uint16_t v);
void kd_wcur_u16le(kd_wcur_t *w, uint16_t v);
void kd_wcur_u32be(kd_wcur_t *w, uint32_t v);
void kd_wcur_u32le(kd_wcur_t *w, uint32_t v);
void kd_wcur_bytes(kd_wcur_t *w, const void *src, size_t n);
