#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make demo: boot a KVM host (a Debian kernel in QEMU, KVM nested) with
# hostsig.ko and let a guest talk to it. Prints what happens.
# Environment: SRCDIR, BUILD; HOSTSIG_DEMO_KERNEL picks the kernel (default:
# the newest installed).
set -eu

kernel=${HOSTSIG_DEMO_KERNEL:-$("$SRCDIR/selftests/lib/kernels.sh" | tail -n 1)}
out="$BUILD/demo/$kernel"
echo "hostsig demo: booting Debian kernel $kernel in QEMU (TCG, nested KVM)..."
status=0
"$SRCDIR/selftests/vm/boot.sh" "$kernel" "$out" hstest.mode=demo >"$out.qemu.log" 2>&1 || status=$?
tr -d '\r' <"$out/results.log" | grep -v '^hostsig-' || true
demo=$(tr -d '\r' <"$out/results.log" | sed -n 's/^hostsig-demo-status //p')
if [ "$status" -ne 0 ] || [ "$demo" != 0 ]; then
	echo "demo failed (VM status $status, demo status ${demo:-none}); console:" >&2
	tail -n 30 "$out/console.log" >&2
	exit 1
fi
