/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Send one DNS message and receive its answer: TCP with the 2-byte length prefix, or UDP that
 * falls back to TCP when the answer is truncated. libknot has no transport of its own. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"
#include "dns/error.h"

/* Exchange msg with server within timeout_ms (per attempt). UDP answers whose ID differs from
 * the request's are ignored (spoof resistance); the caller still verifies the answer. On
 * success copies the answer into resp and sets *resp_len. Returns KD_OK, KD_ETIMEOUT, KD_ENET
 * or KD_EMALFORMED. */
kd_err_t pub_exchange(const kd_addr_t *server, bool tcp, uint64_t timeout_ms, const uint8_t *msg,
                      size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
