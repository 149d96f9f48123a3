# SPDX-License-Identifier: GPL-2.0
#
# The verifier's test inputs, built at test time and cached under
# $BUILD/verifier (sourced by run.sh and bench.sh):
#
#   corpus/pki/     test CAs and leaves made by openssl (RSA, ECDSA, a rogue
#                   set that copies the real names with other keys)
#   corpus/img/     unsigned images built by mingw-w64: PE32+ and PE32 DLLs,
#                   x86-64 and IA-32 UEFI applications
#   corpus/signed/  those images signed by osslsigncode and sbsign
#   corpus/resigned/ dll64 with PKCS#7 variants made by pe-sigtool
#   corpus/weak/    images signed with digests, chains or key usages the
#                   verifier refuses, and a cross-certified chain
#   debian/         Debian's signed EFI binaries, from Debian's archive,
#                   the Debian Secure Boot CA taken out of shim, the
#                   Microsoft UEFI CA 2011 out of ovmf's variable store
#   debian/kernels/ the signed kernel images of Debian 12's 6.1 and 6.12
#                   flavours not installed in /boot, one directory per
#                   package version (only the vmlinuz is kept)
#
# The corpus is rebuilt when anything it is made from changes (this file, the
# image sources, the compilers, the signing tools); the Debian packages when
# the archive has a new version.

VERIFIER_SRC="$SRCDIR/selftests/verifier"
VERIFIER_OUT="$BUILD/verifier"
CORPUS="$VERIFIER_OUT/corpus"
DEBIAN="$VERIFIER_OUT/debian"
TESTTOOL="$VERIFIER_OUT/pe-testtool"
SIGTOOL="$VERIFIER_OUT/pe-sigtool"

# Load addresses: not the files' ImageBase, 64 KiB aligned like Windows'.
BASE64=0x7ff6a1230000
BASE32=0x10230000
BASE_EFI=0x7e4a0000

