#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A changed ttl is applied to the records (the server shows the new TTL, the state file says
# what was published), also for the address RRset; a TTL someone else set afterwards is not
# fought over.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test
SRV=_vlmcs._tcp.example.test

conf() {
	cat >"$T/pub.yaml" <<EOT
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [$DNS_SERVER]
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
domains:
  - name: example.test
ttl: $1
state: $T/pub.state
EOT
	chmod 600 "$T/pub.yaml"
}

# ttl NAME TYPE: the TTL the server gives
ttl() {
	kdig @127.0.0.1 -p "$DNS_PORT" +tcp +norec +noall +answer "$1" "$2" | awk '{print $2}' | sort -u
}

conf 600
"$PUBLISHER" -c "$T/pub.yaml" --once || t_fail "publish"
t_assert_eq "$(ttl $SRV SRV)" 600 "SRV TTL"
conf 300
"$PUBLISHER" -c "$T/pub.yaml" --once -v >"$T/change.log" 2>&1 || t_fail "TTL change: $(cat "$T/change.log")"
t_assert_contains "$T/change.log" "change(s) applied"
t_assert_eq "$(ttl $SRV SRV)" 300 "SRV TTL after the change"
t_assert_eq "$(ttl kms1.example.test A)" 300 "A TTL after the change"
t_assert_contains "$T/pub.state" "_vlmcs._tcp.example.test. 300 IN SRV 0 0 1688 kms1.example.test."
t_assert_contains "$T/pub.state" "kms1.example.test. 300 IN A 192.0.2.10"
"$PUBLISHER" -c "$T/pub.yaml" --once -v >"$T/again.log" 2>&1 || t_fail "again"
t_assert_not_contains "$T/again.log" "change(s) applied"

# Someone gives the RRset another TTL: ours is published as configured, not fought over.
t_nsupdate <<EOT
update delete $SRV. SRV 0 0 1688 kms1.example.test.
update add $SRV. 900 IN SRV 0 0 1688 kms1.example.test.
EOT
t_assert_eq "$(ttl $SRV SRV)" 900 "TTL set by hand"
"$PUBLISHER" -c "$T/pub.yaml" --once -v >"$T/other.log" 2>&1 || t_fail "after a TTL set by hand"
t_assert_not_contains "$T/other.log" "change(s) applied"
t_assert_eq "$(ttl $SRV SRV)" 900 "TTL set by hand, kept"
exit 0
