/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fake DNS server for fuzz targets: the fuzz input is everything the server sends back, a
 * sequence of messages each preceded by its two-byte length (as on DNS over TCP). The entry
 * points of dns/transport are replaced at link time (-Wl,--wrap in tests/fuzz/fuzz.inc): each
 * exchange takes the next message, gets the request's ID copied in (the transport matches IDs
 * before anything parses) and goes to the caller's check as the transport would hand it over.
 * connect(), send(), sendto() and sendmsg() abort: a code path that stops using the wrapped
 * functions (an API change) fails the replay loudly instead of reaching the network. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "dns/addr.h"

/* Serve data (not copied: keep it alive while the target runs) from now on. */
void fake_net_feed(const uint8_t *data, size_t len);

/* The address the targets name as their server (never contacted). */
const kd_addr_t *fake_net_server(void);

/* The next message of the input (a heap copy, caller frees) as the server sent it, ID
 * included; -1 when the input is used up. */
int fake_net_next(uint8_t **msg, size_t *len);
