#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: knot
# A damaged state file: every good line is kept, each bad one reported with its line number,
# the file as it was copied to .bad, and a host removed from the configuration meanwhile is
# still withdrawn. When no copy can be kept, the file is never saved over (and nothing is
# published that it could not record). Records are entered before their UPDATE is sent: one
# the server applied without its answer reaching us is withdrawn later all the same.
# --check-config checks the state file's directory.
# (The state file is the publisher's own: one server kind is enough.)
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test
SRV=_vlmcs._tcp.example.test
STATE=$T/pub.state

conf() { # conf HOST...
	local h
	{
		cat <<EOT
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
zones:
  - name: example.test
    servers: [${SERVER_OVERRIDE:-$DNS_SERVER}]
domains:
  - name: example.test
timeout: 2s
state: ${STATE_OVERRIDE:-$STATE}
hosts:
EOT
		for h in "$@"; do
			printf '  - name: %s.example.test\n    addresses: [192.0.2.%s]\n' "$h" "${h#kms}"
		done
	} >"$T/pub.yaml"
	chmod 600 "$T/pub.yaml"
}

conf kms1 kms2
"$PUBLISHER" -c "$T/pub.yaml" --once || t_fail "publish"
t_assert_eq "$(t_count $SRV SRV)" 2 "published"

# Damage: a line of garbage and a broken record among the good ones; kms2 leaves the
# configuration meanwhile.
awk 'NR == 4 {print "garbage"} {print} END {print "kms9.example.test. 600 IN A 192.0.2"}' \
	"$STATE" >"$T/damaged"
cp "$T/damaged" "$STATE"
conf kms1
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/damaged.log" 2>&1 || t_fail "run on a damaged state file: $(cat "$T/damaged.log")"
t_assert_contains "$T/damaged.log" "state file $STATE:4: "
t_assert_contains "$T/damaged.log" "state file $STATE:$(wc -l <"$T/damaged"): "
t_assert_contains "$T/damaged.log" "2 bad line(s) skipped"
t_assert_contains "$T/damaged.log" "$STATE.bad"
cmp -s "$T/damaged" "$STATE.bad" || t_fail "$STATE.bad is not the damaged file"
t_assert_eq "$(t_rrs $SRV SRV)" "0 0 1688 kms1.example.test." "kms2 withdrawn"
t_assert_eq "$(t_count kms2.example.test A)" 0 "kms2's address withdrawn"
t_assert_not_contains "$STATE" "garbage"
t_assert_not_contains "$STATE" "kms2"
t_assert_contains "$STATE" "kms1.example.test. 600 IN A 192.0.2.1"

# No copy possible (a directory in the way): the file is never written over, and the host
# that would have to be entered there first is not published.
rm -f "$STATE.bad"
mkdir "$STATE.bad"
cp "$T/damaged" "$STATE"
conf kms1 kms3
rc=0
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/locked.log" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "exit code when the damaged state file cannot be copied"
t_assert_contains "$T/locked.log" "failed to keep a copy of the damaged state file $STATE"
t_assert_contains "$T/locked.log" "not written"
cmp -s "$T/damaged" "$STATE" || t_fail "the damaged state file was written over"
t_assert_eq "$(t_count kms3.example.test A)" 0 "kms3 published without a state file to record it"

# The server applies an UPDATE but its answer never comes (as if the publisher died right
# after sending it): the records were entered in the state file first, so a later run
# withdraws them once their host leaves the configuration.
rmdir "$STATE.bad"
rm -f "$STATE"
PROXY=$(t_free_port)
t_bg lost "$FAKE_DIR/dns-proxy" "$PROXY" "$DNS_PORT" --drop-update-answers
t_wait bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROXY"
SERVER_OVERRIDE=127.0.0.1@$PROXY conf kms1 kms4
rc=0
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/lost.log" 2>&1 || rc=$?
t_assert_eq "$rc" 1 "exit code when no UPDATE answer comes ($(cat "$T/lost.log"))"
t_assert_eq "$(t_rrs kms4.example.test A)" "192.0.2.4" "kms4's address applied by the server"
t_assert_contains "$STATE" "kms4.example.test. 600 IN A 192.0.2.4"
conf kms1
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/after.log" 2>&1 || t_fail "withdrawing kms4: $(cat "$T/after.log")"
t_assert_eq "$(t_rrs kms1.example.test A)" "192.0.2.1" "kms1's address (the server answers)"
t_assert_eq "$(t_count kms4.example.test A)" 0 "kms4's address withdrawn"
t_assert_not_contains "$STATE" "kms4"

# --check-config: the state directory must exist and be a directory.
STATE_OVERRIDE=$T/no-such-dir/pub.state conf kms1
rc=0
"$PUBLISHER" -c "$T/pub.yaml" --check-config >"$T/nodir.log" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "check-config exit code without the state directory"
t_assert_contains "$T/nodir.log" "its directory $T/no-such-dir does not exist"
: >"$T/file"
STATE_OVERRIDE=$T/file/pub.state conf kms1
rc=0
"$PUBLISHER" -c "$T/pub.yaml" --check-config >"$T/notdir.log" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "check-config exit code when the state directory is a file"
t_assert_contains "$T/notdir.log" "$T/file is not a directory"
exit 0
