# SPDX-License-Identifier: GPL-3.0-or-later
# Shared helpers for integration scenarios (sourced). A scenario runs as
#   bash NAME.sh SERVER        SERVER = knot | named | none
# and exits 0 (pass), 1 (fail) or 77 (skip). Everything it starts lives in a temp dir and is
# stopped by the EXIT trap. Only loopback addresses are used.

PATH="$PATH:/usr/sbin:/sbin"
: "${abs_top_builddir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${abs_top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
PUBLISHER="$abs_top_builddir/publisher/kms-publisher"
KMS_LOCATE="$abs_top_builddir/resolver-plugin/kms-locate"
FAKE_DIR="$abs_top_builddir/tests/fake"
: "${T_WAIT:=20}"

T=
DNS_PID=
DNS_PORT=
DNS_ZONES=()
T_BG_PIDS=()

t_log() { printf '%s\n' "$*" >&2; }

t_fail() {
	t_log "FAIL: $*"
	exit 1
}

t_skip() {
	if [ "${KMSDNS_REQUIRE_SERVERS:-0}" = 1 ]; then
		t_log "FAIL (skips are failures here): $*"
		exit 1
	fi
	t_log "SKIP: $*"
	exit 77
}

# t_init SERVER: temp dir, cleanup trap, server availability.
t_init() {
	SERVER="${1:-none}"
	# Timed checks read bash's own clock; without it they would compare zeros.
	[ -n "${EPOCHREALTIME:-}" ] || t_fail "bash 5.0 or later is needed (EPOCHREALTIME)"
	T=$(mktemp -d "${TMPDIR:-/tmp}/kmsdns-test.XXXXXX") || t_fail "cannot create a temp dir"
	trap t_cleanup EXIT
	trap 'exit 1' INT TERM
	case "$SERVER" in
	knot) command -v knotd >/dev/null || t_skip "knotd not installed (Debian package knot)" ;;
	named) command -v named >/dev/null || t_skip "named not installed (Debian package bind9)" ;;
	none) ;;
	*) t_fail "unknown server kind '$SERVER'" ;;
	esac
	command -v kdig >/dev/null || t_skip "kdig not installed (Debian package knot-dnsutils)"
	command -v knsupdate >/dev/null || t_skip "knsupdate not installed (Debian package knot-dnsutils)"
	t_keys
}

