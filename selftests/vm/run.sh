#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite: boot every test kernel in QEMU with the test initramfs, let
# /init run the VM test programs, and turn what comes back into one TAP
# stream (see results.awk for what counts as a failure).
#
# Environment: SRCDIR, BUILD; HOSTSIG_KERNELS overrides the kernel list;
# HOSTSIG_VM_JOBS (default 2) VMs boot at once; HOSTSIG_VM_FILTER (a shell
# glob) runs only matching test programs; HOSTSIG_SEED replays the
# randomized tests with the seed they printed.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

kernels=${HOSTSIG_KERNELS:-$("$SRCDIR/selftests/lib/kernels.sh")}
jobs=${HOSTSIG_VM_JOBS:-2}
filter=${HOSTSIG_VM_FILTER:-*}
outroot="$BUILD/vm"

expected=
for t in "$BUILD"/tests/vm/*_test; do
	name=${t##*/}
	case "$name" in
	$filter) expected="$expected $name" ;;
	esac
done

boot() {
	out="$outroot/$1"
	rm -rf "$out"
	mkdir -p "$out"
	"$SRCDIR/selftests/vm/boot.sh" "$1" "$out" "hstest.filter=$filter" \
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
for k in $kernels; do
	out="$outroot/$k"
	awk -v kernel="$k" -v expected="$expected" -v vmstatus="$(cat "$out/status")" \
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
