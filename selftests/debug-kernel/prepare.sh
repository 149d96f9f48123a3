#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Make the debug kernel a test kernel like Debian's: build (or reuse) it,
# build hostsig.ko against it, and a second hostsig.ko with the test-only
# fault switch (HOSTSIG_FAULTS=y), and describe it where the VM harness
# looks (BUILD/kernels/<release>/: boot-image, modules/, cmdline).
# Prints the kernel's release.
#
# Usage: prepare.sh BUILD_DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
srcdir=$(cd "$here/../.." && pwd)
build=$1

dir=$("$here/build.sh" "$build")
rel=$(cat "$dir/release")
kernel="$build/kernels/$rel"

# hostsig.ko as every kernel gets it, then the fault-switch variant.
make -s -C "$srcdir" BUILD="$build" KDIR="$dir/KDIR" modules >&2
faults="$build/modules/$rel-faults"
mkdir -p "$faults"
cp -rsf "$srcdir/Kbuild" "$srcdir/kmod" "$srcdir/include" "$faults/"
make -s -C "$dir/KDIR" M="$faults" HOSTSIG_FAULTS=y modules >&2

rm -rf "$kernel"
mkdir -p "$kernel/modules"
echo "$dir/$(cat "$dir/boot-image")" >"$kernel/boot-image"
cp "$dir"/modules/*.ko "$dir/modules/order" "$kernel/modules/"
cp "$faults/hostsig.ko" "$kernel/hostsig-faults.ko"
# Every KASAN report, not only the first of a boot.
# Tests run two to three times slower: twice the time limit per test.
echo "kasan_multi_shot hstest.timeout=1200" >"$kernel/cmdline"
echo "$rel" >"$build/kernels/debug-release"
echo "$rel"