t_cleanup() {
	local rc=$?
	local pid
	for pid in "${T_BG_PIDS[@]}"; do
		t_kill "$pid"
	done
	t_stop_dns
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		# Leave the evidence in the scenario's log.
		for f in "$T"/*.log "$T"/dns/*.log; do
			[ -f "$f" ] || continue
			t_log "---- $f (last 40 lines)"
			tail -n 40 "$f" >&2
		done
	fi
	if [ "${KMSDNS_KEEP_TMP:-0}" = 1 ]; then
		t_log "kept $T"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}

# t_kill PID: TERM, then KILL if it is still there after 5 s.
t_kill() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# t_wait CMD ARGS...: poll until CMD succeeds; fail after T_WAIT seconds.
t_wait() {
	local end=$((SECONDS + T_WAIT))
	while ((SECONDS < end)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1 && return 0
	t_fail "condition not met within ${T_WAIT}s: $*"
}

# t_free_port: a port that is free for TCP and UDP on 127.0.0.1 right now.
t_free_port() {
	local i port
	for ((i = 0; i < 200; i++)); do
		# Below the kernel's ephemeral range (32768-60999), so no outgoing connection
		# (or its TIME_WAIT) holds the port.
		port=$((10000 + RANDOM % 22000))
		if command -v ss >/dev/null; then
			ss -Htanu "( sport = :$port )" 2>/dev/null | grep -q . && continue
		fi
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		echo "$port"
		return 0
	done
	t_fail "no free port found"
}

# Base64 secret of n random bytes.
t_secret() { head -c "${1:-32}" /dev/urandom | base64 -w0; }

t_keys() {
	T_KEY_NAME=kms-update
	T_KEY_ALG=hmac-sha256
	T_KEY_SECRET=$(t_secret 32)
	T_OTHER_KEY=other-key
	T_OTHER_SECRET=$(t_secret 32)
	T_BAD_SECRET=$(t_secret 32)
	T_KEY_FILE="$T/kms-update.key"
	T_KNOT_KEY_FILE="$T/kms-update.knot.yaml"
	cat >"$T_KEY_FILE" <<-EOF
	key "$T_KEY_NAME" {
		algorithm $T_KEY_ALG;
		secret "$T_KEY_SECRET";
	};
	EOF
	cat >"$T_KNOT_KEY_FILE" <<-EOF
	# $T_KEY_ALG:$T_KEY_NAME:$T_KEY_SECRET
	key:
	  - id: $T_KEY_NAME
	    algorithm: $T_KEY_ALG
	    secret: $T_KEY_SECRET
	EOF
	chmod 600 "$T_KEY_FILE" "$T_KNOT_KEY_FILE"
}

# t_zonefile ZONE: minimal zone with SOA, NS and the NS address.
t_zonefile() {
	local zone=$1
	cat <<-EOF
	\$ORIGIN $zone.
	\$TTL 300
	@ IN SOA ns.$zone. hostmaster.$zone. 1 3600 600 86400 300
	@ IN NS ns.$zone.
	ns IN A 127.0.0.1
	EOF
}

# t_prepare_dns ZONE...: write the server's config and zones, pick DNS_PORT; do not start.
# With T_DNS_V6=1 the server listens on [::1] too (same port). The key may transfer the zones
# listed in T_XFR_ZONES (space-separated).
t_xfr_zone() { [[ " ${T_XFR_ZONES:-} " == *" $1 "* ]]; }

t_prepare_dns() {
	DNS_ZONES=("$@")
	[ -n "$DNS_PORT" ] || DNS_PORT=$(t_free_port)
	DNS_SERVER="127.0.0.1@$DNS_PORT"
	local d="$T/dns" zone
	mkdir -p "$d/zones" "$d/run" "$d/db"
	for zone in "${DNS_ZONES[@]}"; do
		t_zonefile "$zone" >"$d/zones/$zone.zone"
	done
	case "$SERVER" in
	knot) t_knot_conf >"$d/knot.conf" ;;
	named) t_named_conf >"$d/named.conf" ;;
	*) t_fail "t_prepare_dns needs SERVER knot or named, not '$SERVER'" ;;
	esac
}

t_knot_conf() {
	local zone
	cat <<-EOF
	server:
	  rundir: $T/dns/run
	  listen: [127.0.0.1@$DNS_PORT$( [ "${T_DNS_V6:-0}" = 1 ] && echo ", ::1@$DNS_PORT")]
	database:
	  storage: $T/dns/db
	log:
	  - target: stderr
	    any: ${KNOT_LOG_LEVEL:-info}
	key:
	  - id: $T_KEY_NAME
	    algorithm: $T_KEY_ALG
	    secret: $T_KEY_SECRET
	  - id: $T_OTHER_KEY
	    algorithm: hmac-sha256
	    secret: $T_OTHER_SECRET
	acl:
	  - id: kms-update
	    key: $T_KEY_NAME
	    action: update
	    update-type: [SRV, A, AAAA]
	  - id: kms-transfer
	    key: $T_KEY_NAME
	    action: transfer
	template:
	  - id: default
	    storage: $T/dns/zones
	    file: "%s.zone"
	    zonefile-sync: -1
	    zonefile-load: whole
	    journal-content: changes
	    semantic-checks: off
	    acl: kms-update
	zone:
	EOF
	for zone in "${DNS_ZONES[@]}"; do
		printf '  - domain: %s\n' "$zone"
		if t_xfr_zone "$zone"; then
			printf '    acl: [kms-update, kms-transfer]\n'
		fi
	done
}

t_named_conf() {
	local zone
	cat <<-EOF
	options {
		directory "$T/dns/db";
		listen-on port $DNS_PORT { 127.0.0.1; };
		listen-on-v6 port $DNS_PORT { $( [ "${T_DNS_V6:-0}" = 1 ] && echo '::1;' || echo 'none;') };
		pid-file none;
		session-keyfile none;
		recursion no;
		dnssec-validation no;
		notify no;
		allow-query { any; };
	};
	controls { };
	key "$T_KEY_NAME" { algorithm $T_KEY_ALG; secret "$T_KEY_SECRET"; };
	key "$T_OTHER_KEY" { algorithm hmac-sha256; secret "$T_OTHER_SECRET"; };
	EOF
	for zone in "${DNS_ZONES[@]}"; do
		cat <<-EOF
		zone "$zone" {
			type primary;
			file "$T/dns/zones/$zone.zone";
			update-policy { grant $T_KEY_NAME zonesub SRV A AAAA; };
			allow-transfer { $(t_xfr_zone "$zone" && echo "key $T_KEY_NAME;" || echo "none;") };
		};
		EOF
	done
}

# t_run_dns: start the prepared server and wait until every zone answers SOA over TCP.
t_run_dns() {
	local d="$T/dns" zone
	case "$SERVER" in
	knot) knotd -c "$d/knot.conf" >>"$d/server.log" 2>&1 & ;;
	named) named -g -n 1 -c "$d/named.conf" >>"$d/server.log" 2>&1 & ;;
	esac
	DNS_PID=$!
	local end=$((SECONDS + T_WAIT))
	for zone in "${DNS_ZONES[@]}"; do
		until t_dns_ready "$zone"; do
			kill -0 "$DNS_PID" 2>/dev/null ||
				t_fail "$SERVER exited at start: $(tail -n 5 "$d/server.log")"
			((SECONDS < end)) || t_fail "$SERVER did not serve $zone within ${T_WAIT}s"
			sleep 0.05
		done
	done
}

# t_dns_ready ZONE: the server answers SOA for ZONE over TCP.
t_dns_ready() {
	kdig @127.0.0.1 -p "$DNS_PORT" +tcp +time=1 +retry=0 +norec "$1" SOA 2>/dev/null |
		grep -q 'status: NOERROR'
}

t_start_dns() {
	t_prepare_dns "$@"
	t_run_dns
}

t_stop_dns() {
	[ -n "$DNS_PID" ] || return 0
	t_kill "$DNS_PID"
	wait "$DNS_PID" 2>/dev/null
	DNS_PID=
}

# t_rrs NAME TYPE: the rdata of the answer, one per line, sorted and lower-cased.
t_rrs() {
	kdig @127.0.0.1 -p "$DNS_PORT" +tcp +time=2 +retry=1 +norec +short "$1" "$2" |
		tr 'A-Z' 'a-z' | sort
}

# t_count NAME TYPE: how many records t_rrs prints.
t_count() { t_rrs "$1" "$2" | grep -c . ; }

# t_nsupdate [ZONE] <<EOF ... EOF: apply update lines with the permitted key.
t_nsupdate() {
	local zone=${1:-${DNS_ZONES[0]}} out
	out=$({
		echo "server 127.0.0.1 $DNS_PORT"
		echo "zone $zone."
		cat
		echo "send"
		echo "answer"
	} | knsupdate -t 5 -y "$T_KEY_ALG:$T_KEY_NAME:$T_KEY_SECRET" 2>&1)
	local rc=$?
	if [ $rc != 0 ] || ! grep -q 'NOERROR' <<<"$out"; then
		t_fail "knsupdate to $zone failed: $out"
	fi
}

# t_pub NAME ARGS...: kms-publisher on $T/NAME.yaml; output in $T/NAME.log, exit code in RC.
t_pub() {
	local name=$1
	shift
	RC=0
	"$PUBLISHER" -c "$T/$name.yaml" "$@" >"$T/$name.log" 2>&1 || RC=$?
}

# t_bg NAME CMD ARGS...: run in the background; output in $T/NAME.log, pid in $T/NAME.pid.
t_bg() {
	local name=$1
	shift
	"$@" >"$T/$name.log" 2>&1 &
	echo $! >"$T/$name.pid"
	T_BG_PIDS+=($!)
}

# t_bg_stop NAME [SIGNAL]: signal a background command and wait for it; its exit code in T_RC.
t_bg_stop() {
	local pid
	pid=$(cat "$T/$1.pid") || t_fail "no process $1"
	kill "-${2:-TERM}" "$pid" 2>/dev/null
	T_RC=0
	wait "$pid" || T_RC=$?
}

t_assert_contains() {
	grep -qF -- "$2" "$1" || t_fail "$1 does not contain '$2': $(head -c 2000 "$1")"
}

t_assert_not_contains() {
	! grep -qF -- "$2" "$1" || t_fail "$1 contains '$2'"
}

# t_assert_eq GOT WANT [WHAT]
t_assert_eq() {
	[ "$1" = "$2" ] || t_fail "${3:-value}: got '$1', want '$2'"
}
