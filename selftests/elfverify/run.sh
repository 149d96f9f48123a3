#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The verifier's kernel module side, for every installed Debian kernel
# (6.1 and 6.12), with hostsig-verify built with ASan and UBSan:
#   - the certificates built into /boot/vmlinuz-<release> (--extract-certs);
#   - every module Debian ships for the release, as a file, authentic under
#     that certificate alone;
#   - a module built at test time against the release's headers and signed
#     with its scripts/sign-file (RSA, ECDSA, SHA-256/384/512, SHA-1, key id
#     or issuer and serial), under the right, a wrong or no key;
#   - tampered copies: a changed byte, a stripped, truncated, foreign or
#     malformed signature;
#   - captured loads made by the reference loader (mod-loader) with and
#     without runtime patching, and tampered in and out of patch sites;
#   - the command contract for --capture and --extract-certs;
# then the instruction decoder against objdump, and the libFuzzer harness
# for at least a minute.
#
# Needs SRCDIR and BUILD (see selftests/run-suites.sh). Slow things are
# cached under $BUILD/elfverify.
set -u
. "$SRCDIR/selftests/lib/tap.sh"
. "$SRCDIR/selftests/lib/elfsites.sh"
. "$SRCDIR/selftests/elfverify/corpus.sh"

RUN="$ELF_OUT/run"
V="$BUILD/userspace/asan/hostsig-verify"
LOADER="$TOOLS/mod-loader"
export ASAN_OPTIONS="exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99"

# verify NAME STATUS JQ-FILTER ARGS...: hostsig-verify --json ARGS must exit
# with STATUS and print JSON for which the filter is true.
verify() {
	_name=$1 _want=$2 _filter=$3
	shift 3
	timeout 120 "$V" --json "$@" >"$RUN/out.json" 2>"$RUN/err"
	_rc=$?
	if [ "$_rc" -ne "$_want" ]; then
		tap_diag "exit status $_rc, expected $_want: hostsig-verify $*" \
			"$(head -c 2000 "$RUN/out.json")" "$(cat "$RUN/err")"
		tap_not_ok "$_name"
		return 1
	fi
	if ! jq -e "$_filter" "$RUN/out.json" >/dev/null 2>&1; then
		tap_diag "not true of the output: $_filter" "$(head -c 2000 "$RUN/out.json")"
		tap_not_ok "$_name"
		return 1
	fi
	tap_ok "$_name"
}

status() {	# status NAME STATUS ARGS...
	_name=$1 _want=$2
	shift 2
	timeout 120 "$V" "$@" >"$RUN/out" 2>&1
	_rc=$?
	[ "$_rc" -eq "$_want" ] || tap_diag "exit status $_rc, expected $_want" "$(cat "$RUN/out")"
	tap_result "$_name" $((_rc != _want))
}

