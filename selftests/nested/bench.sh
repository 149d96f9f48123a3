#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the nested guest's part: boot the test VM (the newest
# installed kernel that has a nested guest) and run selftests/nested/bench
# there, which prints what hostsig costs a Linux guest as ratios measured
# in the same run.
#
# Environment: SRCDIR, BUILD; HOSTSIG_BENCH_ROUNDS (default 3).
set -eu

kernel=
for rel in $("$SRCDIR/selftests/lib/kernels.sh"); do
	[ -n "$("$SRCDIR/selftests/nested/kernels.sh" "$rel")" ] && kernel=$rel
done
[ -n "$kernel" ] || { echo "nested bench: no kernel with a nested guest (cloud kernel) installed"; exit 1; }
out="$BUILD/bench/nested"
mkdir -p "$out"
echo "nested bench: test VM $kernel"
HOSTSIG_VM_TIMEOUT=3600 "$SRCDIR/selftests/vm/boot.sh" "$kernel" "$out" \
	"hstest.mode=run:nested-bench" hstest.timeout=3000 \
	"hstest.args=${HOSTSIG_BENCH_ROUNDS:-3}" >"$out/qemu.log" 2>&1 || :
tr -d '\r' <"$out/results.log" | grep -v '^hostsig-'
status=$(tr -d '\r' <"$out/results.log" | sed -n 's/^hostsig-run-status //p')
[ "$status" = 0 ] || { echo "nested bench: failed (status ${status:-none}; see $out)"; exit 1; }
