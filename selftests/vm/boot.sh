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
# that hangs; HOSTSIG_VM_MEM (MiB, default 1536); HOSTSIG_VM_MONITOR (any
# value) opens QEMU's monitor on OUTDIR/monitor.sock, to look at a hang.
# Exit status: QEMU's, or 124 when the VM was killed on timeout.
set -eu

kernel=$1
outdir=$2
shift 2
: "${BUILD:?}"
timeout=${HOSTSIG_VM_TIMEOUT:-900}
mem=${HOSTSIG_VM_MEM:-1536}

mkdir -p "$outdir"
image="$BUILD/cache/vmlinux-$kernel"
[ -f "$BUILD/kernels/$kernel/boot-image" ] && image=$(cat "$BUILD/kernels/$kernel/boot-image")
parts="$BUILD/initramfs/base.cpio $BUILD/initramfs/python.cpio $BUILD/initramfs/$kernel.cpio"
# The nested guest, for the kernels that have one (selftests/nested/).
[ -f "$BUILD/initramfs/$kernel.nested.cpio" ] &&
	parts="$parts $BUILD/initramfs/microvm.cpio $BUILD/initramfs/$kernel.nested.cpio"
# shellcheck disable=SC2086 # parts is a list of paths without spaces
cat $parts >"$outdir/initrd.cpio"
: >"$outdir/console.log"
: >"$outdir/results.log"

# rcu_cpu_stall_timeout: emulated time runs unevenly under TCG on a loaded
# host; a stall report would still fail the run, but only past 120 s.
exec timeout -k 10 "$timeout" qemu-system-x86_64 \
	-accel tcg -cpu max -m "$mem" -smp 1 \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$image" -initrd "$outdir/initrd.cpio" \
	-append "console=ttyS0 panic=-1 quiet rcupdate.rcu_cpu_stall_timeout=120 $*" \
	-serial "file:$outdir/console.log" -serial "file:$outdir/results.log" \
	${HOSTSIG_VM_MONITOR:+-monitor "unix:$outdir/monitor.sock,server,nowait"}
