/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The KMS host's reply to the DCE/RPC bind (kd_rpc_bind_judge), judged as the probe reads it:
 * after every chunk that arrives, until it needs no more. Bytes after the PDU must not change
 * the verdict. Input: the bytes the host sends. */
#include "config.h"

#include <stdlib.h>

#include "dns/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Chunks of 1, 2, 4, ... bytes: short reads, then the rest. */
	kd_probe_result_t r = KD_PROBE_GARBAGE;
	int need_more = 1;
	size_t len = 0;
	for (size_t step = 1; need_more && len < size; step *= 2) {
		len = size - len > step ? len + step : size;
		r = kd_rpc_bind_judge(data, len, &need_more);
	}
	int whole_more = 0;
	kd_probe_result_t whole = kd_rpc_bind_judge(data, size, &whole_more);
	if (!need_more && (whole_more || whole != r))
		abort(); /* the bytes after a complete PDU changed the verdict */
	return 0;
}
