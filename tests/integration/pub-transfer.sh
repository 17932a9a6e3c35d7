#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The transfer read (read: transfer): the zone is read by one signed AXFR instead of a query
# per name, with the same outcome as the queries (pub-reads, pub-cuts):
# - records published, someone else's SRV record kept, nothing sent when
#   nothing changed, a record deleted behind the publisher's back put back;
# - below a cut to a zone of the same server, below a cut to servers elsewhere, and at a
#   CNAME, what the queries would have found (those names are asked by queries);
# - a zone whose key may not transfer it: a warning naming zone, server and rcode, and the
#   zone read by queries;
# - withdrawal deletes only what the publisher published.
# The server's own log shows each transfer, so a silent fall back to queries fails the test.
. "$(dirname "$0")/lib.sh"
t_init "$@"
T_XFR_ZONES="xfr.test sub.xfr.test"
t_prepare_dns xfr.test sub.xfr.test plain.test
cat >>"$T/dns/zones/xfr.test.zone" <<EOF
sub IN NS ns.sub
ns.sub IN A 127.0.0.1
far IN NS ns.far
ns.far IN A 127.0.0.9
alias IN CNAME real
real IN A 192.0.2.99
_vlmcs._tcp IN SRV 0 0 1688 other.example.net.
EOF
# Enough other records for a transfer of several messages: each later message is checked
# against the MAC of the one before it (RFC 8945 5.3.1).
for ((i = 1; i <= 1500; i++)); do
	printf 'pad%d IN TXT "%s"\n' "$i" "padding that takes room in the transfer, record $i"
done >>"$T/dns/zones/xfr.test.zone"
t_run_dns

# conf NAME DOMAIN HOST...
conf() {
	local name=$1 domain=$2 h d
	shift 2
	{
		cat <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
read: transfer
zones:
  - name: xfr.test
    servers: [$DNS_SERVER]
  - name: plain.test
    servers: [$DNS_SERVER]
domains:
  - name: $domain
timeout: 2s
state: $T/$name.state
hosts:
EOF
		for h in "$@"; do # kmsN: 192.0.2.1N
			d=${h//[!0-9]/}
			printf '  - name: %s\n    addresses: [192.0.2.1%s]\n' "$h" "${d:-9}"
		done
	} >"$T/$name.yaml"
	chmod 600 "$T/$name.yaml"
}

# messages ZONE: how many messages the server's last transfer of ZONE took.
messages() {
	case "$SERVER" in
	knot) grep "\[$1\.\] AXFR, outgoing.*finished" "$T/dns/server.log" | tail -n 1 |
		sed -n 's/.* \([0-9]*\) messages.*/\1/p' ;;
	named) grep "transfer of '$1/IN': AXFR ended" "$T/dns/server.log" | tail -n 1 |
		sed -n 's/.*ended: \([0-9]*\) messages.*/\1/p' ;;
	esac
}

# transfers ZONE: how many transfers of ZONE the server logged as started.
transfers() {
	case "$SERVER" in
	knot) grep -c "\[$1\.\] AXFR, outgoing.*started" "$T/dns/server.log" ;;
	named) grep -c "transfer of '$1/IN': AXFR started" "$T/dns/server.log" ;;
	esac
}

# Published, read by transfer; someone else's SRV record stays.
conf main xfr.test kms1.xfr.test kms2.xfr.test
t_pub main --once -v
t_assert_eq "$RC" 0 "exit code ($(cat "$T/main.log"))"
t_assert_contains "$T/main.log" "zone xfr.test.: read by transfer from $DNS_SERVER"
t_assert_eq "$(transfers xfr.test)" 1 "transfers of xfr.test in the server's log"
m=$(messages xfr.test)
[ "${m:-0}" -ge 2 ] || t_fail "the transfer took '$m' message(s), want several: $(grep -i axfr "$T/dns/server.log" | tail -n 2)"
t_assert_eq "$(t_rrs _vlmcs._tcp.xfr.test SRV | tr '\n' ' ')" \
	"0 0 1688 kms1.xfr.test. 0 0 1688 kms2.xfr.test. 0 0 1688 other.example.net. " "SRV records"
t_assert_eq "$(t_rrs kms1.xfr.test A)" "192.0.2.11" "kms1's address"

# Nothing changed: read by transfer again, nothing sent.
t_pub main --once -v
t_assert_eq "$RC" 0 "exit code of the no-change round ($(cat "$T/main.log"))"
t_assert_eq "$(transfers xfr.test)" 2 "transfers after the no-change round"
t_assert_contains "$T/main.log" "zone xfr.test.: up to date at $DNS_SERVER"
t_assert_not_contains "$T/main.log" "change(s) applied"

