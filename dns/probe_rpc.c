/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include "dns/probe.h"

#include <stdbool.h>
#include <string.h>

#include "dns/cursor.h"

/* DCE/RPC connection-oriented PDUs (C706 chapter 12). */
enum {
	RPC_VERS = 5,
	RPC_VERS_MINOR = 0,
	PTYPE_BIND = 11,
	PTYPE_BIND_ACK = 12,
	PTYPE_BIND_NAK = 13,
	PFC_FIRST_LAST = 0x03,
	DREP_LE = 0x10,
	HDR_LEN = 16,
	RESULT_LEN = 24, /* result, reason, transfer syntax (uuid + version) */
	RESULT_ACCEPTANCE = 0,
};

/* UUIDs in wire layout for little-endian data representation: the first three fields are
 * little-endian integers, the last eight bytes are copied as they are. */
/* clang-format off */
static const uint8_t KMS_IF_UUID[16] = {
	0x75, 0x21, 0xc8, 0x51, 0x4e, 0x84, 0x50, 0x47,
	0xb0, 0xd8, 0xec, 0x25, 0x55, 0x55, 0xbc, 0x06,
};
static const uint8_t NDR_UUID[16] = {
	0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
	0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60,
};
/* clang-format on */

/* p_syntax_id_t: uuid, then if_version = major (low 16 bits) | minor << 16. */
static void w_syntax(kd_wcur_t *w, const uint8_t uuid[16], uint16_t major, uint16_t minor)
{
	kd_wcur_bytes(w, uuid, 16);
	kd_wcur_u16le(w, major);
	kd_wcur_u16le(w, minor);
}

size_t kd_rpc_bind_build(uint8_t *buf, size_t len, uint32_t call_id)
{
	kd_wcur_t w = {.p = buf, .len = len};
	kd_wcur_u8(&w, RPC_VERS);
	kd_wcur_u8(&w, RPC_VERS_MINOR);
	kd_wcur_u8(&w, PTYPE_BIND);
	kd_wcur_u8(&w, PFC_FIRST_LAST);
	kd_wcur_u8(&w, DREP_LE); /* little-endian integers, ASCII */
	kd_wcur_u8(&w, 0);       /* IEEE floats */
	kd_wcur_u16le(&w, 0);
	size_t frag_at = w.off;
	kd_wcur_u16le(&w, 0); /* frag_length, patched below */
	kd_wcur_u16le(&w, 0); /* auth_length */
	kd_wcur_u32le(&w, call_id);

	kd_wcur_u16le(&w, KD_RPC_MAX_FRAG); /* max_xmit_frag */
	kd_wcur_u16le(&w, KD_RPC_MAX_FRAG); /* max_recv_frag */
	kd_wcur_u32le(&w, 0);               /* assoc_group_id: a new association */
	kd_wcur_u8(&w, 1);                  /* n_context_elem */
	kd_wcur_u8(&w, 0);
	kd_wcur_u16le(&w, 0);
	kd_wcur_u16le(&w, 0); /* p_cont_id */
	kd_wcur_u8(&w, 1);    /* n_transfer_syn */
	kd_wcur_u8(&w, 0);
	w_syntax(&w, KMS_IF_UUID, 1, 0);
	w_syntax(&w, NDR_UUID, 2, 0);
	if (w.bad)
		return 0;

	size_t total = w.off;
	buf[frag_at] = total & 0xff;
	buf[frag_at + 1] = total >> 8;
	return total;
}

/* A 16-bit integer in the byte order the PDU's data representation names. */
static uint16_t r_u16(kd_rcur_t *r, bool le)
{
	return le ? kd_rcur_u16le(r) : kd_rcur_u16be(r);
}

/* bind_ack body after the header: max_xmit/recv_frag, assoc_group_id, secondary address,
 * padding to 4, then the result list with one entry per offered context. */
static kd_probe_result_t judge_bind_ack(kd_rcur_t *r, bool le)
{
	kd_rcur_skip(r, 8);
	uint16_t sec_addr_len = r_u16(r, le);
	kd_rcur_skip(r, sec_addr_len);
	kd_rcur_align(r, 4); /* relative to the start of the PDU, the start of the buffer */
	uint8_t n_results = kd_rcur_u8(r);
	kd_rcur_skip(r, 3);
	uint16_t result = r_u16(r, le);
	kd_rcur_skip(r, RESULT_LEN - 2);
	if (r->bad || n_results < 1)
		return KD_PROBE_GARBAGE;
	kd_rcur_skip(r, (size_t)(n_results - 1) * RESULT_LEN);
	if (r->bad)
		return KD_PROBE_GARBAGE;
	return result == RESULT_ACCEPTANCE ? KD_PROBE_ALIVE : KD_PROBE_NAK;
}

kd_probe_result_t kd_rpc_bind_judge(const uint8_t *buf, size_t len, int *need_more)
{
	*need_more = 0;
	/* Reject early on bytes already seen, so a chatty non-RPC service is not waited for. */
	if (len >= 1 && buf[0] != RPC_VERS)
		return KD_PROBE_GARBAGE;
	if (len >= 2 && buf[1] != RPC_VERS_MINOR)
		return KD_PROBE_GARBAGE;
	if (len >= 3 && buf[2] != PTYPE_BIND_ACK && buf[2] != PTYPE_BIND_NAK)
		return KD_PROBE_GARBAGE;
	if (len < HDR_LEN) {
		*need_more = 1;
		return KD_PROBE_GARBAGE;
	}

	bool le = (buf[4] & 0xf0) == DREP_LE;
	kd_rcur_t r = {.p = buf, .len = HDR_LEN};
	kd_rcur_skip(&r, 8); /* vers, minor, ptype, pfc_flags, drep */
	uint16_t frag_length = r_u16(&r, le);
	uint16_t auth_length = r_u16(&r, le);
	if (frag_length < HDR_LEN || frag_length > KD_RPC_MAX_FRAG)
		return KD_PROBE_GARBAGE;
	/* An auth verifier (8-byte sec_trailer + auth_length) ends the PDU; the body stops before.
	 */
	size_t trailer = auth_length > 0 ? (size_t)auth_length + 8 : 0;
	if (trailer > (size_t)frag_length - HDR_LEN)
		return KD_PROBE_GARBAGE;
	if (len < frag_length) {
		*need_more = 1;
		return KD_PROBE_GARBAGE;
	}

	r.len = frag_length - trailer;
	r.off = HDR_LEN;
	if (buf[2] == PTYPE_BIND_ACK)
		return judge_bind_ack(&r, le);
	kd_rcur_skip(&r, 2); /* provider_reject_reason */
	return r.bad ? KD_PROBE_GARBAGE : KD_PROBE_NAK;
}
