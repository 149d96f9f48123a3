#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Make sure the Debian packages hostsig needs are installed: install the
# missing ones from Debian's archive when run as root, or print the exact
# command to run and fail otherwise.
#
# Usage: deps.sh [GROUP...]   (default: every group)
set -eu

group_build="gcc make pkg-config libc6-dev libssl-dev libnl-3-dev libnl-genl-3-dev kmod cpio xz-utils zstd"
group_kernels="linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.1 linux-source-6.12"
group_vm="qemu-system-x86 busybox-static python3"
# The nested guests' kernels (Debian's cloud flavour boots fastest under
# emulation); the generic kernels do not pull them in.
group_nested="linux-image-cloud-amd64 linux-headers-cloud-amd64 linux-image-6.12-cloud-amd64 linux-headers-6.12-cloud-amd64"
group_lint="sparse perl"
group_verifier="gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 osslsigncode sbsigntool openssl clang libclang-rt-14-dev jq groff-base liblzma-dev lz4"
group_debugkernel="flex bison bc libelf-dev"
group_ynl="python3 python3-yaml python3-jsonschema"

groups=${*:-build kernels nested vm lint verifier debugkernel ynl}
wanted=
for g in $groups; do
	eval "pkgs=\${group_$g:?unknown package group $g}"
	wanted="$wanted $pkgs"
done

missing=
for p in $wanted; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "hostsig: missing Debian packages; as root run:" >&2
	echo "  apt-get install --no-install-recommends$missing" >&2
	exit 1
fi
echo "hostsig: installing from Debian's archive:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests boot the kernels with an initramfs of their own: skip Debian's.
export INITRD=No
if ! apt-get install -y -q --no-install-recommends $missing >&2; then
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends $missing >&2
fi
