#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A primary found by discovery (SOA MNAME) is found again every interval: when the MNAME's
# address changes (the primary is renumbered), the daemon follows it and says so.
. "$(dirname "$0")/lib.sh"
t_init "$@"
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null ||
	t_skip "no IPv6 loopback address ::1"
# The server answers on 127.0.0.1 and ::1 (another address on the same machine needs no
# change to the host's interfaces); the MNAME points at the first.
T_DNS_V6=1
t_start_dns example.test

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
interval: 1s
hosts:
  - name: kms1.example.test
domains:
  - name: example.test
state: $T/pub.state
EOF
chmod 600 "$T/pub.yaml"

t_bg pub "$PUBLISHER" -c "$T/pub.yaml" -v
published() { t_rrs _vlmcs._tcp.example.test SRV | grep -qxF "0 0 1688 kms1.example.test."; }
t_wait published
t_assert_contains "$T/pub.log" "applied at 127.0.0.1@$DNS_PORT"

# Renumbered: the MNAME's address moves to ::1; then the record drifts away.
t_nsupdate <<EOF
update delete ns.example.test. A
update add ns.example.test. 300 IN AAAA ::1
EOF
moved() { grep -q "primary ::1@$DNS_PORT (was zone example.test., primary 127.0.0.1@$DNS_PORT)" "$T/pub.log"; }
t_wait moved
t_nsupdate <<EOF
update delete _vlmcs._tcp.example.test. SRV 0 0 1688 kms1.example.test.
EOF
repaired() { grep -q "applied at ::1@$DNS_PORT" "$T/pub.log"; }
t_wait repaired
t_wait published
t_bg_stop pub TERM
t_assert_eq "$T_RC" 0 "exit code after SIGTERM"
exit 0
