#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the parts of the test VM's initramfs. The VM boots with the
# concatenation of:
#   base.cpio        busybox, /init, device nodes, the static test programs,
#                    the static userspace programs, initramfs/extra/,
#                    test scripts and their helpers, the demo, and the
#                    kernel's YNL client with hostsig's YNL spec (/ynl)
#   python.cpio      a pruned Python for the YNL client (mkpython.sh)
#   <kernel>.cpio    that kernel's KVM modules (in load order) and hostsig.ko
# and, for speed, from the uncompressed vmlinux cut out of Debian's bzImage.
#
# Usage: mkinitramfs.sh BUILD_DIR KERNEL_RELEASE...
# Outputs in BUILD_DIR/initramfs/; slow steps are cached in BUILD_DIR/cache/.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift
out="$build/initramfs"
cache="$build/cache"
mkdir -p "$out" "$cache"
. "$here/../lib/cpio.sh"

# Modules the test VM loads, before hostsig.ko; dependencies come first.
KVM_MODULES="kvm-amd"

make_cpio() {
	# make_cpio DIR OUTPUT: archive DIR's contents as root-owned files.
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

build_base() {
	stage="$out/base.d"
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/tmp" \
		"$stage/lib/modules" "$stage/tests" "$stage/results"
	cp /bin/busybox "$stage/bin/busybox"
	ln -s busybox "$stage/bin/sh"
	cp "$here/init" "$stage/init"
	chmod 755 "$stage/init"
	for t in "$build"/tests/vm/*_test; do
		[ -x "$t" ] && cp "$t" "$stage/tests/"
	done
	for t in "$build"/tests/vm/*_helper; do
		[ -x "$t" ] && cp "$t" "$stage/bin/"
	done
	cp "$build/tests/vm/demo" "$stage/bin/hostsig-demo"
	# The userspace programs, linked statically (make -C userspace static).
	for p in hostsigd hostsigctl hostsig-verify; do
		[ -x "$build/userspace/static/$p" ] && cp "$build/userspace/static/$p" "$stage/bin/"
	done
	# Anything test preparation steps put in initramfs/extra/ (test images,
	# certificates, configuration), as it is laid out there.
	if [ -d "$out/extra" ]; then
		(cd "$out/extra" && find . -mindepth 1 | cpio -pdm --quiet "$stage")
	fi
	# The YNL client and its library, compiled for the VM's Python.
	ynl=$("$here/../lib/ksrc.sh" "$build" 6.12 ynl)
	mkdir -p "$stage/ynl/lib"
	cp "$ynl/tools/net/ynl/cli.py" "$stage/ynl/"
	cp "$ynl"/tools/net/ynl/lib/*.py "$stage/ynl/lib/"
	/usr/bin/python3.11 -c 'import compileall, py_compile, sys
sys.exit(not compileall.compile_dir(sys.argv[1], quiet=1,
	invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH))' "$stage/ynl/lib"
	cp "$here/../../Documentation/netlink/specs/hostsig.yaml" "$stage/ynl/"
	make_cpio "$stage" "$out/base.cpio.tmp"
	# /dev/console must exist before /init runs.
	{ cpio_dir dev; cpio_chardev dev/console 5 1; cpio_trailer; } >>"$out/base.cpio.tmp"
	mv "$out/base.cpio.tmp" "$out/base.cpio"
}

# Print a module and its dependencies, dependencies first, once each.
module_closure() {
	local file dep
	file=$(modinfo -k "$1" -n "$2")
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		module_closure "$1" "$dep"
	done
	echo "$file"
}

build_kernel() {
	rel=$1
	stage="$out/$rel.d"
	ko="$build/modules/$rel/hostsig.ko"
	[ -f "$ko" ] || { echo "mkinitramfs: $ko missing (make modules-all)" >&2; exit 1; }
	rm -rf "$stage"
	mkdir -p "$stage/lib/modules/kvm"
	: >"$stage/lib/modules/kvm/order"
	kernel="$build/kernels/$rel"
	if [ -f "$kernel/modules/order" ]; then
		# A kernel of our own build (the debug tier): its modules as it
		# lists them, and the fault-switch variant of hostsig.ko.
		cp "$kernel"/modules/*.ko "$kernel/modules/order" "$stage/lib/modules/kvm/"
		[ -f "$kernel/hostsig-faults.ko" ] &&
			cp "$kernel/hostsig-faults.ko" "$stage/lib/modules/"
	else
		for m in $KVM_MODULES; do module_closure "$rel" "$m"; done
	fi | awk '!seen[$0]++' |
	while read -r file; do
		name=$(basename "$file")
		case "$name" in
		*.ko.xz) xz -dc "$file" >"$stage/lib/modules/kvm/${name%.xz}"; name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$file" >"$stage/lib/modules/kvm/${name%.zst}"; name=${name%.zst} ;;
		*) cp "$file" "$stage/lib/modules/kvm/$name" ;;
		esac
		echo "$name" >>"$stage/lib/modules/kvm/order"
	done
	cp "$ko" "$stage/lib/modules/hostsig.ko"
	echo "$rel" >"$stage/lib/modules/release"
	make_cpio "$stage" "$out/$rel.cpio"
	rm -rf "$stage"

	# Our own kernels say which image to boot (boot.sh reads it).
	[ -f "$kernel/boot-image" ] && return
	# The uncompressed kernel boots about 5 s faster under TCG.
	vmlinuz="/boot/vmlinuz-$rel"
	key=$(stat -c '%s-%Y' "$vmlinuz")
	if [ "$(cat "$cache/vmlinux-$rel.key" 2>/dev/null)" != "$key" ]; then
		scripts=$("$here/../lib/ksrc.sh" "$build" 6.1 scripts)
		sh "$scripts/scripts/extract-vmlinux" "$vmlinuz" >"$cache/vmlinux-$rel.tmp"
		mv "$cache/vmlinux-$rel.tmp" "$cache/vmlinux-$rel"
		echo "$key" >"$cache/vmlinux-$rel.key"
	fi
}

build_base
"$here/mkpython.sh" "$build" "$out/python.cpio"
for rel in "$@"; do
	build_kernel "$rel"
done
