# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers shared by the loc-*.sh scenarios (kms-locate / libkmslocate); sourced after lib.sh.
# Not a scenario itself (the runner only runs *.sh).

# loc_fake NAME ADDR PORT MODE: start a fake KMS listener and wait until it listens.
loc_fake() {
	local name=$1 addr=$2 port=$3 mode=$4
	t_bg "$name" "$FAKE_DIR/fake-kms" --listen "$addr:$port" --mode "$mode" \
		--ready-file "$T/$name.ready"
	t_wait test -s "$T/$name.ready"
}

# loc_run NAME ARGS...: run kms-locate; stdout in $T/NAME.out, stderr in $T/NAME.err, the exit
# code in LOC_RC, its wall-clock time in LOC_MS: taken right around the process with bash's
# own clock (no fork of date(1) inside the window, which a loaded machine can stall for
# seconds).
loc_run() {
	local name=$1 start
	shift
	LOC_RC=0
	start=${EPOCHREALTIME//[^0-9]/}
	"$KMS_LOCATE" "$@" >"$T/$name.out" 2>"$T/$name.err" || LOC_RC=$?
	LOC_MS=$(((${EPOCHREALTIME//[^0-9]/} - start) / 1000))
	t_log "kms-locate $* -> exit $LOC_RC ($LOC_MS ms): $(head -c 300 "$T/$name.out")"
}

# loc_expect NAME RC [FIRST-LINE]: the last loc_run NAME ended with RC and printed FIRST-LINE.
loc_expect() {
	local name=$1 rc=$2 line=${3-}
	[ "$LOC_RC" = "$rc" ] ||
		t_fail "$name: exit $LOC_RC, want $rc; stderr: $(head -c 1000 "$T/$name.err")"
	[ $# -lt 3 ] || t_assert_eq "$(head -n 1 "$T/$name.out")" "$line" "$name output"
}

# loc_conf FILE <<EOF: a locate.yaml with fast test timings, followed by the given lines.
loc_conf() {
	{
		echo "attempt-delay: 20ms"
		echo "timeout: 1s"
		echo "deadline: 15s"
		cat
	} >"$1"
}
