#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Many kms-locate processes sharing one state file at the same time: every run finds the live
# host, none sees a damaged file, and the file they leave is whole: the refused host, which
# comes first by priority, is dead, and the live one is sticky.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
t_start_dns example.test

P=$(t_free_port)
P_REF=$(t_free_port)
loc_fake live 127.0.0.2 "$P" ack
t_nsupdate example.test <<EOF
update add live.example.test. 300 IN A 127.0.0.2
update add refused.example.test. 300 IN A 127.0.0.3
update add _vlmcs._tcp.example.test. 300 IN SRV 10 0 $P live.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 0 $P_REF refused.example.test.
EOF
loc_conf "$T/loc.yaml" <<EOF
servers: [$DNS_SERVER]
domains:
  - name: example.test
state: $T/shared.state
EOF

# worker N: 10 runs with different seeds; each line "rc output", stderr kept.
worker() {
	local n=$1 i rc out
	for ((i = 0; i < 10; i++)); do
		rc=0
		out=$("$KMS_LOCATE" -c "$T/loc.yaml" --seed $((n * 100 + i)) 2>>"$T/w$n.err") || rc=$?
		echo "$rc $out"
	done >"$T/w$n.out"
}
pids=()
for n in 1 2 3 4 5 6; do
	worker $n &
	pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

for n in 1 2 3 4 5 6; do
	[ "$(grep -c . "$T/w$n.out")" = 10 ] || t_fail "worker $n did not finish its runs"
	bad=$(grep -v "^0 live.example.test $P 127.0.0.2$" "$T/w$n.out") && t_fail "worker $n: $bad"
	[ ! -s "$T/w$n.err" ] || t_fail "worker $n warned: $(head -n 5 "$T/w$n.err")"
done
loc_run final -c "$T/loc.yaml" --all -v
loc_expect final 0
t_assert_not_contains "$T/final.err" "ignored"
t_assert_not_contains "$T/final.err" "failed"
t_assert_contains "$T/final.out" "live.example.test 127.0.0.2 sticky example.test"
t_assert_contains "$T/final.out" "refused.example.test 127.0.0.3 dead example.test"
