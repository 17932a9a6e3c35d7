#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Primaries are tried in turn: a configured server list whose first entry is down, and a zone
# found by SOA discovery whose MNAME's first address (A, asked before AAAA) is down while the
# second ([::1]) answers. Both publish.
. "$(dirname "$0")/lib.sh"
t_init "$@"
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null ||
	t_skip "no IPv6 loopback address ::1"
T_DNS_V6=1
t_start_dns example.test other.test
DEAD=$(t_free_port)   # nothing listens there

cat >"$T/list.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [127.0.0.1@$DEAD, $DNS_SERVER]
hosts:
  - name: kms1.example.test
domains:
  - name: example.test
timeout: 1s
state: $T/list.state
EOF
"$PUBLISHER" -c "$T/list.yaml" --once -v >"$T/list.log" 2>&1 || t_fail "publish with a dead first server failed: $(cat "$T/list.log")"
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 kms1.example.test." "SRV via the second server"
t_assert_contains "$T/list.log" "127.0.0.1@$DEAD"

# other.test's MNAME ns.other.test: A 127.0.0.9 (nobody there), AAAA ::1 (the server).
t_nsupdate other.test <<EOF
update delete ns.other.test. A
update add ns.other.test. 300 IN A 127.0.0.9
update add ns.other.test. 300 IN AAAA ::1
EOF
cat >"$T/mname.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
hosts:
  - name: kms2.other.test
domains:
  - name: other.test
timeout: 1s
state: $T/mname.state
EOF
"$PUBLISHER" -c "$T/mname.yaml" --once -v >"$T/mname.log" 2>&1 || t_fail "publish via the MNAME's second address failed: $(cat "$T/mname.log")"
t_assert_eq "$(t_rrs _vlmcs._tcp.other.test SRV)" "0 0 1688 kms2.other.test." "SRV via the MNAME's AAAA"
t_assert_contains "$T/mname.log" "127.0.0.9@$DNS_PORT"
t_assert_contains "$T/mname.log" "applied at ::1@$DNS_PORT"
