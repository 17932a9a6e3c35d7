#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Reads that cannot be authenticated. Behind tests/fake/dns-proxy, which forwards to the real
# server:
# - answers stripped of their TSIG (a server that does not sign answers to signed queries):
#   said once, and what was read is confirmed by prerequisites in the signed UPDATE; a round
#   with nothing to change sends one with prerequisites only; a wrong secret still fails;
# - forged empty answers: nothing is believed, --withdraw keeps the records in the zone and in
#   the state file (no orphans);
# - the confirming read after a withdrawal lost: the records stay in the state file until a
#   later read confirms they are gone.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test
SRV=_vlmcs._tcp.example.test

# proxy NAME OPTIONS...: a proxy in front of the server; its port in PROXY
proxy() {
	local name=$1
	shift
	[ -f "$T/$name.pid" ] && t_bg_stop "$name"
	PROXY=$(t_free_port)
	t_bg "$name" "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --log "$T/$name.trace" "$@"
	t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"
}

# conf NAME PORT SECRET
conf() {
	cat >"$T/$1.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $3
zones:
  - name: example.test
    servers: [127.0.0.1@$2]
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
  - name: kms2.example.test
domains:
  - name: example.test
timeout: 1s
state: $T/pub.state
EOF
	chmod 600 "$T/$1.yaml"
}

# 1. Unsigned answers: published through prerequisites.
proxy strip --strip-query-tsig
conf strip "$PROXY" "$T_KEY_SECRET"
t_pub strip --once -v
t_assert_eq "$RC" 0 "exit code with unsigned answers ($(cat "$T/strip.log"))"
t_assert_eq "$(grep -c 'does not sign its answers to signed queries' "$T/strip.log")" 1 "said once"
t_assert_contains "$T/strip.trace" "update example.test. prereq="
grep -q 'update example.test. prereq=[1-9][0-9]* update=[1-9]' "$T/strip.trace" ||
	t_fail "the UPDATE carries no prerequisites: $(cat "$T/strip.trace")"
t_assert_eq "$(t_rrs $SRV SRV)" "0 0 1688 kms1.example.test.
0 0 1688 kms2.example.test." "SRV published through prerequisites"
t_assert_eq "$(t_rrs kms1.example.test A)" "192.0.2.10" "A published through prerequisites"

# Nothing to change: one signed UPDATE with prerequisites only confirms what was read.
: >"$T/strip.trace"
t_pub strip --once -v
t_assert_eq "$RC" 0 "exit code of a round with nothing to change"
grep -q 'update example.test. prereq=[1-9][0-9]* update=0$' "$T/strip.trace" ||
	t_fail "no prerequisite-only UPDATE: $(cat "$T/strip.trace")"
t_assert_not_contains "$T/strip.log" "change(s) applied"

# A wrong secret is still an error, also with nothing to change.
conf badkey "$PROXY" "$T_BAD_SECRET"
t_pub badkey --once
t_assert_eq "$RC" 1 "exit code with a wrong secret and unsigned answers"
t_assert_contains "$T/badkey.log" "failed to update zone example.test. at 127.0.0.1@$PROXY (unsigned NOTAUTH (wrong secret or unknown key?"
t_assert_not_contains "$T/badkey.log" "$T_BAD_SECRET"

# 2. Forged empty answers: nothing believed, nothing forgotten.
proxy empty --empty-queries
conf empty "$PROXY" "$T_KEY_SECRET"
t_pub empty --withdraw
t_assert_eq "$RC" 1 "exit code of --withdraw on forged empty answers"
t_assert_contains "$T/empty.log" "prerequisite failed"
t_assert_eq "$(t_count $SRV SRV)" 2 "records after --withdraw on forged answers"
t_assert_contains "$T/pub.state" "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test."
t_assert_contains "$T/pub.state" "kms1.example.test. 600 IN A 192.0.2.10"
t_pub empty --once
t_assert_eq "$RC" 1 "exit code of --once on forged empty answers"
t_assert_contains "$T/empty.log" "prerequisite failed"

# 3. The confirming read is lost: the records are gone from the zone, but not from the state
# file until a read confirms it.
proxy lost --drop-queries-after-update
conf lost "$PROXY" "$T_KEY_SECRET"
t_pub lost --withdraw
t_assert_eq "$RC" 1 "exit code when the withdrawal cannot be confirmed"
t_assert_contains "$T/lost.log" "withdrawal not confirmed"
t_assert_eq "$(t_count $SRV SRV)" 0 "SRV records after the unconfirmed withdrawal"
t_assert_contains "$T/pub.state" "_vlmcs._tcp.example.test. 600 IN SRV 0 0 1688 kms1.example.test."
conf direct "$DNS_PORT" "$T_KEY_SECRET"
t_pub direct --withdraw -v
t_assert_eq "$RC" 0 "exit code of the confirming --withdraw ($(cat "$T/direct.log"))"
t_assert_not_contains "$T/pub.state" "IN SRV"
t_assert_not_contains "$T/pub.state" "IN A"

# 4. Withdrawal through unsigned answers: confirmed by a prerequisite-only UPDATE.
t_pub direct --once
proxy strip2 --strip-query-tsig
conf strip2 "$PROXY" "$T_KEY_SECRET"
t_pub strip2 --withdraw
t_assert_eq "$RC" 0 "exit code of --withdraw with unsigned answers ($(cat "$T/strip2.log"))"
t_assert_eq "$(t_count $SRV SRV)" 0 "SRV after --withdraw with unsigned answers"
t_assert_eq "$(t_count kms1.example.test A)" 0 "A after --withdraw with unsigned answers"
t_assert_not_contains "$T/pub.state" "IN SRV"
exit 0
