#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Extract a part of a Debian linux-source package into a cache keyed by the
# package version and print the tree's path. Only the members a part needs
# are extracted: decompressing the tarball is the slow step (10-20 s).
#
# Usage: ksrc.sh BUILD_DIR SERIES PART
#   SERIES  6.1 or 6.12
#   PART    kselftest  the kselftest framework and the KVM selftest library
#           scripts    checkpatch.pl and extract-vmlinux
#           ynl        the YNL netlink tools (6.12 and later)
set -eu

build=$1
series=$2
part=$3
tarball=/usr/src/linux-source-$series.tar.xz
version=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null) || {
	echo "ksrc: linux-source-$series is not installed" >&2
	exit 1
}

case "$part" in
kselftest)
	members="scripts/subarch.include tools/build/Build.include tools/include
		tools/arch/x86/include tools/lib/rbtree.c
		tools/testing/selftests/lib.mk tools/testing/selftests/kselftest.h
		tools/testing/selftests/kselftest_harness.h
		tools/testing/selftests/kvm" ;;
scripts)
	members="scripts/checkpatch.pl scripts/spelling.txt
		scripts/const_structs.checkpatch scripts/extract-vmlinux" ;;
ynl)
	members="tools/net/ynl Documentation/netlink include/uapi/linux/netlink.h
		include/uapi/linux/genetlink.h" ;;
*)
	echo "ksrc: unknown part $part" >&2
	exit 64 ;;
esac

dest="$build/cache/linux-source-$series-$version-$part"
if [ ! -f "$dest/.complete" ]; then
	echo "ksrc: extracting $part from $tarball" >&2
	rm -rf "$dest.tmp"
	mkdir -p "$dest.tmp"
	# shellcheck disable=SC2086 # members is a word list on purpose
	tar -xJf "$tarball" -C "$dest.tmp" --strip-components=1 \
		$(for m in $members; do echo "linux-source-$series/$m"; done)
	rm -rf "$dest"
	mv "$dest.tmp" "$dest"
	touch "$dest/.complete"
fi
echo "$dest"
