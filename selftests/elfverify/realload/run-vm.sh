#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Real loads: boot Debian's own kernel RELEASE in QEMU (TCG) with an
# initramfs that loads kcapture.ko, then some of the release's modules
# (dependencies first) and the test modules given, and sends kcapture's
# records out on the second serial port. The records are split into capture
# directories in OUT/caps/<module>/.
#
# usage: run-vm.sh RELEASE KCAPTURE.ko TOOLS_DIR OUT [MODULE.ko...]
# Environment: ELF_VM_TIMEOUT (seconds, default 600).
set -eu

rel=$1 kcapture=$2 tools=$3 out=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../lib/cpio.sh"

# Debian modules with sites of every kind between them.
MODULES="msr virtio_net kvm-amd"

stage=$out/stage
rm -rf "$out"
mkdir -p "$stage/bin" "$stage/modules" "$stage/proc" "$stage/sys" "$stage/dev"
cp /bin/busybox "$stage/bin/"
for a in sh mount insmod stty cat echo gzip poweroff; do
	ln -s busybox "$stage/bin/$a"
done
cp "$here/init" "$stage/init"
chmod 755 "$stage/init"
cp "$kcapture" "$stage/kcapture.ko"
: >"$stage/modules.list"

add_module() {	# add_module NAME FILE
	grep -qx "$1" "$stage/modules.list" && return 0
	case $2 in
	*.xz) xz -dc "$2" >"$stage/modules/$1.ko" ;;
	*) cp "$2" "$stage/modules/$1.ko" ;;
	esac
	echo "$1" >>"$stage/modules.list"
}

closure() {	# closure NAME: dependencies first
	local f d
	f=$(modinfo -k "$rel" -n "$1")
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		closure "$d"
	done
	echo "$f"
}

for m in $MODULES; do
	for f in $(closure "$m"); do
		n=$(basename "$f")
		n=${n%.xz}
		add_module "${n%.ko}" "$f"
	done
done
for f in "$@"; do
	n=$(basename "$f")
	add_module "${n%.ko}" "$f"
done
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$out/initrd.cpio"
{ cpio_dir dev; cpio_chardev dev/console 5 1; cpio_trailer; } >>"$out/initrd.cpio"
timeout -k 10 "${ELF_VM_TIMEOUT:-600}" qemu-system-x86_64 -accel tcg -cpu max -m 1024 -smp 1 \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "/boot/vmlinuz-$rel" -initrd "$out/initrd.cpio" \
	-append "console=ttyS0 panic=-1 quiet" \
	-serial "file:$out/console.log" -serial "file:$out/records.gz"
gzip -dc "$out/records.gz" >"$out/records.bin"
"$tools/kcapture-split" "$out/records.bin" "$out/caps" >"$out/captured.list"
