#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# kms-locate against SRV records on a real server: the chosen host is always a live KMS host
# (refused ports, SYN-dropping listeners, bind_nak, garbage and silent listeners are passed
# over), priorities are honoured, a dead host is skipped by the next run through the state
# file, all-dead lists are tried anyway, the sticky host is reused and replaced when it fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
t_start_dns example.test sticky.test dead.test

P_LIVE=$(t_free_port)
P_DROP=$(t_free_port)
P_NAK=$(t_free_port)
P_JUNK=$(t_free_port)
P_QUIET=$(t_free_port)
P_REF=$(t_free_port)
loc_fake live 127.0.0.2 "$P_LIVE" ack
loc_fake drop 127.0.0.3 "$P_DROP" syndrop
loc_fake nak 127.0.0.4 "$P_NAK" nak
loc_fake junk 127.0.0.5 "$P_JUNK" garbage
loc_fake quiet 127.0.0.6 "$P_QUIET" silence
# Nothing listens on 127.0.0.7:$P_REF (connection refused).

t_nsupdate example.test <<EOF
update add live.example.test. 300 IN A 127.0.0.2
update add drop.example.test. 300 IN A 127.0.0.3
update add nak.example.test. 300 IN A 127.0.0.4
update add junk.example.test. 300 IN A 127.0.0.5
update add quiet.example.test. 300 IN A 127.0.0.6
update add refused.example.test. 300 IN A 127.0.0.7
update add _vlmcs._tcp.example.test. 300 IN SRV 0 0 $P_REF refused.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 10 $P_DROP drop.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 0 $P_NAK nak.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 5 $P_JUNK junk.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 0 $P_QUIET quiet.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 10 0 $P_LIVE live.example.test.
EOF

# One host at a time (attempt-delay = timeout) for the run that records outcomes: racing
# cancels the attempts still pending when another host answers, and a cancelled attempt says
# nothing about its host; here every bad host is to get its verdict.
cat >"$T/loc.yaml" <<EOF
attempt-delay: 1s
timeout: 1s
deadline: 15s
servers: [$DNS_SERVER]
domains:
  - name: example.test
state: $T/loc.state
EOF
loc_conf "$T/nostate.yaml" <<EOF
servers: [$DNS_SERVER]
domains:
  - name: example.test
state: none
EOF
LIVE="live.example.test $P_LIVE 127.0.0.2"

# The only KMS host is in the later priority group: every bad one in front is passed over.
for seed in 1 2 3; do
	loc_run pick -c "$T/nostate.yaml" --seed "$seed"
	loc_expect pick 0 "$LIVE"
done
loc_run json -c "$T/nostate.yaml" --json
loc_expect json 0
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["target"]=="live.example.test" and d["port"]==int(sys.argv[2]) and d["address"]=="127.0.0.2", d' \
	"$T/json.out" "$P_LIVE" || t_fail "bad JSON: $(cat "$T/json.out")"

# With a state file: the failures are remembered, the live host becomes sticky.
loc_run first -c "$T/loc.yaml"
loc_expect first 0 "$LIVE"
for h in refused drop nak junk quiet; do
	t_assert_contains "$T/loc.state" "dead $h.example.test "
done
t_assert_contains "$T/loc.state" "sticky example.test live.example.test $P_LIVE"
loc_run all -c "$T/loc.yaml" --all
loc_expect all 0 "10 0 $P_LIVE live.example.test 127.0.0.2 sticky example.test"
[ "$(grep -c ' dead example.test$' "$T/all.out")" = 5 ] || t_fail "want 5 dead: $(cat "$T/all.out")"
# After the sticky host, priority 0 only: groups never interleave.
awk 'NR > 1 && $1 != 0 { exit 1 }' "$T/all.out" || t_fail "order: $(cat "$T/all.out")"

# The refused host comes alive, but the state file still has it dead: without host caching
# (so the sticky host does not decide) the next run skips it and takes priority 10 ...
loc_fake revived 127.0.0.7 "$P_REF" ack
loc_conf "$T/nocache.yaml" <<EOF
servers: [$DNS_SERVER]
domains:
  - name: example.test