corpus_stamp() {
	{
		cat "$VERIFIER_SRC/corpus.sh" "$VERIFIER_SRC"/pe-*.c "$VERIFIER_SRC"/images/*.c
		x86_64-w64-mingw32-gcc --version
		i686-w64-mingw32-gcc --version
		osslsigncode --version 2>&1 | head -1
		dpkg-query -W sbsigntool openssl 2>/dev/null
	} | sha256sum | cut -c1-16
}

build_testtool() {
	mkdir -p "$VERIFIER_OUT"
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$TESTTOOL.tmp" \
		"$VERIFIER_SRC/pe-testtool.c" && mv "$TESTTOOL.tmp" "$TESTTOOL" &&
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$SIGTOOL.tmp" \
		"$VERIFIER_SRC/pe-sigtool.c" $(pkg-config --cflags --libs libcrypto) &&
	mv "$SIGTOOL.tmp" "$SIGTOOL"
}

# --- PKI ---------------------------------------------------------------------

pki_extensions() {
	cat <<-EOF
	[req]
	distinguished_name = dn
	[dn]
	[ca]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[leaf]
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = codeSigning
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[rogue_ca]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = none
	authorityKeyIdentifier = none
	[rogue]
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = codeSigning
	subjectKeyIdentifier = none
	authorityKeyIdentifier = none
	[leaf_noeku]
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	[ca_tls]
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	extendedKeyUsage = serverAuth, clientAuth
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
}

# newkey KIND FILE: KIND is rsa, ec or dsa
newkey() {
	case $1 in
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$2" ;;
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$2" ;;
	dsa) openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 \
		-out "$2.param" &&
	     openssl genpkey -paramfile "$2.param" -out "$2" && rm -f "$2.param" ;;
	esac
}

# root KIND NAME CN
root() {
	newkey "$1" "$2.key"
	openssl req -x509 -new -key "$2.key" -out "$2.pem" -days 3650 -sha256 \
		-subj "/CN=$3" -config pki.cnf -extensions ca
}

# issue KIND NAME CN ISSUER EXTENSIONS SERIAL [DIGEST] (NAME.key is made
# unless it exists)
issue() {
	[ -f "$2.key" ] || newkey "$1" "$2.key"
	openssl req -new -key "$2.key" -out "$2.csr" -subj "/CN=$3" -config pki.cnf
	openssl x509 -req -in "$2.csr" -CA "$4.pem" -CAkey "$4.key" \
		-set_serial "$6" -days 3650 "-${7:-sha256}" -extfile pki.cnf \
		-extensions "$5" -out "$2.pem"
	rm -f "$2.csr"
}

build_pki() {
	mkdir -p pki && cd pki || return 1
	pki_extensions >pki.cnf
	root rsa rsa-root "hostsig test RSA root"
	issue rsa rsa-inter "hostsig test RSA intermediate" rsa-root ca 2
	issue rsa rsa-leaf "hostsig test RSA leaf" rsa-inter leaf 3
	cat rsa-leaf.pem rsa-inter.pem >rsa-chain.pem
	root ec ec-root "hostsig test ECDSA root"
	issue ec ec-leaf "hostsig test ECDSA leaf" ec-root leaf 4
	cat ec-leaf.pem >ec-chain.pem
	# Same names as the real ones, other keys, no key identifiers: a
	# verifier that trusts names instead of signatures accepts these.
	root rsa rogue-root "hostsig test RSA root"
	issue rsa rogue-inter "hostsig test RSA intermediate" rogue-root rogue_ca 5
	issue rsa rogue-leaf "hostsig test RSA leaf" rogue-inter rogue 6
	cat rogue-leaf.pem rogue-inter.pem >rogue-chain.pem
	# Chains signed with digests the verifier does not allow: openssl
	# signs a leaf with MD5, another with SHA-1.
	issue rsa md5-leaf "hostsig test leaf signed with MD5" rsa-inter leaf 7 md5
	cat md5-leaf.pem rsa-inter.pem >md5-chain.pem
	issue rsa sha1-leaf "hostsig test leaf signed with SHA-1" rsa-inter leaf 8 sha1
	cat sha1-leaf.pem rsa-inter.pem >sha1-chain.pem
	# Extended key usage: a leaf without any, and a CA restricted to TLS
	# with a code-signing leaf under it.
	issue rsa noeku-leaf "hostsig test leaf without EKU" rsa-inter leaf_noeku 9
	issue rsa tls-inter "hostsig test TLS-only intermediate" rsa-root ca_tls 10
	issue rsa tls-leaf "hostsig test leaf under a TLS-only CA" tls-inter leaf 11
	cat tls-leaf.pem tls-inter.pem >tls-chain.pem
	# A cross-certified intermediate: one key, one name, certified by two
	# roots; the signature carries the certificate from root 2.
	root rsa cross-root1 "hostsig test cross root 1"
	root rsa cross-root2 "hostsig test cross root 2"
	issue rsa cross-inter1 "hostsig test cross intermediate" cross-root1 ca 12
	cp cross-inter1.key cross-inter2.key
	issue rsa cross-inter2 "hostsig test cross intermediate" cross-root2 ca 13
	issue rsa cross-leaf "hostsig test cross leaf" cross-inter1 leaf 14
	cat cross-leaf.pem cross-inter2.pem >cross-chain.pem
	# A signer key Authenticode verifiers do not expect
	issue dsa dsa-leaf "hostsig test DSA leaf" rsa-inter leaf 15
	cat dsa-leaf.pem rsa-inter.pem >dsa-chain.pem
	for c in *.pem; do
		openssl x509 -in "$c" -outform DER -out "${c%.pem}.der" 2>/dev/null
	done
	cd ..
}

# --- images ------------------------------------------------------------------

# build_dll CC NM OUT
build_dll() {
	"$1" -O2 -shared -Wl,-S -o "$3" "$VERIFIER_SRC/images/testdll.c" \
		-ladvapi32 -luser32 || return 1
	va=$("$2" "$3" | awk '$3 == "_load_config_used" || $3 == "__load_config_used" { print $1 }')
	[ -n "$va" ] || { echo "no _load_config_used in $3"; return 1; }
	# binutils 2.40 does not fill in the load configuration directory.
	"$TESTTOOL" set-load-config "$3" "$va"
}

build_images() {
	mkdir -p img
	build_dll x86_64-w64-mingw32-gcc x86_64-w64-mingw32-nm img/dll64.dll || return 1
	build_dll i686-w64-mingw32-gcc i686-w64-mingw32-nm img/dll32.dll || return 1
	efi_flags="-O2 -ffreestanding -nostdlib -fno-stack-protector -Wl,--subsystem,10 -Wl,--dynamicbase -s"
	x86_64-w64-mingw32-gcc $efi_flags -mno-red-zone -Wl,-e,efi_main \
		-o img/efi64.efi "$VERIFIER_SRC/images/testefi.c" || return 1
	i686-w64-mingw32-gcc $efi_flags -Wl,-e,_efi_main \
		-o img/efi32.efi "$VERIFIER_SRC/images/testefi.c" || return 1
	# HIGH, LOW and HIGHADJ relocations, which no current linker emits
	cp img/dll32.dll img/dll32-mixed.dll &&
	"$TESTTOOL" reloc-mix img/dll32-mixed.dll &&
	cp img/dll64.dll img/dll64-bound.dll &&
	"$TESTTOOL" mark-bound img/dll64-bound.dll &&
	# .text with zero fill past its raw data (VirtualSize > SizeOfRawData)
	cp img/efi64.efi img/efi64-zerofill.efi &&
	raw=$("$TESTTOOL" info img/efi64.efi | sed -n 's/^text_raw_size=//p') &&
	"$TESTTOOL" grow-vsize img/efi64-zerofill.efi .text $((raw + 0x200)) &&
	# relocations stripped: it runs only at its ImageBase
	cp img/efi64.efi img/efi64-norelocs.efi &&
	"$TESTTOOL" strip-relocs img/efi64-norelocs.efi
}

# ossl NAME IN CHAIN KEY HASH [EXTRA...]: into signed/NAME, or DIR/NAME
ossl() {
	out=$1 in=$2 chain=$3 key=$4 hash=$5
	case $out in */*) ;; *) out=signed/$out ;; esac
	shift 5
	osslsigncode sign "$@" -certs "pki/$chain" -key "pki/$key" -h "$hash" \
		-n "hostsig test" -in "$in" -out "$out" >/dev/null
}

