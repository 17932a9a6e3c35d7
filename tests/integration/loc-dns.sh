#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# kms-locate against misbehaving DNS servers (tests/fake/fake-dnsd): SERVFAIL, REFUSED and
# silence move on to the next server; a lost datagram is sent again; suffixes are asked at
# once, the first in order with records wins; one deadline for the whole run, and a probe it
# cuts short leaves the host unknown; every host's reason on exit 1; JSON on every exit;
# resolv.conf timeout/rotate and the suffix order (in a network, mount and UTS namespace of its
# own, where the fake servers can listen on port 53 and the host name can be set).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
FAKE_DNS="$FAKE_DIR/fake-dnsd"

# dns_fake NAME ADDR@PORT ARGS...: start fake-dnsd and wait until it listens.
dns_fake() {
	local name=$1 listen=$2
	shift 2
	t_bg "$name" "$FAKE_DNS" --listen "$listen" --ready-file "$T/$name.ready" "$@"
	t_wait test -s "$T/$name.ready"
}

P=$(t_free_port)
loc_fake live 127.0.0.2 "$P" ack
cat >"$T/zone.rr" <<EOF
_vlmcs._tcp.good.test. 300 IN SRV 0 0 $P live.good.test.
live.good.test. 300 IN A 127.0.0.2
_vlmcs._tcp.other.test. 300 IN SRV 0 0 $P live.other.test.
live.other.test. 300 IN A 127.0.0.2
nx.test. 300 IN A 127.0.0.9
EOF
D_SF=$(t_free_port) D_RF=$(t_free_port) D_QUIET=$(t_free_port) D_GOOD=$(t_free_port)
D_DROP=$(t_free_port) D_SLOW=$(t_free_port)
dns_fake servfail "127.0.0.1@$D_SF" --rcode SERVFAIL
dns_fake refused "127.0.0.1@$D_RF" --rcode REFUSED
dns_fake quiet "127.0.0.1@$D_QUIET" --silent
dns_fake good "127.0.0.1@$D_GOOD" --records "$T/zone.rr"
dns_fake drop "127.0.0.1@$D_DROP" --records "$T/zone.rr" --drop-first
dns_fake slow "127.0.0.1@$D_SLOW" --records "$T/zone.rr" --delay 600
LIVE="live.good.test $P 127.0.0.2"

# SERVFAIL, REFUSED and silence from the first servers: the next server is asked for the same
# suffix (before: exit 3 where glibc finds the host).
loc_conf "$T/failover.yaml" <<EOF
servers: [127.0.0.1@$D_SF, 127.0.0.1@$D_RF, 127.0.0.1@$D_QUIET, 127.0.0.1@$D_GOOD]
domains: [{name: good.test}]
state: none
EOF
loc_run failover -c "$T/failover.yaml"
loc_expect failover 0 "$LIVE"
t_assert_contains "$T/servfail.log" "_vlmcs._tcp.good.test. SRV: SERVFAIL"
t_assert_contains "$T/refused.log" "_vlmcs._tcp.good.test. SRV: REFUSED"
t_assert_contains "$T/quiet.log" "_vlmcs._tcp.good.test. SRV: silent"
# Only error answers: exit 3 with the rcode, not a timeout.
loc_run allbad -s "127.0.0.1@$D_SF" -s "127.0.0.1@$D_RF" -d good.test --no-state
loc_expect allbad 3
t_assert_contains "$T/allbad.err" "_vlmcs._tcp.good.test.: REFUSED"

# A lost datagram is sent again (before: one dropped query ended the suffix).
loc_run drop -s "127.0.0.1@$D_DROP" -d good.test --no-state
loc_expect drop 0 "$LIVE"
t_assert_contains "$T/drop.log" "_vlmcs._tcp.good.test. SRV: dropped"
t_assert_contains "$T/drop.log" "_vlmcs._tcp.good.test. SRV: NOERROR, 1 answers"

