#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A wrong secret and a key the server knows but does not permit give exit 1 and a message
# naming the zone, the server and the cause; a zone that fails does not stop the others.
. "$(dirname "$0")/lib.sh"
t_init "$@"
t_start_dns example.test other.test
SRV=_vlmcs._tcp

# run NAME: publish once with $T/NAME.yaml; output in $T/NAME.log; exit code in RC
run() {
	RC=0
	"$PUBLISHER" -c "$T/$1.yaml" --once >"$T/$1.log" 2>&1 || RC=$?
}

# conf NAME KEYNAME SECRET [ZONE]
conf() {
	cat >"$T/$1.yaml" <<EOF
keys:
  - name: $2
    secret: $3
zones:
  - name: ${4:-example.test}
    servers: [$DNS_SERVER]
hosts:
  - name: kms1.${4:-example.test}
domains:
  - name: ${4:-example.test}
state: $T/$1.state
EOF
}

conf badsecret "$T_KEY_NAME" "$T_BAD_SECRET"
run badsecret
t_assert_eq "$RC" 1 "exit code with a wrong secret"
t_assert_contains "$T/badsecret.log" "failed to update zone example.test. at $DNS_SERVER (authentication failed: NOTAUTH, TSIG BADSIG"
t_assert_contains "$T/badsecret.log" "wrong secret"
t_assert_not_contains "$T/badsecret.log" "$T_BAD_SECRET"
t_assert_eq "$(t_count $SRV.example.test SRV)" 0 "records after a wrong secret"

conf unknown no-such-key "$T_KEY_SECRET"
run unknown
t_assert_eq "$RC" 1 "exit code with an unknown key name"
t_assert_contains "$T/unknown.log" "(authentication failed: NOTAUTH, TSIG BADKEY"

conf other "$T_OTHER_KEY" "$T_OTHER_SECRET"
run other
t_assert_eq "$RC" 1 "exit code with a key that is not permitted"
case $SERVER in
knot) t_assert_contains "$T/other.log" "failed to update zone example.test. at $DNS_SERVER (authentication failed: NOTAUTH, TSIG BADKEY" ;;
named) t_assert_contains "$T/other.log" "failed to update zone example.test. at $DNS_SERVER (permission refused: REFUSED" ;;
esac
t_assert_eq "$(t_count $SRV.example.test SRV)" 0 "records after a refused key"

conf unserved "$T_KEY_NAME" "$T_KEY_SECRET" unserved.test
run unserved
t_assert_eq "$RC" 1 "exit code for a zone the server does not serve"
t_assert_contains "$T/unserved.log" "failed to update zone unserved.test. at $DNS_SERVER"
t_assert_contains "$T/unserved.log" "not served"

# One failing zone (refused key) while the other is published; each failure on its own line.
cat >"$T/mixed.yaml" <<EOF
keys:
  - name: $T_KEY_NAME
    secret: $T_KEY_SECRET
  - name: $T_OTHER_KEY
    secret: $T_OTHER_SECRET
zones:
  - name: example.test
    servers: [$DNS_SERVER]
    key: $T_KEY_NAME
  - name: other.test
    servers: [$DNS_SERVER]
    key: $T_OTHER_KEY
hosts:
  - name: kms1.example.test
domains:
  - name: other.test
  - name: example.test
state: $T/mixed.state
EOF
run mixed
t_assert_eq "$RC" 1 "exit code with one failing zone"
t_assert_eq "$(grep -c 'failed to update zone' "$T/mixed.log")" 1 "failure lines"
t_assert_contains "$T/mixed.log" "failed to update zone other.test."
t_assert_eq "$(t_rrs $SRV.example.test SRV)" "0 0 1688 kms1.example.test." "the good zone was published"
exit 0
