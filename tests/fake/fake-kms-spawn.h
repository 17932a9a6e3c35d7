/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Start and stop tests/fake/fake-kms from C tests and benchmarks. */
#pragma once

#include <stdint.h>
#include <sys/types.h>

/* Run prog --listen ADDR:0 --mode mode and wait (deadline 10 s) for its ready file. Returns
 * the child's pid and the port it listens on, or -1 if it did not come up. addr is an IPv4
 * address or a bracketed IPv6 one ("[::1]"). */
pid_t fake_kms_start(const char *prog, const char *addr, const char *mode, uint16_t *port_out);

/* SIGTERM the child and reap it. Returns its exit status, -1 if it did not exit cleanly. */
int fake_kms_stop(pid_t pid);
