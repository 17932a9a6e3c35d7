#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Signed reads: with the records in place, a wrong secret or an unknown key is an error on
# every round (exit 1; in the daemon, round after round), not "up to date". All reads of all
# zones on a server go over one TCP connection per round, pipelined. Over UDP, a forged
# unsigned REFUSED that arrives first does not end the wait for the signed answer; when no
# signed answer comes it is reported as the issue words it, and retried soon (transient).
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test other.test
SRV=_vlmcs._tcp

# conf NAME SECRET [KEYNAME [PORT [EXTRA]]]
conf() {
	cat >"$T/$1.yaml" <<EOF
keys:
  - name: ${3:-$T_KEY_NAME}
    secret: $2
zones:
  - name: example.test
    servers: [127.0.0.1@${4:-$DNS_PORT}]
  - name: other.test
    servers: [127.0.0.1@${4:-$DNS_PORT}]
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10, 2001:db8::10]
  - name: kms2.other.test
    addresses: [192.0.2.20]
domains:
  - name: example.test
  - name: other.test
timeout: 2s
state: $T/$1.state
$5
EOF
	chmod 600 "$T/$1.yaml"
}

# All reads of both zones over one connection, pipelined (kms1: SOA probe, A, AAAA;
# _vlmcs._tcp.example.test: SOA probe, SRV; the same for other.test: 9 questions); the
# changes over one more.
PROXY=$(t_free_port)
t_bg proxy "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --log "$T/proxy.trace"
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"
t_wait grep -q "tcp connection 1" "$T/proxy.trace" # the probe above; not ours to count
: >"$T/proxy.trace"
conf good "$T_KEY_SECRET" "" "$PROXY"
t_pub good --once
t_assert_eq "$RC" 0 "exit code of the first publish ($(cat "$T/good.log"))"
t_assert_eq "$(grep -c '^tcp connection' "$T/proxy.trace")" 2 "connections of a round with changes"
t_assert_eq "$(t_count $SRV.other.test SRV)" 2 "SRV records in other.test"
: >"$T/proxy.trace"
t_pub good --once
t_assert_eq "$RC" 0 "exit code of a round with nothing to change"
t_assert_eq "$(grep -c '^tcp connection' "$T/proxy.trace")" 1 "connections of a round with nothing to change"
queries=$(grep -c '^query ' "$T/proxy.trace")
((queries == 9)) || t_fail "only $queries queries: $(cat "$T/proxy.trace")"
t_assert_not_contains "$T/proxy.trace" "update "

# Records in place; the key is wrong or unknown: an error every time, and nothing changes.
conf bad "$T_BAD_SECRET"
cp "$T/good.state" "$T/bad.state"
t_pub bad --once
t_assert_eq "$RC" 1 "exit code with a wrong secret and nothing to change"
t_assert_contains "$T/bad.log" "failed to update zone example.test. at $DNS_SERVER (authentication failed: NOTAUTH, TSIG BADSIG"
t_assert_contains "$T/bad.log" "failed to update zone other.test. at $DNS_SERVER (authentication failed"
t_assert_not_contains "$T/bad.log" "up to date"
t_assert_not_contains "$T/bad.log" "$T_BAD_SECRET"
cmp -s "$T/good.state" "$T/bad.state" || t_fail "the state file changed on an authentication failure"
conf unknown "$T_KEY_SECRET" no-such-key
t_pub unknown --once
t_assert_eq "$RC" 1 "exit code with an unknown key and nothing to change"
t_assert_contains "$T/unknown.log" "(authentication failed: NOTAUTH, TSIG BADKEY"
# --withdraw with a wrong key removes nothing from the state file either.
cp "$T/good.state" "$T/bad.state"
t_pub bad --withdraw
t_assert_eq "$RC" 1 "exit code of --withdraw with a wrong secret"
cmp -s "$T/good.state" "$T/bad.state" || t_fail "--withdraw with a wrong secret changed the state file"
t_assert_eq "$(t_count $SRV.example.test SRV)" 2 "records after --withdraw with a wrong secret"

# The daemon reports it round after round.
conf daemon "$T_BAD_SECRET" "" "" "interval: 1s"
t_bg daemon "$PUBLISHER" -c "$T/daemon.yaml"
two_failures() { (($(grep -c 'failed to update zone example.test.' "$T/daemon.log") >= 2)); }
t_wait two_failures
t_assert_contains "$T/daemon.log" "retry in 1 s"
t_bg_stop daemon TERM

# UDP: a forged unsigned REFUSED arrives first; the signed answer still wins.
t_bg_stop proxy
PROXY=$(t_free_port)
t_bg forge "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --forge-update-refused
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"
# udp HOST: a configuration publishing HOST over UDP through the proxy
udp() {
	cat >"$T/udp.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [127.0.0.1@$PROXY]
hosts:
  - name: $1.example.test
    addresses: [192.0.2.30]
domains:
  - name: example.test
transport: udp
timeout: 2s
state: $T/udp.state
EOF
	chmod 600 "$T/udp.yaml"
}
udp kms3
t_pub udp --once -v
t_assert_eq "$RC" 0 "exit code with a forged REFUSED before the signed answer ($(cat "$T/udp.log"))"
t_assert_contains "$T/udp.log" "change(s) applied"
t_rrs $SRV.example.test SRV | grep -q kms3 || t_fail "kms3 not published over UDP"
# Only the forgery comes: after the timeout it is the verdict, named as what it is.
t_bg_stop forge
t_bg forged "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --forge-update-refused --drop-updates
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"
udp kms4
start=$SECONDS
t_pub udp --once
t_assert_eq "$RC" 1 "exit code when only the forged REFUSED comes"
t_assert_contains "$T/udp.log" "unsigned REFUSED (wrong secret or unknown key?)"
((SECONDS - start >= 2)) || t_fail "the forged REFUSED was taken before the timeout"
exit 0
