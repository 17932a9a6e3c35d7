/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The UDP side of dns/transport (kd_udp_*) and its wait (kd_wait) faked for targets that poll
 * several exchanges at once (dns/qengine), on top of fake_net.h: kd_wait never sleeps. While
 * messages are left it hands the next one to the socket whose request has the same question
 * (a server answers the socket that asked; with none, the message's own ID bytes pick one)
 * and reports it readable; once the input is used up it moves a virtual monotonic clock to
 * the deadline and reports nothing. So every input runs the same way, in no time. Wrapped at
 * link time (tests/fuzz/fuzz.inc, FUZZ_UDP_WRAP). */
#pragma once

#include <stdbool.h>

/* Virtual CLOCK_MONOTONIC for this thread (on: it starts at a fixed time), real when off. */
void fake_udp_clock(bool on);