host-caching: false
state: $T/loc.state
EOF
loc_run skip -c "$T/nocache.yaml"
loc_expect skip 0 "$LIVE"
# ... while a run without state honours the priorities and takes it.
for seed in 1 2 3; do
	loc_run prio -c "$T/nostate.yaml" --seed "$seed"
	loc_expect prio 0 "refused.example.test $P_REF 127.0.0.7"
done

# All candidates dead: tried anyway. dead.test has one host, found dead while down, then up.
P_DEAD=$(t_free_port)
t_nsupdate dead.test <<EOF
update add h.dead.test. 300 IN A 127.0.0.8
update add _vlmcs._tcp.dead.test. 300 IN SRV 0 0 $P_DEAD h.dead.test.
EOF
loc_run down -s "$DNS_SERVER" -d dead.test --state "$T/dead.state"
loc_expect down 1
t_assert_contains "$T/down.err" "no KMS host answered"
t_assert_contains "$T/dead.state" "dead h.dead.test $P_DEAD"
loc_fake hdead 127.0.0.8 "$P_DEAD" ack
loc_run alldead -s "$DNS_SERVER" -d dead.test --state "$T/dead.state"
loc_expect alldead 0 "h.dead.test $P_DEAD 127.0.0.8"
t_assert_not_contains "$T/dead.state" "dead h.dead.test"

# Sticky host: two equal live hosts. The first answer is reused whatever the seed; without
# state both get picked; when the sticky host dies the other one takes over and sticks.
P_S=$(t_free_port)
loc_fake s1 127.0.0.9 "$P_S" ack
loc_fake s2 127.0.0.10 "$P_S" ack
t_nsupdate sticky.test <<EOF
update add s1.sticky.test. 300 IN A 127.0.0.9
update add s2.sticky.test. 300 IN A 127.0.0.10
update add _vlmcs._tcp.sticky.test. 300 IN SRV 0 0 $P_S s1.sticky.test.
update add _vlmcs._tcp.sticky.test. 300 IN SRV 0 0 $P_S s2.sticky.test.
EOF
# A fixed 2 s attempt delay: with auto the sticky host's head start is 2 x its loopback RTT
# (the 10 ms floor), which a fake host on a loaded machine can miss.
printf 'attempt-delay: 2s\ntimeout: 2s\n' >"$T/sticky.yaml"
S_ARGS=(-c "$T/sticky.yaml" -s "$DNS_SERVER" -d sticky.test)
seen=""
for seed in $(seq 1 20); do
	loc_run free "${S_ARGS[@]}" --no-state --seed "$seed"
	loc_expect free 0
	seen="$seen $(cut -d' ' -f1 "$T/free.out")"
done
[[ $seen == *s1.sticky.test* && $seen == *s2.sticky.test* ]] ||
	t_fail "without state one host always won:$seen"
loc_run s0 "${S_ARGS[@]}" --state "$T/s.state" --seed 1
loc_expect s0 0
first=$(cut -d' ' -f1 "$T/s0.out")
for seed in $(seq 2 12); do
	loc_run s "${S_ARGS[@]}" --state "$T/s.state" --seed "$seed"
	loc_expect s 0
	t_assert_eq "$(cut -d' ' -f1 "$T/s.out")" "$first" "sticky host (seed $seed)"
done
if [ "$first" = s1.sticky.test ]; then gone=s1 other=s2.sticky.test; else gone=s2 other=s1.sticky.test; fi
t_bg_stop "$gone"
loc_run after "${S_ARGS[@]}" --state "$T/s.state" --seed 1
loc_expect after 0
t_assert_eq "$(cut -d' ' -f1 "$T/after.out")" "$other" "host after the sticky one died"
t_assert_contains "$T/s.state" "sticky sticky.test $other $P_S"
t_assert_contains "$T/s.state" "dead $first $P_S"
exit 0