# Six suffixes behind a silent first server are asked at once: the silence costs one timeout
# (1 s for the SRV question, 1 s for AAAA), not one per suffix (before: the whole deadline, the
# last suffix got 1 ms).
loc_conf "$T/six.yaml" <<EOF
servers: [127.0.0.1@$D_QUIET, 127.0.0.1@$D_GOOD]
domains: [{name: a.test}, {name: b.test}, {name: c.test}, {name: d.test}, {name: e.test},
          {name: good.test}]
state: none
EOF
loc_run six -c "$T/six.yaml" -v
loc_expect six 0 "$LIVE"
((LOC_MS < 5000)) || t_fail "six suffixes behind a silent server took $LOC_MS ms"
for s in a b c d e; do t_assert_contains "$T/six.err" "_vlmcs._tcp.$s.test.: NXDOMAIN"; done

# Order: the first suffix with records wins even when a later one answers first...
loc_conf "$T/order.yaml" <<EOF
domains:
  - {name: other.test, server: 127.0.0.1@$D_SLOW}
  - {name: good.test, server: 127.0.0.1@$D_GOOD}
state: none
EOF
loc_run order -c "$T/order.yaml" --all
loc_expect order 0 "0 0 $P live.other.test 127.0.0.2 unknown other.test"
[ "$(wc -l <"$T/order.out")" = 1 ] || t_fail "a later suffix joined: $(cat "$T/order.out")"
# ... and a later suffix is used once the earlier one answered without records.
loc_conf "$T/order2.yaml" <<EOF
domains:
  - {name: nothing.test, server: 127.0.0.1@$D_SLOW}
  - {name: good.test, server: 127.0.0.1@$D_GOOD}
state: none
EOF
loc_run order2 -c "$T/order2.yaml" -v
loc_expect order2 0 "$LIVE"
t_assert_contains "$T/order2.err" "_vlmcs._tcp.nothing.test.: NXDOMAIN"

# One deadline for the whole run: DNS answers after 3 s, the host drops SYNs, the attempt
# timeout is longer than the deadline. The run ends at the deadline (before: discovery plus a
# full deadline for connecting), and the host is left unknown, not dead.
P_DROP=$(t_free_port)
loc_fake syndrop 127.0.0.3 "$P_DROP" syndrop
cat >"$T/drop.rr" <<EOF
_vlmcs._tcp.drop.test. 300 IN SRV 0 0 $P_DROP h.drop.test.
h.drop.test. 300 IN A 127.0.0.3
EOF
D_DL=$(t_free_port)
dns_fake deadline "127.0.0.1@$D_DL" --records "$T/drop.rr" --delay 3000
cat >"$T/deadline.yaml" <<EOF
attempt-delay: 20ms
servers: [127.0.0.1@$D_DL]
domains: [{name: drop.test}]
timeout: 20s
deadline: 4s
state: $T/deadline.state
EOF
loc_run deadline -c "$T/deadline.yaml" --json
loc_expect deadline 1
((LOC_MS < 5500)) || t_fail "the run took $LOC_MS ms against a 4 s deadline"
t_assert_not_contains "$T/deadline.state" "dead h.drop.test"
t_assert_contains "$T/deadline.err" "h.drop.test $P_DROP: 127.0.0.3 deadline"
python3 - "$T/deadline.out" <<'PY' || t_fail "bad JSON: $(cat "$T/deadline.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "no KMS host answered", d
assert d["candidates"][0]["result"] == "deadline", d
assert d["candidates"][0]["state"] == "unknown", d
PY

