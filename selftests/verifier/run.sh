#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The verifier's tests: hostsig-verify (built with ASan and UBSan) on
#   - PE32+/PE32 DLLs and UEFI applications built by mingw-w64 and signed by
#     osslsigncode and sbsign with test CAs (RSA and ECDSA), as files and as
#     the reference loader (pe-testtool) maps them at other bases;
#   - Debian's signed kernels, GRUB and shim, with the Debian Secure Boot CA
#     taken out of shim as the anchor, as files and as loaded images;
#   - tampered copies of those, which must not be authentic;
#   - osslsigncode and sbverify as oracles on every disk file;
#   - the command contract (options, exit status, JSON);
# then the libFuzzer harness for at least a minute (fuzz.sh).
#
# Needs SRCDIR and BUILD (see selftests/run-suites.sh). Slow things are
# cached under $BUILD/verifier.
set -u
. "$SRCDIR/selftests/lib/tap.sh"
. "$SRCDIR/selftests/verifier/corpus.sh"

RUN="$VERIFIER_OUT/run"
V="$BUILD/userspace/asan/hostsig-verify"
V_RELEASE="$BUILD/userspace/hostsig-verify"
# Sanitizer findings must not pass for "not authentic" (exit status 1); a
# hang (timeout's 124) fails too.
export ASAN_OPTIONS="exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99"

rm -rf "$RUN"
mkdir -p "$RUN"

# verify NAME STATUS JQ-FILTER ARGS...: hostsig-verify --json ARGS must exit
# with STATUS and print JSON for which the jq filter is true.
verify() {
	_name=$1 _want=$2 _filter=$3
	shift 3
	timeout 120 "$V" --json "$@" >"$RUN/out.json" 2>"$RUN/err"
	_rc=$?
	if [ "$_rc" -ne "$_want" ]; then
		tap_diag "exit status $_rc, expected $_want: hostsig-verify $*" \
			"$(cat "$RUN/out.json" "$RUN/err")"
		tap_not_ok "$_name"
		return 1
	fi
	if ! jq -e "$_filter" "$RUN/out.json" >/dev/null 2>&1; then
		tap_diag "not true of the output: $_filter" "$(cat "$RUN/out.json" "$RUN/err")"
		tap_not_ok "$_name"
		return 1
	fi
	tap_ok "$_name"
}

# status NAME STATUS ARGS...: only the exit status (usage errors and such).
status() {
	_name=$1 _want=$2
	shift 2
	timeout 120 "$V" "$@" >"$RUN/out" 2>&1
	_rc=$?
	[ "$_rc" -eq "$_want" ] || tap_diag "exit status $_rc, expected $_want" "$(cat "$RUN/out")"
	tap_result "$_name" $((_rc != _want))
}

# load NAME FILE MODE BASE [LOADER-OPTIONS...]: map FILE with the reference
# loader into $RUN/NAME.*; LOADED gets the matching verifier arguments.
load() {
	_out="$RUN/$1" _file=$2 _mode=$3 _base=$4
	shift 4
	LOADED=
	"$TESTTOOL" load --mode "$_mode" --base "$_base" "$@" "$_file" "$_out" \
		>"$RUN/err" 2>&1 || { tap_diag "$(cat "$RUN/err")"; return 1; }
	LOADED="--loaded $_out.image --base $_base --image-base $(info "$_out.info" image_base)"
	[ -f "$_out.sig" ] && LOADED="$LOADED --signature $_out.sig"
	[ -f "$_out.tail" ] && LOADED="$LOADED --tail $_out.tail"
	return 0
}

# info FILE KEY: a value from pe-testtool's key=value output
info() {
	sed -n "s/^$2=//p" "$1"
}

