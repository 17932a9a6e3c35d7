#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# servers: none
# The README's first command, examples/demo, works: it publishes, shows, and withdraws.
. "$(dirname "$0")/lib.sh"
t_init "$@"
bash "$abs_top_srcdir/examples/demo" >"$T/demo.log" 2>&1 || t_fail "examples/demo failed: $(tail -n 20 "$T/demo.log")"
t_assert_contains "$T/demo.log" "zone example.test.: 5 change(s) applied"
t_assert_contains "$T/demo.log" "_vlmcs._tcp.corp.test SRV    10 5 1688 kms1.example.test. 10 5 1688 kms2.example.test."
t_assert_contains "$T/demo.log" "0 10 1688 kms1.example.test 2001:db8::10,192.0.2.10 unknown example.test"
t_assert_contains "$T/demo.log" "zone corp.test.: up to date"
t_assert_contains "$T/demo.log" "secret not shown"
# After --withdraw every line of the last listing is empty.
[ "$(tail -n 6 "$T/demo.log" | grep -c 'SRV *$\|A *$\|AAAA *$')" = 5 ] ||
	t_fail "records left after the withdraw: $(tail -n 6 "$T/demo.log")"