# Exit 1 says why for every host and address: refused, no answer (SYN dropped), not a KMS host
# (with what it said), no address.
P_NAK=$(t_free_port) P_JUNK=$(t_free_port) P_REF=$(t_free_port)
loc_fake nak 127.0.0.4 "$P_NAK" nak
loc_fake junk 127.0.0.5 "$P_JUNK" garbage
cat >"$T/why.rr" <<EOF
_vlmcs._tcp.why.test. 300 IN SRV 0 0 $P_REF refused.why.test.
_vlmcs._tcp.why.test. 300 IN SRV 0 0 $P_DROP drop.why.test.
_vlmcs._tcp.why.test. 300 IN SRV 0 0 $P_NAK nak.why.test.
_vlmcs._tcp.why.test. 300 IN SRV 0 0 $P_JUNK junk.why.test.
_vlmcs._tcp.why.test. 300 IN SRV 0 0 $P gone.why.test.
refused.why.test. 300 IN A 127.0.0.6
drop.why.test. 300 IN A 127.0.0.3
nak.why.test. 300 IN A 127.0.0.4
junk.why.test. 300 IN A 127.0.0.5
EOF
D_WHY=$(t_free_port)
dns_fake why "127.0.0.1@$D_WHY" --records "$T/why.rr"
cat >"$T/why.yaml" <<EOF
attempt-delay: 20ms
deadline: 15s
servers: [127.0.0.1@$D_WHY]
domains: [{name: why.test}]
timeout: 500ms
state: none
EOF
loc_run why -c "$T/why.yaml" --json
loc_expect why 1
t_assert_contains "$T/why.err" "refused.why.test $P_REF: 127.0.0.6 refused"
t_assert_contains "$T/why.err" "drop.why.test $P_DROP: 127.0.0.3 no answer"
t_assert_contains "$T/why.err" "nak.why.test $P_NAK: 127.0.0.4 not a KMS host (bind_nak)"
t_assert_contains "$T/why.err" "junk.why.test $P_JUNK: 127.0.0.5 not a KMS host (SSH-2.0-OpenSSH"
t_assert_contains "$T/why.err" "gone.why.test $P: no address (NXDOMAIN)"
python3 - "$T/why.out" <<'PY' || t_fail "bad JSON: $(cat "$T/why.out")"
import json, sys
d = json.load(open(sys.argv[1]))
r = {c["target"]: (c["result"], c["detail"]) for c in d["candidates"]}
assert r["refused.why.test"][0] == "refused", r
assert r["drop.why.test"][0] == "no answer", r
assert r["nak.why.test"] == ("not a KMS host", "bind_nak"), r
assert r["gone.why.test"] == ("no address", "no address (NXDOMAIN)"), r
assert d["suffixes"] == [{"name": "why.test", "result": "records"}], d
PY
# -v gives the same lines on success.
loc_run whyv -c "$T/failover.yaml" -v
loc_expect whyv 0 "$LIVE"
t_assert_contains "$T/whyv.err" "live.good.test $P: 127.0.0.2 alive"

# JSON on exit 3 too, with each suffix's reason.
loc_run nojson -s "127.0.0.1@$D_GOOD" -d a.test -d b.test --no-state --json
loc_expect nojson 3
python3 - "$T/nojson.out" <<'PY' || t_fail "bad JSON: $(cat "$T/nojson.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["error"] == "no KMS SRV records found", d
assert [s["result"] for s in d["suffixes"]] == ["NXDOMAIN", "NXDOMAIN"], d
assert d["candidates"] == [], d
PY

# --seed is decimal (a leading 0 is not octal, 0x is no number); -s takes a scoped IPv6
# address; --help lists every long option.
loc_run seed8 --static "127.0.0.2:$P" --no-state --seed 010 --all
loc_expect seed8 0
loc_run seedx --static "127.0.0.2:$P" --no-state --seed 0x10
loc_expect seedx 2
loc_run scoped -s "fe80::1%lo@$D_GOOD" -d good.test --no-state --all
[ "$LOC_RC" != 2 ] || t_fail "-s fe80::1%lo rejected: $(cat "$T/scoped.err")"
loc_run help --help
loc_expect help 0
for o in config domain server static all json probe seed state no-state verbose help; do
	t_assert_contains "$T/help.out" "--$o"
done

