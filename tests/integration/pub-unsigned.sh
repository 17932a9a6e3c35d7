#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# A server that answers every message with an unsigned NOERROR is not taken as success: the
# publisher exits 1, names the zone, server and cause, and records nothing in its state.
. "$(dirname "$0")/lib.sh"
t_init "$@"
port=$(t_free_port)
t_bg fake "$FAKE_DIR/fake-dns" "$port"
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$port"

for transport in tcp udp; do
	cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [127.0.0.1@$port]
hosts:
  - name: kms1.example.test
domains:
  - name: example.test
transport: $transport
timeout: 2s
state: $T/pub.state
EOF
	rc=0
	"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/$transport.log" 2>&1 || rc=$?
	t_assert_eq "$rc" 1 "exit code over $transport"
	t_assert_contains "$T/$transport.log" "failed to update zone example.test. at 127.0.0.1@$port (unsigned response to a signed request"
	t_assert_not_contains "$T/$transport.log" "applied"
	t_assert_not_contains "$T/$transport.log" "$T_KEY_SECRET"
done
exit 0
