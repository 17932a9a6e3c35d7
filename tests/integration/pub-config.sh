#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# Configuration checks of issue 6: UTF-8 names refused with their A-label; more SRV records at
# one name than one answer holds refused; secrets readable by group or others warned about
# (an error with --strict-permissions or strict: true); a TSIG secret pasted into any other
# field never echoed, neither by --check-config nor in the daemon's log on SIGHUP.
. "$(dirname "$0")/lib.sh"
t_init "$@"
SECRET=$T_KEY_SECRET

# base [EXTRA...]: a valid configuration, plus extra lines at the end
base() {
	cat <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $SECRET
zones:
  - name: example.test
    servers: [127.0.0.1@$(t_free_port)]
hosts:
  - name: kms1.example.test
domains:
  - name: example.test # the domain
interval: 1h
timeout: 200ms
state: $T/pub.state
EOF
	local line
	for line in "$@"; do printf '%s\n' "$line"; done
}

check() { # check FILE: exit code in RC, output in FILE.out
	RC=0
	"$PUBLISHER" -c "$1" --check-config "${@:2}" >"$1.out" 2>&1 || RC=$?
}

# UTF-8 names: refused, with the A-label to write instead.
base | sed 's/kms1.example.test/kms-ü.example.test/' >"$T/utf8-host.yaml"
check "$T/utf8-host.yaml"
t_assert_eq "$RC" 2 "exit code for a UTF-8 host name"
t_assert_contains "$T/utf8-host.yaml.out" "'kms-ü.example.test' is not an ASCII domain name: write it in its A-label form xn--kms--3ra.example.test"
base | sed 's/^  - name: example.test # the domain$/  - name: bücher.example/' >"$T/utf8-domain.yaml"
check "$T/utf8-domain.yaml"
t_assert_eq "$RC" 2 "exit code for a UTF-8 domain"
t_assert_contains "$T/utf8-domain.yaml.out" "xn--bcher-kva.example"

# More SRV records at one name than one 64 KiB answer holds: refused.
{
	base | sed '/^hosts:/,/^  - name: kms1/d'
	echo "hosts:"
	for ((i = 1; i <= 1700; i++)); do echo "  - name: kms$i.example.test"; done
} >"$T/huge.yaml"
check "$T/huge.yaml"
t_assert_eq "$RC" 2 "exit code for 1700 hosts in one domain ($(head -c 300 "$T/huge.yaml.out"))"
t_assert_contains "$T/huge.yaml.out" "1700 SRV records at _vlmcs._tcp.example.test make an answer of about"
t_assert_contains "$T/huge.yaml.out" "clients could not read the RRset"

# Permissions: a file holding a secret, readable by others.
base >"$T/perm.yaml"
chmod 644 "$T/perm.yaml"
check "$T/perm.yaml"
t_assert_eq "$RC" 0 "exit code with a readable secret (a warning)"
t_assert_contains "$T/perm.yaml.out" "$T/perm.yaml: holds a TSIG secret and is readable by group or others (mode 0644): run chmod 600 $T/perm.yaml"
check "$T/perm.yaml" --strict-permissions
t_assert_eq "$RC" 2 "exit code with --strict-permissions"
base "strict: true" >"$T/strict.yaml"
chmod 640 "$T/strict.yaml"
check "$T/strict.yaml"
t_assert_eq "$RC" 2 "exit code with strict: true"
t_assert_contains "$T/strict.yaml.out" "(strict permissions)"
chmod 600 "$T/perm.yaml"
check "$T/perm.yaml" --strict-permissions
t_assert_eq "$RC" 0 "exit code with mode 0600 and strict permissions"
t_assert_not_contains "$T/perm.yaml.out" "readable by group"
# a key file
chmod 640 "$T_KEY_FILE"
base | sed "s|    secret: $SECRET|    file: $T_KEY_FILE|" >"$T/keyfile.yaml"
check "$T/keyfile.yaml"
t_assert_eq "$RC" 0 "exit code with a readable key file"
t_assert_contains "$T/keyfile.yaml.out" "key file $T_KEY_FILE is readable by group or others (mode 0640): run chmod 600 $T_KEY_FILE"
chmod 600 "$T_KEY_FILE"

# A secret pasted into every other field: the error names the field and the line, never
# the value.
variants=(
	"s|  - name: $T_KEY_NAME|  - name: $SECRET|"
	"s|    secret: $SECRET|    secret: $SECRET\n    algorithm: $SECRET|"
	"s|    secret: $SECRET|    file: $SECRET|"
	"s|    servers: \[.*\]|    servers: [$SECRET]|"
	"s|    servers: \[.*\]|&\n    key: $SECRET|"
	"s|^interval: 1h|interval: $SECRET|"
	"s|^timeout: .*|timeout: $SECRET|"
	"s|^state: .*|&\nresolver: [$SECRET]|"
	"s|^state: .*|&\nttl: $SECRET|"
	"s|^state: .*|&\n$SECRET: 1|"
	"s|^state: .*|&\nprimary-port: $SECRET|"
	"s|^state: .*|&\ntransport: $SECRET|"
	"s|^state: .*|&\nwithdraw-on-exit: $SECRET|"
	"s|  - name: kms1.example.test|  - name: $SECRET|"
	"s|  - name: kms1.example.test|&\n    addresses: [$SECRET]|"
	"s|  - name: kms1.example.test|&\n    port: $SECRET|"
	"s|^  - name: example.test # the domain$|  - name: $SECRET|"
	"s|^  - name: example.test # the domain$|&\n    weight: $SECRET|"
)
i=0
for v in "${variants[@]}"; do
	i=$((i + 1))
	base | sed "$v" >"$T/secret$i.yaml"
	chmod 600 "$T/secret$i.yaml"
	check "$T/secret$i.yaml"
	t_assert_eq "$RC" 2 "exit code, secret in field $i ($(head -c 300 "$T/secret$i.yaml.out"))"
	t_assert_not_contains "$T/secret$i.yaml.out" "$SECRET"
	grep -q ":[0-9]*:[0-9]*:" "$T/secret$i.yaml.out" || grep -q "load key file" "$T/secret$i.yaml.out" ||
		t_fail "no line:column for field $i: $(cat "$T/secret$i.yaml.out")"
done

# The same on SIGHUP: each bad file is refused, the daemon keeps running, and its log holds
# no secret.
base >"$T/daemon.yaml"
chmod 600 "$T/daemon.yaml"
t_bg daemon "$PUBLISHER" -c "$T/daemon.yaml"
t_wait grep -q 'publishing every' "$T/daemon.log"
i=0
for v in "${variants[@]}"; do
	i=$((i + 1))
	cp "$T/secret$i.yaml" "$T/daemon.yaml"
	kill -HUP "$(cat "$T/daemon.pid")"
	reloaded() { (($(grep -c 'keeping the previous one' "$T/daemon.log") >= i)); }
	t_wait reloaded
done
kill -0 "$(cat "$T/daemon.pid")" || t_fail "the daemon died on a bad reload"
t_assert_contains "$T/daemon.log" "SIGHUP"
t_assert_not_contains "$T/daemon.log" "$SECRET"
t_bg_stop daemon TERM
t_assert_not_contains "$T/daemon.log" "$SECRET"
exit 0
