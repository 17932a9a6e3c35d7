#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# kms-publisher --check-config and its unwind-style alias -n: OK or exit 2; with -v the
# effective configuration (every key, defaults filled in) with secrets shown as <hidden>, and
# neither secret anywhere in the output.
. "$(dirname "$0")/lib.sh"
t_init "$@"

INLINE_SECRET=$(t_secret 32)
cat >"$T/pub.yaml" <<EOF
keys:
  - name: inline-key
    secret: $INLINE_SECRET
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
zones:
  - name: example.test
    servers: [127.0.0.1@53]
    key: inline-key
  - name: other.test
    key: $T_KEY_NAME
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10, 2001:db8::10]
domains:
  - name: example.test
    weight: 10
state: $T/pub.state
EOF
chmod 600 "$T/pub.yaml" # it holds a secret (a looser mode warns: pub-config)

for flag in --check-config -n; do
	rc=0
	"$PUBLISHER" -c "$T/pub.yaml" $flag -v >"$T/check$flag.out" 2>&1 || rc=$?
	t_assert_eq "$rc" 0 "$flag -v exit code ($(head -c 500 "$T/check$flag.out"))"
	t_assert_contains "$T/check$flag.out" "configuration OK"
	# Defaults are filled in ...
	for line in "interval: 5m" "timeout: 3s" "ttl: 600" "primary-port: 53" "transport: tcp" \
		"withdraw-on-exit: true" "    port: 1688" "    priority: 0" "resolver: []"; do
		t_assert_contains "$T/check$flag.out" "$line"
	done
	# ... what the file says is there, the secret is not.
	t_assert_contains "$T/check$flag.out" "    secret: <hidden>"
	t_assert_contains "$T/check$flag.out" "    file: $T_KEY_FILE"
	t_assert_contains "$T/check$flag.out" "    weight: 10"
	t_assert_contains "$T/check$flag.out" "state: $T/pub.state"
	t_assert_not_contains "$T/check$flag.out" "$INLINE_SECRET"
	t_assert_not_contains "$T/check$flag.out" "$T_KEY_SECRET"
done
cmp -s "$T/check--check-config.out" "$T/check-n.out" || t_fail "-n and --check-config differ"

# Without -v: the one line.
"$PUBLISHER" -c "$T/pub.yaml" -n >"$T/quiet.out" 2>&1 || t_fail "-n: $(cat "$T/quiet.out")"
t_assert_eq "$(cat "$T/quiet.out")" "$T/pub.yaml: configuration OK" "-n without -v"

# The printed configuration is a configuration: with the secret put back it checks the same.
sed -n '/^keys:/,$p' "$T/check-n.out" | sed "s|<hidden>|$INLINE_SECRET|" >"$T/again.yaml"
chmod 600 "$T/again.yaml"
"$PUBLISHER" -c "$T/again.yaml" -n -v >"$T/again.out" 2>&1 || t_fail "printed configuration: $(cat "$T/again.out")"
diff <(tail -n +2 "$T/check-n.out" | sed 1d) <(tail -n +2 "$T/again.out" | sed 1d) >"$T/diff" ||
	t_fail "printed configuration loads differently: $(cat "$T/diff")"

# A bad file: exit 2 with file:line:column, whatever the flag.
printf 'keys:\n  - name: k\n    secret: %s\nttl: 0\n' "$INLINE_SECRET" >"$T/bad.yaml"
rc=0
"$PUBLISHER" -c "$T/bad.yaml" -n -v >"$T/bad.out" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "-n exit code for a bad configuration"
t_assert_contains "$T/bad.out" "$T/bad.yaml:4:6:"
t_assert_not_contains "$T/bad.out" "$INLINE_SECRET"
exit 0
