#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The state file against a real server: a candidate with the most addresses survives the round
# trip (the cache works), a bad line costs that line only, times from a clock that jumped are
# bounded (faketime), a file another user could have written is not believed, a service account
# without a writable home gets no state and no warning, one sticky host per suffix, addresses
# expire with their own TTL, and a renumbered host is found at once when its cached address
# fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
command -v faketime >/dev/null || t_skip "faketime not installed (Debian package faketime)"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
t_start_dns many.test s1.test s2.test move.test

P=$(t_free_port)
loc_fake live 127.0.0.2 "$P" ack
# Four IPv4 and four IPv6 addresses (::1 answers: fake-kms on [::1]).
loc_fake live6 "[::1]" "$P" ack
{
	echo "update add h.many.test. 300 IN AAAA ::1"
	for i in 2 3 4; do echo "update add h.many.test. 300 IN AAAA ::$i"; done
	for i in 2 3 4 5; do echo "update add h.many.test. 300 IN A 127.0.0.$i"; done
	echo "update add _vlmcs._tcp.many.test. 300 IN SRV 0 0 $P h.many.test."
} | t_nsupdate many.test
M_ARGS=(-s "$DNS_SERVER" -d many.test --state "$T/m.state")

# The eight addresses are written and read back: the next run (DNS gone) uses the cache,
# without a warning (before: a 15-field line that the parser rejected, and the whole file
# with it).
loc_run m1 "${M_ARGS[@]}"
loc_expect m1 0
[ ! -s "$T/m1.err" ] || t_fail "warning: $(cat "$T/m1.err")"
grep -q "^srv many.test .* h.many.test .*::1 .*127.0.0.5" "$T/m.state" ||
	t_fail "no srv line with the addresses: $(cat "$T/m.state")"
t_assert_eq "$(grep '^srv' "$T/m.state" | wc -w)" $((8 + 8)) "fields of the srv line"
t_stop_dns
loc_run m2 "${M_ARGS[@]}" -v
loc_expect m2 0
t_assert_contains "$T/m2.err" "_vlmcs._tcp.many.test.: cached"
t_assert_not_contains "$T/m2.err" "state file $T"

# A bad line costs that line only: the cached answer beside it is still used.
sed -i '2i this line is not a state line' "$T/m.state"
loc_run m3 "${M_ARGS[@]}" -v
loc_expect m3 0
t_assert_contains "$T/m3.err" "damaged state file $T/m.state (line 2: unknown line"
t_assert_contains "$T/m3.err" "_vlmcs._tcp.many.test.: cached"
[ "$(grep -c 'state file' "$T/m3.err")" = 2 ] || t_fail "warned twice: $(cat "$T/m3.err")"

# A state file another user could have written is not believed: not its cache (the DNS server
# is down, so nothing is found), not its dead marks.
cp "$T/m.state" "$T/o.state"
chmod 666 "$T/o.state"
loc_run other -s "$DNS_SERVER" -d many.test --state "$T/o.state"
loc_expect other 3
t_assert_contains "$T/other.err" "ignored state file $T/o.state (writable by others"
if [ "$(id -u)" = 0 ]; then
	cp "$T/m.state" "$T/n.state"
	chown 65534:65534 "$T/n.state"
	loc_run owner -s "$DNS_SERVER" -d many.test --state "$T/n.state"
	loc_expect owner 3
	t_assert_contains "$T/owner.err" "ignored state file $T/n.state (owned by uid 65534"
	# A service account whose home does not exist: no state file, no warning (cron mails
	# nothing); -v says so in one line.
	command -v setpriv >/dev/null || t_skip "setpriv not installed (util-linux)"
	chmod 755 "$T"
	for v in "" -v; do
		rc=0
		env -i PATH="$PATH" HOME=/nonexistent setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$KMS_LOCATE" --static "127.0.0.2:$P" $v \
			>"$T/svc.out" 2>"$T/svc.err" || rc=$?
		t_assert_eq "$rc" 0 "service account exit ($v)"
		t_assert_eq "$(cat "$T/svc.out")" "127.0.0.2 $P 127.0.0.2" "service account output"
		if [ -z "$v" ]; then
			[ ! -s "$T/svc.err" ] || t_fail "service account warned: $(cat "$T/svc.err")"
		else
			t_assert_eq "$(grep -c 'state file' "$T/svc.err")" 1 "lines about the state file"
			t_assert_contains "$T/svc.err" "state file: none"
		fi
	done
