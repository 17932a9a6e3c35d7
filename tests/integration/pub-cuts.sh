#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Zone cuts and aliases. The configured zone example.test delegates sub.example.test (served
# by the same server) and far.example.test (served elsewhere):
# - a domain below the cut to sub: the SOA owner of the signed read says so, and the records
#   go to sub.example.test (visible, withdrawn from there), not into the parent where they
#   would be occluded;
# - a domain below the cut to far: the referral says so; the publisher fails naming the cut
#   and writes nothing into the parent;
# - a host name that is a CNAME: fails naming the alias; no SRV record points at it, and the
#   other host is published as usual.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_prepare_dns example.test sub.example.test
cat >>"$T/dns/zones/example.test.zone" <<EOF
sub IN NS ns.sub
ns.sub IN A 127.0.0.1
far IN NS ns.far
ns.far IN A 127.0.0.9
alias IN CNAME real
real IN A 192.0.2.99
EOF
t_run_dns

# conf NAME DOMAIN HOST...
conf() {
	local name=$1 domain=$2 h
	shift 2
	{
		cat <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [$DNS_SERVER]
domains:
  - name: $domain
timeout: 2s
state: $T/$name.state
hosts:
EOF
		for h in "$@"; do
			printf '  - name: %s\n    addresses: [192.0.2.10]\n' "$h"
		done
	} >"$T/$name.yaml"
	chmod 600 "$T/$name.yaml"
}

# The child zone on the same server takes the records.
conf child sub.example.test kms1.example.test
t_pub child --once -v
t_assert_eq "$RC" 0 "exit code below a cut to a zone of this server ($(cat "$T/child.log"))"
t_assert_contains "$T/child.log" "_vlmcs._tcp.sub.example.test. is in zone sub.example.test."
t_assert_eq "$(t_rrs _vlmcs._tcp.sub.example.test SRV)" "0 0 1688 kms1.example.test." "SRV in the child"
t_assert_eq "$(awk '/^\$ORIGIN /{z=$2} /^_vlmcs/{print z}' "$T/child.state")" "sub.example.test." "zone in the state file"
t_assert_contains "$T/child.log" "zone sub.example.test.: 1 change(s) applied"
t_pub child --once -v
t_assert_eq "$RC" 0 "re-publish below the cut"
t_assert_not_contains "$T/child.log" "change(s) applied"
t_pub child --withdraw
t_assert_eq "$RC" 0 "withdraw below the cut ($(cat "$T/child.log"))"
t_assert_eq "$(t_count _vlmcs._tcp.sub.example.test SRV)" 0 "SRV in the child after withdraw"

# A cut to servers elsewhere: nothing is written into the parent.
conf far far.example.test kms9.example.test
# What would be sent (the same code decides, --dry-run prints it): nothing at the name
# below the cut, which the parent would hold occluded.
"$PUBLISHER" -c "$T/far.yaml" --once --dry-run >"$T/far.out" 2>"$T/far-dry.log"
t_assert_contains "$T/far.out" "update add kms9.example.test. 600 IN A 192.0.2.10"
t_assert_not_contains "$T/far.out" "_vlmcs._tcp.far.example.test"
t_pub far --once
t_assert_eq "$RC" 1 "exit code below a cut to another server"
t_assert_contains "$T/far.log" "_vlmcs._tcp.far.example.test. is below the zone cut at far.example.test."
t_assert_not_contains "$T/far.log" "change(s) applied"
# An alias as a host: refused, naming the CNAME; the other host goes ahead.
conf alias example.test alias.example.test kms2.example.test
"$PUBLISHER" -c "$T/alias.yaml" --once --dry-run >"$T/alias.out" 2>"$T/alias-dry.log"
t_assert_contains "$T/alias.out" "update add _vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms2.example.test."
t_assert_not_contains "$T/alias.out" "alias.example.test"
t_pub alias --once
t_assert_eq "$RC" 1 "exit code with an alias as a host"
t_assert_contains "$T/alias.log" "alias.example.test. is an alias (CNAME to real.example.test.)"
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 kms2.example.test." "only the real host's SRV"
t_assert_eq "$(t_rrs kms2.example.test A)" "192.0.2.10" "the real host's address"
exit 0
