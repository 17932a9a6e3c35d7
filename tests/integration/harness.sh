#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The harness itself: the throwaway server serves the zones, takes updates signed with the
# permitted key and refuses the other key, so scenarios can trust it.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test other.test

t_assert_eq "$(t_rrs ns.example.test A)" "127.0.0.1" "ns address"
t_nsupdate example.test <<EOF
update add _vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 foreign.example.test.
EOF
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 foreign.example.test." "seeded SRV"

out=$(printf 'server 127.0.0.1 %s\nzone other.test.\nupdate add x.other.test. 60 IN A 192.0.2.1\nsend\n' "$DNS_PORT" |
	knsupdate -t 5 -y "hmac-sha256:$T_OTHER_KEY:$T_OTHER_SECRET" 2>&1) && t_fail "other key was allowed: $out"
t_assert_eq "$(t_count x.other.test A)" 0 "record added with the other key"
