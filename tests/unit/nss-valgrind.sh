#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# make check: test_nss_module (the dlopen()ed libnss_kms.so.2, every entry point, threads,
# fork, exec'd children) under valgrind's memcheck. The test must pass, and any memcheck error
# or block lost for good, in the test or any child it forks or execs, fails. The fake KMS
# server and /bin/true, /bin/false run natively.
command -v valgrind >/dev/null || { echo "valgrind not installed (Debian package valgrind)"; exit 1; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/kmsdns-vg.XXXXXX") || exit 1
trap 'rm -rf "$logs"' EXIT
valgrind --error-exitcode=97 --trace-children=yes \
	--trace-children-skip='*/fake-kms,/bin/true,/bin/false' \
	--leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
	--log-file="$logs/vg.%p" tests/unit/test_nss_module
rc=$?
bad=$(grep -lE 'Invalid (read|write|free)|uninitialised|Mismatched free|Syscall param|are definitely lost|definitely lost: [1-9]|overlap|ERROR SUMMARY: [1-9]' "$logs"/vg.* 2>/dev/null)
for f in $bad; do
	echo "---- $f"
	cat "$f"
done
[ -z "$bad" ] || { echo "FAIL: memcheck reported errors"; exit 1; }
[ "$rc" = 0 ] || { echo "FAIL: test_nss_module under valgrind exited $rc"; exit 1; }
echo "ok: test_nss_module clean under memcheck ($(ls "$logs" | wc -l) processes)"
