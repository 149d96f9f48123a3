#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer harness for kernel modules (userspace/fuzz/elf.c, with its
# structure-aware mutator: section headers, symbols, relocations and the
# signature's length fields edited as fields): first every regression
# input (userspace/fuzz/regressions-elf/), then a bounded
# run, at least a minute, seeded with signed test modules, captured loads
# of them (both kernels) and certificates. The corpus it grows is kept
# under $BUILD/elfverify/fuzz, so the next run starts where this one
# stopped.
#
# Sourced by run.sh. Alone, after one run.sh (for the corpus):
#   SRCDIR=$PWD BUILD=$PWD/build selftests/elfverify/fuzz.sh [SECONDS]
#
# A finding leaves its input in $BUILD/elfverify/fuzz/artifacts; once fixed,
# copy it into userspace/fuzz/regressions-elf under a name that says what
# it hit.

ELF_FUZZ_SECONDS=${ELF_FUZZ_SECONDS:-60}
ELF_FUZZ_MAX_LEN=262144

elf_fuzz_seeds() {
	seeds=$1
	rm -rf "$seeds"
	mkdir -p "$seeds"
	cat "$PKI"/*.der >"$seeds/certs.der"
	"$TOOLS/elf-seed" kernel "$seeds/kernel-certs" "$seeds/certs.der" || return 1
	for rel in $RELEASES; do
		h=$ELF_OUT/$rel/hsmod
		for f in rsa ec sha1 unsigned; do
			"$TOOLS/elf-seed" file "$seeds/file-$rel-$f" "$h/$f.ko" || return 1
		done
		for spec in "none:--patch none" "all:--patch all" "split:--split-signature"; do
			out=$seeds/cap
			rm -rf "$out"
			# shellcheck disable=SC2086
			"$TOOLS/mod-loader" ${spec#*:} "$h/ec.ko" "$out" >/dev/null &&
			"$TOOLS/elf-seed" capture "$seeds/capture-$rel-${spec%%:*}" "$out" || return 1
			rm -rf "$out"
		done
	done
}

elf_fuzz_tests() {
	fuzz_out=$ELF_OUT/fuzz
	fuzzer=$BUILD/userspace/fuzz/elf-fuzz
	regressions=$SRCDIR/userspace/fuzz/regressions-elf

	tap_run "ELF fuzz harness builds (clang, libFuzzer, ASan, UBSan)" \
		make -s -C "$SRCDIR/userspace" O="$BUILD/userspace" "$fuzzer"
	[ -x "$fuzzer" ] || return
	mkdir -p "$fuzz_out/corpus" "$fuzz_out/artifacts"
	cat "$PKI/rsa.pem" "$PKI/ec.pem" >"$fuzz_out/trust.pem"
	export HOSTSIG_FUZZ_TRUST="$fuzz_out/trust.pem"
	export HOSTSIG_FUZZ_DENY="$PKI/foreign.pem"

	if [ -d "$regressions" ] && [ -n "$(ls "$regressions")" ]; then
		n=$(ls "$regressions" | wc -l)
		out=$(timeout 300 "$fuzzer" "$regressions"/* 2>&1)
		rc=$?
		[ "$rc" -eq 0 ] || tap_diag "$(echo "$out" | tail -n 30)"
		tap_result "ELF fuzz: $n regression inputs run clean" "$rc"
	fi
	if ! elf_fuzz_seeds "$fuzz_out/seeds" >"$fuzz_out/seeds.log" 2>&1; then
		tap_diag "$(cat "$fuzz_out/seeds.log")"
		tap_not_ok "ELF fuzz: seeds from the test corpus"
		return
	fi
	timeout $((ELF_FUZZ_SECONDS + 300)) "$fuzzer" -max_total_time="$ELF_FUZZ_SECONDS" \
		-max_len="$ELF_FUZZ_MAX_LEN" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$fuzz_out/artifacts/" \
		"$fuzz_out/corpus" "$fuzz_out/seeds" >"$fuzz_out/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_out/log")
	secs=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$fuzz_out/log")
	tap_diag "libFuzzer: ${runs:-?} inputs in $ELF_FUZZ_SECONDS s (slowest ${secs:-?} s)," \
		"corpus $(ls "$fuzz_out/corpus" | wc -l) inputs"
	if [ "$rc" -ne 0 ]; then
		tap_diag "$(grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$fuzz_out/log" | head -n 20)"
	fi
	tap_result "ELF fuzz: $ELF_FUZZ_SECONDS s over module files, captured loads and kernel images, no finding" "$rc"
}

case $0 in
*fuzz.sh)
	set -u
	ELF_FUZZ_SECONDS=${1:-$ELF_FUZZ_SECONDS}
	. "$SRCDIR/selftests/lib/tap.sh"
	. "$SRCDIR/selftests/elfverify/corpus.sh"
	RELEASES=$(ls -d "$ELF_OUT"/*/hsmod 2>/dev/null | sed "s|$ELF_OUT/||; s|/hsmod||" | tr '\n' ' ')
	tap_begin
	[ -n "$RELEASES" ] || { tap_not_ok "the corpus of run.sh"; tap_done; }
	elf_fuzz_tests
	tap_done
	;;
esac
