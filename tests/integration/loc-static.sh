#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# kms-locate without DNS: a static host needs no server (every DNS server given is a closed
# port), the probe still decides; command-line and configuration errors exit 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"

P=$(t_free_port)
CLOSED=$(t_free_port)
loc_fake kms 127.0.0.31 "$P" ack
loc_fake tcponly 127.0.0.32 "$P" garbage

# --static with DNS pointing nowhere.
loc_run s1 --static "127.0.0.31:$P" -s "127.0.0.1@$CLOSED" -d example.test --no-state
loc_expect s1 0 "127.0.0.31 $P 127.0.0.31"
# static: in the file wins over the file's domains and servers.
loc_conf "$T/static.yaml" <<EOF
static: "127.0.0.31:$P"
servers: [127.0.0.1@$CLOSED]
domains: [{name: example.test}]
state: $T/static.state
EOF
loc_run s2 -c "$T/static.yaml" --json
loc_expect s2 0 "{\"target\":\"127.0.0.31\",\"port\":$P,\"address\":\"127.0.0.31\",\"priority\":0,\"weight\":0,\"source\":\"\"}"
t_assert_contains "$T/static.state" "sticky - 127.0.0.31 $P"
loc_run s3 -c "$T/static.yaml" --all
loc_expect s3 0 "0 0 $P 127.0.0.31 127.0.0.31 sticky -"
# -d on the command line asks for discovery: the file's static host gives way (and the only
# DNS server is a closed port, so no suffix has records).
loc_run dcli -c "$T/static.yaml" -d example.test
loc_expect dcli 3
t_assert_contains "$T/dcli.err" "_vlmcs._tcp.example.test.: "

# A listener that is not a KMS host is not alive for the rpc probe, but is for tcp.
loc_run notkms --static "127.0.0.32:$P" --no-state
loc_expect notkms 1
loc_run tcp --static "127.0.0.32:$P" --no-state --probe tcp
loc_expect tcp 0 "127.0.0.32 $P 127.0.0.32"
# Refused: exit 1 and the host is remembered as dead.
loc_run refused --static "127.0.0.33:$CLOSED" --state "$T/r.state"
loc_expect refused 1
t_assert_contains "$T/r.state" "dead 127.0.0.33 $CLOSED"
# probe none: no connection at all, the host is printed as is.
loc_run none --static "127.0.0.33:$CLOSED" --no-state --probe none
loc_expect none 0 "127.0.0.33 $CLOSED 127.0.0.33"

# A state file of another format is ignored with a warning and replaced; a damaged line costs
# that line only: the dead mark on the next line still counts.
printf 'kmsdns-locate-state 9\nsticky 127.0.0.31\n' >"$T/bad.state"
loc_run damaged --static "127.0.0.31:$P" --state "$T/bad.state"
loc_expect damaged 0 "127.0.0.31 $P 127.0.0.31"
t_assert_contains "$T/damaged.err" "ignored corrupt state file $T/bad.state"
t_assert_contains "$T/bad.state" "sticky - 127.0.0.31 $P"
[ "$(grep -c 'state file' "$T/damaged.err")" = 1 ] || t_fail "warned more than once: $(cat "$T/damaged.err")"
printf 'kmsdns-locate-state 2\nsticky 127.0.0.31\ndead 127.0.0.31 %s %s\nend\n' "$P" \
	$(($(date +%s) + 100)) >"$T/line.state"
loc_run line --static "127.0.0.31:$P" --state "$T/line.state" --all
loc_expect line 0 "0 0 $P 127.0.0.31 127.0.0.31 dead -"
t_assert_contains "$T/line.err" "damaged state file $T/line.state (line 2: unknown line"

# Usage and configuration errors: exit 2, the error names file:line:column.
loc_run missing -c "$T/does-not-exist.yaml" --static "127.0.0.31:$P"
loc_expect missing 2
t_assert_contains "$T/missing.err" "does-not-exist.yaml"
printf 'probe: rpc\nstatc: 127.0.0.31\n' >"$T/typo.yaml"
loc_run typo -c "$T/typo.yaml"
loc_expect typo 2
t_assert_contains "$T/typo.err" "typo.yaml:2:1: unknown key 'statc'"
loc_run badprobe --static 127.0.0.31 --probe icmp
loc_expect badprobe 2
loc_run both --static 127.0.0.31 --state "$T/x" --no-state
loc_expect both 2
loc_run badstatic --static "kms:99999"
loc_expect badstatic 2
loc_run extra --static 127.0.0.31 surplus
loc_expect extra 2
loc_run version --version
loc_expect version 0 "kms-locate $(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")"
exit 0
