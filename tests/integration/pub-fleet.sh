#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# 200 hosts with health checks: all published, then 50 of them stop answering (their fake
# KMS host is replaced by one whose accept queue is full, so every probe waits for its
# timeout and holds a slot). The zone converges to exactly the 150 live hosts' SRV records
# within the reaction bound (fall x interval + timeout + one round, plus slack for a loaded
# machine), every A record stays, and no more than health-concurrency probes were ever in
# flight at once (status), while the bound was reached.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_prepare_dns example.test
# BIND 9.18.28+ refuse more than max-records-per-type (default 100) records at a name.
if [ "$SERVER" = named ]; then
	sed -i 's/allow-query { any; };/&\n\tmax-records-per-type 0;/' "$T/dns/named.conf"
fi
t_run_dns
srv=_vlmcs._tcp.example.test
live_port=$(t_free_port)
dead_port=$(t_free_port)
[ "$live_port" != "$dead_port" ] || dead_port=$(t_free_port)

kms() { # kms NAME PORT [MODE]
	rm -f "$T/$1.ready"
	t_bg "$1" "$FAKE_DIR/fake-kms" --listen "127.0.0.1:$2" --mode "${3:-ack}" --ready-file "$T/$1.ready"
	t_wait test -s "$T/$1.ready"
}
kms live "$live_port"
kms dying "$dead_port"

concurrency=16
cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
interval: 1m
health: {probe: rpc, interval: 2s, timeout: 1s, fall: 2, rise: 1}
health-concurrency: $concurrency
hosts:
EOF
for ((i = 1; i <= 200; i++)); do
	port=$live_port
	((i > 150)) && port=$dead_port
	printf '  - name: h%d.example.test\n    addresses: [127.0.%d.%d]\n    health: {address: 127.0.0.1, port: %d}\n' \
		"$i" $((i / 200 + 1)) $((i % 200 + 1)) "$port" >>"$T/pub.yaml"
done
cat >>"$T/pub.yaml" <<EOF
domains:
  - name: example.test
state: $T/pub.state
EOF

count_is() { t_dns_ready example.test && [ "$(t_count $srv SRV)" = "$1" ]; }
t_bg pub "$PUBLISHER" -c "$T/pub.yaml"
t_wait count_is 200

# 50 hosts stop answering: their probes now hang until the timeout.
t_bg_stop dying
kms dead "$dead_port" syndrop
start=$SECONDS
# fall x interval + timeout + a round: 2 x 2 s + 1 s + 1 s; 20 s of slack for a loaded machine.
T_WAIT=26 t_wait count_is 150
t_log "converged to 150 in $((SECONDS - start)) s"
t_rrs $srv SRV | grep -E ' h(15[1-9]|1[6-9][0-9]|200)\.' && t_fail "a dead host is still published"
t_assert_eq "$(t_rrs $srv SRV | grep -c ' h[0-9]*\.example\.test\.$')" 150 "live hosts"
t_assert_eq "$(t_count h200.example.test A)" 1 "A record of a dead host"
t_assert_eq "$(t_count h1.example.test A)" 1 "A record of a live host"
# Stays converged: the dead ones never come back while they do not answer.
t_wait sh -c "'$PUBLISHER' status -c '$T/pub.yaml' | grep -q 'h200.example.test in example.test: not published (withdrawn by health)'"
max=$("$PUBLISHER" status -c "$T/pub.yaml" | sed -n 's/.*at most \([0-9]*\) probe(s) in flight$/\1/p')
[ -n "$max" ] || t_fail "status does not say how many probes were in flight"
((max <= concurrency)) || t_fail "$max probes in flight at once, more than health-concurrency $concurrency"
((max == concurrency)) || t_fail "only $max probes in flight at once: the bound was never reached"
t_assert_eq "$(t_count $srv SRV)" 150 "SRV records at the end"
