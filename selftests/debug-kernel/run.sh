#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug-kernel tier: every VM test again on a kernel with KASAN,
# kmemleak, lockdep, DEBUG_ATOMIC_SLEEP, DEBUG_LIST and UBSAN, where any
# report fails the run (selftests/vm/results.awk); then the proof that the
# tier catches each kind of report: the fault-switch build of hostsig.ko
# leaks an object, reads freed memory, or takes two locks in both orders,
# and each report must show up.
#
# The kernel comes from prepare.sh (make check runs it). Environment:
# SRCDIR, BUILD; HOSTSIG_DEBUG_SPLIT (default 2) VMs share the tests.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

here=$(cd "$(dirname "$0")" && pwd)
kernels="$BUILD/kernels"

# Wait for start.sh's background preparation, or prepare now.
if [ -f "$kernels/debug-prepare.started" ]; then
	while [ ! -f "$kernels/debug-prepare.status" ]; do
		sleep 5
	done
	status=$(cat "$kernels/debug-prepare.status")
	rm -f "$kernels/debug-prepare.started" "$kernels/debug-prepare.status"
else
	"$here/prepare.sh" "$BUILD" >"$kernels/debug-prepare.log" 2>&1
	status=$?
fi
rel=$(cat "$kernels/debug-release" 2>/dev/null)
if [ "$status" -ne 0 ] || [ -z "$rel" ] ||
   ! make -s -C "$SRCDIR/selftests" initramfs KVERS="$rel" >>"$kernels/debug-prepare.log" 2>&1; then
	tap_begin
	tap_diag "$(tail -n 30 "$kernels/debug-prepare.log")"
	tap_not_ok "debug kernel prepared (selftests/debug-kernel/prepare.sh)"
	tap_done
fi

# The test programs dealt in turn to two VMs, side by side: by name the
# two long nested-guest tests are neighbours, and halves by name put both
# in one VM, which then ran for twice as long as the other.
progs=$(cd "$BUILD/tests/vm" && ls -- *_test | sort)
first=$(echo "$progs" | awk 'NR % 2 == 1' | tr '\n' ' ')
second=$(echo "$progs" | awk 'NR % 2 == 0' | tr '\n' ' ')
# One glob per VM: {a,b,c} is not sh, so the VM takes a list (see init).
entries="$rel@$(echo $first | tr ' ' ',')"
[ -n "$second" ] && entries="$entries $rel@$(echo $second | tr ' ' ',')"

# A debug kernel runs the tests two to three times slower: the VM's hang
# limit (selftests/vm/boot.sh) is twice the default.
HOSTSIG_KERNELS="$entries" HOSTSIG_VM_JOBS=${HOSTSIG_DEBUG_SPLIT:-2} \
	HOSTSIG_VM_TIMEOUT=${HOSTSIG_VM_TIMEOUT:-1800} \
	"$SRCDIR/selftests/vm/run.sh" >"$BUILD/results/debug-vm.tap" 2>&1
vmstatus=$?

tap_begin
# The VM suite's results, counted here as the tier's.
while IFS= read -r line; do
	case "$line" in
	"ok "*"# SKIP"*) name=${line#ok * }; tap_skip "${name%% # SKIP*}" "${line#*# SKIP }" ;;
	"ok "*) tap_ok "${line#ok [0-9]* }" ;;
	"not ok "*) tap_not_ok "${line#not ok [0-9]* }" ;;
	"#"*) echo "$line" ;;
	esac
done <"$BUILD/results/debug-vm.tap"
[ "$vmstatus" -ne 0 ] && [ "$TAP_FAILED" -eq 0 ] &&
	tap_not_ok "$rel: the VM suite failed (status $vmstatus) without a failed test"

# Each fault must be reported, by the tool meant to see it.
fault_boot() {
	out="$BUILD/vm/$rel-fault-$1"
	rm -rf "$out"
	mkdir -p "$out"
	# shellcheck disable=SC2046 # the kernel's own arguments, word-split
	"$SRCDIR/selftests/vm/boot.sh" "$rel" "$out" "hstest.fault=$1" \
		$(cat "$BUILD/kernels/$rel/cmdline" 2>/dev/null) >"$out/qemu.log" 2>&1
	echo $? >"$out/status"
}
for f in leak uaf lockorder; do
	fault_boot "$f" &
done
wait
for f in leak uaf lockorder; do
	out="$BUILD/vm/$rel-fault-$f"
	case "$f" in
	leak) want='unreferenced object|kmemleak: [0-9]+ new suspected memory leaks' ;;
	uaf) want='BUG: KASAN: (slab-)?use-after-free' ;;
	lockorder) want='possible circular locking dependency detected' ;;
	esac
	log=$(tr -d '\r' <"$out/results.log" | sed -n '/^hostsig-dmesg-begin/,$p')
	if printf '%s\n' "$log" | grep -Eq "$want"; then
		tap_ok "$rel: fault=$f is reported ($want)"
	else
		tap_diag "$(tail -n 20 "$out/console.log" | tr -d '\r')"
		tap_not_ok "$rel: fault=$f is reported ($want)"
	fi
	# And it was this fault, not some other report, that made the noise.
	if printf '%s\n' "$log" | grep -q "fault injected"; then
		tap_ok "$rel: fault=$f was injected by the fault-switch build"
	else
		tap_not_ok "$rel: fault=$f was injected by the fault-switch build"
	fi
done
tap_done