# A record deleted behind the publisher's back: the transfer shows it missing.
t_nsupdate xfr.test <<EOF
update delete kms2.xfr.test. A 192.0.2.12
EOF
t_assert_eq "$(t_count kms2.xfr.test A)" 0 "kms2's address deleted by hand"
t_assert_eq "$(t_count kms1.xfr.test A)" 1 "the server answers (kms1's address)"
t_pub main --once -v
t_assert_eq "$RC" 0 "exit code after the deletion ($(cat "$T/main.log"))"
t_assert_eq "$(transfers xfr.test)" 3 "transfers after the deletion"
t_assert_contains "$T/main.log" "zone xfr.test.: 1 change(s) applied"
t_assert_eq "$(t_rrs kms2.xfr.test A)" "192.0.2.12" "kms2's address put back"

# Below a cut to a zone of the same server: the records go to the child zone.
conf child sub.xfr.test kms1.xfr.test
t_pub child --once -v
t_assert_eq "$RC" 0 "exit code below a cut to a zone of this server ($(cat "$T/child.log"))"
t_assert_contains "$T/child.log" "_vlmcs._tcp.sub.xfr.test. is in zone sub.xfr.test."
t_assert_eq "$(t_rrs _vlmcs._tcp.sub.xfr.test SRV)" "0 0 1688 kms1.xfr.test." "SRV in the child"

# Below a cut to servers elsewhere: nothing written into the parent.
conf far far.xfr.test kms3.xfr.test
t_pub far --once
t_assert_eq "$RC" 1 "exit code below a cut to another server"
t_assert_contains "$T/far.log" "_vlmcs._tcp.far.xfr.test. is below the zone cut at far.xfr.test."
t_assert_not_contains "$T/far.log" "change(s) applied"

# An alias as a host: refused, naming the CNAME the transfer holds.
conf alias xfr.test alias.xfr.test
t_pub alias --once
t_assert_eq "$RC" 1 "exit code with an alias as a host"
t_assert_contains "$T/alias.log" "alias.xfr.test. is an alias (CNAME to real.xfr.test.)"
t_assert_eq "$(t_rrs alias.xfr.test CNAME)" "real.xfr.test." "the alias is untouched"

# A zone the key may not transfer: said, and read by queries.
conf plain plain.test kms4.plain.test
t_pub plain --once
t_assert_eq "$RC" 0 "exit code when the transfer is refused ($(cat "$T/plain.log"))"
t_assert_contains "$T/plain.log" "failed to read zone plain.test. by transfer from $DNS_SERVER ("
t_assert_contains "$T/plain.log" "it is read by queries"
t_assert_eq "$(t_rrs _vlmcs._tcp.plain.test SRV)" "0 0 1688 kms4.plain.test." "SRV read by queries"
t_assert_eq "$(transfers plain.test)" 0 "transfers of plain.test"

# The daemon asks a refused transfer once, not every round, and again after a reload.
conf daemon plain.test kms4.plain.test
printf 'interval: 1s\nwithdraw-on-exit: false\n' >>"$T/daemon.yaml"
t_bg daemon "$PUBLISHER" -c "$T/daemon.yaml" -v
rounds() { grep -c "zone plain.test.: up to date" "$T/daemon.log"; }
refusals() { grep -c "failed to read zone plain.test. by transfer" "$T/daemon.log"; }
at_least() { [ "$("$1")" -ge "$2" ]; } # at_least COUNTER N, checked anew on each try
t_wait at_least rounds 3
t_assert_eq "$(refusals)" 1 "refusals logged in $(rounds) rounds"
kill -HUP "$(cat "$T/daemon.pid")"
t_wait grep -q "configuration reloaded" "$T/daemon.log"
t_wait at_least refusals 2
r=$(rounds)
t_wait at_least rounds $((r + 2))
t_assert_eq "$(refusals)" 2 "refusals logged after the reload, in $(rounds) rounds"
t_bg_stop daemon
t_assert_eq "$T_RC" 0 "the daemon's exit code ($(tail -n 5 "$T/daemon.log"))"

# Withdrawal: what the publisher published goes, someone else's SRV record stays.
t_pub main --withdraw
t_assert_eq "$RC" 0 "exit code of the withdrawal ($(cat "$T/main.log"))"
t_assert_eq "$(t_rrs _vlmcs._tcp.xfr.test SRV)" "0 0 1688 other.example.net." "SRV records after the withdrawal"
t_assert_eq "$(t_count kms1.xfr.test A)" 0 "kms1's address after the withdrawal"
exit 0
