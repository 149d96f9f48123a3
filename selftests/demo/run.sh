#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a KVM host (Debian's newest installed kernel in QEMU, KVM
# nested) with hostsig.ko, start hostsigd there and let two guests load
# signed, tampered and patched drivers (selftests/vm/demo.c). Shows what
# happens as it happens; exits non-zero if hostsig did not behave.
#
# Environment: SRCDIR, BUILD; HOSTSIG_DEMO_KERNEL picks the kernel (default:
# the newest installed).
set -eu

kernel=${HOSTSIG_DEMO_KERNEL:-$("$SRCDIR/selftests/lib/kernels.sh" | tail -n 1)}
out="$BUILD/demo/$kernel"
mkdir -p "$out"
: >"$out/results.log"
echo "hostsig demo: booting Debian's kernel $kernel in QEMU (software-emulated"
echo "AMD CPU, KVM nested inside it)..."
start=$(date +%s)
HOSTSIG_VM_TIMEOUT=${HOSTSIG_VM_TIMEOUT:-300} \
	"$SRCDIR/selftests/vm/boot.sh" "$kernel" "$out" hstest.mode=demo hstest.timeout=240 \
	>"$out/qemu.log" 2>&1 &
qemu=$!
# What the VM says, as it says it (boot.sh empties the file first).
tail -n +1 -s 0.2 --pid=$qemu -f "$out/results.log" 2>/dev/null | tr -d '\r' |
	grep --line-buffered -v '^hostsig-' || true
status=0
wait $qemu || status=$?
demo=$(tr -d '\r' <"$out/results.log" | sed -n 's/^hostsig-demo-status //p')
echo
echo "(the demo took $(($(date +%s) - start)) s; console: $out/console.log)"
if [ "$status" -ne 0 ] || [ "$demo" != 0 ]; then
	echo "make demo: FAILED (VM status $status, demo status ${demo:-none})" >&2
	[ "$status" -ne 0 ] && tail -n 30 "$out/console.log" >&2
	exit 1
fi