# The system's servers and suffixes, in namespaces of our own: resolv.conf names a silent
# server first and a good one second (port 53 is ours here), timeout:1 and rotate.
command -v unshare >/dev/null || t_skip "unshare not installed (util-linux)"
[ "$(id -u)" = 0 ] || t_skip "the resolv.conf part needs root (namespaces, bind mount)"
cat >"$T/sys.rr" <<EOF
_vlmcs._tcp.lab.test. 300 IN SRV 0 0 $P live.lab.test.
live.lab.test. 300 IN A 127.0.0.2
_vlmcs._tcp.corp.test. 300 IN SRV 0 0 $P live.corp.test.
live.corp.test. 300 IN A 127.0.0.2
EOF
cat >"$T/ns.sh" <<EOF
set -e
ip link set lo up
hostname pc.lab.test
"$FAKE_DIR/fake-kms" --listen 127.0.0.2:$P --mode ack --ready-file "$T/ns-kms.ready" \
	2>"$T/ns-kms.log" &
"$FAKE_DNS" --listen 127.0.0.1@53 --silent --ready-file "$T/ns-quiet.ready" 2>"$T/ns-quiet.log" &
"$FAKE_DNS" --listen 127.0.0.3@53 --records "$T/sys.rr" --ready-file "$T/ns-good.ready" \
	2>"$T/ns-good.log" &
for i in \$(seq 100); do
	[ -s "$T/ns-kms.ready" ] && [ -s "$T/ns-quiet.ready" ] && [ -s "$T/ns-good.ready" ] && break
	sleep 0.05
done
run() { # NAME RESOLV-CONF-TEXT: kms-locate with that resolv.conf
	printf '%b' "\$2" >"$T/resolv.\$1"
	mount --bind "$T/resolv.\$1" /etc/resolv.conf
	q=\$(grep -c . "$T/ns-quiet.log" || true)
	rc=0
	s=\${EPOCHREALTIME//[^0-9]/}
	"$KMS_LOCATE" --no-state -v >"$T/\$1.out" 2>"$T/\$1.err" || rc=\$?
	t=\$(((\${EPOCHREALTIME//[^0-9]/} - s) / 1000))
	echo "\$rc \$t \$((\$(grep -c . "$T/ns-quiet.log" || true) - q))" >"$T/\$1.rc"
	umount /etc/resolv.conf
}
run domain 'nameserver 127.0.0.1\nnameserver 127.0.0.3\ndomain corp.test\noptions timeout:1\n'
run search 'nameserver 127.0.0.1\nnameserver 127.0.0.3\nsearch corp.test\noptions timeout:1\n'
run rotate 'nameserver 127.0.0.1\nnameserver 127.0.0.3\nsearch corp.test\noptions timeout:1 rotate\n'
kill %1 %2 %3
EOF
unshare -n -m -u bash "$T/ns.sh" >"$T/ns.log" 2>&1 || t_fail "namespace run failed: $(cat "$T/ns.log")"
# No search line: the host's own domain first (Windows' primary DNS suffix), then the domain
# line; timeout:1 is honoured (glibc's default of 5 s would show).
read -r rc took _ <"$T/domain.rc"
t_assert_eq "$rc" 0 "exit with a domain line"
t_assert_eq "$(head -n 1 "$T/domain.out")" "live.lab.test $P 127.0.0.2" "primary suffix first"
((took < 4500)) || t_fail "timeout:1 not honoured: ${took} ms"
# A search line is used alone (glibc): the host's domain is not asked.
read -r rc took quiet_norotate <"$T/search.rc"
t_assert_eq "$rc" 0 "exit with a search line"
t_assert_eq "$(head -n 1 "$T/search.out")" "live.corp.test $P 127.0.0.2" "search list alone"
grep -q "_vlmcs._tcp.lab.test" "$T/search.err" && t_fail "lab.test asked with a search line"
# rotate: the first question (SRV) starts at the first server, the next (AAAA of the target) at
# the second, so the silent server is asked less often than without rotate.
read -r rc took quiet_rotate <"$T/rotate.rc"
t_assert_eq "$rc" 0 "exit with rotate"
t_log "questions to the silent server: $quiet_norotate without rotate, $quiet_rotate with"
((quiet_rotate < quiet_norotate)) || t_fail "rotate: every question went to the silent server first"
exit 0
