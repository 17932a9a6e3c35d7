#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Many hosts in one zone. 700 hosts with an address each need more than one 64 KiB UPDATE:
# --dry-run shows several send blocks, every host's address before (or with) its SRV record,
# an address RRset replacement inside one message; publish and withdraw complete. named:
# BIND 9.18.28 and later (this named is 9.18.49) refuse more than max-records-per-type
# records of one type at a name with SERVFAIL; that is named in the error, and one rejected
# message does not stop the others. An RRset too large for one answer is an error naming it
# (BIND: TC over TCP; Knot: SERVFAIL), never a complete read.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_prepare_dns example.test
# named_limit N: max-records-per-type N (0 = none) for named; Knot has no such limit.
named_limit() {
	[ "$SERVER" = named ] || return 0
	sed -i '/max-records-per-type/d; s/allow-query { any; };/&\n\tmax-records-per-type '"$1"';/' \
		"$T/dns/named.conf"
}
named_limit 0
t_run_dns
SRV=_vlmcs._tcp.example.test

# config N NET [NET2]: N hosts kmsI.example.test with address NET.(I/100).(I%100) (NET: two
# octets), and the same in NET2 when given
config() {
	local n=$1 net=$2 net2=${3:-} i
	{
		cat <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [$DNS_SERVER]
domains:
  - name: example.test
timeout: 10s
state: $T/pub.state
hosts:
EOF
		for ((i = 1; i <= n; i++)); do
			printf '  - name: kms%d.example.test\n    addresses: [%s.%d.%d%s]\n' "$i" "$net" \
				$((i / 100)) $((i % 100)) "${net2:+, $net2.$((i / 100)).$((i % 100))}"
		done
	} >"$T/pub.yaml"
	chmod 600 "$T/pub.yaml"
}

run() { # run NAME ARGS...
	local name=$1
	shift
	RC=0
	"$PUBLISHER" -c "$T/pub.yaml" "$@" >"$T/$name.out" 2>"$T/$name.log" || RC=$?
}

# blocks FILE: "send" blocks in a dry run
blocks() { grep -c '^send$' "$1"; }

# order_ok FILE: every SRV add comes in the block of its host's address add or later
order_ok() {
	awk '/^send$/ {b++}
	     $1 == "update" && $2 == "add" && $6 == "A" {a[$3] = b}
	     $1 == "update" && $2 == "add" && $6 == "SRV" {s[$10] = b}
	     END {for (h in s) if (!(h in a) || s[h] < a[h]) {print "bad: " h; exit 1}}' "$1"
}

config 700 10.1
run check --check-config
t_assert_eq "$RC" 0 "check-config exit code"
t_assert_contains "$T/check.log" "700 SRV records at _vlmcs._tcp.example.test"
t_assert_contains "$T/check.log" "max-records-per-type"

run dry --once --dry-run
t_assert_eq "$RC" 0 "dry-run exit code ($(cat "$T/dry.log"))"
(($(blocks "$T/dry.out") >= 2)) || t_fail "one send block for 700 hosts"
order_ok "$T/dry.out" || t_fail "an SRV record before its host's address: $(order_ok "$T/dry.out")"
t_assert_not_contains "$T/dry.out" "update delete" # nothing to delete in an empty zone

run publish --once
t_assert_eq "$RC" 0 "publish exit code ($(head -c 1000 "$T/publish.log"))"
t_assert_eq "$(t_count $SRV SRV)" 700 "SRV records"
t_assert_eq "$(t_rrs kms699.example.test A)" "10.1.6.99" "an A record"
run again --once -v
t_assert_eq "$RC" 0 "re-publish exit code"
t_assert_not_contains "$T/again.log" "change(s) applied"

# Every address changes, and each host gets a second one: each host's RRset replacement (a
# delete and two adds) stays inside one message.
config 700 10.2 10.3
run move --once --dry-run
awk '/^send$/ {b++}
     $1 == "update" && $2 == "delete" && $4 == "A" && NF == 4 {d[$3] = b}
     $1 == "update" && $2 == "add" && $6 == "A" {if (!($3 in d) || d[$3] != b) {print $3; exit 1}}' \
	"$T/move.out" || t_fail "an address RRset replacement split across messages"
(($(blocks "$T/move.out") >= 2)) || t_fail "one send block for 700 address changes"
run move --once
t_assert_eq "$RC" 0 "address change exit code ($(head -c 1000 "$T/move.log"))"
t_assert_eq "$(t_rrs kms1.example.test A)" "10.2.0.1
10.3.0.1" "moved addresses"

run withdraw --withdraw
t_assert_eq "$RC" 0 "withdraw exit code ($(head -c 1000 "$T/withdraw.log"))"
t_assert_eq "$(t_count $SRV SRV)" 0 "SRV records after withdraw"
t_assert_eq "$(t_count kms1.example.test A)" 0 "A records after withdraw"
t_assert_not_contains "$T/pub.state" "IN SRV"

# An RRset larger than one answer: the read fails and names it (1,800 foreign records).
for part in 1 2; do
	{
		for ((i = part * 900 - 899; i <= part * 900; i++)); do
			echo "update add $SRV. 600 IN SRV 0 0 1688 h$i.example.test."
		done
	} | t_nsupdate
done
config 1 10.1
run huge --once
t_assert_eq "$RC" 1 "exit code with an RRset too large for one answer"
case $SERVER in
named) t_assert_contains "$T/huge.log" "truncated answer to $SRV. SRV over TCP: the RRset" ;;
knot) t_assert_contains "$T/huge.log" "SERVFAIL reading $SRV. SRV" ;;
esac
t_assert_not_contains "$T/huge.log" "change(s) applied"

[ "$SERVER" = named ] || exit 0

# BIND's max-records-per-type, default 100: 120 hosts are refused with SERVFAIL.
t_stop_dns
rm -f "$T"/dns/zones/*.jnl "$T/pub.state"
named_limit 100
t_run_dns
config 120 10.1
run limit --once
t_assert_eq "$RC" 1 "exit code over max-records-per-type"
t_assert_contains "$T/limit.log" "update rejected: SERVFAIL"
t_assert_contains "$T/limit.log" "the SRV RRset at $SRV. would hold up to 120 records"
t_assert_contains "$T/limit.log" "raise max-records-per-type in named.conf"
# The addresses went in the same (atomic) message: the SRV records waiting for them are
# reported once, not one line each.
t_assert_eq "$(grep -c 'failed to update zone' "$T/limit.log")" 1 "lines for one rejected message"

# max-records-per-type 690 and 700 hosts: the first message (the addresses and 650-odd SRV
# records) is applied, the second (the SRV records left) is rejected; the error names its
# records.
t_stop_dns
rm -f "$T"/dns/zones/*.jnl "$T/pub.state"
named_limit 690
t_run_dns
config 700 10.1
run split --once
t_assert_eq "$RC" 1 "exit code with the second message rejected"
t_assert_contains "$T/split.log" "update rejected: SERVFAIL"
t_assert_eq "$(grep -c 'update rejected' "$T/split.log")" 1 "messages rejected"
t_assert_contains "$T/split.log" "add $SRV. SRV x"
t_assert_contains "$T/split.log" "the SRV RRset at $SRV. would hold up to 700 records"
t_assert_eq "$(t_count kms1.example.test A)" 1 "addresses of the applied message"
t_assert_eq "$(t_count kms700.example.test A)" 1 "addresses of the applied message"
n=$(t_count $SRV SRV)
((n > 100 && n < 700)) || t_fail "SRV records after the rejected message: $n"
exit 0
