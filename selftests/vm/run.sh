#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite: boot every test kernel in QEMU with the test initramfs, let
# /init run the VM test programs, and turn what comes back into one TAP
# stream (see results.awk for what counts as a failure).
#
# Environment: SRCDIR, BUILD; HOSTSIG_KERNELS overrides the kernel list
# (an entry RELEASE@GLOB[,GLOB...] boots that kernel for the matching test
# programs only, so that one kernel's tests can be spread over VMs);
# HOSTSIG_VM_JOBS (default 2) VMs boot at once; HOSTSIG_VM_FILTER (a shell
# glob) runs only matching test programs; HOSTSIG_SEED replays the
# randomized tests with the seed they printed.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

kernels=${HOSTSIG_KERNELS:-$("$SRCDIR/selftests/lib/kernels.sh")}
jobs=${HOSTSIG_VM_JOBS:-2}
filter=${HOSTSIG_VM_FILTER:-*}
outroot="$BUILD/vm"

# The test programs an entry runs: those matching both globs.
expected_of() {
	for t in "$BUILD"/tests/vm/*_test; do
		[ -e "$t" ] || continue
		name=${t##*/}
		case "$name" in
		$filter) ;;
		*) continue ;;
		esac
		# The globs of $1 are patterns for case, not file names.
		set -f
		IFS=,
		for g in $1; do
			case "$name" in
			$g) printf ' %s' "$name"; break ;;
			esac
		done
		unset IFS
		set +f
	done
}

# RELEASE@GLOB -> its release, its glob (default: all), its output name.
release_of() { echo "${1%%@*}"; }
glob_of() { case "$1" in *@*) echo "${1#*@}" ;; *) echo '*' ;; esac; }
outdir_of() { echo "$outroot/$(echo "$1" | tr -c 'A-Za-z0-9._+\n-' '_')"; }

boot() {
	rel=$(release_of "$1")
	out=$(outdir_of "$1")
	rm -rf "$out"
	mkdir -p "$out"
	glob=$(glob_of "$1")
	# shellcheck disable=SC2046 # the kernel's own arguments, word-split
	"$SRCDIR/selftests/vm/boot.sh" "$rel" "$out" "hstest.filter=$filter" \
		"hstest.only=$glob" \
		$(cat "$BUILD/kernels/$rel/cmdline" 2>/dev/null) \
		${HOSTSIG_SEED:+"hstest.seed=$HOSTSIG_SEED"} \
		>"$out/qemu.log" 2>&1
	echo $? >"$out/status"
}

# Boot up to $jobs VMs at a time; TCG uses one host core per VM.
running=0
for k in $kernels; do
	boot "$k" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait

tap_begin
part=0
for k in $kernels; do
	out=$(outdir_of "$k")
	label=$(release_of "$k")
	case "$k" in
	*@*) part=$((part + 1)); label="$label (part $part)" ;;
	esac
	awk -v kernel="$label" -v expected="$(expected_of "$(glob_of "$k")")" \
		-v vmstatus="$(cat "$out/status")" \
		-f "$SRCDIR/selftests/vm/results.awk" "$out/results.log" >"$out/verdicts"
	if grep -q '^FAIL' "$out/verdicts"; then
		tap_diag "$k: last lines of the console:" \
			"$(tail -n 25 "$out/console.log" | tr -d '\r')"
		[ -s "$out/qemu.log" ] && tap_diag "qemu: $(cat "$out/qemu.log")"
	fi
	while IFS="	" read -r kind name extra; do
		case "$kind" in
		PASS) tap_ok "$name" ;;
		FAIL) tap_not_ok "$name" ;;
		SKIP) tap_skip "$name" "$extra" ;;
		DIAG) tap_diag "$name" ;;
		esac
	done <"$out/verdicts"
done
tap_done
