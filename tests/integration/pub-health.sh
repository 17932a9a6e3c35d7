#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Health gating with fake KMS hosts the test stops and starts: hysteresis (a failure below
# `fall` changes nothing; `fall` failures withdraw the SRV record, A stays; `rise` successes
# bring it back), two hosts going down in the same second give one UPDATE (the zone's serial
# moves by one), fail-open keeps the last host when every host is down (said once), a reload
# with `fail-open: false` withdraws it, and `status` (text, JSON) and the metrics file
# (promtool) say what happened, while the daemon runs and after it stopped.
. "$(dirname "$0")/lib.sh"
t_init "$@"
command -v python3 >/dev/null || t_skip "python3 not installed"
command -v promtool >/dev/null || t_skip "promtool not installed (Debian package prometheus)"
t_start_dns example.test
srv=_vlmcs._tcp.example.test

# kms_start N / kms_stop N: fake KMS host N on 127.0.0.1:PORT[N].
declare -A PORT
for n in 1 2 3; do PORT[$n]=$(t_free_port); done
kms_start() {
	rm -f "$T/kms$1.ready"
	t_bg "kms$1" "$FAKE_DIR/fake-kms" --listen "127.0.0.1:${PORT[$1]}" --ready-file "$T/kms$1.ready"
	t_wait test -s "$T/kms$1.ready"
}
kms_stop() { t_bg_stop "kms$1"; }

write_conf() {
	cat >"$T/pub.yaml" <<-EOF
	keys:
	  - name: $T_KEY_NAME
	    file: $T_KEY_FILE
	resolver: [$DNS_SERVER]
	primary-port: $DNS_PORT
	interval: 1m
	fail-open: $1
	metrics-file: $T/metrics.prom
	health: {probe: rpc, interval: 1s, timeout: 500ms, fall: 5, rise: 2}
	hosts:
	EOF
	for n in 1 2 3; do
		cat >>"$T/pub.yaml" <<-EOF
		  - name: kms$n.example.test
		    addresses: [192.0.2.1$n]
		    health: {address: 127.0.0.1, port: ${PORT[$n]}}
		EOF
	done
	cat >>"$T/pub.yaml" <<-EOF
	domains:
	  - name: example.test
	state: $T/pub.state
	EOF
}
write_conf true
status() { "$PUBLISHER" status -c "$T/pub.yaml" "$@"; }
# srv_is LIST: the SRV targets are exactly the hosts listed ("1 3"), after an SOA answer.
srv_is() {
	t_dns_ready example.test || return 1
	local want="" n
	for n in $1; do want+="0 0 1688 kms$n.example.test."$'\n'; done
	[ "$(t_rrs $srv SRV)" = "$(printf '%s' "$want" | sed '/^$/d' | sort)" ]
}
serial() { kdig @127.0.0.1 -p "$DNS_PORT" +tcp +short example.test SOA | awk '{print $3}'; }
# host_ge HOST KEY N: the host's status shows at least N failures/successes in a row (the
# text form: python takes seconds to start on a loaded machine).
host_ge() {
	local got
	got=$(status | sed -n "s/^  $1: .* \([0-9]*\) failure(s), \([0-9]*\) success(es) in a row$/\1 \2/p")
	case $2 in
	failures) [ "${got% *}" -ge "$3" ] ;;
	successes) [ "${got#* }" -ge "$3" ] ;;
	esac
}

for n in 1 2 3; do kms_start $n; done
# systemd's STATUS= line says how many probed hosts are up (a datagram per line, '|' for
# newlines, as in pub-sdnotify).
cat >"$T/listen.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
EOF
t_bg listener python3 "$T/listen.py" "$T/notify.sock" "$T/notify.txt"
t_wait test -e "$T/notify.sock.ready"
t_bg pub env NOTIFY_SOCKET="$T/notify.sock" "$PUBLISHER" -v -c "$T/pub.yaml"
# New hosts are pending: published once rise is met.
t_wait srv_is "1 2 3"
t_assert_eq "$(t_count kms1.example.test A)" 1 "A record of kms1"

# Below fall: kms1 misses probes but is back before the fifth; nothing changes.
serial0=$(serial)
kms_stop 1
t_wait host_ge kms1.example.test failures 1
kms_start 1
t_wait host_ge kms1.example.test successes 1
t_assert_eq "$(serial)" "$serial0" "serial after a failure below fall"
srv_is "1 2 3" || t_fail "kms1 flapped below fall: $(t_rrs $srv SRV)"
t_assert_not_contains "$T/pub.log" "host kms1.example.test is down"