flip() {	# flip FILE OFFSET [VALUE]: invert one byte, or set it
	_b=$(od -An -tu1 -j "$(($2))" -N1 "$1" | tr -d ' ')
	_v=$((_b ^ 255))
	[ $# -gt 2 ] && _v=$(($3))
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' "$_v")" | dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

# load NAME MODULE [LOADER-OPTIONS]: a capture in $RUN/NAME, facts in $RUN/NAME.info
load() {
	_n=$1 _m=$2
	shift 2
	rm -rf "${RUN:?}/$_n"
	"$LOADER" "$@" "$_m" "$RUN/$_n" >"$RUN/$_n.info" 2>"$RUN/err" ||
		{ tap_diag "$(cat "$RUN/err")"; return 1; }
}

fact() {	# fact NAME KEY
	sed -n "s/^$2=//p" "$RUN/$1.info"
}

# tamper NAME KEY [VALUE]: change the byte a fact names in a copy NAME-KEY of a capture
tamper() {
	_loc=$(fact "$1" "$2")
	[ -n "$_loc" ] || { tap_diag "no $2 in $1"; return 1; }
	rm -rf "${RUN:?}/$1-$2"
	cp -r "$RUN/$1" "$RUN/$1-$2"
	flip "$RUN/$1-$2/${_loc%%:*}" "${_loc#*:}" ${3:-}
	TAMPERED="$RUN/$1-$2"
}

# sig_info FILE: "content_len sig_len" of a module's appended signature
sig_info() {
	_len=$(stat -c %s "$1")
	_sl=$(od -An -tu1 -j $((_len - 32)) -N4 "$1" |
		awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
	echo "$((_len - 40 - _sl)) $_sl"
}

# attrs_signed IN OUT: IN signed by the RSA test key and appended as
# sign-file appends it, but with authenticated attributes (openssl cms
# without -noattr), which the kernel refuses for modules
attrs_signed() {
	openssl cms -sign -binary -nocerts -outform DER -md sha256 \
		-signer "$P/rsa.pem" -inkey "$P/rsa.key" -in "$1" -out "$RUN/attrs.p7" || return 1
	_sl=$(stat -c %s "$RUN/attrs.p7")
	{
		cat "$1" "$RUN/attrs.p7"
		printf '\000\000\002\000\000\000\000\000'
		printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $((_sl >> 24 & 255)) \
			$((_sl >> 16 & 255)) $((_sl >> 8 & 255)) $((_sl & 255)))"
		printf '~Module signature appended~\n'
	} >"$2"
}

# untype_modinfo IN OUT: IN with its .modinfo section typed SHT_NULL and
# placed past the end of the file (its header alone changed)
untype_modinfo() {
	_shoff=$(readelf -hW "$1" | sed -n 's/^ *Start of section headers: *\([0-9]*\).*/\1/p')
	_idx=$(readelf -SW "$1" | sed -n 's/^ *\[ *\([0-9]*\)\] \.modinfo .*/\1/p')
	[ -n "$_shoff" ] && [ -n "$_idx" ] || { tap_diag "$1: no .modinfo"; return 1; }
	cp "$1" "$2"
	_at=$((_shoff + 64 * _idx))
	printf '\000\000\000\000' | dd of="$2" bs=1 seek=$((_at + 4)) conv=notrunc status=none
	printf '\000\360\377\177\000\000\000\000' |
		dd of="$2" bs=1 seek=$((_at + 24)) conv=notrunc status=none
}

# forged NAME CAPTURE MODULE OPERATION ARGS...: a copy $RUN/NAME of a capture
# as a compromised guest kernel would hand it over (forge.c), in $FORGED
forged() {
	_n=$1 _src=$2 _ko=$3
	shift 3
	rm -rf "${RUN:?}/$_n"
	cp -r "$_src" "$RUN/$_n"
	FORGED=$RUN/$_n
	"$FORGE" "$_ko" "$RUN/$_n" "$@" >"$RUN/$_n.forge" 2>&1 ||
		{ tap_diag "forge $*: $(cat "$RUN/$_n.forge")"; return 1; }
}

# PATCH_SITES: a jq filter, true when the report names every jump label,
# static call site, static call trampoline and ftrace site as a patch_site
# range, in that order (the order the report promises), each inside a text
# allocation and as long as its class's instruction; $want, the count from
# the file's tables and symbols, is substituted by the caller.
PATCH_SITES='.elf.sites as $s | .elf.allocations as $a |
	[.elf.ranges[] | select(.kind == "patch_site")] as $p |
	($s.jump_label.total) as $jl | ($s.static_call.total) as $sc |
	($p | length) == $jl + $sc + $s.static_call_tramp.total + $s.ftrace.total and
	($p | length) == $want and
	all($p[]; ($a[.alloc].tag == "text" or $a[.alloc].tag == "init_text") and
		  .offset + .size <= $a[.alloc].size) and
	all($p[0:$jl][]; .size == 2 or .size == 5) and
	all($p[$jl:$jl + $sc][]; .size == 5 or .size == 6) and
	all($p[$jl + $sc:][]; .size == 5)'

tap_begin

# --- set-up --------------------------------------------------------------------

tap_run "hostsig-verify builds, and with ASan and UBSan" \
	sh -c "make -s -C '$SRCDIR/userspace' O='$BUILD/userspace' '$BUILD/userspace/hostsig-verify' &&
	       make -s -C '$SRCDIR/userspace' O='$BUILD/userspace' asan"
[ -x "$V" ] || { tap_not_ok "hostsig-verify is built"; tap_done; }
command -v jq >/dev/null || { tap_not_ok "jq is installed (selftests/lib/deps.sh)"; tap_done; }

RELEASES=
for rel in $("$SRCDIR/selftests/lib/kernels.sh"); do
	case $(series_of "$rel") in
	6.1|6.12) RELEASES="$RELEASES $rel" ;;
	esac
done
[ -n "$RELEASES" ] || { tap_not_ok "a Debian 6.1 or 6.12 kernel with headers (make deps)"; tap_done; }
# shellcheck disable=SC2086
if out=$(prepare_elf_corpus $RELEASES); then
	tap_ok "corpus: tools, signing keys, certificates and test modules for$RELEASES ($out)"
else
	tap_diag "$(tail -n 30 "$ELF_OUT/corpus.log")"
	tap_not_ok "corpus: tools, signing keys, certificates and test modules for$RELEASES"
	tap_done
fi
rm -rf "$RUN"
mkdir -p "$RUN"
for s in 6.1 6.12; do
	echo "$RELEASES" | tr ' ' '\n' | grep -q "^$s\." ||
		tap_not_ok "a Debian $s kernel with headers is installed"
done

P=$PKI
KEY_SUBJECT='"CN=Build time autogenerated kernel key"'
FORGE=$RUN/forge
# shellcheck disable=SC2046
gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SRCDIR/userspace/lib" \
	$(pkg-config --cflags libcrypto) -o "$FORGE" "$ELF_SRC/forge.c" \
	"$BUILD/userspace/libhostsig.a" $(pkg-config --libs libcrypto) >"$RUN/err" 2>&1
rc=$?
[ "$rc" -eq 0 ] || tap_diag "$(cat "$RUN/err")"
tap_result "forge (captures as a compromised guest hands them over) builds" "$rc"

# --- per kernel ---------------------------------------------------------------------

for rel in $RELEASES; do
	R=$ELF_OUT/$rel H=$R/hsmod D=$R/debian
	series=$(series_of "$rel")
	KCERT=$R/certs/cert-0.pem

	# trust anchors out of the kernel image
	n=$(grep -c . "$R/certs.txt")
	[ "$n" -ge 1 ] && [ "$(openssl x509 -in "$KCERT" -noout -subject)" = \
		"subject=CN = Build time autogenerated kernel key" ]
	tap_result "$rel: --extract-certs finds the build key in /boot/vmlinuz-$rel ($n certificate(s))" $?
	"$V" --json --extract-certs "/boot/vmlinuz-$rel" "$RUN/certs-$rel" >"$RUN/certs.json" 2>&1
	jq -e ".certificates[0].subject == $KEY_SUBJECT and (.certificates[0].sha256 | length) == 64" \
		"$RUN/certs.json" >/dev/null && cmp -s "$RUN/certs-$rel/cert-0.pem" "$KCERT"
	tap_result "$rel: --extract-certs --json (ASan): the same certificate, named" $?

	# every module Debian ships for the release, as a file
	find "/lib/modules/$rel/kernel" -name '*.ko' -o -name '*.ko.xz' >"$RUN/modules-$rel"
	out=$(timeout 600 "$TOOLS/modcheck" "$KCERT" <"$RUN/modules-$rel" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || tap_diag "$(echo "$out" | tail -n 20)"
	tap_result "$rel: every Debian module verifies under the extracted key ($(echo "$out" | tail -n 1))" "$rc"

	for name in $DEBIAN_PICKS; do
		verify "$rel: Debian $name.ko: authentic under the kernel's key" 0 \
			".verdict == \"authentic\" and .format == \"elf-module\" and
			 .signatures[0].subject == $KEY_SUBJECT and .signatures[0].anchor == $KEY_SUBJECT" \
			--trust "$KCERT" "$D/$name.ko"
	done
	verify "$rel: Debian kvm.ko with no trust store: unknown (untrusted)" 2 \
		'.verdict == "unknown" and .reason == "untrusted"' "$D/kvm.ko"
	verify "$rel: Debian kvm.ko under our test key: unknown (untrusted)" 2 \
		'.reason == "untrusted"' --trust "$P/rsa.pem" "$D/kvm.ko"
	verify "$rel: Debian kvm.ko, the key denied: not authentic" 1 \
		'.verdict == "not_authentic" and .reason == "denied_certificate"' \
		--trust "$KCERT" --deny "$KCERT" "$D/kvm.ko"
	"$V" --json --trust "$KCERT" "$D/kvm.ko" >"$RUN/kvm.json" 2>/dev/null
	digest=$(jq -r .digests.sha256 "$RUN/kvm.json")
	read -r clen slen <<-EOF
	$(sig_info "$D/kvm.ko")
	EOF
	[ "$digest" = "$(head -c "$clen" "$D/kvm.ko" | sha256sum | cut -d' ' -f1)" ]
	tap_result "$rel: Debian kvm.ko: the digest is SHA-256 of the module without its signature" $?
	verify "$rel: Debian kvm.ko, its digest denied: not authentic" 1 \
		'.reason == "denied_digest"' --trust "$KCERT" --deny-digest "$digest" "$D/kvm.ko"

	# tampered Debian modules
	cp "$D/kvm.ko" "$RUN/flip.ko"
	flip "$RUN/flip.ko" $((clen / 2))
	# An RSA signature tells a changed module from a changed signature, ECDSA cannot.
	verify "$rel: kvm.ko, one byte of the module changed: not authentic" 1 \
		'.verdict == "not_authentic" and (.reason == "digest_mismatch" or .reason == "bad_signature")' \
		--trust "$KCERT" "$RUN/flip.ko"
	head -c "$clen" "$D/kvm.ko" >"$RUN/stripped.ko"
	verify "$rel: kvm.ko, signature stripped: unknown (no signature)" 2 \
		'.verdict == "unknown" and .reason == "no_signature"' --trust "$KCERT" "$RUN/stripped.ko"
	head -c -1 "$D/kvm.ko" >"$RUN/cut.ko"
	verify "$rel: kvm.ko, the marker cut short: unknown (no signature)" 2 \
		'.reason == "no_signature"' --trust "$KCERT" "$RUN/cut.ko"
	{ head -c $((clen + 100)) "$D/kvm.ko"; tail -c 40 "$D/kvm.ko"; } >"$RUN/trunc.ko"
	verify "$rel: kvm.ko, PKCS#7 truncated inside the trailer: unknown (a signature it cannot read)" 2 \
		'.verdict == "unknown" and .reason == "unreadable_signature"' --trust "$KCERT" "$RUN/trunc.ko"
	{ head -c 100 "$D/kvm.ko"; tail -c 40 "$D/kvm.ko"; } >"$RUN/short.ko"
	verify "$rel: kvm.ko, sig_len larger than the file: unknown (unreadable signature)" 2 \
		'.reason == "unreadable_signature"' --trust "$KCERT" "$RUN/short.ko"
	tail -c 40 "$D/kvm.ko" >"$RUN/trailer-only.ko"
	verify "$rel: a trailer alone: unknown (not a module)" 2 \
		'.reason == "unsupported_format"' --trust "$KCERT" "$RUN/trailer-only.ko"
	cp "$D/kvm.ko" "$RUN/idtype.ko"
	flip "$RUN/idtype.ko" $(($(stat -c %s "$RUN/idtype.ko") - 38)) 1
	verify "$rel: kvm.ko, id_type X.509 instead of PKCS#7: unknown (unsupported signature)" 2 \
		'.verdict == "unknown" and .reason == "unsupported_signature"' --trust "$KCERT" "$RUN/idtype.ko"
	cp "$D/kvm.ko" "$RUN/algo.ko"
	flip "$RUN/algo.ko" $(($(stat -c %s "$RUN/algo.ko") - 40)) 1
	verify "$rel: kvm.ko, non-zero algo field: unknown (unreadable signature)" 2 \
		'.reason == "unreadable_signature"' --trust "$KCERT" "$RUN/algo.ko"
	cp "$D/kvm.ko" "$RUN/garbage.ko"
	flip "$RUN/garbage.ko" "$clen"
	verify "$rel: kvm.ko, garbage instead of a PKCS#7: unknown (unreadable signature)" 2 \
		'.reason == "unreadable_signature"' --trust "$KCERT" "$RUN/garbage.ko"
	cp "$D/kvm.ko" "$RUN/sigbyte.ko"
	flip "$RUN/sigbyte.ko" $((clen + slen - 10))
	verify "$rel: kvm.ko, a byte of the RSA signature value changed: not authentic" 1 \
		'.reason == "bad_signature"' --trust "$KCERT" "$RUN/sigbyte.ko"
	# another module's signature on this one
	read -r oclen oslen <<-EOF
	$(sig_info "$D/msr.ko")
	EOF
	{ head -c "$clen" "$D/kvm.ko"; tail -c $((oslen + 40)) "$D/msr.ko"; } >"$RUN/foreign.ko"
	verify "$rel: kvm.ko with msr.ko's signature: not authentic" 1 \
		'.verdict == "not_authentic" and (.reason == "digest_mismatch" or .reason == "bad_signature")' \
		--trust "$KCERT" "$RUN/foreign.ko"
	read -r hclen hslen <<-EOF
	$(sig_info "$H/rsa.ko")
	EOF
	{ head -c "$clen" "$D/kvm.ko"; tail -c $((hslen + 40)) "$H/rsa.ko"; } >"$RUN/foreign2.ko"
	verify "$rel: kvm.ko with our key's signature over another module: not authentic" 1 \
		'.reason == "digest_mismatch"' --trust "$P/rsa.pem" "$RUN/foreign2.ko"

	# authenticated attributes: a form the kernel refuses, not a forgery,
	# but a denied signer is denied whatever form its signature takes
	attrs_signed "$H/unsigned.ko" "$RUN/attrs.ko" || tap_diag "openssl cms -sign failed"
	verify "$rel: hsmod signed with authenticated attributes: unknown (unsupported signature)" 2 \
		'.verdict == "unknown" and .reason == "unsupported_signature"' --trust "$P/rsa.pem" "$RUN/attrs.ko"
	verify "$rel: the same, its signer denied: not authentic (denied_certificate)" 1 \
		'.verdict == "not_authentic" and .reason == "denied_certificate"' \
		--trust "$P/rsa.pem" --deny "$P/rsa.pem" "$RUN/attrs.ko"

	# our module, signed by the kernel's sign-file
	verify "$rel: hsmod RSA/SHA-256 (issuer and serial): authentic" 0 \
		'.verdict == "authentic" and .digest_algorithm == "sha256" and
		 .signatures[0].subject == "CN=hostsig test rsa module key"' --trust "$P/rsa.pem" "$H/rsa.ko"
	verify "$rel: hsmod RSA/SHA-512 (key identifier): authentic" 0 \
		'.verdict == "authentic" and .digest_algorithm == "sha512"' --trust "$P/rsa.der" "$H/rsa-keyid.ko"
	verify "$rel: hsmod ECDSA P-256/SHA-256: authentic" 0 \
		'.verdict == "authentic" and .signatures[0].subject == "CN=hostsig test ec module key"' \
		--trust "$P/ec.pem" "$H/ec.ko"
	verify "$rel: hsmod ECDSA P-384/SHA-384: authentic" 0 \
		'.verdict == "authentic" and .digest_algorithm == "sha384"' --trust "$P/ec384.pem" "$H/ec384.ko"
	verify "$rel: hsmod RSA under the ECDSA key: unknown (untrusted)" 2 \
		'.reason == "untrusted"' --trust "$P/ec.pem" "$H/rsa.ko"
	verify "$rel: hsmod signed by a foreign key: unknown (untrusted)" 2 \
		'.reason == "untrusted"' --trust "$P/rsa.pem" --trust "$P/ec.pem" "$H/foreign.ko"
	verify "$rel: hsmod SHA-1: unknown unless allowed" 2 \
		'.reason == "unsupported_digest"' --trust "$P/rsa.pem" "$H/sha1.ko"
	verify "$rel: hsmod SHA-1 with --allow-sha1: authentic" 0 \
		'.verdict == "authentic" and .digest_algorithm == "sha1"' --allow-sha1 --trust "$P/rsa.pem" "$H/sha1.ko"
	verify "$rel: hsmod signed twice: the outer signature covers the inner one" 0 \
		'.verdict == "authentic"' --trust "$P/rsa.pem" "$H/twice.ko"
	verify "$rel: hsmod unsigned: unknown (no signature)" 2 \
		'.reason == "no_signature" and (.digest | length) == 64' --trust "$P/rsa.pem" "$H/unsigned.ko"
	read -r hclen hslen <<-EOF
	$(sig_info "$H/ec.ko")
	EOF
	cp "$H/ec.ko" "$RUN/ecflip.ko"
	flip "$RUN/ecflip.ko" $((hclen / 3))
	verify "$rel: hsmod ECDSA, one byte changed: not authentic" 1 \
		'.verdict == "not_authentic"' --trust "$P/ec.pem" "$RUN/ecflip.ko"

	# captured loads: the reference loader at addresses of its choosing
	for spec in "none:--patch none" "all:--patch all --features all" "nofeat:--patch all --features none" \
		    "odd:--patch all --features odd --rethunk"; do
		tag=${spec%%:*}
		# shellcheck disable=SC2086
		load "hs-$series-$tag" "$H/rsa.ko" ${spec#*:} &&
		verify "$rel: hsmod loaded ($tag patching): authentic" 0 \
			".verdict == \"authentic\" and .mode == \"capture\" and .elf.kernel == \"$series\" and
			 .elf.file_rewritten and .elf.module == \"hsmod\" and
			 any(.elf.ranges[]; .kind == \"module_struct\")" \
			--trust "$P/rsa.pem" --capture "$RUN/hs-$series-$tag" ||
		tap_not_ok "$rel: reference loader ($tag)"
	done
	verify "$rel: hsmod loaded, all patched: sites of every class patched" 0 \
		'[.elf.sites | to_entries[] | select(.value.patched > 0) | .key] as $p |
		 ["ftrace", "jump_table", "static_call", "return_thunk", "retpoline", "alternative",
		  "smp_lock", "orc", "static_key"] - $p == []' --trust "$P/rsa.pem" --capture "$RUN/hs-$series-all"
	C=$RUN/hs-$series-all
	verify "$rel: hsmod loaded, no trust store: unknown (untrusted)" 2 '.reason == "untrusted"' --capture "$C"
	load "hs-$series-pristine" "$H/ec.ko" --pristine &&
	verify "$rel: hsmod (ECDSA) loaded, the file buffer untouched: authentic" 0 \
		'.verdict == "authentic" and (.elf.file_rewritten | not) and .elf.candidates == 1' \
		--trust "$P/ec.pem" --capture "$RUN/hs-$series-pristine"
	load "hs-$series-split" "$H/rsa-keyid.ko" --split-signature &&
	verify "$rel: hsmod loaded, the signature given apart: authentic" 0 \
		'.verdict == "authentic"' --trust "$P/rsa.pem" --capture "$RUN/hs-$series-split"

	tamper "hs-$series-all" text_plain &&
	verify "$rel: loaded, a byte of .text outside every site changed: not authentic" 1 \
		'.verdict == "not_authentic" and .reason == "load_mismatch" and (.message | test("\\.text\\+"))' \
		--trust "$P/rsa.pem" --capture "$TAMPERED"
	tamper "hs-$series-all" rodata &&
	verify "$rel: loaded, a byte of .rodata changed: not authentic" 1 \
		'.reason == "load_mismatch"' --trust "$P/rsa.pem" --capture "$TAMPERED"
	for site in ftrace_site return_site jump_site static_call_site; do
		tamper "hs-$series-all" "$site" &&
		verify "$rel: loaded, a byte of a patch site ($site) made garbage: not authentic" 1 \
			'.reason == "load_mismatch" and (.message | test("none of the forms"))' \
			--trust "$P/rsa.pem" --capture "$TAMPERED"
	done
	tamper "hs-$series-all" ex_table &&
	verify "$rel: loaded, an exception table entry changed: not authentic" 1 \
		'.reason == "load_mismatch" and (.message | test("__ex_table"))' \
		--trust "$P/rsa.pem" --capture "$TAMPERED"
	tamper "hs-$series-all" orc &&
	verify "$rel: loaded, an ORC entry changed: not authentic" 1 \
		'.reason == "load_mismatch"' --trust "$P/rsa.pem" --capture "$TAMPERED"
	tamper "hs-$series-all" symtab_value &&
	verify "$rel: loaded, a symbol value in the symbol table copy changed: not authentic" 1 \
		'.verdict == "not_authentic"' --trust "$P/rsa.pem" --capture "$TAMPERED"
	for k in kallsyms_name kallsyms_type; do
		tamper "hs-$series-all" $k &&
		verify "$rel: loaded, a byte of the symbol tables the loader built ($k) changed: not authentic" 1 \
			'.reason == "load_mismatch"' --trust "$P/rsa.pem" --capture "$TAMPERED"
	done
	tamper "hs-$series-all" alt_site 0xcc &&
	verify "$rel: loaded, an alternative in a form not modelled: unknown, naming it" 2 \
		'.verdict == "unknown" and .reason == "unsupported_site" and (.message | test("alternative"))' \
		--trust "$P/rsa.pem" --capture "$TAMPERED"
	tamper "hs-$series-all" this_module_state &&
	verify "$rel: loaded, struct module's loader state changed: authentic, reported unverified" 0 \
		'.verdict == "authentic" and any(.elf.ranges[]; .kind == "module_struct")' \
		--trust "$P/rsa.pem" --capture "$TAMPERED"
	tamper "hs-$series-all" this_module_name &&
	verify "$rel: loaded, struct module's name changed: authentic (loader state, reported)" 0 \
		'.verdict == "authentic"' --trust "$P/rsa.pem" --capture "$TAMPERED"
	# a later capture of a verified load: the module's writable data is its own
	tamper "hs-$series-all" data_plain &&
	verify "$rel: loaded, a byte of .data changed: not authentic" 1 \
		'.reason == "load_mismatch" and (.message | test("\\.data\\+")) and (.elf.load_verified | not)' \
		--trust "$P/rsa.pem" --capture "$TAMPERED" &&
	verify "$rel: a later capture of a verified load (--load-verified), a byte of .data changed: authentic" 0 \
		'.verdict == "authentic" and .elf.load_verified' \
		--load-verified --trust "$P/rsa.pem" --capture "$TAMPERED"
	for k in text_plain rodata symtab_value jump_site; do
		verify "$rel: a later capture (--load-verified), a byte of $k changed: not authentic" 1 \
			'.verdict == "not_authentic" and .reason == "load_mismatch"' \
			--load-verified --trust "$P/rsa.pem" --capture "$RUN/hs-$series-all-$k"
	done
	load "hs-$series-traced" "$H/rsa.ko" --traced 0 &&
	verify "$rel: loaded, an ftrace site calling a tracer: unknown, naming it" 2 \
		'.verdict == "unknown" and .reason == "unsupported_site" and (.message | test("ftrace"))' \
		--trust "$P/rsa.pem" --capture "$RUN/hs-$series-traced"
	rm -rf "$RUN/filetamper"
	cp -r "$C" "$RUN/filetamper"
	flip "$RUN/filetamper/file.bin" "$(fact "hs-$series-all" file_text)"
	verify "$rel: loaded, a byte of .text in the file buffer changed: not authentic" 1 \
		'.reason == "digest_mismatch"' --trust "$P/rsa.pem" --capture "$RUN/filetamper"
	rm -rf "$RUN/modinfo"
	cp -r "$C" "$RUN/modinfo"
	flip "$RUN/modinfo/file.bin" "$(($(fact "hs-$series-all" modinfo_off) + 1))"
	verify "$rel: loaded, .modinfo in the file buffer changed: not authentic" 1 \
		'.reason == "digest_mismatch"' --trust "$P/rsa.pem" --capture "$RUN/modinfo"
	rm -rf "$RUN/noinit"
	cp -r "$C" "$RUN/noinit"
	rm -f "$RUN"/noinit/alloc-init_*
	verify "$rel: loaded, the init allocation(s) not captured: unknown" 2 \
		'.verdict == "unknown" and .reason == "unsupported_image"' --trust "$P/rsa.pem" --capture "$RUN/noinit"
	rm -rf "$RUN/moved"
	cp -r "$C" "$RUN/moved"
	t=$(cd "$RUN/moved" && ls alloc-text-*.bin)
	addr=${t#alloc-text-}
	addr=${addr%.bin}
	mv "$RUN/moved/$t" "$RUN/moved/alloc-text-$(printf %x $((0x${addr#ffff} + 0x1000)) | sed 's/^/ffff/').bin"
	verify "$rel: loaded, text claimed 4 KiB away from where it was relocated: not authentic" 1 \
		'.verdict == "not_authentic"' --trust "$P/rsa.pem" --capture "$RUN/moved"
	rm -rf "$RUN/retag"
	cp -r "$C" "$RUN/retag"
	mv "$RUN/retag/$t" "$RUN/retag/alloc-init_rodata-$addr.bin"
	verify "$rel: loaded, text tagged as another allocation: not authentic (not what the verified file becomes)" 1 \
		'.verdict == "not_authentic" and .reason == "load_mismatch"' --trust "$P/rsa.pem" --capture "$RUN/retag"
	# NOT_AUTHENTIC is evidence of tampering; what is not understood is
	# unknown: an allocation table that makes no sense is read before any
	# signature and says nothing about the bytes
	rm -rf "$RUN/twotext"
	cp -r "$C" "$RUN/twotext"
	cp "$RUN/twotext/$t" "$RUN/twotext/alloc-text-$(printf %x $((0x${addr#ffff} + 0x100000)) | sed 's/^/ffff/').bin"
	verify "$rel: loaded, two allocations tagged text: unknown (unreadable)" 2 \
		'.verdict == "unknown" and .reason == "unreadable_image"' --trust "$P/rsa.pem" --capture "$RUN/twotext"
	rm -rf "$RUN/long-alloc"
	cp -r "$C" "$RUN/long-alloc"
	head -c 4096 /dev/zero >>"$RUN/long-alloc/$t"
	verify "$rel: loaded, the text allocation a page longer than the layout: not authentic (load mismatch)" 1 \
		'.verdict == "not_authentic" and .reason == "load_mismatch"' --trust "$P/rsa.pem" --capture "$RUN/long-alloc"
	# a section the parser relies on, typed SHT_NULL and out of bounds
	untype_modinfo "$H/unsigned.ko" "$RUN/badelf-unsigned.ko" &&
	"/lib/modules/$rel/build/scripts/sign-file" sha256 "$P/rsa.key" "$P/rsa.pem" \
		"$RUN/badelf-unsigned.ko" "$RUN/badelf-signed.ko" &&
	verify "$rel: a module signed as it is, whose .modinfo is SHT_NULL past the end: unknown (unreadable)" 2 \
		'.verdict == "unknown" and .reason == "unreadable_image"' --trust "$P/rsa.pem" "$RUN/badelf-signed.ko"
	untype_modinfo "$H/rsa.ko" "$RUN/badelf-after.ko" &&
	verify "$rel: the same change to a signed module: not authentic (the signature says so first)" 1 \
		'.verdict == "not_authentic" and .reason == "digest_mismatch"' --trust "$P/rsa.pem" "$RUN/badelf-after.ko"
	# a kernel whose loader is not modelled: unknown once the file has
	# verified, but which kernel it is for is only known from signed bytes,
	# so a file buffer that no rebuild verifies stays evidence of tampering
	# (else a guest would rewrite vermagic to hide any change)
	perl -pe 's/vermagic=6\.(1|12)\./vermagic=5.$1./' "$H/unsigned.ko" >"$RUN/other-kernel.ko" &&
	"/lib/modules/$rel/build/scripts/sign-file" sha256 "$P/rsa.key" "$P/rsa.pem" \
		"$RUN/other-kernel.ko" "$RUN/other-kernel-signed.ko" &&
	load "other-$series" "$RUN/other-kernel-signed.ko" --kernel "$series" &&
	verify "$rel: a capture of a module for another kernel series: unknown (loader not modelled)" 2 \
		'.reason == "unsupported_image" and (.message | test("not modelled"))' \
		--trust "$P/rsa.pem" --capture "$RUN/other-$series" &&
	flip "$RUN/other-$series/file.bin" "$(fact "other-$series" file_text)" &&
	verify "$rel: the same with a byte of its file buffer changed: not authentic (vermagic is the guest's word)" 1 \
		'.verdict == "not_authentic" and .reason == "digest_mismatch"' \
		--trust "$P/rsa.pem" --capture "$RUN/other-$series"
	rm -rf "$RUN/badelf-cap"
	cp -r "$RUN/hs-$series-pristine" "$RUN/badelf-cap"
	cp "$RUN/badelf-signed.ko" "$RUN/badelf-cap/file.bin"
	verify "$rel: a capture whose signed file buffer does not parse: unknown (unreadable)" 2 \
		'.verdict == "unknown" and .reason == "unreadable_image"' --trust "$P/rsa.pem" --capture "$RUN/badelf-cap"

	# attacks: what a compromised guest kernel hands over, each coherent
	# (with the rule it attacks taken out, the capture verifies)
	S=$RUN/hs-$series-odd
	for w in text-mid data init slack func; do
		forged "at-resolve-$series-$w" "$S" "$H/rsa.ko" resolve __static_call_update "$w" &&
		verify "$rel: attack: an undefined symbol resolved inside the module ($w): not authentic" 1 \
			'.reason == "self_target" and (.message | test("undefined symbol __static_call_update"))' \
			--trust "$P/rsa.pem" --capture "$FORGED"
	done
	for w in text-mid data; do
		forged "at-sc-$series-$w" "$S" "$H/rsa.ko" static-call __SCK__hsmod_call "$w" &&
		verify "$rel: attack: a static call site calls into the module ($w): not authentic" 1 \
			'.reason == "self_target" and (.message | test("static_call site"))' \
			--trust "$P/rsa.pem" --capture "$FORGED"
		forged "at-tramp-$series-$w" "$S" "$H/rsa.ko" static-call-tramp __SCT__hsmod_call "$w" &&
		verify "$rel: attack: the module's static call trampoline jumps into it ($w): not authentic" 1 \
			'.reason == "self_target" and (.message | test("static_call_tramp site"))' \
			--trust "$P/rsa.pem" --capture "$FORGED"
	done
	forged "at-sc-$series-func" "$S" "$H/rsa.ko" static-call __SCK__hsmod_call func &&
	verify "$rel: a static call retargeted to a function the module defines: authentic" 0 \
		'.verdict == "authentic"' --trust "$P/rsa.pem" --capture "$FORGED"
	forged "at-tramp-$series-func" "$S" "$H/rsa.ko" static-call-tramp __SCT__hsmod_call func &&
	verify "$rel: the module's trampoline retargeted to a function the module defines: authentic" 0 \
		'.verdict == "authentic"' --trust "$P/rsa.pem" --capture "$FORGED"
	forged "at-ret-$series" "$S" "$H/rsa.ko" return-thunk data &&
	verify "$rel: attack: the return sites jump into the module's data: not authentic" 1 \
		'.reason == "self_target" and (.message | test("the return thunk"))' \
		--trust "$P/rsa.pem" --capture "$FORGED"
	forged "at-ftrace-$series" "$S" "$H/rsa.ko" ftrace data &&
	verify "$rel: attack: an ftrace site calls into the module's data: not authentic (not a tracer)" 1 \
		'.reason == "self_target" and (.message | test("tracer"))' \
		--trust "$P/rsa.pem" --capture "$FORGED"
	if [ "$series" = 6.1 ]; then
		forged "at-pv-$series" "$S" "$H/rsa.ko" paravirt text-mid
	else
		forged "at-pv-$series" "$S" "$H/rsa.ko" pv-slot data
	fi &&
	verify "$rel: attack: the paravirt calls go into the module: not authentic" 1 \
		'.reason == "self_target" and (.message | test("paravirt function|pv_ops function"))' \
		--trust "$P/rsa.pem" --capture "$FORGED"
	forged "at-key-$series" "$S" "$H/rsa.ko" static-key data &&
	verify "$rel: attack: a later capture, a static key's list of users in the module: not authentic" 1 \
		'.reason == "self_target" and (.message | test("static key"))' \
		--load-verified --trust "$P/rsa.pem" --capture "$FORGED"
	forged "at-key-$series-heap" "$S" "$H/rsa.ko" static-key 0xffff888001234560 &&
	verify "$rel: a later capture, a static key linked to a list the kernel allocated: authentic" 0 \
		'.verdict == "authentic"' --load-verified --trust "$P/rsa.pem" --capture "$FORGED"
	# the values only the guest knows are the load's in every later capture
	facts=$("$V" --json --trust "$P/rsa.pem" --capture "$S" 2>/dev/null | jq -r .elf.load_facts)
	forged "at-facts-$series" "$S" "$H/rsa.ko" return-thunk 0xffffffff81234560 &&
	verify "$rel: a later capture with the return thunk moved (consistently), no load facts: authentic" 0 \
		'.verdict == "authentic" and .elf.load_facts != "'"$facts"'"' \
		--load-verified --trust "$P/rsa.pem" --capture "$FORGED" &&
	verify "$rel: attack: the same with the load's facts (--load-facts): not authentic" 1 \
		'.reason == "load_mismatch" and (.message | test("not those of the verified load"))' \
		--load-verified --load-facts "$facts" --trust "$P/rsa.pem" --capture "$FORGED"
	verify "$rel: a later capture of the same load with its facts: authentic" 0 '.verdict == "authentic"' \
		--load-verified --load-facts "$facts" --trust "$P/rsa.pem" --capture "$S"

	# Debian's own modules through the reference loader
	for name in $DEBIAN_PICKS; do
		load "deb-$series-$name" "$D/$name.ko" --patch all --features odd &&
		verify "$rel: Debian $name.ko loaded and patched: authentic" 0 \
			'.verdict == "authentic" and .elf.file_rewritten' --trust "$KCERT" --capture "$RUN/deb-$series-$name"
	done
	# the sites the running kernel rewrites, named one by one
	for name in $DEBIAN_PICKS; do
		want=$(table_sites "$D/$name.ko")
		[ "$want" -gt 0 ] || continue
		verify "$rel: Debian $name.ko loaded: its $want jump label, static call and ftrace sites are patch sites" 0 \
			"$want as \$want | $PATCH_SITES" --trust "$KCERT" --capture "$RUN/deb-$series-$name"
	done
	verify "$rel: Debian kvm.ko loaded, signer not trusted: the same patch sites" 2 \
		"$(table_sites "$D/kvm.ko") as \$want | .reason == \"untrusted\" and $PATCH_SITES" \
		--capture "$RUN/deb-$series-kvm"
	tamper "deb-$series-kvm" text_plain &&
	verify "$rel: Debian kvm.ko loaded, a byte of .text changed: not authentic" 1 \
		'.reason == "load_mismatch"' --trust "$KCERT" --capture "$TAMPERED"
	forged "at-alias-$series" "$RUN/deb-$series-kvm" "$D/kvm.ko" alias-thunks &&
	verify "$rel: attack: two retpoline thunks at one address, call *%reg of the other: not authentic, by each site's relocation" 1 \
		'.verdict == "not_authentic" and any(.elf.problems[]; .message | test("retpoline site")) and
		 any(.elf.problems[]; .message | test("resolve to one address"))' \
		--trust "$KCERT" --capture "$FORGED"
	# a sample of all of them (fixed, so that a failure repeats)
	sample=$(grep -v -e '/kvm' "$RUN/modules-$rel" | sort | awk 'NR % 97 == 13')
	n=0 bad=0
	for f in $sample; do
		case $f in
		*.xz) xz -dc "$f" >"$RUN/sample.ko" ;;
		*) cp "$f" "$RUN/sample.ko" ;;
		esac
		n=$((n + 1))
		if ! load sample "$RUN/sample.ko" --patch all --features odd ||
		   ! "$V" --trust "$KCERT" --capture "$RUN/sample" >"$RUN/sample.out" 2>&1; then
			bad=$((bad + 1))
			tap_diag "$f: $(grep -E '^(reason|message)' "$RUN/sample.out" | tr '\n' ' ')"
		fi
	done
	tap_result "$rel: a sample of $n Debian modules loaded and patched: all authentic" "$bad"
done

# --- real loads: Debian's kernels loading modules in QEMU ----------------------------

for rel in $RELEASES; do
	R=$ELF_OUT/$rel
	KCERT=$R/certs/cert-0.pem
	VMOUT=$RUN/vm-$rel
	if ! "$ELF_SRC/realload/run-vm.sh" "$rel" "$R/kcapture/kcapture.ko" "$TOOLS" "$VMOUT" \
		"$R/hsmod/rsa.ko" >"$RUN/vm.log" 2>&1; then
		tap_diag "$(tail -n 20 "$RUN/vm.log")" "$(tail -n 20 "$VMOUT/console.log" 2>/dev/null)"
		tap_not_ok "$rel: real loads: the VM captured module loads"
		continue
	fi
	n=$(grep -c . "$VMOUT/captured.list")
	[ "$n" -ge 5 ] && grep -qx hsmod "$VMOUT/captured.list" && grep -qx kvm "$VMOUT/captured.list"
	tap_result "$rel: real loads: $n modules captured at COMING ($(tr '\n' ' ' <"$VMOUT/captured.list"))" $?
	for name in $(cat "$VMOUT/captured.list"); do
		verify "$rel: real load of $name: authentic (file buffer rebuilt, every allocation)" 0 \
			'.verdict == "authentic" and .elf.file_rewritten' \
			--trust "$KCERT" --trust "$P/rsa.pem" --capture "$VMOUT/caps/$name"
	done
	verify "$rel: real load of kvm: ftrace, return thunk, static call and lock prefix sites patched" 0 \
		'.elf.sites.ftrace.patched > 0 and .elf.sites.return_thunk.patched > 0 and
		 .elf.sites.static_call.patched > 0 and .elf.sites.alternative.patched > 0' \
		--trust "$KCERT" --capture "$VMOUT/caps/kvm"
	# captured again once every module ran its init, with the load's file
	# buffer and init allocations (what the host keeps)
	for name in $(cat "$VMOUT/captured.list"); do
		verify "$rel: $name captured again after every init ran (--load-verified): authentic" 0 \
			'.verdict == "authentic" and .elf.load_verified' --load-verified \
			--trust "$KCERT" --trust "$P/rsa.pem" --capture "$VMOUT/caps/$name.later"
	done
	verify "$rel: kvm captured again after kvm-amd's init, compared as a load (no --load-verified): not authentic" 1 \
		'.verdict == "not_authentic"' \
		--trust "$KCERT" --capture "$VMOUT/caps/kvm.later"
	# attacks on a real load: kvm keys its cond_resched() static call
	# sites on the kernel's trampoline __SCT__cond_resched (undefined)
	forged "at-sct-$rel" "$VMOUT/caps/kvm" "$R/debian/kvm.ko" sct-into-text __SCT__cond_resched &&
	verify "$rel: attack on a real load of kvm: __SCT__cond_resched resolved into .text: not authentic" 1 \
		'.reason == "self_target" and (.message | test("__SCT__cond_resched"))' \
		--trust "$KCERT" --capture "$FORGED" &&
	verify "$rel: attack on a real load of kvm: the jump written where that key's list of sites would be is not vouched for" 1 \
		'any(.elf.problems[]; .reason == "load_mismatch" and (.message | test("of text differ")))' \
		--trust "$KCERT" --capture "$FORGED"
	forged "at-sck-$rel" "$VMOUT/caps/kvm" "$R/debian/kvm.ko" sc-key __SCT__cond_resched data &&
	verify "$rel: attack on a real load of kvm: the key looked up for __SCT__cond_resched in its data: not authentic" 1 \
		'.reason == "self_target" and (.message | test("static call key the kernel looked up"))' \
		--trust "$KCERT" --capture "$FORGED"
	forged "at-alias-$rel" "$VMOUT/caps/kvm" "$R/debian/kvm.ko" alias-thunks &&
	verify "$rel: attack on a real load of kvm: two retpoline thunks resolved to one address: not authentic" 1 \
		'.reason == "load_mismatch" and (.message | test("resolve to one address"))' \
		--trust "$KCERT" --capture "$FORGED"
	rm -rf "$RUN/realflip"
	cp -r "$VMOUT/caps/msr" "$RUN/realflip"
	t=$(ls "$RUN"/realflip/alloc-text-*.bin)
	flip "$t" $(($(stat -c %s "$t") - 1))
	verify "$rel: real load of msr, the last byte of its text allocation changed: not authentic" 1 \
		'.reason == "load_mismatch"' --trust "$KCERT" --capture "$RUN/realflip"
	rm -rf "$RUN/realfile"
	cp -r "$VMOUT/caps/msr" "$RUN/realfile"
	flip "$RUN/realfile/file.bin" 4096
	verify "$rel: real load of msr, a byte of its file buffer changed: not authentic" 1 \
		'.verdict == "not_authentic"' --trust "$KCERT" --capture "$RUN/realfile"
done

# --- the command contract -------------------------------------------------------------

rel=${RELEASES# }
rel=${rel%% *}
H=$ELF_OUT/$rel/hsmod
status "usage: --capture with a FILE: exit 64" 64 --capture "$RUN" "$H/rsa.ko"
status "usage: --capture with --loaded: exit 64" 64 --capture "$RUN" --loaded "$H/rsa.ko" --base 0
status "usage: --capture with --format pe: exit 64" 64 --format pe --capture "$RUN"
status "usage: --format of another name: exit 64" 64 --format coff "$H/rsa.ko"
status "usage: --extract-certs without DIR: exit 64" 64 --extract-certs "/boot/vmlinuz-$rel"
status "usage: --load-verified without --capture: exit 64" 64 --load-verified "$H/rsa.ko"
status "input: --capture of a missing directory: exit 66" 66 --capture "$RUN/no-such-dir"
mkdir -p "$RUN/stray"
cp "$H/rsa.ko" "$RUN/stray/file.bin"
: >"$RUN/stray/notes.txt"
status "input: --capture of a directory with a stray file: exit 66" 66 --capture "$RUN/stray"
rm -f "$RUN/stray/notes.txt"
status "input: --capture without allocations: exit 66" 66 --capture "$RUN/stray"
status "input: --extract-certs of something else: exit 66" 66 --extract-certs "$H/rsa.ko" "$RUN/x"
verify "--format pe on a module: the PE verifier says it is not PE" 2 \
	'.reason == "unsupported_format"' --format pe "$H/rsa.ko"
verify "--format elf-module on a text file: unknown (unsupported format)" 2 \
	'.reason == "unsupported_format"' --format elf-module "$SRCDIR/README.md"
"$V" --trust "$PKI/rsa.pem" --capture "$RUN/hs-$(series_of "$rel")-all" >"$RUN/human" 2>&1
rc=$?
grep -q '^verdict  *authentic$' "$RUN/human" && grep -q '^kernel  *6\.' "$RUN/human" &&
	grep -q '^sites  *ftrace' "$RUN/human" && grep -q '^patch sites  *[1-9][0-9]* named' "$RUN/human" &&
	! grep -q '^unverified  *patch_site' "$RUN/human"
tap_result "human output of a capture: verdict, kernel, site and patch site lines, exit 0" $((rc + $?))

# --- one trust store, concurrent verifications (ThreadSanitizer) --------------------

rel=${RELEASES# }
rel=${rel%% *}
cat "$PKI/rsa.pem" "$PKI/ec.pem" >"$RUN/threads-trust.pem"
if make -s -C "$SRCDIR/userspace" O="$BUILD/userspace" tsan >"$RUN/err" 2>&1 &&
   gcc -std=gnu11 -O1 -g -fsanitize=thread -I"$SRCDIR/userspace/lib" -o "$RUN/elf-threads" \
	"$ELF_SRC/elf-threads.c" "$BUILD/userspace/tsan/libhostsig.a" \
	$(pkg-config --cflags --libs libcrypto) -lpthread >>"$RUN/err" 2>&1; then
	set --
	for r in $RELEASES; do
		s=$(series_of "$r")
		set -- "$@" "$ELF_OUT/$r/hsmod/ec.ko" "$ELF_OUT/$r/hsmod/foreign.ko"
	done
	set -- "$@" --
	for r in $RELEASES; do
		s=$(series_of "$r")
		set -- "$@" "$RUN/hs-$s-all" "$RUN/hs-$s-pristine" "$RUN/hs-$s-all-text_plain"
	done
	out=$(TSAN_OPTIONS=halt_on_error=1 "$RUN/elf-threads" "$RUN/threads-trust.pem" 4 5 "$@" 2>&1)
	rc=$?
	tap_diag "$(echo "$out" | tail -n 1)"
	[ "$rc" -eq 0 ] || tap_diag "$out"
	tap_result "4 threads share one trust store over files and captures: same verdicts, no data race" "$rc"
else
	tap_diag "$(cat "$RUN/err")"
	tap_not_ok "4 threads share one trust store: the ThreadSanitizer build"
fi

# --- the decoder against objdump --------------------------------------------------------

"$SRCDIR/selftests/elfverify/insn-oracle.sh" "$TOOLS" "$ELF_OUT"/*/hsmod/unsigned.ko \
	"$ELF_OUT"/*/debian/kvm.ko >"$RUN/insn.out" 2>&1
rc=$?
tap_diag "$(tail -n 3 "$RUN/insn.out")"
tap_result "x86 instruction lengths: the decoder agrees with objdump on hsmod and kvm" "$rc"

# --- fuzzing ------------------------------------------------------------------------------

. "$SRCDIR/selftests/elfverify/fuzz.sh"
elf_fuzz_tests

tap_done
