#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# How fast hostsig-verify is, against references run by this same script on
# the same bytes: OpenSSL's SHA-256 (the floor: the verifier hashes every
# byte once) and osslsigncode (another verifier). Input: Debian's signed
# kernel image, as a file and as a loaded image. Prints medians and ratios;
# fails nothing.
#
#   SRCDIR=$PWD BUILD=$PWD/build selftests/verifier/bench.sh [RUNS]
set -u
. "$SRCDIR/selftests/verifier/corpus.sh"

RUNS=${1:-21}
V="$BUILD/userspace/hostsig-verify"
OUT="$VERIFIER_OUT/bench"

die() {
	echo "bench: $*" >&2
	exit 1
}

[ -x "$V" ] || die "$V missing (make userspace)"
mkdir -p "$OUT"
build_testtool || die "pe-testtool does not build"
kernel=$(debian_kernels | head -n 1)
[ -n "$kernel" ] || die "no signed kernel image in /boot"
trust=
if mkdir -p "$DEBIAN" && fetch_deb shim-signed >/dev/null 2>&1 && extract_debian_ca >/dev/null 2>&1; then
	trust="--trust $DEBIAN/debian-ca.pem"
else
	echo "# (Debian Secure Boot CA unavailable: verdicts will be unknown, the work is the same)"
fi
"$TESTTOOL" load --mode uefi --base "$BASE_EFI" "$kernel" "$OUT/kernel" >/dev/null ||
	die "reference loader failed on $kernel"
image_base=$(sed -n 's/^image_base=//p' "$OUT/kernel.info")
loaded="--loaded $OUT/kernel.image --base $BASE_EFI --image-base $image_base --signature $OUT/kernel.sig"
[ -f "$OUT/kernel.tail" ] && loaded="$loaded --tail $OUT/kernel.tail"

# median_ms CMD...: median wall time of RUNS runs, in milliseconds
median_ms() {
	"$@" >/dev/null 2>&1	# warm the page cache and the dynamic loader
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>&1
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
		i=$((i + 1))
	done | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] / 1000 }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# shellcheck disable=SC2086
check=$("$V" $trust "$kernel" | sed -n 's/^verdict *//p')
# shellcheck disable=SC2086
check_loaded=$("$V" $trust $loaded | sed -n 's/^verdict *//p')

sha_file=$(median_ms openssl dgst -sha256 "$kernel")
sha_image=$(median_ms openssl dgst -sha256 "$OUT/kernel.image")
# shellcheck disable=SC2086
ours_file=$(median_ms "$V" $trust "$kernel")
# shellcheck disable=SC2086
ours_loaded=$(median_ms "$V" $trust $loaded)
ossl=$(median_ms "$OSSLSIGNCODE" verify ${trust:+-CAfile "$DEBIAN/debian-ca.pem"} -in "$kernel")

printf '# hostsig-verify on %s (%s bytes; loaded image %s bytes), median of %s runs\n' \
	"$kernel" "$(stat -c %s "$kernel")" "$(stat -c %s "$OUT/kernel.image")" "$RUNS"
printf '%-46s %8s ms\n' "openssl dgst -sha256 FILE" "$sha_file"
printf '%-46s %8s ms\n' "openssl dgst -sha256 IMAGE" "$sha_image"
printf '%-46s %8s ms   %s x sha256(FILE)   verdict %s\n' "hostsig-verify FILE" "$ours_file" \
	"$(ratio "$ours_file" "$sha_file")" "$check"
printf '%-46s %8s ms   %s x sha256(FILE)   %s x sha256(IMAGE)   verdict %s\n' \
	"hostsig-verify --loaded IMAGE" "$ours_loaded" "$(ratio "$ours_loaded" "$sha_file")" \
	"$(ratio "$ours_loaded" "$sha_image")" "$check_loaded"
printf '%-46s %8s ms   %s x hostsig-verify FILE\n' "osslsigncode verify FILE" "$ossl" \
	"$(ratio "$ossl" "$ours_file")"
if [ -n "$trust" ] && gcc -std=gnu11 -O2 -Wall -Wextra -I"$SRCDIR/userspace/lib" \
	-o "$OUT/bench-lib" "$SRCDIR/selftests/verifier/bench-lib.c" \
	"$BUILD/userspace/libhostsig.a" $(pkg-config --cflags --libs libcrypto); then
	"$OUT/bench-lib" "$kernel" "$OUT/kernel.image" "$OUT/kernel.sig" "$BASE_EFI" \
		"$image_base" "$DEBIAN/debian-ca.pem" "$RUNS"
fi
echo "# targets: FILE <= 1.15 x sha256, loaded <= 1.3 x sha256, >= 8 x faster than osslsigncode"
