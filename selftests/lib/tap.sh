# SPDX-License-Identifier: GPL-2.0
#
# Minimal TAP 13 producer for shell test suites. Source it, call the
# functions, and finish with tap_done (which prints the plan and exits 1 when
# anything failed). Test names must not start with a digit or '#'.

TAP_N=0
TAP_FAILED=0

tap_begin() { echo "TAP version 13"; }

tap_ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N $*"; }

tap_not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N $*"
}

tap_skip() {
	# tap_skip NAME REASON
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N $1 # SKIP $2"
}

tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# tap_result NAME STATUS: ok when STATUS is 0.
tap_result() {
	if [ "$2" -eq 0 ]; then tap_ok "$1"; else tap_not_ok "$1"; fi
}

# tap_run NAME CMD...: run CMD, show its output as diagnostics, ok when it
# exits 0.
tap_run() {
	_name=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	[ -n "$_out" ] && tap_diag "$_out"
	tap_result "$_name" "$_rc"
}

tap_done() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
