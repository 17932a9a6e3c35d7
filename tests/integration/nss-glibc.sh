#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# libnss_kms through glibc's real loading path: in a mount namespace of its own the test
# bind-mounts an nsswitch.conf with "hosts: files kms" over /etc/nsswitch.conf, and glibc
# dlopen()s libnss_kms.so.2 from LD_LIBRARY_PATH (the build tree), which dlopen()s the build
# tree's libnss_kms_impl.so (KMSDNS_NSS_IMPL) for served names only. getent hosts
# (gethostbyname2), getent ahosts and Python (getaddrinfo) then resolve the served names
# against a real knotd holding _vlmcs._tcp records of fake KMS hosts, some of them dead in
# every way (SYNs dropped, refused, bind_nak): the dead ones never come first, nor at all.
# servers: knot
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loc-helpers.bash"
t_init "$@"
MODDIR="$abs_top_builddir/resolver-plugin/.libs"
[ -f "$MODDIR/libnss_kms.so.2" ] || t_fail "no $MODDIR/libnss_kms.so.2 (run make)"
# The mount namespace: as root directly, else as mapped root in a user namespace.
if unshare -m true 2>/dev/null; then
	NS=(unshare -m)
elif unshare -rm true 2>/dev/null; then
	NS=(unshare -rm)
else
	t_skip "cannot create a mount namespace (unshare -m) to install a test nsswitch.conf"
fi
t_start_dns example.test

P=$(t_free_port)       # the served port (nss: port)
P_OTHER=$(t_free_port) # a live host on another port: cannot be expressed in a hosts answer
loc_fake live1 127.0.0.2 "$P" ack
loc_fake live2 127.0.0.3 "$P" ack
loc_fake drop 127.0.0.4 "$P" syndrop
loc_fake nak 127.0.0.6 "$P" nak
loc_fake other 127.0.0.7 "$P_OTHER" ack
# Nothing listens on 127.0.0.5:$P (connection refused).
t_nsupdate example.test <<EOF
update add live1.example.test. 300 IN A 127.0.0.2
update add live2.example.test. 300 IN A 127.0.0.3
update add drop.example.test. 300 IN A 127.0.0.4
update add refused.example.test. 300 IN A 127.0.0.5
update add nak.example.test. 300 IN A 127.0.0.6
update add other.example.test. 300 IN A 127.0.0.7
update add _vlmcs._tcp.example.test. 300 IN SRV 0 10 $P drop.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 10 $P refused.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 10 $P nak.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 0 90 $P_OTHER other.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 5 0 $P live1.example.test.
update add _vlmcs._tcp.example.test. 300 IN SRV 5 0 $P live2.example.test.
EOF

# One host at a time (attempt-delay = timeout): racing cancels the probes still pending when a
# host answers, and the checks below want every dead host's verdict in the state file.
cat >"$T/nss.yaml" <<EOF
servers: [$DNS_SERVER]
domains:
  - name: example.test
attempt-delay: 1s
timeout: 1s
state: $T/nss.state
nss:
  names: [kms, _vlmcs._tcp]
  port: $P
  deadline: 5s
EOF
echo "hosts: files kms" >"$T/nsswitch.conf"

# A sanitizer build's module needs its runtime loaded first in programs built without it.
PRELOAD=
if grep -q "^SAN_LDFLAGS='.*address" "$abs_top_builddir/config.log"; then
	for lib in libasan.so libubsan.so; do
		f=$(${CC:-cc} -print-file-name="$lib")
		[ "$f" != "$lib" ] || t_fail "no $lib for the sanitizer build's module"
		PRELOAD="$PRELOAD${PRELOAD:+:}$f"
	done
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0

# ns CMD...: run CMD with the test nsswitch.conf and the module from the build tree. nscd, if
# it runs on this machine, is hidden so that glibc loads the modules itself.
ns() {
	"${NS[@]}" bash -c '
		mount --bind "$1" /etc/nsswitch.conf || exit 90
		for d in /run/nscd /var/run/nscd; do
			[ -d "$d" ] && { mount -t tmpfs none "$d" || exit 91; }
		done
		shift
		exec "$@"' ns "$T/nsswitch.conf" \
		env LD_LIBRARY_PATH="$MODDIR" LD_PRELOAD="$PRELOAD" KMSDNS_NSS_CONFIG="$T/nss.yaml" \
		KMSDNS_NSS_IMPL="$MODDIR/libnss_kms_impl.so" "$@"
}

GOOD="127.0.0.2 127.0.0.3"
# check_answer FILE: the first address is a live host on the served port; no dead host and no
# host on another port appears anywhere.
check_answer() {
	local first
	first=$(awk 'NR == 1 {print $1}' "$1")
	[[ " $GOOD " == *" $first "* ]] || t_fail "first address '$first' is not live: $(cat "$1")"
	for bad in 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7; do
		! grep -q "^$bad\b" "$1" || t_fail "dead or wrong-port host $bad answered: $(cat "$1")"
	done
}

