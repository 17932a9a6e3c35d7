#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Privilege drop: started as root with `user: nobody`, the daemon reads its root-only key
# file, then runs with nobody's uids and gids (/proc/PID/status) and still publishes; -u
# overrides the file; a user that does not exist stops it before any traffic (exit 2); JSON
# log lines with --log-format json.
. "$(dirname "$0")/lib.sh"
t_init "$@"
[ "$(id -u)" = 0 ] || t_skip "needs root to test the privilege drop"
nobody_uid=$(id -u nobody) && nobody_gid=$(id -g nobody) || t_skip "no user nobody"
t_start_dns example.test

# nobody must reach its state directory; the key file stays root-only (0600).
chmod 711 "$T"
mkdir "$T/state" && chown nobody: "$T/state"
cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
interval: 1s
user: nobody
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10]
domains:
  - name: example.test
state: $T/state/pub.state
EOF
[ "$(stat -c %a "$T_KEY_FILE")" = 600 ] || t_fail "key file is not root-only"

"$PUBLISHER" -c "$T/pub.yaml" -n >"$T/check.log" 2>&1 || t_fail "config check: $(cat "$T/check.log")"

t_bg pub "$PUBLISHER" -c "$T/pub.yaml" -v
pid=$(cat "$T/pub.pid")
published() { t_rrs _vlmcs._tcp.example.test SRV | grep -qxF "0 0 1688 kms1.example.test."; }
t_wait published
t_assert_contains "$T/pub.log" "running as user nobody"
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
groups=$(awk '/^Groups:/ {$1 = ""; print}' "/proc/$pid/status" | xargs)
t_assert_eq "$uids" "$nobody_uid $nobody_uid $nobody_uid $nobody_uid" "uids"
t_assert_eq "$gids" "$nobody_gid $nobody_gid $nobody_gid $nobody_gid" "gids"
t_assert_eq "$groups" "$nobody_gid" "supplementary groups"
[ "$(stat -c %U "$T/state/pub.state")" = nobody ] || t_fail "state file not written by nobody"
t_bg_stop pub
t_assert_eq "$T_RC" 0 "daemon exit"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 0 "withdrawn on exit as nobody"

# -u overrides the file: a user that does not exist is an error before any traffic.
rc=0
"$PUBLISHER" -c "$T/pub.yaml" --once -u no-such-user-kmsdns --log-format json >"$T/bad.log" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "exit code for an unknown user"
t_assert_contains "$T/bad.log" '"level":"error","program":"kms-publisher","msg":"failed to find user no-such-user-kmsdns'
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 0 "nothing published by the refused run"

# --once as nobody through -u, the configuration's user removed.
sed -i '/^user:/d' "$T/pub.yaml"
"$PUBLISHER" -c "$T/pub.yaml" --once -u nobody >"$T/once.log" 2>&1 || t_fail "once as nobody: $(cat "$T/once.log")"
t_wait published
