#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: knot
# A SIGHUP that comes while a round is talking to the primary is acted on when that round
# ends, not at the next timer: behind tests/fake/dns-proxy --delay (a slow primary) the
# first round takes over a second, the signal comes during it, and the new host is
# published although the interval is an hour.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test
PROXY=$(t_free_port)
t_bg proxy "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --delay 700 --log "$T/proxy.trace"
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"

# config HOSTS...: write $T/pub.yaml
config() {
	local h
	{
		cat <<EOF
keys:
  - file: $T_KNOT_KEY_FILE
zones:
  - name: example.test
    servers: [127.0.0.1@$PROXY]
domains:
  - name: example.test
interval: 1h
timeout: 5s
state: $T/pub.state
hosts:
EOF
		for h in "$@"; do
			printf '  - name: %s.example.test\n    addresses: [192.0.2.%s]\n' "$h" "${h#kms}"
		done
	} >"$T/pub.yaml.new"
	mv "$T/pub.yaml.new" "$T/pub.yaml"
}

config kms1
t_bg pub "$PUBLISHER" -c "$T/pub.yaml"
# the first round is asking the slow primary: the signal comes in the middle of it
t_wait grep -q '^query ' "$T/proxy.trace"
config kms1 kms2
kill -HUP "$(cat "$T/pub.pid")"
t_wait grep -q "configuration reloaded" "$T/pub.log"
has_kms2() { t_rrs _vlmcs._tcp.example.test SRV | grep -q ' kms2.example.test.$'; }
t_wait has_kms2
t_assert_eq "$(t_rrs kms2.example.test A)" "192.0.2.2" "kms2 A after the reload"
exit 0
