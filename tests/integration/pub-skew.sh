#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A publisher whose clock is off by more than the TSIG fudge (300 s) gets BADTIME from the
# real server, signed: reported as clock skew with the offset, exit 1, nothing published.
# The skew comes from libfaketime (DESIGN.md section 5). The reads are signed too, so the
# skew is reported also when the records are in place and nothing is to change.
. "$(dirname "$0")/lib.sh"
t_init "$@"
command -v faketime >/dev/null || t_skip "faketime not installed (Debian package faketime)"
t_start_dns example.test
cat >"$T/pub.yaml" <<EOF
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
state: $T/pub.state
EOF
# ASan must come first among preloaded libraries; libfaketime is preloaded here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

# assert_skew LOG WANT: LOG reports the server's clock WANT s from ours. Both clocks count
# whole seconds and are read at different moments (the server's when it answers, ours when
# the answer is checked), so one second either way is the same skew.
assert_skew() {
	local got
	got=$(sed -n 's/.*server clock is \([-+][0-9]*\) s from ours.*/\1/p' "$1")
	[ -n "$got" ] && [ "$((got - $2))" -ge -1 ] && [ "$((got - $2))" -le 1 ] ||
		t_fail "skew reported as '$got' s, want $2 s (+-1): $(cat "$1")"
}

# our skew : the server's clock relative to ours, as the message gives it
for pair in +3600:-3600 -7200:+7200; do
	skew=${pair%%:*} want=${pair#*:}
	rc=0
	faketime -f "${skew}s" "$PUBLISHER" -c "$T/pub.yaml" --once >"$T/skew.log" 2>&1 || rc=$?
	t_assert_eq "$rc" 1 "exit code with our clock ${skew} s off"
	t_assert_contains "$T/skew.log" "failed to update zone example.test. at $DNS_SERVER (clock skew: NOTAUTH, TSIG BADTIME"
	assert_skew "$T/skew.log" "$want"
	t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 0 "SRV records after BADTIME"
	t_assert_eq "$(t_count kms1.example.test A)" 0 "A records after BADTIME"
done

# With the clock right the same configuration publishes.
"$PUBLISHER" -c "$T/pub.yaml" --once || t_fail "publish with a correct clock failed"
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 kms1.example.test." "SRV after publish"

# With the records in place and nothing to change, the signed reads still catch the skew:
# exit 1 and BADTIME, not "up to date" (issue 6).
rc=0
faketime -f "+3600s" "$PUBLISHER" -c "$T/pub.yaml" --once -v >"$T/inplace.log" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "exit code with our clock off and the records in place"
t_assert_contains "$T/inplace.log" "failed to update zone example.test. at $DNS_SERVER (clock skew: NOTAUTH, TSIG BADTIME"
assert_skew "$T/inplace.log" -3600
t_assert_not_contains "$T/inplace.log" "up to date"
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 kms1.example.test." "SRV untouched"
