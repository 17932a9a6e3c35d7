#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Foreign records at the shared SRV name survive publish, re-publish, a weight change, host
# removal (across a restart through the state file, and by SIGHUP in daemon mode), --withdraw
# and SIGTERM. A changed weight leaves exactly one record for the host.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test
SRV=_vlmcs._tcp.example.test
FOREIGN="0 0 1688 foreign.example.test."

t_nsupdate <<EOF
update add $SRV. 600 IN SRV $FOREIGN
update add $SRV. 600 IN SRV 5 0 1688 kms1.other.test.
update add foreign.example.test. 600 IN A 192.0.2.99
EOF

# config WEIGHT HOSTS...: write $T/pub.yaml
config() {
	local weight=$1 h
	shift
	{
		cat <<EOF
keys:
  - file: $T_KNOT_KEY_FILE
zones:
  - name: example.test
    servers: [$DNS_SERVER]
domains:
  - name: example.test
    weight: $weight
interval: 1h
state: $T/pub.state
hosts:
EOF
		for h in "$@"; do
			printf '  - name: %s.example.test\n    addresses: [192.0.2.%s]\n' "$h" "${h#kms}"
		done
	} >"$T/pub.yaml.new"
	mv "$T/pub.yaml.new" "$T/pub.yaml"
}

foreign_intact() {
	t_rrs $SRV SRV | grep -qxF "$FOREIGN" || t_fail "foreign SRV gone after $1"
	t_rrs $SRV SRV | grep -qxF "5 0 1688 kms1.other.test." || t_fail "foreign kms1.other.test SRV gone after $1"
	t_assert_eq "$(t_rrs foreign.example.test A)" "192.0.2.99" "foreign A after $1"
}

once() {
	"$PUBLISHER" -c "$T/pub.yaml" --once "$@" >>"$T/once.log" 2>&1 || t_fail "publish failed: $(tail -n 5 "$T/once.log")"
}

config 10 kms1 kms2
once
foreign_intact publish
t_assert_eq "$(t_count $SRV SRV)" 4 "records after publish"
once
foreign_intact re-publish
t_assert_eq "$(t_count $SRV SRV)" 4 "records after re-publish"

config 20 kms1 kms2
once
foreign_intact "weight change"
t_assert_eq "$(t_rrs $SRV SRV | grep -c ' kms1.example.test.$')" 1 "kms1 records after weight change"
t_assert_eq "$(t_rrs $SRV SRV | grep ' kms1.example.test.$')" "0 20 1688 kms1.example.test." "kms1 record"
t_assert_eq "$(t_count $SRV SRV)" 4 "records after weight change"

# host removed while no publisher ran: the state file says kms2 was ours
config 20 kms1
once
foreign_intact "host removal"
t_assert_eq "$(t_rrs $SRV SRV | grep -c kms2)" 0 "kms2 SRV after removal"
t_assert_eq "$(t_count kms2.example.test A)" 0 "kms2 A after removal"

# daemon: SIGHUP with a new host, then with a broken file, then removal, then SIGTERM
t_bg pub "$PUBLISHER" -c "$T/pub.yaml"
pid=$(cat "$T/pub.pid")
t_wait grep -q 'publishing every' "$T/pub.log" # signal handlers are installed
config 20 kms1 kms3
kill -HUP "$pid"
has_kms3() { t_rrs $SRV SRV | grep -q kms3; }
t_wait has_kms3
foreign_intact "SIGHUP add"
echo "hosts: [" >"$T/pub.yaml"
kill -HUP "$pid"
t_wait grep -q 'keeping the previous one' "$T/pub.log"
kill -0 "$pid" || t_fail "publisher died on a bad reload"
config 20 kms1
kill -HUP "$pid"
no_kms3() { ! t_rrs $SRV SRV | grep -q kms3; }
t_wait no_kms3
foreign_intact "SIGHUP removal"
t_assert_eq "$(t_count kms3.example.test A)" 0 "kms3 A after SIGHUP removal"
t_assert_eq "$(t_rrs $SRV SRV | grep -c kms1.example.test)" 1 "kms1 still published"
t_bg_stop pub TERM
t_assert_eq "$T_RC" 0 "exit code after SIGTERM"
foreign_intact SIGTERM
t_assert_eq "$(t_count $SRV SRV)" 2 "records after SIGTERM (foreign only)"
t_assert_eq "$(t_count kms1.example.test A)" 0 "kms1 A after SIGTERM"

once
t_assert_eq "$(t_count $SRV SRV)" 3 "records after publishing again"
"$PUBLISHER" -c "$T/pub.yaml" --withdraw >"$T/wd.log" 2>&1 || t_fail "withdraw: $(cat "$T/wd.log")"
foreign_intact --withdraw
t_assert_eq "$(t_count $SRV SRV)" 2 "records after --withdraw (foreign only)"
exit 0