build_signed() {
	mkdir -p signed
	ossl dll64-rsa.dll img/dll64.dll rsa-chain.pem rsa-leaf.key sha256 &&
	ossl dll32-rsa.dll img/dll32.dll rsa-chain.pem rsa-leaf.key sha256 &&
	ossl dll32-mixed.dll img/dll32-mixed.dll rsa-chain.pem rsa-leaf.key sha256 &&
	ossl dll64-bound.dll img/dll64-bound.dll rsa-chain.pem rsa-leaf.key sha256 &&
	ossl dll64-ec.dll img/dll64.dll ec-chain.pem ec-leaf.key sha256 &&
	ossl dll32-ec384.dll img/dll32.dll ec-chain.pem ec-leaf.key sha384 &&
	ossl dll64-rsa512.dll img/dll64.dll rsa-chain.pem rsa-leaf.key sha512 &&
	ossl dll64-sha1.dll img/dll64.dll rsa-chain.pem rsa-leaf.key sha1 &&
	ossl dll64-rogue.dll img/dll64.dll rogue-chain.pem rogue-leaf.key sha256 &&
	ossl dll64-nested.dll signed/dll64-rsa.dll ec-chain.pem ec-leaf.key sha384 -nest &&
	ossl efi64-ossl.efi img/efi64.efi rsa-chain.pem rsa-leaf.key sha256 &&
	mkdir -p weak &&
	ossl weak/dll64-md5.dll img/dll64.dll rsa-chain.pem rsa-leaf.key md5 &&
	ossl weak/dll64-md5-chain.dll img/dll64.dll md5-chain.pem md5-leaf.key sha256 &&
	ossl weak/dll64-sha1-chain.dll img/dll64.dll sha1-chain.pem sha1-leaf.key sha256 &&
	ossl weak/dll64-tls-ca.dll img/dll64.dll tls-chain.pem tls-leaf.key sha256 &&
	ossl weak/dll64-cross.dll img/dll64.dll cross-chain.pem cross-leaf.key sha256 &&
	ossl weak/dll64-dsa.dll img/dll64.dll dsa-chain.pem dsa-leaf.key sha256 &&
	sbsign --key pki/noeku-leaf.key --cert pki/noeku-leaf.pem \
		--addcert pki/rsa-inter.pem --output weak/efi64-noeku.efi \
		img/efi64.efi 2>/dev/null &&
	sbsign --key pki/rsa-leaf.key --cert pki/rsa-leaf.pem \
		--addcert pki/rsa-inter.pem --output signed/efi64-rsa.efi \
		img/efi64.efi 2>/dev/null &&
	sbsign --key pki/rsa-leaf.key --cert pki/rsa-leaf.pem \
		--addcert pki/rsa-inter.pem --output signed/efi32-rsa.efi \
		img/efi32.efi 2>/dev/null &&
	sbsign --key pki/ec-leaf.key --cert pki/ec-leaf.pem \
		--output signed/efi64-ec.efi img/efi64.efi 2>/dev/null &&
	sbsign --key pki/rsa-leaf.key --cert pki/rsa-leaf.pem \
		--addcert pki/rsa-inter.pem --output signed/efi64-zerofill.efi \
		img/efi64-zerofill.efi 2>/dev/null &&
	sbsign --key pki/rsa-leaf.key --cert pki/rsa-leaf.pem \
		--addcert pki/rsa-inter.pem --output signed/efi64-norelocs.efi \
		img/efi64-norelocs.efi 2>/dev/null &&
	resign md-sha1 --md sha1 &&
	resign md-sha384 --md sha384 &&
	resign md-md5 --md md5 &&
	resign no-attributes --no-attributes &&
	resign content-type-data --content-type 1.2.840.113549.1.7.1 &&
	resign not-pe-image --data-type 1.3.6.1.4.1.311.2.1.25 &&
	resign pesign-data-type --data-type 1.3.6.1.4.1.311.2.1.21
}

