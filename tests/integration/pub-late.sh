#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Daemon mode: the server is down when the publisher starts (zone discovery and update both
# fail and are retried with backoff); once the server comes up the records are published.
. "$(dirname "$0")/lib.sh"
t_init "$@"
# The port stays unbound for a while: keep it out of the kernel's ephemeral range, or an
# outgoing connection elsewhere on the machine may take it before the server binds it.
read -r eph_lo _ </proc/sys/net/ipv4/ip_local_port_range
DNS_PORT=$(t_free_port)
while ((DNS_PORT >= eph_lo)); do DNS_PORT=$(t_free_port); done
t_prepare_dns example.test

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
interval: 1s
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
domains:
  - name: example.test
    weight: 7
state: $T/pub.state
EOF

t_bg pub "$PUBLISHER" -c "$T/pub.yaml"
t_wait grep -q 'failed to publish' "$T/pub.log"
grep -q 'retry in' "$T/pub.log" || t_fail "no retry announced: $(cat "$T/pub.log")"
kill -0 "$(cat "$T/pub.pid")" || t_fail "publisher exited while the server was down"

t_run_dns
published() { t_rrs _vlmcs._tcp.example.test SRV | grep -qxF "0 7 1688 kms1.example.test."; }
has_a() { t_rrs kms1.example.test A | grep -qxF 192.0.2.10; }
t_wait published
t_wait has_a

# Drift is repaired on the next check.
t_nsupdate <<EOF
update delete _vlmcs._tcp.example.test. SRV 0 7 1688 kms1.example.test.
EOF
t_wait published
t_bg_stop pub TERM
t_assert_eq "$T_RC" 0 "exit code after SIGTERM"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 0 "withdrawn on exit"
exit 0
