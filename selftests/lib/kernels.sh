#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the release of every installed Debian host kernel the tests can use:
# the generic flavour (the cloud flavour is a guest kernel here), with its
# headers installed (so hostsig.ko can be built for it), its image in /boot
# and kvm-amd among its modules.
set -eu
for dir in /lib/modules/*/; do
	rel=$(basename "$dir")
	case "$rel" in
	*-cloud-amd64) continue ;;
	esac
	[ -e "$dir/build/Makefile" ] || continue
	[ -f "/boot/vmlinuz-$rel" ] || continue
	find "$dir/kernel/arch/x86/kvm" -name 'kvm-amd.ko*' 2>/dev/null | grep -q . || continue
	echo "$rel"
done | sort -V
