#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Print the release of every installed Debian kernel the tests can use: its
# headers are installed (so hostsig.ko can be built for it), its image is in
# /boot, and it ships kvm-amd (the cloud flavour does not).
set -eu
for dir in /lib/modules/*/; do
	rel=$(basename "$dir")
	[ -e "$dir/build/Makefile" ] || continue
	[ -f "/boot/vmlinuz-$rel" ] || continue
	find "$dir/kernel/arch/x86/kvm" -name 'kvm-amd.ko*' 2>/dev/null | grep -q . || continue
	echo "$rel"
done | sort -V
