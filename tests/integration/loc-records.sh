#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What kms-locate takes from an answer, on a real server and through tests/fake/fake-dnsd in
# front of it (which rewrites the additional section): glue only for targets in the zone of the
# answer, the family the glue lacks asked, repeated glue merged, families interleaved and the
# address cap keeping both, the same target kept as its most preferred record whatever the
# answer's order, more than 64 records cut after ordering, a CNAME at the SRV name into another
# zone followed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
t_prepare_dns a.test b.test c.test cn.test big.test
# The publisher's key may not add CNAMEs: the zone file has it.
echo '_vlmcs._tcp IN CNAME _vlmcs._tcp.b.test.' >>"$T/dns/zones/cn.test.zone"
t_run_dns
FAKE_DNS="$FAKE_DIR/fake-dnsd"

# proxy NAME ARGS...: fake-dnsd in front of the real server; its address in PROXY.
proxy() {
	local name=$1 port
	shift
	port=$(t_free_port)
	t_bg "$name" "$FAKE_DNS" --listen "127.0.0.1@$port" --upstream "$DNS_SERVER" \
		--ready-file "$T/$name.ready" "$@"
	t_wait test -s "$T/$name.ready"
	PROXY="127.0.0.1@$port"
}

P=$(t_free_port)
loc_fake hb 127.0.0.21 "$P" ack
loc_fake hc 127.0.0.22 "$P" ack
loc_fake liar 127.0.0.99 "$P" ack
t_nsupdate b.test <<EOF
update add hb.b.test. 300 IN A 127.0.0.21
update add hc.b.test. 300 IN A 127.0.0.22
update add _vlmcs._tcp.b.test. 300 IN SRV 0 0 $P hb.b.test.
EOF
t_nsupdate c.test <<EOF
update add _vlmcs._tcp.c.test. 300 IN SRV 0 0 $P hc.b.test.
EOF
ARGS=(--no-state --all)

# Glue for a target outside the zone of the answer (c.test's record names hc.b.test) is not
# believed: the address comes from an A query, whatever the additional section claims.
printf 'hc.b.test. 300 IN A 127.0.0.99\n' >"$T/lie.rr"
proxy liar --add-additional "$T/lie.rr"
loc_run lie -s "$PROXY" -d c.test "${ARGS[@]}"
loc_expect lie 0 "0 0 $P hc.b.test 127.0.0.22 unknown c.test"
loc_run lie1 -s "$PROXY" -d c.test --no-state
loc_expect lie1 0 "hc.b.test $P 127.0.0.22"

# The glue has A but not AAAA: AAAA is asked. Repeated glue is merged. IPv6 first, then the
# families alternate.
t_nsupdate a.test <<EOF
update add dual.a.test. 300 IN A 127.0.0.23
update add dual.a.test. 300 IN A 127.0.0.24
update add dual.a.test. 300 IN AAAA ::1
update add dual.a.test. 300 IN AAAA ::2
update add _vlmcs._tcp.a.test. 300 IN SRV 0 0 $P dual.a.test.
EOF
printf 'dual.a.test. 300 IN A 127.0.0.23\ndual.a.test. 300 IN A 127.0.0.23\n' >"$T/dup.rr"
proxy strip --strip-additional AAAA --add-additional "$T/dup.rr"
loc_run strip -s "$PROXY" -d a.test "${ARGS[@]}"
loc_expect strip 0
addrs=$(awk '{print $5}' "$T/strip.out")
# Each address once, in whatever order the server lists an RRset (named rotates it).
[[ $addrs =~ ^::[12],127\.0\.0\.2[34],::[12],127\.0\.0\.2[34]$ ]] &&
	[ "$(tr ',' '\n' <<<"$addrs" | sort -u | grep -c .)" = 4 ] ||
	t_fail "want ::1 and ::2 interleaved with the two IPv4 addresses once each: $addrs"
t_assert_contains "$T/strip.log" "dual.a.test. AAAA: NOERROR, 2 answers"

# Nine IPv4 addresses and one IPv6: the cap of eight keeps the IPv6 one.
{
	for i in 1 2 3 4 5 6 7 8 9; do echo "update add many.a.test. 300 IN A 127.0.1.$i"; done
	echo "update add many.a.test. 300 IN AAAA ::3"
	echo "update add _vlmcs._tcp.a.test. 300 IN SRV 5 0 $P many.a.test."
} | t_nsupdate a.test
loc_run cap -s "$DNS_SERVER" -d a.test "${ARGS[@]}"
loc_expect cap 0
line=$(grep many.a.test "$T/cap.out")
addrs=$(awk '{print $5}' <<<"$line")
t_assert_eq "$(tr ',' '\n' <<<"$addrs" | grep -c .)" 8 "addresses kept"
[[ $addrs == ::3,* ]] || t_fail "the IPv6 address was dropped by the cap: $line"

# The same target twice with different priority and weight: the most preferred, in either
# answer order.
t_nsupdate b.test <<EOF
update add _vlmcs._tcp.b.test. 300 IN SRV 10 50 $P hb.b.test.
EOF
proxy rev --reverse-answer
for s in "$DNS_SERVER" "$PROXY"; do
	loc_run dup -s "$s" -d b.test "${ARGS[@]}"
	loc_expect dup 0 "0 0 $P hb.b.test 127.0.0.21 unknown b.test"
	t_assert_eq "$(grep -c . "$T/dup.out")" 1 "records for hb.b.test ($s)"
done

# 70 records in priority 10 and one in priority 0 listed last: the list is cut to 64 after
# ordering, so the priority 0 record is always first (the answer comes over TCP: too big for
# UDP).
{
	for i in $(seq 1 70); do
		echo "update add _vlmcs._tcp.big.test. 300 IN SRV 10 0 $P t$i.big.test."
	done
	echo "update add _vlmcs._tcp.big.test. 300 IN SRV 0 0 $P first.big.test."
	echo "update add first.big.test. 300 IN A 127.0.0.21"
} | t_nsupdate big.test
loc_run big -s "$DNS_SERVER" -d big.test "${ARGS[@]}"
loc_expect big 0 "0 0 $P first.big.test 127.0.0.21 unknown big.test"
t_assert_eq "$(grep -c . "$T/big.out")" 64 "candidates after the cut"

# A CNAME at the SRV name into another zone: followed.
kdig @127.0.0.1 -p "$DNS_PORT" +norec _vlmcs._tcp.cn.test SRV >"$T/cname.dig" 2>&1
grep -q 'CNAME' "$T/cname.dig" || t_fail "no CNAME at _vlmcs._tcp.cn.test: $(cat "$T/cname.dig")"
loc_run cname -s "$DNS_SERVER" -d cn.test "${ARGS[@]}"
loc_expect cname 0 "0 0 $P hb.b.test 127.0.0.21 unknown cn.test"
loc_run cname1 -s "$DNS_SERVER" -d cn.test --no-state
loc_expect cname1 0 "hb.b.test $P 127.0.0.21"
exit 0
