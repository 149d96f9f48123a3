#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug kernel, or reuse the one an earlier run built from the same
# inputs. See Documentation/debug-kernel.rst.
#
# Usage: build.sh BUILD_DIR
#
# Prints on stdout the absolute path of a directory that holds:
#   KDIR/         a kernel tree for "make -C KDIR M=DIR modules"
#   bzImage       the kernel to boot (QEMU -kernel)
#   boot-image    the name of the file above that the tests boot: "bzImage"
#   vmlinux       the same kernel as an ELF file with symbols, to decode
#                 addresses in reports (objdump, nm); not for booting
#   System.map    its symbol table
#   modules/      irqbypass.ko, kvm.ko, kvm-amd.ko, and "order": their
#                 file names in the order they must be loaded
#   release       the kernel release, as "uname -r" prints it in the VM
#   config        the kernel's .config
#   build.log     the output of the build
# Progress goes to stderr; on failure the exit status is non-zero.
#
# The directory is BUILD_DIR/debug-kernel/VERSION-KEY, where VERSION is the
# version of Debian's linux-source-6.1 package and KEY a hash of everything
# else that shapes the kernel: the compiler, the settings in debug.config
# (not its comments), the Kconfig change below and the layout this script
# produces. Only the first run with a given
# key builds (7 to 8 minutes on 2 idle cores); later runs print the path at
# once.
#
# Environment: DEBUG_KERNEL_JOBS, the number of parallel build jobs (default:
# the number of CPUs plus one).
set -eu

# Bump when a change to this script changes what the result holds.
layout=1

package=linux-source-6.1
tarball=/usr/src/$package.tar.xz

# 6.1 gives KVM_EXTERNAL_WRITE_TRACKING no prompt (only the i915 GVT driver
# selects it), so no configuration can turn it on: give it one. Debian's
# kernels have it on through that driver.
kconfig_file=arch/x86/kvm/Kconfig
kconfig_edit='/^config KVM_EXTERNAL_WRITE_TRACKING$/ {
	n; s/^\tbool$/\tbool "KVM external write tracking"/
}'

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug.config

note() {
	echo "debug-kernel: $*" >&2
}

die() {
	echo "debug-kernel: error: $*" >&2
	exit 1
}

# Print the fragment's settings as CONFIG_X=value, "n" for "is not set".
settings() {
	sed -n -e 's/^\(CONFIG_[A-Za-z0-9_]*=.*\)$/\1/p' \
		-e 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set$/\1=n/p' "$fragment"
}

[ $# -eq 1 ] || die "usage: $0 BUILD_DIR"
[ "$(uname -m)" = x86_64 ] || die "builds an x86_64 kernel on x86_64 only"
for tool in gcc make flex bison bc xz tar flock sha256sum modinfo; do
	command -v "$tool" >/dev/null ||
		die "$tool is missing (selftests/lib/deps.sh build debugkernel)"
done
if ! version=$(dpkg-query -W -f='${Version}' "$package" 2>/dev/null) ||
	[ ! -r "$tarball" ]; then
	die "$package is not installed (selftests/lib/deps.sh kernels)"
fi

mkdir -p "$1/debug-kernel"
base=$(cd "$1/debug-kernel" && pwd)
case $base in
*[[:space:]]*) die "kbuild cannot work in a path with blanks: $base" ;;
esac

key=$({
	echo "$package $version"
	gcc --version | head -n 1
	echo "layout $layout"
	echo "$kconfig_file: $kconfig_edit"
	settings
} | sha256sum | cut -c 1-16)
out=$base/$(echo "$version" | tr -c 'A-Za-z0-9.+~\n-' _)-$key

# One build at a time per build directory; a second caller waits and reuses.
exec 9>"$base/.lock"
if ! flock -n 9; then
	note "waiting for another build of the debug kernel to finish"
	flock 9
fi

# The result directory appears only by the rename at the end: if it exists,
# it is complete.
if [ -f "$out/release" ]; then
	echo "$out"
	exit 0
fi

