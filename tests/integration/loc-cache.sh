#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The SRV answer is cached in the state file for its TTL: with the DNS server gone, a run with
# state still finds the host from the cache and a run without state finds nothing; once the
# TTL has passed (the clock moved on with libfaketime) the cache is no longer used.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
command -v faketime >/dev/null || t_skip "faketime not installed (Debian package faketime)"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
t_start_dns example.test

P=$(t_free_port)
loc_fake live 127.0.0.2 "$P" ack
t_nsupdate example.test <<EOF
update add live.example.test. 300 IN A 127.0.0.2
update add _vlmcs._tcp.example.test. 300 IN SRV 0 0 $P live.example.test.
EOF
ARGS=(-s "$DNS_SERVER" --state "$T/loc.state" -d example.test)
LIVE="live.example.test $P 127.0.0.2"

# later NAME SECONDS: loc_run with the clock moved SECONDS ahead.
later() {
	LOC_RC=0
	faketime -f "+$2s" "$KMS_LOCATE" "${ARGS[@]}" >"$T/$1.out" 2>"$T/$1.err" || LOC_RC=$?
}

loc_run first "${ARGS[@]}"
loc_expect first 0 "$LIVE"

t_stop_dns

loc_run cached "${ARGS[@]}"
loc_expect cached 0 "$LIVE"
later cached290 290
loc_expect cached290 0 "$LIVE"
loc_run nostate -s "$DNS_SERVER" --no-state -d example.test
loc_expect nostate 3
t_assert_contains "$T/nostate.err" "example.test"

# 310 s later the 300 s TTL has run out: the run has to ask the stopped server.
later expired 310
loc_expect expired 3
