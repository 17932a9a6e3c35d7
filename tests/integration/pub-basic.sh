#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# 2 hosts x 2 domains with different priority/weight: published, read back, re-publish is a
# no-op, --withdraw removes them; the zone of the second domain is found by SOA discovery.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test other.test

cat >"$T/pub.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    file: $T_KEY_FILE
zones:
  - name: example.test
    servers: [$DNS_SERVER]
resolver: [$DNS_SERVER]
primary-port: $DNS_PORT
hosts:
  - name: kms1.example.test
    addresses: [192.0.2.10, 2001:db8::10]
  - name: KMS2.example.test
    port: 1700
    addresses: [192.0.2.20]
domains:
  - name: example.test
    priority: 0
    weight: 60
  - name: other.test
    priority: 10
    weight: 5
state: $T/pub.state
EOF

"$PUBLISHER" -c "$T/pub.yaml" --check-config >"$T/check.log" 2>&1 || t_fail "config check: $(cat "$T/check.log")"
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/once.log" 2>&1 || t_fail "publish failed: $(cat "$T/once.log")"

t_assert_eq "$(t_rrs _vlmcs._tcp.example.test SRV)" "0 60 1688 kms1.example.test.
0 60 1700 kms2.example.test." "SRV example.test"
t_assert_eq "$(t_rrs _vlmcs._tcp.other.test SRV)" "10 5 1688 kms1.example.test.
10 5 1700 kms2.example.test." "SRV other.test"
t_assert_eq "$(t_rrs kms1.example.test A)" "192.0.2.10" "kms1 A"
t_assert_eq "$(t_rrs kms1.example.test AAAA)" "2001:db8::10" "kms1 AAAA"
t_assert_eq "$(t_rrs kms2.example.test A)" "192.0.2.20" "kms2 A"
t_assert_eq "$(t_count kms2.example.test AAAA)" 0 "kms2 AAAA"
# The state file is zone-file syntax; each record sits under the $ORIGIN of its zone.
t_assert_eq "$(awk '/^\$ORIGIN /{z=$2} /^_vlmcs._tcp.other.test. /{print z}' "$T/pub.state" | sort -u)" "other.test." "zone of the other.test SRV records in the state file"
t_assert_eq "$(awk '/^\$ORIGIN /{z=$2} /^kms1.example.test. /{print z}' "$T/pub.state" | sort -u)" "example.test." "zone of kms1's addresses in the state file"
t_assert_contains "$T/pub.state" "_vlmcs._tcp.other.test. 600 IN SRV 10 5 1700 kms2.example.test."

# Nothing differs: nothing is sent (dry run prints no message, a real run applies nothing).
"$PUBLISHER" -c "$T/pub.yaml" --once --dry-run >"$T/dry.out" 2>"$T/dry.log" || t_fail "dry run: $(cat "$T/dry.log")"
t_assert_not_contains "$T/dry.out" "update"
"$PUBLISHER" -c "$T/pub.yaml" --once -v >"$T/again.log" 2>&1 || t_fail "re-publish: $(cat "$T/again.log")"
t_assert_not_contains "$T/again.log" "change(s) applied"

# Withdraw: dry run shows the deletes without the secret, then the real one removes all.
"$PUBLISHER" -c "$T/pub.yaml" --withdraw --dry-run >"$T/wdry.out" 2>&1 || t_fail "withdraw dry run"
t_assert_contains "$T/wdry.out" "update delete _vlmcs._tcp.example.test. SRV 0 60 1688 kms1.example.test."
t_assert_not_contains "$T/wdry.out" "$T_KEY_SECRET"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 2 "dry run changed nothing"
"$PUBLISHER" -c "$T/pub.yaml" --withdraw >"$T/wd.log" 2>&1 || t_fail "withdraw: $(cat "$T/wd.log")"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 0 "SRV example.test after withdraw"
t_assert_eq "$(t_count _vlmcs._tcp.other.test SRV)" 0 "SRV other.test after withdraw"
t_assert_eq "$(t_count kms1.example.test A)" 0 "kms1 A after withdraw"
t_assert_eq "$(t_count kms1.example.test AAAA)" 0 "kms1 AAAA after withdraw"

# UDP transport against the real server gives the same result.
echo "transport: udp" >>"$T/pub.yaml"
"$PUBLISHER" -c "$T/pub.yaml" --once >"$T/udp.log" 2>&1 || t_fail "publish over UDP: $(cat "$T/udp.log")"
t_assert_eq "$(t_count _vlmcs._tcp.example.test SRV)" 2 "SRV example.test over UDP"
t_assert_eq "$(t_count _vlmcs._tcp.other.test SRV)" 2 "SRV other.test over UDP"

# Usage and configuration errors exit 2 and name file:line:column.
rc=0; "$PUBLISHER" --once --withdraw >/dev/null 2>&1 || rc=$?
t_assert_eq "$rc" 2 "exit code for conflicting modes"
rc=0; "$PUBLISHER" -c "$T/pub.yaml" --dry-run >/dev/null 2>&1 || rc=$?
t_assert_eq "$rc" 2 "exit code for --dry-run alone"
printf 'keys:\n  - name: k\n    secret: c2VjcmV0\nhosts:\n  - name: a.example.test\n    port: 99999\n' >"$T/bad.yaml"
rc=0; "$PUBLISHER" -c "$T/bad.yaml" --check-config >"$T/bad.log" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "exit code for a bad configuration"
t_assert_contains "$T/bad.log" "$T/bad.yaml:6:11:"
# Without -c the configuration comes from $sysconfdir/kmsdns/publisher.yaml.
sysconfdir=$(sed -n "s/^sysconfdir='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")
prefix=$(sed -n "s/^prefix='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")
default=${sysconfdir//\$\{prefix\}/$prefix}/kmsdns/publisher.yaml
if [ ! -e "$default" ]; then
	rc=0; "$PUBLISHER" --check-config >"$T/default.log" 2>&1 || rc=$?
	t_assert_eq "$rc" 2 "exit code without the default configuration file"
	t_assert_contains "$T/default.log" "$default"
fi
t_assert_eq "$("$PUBLISHER" --version)" "kms-publisher $(sed -n "s/^PACKAGE_VERSION='\(.*\)'$/\1/p" "$abs_top_builddir/config.log")" "--version"
# -q: only errors; a successful run prints nothing.
"$PUBLISHER" -c "$T/pub.yaml" --once -q >"$T/quiet.log" 2>&1 || t_fail "quiet run failed"
[ ! -s "$T/quiet.log" ] || t_fail "-q printed: $(cat "$T/quiet.log")"
exit 0
