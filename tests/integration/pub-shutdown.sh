#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# SIGTERM with a silent primary (tests/fake/dns-proxy --silent accepts and never answers):
# the daemon exits within `timeout` for the exchanges in flight plus `shutdown-timeout` for
# the one withdrawal it tries, exit 1 since that withdrawal failed; signals are logged by
# name; a second SIGTERM or SIGINT exits at once.
. "$(dirname "$0")/lib.sh"
t_init "$@"
PORT=$(t_free_port)
t_bg silent "$FAKE_DIR/dns-proxy" "$PORT" 9 --silent --log "$T/silent.trace"
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT"

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [127.0.0.1@$PORT]
  - name: other.test
    servers: [127.0.0.1@$PORT]
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
domains:
  - name: example.test
  - name: other.test
interval: 1h
timeout: 3s
shutdown-timeout: 1500ms
state: $T/pub.state
EOF
chmod 600 "$T/pub.yaml"

now_ms() { date +%s%3N; }

# daemon NAME: start it and wait until its first round is asking the silent primary
daemon() {
	before=$(grep -c '^query ' "$T/silent.trace")
	t_bg "$1" "$PUBLISHER" -c "$T/pub.yaml"
	asking() { (($(grep -c '^query ' "$T/silent.trace") > before)); }
	t_wait asking
}

# wait_exit NAME: wait for it to exit (bounded by T_WAIT); exit code in T_RC
wait_exit() {
	local pid
	pid=$(cat "$T/$1.pid")
	T_RC=0
	wait "$pid" || T_RC=$?
}

# SIGHUP and SIGTERM, logged by name; the bound: timeout (3 s) for the reads in flight,
# plus shutdown-timeout (1.5 s) for the withdrawal, plus 1.5 s of slack for a loaded machine.
daemon one
kill -HUP "$(cat "$T/one.pid")"
start=$(now_ms)
kill -TERM "$(cat "$T/one.pid")"
wait_exit one
took=$(($(now_ms) - start))
t_assert_eq "$T_RC" 1 "exit code after a failed withdrawal"
((took <= 6000)) || t_fail "SIGTERM took $took ms (bound: 3000 + 1500 + slack)"
t_assert_contains "$T/one.log" "SIGTERM: withdrawing own records"
t_assert_contains "$T/one.log" "zone(s) not withdrawn"

# A second signal exits at once.
for sig in TERM INT; do
	daemon "two$sig"
	kill -TERM "$(cat "$T/two$sig.pid")"
	# the first signal is taken before the second comes
	t_wait grep -q "SIGTERM" "$T/two$sig.log"
	start=$(now_ms)
	kill "-$sig" "$(cat "$T/two$sig.pid")"
	wait_exit "two$sig"
	took=$(($(now_ms) - start))
	t_assert_eq "$T_RC" 1 "exit code after a second SIG$sig"
	((took <= 1000)) || t_fail "a second SIG$sig took $took ms"
	t_assert_contains "$T/two$sig.log" "second signal: exiting at once"
done
exit 0