# resign NAME OPTIONS...: dll64-rsa.dll with a PKCS#7 built by pe-sigtool
# (leaf only in the signature: trust the leaf or the intermediate)
resign() {
	name=$1
	shift
	mkdir -p resigned
	"$SIGTOOL" signed/dll64-rsa.dll "resigned/$name.dll" pki/rsa-leaf.key \
		pki/rsa-leaf.pem "$@"
}

# Build the corpus unless the cached one is current. Prints what it did.
prepare_corpus() {
	stamp=$(corpus_stamp)
	if [ "$(cat "$CORPUS/.stamp" 2>/dev/null)" = "$stamp" ]; then
		echo "cached"
		return 0
	fi
	rm -rf "$CORPUS" "$CORPUS.tmp"
	mkdir -p "$CORPUS.tmp"
	(
		set -e
		cd "$CORPUS.tmp"
		build_pki
		build_images
		build_signed
	) >"$VERIFIER_OUT/corpus.log" 2>&1 || return 1
	echo "$stamp" >"$CORPUS.tmp/.stamp"
	mv "$CORPUS.tmp" "$CORPUS"
	echo "built"
}

# --- Debian's signed files ---------------------------------------------------

# Every package of Debian 12 (amd64) with Authenticode-signed EFI binaries,
# and ovmf, whose Secure Boot variable store holds the Microsoft UEFI CA
# 2011 (the anchor of shim's first signature).
DEBIAN_PACKAGES="grub-efi-amd64-signed shim-signed shim-helpers-amd64-signed fwupd-amd64-signed ovmf"

# The meta-packages of Debian 12's signed kernels, 6.1 and 6.12, every
# amd64 flavour: each depends on the signed image of the current ABI.
DEBIAN_KERNEL_METAS="linux-image-amd64 linux-image-cloud-amd64 linux-image-rt-amd64
	linux-image-6.12-amd64 linux-image-6.12-cloud-amd64 linux-image-6.12-rt-amd64"

# candidate PACKAGE: the version apt would install, or nothing
candidate() {
	_ver=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if { [ -z "$_ver" ] || [ "$_ver" = "(none)" ]; } && [ "$(id -u)" = 0 ]; then
		# A fresh system may have no package lists yet.
		timeout 300 apt-get update -q >"$DEBIAN/apt-update.log" 2>&1
		_ver=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	fi
	[ "$_ver" != "(none)" ] && echo "$_ver"
}

