#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check: libkmslocate.so must not need libknot (GPL-3+) and must export only kmsl_*; it
# carries the client part of the core only (no TSIG key files, no logging, nothing that calls
# exit()); kms-locate does not link the core a second time; no file under dns/ or
# resolver-plugin/ includes a libknot header.
lib=resolver-plugin/.libs/libkmslocate.so
[ -f "$lib" ] || { echo "missing $lib (run make first)"; exit 1; }
fail=0
if readelf -d "$lib" | grep NEEDED | grep -i knot; then
	echo "FAIL: $lib links libknot"
	fail=1
fi
bad=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -v '^kmsl_' | grep -v '^KMSLOCATE_')
if [ -n "$bad" ]; then
	echo "FAIL: $lib exports symbols other than kmsl_*:"
	echo "$bad"
	fail=1
fi
n=$(nm -D --defined-only "$lib" | awk '{print $NF}' | grep -c '^kmsl_')
if [ "$n" -lt 20 ]; then
	echo "FAIL: $lib exports only $n kmsl_* symbols"
	fail=1
fi
# The whole symbol table, hidden symbols included: it must be there for the checks to mean
# anything (a stripped library would pass them all).
all=$(nm --defined-only "$lib" 2>/dev/null | awk '{print $NF}')
if ! echo "$all" | grep -q '^kd_dname_canon$'; then
	echo "FAIL: $lib has no symbol table to check (stripped?)"
	fail=1
fi
tools=$(echo "$all" | grep -E '^(kd_tsig_|kd_keylist_|kd_log_|log_|fatal)')
if [ -n "$tools" ]; then
	echo "FAIL: $lib carries the tools part of the core (key files, logging, fatal):"
	echo "$tools"
	fail=1
fi
prog=resolver-plugin/.libs/kms-locate
[ -f "$prog" ] || prog=resolver-plugin/kms-locate
if [ -f "$prog" ]; then
	twice=$(nm --defined-only "$prog" | awk '{print $NF}' | grep '^kd_' | grep -v '^kd_log_')
	if [ -n "$twice" ]; then
		echo "FAIL: $prog links core functions that libkmslocate already holds:"
		echo "$twice"
		fail=1
	fi
	if readelf -d "$prog" | grep NEEDED | grep -E 'libldns|libyaml'; then
		echo "FAIL: $prog links the core's libraries itself (it needs libkmslocate only)"
		fail=1
	fi
fi
src=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
knot=$(grep -rlE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]libknot/' \
	"$src/dns" "$src/resolver-plugin")
if [ -n "$knot" ]; then
	echo "FAIL: libknot headers included outside publisher/:"
	echo "$knot"
	fail=1
fi
[ $fail -eq 0 ] && echo "ok: no libknot, $n kmsl_* symbols only, no tools part, kms-locate links the core once"
exit $fail