# A name that is not served: not found (exit 2), and the module did no DNS for it.
rc=0
ns getent hosts www.example.test >"$T/other.out" 2>&1 || rc=$?
t_assert_eq "$rc" 2 "getent hosts of a name not served"
[ ! -e "$T/nss.state" ] || t_fail "a name not served touched the state file"
# ... and glibc loaded the front only: neither the implementation nor libldns (libssl,
# libcrypto) came into the process for it.
ns env LD_DEBUG=files getent hosts www.example.test >"$T/ld.out" 2>&1 || true
grep -q 'file=libnss_kms\.so\.2 ' "$T/ld.out" || t_fail "glibc did not load libnss_kms.so.2: $(grep file= "$T/ld.out")"
! grep -Eq 'file=[^ ]*(libnss_kms_impl|libldns|libssl|libcrypto)' "$T/ld.out" ||
	t_fail "a name not served loaded the implementation: $(grep -E 'file=' "$T/ld.out")"

# getent hosts (gethostbyname2): the live host, with the asked name as alias.
ns getent hosts kms >"$T/hosts.out" 2>&1 || t_fail "getent hosts kms: $(cat "$T/hosts.out")"
t_log "getent hosts kms: $(cat "$T/hosts.out")"
check_answer "$T/hosts.out"
grep -Eq '^127\.0\.0\.[23] +live[12]\.example\.test +kms$' "$T/hosts.out" ||
	t_fail "want 'ADDR liveN.example.test kms': $(cat "$T/hosts.out")"
# The probes of that process were written to the shared state file.
for h in drop refused nak; do
	t_assert_contains "$T/nss.state" "dead $h.example.test $P"
done

# getaddrinfo (getent ahosts): canonical name on the first line.
ns getent ahosts _vlmcs._tcp >"$T/ahosts.out" 2>&1 || t_fail "getent ahosts: $(cat "$T/ahosts.out")"
t_log "getent ahosts _vlmcs._tcp: $(cat "$T/ahosts.out")"
check_answer "$T/ahosts.out"
grep -Eq '^127\.0\.0\.[23] +STREAM +live[12]\.example\.test$' "$T/ahosts.out" ||
	t_fail "no canonical name on the first line: $(cat "$T/ahosts.out")"

# getaddrinfo from another program, several times: each is a fresh process, so each does its
# own discovery and probing (the state file remembers the dead hosts); a trailing dot and
# upper case are the same name.
for name in kms KMS kms. _VLMCS._tcp; do
	ns python3 -c 'import socket, sys
for ai in socket.getaddrinfo(sys.argv[1], 1688, socket.AF_UNSPEC, socket.SOCK_STREAM):
    print(ai[4][0])' "$name" >"$T/py.out" 2>&1 || t_fail "getaddrinfo($name): $(cat "$T/py.out")"
	check_answer "$T/py.out"
done

# probe-cache: one process resolving ten times probes once (then answers from memory); with
# probe-cache 0 every lookup probes again.
binds() { cat "$T/live1.log" "$T/live2.log" | grep -c 'bind answered'; }
gai10='import socket, sys
for i in range(10):
    socket.getaddrinfo(sys.argv[1], 1688, socket.AF_INET, socket.SOCK_STREAM)'
before=$(binds)
ns python3 -c "$gai10" kms || t_fail "ten lookups in one process failed"
d=$(($(binds) - before))
((d >= 1 && d < 10)) || t_fail "ten lookups with probe-cache 60s probed $d times"
sed 's/^  deadline: 5s$/  deadline: 5s\n  probe-cache: 0/' "$T/nss.yaml" >"$T/nss0.yaml"
grep -q 'probe-cache: 0' "$T/nss0.yaml" || t_fail "could not write nss0.yaml"
before=$(binds)
ns env KMSDNS_NSS_CONFIG="$T/nss0.yaml" python3 -c "$gai10" kms || t_fail "probe-cache 0 lookups failed"
d=$(($(binds) - before))
((d >= 10)) || t_fail "ten lookups with probe-cache 0 probed only $d times"

# The host that answered goes away: the next lookup must not return it first.
t_assert_contains "$T/nss.state" "sticky "
sticky=$(sed -n 's/^sticky [^ ]* \([^ ]*\) .*/\1/p' "$T/nss.state")  # sticky SUFFIX TARGET PORT
case $sticky in
live1.example.test) t_bg_stop live1; GOOD="127.0.0.3" ;;
live2.example.test) t_bg_stop live2; GOOD="127.0.0.2" ;;
*) t_fail "unexpected sticky host '$sticky'" ;;
esac
ns getent hosts kms >"$T/after.out" 2>&1 || t_fail "getent hosts kms after a failure: $(cat "$T/after.out")"
t_log "after $sticky went away: $(cat "$T/after.out")"
check_answer "$T/after.out"
t_assert_contains "$T/nss.state" "dead $sticky $P"

# No live host at all: a temporary failure, answered within the deadline, never a dead address.
t_bg_stop live1
t_bg_stop live2
start=$SECONDS
rc=0
ns getent hosts kms >"$T/none.out" 2>&1 || rc=$?
((SECONDS - start <= 8)) || t_fail "lookup with every host dead took $((SECONDS - start))s"
[ "$rc" != 0 ] || t_fail "a lookup with every host dead answered: $(cat "$T/none.out")"
exit 0