stage=$out.partial
src=$stage/src
log=$stage/build.log
rm -rf "$base"/*.partial
mkdir -p "$src"
: >"$log"

# Every make of the kernel runs with these. ARCH=x86_64, not the default
# "x86", makes allnoconfig start from a 64-bit configuration (otherwise
# choices such as the unwinder keep their 32-bit defaults). The rest makes
# the same inputs give the same kernel: no "+" for an unclean git tree above
# us, no host name or build time in uname -v.
jobs=${DEBUG_KERNEL_JOBS:-$(($(nproc) + 1))}
kmake() {
	make -C "$src" -j"$jobs" ARCH=x86_64 LOCALVERSION= \
		KBUILD_BUILD_USER=hostsig KBUILD_BUILD_HOST=debug-kernel \
		KBUILD_BUILD_TIMESTAMP="$timestamp" "$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "make $* failed; the whole log is $log"
	}
}

# Print the settings that the final .config does not honour.
unmet_options() {
	settings | while IFS= read -r want; do
		sym=${want%%=*}
		have=$(grep "^$sym=" "$src/.config" || echo "$sym=n")
		[ "$have" = "$want" ] || echo "  $want (got ${have#*=})"
	done
}

# Print the module files that modules "$@" need, dependencies first (with
# repeats). A subshell, so that the recursion keeps its own variables.
module_order() (
	for name in "$@"; do
		file=$stage/modules/$name.ko
		[ -f "$file" ] || die "the build produced no $name.ko"
		deps=$(modinfo -F depends "$file" | tr , ' ')
		# shellcheck disable=SC2086 # split the list into names
		module_order $deps
		echo "$name.ko"
	done
)

started=$(date +%s)
note "building in $stage (7 to 8 minutes on 2 idle cores; log: $log)"
note "extracting $tarball ($package $version)"
tar -xf "$tarball" -C "$src" --strip-components=1 ||
	die "cannot extract $tarball"
timestamp=$(date -u -R -d "@$(stat -c %Y "$src/Makefile")")

sed -i "$kconfig_edit" "$src/$kconfig_file"
grep -A 1 '^config KVM_EXTERNAL_WRITE_TRACKING$' "$src/$kconfig_file" |
	grep -q 'bool "' ||
	die "could not give KVM_EXTERNAL_WRITE_TRACKING a prompt in $kconfig_file"

note "configuring: allnoconfig + $(basename "$fragment") + olddefconfig"
kmake allnoconfig
(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") \
	>>"$log" 2>&1 || die "merging $fragment failed; see $log"
kmake olddefconfig
unmet=$(unmet_options)
if [ -n "$unmet" ]; then
	echo "$unmet" >&2
	die "these options of $fragment did not stick (unmet dependency? typo?)"
fi

note "compiling with $jobs jobs"
kmake bzImage modules

note "assembling $out"
cp "$src/arch/x86/boot/bzImage" "$src/vmlinux" "$src/System.map" "$stage/"
echo bzImage >"$stage/boot-image"
cp "$src/.config" "$stage/config"
cp "$src/include/config/kernel.release" "$stage/release"
mkdir "$stage/modules"
find "$src" -name '*.ko' -exec cp {} "$stage/modules/" \;
# The test VM loads kvm-amd; its dependencies come first.
module_order kvm-amd >"$stage/modules/order.all"
awk '!seen[$0]++' "$stage/modules/order.all" >"$stage/modules/order"
rm "$stage/modules/order.all"

# What "make M=" needs, as Debian's linux-headers packages hold it: the
# makefiles, the headers (with the generated ones), scripts/ with its host
# programs, objtool, the configuration and Module.symvers; a small part of
# the whole tree.
mkdir "$stage/KDIR"
(cd "$src" && tar -cf - --exclude='*.o' --exclude='.*.cmd' \
	Makefile .config Module.symvers System.map include scripts \
	arch/x86/Makefile arch/x86/Makefile_32.cpu arch/x86/include \
	tools/objtool/objtool) | tar -xf - -C "$stage/KDIR" ||
	die "cannot copy the module build tree"

note "checking that an out-of-tree module builds against KDIR"
mkdir "$stage/selfcheck"
cat >"$stage/selfcheck/selfcheck.c" <<'EOF'
#include <linux/module.h>

static int __init selfcheck_init(void)
{
	return 0;
}
module_init(selfcheck_init);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := selfcheck.o' >"$stage/selfcheck/Kbuild"
if ! make -C "$stage/KDIR" M="$stage/selfcheck" modules >>"$log" 2>&1 ||
	[ ! -f "$stage/selfcheck/selfcheck.ko" ]; then
	tail -n 20 "$log" >&2
	die "an out-of-tree module does not build against $stage/KDIR"
fi
rm -rf "$stage/selfcheck" "$src"

mv "$stage" "$out"
note "built $(cat "$out/release") in $(($(date +%s) - started)) s: $out"
echo "$out"
