#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernels the tests boot as nested guests: Debian's cloud kernels
# (linux-image-cloud-amd64, linux-image-6.12-cloud-amd64), which boot
# quickly under emulation (LZ4, few drivers).
#
# Usage: kernels.sh            every installed cloud kernel with headers
#        kernels.sh RELEASE    the one of the same series as RELEASE (a test
#                              VM kernel such as 6.1.0-56-amd64), if any
set -eu

all() {
	for dir in /lib/modules/*-cloud-amd64/; do
		[ -d "$dir" ] || continue
		rel=$(basename "$dir")
		[ -e "$dir/build/Makefile" ] || continue
		[ -f "/boot/vmlinuz-$rel" ] || continue
		echo "$rel"
	done | sort -V
}

# The series of a release: its first two numbers (6.1, 6.12).
series() { echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p'; }

if [ $# -eq 0 ]; then
	all
	exit 0
fi
want=$(series "$1")
for rel in $(all); do
	[ "$(series "$rel")" = "$want" ] && echo "$rel"
done | tail -n 1
