#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Boot one kernel in QEMU (TCG, emulated AMD SVM so KVM runs nested) with
# the test initramfs, and wait for it to power off.
#
# Usage: boot.sh KERNEL OUTDIR [KERNEL_ARGS...]
#   KERNEL   a release with parts in $BUILD/initramfs (see mkinitramfs.sh)
#   OUTDIR   receives console.log (ttyS0, the kernel console) and
#            results.log (ttyS1, what /init reports)
# Environment: BUILD; HOSTSIG_VM_TIMEOUT (seconds, default 900) kills a VM
# that hangs; HOSTSIG_VM_MEM (MiB, default 1536); HOSTSIG_VM_RETRIES
# (default 3) bounds the boots when the emulator's own hang is seen
# (emuwatch.py; HOSTSIG_VM_WATCHDOG=0 turns it off). QEMU's monitor is a
# socket in a private directory under /tmp, whose path OUTDIR/monitor names
# (a socket's path must be shorter than 108 bytes, and OUTDIR may not be).
#
# The emulator is the one selftests/lib/qemu.sh prepared. Each boot the
# watchdog ended leaves its logs and evidence in OUTDIR/try-N/ and a line
# in OUTDIR/retries; the last boot's logs stay in OUTDIR.
# Exit status: QEMU's, 124 when the VM was killed on timeout, 125 when the
# emulator hung on every boot.
set -eu

kernel=$1
outdir=$2
shift 2
: "${BUILD:?}"
here=$(cd "$(dirname "$0")" && pwd)
timeout=${HOSTSIG_VM_TIMEOUT:-900}
mem=${HOSTSIG_VM_MEM:-1536}
boots=${HOSTSIG_VM_RETRIES:-3}
qemu=$("$here/../lib/qemu.sh" cmd "$BUILD")

mkdir -p "$outdir"
rm -rf "$outdir"/try-* "$outdir/retries"
image="$BUILD/cache/vmlinux-$kernel"
[ -f "$BUILD/kernels/$kernel/boot-image" ] && image=$(cat "$BUILD/kernels/$kernel/boot-image")
parts="$BUILD/initramfs/base.cpio $BUILD/initramfs/python.cpio $BUILD/initramfs/$kernel.cpio"
# The nested guest, for the kernels that have one (selftests/nested/).
[ -f "$BUILD/initramfs/$kernel.nested.cpio" ] &&
	parts="$parts $BUILD/initramfs/microvm.cpio $BUILD/initramfs/$kernel.nested.cpio"
# shellcheck disable=SC2086 # parts is a list of paths without spaces
cat $parts >"$outdir/initrd.cpio"

mondir=$(mktemp -d /tmp/hostsig-vm.XXXXXX) || exit 1
trap 'rm -rf "$mondir"' EXIT
trap 'exit 143' TERM INT HUP
monitor=$mondir/monitor.sock
echo "$monitor" >"$outdir/monitor"

try=1
while :; do
	: >"$outdir/console.log"
	: >"$outdir/results.log"
	rm -f "$outdir/hang.txt" "$outdir/qemu.pid" "$monitor"
	# rcu_cpu_stall_timeout: emulated time runs unevenly under TCG on a
	# loaded host; a stall report would still fail the run, but only
	# past 120 s.
	# shellcheck disable=SC2086 # the emulator's command, word-split
	timeout -k 10 "$timeout" $qemu \
		-accel tcg -cpu max -m "$mem" -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$image" -initrd "$outdir/initrd.cpio" \
		-append "console=ttyS0 panic=-1 quiet rcupdate.rcu_cpu_stall_timeout=120 $*" \
		-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
		-monitor "unix:$monitor,server,nowait" \
		-pidfile "$outdir/qemu.pid" &
	vm=$!
	watch=
	if [ "${HOSTSIG_VM_WATCHDOG:-1}" != 0 ]; then
		python3 "$here/emuwatch.py" "$outdir/qemu.pid" "$monitor" \
			"$outdir/hang.txt" &
		watch=$!
	fi
	status=0
	wait "$vm" || status=$?
	[ -n "$watch" ] && { kill "$watch" 2>/dev/null; wait "$watch" 2>/dev/null || :; }
	[ -s "$outdir/hang.txt" ] || exit "$status"

	# The emulator's hang: keep this boot's evidence, boot again.
	mkdir -p "$outdir/try-$try"
	mv "$outdir/console.log" "$outdir/results.log" "$outdir/hang.txt" "$outdir/try-$try/"
	echo "boot $try of $boots: $(head -n 1 "$outdir/try-$try/hang.txt") (evidence: try-$try/)" \
		>>"$outdir/retries"
	[ "$try" -lt "$boots" ] || exit 125
	try=$((try + 1))
done
