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

# daemon NAME: start it and wait until its first round is asking the silent primary
daemon() {
	before=$(grep -c '^query ' "$T/silent.trace")
	t_bg "$1" "$PUBLISHER" -c "$T/pub.yaml"
	asking() { (($(grep -c '^query ' "$T/silent.trace") > before)); }
	t_wait asking
}

# wait_exit PID: wait for the daemon to exit; exit code in T_RC
wait_exit() {
	T_RC=0
	wait "$1" || T_RC=$?
}

# SIGHUP and SIGTERM, logged by name; the bound: timeout (3 s) for the reads in flight,
# plus shutdown-timeout (1.5 s) for the withdrawal, plus 1.5 s of slack for a loaded machine.
# Times come from bash's own clock, with no fork inside the window (a loaded machine can
# stall one for seconds).
daemon one
pid=$(cat "$T/one.pid")
kill -HUP "$pid"
start=${EPOCHREALTIME//[^0-9]/}
kill -TERM "$pid"
wait_exit "$pid"
took=$(((${EPOCHREALTIME//[^0-9]/} - start) / 1000))
t_assert_eq "$T_RC" 1 "exit code after a failed withdrawal"
((took <= 6000)) || t_fail "SIGTERM took $took ms (bound: 3000 + 1500 + slack)"
t_assert_contains "$T/one.log" "SIGTERM: withdrawing own records"
t_assert_contains "$T/one.log" "zone(s) not withdrawn"

# A second signal exits at once.
for sig in TERM INT; do
	daemon "two$sig"
	pid=$(cat "$T/two$sig.pid")
	kill -TERM "$pid"
	# the first signal is taken before the second comes
	t_wait grep -q "SIGTERM" "$T/two$sig.log"
	start=${EPOCHREALTIME//[^0-9]/}
	kill "-$sig" "$pid"
	wait_exit "$pid"
	took=$(((${EPOCHREALTIME//[^0-9]/} - start) / 1000))
	t_assert_eq "$T_RC" 1 "exit code after a second SIG$sig"
	((took <= 1000)) || t_fail "a second SIG$sig took $took ms"
	t_assert_contains "$T/two$sig.log" "second signal: exiting at once"
done
exit 0
