#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer harness (userspace/fuzz/pe.c): first every regression input
# (userspace/fuzz/regressions/), then a bounded run, at least a minute,
# seeded from the test corpus: signed files, and loaded images as the
# reference loader maps them. The corpus it grows is kept under
# $BUILD/verifier/fuzz, so the next run starts where this one stopped.
#
# Sourced by run.sh. Alone, it prints TAP of its own:
#   SRCDIR=$PWD BUILD=$PWD/build selftests/verifier/fuzz.sh [SECONDS]
#
# A finding leaves its input in $BUILD/verifier/fuzz/artifacts; once fixed,
# copy it into userspace/fuzz/regressions under a name that says what it hit.

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_MAX_LEN=131072

fuzz_seeds() {
	seeds=$1
	rm -rf "$seeds"
	mkdir -p "$seeds"
	for f in signed/efi64-rsa.efi signed/efi32-rsa.efi signed/efi64-ec.efi \
		 signed/dll32-rsa.dll signed/dll64-nested.dll signed/efi64-zerofill.efi \
		 signed/efi64-norelocs.efi resigned/pesign-data-type.dll resigned/md-md5.dll \
		 weak/dll64-cross.dll weak/dll64-md5-chain.dll; do
		"$TESTTOOL" fuzz-seed "$seeds/file-${f#*/}" "$CORPUS/$f" || return 1
	done
	# objcopy's packed sections and pesign's data type, from Debian
	fwupd=$DEBIAN/fwupd-amd64-signed/usr/libexec/fwupd/efi/fwupdx64.efi.signed
	if [ -f "$fwupd" ]; then
		"$TESTTOOL" fuzz-seed "$seeds/file-fwupdx64.efi" "$fwupd" || return 1
		"$TESTTOOL" load --mode uefi --base "$BASE_EFI" "$fwupd" "$seeds/fwupd" &&
		"$TESTTOOL" fuzz-seed "$seeds/loaded-fwupd" "$seeds/fwupd.image" "$BASE_EFI" 0 \
			"$seeds/fwupd.sig" $([ -f "$seeds/fwupd.tail" ] && echo "$seeds/fwupd.tail") ||
			return 1
		rm -f "$seeds"/fwupd.*
	fi
	# name file mode base
	while read -r name file mode base; do
		out=$seeds/$name
		"$TESTTOOL" load --mode "$mode" --base "$base" "$CORPUS/signed/$file" "$out" &&
		"$TESTTOOL" fuzz-seed "$seeds/loaded-$name" "$out.image" "$base" \
			"$(sed -n 's/^image_base=//p' "$out.info")" "$out.sig" \
			$([ -f "$out.tail" ] && echo "$out.tail") || return 1
		rm -f "$out".*
	done <<-EOF
	efi64 efi64-rsa.efi uefi $BASE_EFI
	efi32 efi32-rsa.efi uefi $BASE32
	dll32 dll32-rsa.dll windows $BASE32
	dll64 dll64-rsa.dll windows $BASE64
	zerofill efi64-zerofill.efi uefi $BASE_EFI
	EOF
}

fuzz_tests() {
	fuzz_out=$VERIFIER_OUT/fuzz
	fuzzer=$BUILD/userspace/fuzz/pe-fuzz
	regressions=$SRCDIR/userspace/fuzz/regressions

	tap_run "fuzz harness builds (clang, libFuzzer, ASan, UBSan)" \
		make -s -C "$SRCDIR/userspace" O="$BUILD/userspace" fuzz
	[ -x "$fuzzer" ] || return
	mkdir -p "$fuzz_out/corpus" "$fuzz_out/artifacts"
	cat "$CORPUS/pki/rsa-root.pem" "$CORPUS/pki/ec-root.pem" \
		$([ -f "$DEBIAN/debian-ca.pem" ] && echo "$DEBIAN/debian-ca.pem") >"$fuzz_out/trust.pem"
	export HOSTSIG_FUZZ_TRUST="$fuzz_out/trust.pem"
	export HOSTSIG_FUZZ_DENY="$CORPUS/pki/rogue-inter.pem"

	n=$(ls "$regressions" | wc -l)
	out=$(timeout 300 "$fuzzer" "$regressions"/* 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || tap_diag "$(echo "$out" | tail -n 30)"
	tap_result "fuzz: $n regression inputs run clean" "$rc"

	if ! fuzz_seeds "$fuzz_out/seeds" >"$fuzz_out/seeds.log" 2>&1; then
		tap_diag "$(cat "$fuzz_out/seeds.log")"
		tap_not_ok "fuzz: seeds from the test corpus"
		return
	fi
	timeout $((FUZZ_SECONDS + 300)) "$fuzzer" -max_total_time="$FUZZ_SECONDS" -max_len="$FUZZ_MAX_LEN" \
		-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$fuzz_out/artifacts/" \
		"$fuzz_out/corpus" "$fuzz_out/seeds" >"$fuzz_out/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$fuzz_out/log")
	secs=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$fuzz_out/log")
	tap_diag "libFuzzer: ${runs:-?} inputs in $FUZZ_SECONDS s (slowest ${secs:-?} s)," \
		"corpus $(ls "$fuzz_out/corpus" | wc -l) inputs"
	if [ "$rc" -ne 0 ]; then
		tap_diag "$(grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$fuzz_out/log" | head -n 20)"
	fi
	tap_result "fuzz: $FUZZ_SECONDS s over the file and loaded-image paths, no finding" "$rc"
}

# Run alone: set up what run.sh would have, then only the fuzz tests.
case $0 in
*fuzz.sh)
	set -u
	FUZZ_SECONDS=${1:-$FUZZ_SECONDS}
	. "$SRCDIR/selftests/lib/tap.sh"
	. "$SRCDIR/selftests/verifier/corpus.sh"
	tap_begin
	tap_run "pe-testtool builds" build_testtool
	out=$(prepare_corpus) || { tap_not_ok "test corpus"; tap_done; }
	tap_ok "test corpus ($out)"
	fuzz_tests
	tap_done
	;;
esac
