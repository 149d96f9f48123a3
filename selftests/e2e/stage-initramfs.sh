#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stage the end-to-end tests' inputs for the test VM, under /e2e there:
#
#   trust/        the test CAs (RSA, ECDSA) and the Debian Secure Boot CA
#                 taken out of shim: the trust store hostsigd gets
#   files/N.gz    signed images as files, for hostsig-verify in the VM
#   load/N.*      the same images as the reference loader (pe-testtool)
#                 maps them at a guest virtual base that is not their
#                 ImageBase: N.image.gz (SizeOfImage bytes, relocated,
#                 imports bound, ImageBase rewritten, /GS cookie), N.sig
#                 (the certificate table), N.tail (file bytes after the
#                 sections), N.info (base, image_base, what was done)
#   many/         one image loaded at many bases, for the load test
#   list          name, file, loader mode and base of every load/ entry
#
# The images are the verifier's test corpus (selftests/verifier/corpus.sh)
# and Debian's signed EFI binaries, plus tampered copies (a byte of .text
# flipped in the file). Compressed, the whole is well under a megabyte.
# Cached under $BUILD/e2e/stage; rebuilt when its inputs change.
#
# Usage: stage-initramfs.sh BUILD EXTRA_DIR
set -eu

BUILD=$1
extra=$2
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export SRCDIR BUILD
. "$SRCDIR/selftests/verifier/corpus.sh"

out="$BUILD/e2e/stage"
log="$BUILD/e2e/stage.log"
mkdir -p "$BUILD/e2e"

# Guest virtual bases: none is a file's ImageBase, 64 KiB aligned, far
# from each other and from what the KVM selftest library uses.
# name source mode base
images() {
	S=$CORPUS/signed
	SHIM=$DEBIAN/shim-helpers-amd64-signed/usr/lib/shim
	T=$out/tampered
	cat <<-EOF
	dll64-rsa $S/dll64-rsa.dll windows 0x7ff6a1230000
	dll64-bound $S/dll64-bound.dll windows 0x7ff6a1330000
	dll64-ec $S/dll64-ec.dll windows 0x7ff6a1430000
	dll64-rogue $S/dll64-rogue.dll windows 0x7ff6a1530000
	dll64-tampered $T/dll64-tampered.dll windows 0x7ff6a1630000
	dll32-rsa $S/dll32-rsa.dll windows 0x10230000
	efi64-rsa $S/efi64-rsa.efi uefi 0x7e4a0000
	efi64-unsigned $CORPUS/img/efi64.efi uefi 0x7e5a0000
	fbx64 $SHIM/fbx64.efi.signed uefi 0x7e6a0000
	fbx64-tampered $T/fbx64-tampered.efi uefi 0x7e8a0000
	mmx64 $SHIM/mmx64.efi.signed uefi 0x7ea00000
	EOF
}

# How many bases the load test's image is mapped at (one VM each uses all).
MANY=100
MANY_FIRST=0x7f0000000000
MANY_STEP=0x100000

stamp() {
	{
		cat "$0" "$SRCDIR/selftests/verifier/corpus.sh" "$SRCDIR/selftests/verifier/pe-testtool.c"
		cat "$CORPUS/.stamp"
		cat "$DEBIAN"/*.version 2>/dev/null
	} | sha256sum | cut -c1-16
}

# flip_text FILE: invert one byte of the .text section's raw data
flip_text() {
	off=$("$TESTTOOL" info "$1" | sed -n 's/^text_off=//p')
	[ -n "$off" ] || { echo "$1: no .text" >&2; return 1; }
	b=$(od -An -tu1 -j "$off" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((b ^ 255)))" |
		dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

# load NAME FILE MODE BASE DIR: the reference loader's output, compressed
load() {
	"$TESTTOOL" load --mode "$3" --base "$4" "$2" "$5/$1"
	gzip -9n "$5/$1.image"
}

build_stage() {
	rm -rf "$out"
	mkdir -p "$out/trust" "$out/files" "$out/load" "$out/many" "$out/tampered"
	cp "$CORPUS/pki/rsa-root.pem" "$CORPUS/pki/ec-root.pem" "$DEBIAN/debian-ca.pem" \
		"$out/trust/"
	cp "$CORPUS/signed/dll64-rsa.dll" "$out/tampered/dll64-tampered.dll"
	cp "$DEBIAN/shim-helpers-amd64-signed/usr/lib/shim/fbx64.efi.signed" \
		"$out/tampered/fbx64-tampered.efi"
	flip_text "$out/tampered/dll64-tampered.dll"
	flip_text "$out/tampered/fbx64-tampered.efi"
	: >"$out/list"
	images | while read -r name file mode base; do
		load "$name" "$file" "$mode" "$base" "$out/load"
		gzip -9nc "$file" >"$out/files/$name.gz"
		echo "$name $(basename "$file") $mode $base" >>"$out/list"
	done
	i=0
	while [ "$i" -lt "$MANY" ]; do
		load "efi64-rsa.$i" "$CORPUS/signed/efi64-rsa.efi" uefi \
			"$(printf '0x%x' $((MANY_FIRST + i * MANY_STEP)))" "$out/many"
		i=$((i + 1))
	done
	rm -rf "$out/tampered"
}

# Quiet unless something fails: then the end of the log.
exec 3>&2 >"$log" 2>&1
trap 'rc=$?; [ $rc = 0 ] || { echo "e2e: staging the test images failed:"; tail -n 20 "$log"; } >&3' EXIT

build_testtool
prepare_corpus || { tail -n 30 "$VERIFIER_OUT/corpus.log"; exit 1; }
mkdir -p "$DEBIAN"
for pkg in shim-signed shim-helpers-amd64-signed; do
	fetch_deb "$pkg"
done
[ -s "$DEBIAN/debian-ca.pem" ] || extract_debian_ca
key=$(stamp)
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$key" ]; then
	build_stage
	echo "$key" >"$out/.stamp"
fi

mkdir -p "$extra/e2e"
cp -r "$out/trust" "$out/files" "$out/load" "$out/many" "$out/list" "$extra/e2e/"