flip() {	# flip FILE OFFSET: invert one byte
	_b=$(od -An -tu1 -j "$(($2))" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((_b ^ 255)))" |
		dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

get_u32() {	# get_u32 FILE OFFSET
	od -An -tu4 -j "$(($2))" -N4 "$1" | tr -d ' '
}

put_u32() {	# put_u32 FILE OFFSET VALUE
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $(($3 >> 8 & 255)) \
		$(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

# copy NAME FILE: a scratch copy to tamper with
copy() {
	cp "$2" "$RUN/$1"
	echo "$RUN/$1"
}

fingerprint() {	# SHA-256 of a PEM certificate's DER
	openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

tap_begin

# --- set-up ------------------------------------------------------------------

tap_run "pe-testtool (reference loader) builds" build_testtool
if ! out=$(prepare_corpus); then
	tap_diag "$(tail -n 30 "$VERIFIER_OUT/corpus.log")"
	tap_not_ok "test corpus: openssl PKI, mingw-w64 images, osslsigncode/sbsign signatures"
	tap_done
fi
tap_ok "test corpus: openssl PKI, mingw-w64 images, osslsigncode/sbsign signatures ($out)"
tap_run "hostsig-verify builds with ASan and UBSan" \
	make -s -C "$SRCDIR/userspace" O="$BUILD/userspace" asan
[ -x "$V" ] && [ -x "$V_RELEASE" ] || { tap_not_ok "hostsig-verify is built (make userspace)"; tap_done; }
command -v jq >/dev/null || { tap_not_ok "jq is installed (selftests/lib/deps.sh)"; tap_done; }

P=$CORPUS/pki S=$CORPUS/signed I=$CORPUS/img
TRUST="--trust $P/rsa-root.pem --trust $P/ec-root.pem"
RSA_LEAF='"CN=hostsig test RSA leaf"'
EC_LEAF='"CN=hostsig test ECDSA leaf"'

mkdir -p "$DEBIAN"
debian_ok=1
for pkg in $DEBIAN_PACKAGES; do
	if out=$(fetch_deb "$pkg" 2>&1); then
		tap_ok "fetch $pkg $(cat "$DEBIAN/$pkg.version") from Debian's archive"
	else
		tap_diag "$out"
		tap_not_ok "fetch $pkg from Debian's archive"
		debian_ok=0
	fi
done
rm -f "$DEBIAN"/kernels/*.path
for meta in $DEBIAN_KERNEL_METAS; do
	pkg=$(kernel_package "$meta")
	if [ -n "$pkg" ] && out=$(fetch_kernel "$pkg" 2>&1); then
		tap_ok "signed kernel $pkg ($meta): $out"
	else
		tap_diag "$out"
		tap_not_ok "signed kernel of $meta from Debian's archive (${pkg:-no such package})"
		debian_ok=0
	fi
done
# The anchors, each from where a machine would have it: the Microsoft UEFI
# CA 2011 from a UEFI db (ovmf's), the Debian Secure Boot CA from the shim
# that CA verifies.
shim=$DEBIAN/shim-signed/usr/lib/shim/shimx64.efi.signed
if [ "$debian_ok" = 1 ] && extract_ovmf_ms_ca >"$RUN/err" 2>&1; then
	tap_ok "Microsoft Corporation UEFI CA 2011 out of ovmf's Secure Boot db (OVMF_VARS_4M.ms.fd)"
else
	tap_diag "$(cat "$RUN/err")"
	tap_not_ok "Microsoft Corporation UEFI CA 2011 out of ovmf's Secure Boot db"
	debian_ok=0
fi
if [ "$debian_ok" = 1 ]; then
	verify "Debian shim: authentic under the Microsoft UEFI CA 2011 of ovmf's db" 0 \
		'.verdict == "authentic" and .signatures[0].status == "ok" and
		 (.signatures[0].anchor | startswith("CN=Microsoft Corporation UEFI CA 2011,"))' \
		--trust "$DEBIAN/ms-uefi-ca-2011.pem" "$shim" || debian_ok=0
fi
if [ "$debian_ok" = 1 ] && extract_debian_ca >"$RUN/err" 2>&1 &&
   [ "$(openssl x509 -in "$DEBIAN/debian-ca.pem" -noout -subject -issuer)" = \
     "$(printf 'subject=CN = Debian Secure Boot CA\nissuer=CN = Debian Secure Boot CA')" ]; then
	tap_ok "Debian Secure Boot CA out of that shim's .vendor_cert"
else
	tap_diag "$(cat "$RUN/err")"
	tap_not_ok "Debian Secure Boot CA out of that shim's .vendor_cert"
	debian_ok=0
fi
if [ "$debian_ok" = 1 ] && extract_microsoft_ca_2023 >"$RUN/err" 2>&1; then
	tap_ok "Microsoft UEFI CA 2023 out of shim's second signature (in no Debian 12 package)"
else
	tap_diag "$(cat "$RUN/err")"
	tap_not_ok "Microsoft UEFI CA 2023 out of shim's second signature"
	debian_ok=0
fi

# --- our images: authentic as files and as loaded images -----------------------

# name file format digest signer base modes
cat >"$RUN/positives" <<-EOF
	dll64-rsa dll64-rsa.dll pe32+ sha256 rsa $BASE64 windows
	dll32-rsa dll32-rsa.dll pe32 sha256 rsa $BASE32 windows
	dll32-mixed-relocs dll32-mixed.dll pe32 sha256 rsa $BASE32 windows
	dll32-mixed-relocs-page dll32-mixed.dll pe32 sha256 rsa $(printf 0x%x $((BASE32 + 0x1000))) windows
	dll32-mixed-relocs-odd dll32-mixed.dll pe32 sha256 rsa $(printf 0x%x $((BASE32 + 0x18f8))) windows
	dll64-ec dll64-ec.dll pe32+ sha256 ec $BASE64 windows
	dll32-ec384 dll32-ec384.dll pe32 sha384 ec $BASE32 windows
	dll64-rsa512 dll64-rsa512.dll pe32+ sha512 rsa $BASE64 windows
	dll64-nested dll64-nested.dll pe32+ sha256 rsa $BASE64 windows
	efi64-sbsign efi64-rsa.efi pe32+ sha256 rsa $BASE_EFI uefi,windows
	efi32-sbsign efi32-rsa.efi pe32 sha256 rsa $BASE32 uefi,windows
	efi64-sbsign-ec efi64-ec.efi pe32+ sha256 ec $BASE_EFI uefi
	efi64-osslsigncode efi64-ossl.efi pe32+ sha256 rsa $BASE_EFI uefi
	efi64-zerofill efi64-zerofill.efi pe32+ sha256 rsa $BASE_EFI uefi
	EOF
# Not in a pipeline: the loop must run in this shell to count its tests.
while read -r name file format alg key base modes; do
	case $key in
	rsa) signer=$RSA_LEAF fp=$(fingerprint "$P/rsa-leaf.pem") ;;
	*) signer=$EC_LEAF fp=$(fingerprint "$P/ec-leaf.pem") ;;
	esac
	verify "$name: authentic as a file" 0 \
		".verdict == \"authentic\" and .reason == \"ok\" and .format == \"$format\" and
		 .digest_algorithm == \"$alg\" and .signatures[0].subject == $signer and
		 .signatures[0].sha256 == \"$fp\" and .unverified_regions == []" \
		$TRUST "$S/$file"
	for mode in $(echo "$modes" | tr , ' '); do
		load "$name-$mode" "$S/$file" "$mode" "$base" || {
			tap_not_ok "$name: reference loader ($mode)"
			continue
		}
		filter='.verdict == "authentic" and .mode == "loaded"'
		case $file in
		dll*)	# what a Windows loader writes into a DLL, reported
			cookie=$(($(info "$RUN/$name-$mode.info" cookie_rva)))
			filter="$filter and ([.unverified_regions[].kind] | unique) ==
				[\"import_address_table\", \"security_cookie\", \"tls_index\"] and
				(.unverified_regions[] | select(.kind == \"security_cookie\") | .rva) == $cookie"
			;;
		*)	filter="$filter and .unverified_regions == []" ;;
		esac
		verify "$name: authentic loaded at $base ($mode loader, $(info "$RUN/$name-$mode.info" relocs) relocations)" \
			0 "$filter" $TRUST $LOADED
	done
done <"$RUN/positives"

# --- trust, deny lists, algorithms -------------------------------------------------

verify "partial chain: the intermediate alone is a trust anchor" 0 \
	'.verdict == "authentic" and .signatures[0].anchor == "CN=hostsig test RSA intermediate"' \
	--trust "$P/rsa-inter.pem" "$S/dll64-rsa.dll"
verify "partial chain: the leaf alone is a trust anchor (DER)" 0 \
	'.verdict == "authentic" and .signatures[0].anchor == "CN=hostsig test RSA leaf"' \
	--trust "$P/rsa-leaf.der" "$S/dll64-rsa.dll"
verify "no trust store: unknown (untrusted)" 2 \
	'.verdict == "unknown" and .reason == "untrusted"' "$S/dll64-rsa.dll"
verify "another CA trusted: unknown (untrusted)" 2 \
	'.reason == "untrusted"' --trust "$P/ec-root.pem" "$S/dll64-rsa.dll"
verify "untrusted key with the trusted root's and intermediate's names: unknown" 2 \
	'.verdict == "unknown" and .reason == "untrusted"' $TRUST "$S/dll64-rogue.dll"
verify "untrusted key, trusted intermediate of the same name: unknown" 2 \
	'.reason == "untrusted"' --trust "$P/rsa-inter.pem" "$S/dll64-rogue.dll"
verify "nested signature: authentic through the nested ECDSA/SHA-384 one" 0 \
	'.verdict == "authentic" and .signatures[0].status == "untrusted" and
	 .signatures[1].status == "ok" and .signatures[1].depth == 1 and
	 .signatures[1].digest_algorithm == "sha384" and .signatures[1].subject == "CN=hostsig test ECDSA leaf"' \
	--trust "$P/ec-root.pem" "$S/dll64-nested.dll"
verify "SHA-1 signature: unknown unless allowed" 2 \
	'.reason == "unsupported_digest" and .signatures[0].subject == "CN=hostsig test RSA leaf"' \
	$TRUST "$S/dll64-sha1.dll"
verify "SHA-1 signature with --allow-sha1: authentic" 0 \
	'.verdict == "authentic" and .digest_algorithm == "sha1"' --allow-sha1 $TRUST "$S/dll64-sha1.dll"
verify "denied leaf certificate: not authentic" 1 \
	'.verdict == "not_authentic" and .reason == "denied_certificate"' \
	$TRUST --deny "$P/rsa-leaf.pem" "$S/dll64-rsa.dll"
verify "denied intermediate (carried by the signature): not authentic" 1 \
	'.reason == "denied_certificate"' $TRUST --deny "$P/rsa-inter.pem" "$S/dll64-rsa.dll"
verify "denied root (not carried by the signature): not authentic" 1 \
	'.reason == "denied_certificate"' $TRUST --deny "$P/rsa-root.der" "$S/dll64-rsa.dll"
verify "denied root, neither carried nor trusted (intermediate trusted): not authentic" 1 \
	'.reason == "denied_certificate"' --trust "$P/rsa-inter.pem" --deny "$P/rsa-root.pem" \
	"$S/dll64-rsa.dll"
verify "denied certificate with a trusted certificate's name but another key: no effect" 0 \
	'.verdict == "authentic"' $TRUST --deny "$P/rogue-inter.pem" "$S/dll64-rsa.dll"
verify "denied signer of a nested signature: not authentic" 1 \
	'.reason == "denied_certificate"' $TRUST --deny "$P/ec-leaf.pem" "$S/dll64-nested.dll"
sha256=$(jq -r '.digests.sha256' "$RUN/out.json")
verify "denied digest (SHA-256): not authentic" 1 \
	'.verdict == "not_authentic" and .reason == "denied_digest"' \
	$TRUST --deny-digest "$sha256" "$S/dll64-nested.dll"
"$V" --json --deny-digest "$(printf '%096d' 0)" "$S/dll64-rsa.dll" >"$RUN/out.json" 2>/dev/null
sha384=$(jq -r '.digests.sha384' "$RUN/out.json")
verify "denied digest in another algorithm than the signature's (SHA-384): not authentic" 1 \
	'.reason == "denied_digest"' $TRUST --deny-digest "$sha384" "$S/dll64-rsa.dll"
verify "a digest of another image denied: no effect" 0 \
	'.verdict == "authentic"' $TRUST --deny-digest "$sha256" "$S/dll32-rsa.dll"
load deny-loaded "$S/dll64-rsa.dll" windows "$BASE64" &&
verify "denied digest, loaded image: not authentic" 1 \
	'.reason == "denied_digest"' $TRUST --deny-digest "$sha256" $LOADED

# --- weak digests, key usage, the chain OpenSSL builds ---------------------------------

# Allowed: SHA-256, SHA-384, SHA-512, and SHA-1 with --allow-sha1, for the
# image digest, the signer's digest and the signatures of the chain up to
# the anchor. Each file here is made by a real tool: osslsigncode (-h md5),
# openssl (leaves signed with -md5 and -sha1), sbsign, pe-sigtool.
W=$CORPUS/weak R=$CORPUS/resigned
verify "image digest MD5 (osslsigncode -h md5): unknown, even with --allow-sha1" 2 \
	'.verdict == "unknown" and .reason == "unsupported_digest"' --allow-sha1 $TRUST "$W/dll64-md5.dll"
verify "signer digest MD5 over a SHA-256 image digest: unknown, even with --allow-sha1" 2 \
	'.verdict == "unknown" and .reason == "unsupported_digest" and (.message | contains("md5"))' \
	--allow-sha1 --trust "$P/rsa-inter.pem" "$R/md-md5.dll"
verify "chain: the leaf certificate is signed with MD5: unknown, even with --allow-sha1" 2 \
	'.verdict == "unknown" and .reason == "unsupported_digest" and
	 (.message | contains("hostsig test leaf signed with MD5") and contains("is signed with md5"))' \
	--allow-sha1 $TRUST "$W/dll64-md5-chain.dll"
verify "chain: the leaf certificate is signed with SHA-1: unknown" 2 \
	'.verdict == "unknown" and .reason == "unsupported_digest" and (.message | contains("sha1"))' \
	$TRUST "$W/dll64-sha1-chain.dll"
verify "chain: the leaf certificate is signed with SHA-1, --allow-sha1: authentic" 0 \
	'.verdict == "authentic"' --allow-sha1 $TRUST "$W/dll64-sha1-chain.dll"
verify "chain: the MD5-signed leaf is itself the anchor (no weak signature relied on): authentic" 0 \
	'.verdict == "authentic" and .signatures[0].anchor == "CN=hostsig test leaf signed with MD5"' \
	--trust "$P/md5-leaf.pem" "$W/dll64-md5-chain.dll"
verify "a DSA signer (osslsigncode signs with it): unknown (unsupported_signature)" 2 \
	'.verdict == "unknown" and .reason == "unsupported_signature"' $TRUST "$W/dll64-dsa.dll"
# Extended key usage: looked at only when asked (UEFI firmware does not).
verify "a leaf without extended key usage (sbsign): authentic by default" 0 \
	'.verdict == "authentic"' $TRUST "$W/efi64-noeku.efi"
verify "--require-code-signing: a leaf without extended key usage: unknown (untrusted)" 2 \
	'.verdict == "unknown" and .reason == "untrusted" and
	 (.message | contains("hostsig test leaf without EKU") and contains("not for code signing"))' \
	--require-code-signing $TRUST "$W/efi64-noeku.efi"
verify "a code-signing leaf under a CA restricted to TLS: authentic by default" 0 \
	'.verdict == "authentic"' $TRUST "$W/dll64-tls-ca.dll"
verify "--require-code-signing: a code-signing leaf under a CA restricted to TLS: unknown" 2 \
	'.reason == "untrusted" and (.message | contains("hostsig test TLS-only intermediate"))' \
	--require-code-signing $TRUST "$W/dll64-tls-ca.dll"
verify "--require-code-signing: a code-signing leaf under unrestricted CAs: authentic" 0 \
	'.verdict == "authentic"' --require-code-signing $TRUST "$S/dll64-rsa.dll"
# A CA certified by two roots (one key, one name). The signature carries
# the certificate from root 2; OpenSSL takes the trusted certificate from
# root 1. Only that chain counts for the deny list (plus what the signature
# carries): a walk through the signature's certificates ended at root 2
# and called this authentic.
verify "cross-certified CA trusted, the root that certified that copy denied: not authentic" 1 \
	'.verdict == "not_authentic" and .reason == "denied_certificate" and
	 (.message | contains("hostsig test cross intermediate"))' \
	--trust "$P/cross-inter1.pem" --deny "$P/cross-root1.pem" "$W/dll64-cross.dll"
verify "cross-certified CA: the copy the signature carries denied: not authentic" 1 \
	'.reason == "denied_certificate"' \
	--trust "$P/cross-inter1.pem" --deny "$P/cross-inter2.pem" "$W/dll64-cross.dll"
verify "cross-certified CA: the other root denied (on no chain, not carried): authentic" 0 \
	'.verdict == "authentic"' \
	--trust "$P/cross-inter1.pem" --deny "$P/cross-root2.pem" "$W/dll64-cross.dll"
verify "cross-certified CA: root 2 trusted and denied: not authentic" 1 \
	'.reason == "denied_certificate"' \
	--trust "$P/cross-root2.pem" --deny "$P/cross-root2.pem" "$W/dll64-cross.dll"

# PKCS#7 variants no signing tool makes (pe-sigtool), signed by the leaf alone
verify "signer digest SHA-1 over a SHA-256 image digest: unknown unless allowed" 2 \
	'.reason == "unsupported_digest" and .digest_algorithm == "sha256"' \
	--trust "$P/rsa-inter.pem" "$R/md-sha1.dll"
verify "signer digest SHA-1 with --allow-sha1: authentic" 0 '.verdict == "authentic"' \
	--allow-sha1 --trust "$P/rsa-inter.pem" "$R/md-sha1.dll"
verify "signer digest SHA-384 over a SHA-256 image digest: authentic" 0 \
	'.verdict == "authentic"' --trust "$P/rsa-inter.pem" "$R/md-sha384.dll"
verify "no authenticated attributes (signature over the content): authentic" 0 \
	'.verdict == "authentic"' --trust "$P/rsa-inter.pem" "$R/no-attributes.dll"
# What the publisher signed is not an Authenticode PE signature: nothing in
# it speaks of tampering, so unknown, never not authentic.
verify "signed contentType is not SpcIndirectDataContent: unknown" 2 \
	'.verdict == "unknown" and .reason == "unsupported_signature"' \
	--trust "$P/rsa-inter.pem" "$R/content-type-data.dll"
verify "SpcIndirectDataContent for something other than a PE image: unknown" 2 \
	'.verdict == "unknown" and .reason == "unsupported_signature" and
	 (.message | contains("1.3.6.1.4.1.311.2.1.25"))' \
	--trust "$P/rsa-inter.pem" "$R/not-pe-image.dll"
verify "SpcIndirectDataContent of type SPC_INDIVIDUAL_SP_KEY_PURPOSE (old pesign): authentic" 0 \
	'.verdict == "authentic" and .signatures[0].status == "ok"' \
	--trust "$P/rsa-inter.pem" "$R/pesign-data-type.dll"

# --- Debian's signed files ---------------------------------------------------------

DEB_TRUST="--trust $DEBIAN/debian-ca.pem"
DEB_SIGNER='(.signatures[0].subject | startswith("CN=Debian Secure Boot Signer")) and
	.signatures[0].issuer == "CN=Debian Secure Boot CA" and
	.signatures[0].anchor == "CN=Debian Secure Boot CA"'
if [ "$debian_ok" = 1 ]; then
	n=$(debian_kernels | sort -u | wc -l)
	tap_result "six signed kernels: 6.1 and 6.12, generic, cloud and rt ($n)" $((n != 6))
	# Every file Debian signs, as a file and as a UEFI loader maps it at
	# an address that is not its ImageBase.
	for f in $(debian_kernels) $(debian_efi_files); do
		n=$(basename "$f")
		verify "Debian $n: authentic as a file" 0 \
			".verdict == \"authentic\" and .format == \"pe32+\" and $DEB_SIGNER" \
			$DEB_TRUST "$f"
		if ! load "deb-$n" "$f" uefi "$BASE_EFI" ||
		   [ $(($(info "$RUN/deb-$n.info" image_base))) = $((BASE_EFI)) ]; then
			tap_not_ok "Debian $n: the reference loader maps it away from its ImageBase"
			continue
		fi
		verify "Debian $n: authentic loaded at $BASE_EFI, not its ImageBase $(info "$RUN/deb-$n.info" image_base) ($(info "$RUN/deb-$n.info" relocs) relocations)" 0 \
			".verdict == \"authentic\" and .mode == \"loaded\" and $DEB_SIGNER" $DEB_TRUST $LOADED
	done
	kernel=$(debian_kernels | head -n 1)
	if [ -n "$kernel" ]; then
		verify "Debian $(basename "$kernel") with --require-code-signing: authentic (Debian's signers are for code signing)" 0 \
			'.verdict == "authentic"' --require-code-signing $DEB_TRUST "$kernel"
		t=$(copy vmlinuz-tampered "$kernel")
		flip "$t" $(($(stat -c %s "$t") / 2))
		verify "Debian kernel with one byte changed: not authentic" 1 \
			'.reason == "digest_mismatch"' $DEB_TRUST "$t"
	else
		tap_not_ok "a signed Debian kernel"
	fi
	verify "Debian shim: two WIN_CERTIFICATE entries, the first ok under the 2011 CA of ovmf's db" 0 \
		'.verdict == "authentic" and (.signatures | length) == 2 and
		 .signatures[0].entry == 0 and .signatures[1].entry == 1 and
		 .signatures[0].status == "ok" and .signatures[1].status == "untrusted"' \
		--trust "$DEBIAN/ms-uefi-ca-2011.pem" "$shim"
	load deb-shim "$shim" uefi "$BASE_EFI" &&
	verify "Debian shim: authentic loaded at $BASE_EFI under the 2011 CA of ovmf's db" 0 \
		'.verdict == "authentic" and .signatures[0].status == "ok"' \
		--trust "$DEBIAN/ms-uefi-ca-2011.pem" $LOADED
	# The 2023 CA came out of the signature it checks: this shows the
	# second signature verifies and chains to a certificate of that name.
	verify "Debian shim: second entry authentic under the 2023 CA it carries" 0 \
		'.verdict == "authentic" and .signatures[1].status == "ok"' \
		--trust "$DEBIAN/ms-uefi-ca-2023.pem" "$shim"
	verify "Debian shim with --require-code-signing: authentic (Microsoft's UEFI signer is for code signing)" 0 \
		'.verdict == "authentic"' --require-code-signing \
		--trust "$DEBIAN/ms-uefi-ca-2011.pem" "$shim"
	verify "Debian shim under the Debian CA: unknown (Microsoft signs shim)" 2 \
		'.reason == "untrusted"' $DEB_TRUST "$shim"
	verify "Debian shim, 2023 CA trusted, 2011 CA denied: not authentic" 1 \
		'.reason == "denied_certificate"' --trust "$DEBIAN/ms-uefi-ca-2023.pem" \
		--deny "$DEBIAN/ms-uefi-ca-2011.pem" "$shim"
else
	tap_not_ok "Debian's signed files: could not fetch them from Debian's archive"
fi

# --- tampered files ------------------------------------------------------------------

"$TESTTOOL" info "$S/dll64-rsa.dll" >"$RUN/dll64.info"
"$TESTTOOL" info "$S/efi64-rsa.efi" >"$RUN/efi64.info"
di() { info "$RUN/dll64.info" "$1"; }
ei() { info "$RUN/efi64.info" "$1"; }

t=$(copy code.dll "$S/dll64-rsa.dll"); flip "$t" "$(di text_off)"
verify "file: one code byte changed: not authentic" 1 \
	'.verdict == "not_authentic" and .reason == "digest_mismatch"' $TRUST "$t"
t=$(copy reloc.dll "$S/dll64-rsa.dll"); flip "$t" "$(di reloc_entry_off)"
verify "file: a relocation entry changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST "$t"
t=$(copy header.dll "$S/dll64-rsa.dll"); flip "$t" "$(di stub_off)"
verify "file: a header byte changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST "$t"
t=$(copy trailing.dll "$S/dll64-rsa.dll"); flip "$t" $(($(di raw_end) + 100))
if [ "$(di raw_end)" -lt "$(di cert_off)" ]; then
	verify "file: a byte of trailing data (COFF symbols) changed: not authentic" 1 \
		'.reason == "digest_mismatch"' $TRUST "$t"
else
	tap_not_ok "file: dll64 has trailing data"
fi
verify "file: one code byte changed, its signer denied: not authentic (denied_certificate)" 1 \
	'.reason == "denied_certificate"' $TRUST --deny "$P/rsa-leaf.pem" "$RUN/code.dll"
t=$(copy efi-code.efi "$S/efi64-rsa.efi"); flip "$t" "$(ei text_off)"
verify "file: sbsign-signed UEFI image, code byte changed: not authentic" 1 \
	'.reason == "digest_mismatch"' $TRUST "$t"
t=$(copy checksum.dll "$S/dll64-rsa.dll"); flip "$t" "$(di checksum_off)"
verify "file: CheckSum changed (not hashed): still authentic" 0 '.verdict == "authentic"' $TRUST "$t"
cert_off=$(di cert_off) cert_size=$(di cert_size) dirent=$(di cert_dirent_off)
# The certificate table is not signed: a table that does not fit the file
# cannot show that signed bytes changed. Unknown, never authentic.
t=$RUN/truncated.dll; head -c -16 "$S/dll64-rsa.dll" >"$t"
verify "file: certificate table truncated: unknown" 2 \
	'.verdict == "unknown" and .reason == "bad_cert_table"' $TRUST "$t"
t=$(copy oversized.dll "$S/dll64-rsa.dll"); put_u32 "$t" $((dirent + 4)) $((cert_size + 8))
verify "file: certificate table size beyond the file: unknown" 2 \
	'.reason == "bad_cert_table"' $TRUST "$t"
t=$(copy short.dll "$S/dll64-rsa.dll"); put_u32 "$t" $((dirent + 4)) $((cert_size - 8))
verify "file: certificate table not reaching the end of the file: unknown" 2 \
	'.reason == "bad_cert_table"' $TRUST "$t"
t=$(copy appended.dll "$S/dll64-rsa.dll"); printf 'appended' >>"$t"
verify "file: bytes appended after the certificate table: unknown" 2 \
	'.reason == "bad_cert_table"' $TRUST "$t"
len=$(get_u32 "$S/dll64-rsa.dll" "$cert_off")
t=$(copy wclong.dll "$S/dll64-rsa.dll"); put_u32 "$t" "$cert_off" $((len + 8))
verify "file: WIN_CERTIFICATE length beyond the directory size: unknown" 2 \
	'.reason == "bad_cert_table"' $TRUST "$t"
t=$(copy wcshort.dll "$S/dll64-rsa.dll"); put_u32 "$t" "$cert_off" $((len - 64))
verify "file: WIN_CERTIFICATE length short of the directory size: unknown" 2 \
	'.verdict == "unknown"' $TRUST "$t"
t=$(copy sigbyte.dll "$S/dll64-rsa.dll"); flip "$t" $((cert_off + len - 20))
verify "file: a byte of the RSA signature value changed: not authentic" 1 \
	'.reason == "bad_signature"' $TRUST "$t"
t=$(copy pkcs7cut.dll "$S/dll64-rsa.dll"); put_u32 "$t" $((cert_off + 8)) 0x00000030
verify "file: PKCS#7 that does not parse: unknown (unreadable_signature)" 2 \
	'.verdict == "unknown" and .reason == "unreadable_signature"' $TRUST "$t"
t=$(copy moved.dll "$S/dll64-rsa.dll"); put_u32 "$t" "$dirent" $((cert_off + 8))
verify "file: certificate table entry pointing elsewhere: unknown" 2 \
	'.verdict == "unknown"' $TRUST "$t"
verify "unsigned image: unknown (no signature)" 2 \
	'.verdict == "unknown" and .reason == "no_signature" and (.digest | length) == 64' \
	$TRUST "$I/dll64.dll"
printf 'just text\n' >"$RUN/text"
verify "not a PE image: unknown (unsupported format)" 2 '.reason == "unsupported_format"' "$RUN/text"
: >"$RUN/empty"
verify "empty file: unknown (unsupported format)" 2 '.reason == "unsupported_format"' "$RUN/empty"
head -c 300 "$S/dll64-rsa.dll" >"$RUN/headers-cut.dll"
verify "file cut inside its headers: unknown (unreadable_image)" 2 \
	'.verdict == "unknown" and .reason == "unreadable_image"' $TRUST "$RUN/headers-cut.dll"

# --- tampered loaded images ----------------------------------------------------------

if load tamper "$S/dll64-rsa.dll" windows "$BASE64"; then
	T=$RUN/tamper
	good_loaded=$LOADED
	ti() { info "$T.info" "$1"; }
	cp "$T.image" "$T.orig"
	flip "$T.image" "$(di text_rva)"
	verify "loaded: one code byte changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST $LOADED
	cp "$T.orig" "$T.image"; flip "$T.image" "$(ti first_reloc_rva)"
	verify "loaded: a relocated pointer changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST $LOADED
	cp "$T.orig" "$T.image"; flip "$T.image" "$(di stub_off)"
	verify "loaded: a header byte changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST $LOADED
	cp "$T.orig" "$T.image"; flip "$T.image" "$(ti first_ilt_rva)"
	verify "loaded: an import lookup table entry changed: not authentic" 1 \
		'.verdict == "not_authentic"' $TRUST $LOADED
	cp "$T.orig" "$T.image"; flip "$T.image" "$(ti first_iat_rva)"
	verify "loaded: an import address changed: authentic, the slot reported unverified" 0 \
		".verdict == \"authentic\" and any(.unverified_regions[];
		 .kind == \"import_address_table\" and .rva <= $(($(ti first_iat_rva))) and
		 .rva + .size > $(($(ti first_iat_rva))))" $TRUST $LOADED
	cp "$T.orig" "$T.image"
	cp "$T.tail" "$T.tail.orig"; flip "$T.tail" 100
	verify "loaded: a byte of the tail changed: not authentic" 1 '.reason == "digest_mismatch"' $TRUST $LOADED
	cp "$T.tail.orig" "$T.tail"
	verify "loaded: untouched copy still authentic" 0 '.verdict == "authentic"' $TRUST $good_loaded
	verify "loaded: wrong load base: not authentic" 1 '.verdict == "not_authentic"' $TRUST \
		--loaded "$T.image" --base $((BASE64 + 0x10000)) --image-base "$(ti image_base)" \
		--signature "$T.sig" --tail "$T.tail"
	verify "loaded: wrong ImageBase: not authentic" 1 '.reason == "digest_mismatch"' $TRUST \
		--loaded "$T.image" --base "$BASE64" --image-base $(($(ti image_base) + 0x10000)) \
		--signature "$T.sig" --tail "$T.tail"
	verify "loaded: ImageBase from the mapped header (the loader rewrote it): not authentic" 1 \
		'.verdict == "not_authentic"' $TRUST \
		--loaded "$T.image" --base "$BASE64" --signature "$T.sig" --tail "$T.tail"
	verify "loaded: tail left out: unknown" 2 '.reason == "bad_cert_table"' $TRUST \
		--loaded "$T.image" --base "$BASE64" --image-base "$(ti image_base)" --signature "$T.sig"
	verify "loaded: certificate table left out: unknown (no signature)" 2 \
		'.reason == "no_signature"' $TRUST \
		--loaded "$T.image" --base "$BASE64" --image-base "$(ti image_base)" --tail "$T.tail"
	head -c -4096 "$T.orig" >"$T.short"
	verify "loaded: image shorter than SizeOfImage: not authentic (load_mismatch)" 1 \
		'.reason == "load_mismatch" and (.message | contains("SizeOfImage"))' $TRUST \
		--loaded "$T.short" --base "$BASE64" --image-base "$(ti image_base)" \
		--signature "$T.sig" --tail "$T.tail"
	# Bytes past SizeOfImage in the IMAGE region: covered by nothing.
	{ cat "$T.orig"; printf '\110\061\300\303'; head -c 4092 /dev/zero; } >"$T.long"
	verify "loaded: code past SizeOfImage in the image: not authentic (load_mismatch)" 1 \
		'.verdict == "not_authentic" and .reason == "load_mismatch" and
		 (.message | contains("SizeOfImage"))' $TRUST \
		--loaded "$T.long" --base "$BASE64" --image-base "$(ti image_base)" \
		--signature "$T.sig" --tail "$T.tail"
else
	tap_not_ok "reference loader maps dll64-rsa"
fi
if load tamper32 "$S/dll32-rsa.dll" windows "$BASE32"; then
	flip "$RUN/tamper32.image" "$(info "$RUN/tamper32.info" first_reloc_rva)"
	verify "loaded PE32: a relocated pointer (HIGHLOW) changed: not authentic" 1 \
		'.reason == "digest_mismatch"' $TRUST $LOADED
fi
# The certificate table is no part of the digest: the same image signed by
# another tool verifies with either table; another image's table does not.
if load other "$S/efi64-ossl.efi" uefi "$BASE_EFI" && cp "$RUN/other.image" "$RUN/other.orig" &&
   load sbsign "$S/efi64-rsa.efi" uefi "$BASE_EFI" && load efi32 "$S/efi32-rsa.efi" uefi "$BASE32"; then
	for donor in sbsign efi32; do
		cp "$RUN/other.orig" "$RUN/other.image"
		put_u32 "$RUN/other.image" $(($(ei cert_dirent_off) + 4)) "$(stat -c %s "$RUN/$donor.sig")"
		set -- $TRUST --loaded "$RUN/other.image" --base "$BASE_EFI" \
			--image-base "$(info "$RUN/other.info" image_base)" --signature "$RUN/$donor.sig"
		if [ "$donor" = sbsign ]; then
			verify "loaded: the same image's table from another signing tool: authentic" 0 \
				'.verdict == "authentic"' "$@"
		else
			verify "loaded: another image's certificate table: not authentic" 1 \
				'.reason == "digest_mismatch"' "$@"
		fi
	done
else
	tap_not_ok "reference loader maps efi64-ossl, efi64-rsa, efi32-rsa"
fi
verify "bound imports, as a file: authentic" 0 '.verdict == "authentic"' $TRUST "$S/dll64-bound.dll"
load bound "$S/dll64-bound.dll" windows "$BASE64" &&
verify "bound imports, loaded: unknown (the file's address table is unknown)" 2 \
	'.reason == "unsupported_image"' $TRUST $LOADED

# --- where the image is, and what the guest declared ----------------------------------

# The load base is where the image is: the address of its first byte
# (hostsigd: the IMAGE region's). What the guest declared (hostsigd: the
# argument block's load_base) can only make the verdict worse. A guest
# that maps an image at one address, relocated for another it declares,
# had it authentic while its pointers led into memory nobody tracks.
LIE=$(printf 0x%x $((BASE64 + 0x10000)))
if load elsewhere "$S/dll64-rsa.dll" windows "$LIE"; then
	set -- $TRUST --loaded "$RUN/elsewhere.image" \
		--image-base "$(info "$RUN/elsewhere.info" image_base)" \
		--signature "$RUN/elsewhere.sig" --tail "$RUN/elsewhere.tail"
	verify "relocated for $LIE, mapped at $BASE64, $LIE declared: not authentic" 1 \
		'.verdict == "not_authentic"' "$@" --base "$BASE64" --declared-base "$LIE"
	verify "relocated for $LIE, mapped at $BASE64: not authentic (digest_mismatch)" 1 \
		'.reason == "digest_mismatch"' "$@" --base "$BASE64"
	verify "relocated for and mapped at $LIE, $BASE64 declared: not authentic (load_mismatch)" 1 \
		".reason == \"load_mismatch\" and (.message | contains(\"declared load base $BASE64, the image is at $LIE\"))" \
		"$@" --base "$LIE" --declared-base "$BASE64"
	verify "relocated for and mapped at $LIE, $LIE declared: authentic" 0 \
		'.verdict == "authentic"' "$@" --base "$LIE" --declared-base "$LIE"
else
	tap_not_ok "reference loader maps dll64-rsa at $LIE"
fi
# Without relocations an image runs only at its ImageBase: mapped elsewhere
# its pointers lead out of it, into whatever the guest put there.
"$TESTTOOL" info "$S/efi64-norelocs.efi" >"$RUN/norelocs.info"
home=$(info "$RUN/norelocs.info" image_base)
load norelocs-home "$S/efi64-norelocs.efi" uefi "$home" &&
verify "relocations stripped, loaded at its ImageBase $home: authentic" 0 \
	'.verdict == "authentic"' $TRUST $LOADED
load norelocs-away "$S/efi64-norelocs.efi" uefi "$BASE_EFI" &&
verify "relocations stripped, loaded at $BASE_EFI: not authentic (load_mismatch)" 1 \
	'.reason == "load_mismatch" and (.message | contains("relocations stripped"))' $TRUST $LOADED

# --- import address table slots -------------------------------------------------------

# le VALUE BYTES: VALUE little endian, in hex, for pe-testtool poke
le() {
	_out= _i=0
	while [ "$_i" -lt "$2" ]; do
		_out=$_out$(printf %02x $((($1 >> (8 * _i)) & 255)))
		_i=$((_i + 1))
	done
	echo "$_out"
}
# An import resolves to another component; a slot the guest points back
# into the image itself (its code, its slack, mid-instruction) is not.
# self_import NAME FILE BASE PTR TARGET_RVA WHAT
self_import() {
	if load "$1" "$2" windows "$3"; then
		slot=$(($(info "$RUN/$1.info" first_iat_rva)))
		"$TESTTOOL" poke "$RUN/$1.image" "$slot" "$(le $(($3 + $5)) "$4")"
		verify "$6: not authentic, the slot named" 1 \
			"$(printf '.verdict == "not_authentic" and .reason == "load_mismatch" and
			  (.message | contains("slot at RVA 0x%x points into the image itself, at RVA 0x%x"))' \
			  "$slot" "$5")" $TRUST $LOADED
	else
		tap_not_ok "$6: the reference loader maps $(basename "$2")"
	fi
}
self_import iat-code "$S/dll64-rsa.dll" "$BASE64" 8 $(($(di text_rva) + 3)) \
	"PE32+: an import slot pointed into the image's own code, mid-instruction"
self_import iat-slack "$S/dll64-rsa.dll" "$BASE64" 8 $(($(di size_of_image) - 8)) \
	"PE32+: an import slot pointed at the image's last bytes"
"$TESTTOOL" info "$S/dll32-rsa.dll" >"$RUN/dll32.info"
self_import iat-32 "$S/dll32-rsa.dll" "$BASE32" 4 $(($(info "$RUN/dll32.info" text_rva) + 1)) \
	"PE32: an import slot pointed into the image's own code"

# --- executable bytes no signature covers ---------------------------------------------

# Executable pages (those of a section with IMAGE_SCN_MEM_EXECUTE or code)
# hold only what the signature covers and zeros: a compromised guest that
# plants code anywhere else in them gets load_mismatch, the range named.
# Elsewhere non-zero slack is reported and the verdict stands.
# 4831c0c3: xor %rax,%rax; ret
tv=$(ei text_vaddr) tvs=$(ei text_vsize) trs=$(ei text_raw_size) dv=$(ei data_vaddr)
# plant NAME FILE RVA: load FILE (UEFI loader), write the code at RVA
plant() {
	load "$1" "$2" uefi "$BASE_EFI" && "$TESTTOOL" poke "$RUN/$1.image" "$3" 4831c0c3
}
exec_hit() {	# the jq filter: not authentic, the planted range named
	printf '.verdict == "not_authentic" and .reason == "load_mismatch" and
		(.message | contains("RVA 0x%x+0x4,") and contains("executable"))' "$1"
}
plant padding "$S/efi64-rsa.efi" $((tv + tvs + 8)) &&
verify "code planted in .text's raw padding past VirtualSize (not copied by a UEFI loader): not authentic" 1 \
	"$(exec_hit $((tv + tvs + 8)))" $TRUST $LOADED
plant pagetail "$S/efi64-rsa.efi" $((tv + trs + 0x100)) &&
verify "code planted in .text's page past its raw data: not authentic" 1 \
	"$(exec_hit $((tv + trs + 0x100)))" $TRUST $LOADED
"$TESTTOOL" info "$S/efi64-zerofill.efi" >"$RUN/zerofill.info"
ztv=$(info "$RUN/zerofill.info" text_vaddr) ztrs=$(info "$RUN/zerofill.info" text_raw_size)
if [ "$(info "$RUN/zerofill.info" text_vsize)" -gt "$ztrs" ]; then
	plant zerofill "$S/efi64-zerofill.efi" $((ztv + ztrs + 0x10)) &&
	verify "code planted in .text's zero fill (SizeOfRawData to VirtualSize): not authentic" 1 \
		"$(exec_hit $((ztv + ztrs + 0x10)))" $TRUST $LOADED
else
	tap_not_ok "efi64-zerofill.efi has zero fill in .text"
fi
plant dataslack "$S/efi64-rsa.efi" $((dv + 0x800)) &&
verify "non-zero bytes in .data's page tail (not executable): authentic, reported as slack" 0 \
	".verdict == \"authentic\" and any(.unverified_regions[]; .kind == \"slack\" and
	 .rva == $((dv + 0x800)) and .size == 4)" $TRUST $LOADED
load fill-uefi "$S/efi64-rsa.efi" uefi "$BASE_EFI" --fill 0xcc &&
verify "UEFI loader left every page tail dirty (0xcc), .text's too: not authentic" 1 \
	'.reason == "load_mismatch" and (.message | contains("executable pages of section 0"))' \
	$TRUST $LOADED
load fill-win "$S/dll32-rsa.dll" windows "$BASE32" --fill 0x90 &&
verify "Windows loader, 0x90 past .text's raw data in its last page: not authentic" 1 \
	'.reason == "load_mismatch"' $TRUST $LOADED

# --- oracles: osslsigncode and sbverify on every disk file -------------------------

# oracle_digests FILE: "alg hex" for each signature osslsigncode computed
oracle_digests() {
	timeout 120 osslsigncode verify -CAfile "$2" -in "$1" 2>&1 | awk '
		/^Message digest algorithm *:/ { alg = tolower($NF) }
		/^Calculated message digest *:/ { print alg, tolower($5) }'
}

# oracle NAME FILE CA-BUNDLE SBVERIFY-CA [VERIFIER-OPTIONS...]
# (sbverify takes one certificate: the anchor of the first signature)
oracle() {
	_name=$1 _file=$2 _ca=$3 _sbv_ca=$4
	shift 4
	timeout 120 "$V" --json --trust "$_ca" "$@" "$_file" >"$RUN/oracle.json" 2>/dev/null
	ours=$(jq -r .verdict "$RUN/oracle.json")
	# Digests: every signature osslsigncode reads, ours for the same algorithm.
	timeout 120 osslsigncode verify -CAfile "$_ca" -in "$_file" >"$RUN/ossl.out" 2>&1
	ossl_rc=$?
	oracle_digests "$_file" "$_ca" >"$RUN/ossl.digests"
	if [ ! -s "$RUN/ossl.digests" ]; then
		tap_diag "$(tail -n 5 "$RUN/ossl.out")"
		tap_not_ok "oracle osslsigncode: $_name: it computed no digest"
	else
		bad=0
		while read -r alg hex; do
			mine=$(jq -r ".digests.$alg // \"none\"" "$RUN/oracle.json")
			[ "$mine" = "$hex" ] || { tap_diag "$alg: osslsigncode $hex, ours $mine"; bad=1; }
		done <"$RUN/ossl.digests"
		[ "$ours" = authentic ] && [ "$ossl_rc" -ne 0 ] && bad=1
		[ "$ours" != authentic ] && [ "$ossl_rc" -eq 0 ] && bad=1
		[ "$bad" = 0 ] || tap_diag "osslsigncode exit $ossl_rc, ours $ours"
		tap_result "oracle osslsigncode: $_name: same digests, same verdict ($ours)" "$bad"
	fi
	# sbverify checks the first signature's digest and PKCS#7 signature.
	# Its chain check is not a trust decision: its verify callback
	# overrides "unable to get local issuer certificate" (sbsigntool 0.9.4
	# with OpenSSL 3 accepts dll64-rsa.dll under the unrelated ECDSA
	# root). So we compare where our first signature is ok or fails
	# before trust comes in. On
	# a digest mismatch it prints the digest it computed (as "expecting").
	# It knows SHA-256 image digests only.
	if [ "$(jq -r .digest_algorithm "$RUN/oracle.json")" != sha256 ]; then
		tap_skip "oracle sbverify: $_name" "sbverify computes SHA-256 image digests only"
		return
	fi
	first=$(jq -r '.signatures[0].status // "none"' "$RUN/oracle.json")
	if [ "$first" = untrusted ]; then
		tap_skip "oracle sbverify: $_name" "sbverify makes no trust decision (see run.sh)"
		return
	fi
	timeout 120 sbverify --cert "$_sbv_ca" "$_file" >"$RUN/sbv.out" 2>&1
	sbv_rc=$?
	bad=0
	case $first in
	ok) [ "$sbv_rc" -eq 0 ] || bad=1 ;;
	*) [ "$sbv_rc" -ne 0 ] || bad=1 ;;
	esac
	sbv_digest=$(sed -n 's/^ *expecting: *//p' "$RUN/sbv.out")
	if [ -n "$sbv_digest" ] && [ "$sbv_digest" != "$(jq -r .digests.sha256 "$RUN/oracle.json")" ]; then
		tap_diag "sbverify computed $sbv_digest"
		bad=1
	fi
	[ "$bad" = 0 ] || tap_diag "sbverify exit $sbv_rc, our first signature: $first" "$(cat "$RUN/sbv.out")"
	tap_result "oracle sbverify: $_name: same digest and signature check (first signature $first)" "$bad"
}

cat "$P/rsa-root.pem" "$P/ec-root.pem" >"$RUN/roots.pem"
for f in "$S"/*; do
	case $f in
	*-ec*) root=$P/ec-root.pem ;;
	*) root=$P/rsa-root.pem ;;
	esac
	case $f in
	*sha1*) oracle "$(basename "$f")" "$f" "$RUN/roots.pem" "$root" --allow-sha1 ;;
	*) oracle "$(basename "$f")" "$f" "$RUN/roots.pem" "$root" ;;
	esac
done
for f in code.dll reloc.dll header.dll trailing.dll efi-code.efi checksum.dll; do
	oracle "tampered $f" "$RUN/$f" "$RUN/roots.pem" "$P/rsa-root.pem"
done
# pe-sigtool's signatures carry the leaf alone: the stores need the intermediate.
cat "$P/rsa-root.pem" "$P/rsa-inter.pem" >"$RUN/rsa-chain-store.pem"
oracle "resigned md-sha1.dll" "$R/md-sha1.dll" "$RUN/rsa-chain-store.pem" "$P/rsa-inter.pem" --allow-sha1
oracle "resigned md-sha384.dll" "$R/md-sha384.dll" "$RUN/rsa-chain-store.pem" "$P/rsa-inter.pem"
oracle "resigned no-attributes.dll" "$R/no-attributes.dll" "$RUN/rsa-chain-store.pem" "$P/rsa-inter.pem"
oracle "resigned pesign-data-type.dll" "$R/pesign-data-type.dll" "$RUN/rsa-chain-store.pem" "$P/rsa-inter.pem"
# Where we are stricter than osslsigncode, by design: it accepts a signed
# contentType other than SpcIndirectDataContent, and SpcIndirectDataContent
# for something other than a PE image; we say unknown.
for f in content-type-data not-pe-image; do
	timeout 120 "$V" --json --trust "$RUN/rsa-chain-store.pem" "$R/$f.dll" >"$RUN/oracle.json" 2>/dev/null
	timeout 120 osslsigncode verify -CAfile "$RUN/rsa-chain-store.pem" -in "$R/$f.dll" >"$RUN/ossl.out" 2>&1
	ossl_rc=$?
	theirs=$(oracle_digests "$R/$f.dll" "$RUN/rsa-chain-store.pem" | cut -d' ' -f2)
	[ "$ossl_rc" -eq 0 ] && [ "$(jq -r .reason "$RUN/oracle.json")" = unsupported_signature ] &&
		[ "$theirs" = "$(jq -r .digests.sha256 "$RUN/oracle.json")" ]
	tap_result "oracle osslsigncode: resigned $f.dll: same digest; it accepts what we refuse (by design)" $?
done
# Where we refuse what osslsigncode accepts (an MD5 or SHA-1 signature in
# the chain, key usage), the digests must still agree.
bad=0
for f in "$W"/*; do
	"$V" --json $TRUST "$f" >"$RUN/oracle.json" 2>/dev/null
	while read -r alg hex; do
		# MD5 image digests are not computed: nothing to compare.
		[ "$alg" = md5 ] && continue
		[ "$(jq -r ".digests.$alg // \"none\"" "$RUN/oracle.json")" = "$hex" ] ||
			{ tap_diag "$(basename "$f"): $alg: osslsigncode $hex"; bad=1; }
	done <<-EOF
	$(oracle_digests "$f" "$RUN/roots.pem")
	EOF
done
tap_result "oracle osslsigncode: the files with weak digests or other key usages: same digests" $bad
if [ "$debian_ok" = 1 ]; then
	for f in $(debian_kernels) $(debian_efi_files) "$RUN/vmlinuz-tampered"; do
		oracle "Debian $(basename "$f")" "$f" "$DEBIAN/debian-ca.pem" "$DEBIAN/debian-ca.pem"
	done
	# osslsigncode 2.9 cannot read a table of two WIN_CERTIFICATE
	# entries: give it shim with its first entry alone. Its chain check
	# wants a self-signed anchor, and Microsoft's root is in no Debian
	# package: compare the digest it calculates.
	"$TESTTOOL" info "$shim" >"$RUN/shim.info"
	off=$(info "$RUN/shim.info" cert_off) first=$(get_u32 "$shim" "$(info "$RUN/shim.info" cert_off)")
	head -c $((off + (first + 7) / 8 * 8)) "$shim" >"$RUN/shim-first.efi"
	put_u32 "$RUN/shim-first.efi" $(($(info "$RUN/shim.info" cert_dirent_off) + 4)) $(((first + 7) / 8 * 8))
	"$V" --json --trust "$DEBIAN/ms-uefi-ca-2011.pem" "$RUN/shim-first.efi" >"$RUN/oracle.json" 2>/dev/null
	theirs=$(oracle_digests "$RUN/shim-first.efi" "$DEBIAN/ms-uefi-ca-2011.pem" | cut -d' ' -f2)
	[ -n "$theirs" ] && [ "$theirs" = "$(jq -r .digests.sha256 "$RUN/oracle.json")" ] &&
		[ "$(jq -r .verdict "$RUN/oracle.json")" = authentic ]
	tap_result "oracle osslsigncode: Debian shimx64.efi.signed, first entry alone: same digest ($theirs)" $?
	sbverify --cert "$DEBIAN/ms-uefi-ca-2011.pem" "$shim" >"$RUN/sbv.out" 2>&1
	tap_result "oracle sbverify: Debian shimx64.efi.signed: verifies under Microsoft UEFI CA 2011, as ours" $?
fi

# --- the command contract -------------------------------------------------------------

status "usage: no argument: exit 64" 64
status "usage: FILE and --loaded: exit 64" 64 "$S/dll64-rsa.dll" --loaded "$S/dll64-rsa.dll" --base 0
status "usage: --loaded without --base: exit 64" 64 --loaded "$S/dll64-rsa.dll"
status "usage: --base without --loaded: exit 64" 64 --base 0x1000 "$S/dll64-rsa.dll"
status "usage: --declared-base without --loaded: exit 64" 64 --declared-base 0x1000 "$S/dll64-rsa.dll"
status "usage: --declared-base that is not a number: exit 64" 64 --loaded "$S/dll64-rsa.dll" \
	--base 0 --declared-base zz
status "usage: --base that is not a number: exit 64" 64 --loaded "$S/dll64-rsa.dll" --base 0x12zz
status "usage: --deny-digest of 31 bytes: exit 64" 64 --deny-digest "$(printf '%062d' 0)" "$S/dll64-rsa.dll"
status "usage: --deny-digest not hex: exit 64" 64 --deny-digest "$(printf '%063dg' 0)" "$S/dll64-rsa.dll"
status "usage: unknown option: exit 64" 64 --frobnicate "$S/dll64-rsa.dll"
status "input: FILE does not exist: exit 66" 66 "$RUN/no-such-file"
status "input: FILE is a directory: exit 66" 66 "$RUN"
status "input: --trust file does not exist: exit 66" 66 --trust "$RUN/no-such-cert" "$S/dll64-rsa.dll"
status "input: --trust file holds no certificate: exit 66" 66 --trust "$RUN/text" "$S/dll64-rsa.dll"
status "input: --signature file does not exist: exit 66" 66 --loaded "$S/dll64-rsa.dll" --base 0 \
	--signature "$RUN/no-such-file"
status "decimal --base and --image-base are accepted" 0 $TRUST --loaded "$RUN/tamper.orig" \
	--base $((BASE64)) --image-base $(($(info "$RUN/tamper.info" image_base))) \
	--signature "$RUN/tamper.sig" --tail "$RUN/tamper.tail"
"$V" --trust "$P/rsa-root.pem" "$S/dll64-rsa.dll" >"$RUN/human" 2>&1
rc=$?
grep -q '^verdict  *authentic$' "$RUN/human" && grep -q '^reason  *ok$' "$RUN/human"
tap_result "human output: verdict and reason lines, exit 0" $((rc + $?))
bad=0
for f in "$S/dll64-nested.dll" "$S/efi32-rsa.efi" "$RUN/code.dll"; do
	"$V" --json $TRUST "$f" >"$RUN/a.json" 2>&1
	"$V_RELEASE" --json $TRUST "$f" >"$RUN/b.json" 2>&1
	cmp -s "$RUN/a.json" "$RUN/b.json" || { bad=1; tap_diag "$f: outputs differ"; }
done
tap_result "release and sanitizer builds print the same JSON" "$bad"

# --- one trust store, concurrent verifications (ThreadSanitizer) ---------------------

threads=$VERIFIER_OUT/threads
if make -s -C "$SRCDIR/userspace" O="$BUILD/userspace" tsan >"$RUN/err" 2>&1 &&
   gcc -std=gnu11 -O1 -g -fsanitize=thread -I"$SRCDIR/userspace/lib" \
	-o "$threads" "$SRCDIR/selftests/verifier/threads.c" "$BUILD/userspace/tsan/libhostsig.a" \
	$(pkg-config --cflags --libs libcrypto) -lpthread >>"$RUN/err" 2>&1 &&
   load threads "$S/dll64-rsa.dll" windows "$BASE64"; then
	T=$RUN/threads
	out=$(TSAN_OPTIONS=halt_on_error=1 "$threads" "$RUN/roots.pem" "$P/rogue-inter.pem" 4 10 \
		"$S/dll64-nested.dll" "$S/efi32-rsa.efi" "$RUN/code.dll" "$S/dll64-rogue.dll" \
		"$S/dll64-sha1.dll" -- "$T.image" "$BASE64" "$(info "$T.info" image_base)" \
		"$T.sig" "$T.tail" 2>&1)
	rc=$?
	tap_diag "$out"
	tap_result "4 threads share one trust store: same verdicts and digests, no data race" "$rc"
else
	tap_diag "$(cat "$RUN/err")"
	tap_not_ok "4 threads share one trust store: the ThreadSanitizer build"
fi

# --- fuzzing --------------------------------------------------------------------------

. "$SRCDIR/selftests/verifier/fuzz.sh"
fuzz_tests

tap_done