fi
t_run_dns

# Clock jumps. A run a day ahead marks a refused host dead (until tomorrow) and caches an
# answer (until tomorrow): back at the right time neither is believed.
P_REF=$(t_free_port)
t_nsupdate s1.test <<EOF
update add a.s1.test. 300 IN A 127.0.0.31
update add b.s1.test. 300 IN A 127.0.0.32
update add _vlmcs._tcp.s1.test. 300 IN SRV 0 0 $P_REF a.s1.test.
EOF
J_ARGS=(-s "$DNS_SERVER" -d s1.test --state "$T/j.state")
rc=0
faketime -f "+1d" "$KMS_LOCATE" "${J_ARGS[@]}" >"$T/jump.out" 2>"$T/jump.err" || rc=$?
t_assert_eq "$rc" 1 "the run a day ahead"
t_assert_contains "$T/j.state" "dead a.s1.test $P_REF"
t_assert_contains "$T/j.state" "srv s1.test "
t_stop_dns
loc_run back0 "${J_ARGS[@]}" -v
loc_expect back0 3 # the cached answer from tomorrow is not used
t_run_dns
loc_fake a1 127.0.0.31 "$P_REF" ack
loc_run back "${J_ARGS[@]}" --all
loc_expect back 0 "0 0 $P_REF a.s1.test 127.0.0.31 unknown s1.test" # nor the dead mark

# One sticky host per suffix: runs for two domains keep each other's.
t_nsupdate s2.test <<EOF
update add c.s2.test. 300 IN A 127.0.0.33
update add _vlmcs._tcp.s2.test. 300 IN SRV 0 0 $P_REF c.s2.test.
EOF
loc_fake c2 127.0.0.33 "$P_REF" ack
loc_run st1 -s "$DNS_SERVER" -d s1.test --state "$T/s.state"
loc_expect st1 0 "a.s1.test $P_REF 127.0.0.31"
loc_run st2 -s "$DNS_SERVER" -d s2.test --state "$T/s.state"
loc_expect st2 0 "c.s2.test $P_REF 127.0.0.33"
t_assert_contains "$T/s.state" "sticky s1.test a.s1.test $P_REF"
t_assert_contains "$T/s.state" "sticky s2.test c.s2.test $P_REF"
loc_run st3 -s "$DNS_SERVER" -d s1.test --state "$T/s.state" --all
loc_expect st3 0 "0 0 $P_REF a.s1.test 127.0.0.31 sticky s1.test"

# Addresses have their own TTL: the SRV answer stays cached (300 s), the address (2 s) does
# not, so a renumbered host is found 5 s later without waiting for the SRV's TTL.
P_MV=$(t_free_port)
loc_fake old 127.0.0.41 "$P_MV" ack
t_nsupdate move.test <<EOF
update add h.move.test. 2 IN A 127.0.0.41
update add _vlmcs._tcp.move.test. 300 IN SRV 0 0 $P_MV h.move.test.
EOF
V_ARGS=(-s "$DNS_SERVER" -d move.test --state "$T/v.state")
loc_run v1 "${V_ARGS[@]}"
loc_expect v1 0 "h.move.test $P_MV 127.0.0.41"
t_bg_stop old
loc_fake new 127.0.0.42 "$P_MV" ack
t_nsupdate move.test <<EOF
update delete h.move.test. A
update add h.move.test. 300 IN A 127.0.0.42
EOF
rc=0
faketime -f "+5s" "$KMS_LOCATE" "${V_ARGS[@]}" -v >"$T/v2.out" 2>"$T/v2.err" || rc=$?
t_assert_eq "$rc" 0 "run after the address TTL: $(cat "$T/v2.err")"
t_assert_eq "$(cat "$T/v2.out")" "h.move.test $P_MV 127.0.0.42" "renumbered host"
t_assert_contains "$T/v2.err" "_vlmcs._tcp.move.test.: cached"

# The address is cached for 300 s now. The host moves again: the cached address fails, the
# suffix is asked again at once and the new address answers (exit 0, not 1).
t_bg_stop new
loc_fake third 127.0.0.43 "$P_MV" ack
t_nsupdate move.test <<EOF
update delete h.move.test. A
update add h.move.test. 300 IN A 127.0.0.43
EOF
loc_run v3 "${V_ARGS[@]}"
loc_expect v3 0 "h.move.test $P_MV 127.0.0.43"
t_assert_not_contains "$T/v.state" "dead h.move.test"
exit 0
