#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# kms-locate suffix handling on a real server: suffixes are searched in order (NXDOMAIN, no SRV,
# "." and SERVFAIL move on to the next), merge first/all, lookup-domain replaces the list,
# per-suffix DNS servers, exit 3 with every suffix's reason, targets without glue resolved by
# A queries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
# broken.test is configured but its zone file is garbage: the server answers SERVFAIL for it.
t_prepare_dns a.test b.test c.test dot.test nodata.test broken.test
echo 'this is not a zone file' >"$T/dns/zones/broken.test.zone"
DNS_ZONES=(a.test b.test c.test dot.test nodata.test)
t_run_dns
kdig @127.0.0.1 -p "$DNS_PORT" +tcp _vlmcs._tcp.broken.test SRV | grep -q 'status: SERVFAIL' ||
	t_fail "broken.test does not SERVFAIL"

P=$(t_free_port)
loc_fake hb 127.0.0.21 "$P" ack
loc_fake hc 127.0.0.22 "$P" ack
t_nsupdate b.test <<EOF
update add hb.b.test. 300 IN A 127.0.0.21
update add _vlmcs._tcp.b.test. 300 IN SRV 0 0 $P hb.b.test.
EOF
# c.test's target lives in b.test: no glue from c.test's zone, so an A query finds it.
t_nsupdate b.test <<EOF
update add hc.b.test. 300 IN A 127.0.0.22
EOF
t_nsupdate c.test <<EOF
update add _vlmcs._tcp.c.test. 300 IN SRV 5 0 $P hc.b.test.
EOF
t_nsupdate dot.test <<EOF
update add _vlmcs._tcp.dot.test. 300 IN SRV 0 0 0 .
EOF
# An SRV record below the name makes _vlmcs._tcp.nodata.test an empty non-terminal: NODATA.
t_nsupdate nodata.test <<EOF
update add x._vlmcs._tcp.nodata.test. 300 IN SRV 0 0 $P hb.b.test.
EOF
HB="hb.b.test $P 127.0.0.21"
HC="hc.b.test $P 127.0.0.22"
ARGS=(-s "$DNS_SERVER" --no-state -v)

# Order: nothing in the first four suffixes, records in b.test; c.test is not asked (first).
loc_run order "${ARGS[@]}" -d a.test -d dot.test -d nodata.test -d broken.test -d b.test -d c.test
loc_expect order 0 "$HB"
t_assert_contains "$T/order.err" "_vlmcs._tcp.a.test.: NXDOMAIN"
t_assert_contains "$T/order.err" "_vlmcs._tcp.dot.test.: ."
t_assert_contains "$T/order.err" "_vlmcs._tcp.nodata.test.: no SRV"
t_assert_contains "$T/order.err" "_vlmcs._tcp.broken.test.: SERVFAIL"
t_assert_contains "$T/order.err" "_vlmcs._tcp.b.test.: records"
t_assert_not_contains "$T/order.err" "c.test"
loc_run order2 "${ARGS[@]}" -d c.test -d b.test
loc_expect order2 0 "$HC"

# No records anywhere: exit 3, each suffix with its reason.
loc_run none -s "$DNS_SERVER" --no-state -d a.test -d dot.test -d nodata.test -d broken.test
loc_expect none 3
for r in "a.test.: NXDOMAIN" "dot.test.: ." "nodata.test.: no SRV" "broken.test.: SERVFAIL"; do
	t_assert_contains "$T/none.err" "$r"
done
[ ! -s "$T/none.out" ] || t_fail "output despite no records: $(cat "$T/none.out")"

# merge: all joins the suffixes (priority 0 from b.test before 5 from c.test).
loc_conf "$T/all.yaml" <<EOF
servers: [$DNS_SERVER]
domains: [{name: b.test}, {name: c.test}]
merge: all
state: none
EOF
loc_run merge -c "$T/all.yaml" --all
loc_expect merge 0 "0 0 $P hb.b.test 127.0.0.21 unknown b.test"
t_assert_eq "$(sed -n 2p "$T/merge.out")" "5 0 $P hc.b.test 127.0.0.22 unknown c.test" "second line"
loc_run mjson -c "$T/all.yaml" --all --json
loc_expect mjson 0
python3 - "$T/mjson.out" <<'PY' || t_fail "bad JSON: $(cat "$T/mjson.out")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [c["source"] for c in d["candidates"]] == ["b.test", "c.test"], d
assert d["candidates"][1]["addresses"] == ["127.0.0.22"], d
assert [s["result"] for s in d["suffixes"]] == ["records", "records"], d
PY

# lookup-domain replaces the suffix list.
loc_conf "$T/ld.yaml" <<EOF
servers: [$DNS_SERVER]
lookup-domain: c.test
domains: [{name: b.test}]
state: none
EOF
loc_run ld -c "$T/ld.yaml" --all
loc_expect ld 0 "5 0 $P hc.b.test 127.0.0.22 unknown c.test"
[ "$(wc -l <"$T/ld.out")" = 1 ] || t_fail "lookup-domain did not replace the list: $(cat "$T/ld.out")"

# Per-suffix server: the global servers are a closed port; only c.test has a working one.
CLOSED=$(t_free_port)
loc_conf "$T/ps.yaml" <<EOF
servers: [127.0.0.1@$CLOSED]
domains:
  - name: b.test
  - name: c.test
    server: $DNS_SERVER
state: none
EOF
loc_run ps -c "$T/ps.yaml" -v
loc_expect ps 0 "$HC"
t_assert_contains "$T/ps.err" "_vlmcs._tcp.b.test.: "
t_assert_not_contains "$T/ps.err" "_vlmcs._tcp.b.test.: records"

# -d on the command line replaces the file's list (and its lookup-domain).
loc_run cli -c "$T/ld.yaml" -d b.test
loc_expect cli 0 "$HB"
exit 0
