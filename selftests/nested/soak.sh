#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Soak the emulator with nested guests: VMS test VMs (HOSTSIG_VM_JOBS at a
# time, 2 by default), each booting the nested guest CYCLES times
# (selftests/nested/soak), with the watchdog of boot.sh on. Prints every
# cycle, every hang the watchdog saw (with where its evidence is), and the
# totals. Not part of make check: it is how the emulator was chosen and
# how a new one is judged (Documentation/testing.rst). Run it on a
# prepared tree (after make check), e.g. beside a make check for load:
#
#   BUILD=build SRCDIR=$PWD selftests/nested/soak.sh 15 4
#   HOSTSIG_QEMU=system ... (Debian 12's QEMU 7.2, to see the hang)
#
# Environment: SRCDIR, BUILD; HOSTSIG_KERNELS (default: every kernel with
# a nested guest, in turn).
set -u

cycles=${1:-15}
vms=${2:-4}
jobs=${HOSTSIG_VM_JOBS:-2}
: "${SRCDIR:?}" "${BUILD:?}"
kernels=${HOSTSIG_KERNELS:-$(for rel in $("$SRCDIR/selftests/lib/kernels.sh"); do
	[ -n "$("$SRCDIR/selftests/nested/kernels.sh" "$rel")" ] && echo "$rel"
done)}
[ -n "$kernels" ] || { echo "soak: no kernel with a nested guest"; exit 1; }
set -- $kernels
out="$BUILD/soak"
rm -rf "$out"
mkdir -p "$out"
echo "soak: $("$SRCDIR/selftests/lib/qemu.sh" version "$BUILD"); $vms VMs of $cycles nested boots, $jobs at a time"

run_vm() {	# run_vm N RELEASE
	HOSTSIG_VM_TIMEOUT=$((cycles * 120 + 300)) HOSTSIG_VM_RETRIES=${HOSTSIG_VM_RETRIES:-5} \
		"$SRCDIR/selftests/vm/boot.sh" "$2" "$out/vm$1" "hstest.mode=run:nested-soak" \
		"hstest.timeout=$((cycles * 120 + 200))" "hstest.args=$cycles" >"$out/vm$1.log" 2>&1
	echo $? >"$out/vm$1/status"
}

i=0
while [ "$i" -lt "$vms" ]; do
	running=0
	for d in "$out"/vm*/; do
		[ -d "$d" ] && [ ! -f "$d/status" ] && running=$((running + 1))
	done
	if [ "$running" -ge "$jobs" ]; then
		sleep 2
		continue
	fi
	i=$((i + 1))
	rel=$(eval echo "\${$(( (i - 1) % $# + 1 ))}")
	mkdir -p "$out/vm$i"
	run_vm "$i" "$rel" &
	sleep 1
done
wait

boots=0 hangs=0 failed=0
for d in "$out"/vm*/; do
	for log in "$d"try-*/results.log "$d/results.log"; do
		[ -f "$log" ] || continue
		n=$(tr -d '\r' <"$log" | grep -c '^nested-soak: cycle .*: loads 0, stop 0')
		boots=$((boots + n))
		tr -d '\r' <"$log" | grep '^nested-soak: cycle' | sed "s|^|$(basename "$d"): |"
	done
	[ -f "$d/retries" ] && { hangs=$((hangs + $(wc -l <"$d/retries"))); sed "s|^|$(basename "$d"): |" "$d/retries"; }
	[ "$(cat "$d/status")" = 0 ] || failed=$((failed + 1))
done
echo "soak: $boots nested boots completed, $hangs emulator hangs seen (booted again), $failed VMs failed"
[ "$failed" = 0 ]
