#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# make check: libnss_kms.so.2 (the front glibc loads into every process) and
# libnss_kms_impl.so (the implementation it dlopen()s for served names) must not need libknot
# (GPL-3+) and must export exactly their _nss_kms_* entry points (the front all six, the
# implementation the two the front forwards to), each with default visibility; the front
# carries the soname glibc loads and needs nothing heavy (no libldns, libssl, libcrypto:
# loading those cost every process more than its lookup).
front=resolver-plugin/.libs/libnss_kms.so.2
impl=resolver-plugin/.libs/libnss_kms_impl.so
for lib in "$front" "$impl"; do
	[ -f "$lib" ] || { echo "missing $lib (run make first)"; exit 1; }
done
fail=0
want_impl="_nss_kms_gethostbyname3_r
_nss_kms_gethostbyname4_r"
want_front="_nss_kms_gethostbyaddr2_r
_nss_kms_gethostbyaddr_r
_nss_kms_gethostbyname2_r
_nss_kms_gethostbyname3_r
_nss_kms_gethostbyname4_r
_nss_kms_gethostbyname_r"
heavy=$(readelf -d "$front" | grep NEEDED | grep -Ei 'ldns|ssl|crypto|knot')
if [ -n "$heavy" ]; then
	echo "FAIL: $front needs heavy libraries:"
	echo "$heavy"
	fail=1
fi
if ! readelf -d "$front" | grep SONAME | grep -q '\[libnss_kms\.so\.2\]'; then
	echo "FAIL: $front has no SONAME libnss_kms.so.2"
	fail=1
fi
for lib in "$front" "$impl"; do
	want=$want_front
	[ "$lib" = "$impl" ] && want=$want_impl
	if readelf -d "$lib" | grep NEEDED | grep -i knot; then
		echo "FAIL: $lib links libknot"
		fail=1
	fi
	exported=$(nm -D --defined-only "$lib" | awk '{print $NF}' | sort)
	if [ "$exported" != "$want" ]; then
		echo "FAIL: $lib exports other symbols than the entry points:"
		echo "$exported" | grep -vxF "$want"
		echo "missing:"
		echo "$want" | grep -vxF "$exported"
		fail=1
	fi
	# Visibility, not only the version script: the symbol table of the file itself has every
	# other function hidden or local.
	bad=$(readelf -W --syms "$lib" | awk '$5 == "GLOBAL" && $6 == "DEFAULT" && $7 != "UND" {print $8}' |
		sed 's/@.*//' | grep -v '^_nss_kms_' | sort -u)
	if [ -n "$bad" ]; then
		echo "FAIL: $lib has global default-visibility symbols besides _nss_kms_*:"
		echo "$bad"
		fail=1
	fi
	# The client part of the core only: no key-file parsers, no logging that may exit().
	tools=$(nm "$lib" 2>/dev/null | awk '{print $NF}' | grep -E '^(kd_tsig_|kd_keylist_|kd_log_|log_|fatal)')
	if [ -n "$tools" ]; then
		echo "FAIL: $lib carries the tools part of the core (key files, logging, fatal):"
		echo "$tools"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "ok: front and implementation: no libknot, exactly their _nss_kms_* entry points (6, 2); front: soname libnss_kms.so.2, no libldns/libssl/libcrypto"
exit $fail
