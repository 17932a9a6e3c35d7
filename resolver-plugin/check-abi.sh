#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check: libkmslocate.so must not need libknot (GPL-3+) and must export only kmsl_*.
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
[ $fail -eq 0 ] && echo "ok: no libknot, $n kmsl_* symbols only"
exit $fail
