#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the nested guest's parts of the test VM's initramfs (the others are
# selftests/vm/mkinitramfs.sh's):
#
#   microvm.cpio            qemu-system-x86_64-microvm, its libraries, the
#                           loader and the firmware it boots a kernel with
#   <release>.nested.cpio   for test VM kernel <release>: /bin/nested-guest
#                           and, in /nested, Debian's cloud kernel of the
#                           same series (vmlinuz), the nested guest's
#                           initramfs (initrd.cpio), copies of the module
#                           files it carries (mods/) and certificates
#                           (certs/: those built into that kernel, and the
#                           test keys' trusted.pem and untrusted.pem)
#
# The nested guest's initramfs holds busybox, selftests/nested/init,
# hsg-finit, hostsig-guest.ko (/lib/modules) and, in /mods:
#   - the modules of modules.list from the cloud kernel, as Debian signed
#     them, decompressed (and, for a kernel that ships them compressed,
#     also as shipped, NAME.ko.xz);
#   - the test modules of selftests/nested/modules, unsigned (NAME.ko),
#     signed with the test keys (NAME-trusted.ko, NAME-untrusted.ko);
#   - tampered copies: hsg_hello-tampered.ko (hsg_hello-trusted.ko with a
#     string its init prints changed after signing: "init Ran") and
#     ts_kmp-tampered.ko (Debian's, a byte of .comment changed).
#
# Both parts are rebuilt only when something they are made of changed.
#
# Usage: mkinitramfs.sh BUILD_DIR KERNEL_RELEASE...
# Expects: BUILD_DIR/guest-modules/<cloud release>/kmod/guest/hostsig-guest.ko,
# BUILD_DIR/nested/<cloud release>/modules/*.ko, BUILD_DIR/nested/hsg-finit
# (selftests/Makefile builds them), BUILD_DIR/userspace/hostsig-verify for
# the kernel's certificates.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift
out="$build/initramfs"
cache="$build/cache"
mkdir -p "$out" "$cache"
. "$here/../lib/cpio.sh"

QEMU=/usr/bin/qemu-system-x86_64-microvm
QEMU_FIRMWARE="bios-microvm.bin linuxboot_dma.bin pvh.bin"