# fetch_deb PACKAGE: the archive's candidate version, unpacked under
# $DEBIAN/PACKAGE, downloaded only when that version is not there yet.
fetch_deb() {
	ver=$(candidate "$1")
	[ -n "$ver" ] || {
		echo "$1: apt knows no candidate version"
		return 1
	}
	[ "$(cat "$DEBIAN/$1.version" 2>/dev/null)" = "$ver" ] && [ -d "$DEBIAN/$1" ] &&
		return 0
	rm -rf "$DEBIAN/$1" "$DEBIAN/download"
	mkdir -p "$DEBIAN/download"
	(cd "$DEBIAN/download" && timeout 300 apt-get download -q "$1=$ver") >"$DEBIAN/$1.log" 2>&1 &&
	dpkg -x "$DEBIAN"/download/*.deb "$DEBIAN/$1" &&
	echo "$ver" >"$DEBIAN/$1.version" || {
		cat "$DEBIAN/$1.log"
		return 1
	}
	rm -rf "$DEBIAN/download"
}

# kernel_package META: the signed image package a kernel meta-package
# depends on (linux-image-6.1.0-57-amd64, say)
kernel_package() {
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

# fetch_kernel PACKAGE: its signed vmlinuz, the archive's candidate
# version: /boot's when that version is installed, else downloaded once
# into $DEBIAN/kernels/PACKAGE_VERSION/. Records the path in
# $DEBIAN/kernels/PACKAGE.path and prints where it came from.
fetch_kernel() {
	_pkg=$1 _abi=${1#linux-image-}
	_ver=$(candidate "$_pkg")
	[ -n "$_ver" ] || { echo "$_pkg: apt knows no candidate version"; return 1; }
	mkdir -p "$DEBIAN/kernels"
	if [ "$(dpkg-query -W -f '${Status} ${Version}' "$_pkg" 2>/dev/null)" = \
	     "install ok installed $_ver" ] && [ -f "/boot/vmlinuz-$_abi" ]; then
		echo "/boot/vmlinuz-$_abi" >"$DEBIAN/kernels/$_pkg.path"
		echo "$_ver, installed"
		return 0
	fi
	_dir=$DEBIAN/kernels/${_pkg}_$_ver
	if [ ! -s "$_dir/vmlinuz-$_abi" ]; then
		rm -rf "$DEBIAN/kernels/${_pkg}_"* "$DEBIAN/kernels/download"
		mkdir -p "$DEBIAN/kernels/download" "$_dir"
		if ! (cd "$DEBIAN/kernels/download" && timeout 1200 apt-get download -q "$_pkg=$_ver") \
			>"$DEBIAN/kernels/$_pkg.log" 2>&1 ||
		   ! dpkg-deb --fsys-tarfile "$DEBIAN"/kernels/download/*.deb |
			tar -xO "./boot/vmlinuz-$_abi" >"$_dir/vmlinuz-$_abi.tmp"; then
			cat "$DEBIAN/kernels/$_pkg.log"
			rm -rf "$_dir" "$DEBIAN/kernels/download"
			return 1
		fi
		mv "$_dir/vmlinuz-$_abi.tmp" "$_dir/vmlinuz-$_abi"
		rm -rf "$DEBIAN/kernels/download"
		echo "$_ver, from the archive"
	else
		echo "$_ver, cached"
	fi
	echo "$_dir/vmlinuz-$_abi" >"$DEBIAN/kernels/$_pkg.path"
}

# shim's .vendor_cert section: four u32 (authorized size, deauthorized size,
# authorized offset, deauthorized offset), then the data; Debian's shim
# authorizes one DER certificate, its CA.
extract_debian_ca() {
	shim=$DEBIAN/shim-signed/usr/lib/shim/shimx64.efi.signed
	x86_64-w64-mingw32-objcopy -O binary --only-section=.vendor_cert \
		"$shim" "$DEBIAN/vendor_cert.bin" || return 1
	set -- $(od -An -tu4 -N16 "$DEBIAN/vendor_cert.bin")
	dd if="$DEBIAN/vendor_cert.bin" of="$DEBIAN/debian-ca.der" bs=1 skip="$3" \
		count="$1" status=none &&
	openssl x509 -inform DER -in "$DEBIAN/debian-ca.der" -out "$DEBIAN/debian-ca.pem"
}

# split_cert_table TABLE PREFIX: PREFIX.N.der for each WIN_CERTIFICATE's PKCS#7
split_cert_table() {
	size=$(stat -c %s "$1")
	pos=0 n=0
	while [ "$pos" -lt "$size" ]; do
		len=$(od -An -tu4 -j "$pos" -N4 "$1" | tr -d ' ')
		dd if="$1" of="$2.$n.der" bs=1 skip=$((pos + 8)) count=$((len - 8)) status=none
		pos=$(((pos + len + 7) / 8 * 8))
		n=$((n + 1))
	done
}

# The Microsoft UEFI CA 2011 as a UEFI db holds it: out of ovmf's variable
# store with Microsoft's keys enrolled (OVMF_VARS_4M.ms.fd), apart from
# anything it verifies.
extract_ovmf_ms_ca() {
	vars=$DEBIAN/ovmf/usr/share/OVMF/OVMF_VARS_4M.ms.fd
	rm -f "$DEBIAN"/ovmf-cert.*
	"$TESTTOOL" certs "$vars" "$DEBIAN/ovmf-cert" >/dev/null || return 1
	for c in "$DEBIAN"/ovmf-cert.*.der; do
		if [ "$(openssl x509 -inform DER -in "$c" -noout -subject 2>/dev/null)" = \
		     "subject=C = US, ST = Washington, L = Redmond, O = Microsoft Corporation, CN = Microsoft Corporation UEFI CA 2011" ]; then
			openssl x509 -inform DER -in "$c" -out "$DEBIAN/ms-uefi-ca-2011.pem"
			return
		fi
	done
	echo "no Microsoft Corporation UEFI CA 2011 in $vars"
	return 1
}

# The Microsoft UEFI CA 2023 is in no package of Debian 12: only shim's
# second signature carries it. Out of that signature, it is no independent
# anchor: it shows the signature chains to a certificate of that name and
# nothing more.
extract_microsoft_ca_2023() {
	shim=$DEBIAN/shim-signed/usr/lib/shim/shimx64.efi.signed
	"$TESTTOOL" load --mode uefi --base "$BASE_EFI" "$shim" "$DEBIAN/shim" &&
	split_cert_table "$DEBIAN/shim.sig" "$DEBIAN/shim-pkcs7" || return 1
	openssl pkcs7 -inform DER -in "$DEBIAN/shim-pkcs7.1.der" -print_certs \
		-out "$DEBIAN/shim-certs.1.pem" || return 1
	# print_certs writes "subject=..." before each certificate.
	awk '/^subject=.*CN = Microsoft UEFI CA 2023$/ { p = 1 } p { print } /END CERTIFICATE/ { p = 0 }' \
		"$DEBIAN/shim-certs.1.pem" >"$DEBIAN/ms-uefi-ca-2023.pem"
	openssl x509 -in "$DEBIAN/ms-uefi-ca-2023.pem" -noout
}

# The signed kernels of Debian 12 fetch_kernel found (in /boot before the
# verifier suite ran: there, Debian's signed kernels are EFI images).
debian_kernels() {
	if ls "$DEBIAN"/kernels/*.path >/dev/null 2>&1; then
		for p in "$DEBIAN"/kernels/*.path; do
			[ -s "$(cat "$p")" ] && cat "$p"
		done
		return
	fi
	for k in /boot/vmlinuz-*; do
		[ -f "$k" ] && [ "$(head -c2 "$k" 2>/dev/null)" = MZ ] && echo "$k"
	done
}

# Every Authenticode-signed EFI binary of those packages, shim's aside.
debian_efi_files() {
	ls "$DEBIAN"/grub-efi-amd64-signed/usr/lib/grub/x86_64-efi-signed/*.efi.signed \
		"$DEBIAN"/shim-helpers-amd64-signed/usr/lib/shim/*.efi.signed \
		"$DEBIAN"/fwupd-amd64-signed/usr/libexec/fwupd/efi/*.efi.signed 2>/dev/null
}
