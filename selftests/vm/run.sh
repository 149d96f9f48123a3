#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The VM suite: boot every test kernel in QEMU with the test initramfs, let
# /init run the VM test programs, and turn what comes back into one TAP
# stream (see results.awk for what counts as a failure).
#
# Environment: SRCDIR, BUILD; HOSTSIG_KERNELS overrides the kernel list
# (an entry RELEASE@GLOB[,GLOB...] boots that kernel for the matching test
# programs only, so that one kernel's tests can be spread over VMs; a glob
# -GLOB leaves the matching ones out). By default each kernel with a
# nested guest boots three times: once for each nested-guest test, which
# take longest, and once for all the others;
# HOSTSIG_VM_JOBS (default 2) VMs boot at once; HOSTSIG_VM_FILTER (a shell
# glob) runs only matching test programs; HOSTSIG_SEED replays the
# randomized tests with the seed they printed.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

NESTED_TESTS="hostsigd_guest_test guest_proxy_test"

default_kernels() {
	rels=$("$SRCDIR/selftests/lib/kernels.sh")
	for t in $NESTED_TESTS; do
		for rel in $rels; do
			[ -n "$("$SRCDIR/selftests/nested/kernels.sh" "$rel")" ] &&
				echo "$rel@$t"
		done
	done
	for rel in $rels; do
		if [ -n "$("$SRCDIR/selftests/nested/kernels.sh" "$rel")" ]; then
			echo "$rel@$(echo "$NESTED_TESTS" | sed 's/^/-/; s/ /,-/g')"
		else
			echo "$rel"
		fi
	done
}

kernels=${HOSTSIG_KERNELS:-$(default_kernels)}
jobs=${HOSTSIG_VM_JOBS:-2}
filter=${HOSTSIG_VM_FILTER:-*}
outroot="$BUILD/vm"

# Whether test $1 is one of the globs $2 (as /init decides it): it matches
# a glob (or there is none but -GLOBs) and no -GLOB.
selected() {
	# The globs are patterns for case, not file names.
	set -f
	IFS=,
	in= positive=
	for g in $2; do
		case "$g" in
		-*)
			case "$1" in
			${g#-}) unset IFS; set +f; return 1 ;;
			esac ;;
		*)
			positive=1
			case "$1" in
			$g) in=1 ;;
			esac ;;
		esac
	done
	unset IFS
	set +f
	[ -n "$in" ] || [ -z "$positive" ]
}

# The test programs an entry runs: those matching both globs.
expected_of() {
	for t in "$BUILD"/tests/vm/*_test; do
		[ -e "$t" ] || continue
		name=${t##*/}
		case "$name" in
		$filter) ;;
		*) continue ;;
		esac
		selected "$name" "$1" && printf ' %s' "$name"
	done
}

# RELEASE@GLOB -> its release, its glob (default: all), its output name.
release_of() { echo "${1%%@*}"; }
glob_of() { case "$1" in *@*) echo "${1#*@}" ;; *) echo '*' ;; esac; }
outdir_of() { echo "$outroot/$(echo "$1" | tr -c 'A-Za-z0-9._+\n-' '_')"; }

boot() {
	rel=$(release_of "$1")
	out=$(outdir_of "$1")
	rm -rf "$out"
	mkdir -p "$out"
	glob=$(glob_of "$1")
	# shellcheck disable=SC2046 # the kernel's own arguments, word-split
	"$SRCDIR/selftests/vm/boot.sh" "$rel" "$out" "hstest.filter=$filter" \
		"hstest.only=$glob" \
		$(cat "$BUILD/kernels/$rel/cmdline" 2>/dev/null) \
		${HOSTSIG_SEED:+"hstest.seed=$HOSTSIG_SEED"} \
		>"$out/qemu.log" 2>&1
	echo $? >"$out/status"
}

# Boot up to $jobs VMs at a time, the next as soon as one is done; TCG
# uses one host core per VM.
for k in $kernels; do
	rm -f "$(outdir_of "$k")/status"
done
started=
for k in $kernels; do
	while :; do
		running=0
		for s in $started; do
			[ -f "$(outdir_of "$s")/status" ] || running=$((running + 1))
		done
		[ "$running" -lt "$jobs" ] && break
		sleep 1
	done
	boot "$k" &
	started="$started $k"
done
wait

tap_begin
tap_diag "emulator: $("$SRCDIR/selftests/lib/qemu.sh" version "$BUILD" 2>&1)"
part=0
for k in $kernels; do
	out=$(outdir_of "$k")
	label=$(release_of "$k")
	case "$k" in
	*@*) part=$((part + 1)); label="$label (part $part)" ;;
	esac
	awk -v kernel="$label" -v expected="$(expected_of "$(glob_of "$k")")" \
		-v vmstatus="$(cat "$out/status")" \
		-f "$SRCDIR/selftests/vm/results.awk" "$out/results.log" >"$out/verdicts"
	# Boots the watchdog ended (the emulator's hang), with their evidence.
	if [ -f "$out/retries" ]; then
		while read -r line; do
			tap_diag "$label: emulator hang, booted again: $line"
		done <"$out/retries"
	fi
	if grep -q '^FAIL' "$out/verdicts"; then
		tap_diag "$k: last lines of the console:" \
			"$(tail -n 25 "$out/console.log" | tr -d '\r')"
		[ -s "$out/qemu.log" ] && tap_diag "qemu: $(cat "$out/qemu.log")"
	fi
	while IFS="	" read -r kind name extra; do
		case "$kind" in
		PASS) tap_ok "$name" ;;
		FAIL) tap_not_ok "$name" ;;
		SKIP) tap_skip "$name" "$extra" ;;
		DIAG) tap_diag "$name" ;;
		esac
	done <"$out/verdicts"
done
tap_done