make_cpio() {
	# make_cpio DIR OUTPUT: archive DIR's contents as root-owned files.
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

build_microvm() {
	pkgs=$(for f in "$QEMU" $(ldd "$QEMU" | awk '/=> \// { print $3 }'); do
		dpkg -S "$(realpath "$f")" 2>/dev/null | cut -d: -f1
	done | sort -u)
	key=$({
		dpkg-query -W -f='${Package} ${Version}\n' $pkgs qemu-system-data
		cat "$0"
	} | sha256sum | cut -c1-16)
	cached="$cache/microvm-$key.cpio"
	if [ ! -f "$cached" ]; then
		echo "mkinitramfs: packing qemu-system-x86_64-microvm ($key)" >&2
		rm -f "$cache"/microvm-*.cpio
		stage="$cache/microvm-$key.d"
		rm -rf "$stage"
		mkdir -p "$stage/usr/bin" "$stage/usr/lib/x86_64-linux-gnu" \
			"$stage/lib64" "$stage/usr/share/qemu"
		cp "$QEMU" "$stage/usr/bin/"
		# Each library under its soname, where the loader looks by default.
		ldd "$QEMU" | awk '/=> \// { print $3 }' | while read -r lib; do
			cp "$(realpath "$lib")" "$stage/usr/lib/x86_64-linux-gnu/$(basename "$lib")"
		done
		cp "$(realpath /lib64/ld-linux-x86-64.so.2)" "$stage/lib64/ld-linux-x86-64.so.2"
		for f in $QEMU_FIRMWARE; do
			cp "$(realpath "/usr/share/qemu/$f")" "$stage/usr/share/qemu/$f"
		done
		make_cpio "$stage" "$cached.tmp"
		mv "$cached.tmp" "$cached"
		rm -rf "$stage"
	fi
	ln -f "$cached" "$out/microvm.cpio" 2>/dev/null || cp "$cached" "$out/microvm.cpio"
}

# A key pair for signing test modules, made once: $1 is its name.
make_key() {
	keys="$cache/nested-keys"
	mkdir -p "$keys"
	[ -f "$keys/$1.pem" ] && return 0
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 36500 -sha256 \
		-subj "/CN=hostsig test module key ($1)/" -outform PEM \
		-keyout "$keys/$1.key" -out "$keys/$1.pem.tmp" 2>/dev/null
	mv "$keys/$1.pem.tmp" "$keys/$1.pem"
}

# patch_byte FILE OFFSET CHAR: overwrite one byte of FILE.
patch_byte() {
	printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Print a module and its dependencies, dependencies first.
module_closure() {
	local file dep
	file=$(modinfo -k "$1" -n "$2")
	for dep in $(modinfo -F depends "$file" | tr ',' ' '); do
		module_closure "$1" "$dep"
	done
	echo "$file"
}

# The nested guest's files for cloud kernel $1 in $2 (its root).
stage_guest() {
	guest=$1
	root=$2
	mods="$root/mods"
	mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" \
		"$root/dev" "$root/tmp" "$mods"
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$here/init" "$root/init"
	chmod 755 "$root/init"
	cp "$build/nested/hsg-finit" "$root/bin/hsg-finit"
	cp "$build/guest-modules/$guest/kmod/guest/hostsig-guest.ko" "$root/lib/modules/"

	grep -v '^#' "$here/modules.list" | while read -r name; do
		[ -n "$name" ] && module_closure "$guest" "$name"
	done | awk '!seen[$0]++' | while read -r file; do
		base=$(basename "$file")
		case "$base" in
		*.ko.xz)
			xz -dc "$file" >"$mods/${base%.xz}"
			cp "$file" "$mods/$base" ;;
		*.ko) cp "$file" "$mods/$base" ;;
		*) echo "mkinitramfs: $file: compressed how?" >&2; exit 1 ;;
		esac
	done

	sign="/usr/lib/linux-kbuild-${guest%%-*}/scripts/sign-file"
	[ -x "$sign" ] || sign=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file | head -n 1)
	keys="$cache/nested-keys"
	for ko in "$build/nested/$guest/modules"/*.ko; do
		name=$(basename "$ko" .ko)
		# As Debian installs its own: without debugging information.
		strip --strip-debug -o "$mods/$name.ko" "$ko"
		for k in trusted untrusted; do
			cp "$mods/$name.ko" "$mods/$name-$k.ko"
			"$sign" sha256 "$keys/$k.key" "$keys/$k.pem" "$mods/$name-$k.ko"
		done
	done
	cp "$mods/hsg_hello-trusted.ko" "$mods/hsg_hello-tampered.ko"
	off=$(grep -obUa 'init ran' "$mods/hsg_hello-tampered.ko" | head -n 1 | cut -d: -f1)
	patch_byte "$mods/hsg_hello-tampered.ko" $((off + 5)) R
	cp "$mods/ts_kmp.ko" "$mods/ts_kmp-tampered.ko"
	off=$(readelf -S -W "$mods/ts_kmp.ko" | awk '$2 == ".comment" { print $5 }')
	patch_byte "$mods/ts_kmp-tampered.ko" $((0x$off)) g
	module_sites "$mods" >"$mods/SITES"
}

# The bytes of each module's tables of runtime patch sites (jump labels,
# alternatives, ftrace call sites), for the tests to check that a module
# chosen for a kind of site has some: "NAME jump_table=N
# altinstructions=N mcount_loc=N".
module_sites() {
	for ko in "$1"/*.ko; do
		printf '%s' "$(basename "$ko" .ko)"
		readelf -S -W "$ko" | awk '
			function hex(s,  v, i) {
				v = 0
				for (i = 1; i <= length(s); i++)
					v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
				return v
			}
			{ for (i = 1; i < NF; i++) if ($i ~ /^[._]/) { name = $i; size = $(i + 4); break } }
			name == "__jump_table" { j = hex(size) }
			name == ".altinstructions" { a = hex(size) }
			name == "__mcount_loc" { m = hex(size) }
			{ name = "" }
			END { printf " jump_table=%d altinstructions=%d mcount_loc=%d\n", j, a, m }'
	done
}

build_nested() {
	rel=$1
	part="$out/$rel.nested.cpio"
	guest=$("$here/kernels.sh" "$rel")
	if [ -z "$guest" ]; then
		echo "mkinitramfs: no cloud kernel of the series of $rel: no nested guest" >&2
		rm -f "$part" "$part.key"
		return 0
	fi
	ko="$build/guest-modules/$guest/kmod/guest/hostsig-guest.ko"
	[ -f "$ko" ] || { echo "mkinitramfs: $ko missing (make guest-modules)" >&2; exit 1; }
	verify="$build/userspace/hostsig-verify"
	key=$({
		stat -c '%n %s %Y' "/boot/vmlinuz-$guest"
		dpkg-query -W -f='${Package} ${Version}\n' "linux-image-$guest"
		cat "$ko" "$build/nested/$guest/modules"/*.ko "$build/nested/hsg-finit" \
			"$here/init" "$here/nested-guest" "$here/lib.sh" "$here/bench" "$here/soak" \
			"$here/modules.list" "$0" \
			"$cache/nested-keys"/*.pem
		[ -x "$verify" ] && echo "certs"
	} | sha256sum | cut -c1-16)
	[ -f "$part" ] && [ "$(cat "$part.key" 2>/dev/null)" = "$key" ] && return 0

	echo "mkinitramfs: the nested guest for $rel: $guest" >&2
	stage="$out/$rel.nested.d"
	rm -rf "$stage"
	mkdir -p "$stage/bin" "$stage/nested/certs"
	stage_guest "$guest" "$stage/guest"
	make_cpio "$stage/guest" "$stage/nested/initrd.cpio"
	# /dev/console must exist before /init runs.
	{ cpio_dir dev; cpio_chardev dev/console 5 1; cpio_trailer; } >>"$stage/nested/initrd.cpio"
	mv "$stage/guest/mods" "$stage/nested/mods"
	rm -rf "$stage/guest"
	cp "/boot/vmlinuz-$guest" "$stage/nested/vmlinuz"
	echo "$guest" >"$stage/nested/release"
	cp "$cache/nested-keys/trusted.pem" "$cache/nested-keys/untrusted.pem" \
		"$stage/nested/certs/"
	if [ -x "$verify" ]; then
		mkdir -p "$stage/nested/certs/kernel"
		"$verify" --extract-certs "/boot/vmlinuz-$guest" "$stage/nested/certs/kernel" >/dev/null
	fi
	cp "$here/nested-guest" "$stage/bin/nested-guest"
	chmod 755 "$stage/bin/nested-guest"
	cp "$here/lib.sh" "$stage/nested/lib.sh"
	cp "$here/bench" "$stage/bin/nested-bench"
	cp "$here/soak" "$stage/bin/nested-soak"
	chmod 755 "$stage/bin/nested-bench" "$stage/bin/nested-soak"
	make_cpio "$stage" "$part.tmp"
	mv "$part.tmp" "$part"
	echo "$key" >"$part.key"
	rm -rf "$stage"
}

build_microvm
make_key trusted
make_key untrusted
for rel in "$@"; do
	build_nested "$rel"
done