# fall failures: withdrawn (not before (fall-1) x interval), A stays.
kms_stop 1
start=$SECONDS
t_wait srv_is "2 3"
((SECONDS - start >= 3)) || t_fail "kms1 withdrawn after $((SECONDS - start)) s, before fall"
t_assert_eq "$(t_count kms1.example.test A)" 1 "A record of a withdrawn host"
t_assert_contains "$T/pub.log" "host kms1.example.test is down after 5 failed probe(s)"
status | grep -q 'kms1.example.test in example.test: not published (withdrawn by health)' ||
	t_fail "status: $(status)"
# rise successes: back.
kms_start 1
t_wait srv_is "1 2 3"
t_assert_contains "$T/pub.log" "host kms1.example.test is up after 2 successful probe(s)"

t_wait grep -q '^STATUS=1 zone(s) ok, 0 failing; 3 of 3 probed host(s) up$' "$T/notify.txt"

# Two hosts down in the same second: one UPDATE.
serial1=$(serial)
kill "$(cat "$T/kms1.pid")" "$(cat "$T/kms2.pid")"
kms_stop 1
kms_stop 2
t_wait srv_is "3"
t_assert_eq "$(serial)" "$((serial1 + 1))" "serial after two hosts went down together"

# Every host down: fail-open keeps kms3 (the last published one), said once.
kms_stop 3
t_wait sh -c "'$PUBLISHER' status -c '$T/pub.yaml' | grep -q 'kms3.example.test in example.test: published (held by fail-open)'"
srv_is "3" || t_fail "fail-open did not hold kms3: $(t_rrs $srv SRV)"
t_assert_eq "$(grep -c 'every host is down; fail-open keeps' "$T/pub.log")" 1 "fail-open lines"

# Status (JSON) and metrics agree with what happened.
t_wait test -s "$T/metrics.prom"
status --json >"$T/status.json"
python3 - "$T/status.json" <<'EOF' || t_fail "status --json: $(cat "$T/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["running"] is True
h = {x["name"]: x for x in d["hosts"]}
assert all(h[f"kms{n}.example.test"]["health"] == "down" for n in (1, 2, 3)), h
assert h["kms1.example.test"]["last_probe"]["result"] == "refused", h
r = {x["host"]: x for x in d["records"]}
assert r["kms3.example.test"]["published"] and r["kms3.example.test"]["why"] == "held by fail-open"
assert not r["kms1.example.test"]["published"] and r["kms1.example.test"]["why"] == "withdrawn by health"
z = {x["zone"]: x for x in d["zones"]}
assert z["example.test."]["ok"] and z["example.test."]["last_success"] > 0 and z["example.test."]["last_error"] is None, z
assert d["domains"][0]["fail_open"] is True and d["domains"][0]["records"] == 1
EOF
promtool check metrics <"$T/metrics.prom" || t_fail "promtool rejects the metrics file"
m() { grep -F "$1" "$T/metrics.prom" | awk '{print $2}'; }
t_wait sh -c "grep -qF 'kmsdns_publisher_host_up{host=\"kms3.example.test\"} 0' '$T/metrics.prom'"
t_assert_eq "$(m 'kmsdns_publisher_records_published{domain="example.test"}')" 1 "records_published"
upd=$(m 'kmsdns_publisher_updates_succeeded_total{zone="example.test."}')
((upd >= 4)) || t_fail "updates_succeeded_total $upd, want at least 4"
t_assert_eq "$(m 'kmsdns_publisher_updates_sent_total{zone="example.test."}')" "$upd" "sent = succeeded"
refused=$(m 'kmsdns_publisher_health_probes_total{host="kms1.example.test",result="refused"}')
((refused >= 5)) || t_fail "kms1 refused probes: $refused"
grep -q '^kmsdns_publisher_health_probe_duration_seconds_bucket{host="kms2.example.test",le="+Inf"}' "$T/metrics.prom" ||
	t_fail "no probe latency histogram"
grep -q '^kmsdns_publisher_zone_last_success_timestamp_seconds{zone="example.test."} [0-9]' "$T/metrics.prom" ||
	t_fail "no last success timestamp"

# A reload with fail-open: false withdraws the last one (health carried over the reload).
write_conf false
kill -HUP "$(cat "$T/pub.pid")"
t_wait srv_is ""

# One host back: published again after rise.
kms_start 2
t_wait srv_is "2"

# Status after the daemon stopped (it withdrew its records on exit).
t_bg_stop pub
t_assert_eq "$T_RC" 0 "daemon exit"
t_wait srv_is ""
status >"$T/status.txt" || t_fail "status after stop failed"
t_assert_contains "$T/status.txt" "(not running)"
t_assert_contains "$T/status.txt" "kms2.example.test: up since"
t_assert_contains "$T/status.txt" "not in the zone now"
status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["running"] is False' ||
	t_fail "status --json after stop"
