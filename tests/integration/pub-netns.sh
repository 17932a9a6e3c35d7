#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# addresses: auto and rtnetlink, inside a network namespace of the test's own (unshare -n;
# the DNS server runs there too, on its loopback): the host's A/AAAA records are this
# machine's global addresses (a veth interface's; loopback and link-local left out), and
# when addresses are added or removed the records follow within 2 s plus a round.
. "$(dirname "$0")/lib.sh"
if [ -z "${KMSDNS_IN_NETNS:-}" ]; then
	[ "$(id -u)" = 0 ] || { SERVER=none; t_skip "needs root for a network namespace"; }
	command -v unshare >/dev/null || t_skip "unshare not installed (Debian package util-linux)"
	unshare -n true 2>/dev/null || t_skip "cannot create a network namespace here"
	KMSDNS_IN_NETNS=1 exec unshare -n bash "$0" "$@"
fi
t_init "$@"
ip link set lo up || t_fail "failed to bring up lo in the namespace"
ip link add kd0 type veth peer name kd1 || t_fail "failed to create a veth pair"
ip link set kd0 up && ip link set kd1 up
ip addr add 192.0.2.10/24 dev kd0
ip -6 addr add 2001:db8::10/64 dev kd0 nodad
t_start_dns example.test

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
interval: 1m
hosts:
  - name: kms1.example.test
    addresses: auto
domains:
  - name: example.test
state: $T/pub.state
EOF
is() { # is TYPE "WANTED ..." (after an SOA answer)
	t_dns_ready example.test &&
		[ "$(t_rrs kms1.example.test "$1" | tr '\n' ' ' | sed 's/ $//')" = "$2" ]
}
t_bg pub "$PUBLISHER" -c "$T/pub.yaml"
t_wait is A "192.0.2.10"
t_wait is AAAA "2001:db8::10"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 1 "SRV record"

# 2 s for the change to be noticed, a round for the UPDATE, slack for a loaded machine.
ip addr add 198.51.100.11/24 dev kd0
T_WAIT=6 t_wait is A "192.0.2.10 198.51.100.11"
ip addr del 192.0.2.10/24 dev kd0
T_WAIT=6 t_wait is A "198.51.100.11"
ip -6 addr add 2001:db8::20/64 dev kd0 nodad
ip -6 addr del 2001:db8::10/64 dev kd0
T_WAIT=6 t_wait is AAAA "2001:db8::20"
# An interface going down takes its addresses out.
ip link set kd0 down
T_WAIT=6 t_wait is A ""
t_assert_contains "$T/pub.log" "this machine's addresses changed"
