#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# systemd notification from the daemon, with a socket of the test's own as NOTIFY_SOCKET (the
# sd_notify protocol: one datagram per message): READY=1 with STATUS= after the first round
# (the records are published by then), RELOADING=1 then READY=1 around SIGHUP, WATCHDOG=1 at
# half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"
t_init "$@"
command -v python3 >/dev/null || t_skip "python3 not installed"
t_start_dns example.test

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
domains:
  - name: example.test
state: $T/pub.state
EOF

# The listener writes each datagram as one line (newlines shown as '|').
cat >"$T/listen.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(4096).decode().replace("\n", "|") + "\n")
EOF
sock="$T/notify.sock"
t_bg listener python3 "$T/listen.py" "$sock" "$T/notify.txt"
t_wait test -e "$sock.ready"

# The watchdog as systemd sets it up: WATCHDOG_USEC, and WATCHDOG_PID for the daemon itself
# (a wrapper shell execs the publisher so that the pid is the one systemd would name).
t_bg pub sh -c 'NOTIFY_SOCKET="$1" WATCHDOG_USEC=600000 WATCHDOG_PID=$$ exec "$2" -c "$3"' \
	sh "$sock" "$PUBLISHER" "$T/pub.yaml"
t_wait grep -q '^READY=1|STATUS=1 zone(s) ok, 0 failing$' "$T/notify.txt"
# Ready means published.
t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 0 1688 kms1.example.test." "SRV when ready"
t_wait grep -q '^WATCHDOG=1$' "$T/notify.txt"
kill -HUP "$(cat "$T/pub.pid")"
t_wait grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9]*$' "$T/notify.txt"
t_wait sh -c "grep -n . '$T/notify.txt' | grep -A100 RELOADING | grep -q ':READY=1$'"
t_bg_stop pub
t_assert_eq "$T_RC" 0 "daemon exit"
t_wait grep -q '^STOPPING=1$' "$T/notify.txt"
t_assert_eq "$(grep -c '^READY=1|STATUS=' "$T/notify.txt")" 1 "one readiness with status"
