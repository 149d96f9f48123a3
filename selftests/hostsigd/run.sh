#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# hostsigd's tests on a machine without the module:
#   - the ring walker, the record checks, the writable ranges and the
#     daemon's checks of its workers' answers (hostsigd-test unit);
#   - the writable ranges of real images against binutils' objdump;
#   - configuration files and trust stores, good and bad (hostsigd -t);
#   - hostsigd-fake, which is hostsigd with a fake kernel behind the ring
#     and the VERDICT call (kernel_fake.c), answering records laid out as
#     hostsig.ko lays them out: signed and tampered images mapped by the
#     verifier's reference loader, Debian's signed kernel, malformed
#     records; each verdict compared with hostsig-verify's on the same bytes;
#   - the workers' sandbox (user, capabilities, no_new_privs, seccomp,
#     descriptors) and records that crash, hang or try to open a file,
#     a socket or a program;
#   - every record answered exactly once and none lost across SIGKILL at
#     random moments and between a verdict and its release, SIGHUP reloads
#     (also refused ones) and SIGTERM;
#   - start-up: readiness, detaching, errors; the static build; the unit.
#
# The daemon and the test programs are built with ASan and UBSan. Needs root
# (the workers change user). SRCDIR and BUILD as for selftests/run-suites.sh.
set -u
. "$SRCDIR/selftests/lib/tap.sh"
. "$SRCDIR/selftests/lib/elfsites.sh"
. "$SRCDIR/selftests/verifier/corpus.sh"

U=$BUILD/userspace
A=$U/asan
FAKE=$A/tests/hostsigd-fake
T=$A/tests/hostsigd-test
HSD=$A/hostsigd
VERIFY=$U/hostsig-verify
RUN=$BUILD/hostsigd
export ASAN_OPTIONS="exitcode=99:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=99"

rm -rf "$RUN"
mkdir -p "$RUN/img"

tap_begin

# --- building ------------------------------------------------------------------

# build NAME TARGETS...: make them; the output is kept for the warning check
build() {
	_name=$1
	shift
	make -s -C "$SRCDIR/userspace" O="$U" "$@" >"$RUN/make.out" 2>&1
	_rc=$?
	cat "$RUN/make.out" >>"$RUN/make.all"
	[ $_rc = 0 ] || tap_diag "$(tail -n 30 "$RUN/make.out")"
	tap_result "$_name" $_rc
}

build "userspace builds, hostsigd included" all
build "hostsigd and its test programs build with ASan and UBSan" asan asan-tests
grep -E '(daemon|hostsigd)/[a-z_]+\.[ch]|lib/(ring|pe)\.[ch]' "$RUN/make.all" >"$RUN/warnings"
[ -s "$RUN/warnings" ] && tap_diag "$(cat "$RUN/warnings")"
tap_result "no compiler warning in hostsigd's sources (-Wall -Wextra)" $(($(wc -l <"$RUN/warnings") != 0))
for p in "$FAKE" "$T" "$HSD" "$VERIFY"; do
	[ -x "$p" ] || { tap_not_ok "$(basename "$p") is built"; tap_done; }
done
if [ "$(id -u)" != 0 ]; then
	tap_not_ok "running as root (the workers change user)"
	tap_done
fi
tap_run "the verifier's reference loader builds" build_testtool
if ! out=$(prepare_corpus); then
	tap_diag "$(tail -n 30 "$VERIFIER_OUT/corpus.log")"
	tap_not_ok "test corpus: signed and unsigned PE images"
	tap_done
fi
tap_ok "test corpus: signed and unsigned PE images ($out)"
P=$CORPUS/pki S=$CORPUS/signed I=$CORPUS/img

# --- unit tests ---------------------------------------------------------------------

"$T" unit >"$RUN/unit" 2>&1
rc=$?
while read -r word rest; do
	case $word in
	PASS) tap_ok "$rest" ;;
	FAIL) tap_not_ok "$rest" ;;
	*) tap_diag "$word $rest" ;;
	esac
done <"$RUN/unit"
tap_result "unit tests ran to the end" $((rc > 1))

# --- writable ranges against objdump ---------------------------------------------------

# objdump_writable FILE: "0xRVA 0xSIZE" for the writable sections (no
# READONLY flag), VirtualSize rounded to SectionAlignment, merged.
objdump_writable() {
	x86_64-w64-mingw32-objdump -h -p "$1" | awk '
		function hex(s,   i, v) {
			s = tolower(s); sub(/^0x/, "", s); v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		/^Sections:/ { sections = 1 }
		/^ImageBase/ { base = hex($2) }
		/^SectionAlignment/ { align = hex($2) }
		/^SizeOfImage/ { image = hex($2) }
		sections && /^ *[0-9]+ / && NF >= 6 { size = hex($3); vma = hex($4); flags = 1; next }
		flags { flags = 0
			if ($0 !~ /READONLY/ && size) {
				n++; start[n] = vma - base
				end[n] = start[n] + int((size + align - 1) / align) * align
				if (end[n] > image) end[n] = image
			} }
		END {
			for (i = 1; i <= n; i++) {
				if (m && start[i] <= e[m]) { if (end[i] > e[m]) e[m] = end[i]; continue }
				m++; s[m] = start[i]; e[m] = end[i]
			}
			for (i = 1; i <= m; i++) printf "0x%x 0x%x\n", s[i], e[i] - s[i]
		}'
}

for f in dll64-rsa.dll dll32-rsa.dll efi64-rsa.efi efi32-rsa.efi; do
	objdump_writable "$S/$f" >"$RUN/$f.want"
	"$T" writable "$S/$f" >"$RUN/$f.got" 2>&1
	if [ -s "$RUN/$f.want" ] && cmp -s "$RUN/$f.want" "$RUN/$f.got"; then
		tap_ok "writable ranges of $f agree with objdump ($(wc -l <"$RUN/$f.got") ranges)"
	else
		tap_diag "objdump:" "$(cat "$RUN/$f.want")" "hostsig_pe_writable_ranges:" "$(cat "$RUN/$f.got")"
		tap_not_ok "writable ranges of $f agree with objdump"
	fi
done

# --- configuration and trust store (hostsigd -t) -------------------------------------------

C=$RUN/conf
mkdir -p "$C/trust" "$C/deny" "$C/empty"
cp "$P/rsa-root.pem" "$P/rsa-chain.pem" "$C/trust/"
cp "$P/ec-root.der" "$C/trust/"
cp "$P/rogue-inter.pem" "$C/deny/"
mkdir "$C/trust/old"		# a sub-directory is not read
printf '# dbx\n\n%s  # one\n%s\n' "$(printf '%064d' 1)" "$(printf '%040X' 2)" >"$C/dbx1.txt"
printf '%096d\n' 3 >"$C/dbx2.txt"
cat >"$C/good.conf" <<-EOF
	# a full configuration, relative paths

	trust_dir = trust
	deny_dir=deny
	deny_digests = dbx1.txt
	deny_digests = $C/dbx2.txt
	workers = 3
	user = 65534:65534
	log_level = debug
	allow_sha1 = yes
	require_code_signing = yes
	worker_timeout = 30
	EOF

# conf NAME LINES...: a configuration file NAME.conf in $C
conf() {
	_f=$C/$1.conf
	shift
	printf '%s\n' "$@" >"$_f"
}

"$HSD" -t -c "$C/good.conf" >"$RUN/out" 2>&1
rc=$?
grep -q '^trust anchors: 4 (from 3 files)$' "$RUN/out" &&
grep -q '^denied certificates: 1$' "$RUN/out" &&
grep -q '^denied digests: 3$' "$RUN/out" &&
grep -q '^workers: 3$' "$RUN/out" &&
grep -q "^trust_dir: $C/trust\$" "$RUN/out" &&
grep -q '^user: 65534:65534 (uid 65534, gid 65534)$' "$RUN/out" &&
grep -q '^log_level: debug$' "$RUN/out" && grep -q '^allow_sha1: yes$' "$RUN/out" &&
grep -q '^require_code_signing: yes$' "$RUN/out"
tap_result "a full configuration loads: PEM, DER and chain files, deny lists, relative paths" \
	$((rc != 0 || $? != 0))
[ $rc = 0 ] || tap_diag "$(cat "$RUN/out")"

conf defaults "trust_dir = trust"
"$HSD" -t -c "$C/defaults.conf" >"$RUN/out" 2>&1 &&
grep -q "^workers: $(nproc)\$" "$RUN/out" && grep -q '^user: nobody ' "$RUN/out" &&
grep -q '^worker_timeout: 60 s$' "$RUN/out" && grep -q '^allow_sha1: no$' "$RUN/out" &&
grep -q '^require_code_signing: no$' "$RUN/out"
tap_result "defaults: a worker per CPU, user nobody, 60 s, no SHA-1, no code-signing requirement" $?

conf no-anchor "trust_dir = empty" "allow_no_trust_anchors = yes"
"$HSD" -t -c "$C/no-anchor.conf" >"$RUN/out" 2>&1
tap_result "no trust anchor, allowed explicitly: starts" $?

# bad NAME EXPECTED-MESSAGE LINES...: hostsigd -t refuses it, saying so
bad() {
	_name=$1 _want=$2
	shift 2
	conf bad "$@"
	"$HSD" -t -c "$C/bad.conf" >"$RUN/out" 2>&1
	_rc=$?
	if [ $_rc = 1 ] && grep -qF -- "$_want" "$RUN/out"; then
		tap_ok "refused: $_name"
	else
		tap_diag "exit status $_rc, expected 1 and: $_want" "$(cat "$RUN/out")"
		tap_not_ok "refused: $_name"
	fi
}

bad "unknown key" "$C/bad.conf:2: unknown key \"trust_directory\"" \
	"# comment" "trust_directory = trust"
bad "a line without =" "$C/bad.conf:1: expected \"key = value\"" "trust_dir trust"
bad "a key set twice" "$C/bad.conf:2: workers is set twice" "workers = 1" "workers = 2"
bad "an empty value" "$C/bad.conf:1: trust_dir needs a value" "trust_dir ="
bad "workers 0" "$C/bad.conf:1: \"0\" is not a number from 1 to 256" "workers = 0"
bad "workers 257" "$C/bad.conf:1: \"257\" is not a number" "workers = 257"
bad "workers -1" "$C/bad.conf:1: \"-1\" is not a number" "workers = -1"
bad "worker_timeout 0" "$C/bad.conf:1: \"0\" is not a number from 1 to 3600" "worker_timeout = 0"
bad "a boolean that is not one" "$C/bad.conf:2: \"maybe\" is not yes or no" \
	"trust_dir = trust" "allow_sha1 = maybe"
bad "an unknown log level" "$C/bad.conf:1: log_level \"loud\"" "log_level = loud"
bad "workers as root" "$C/bad.conf:2: user \"root\" is root" "trust_dir = trust" "user = root"
bad "workers as uid 0" "$C/bad.conf:1: user \"0:65534\" is root" "user = 0:65534"
bad "a user that does not exist" "$C/bad.conf:1: user \"no-such-user-hsd\": no such user" \
	"user = no-such-user-hsd"
bad "a trust_dir that does not exist" "$C/bad.conf:1: trust_dir $C/nowhere: No such file" \
	"trust_dir = nowhere"
bad "no trust anchor" "no trust anchor" "trust_dir = empty"
bad "no trust_dir at all" "trust_dir is not set" "workers = 1"
printf 'not a certificate\n' >"$C/deny/junk.pem"
bad "a deny_dir file without a certificate" "$C/deny/junk.pem: no certificate in it" \
	"trust_dir = trust" "deny_dir = deny"
rm "$C/deny/junk.pem"
printf '%064d\nabc\n' 5 >"$C/dbx-bad.txt"
bad "a deny_digests line that is not a digest" "$C/dbx-bad.txt:2: not a SHA-1, SHA-256" \
	"trust_dir = trust" "deny_digests = dbx-bad.txt"
printf '%062d\n' 5 >"$C/dbx-bad.txt"
bad "a digest of no known length" "$C/dbx-bad.txt:1: not a SHA-1" \
	"trust_dir = trust" "deny_digests = dbx-bad.txt"
bad "a deny_digests file that does not exist" "$C/bad.conf:2: deny_digests $C/none.txt" \
	"trust_dir = trust" "deny_digests = none.txt"
printf 'trust_dir = trust\nworkers = 1\0workers = 2\n' >"$C/nul.conf"
"$HSD" -t -c "$C/nul.conf" >"$RUN/out" 2>&1
tap_result "refused: a NUL byte in a line" $(($? != 1 || $(grep -c 'nul.conf:2: NUL byte' "$RUN/out") != 1))
"$HSD" -t -c "$C/none.conf" >"$RUN/out" 2>&1
tap_result "refused: a configuration file that does not exist" \
	$(($? != 1 || $(grep -c "$C/none.conf: No such file" "$RUN/out") != 1))
"$HSD" -t -c "$C/good.conf" extra >"$RUN/out" 2>&1
tap_result "refused: an extra argument (usage, status 64)" $(($? != 64))

# --- records to verdicts ---------------------------------------------------------------------

# load NAME FILE MODE BASE: the reference loader maps FILE into $RUN/img/NAME.*
load() {
	"$TESTTOOL" load --mode "$3" --base "$4" "$2" "$RUN/img/$1" >"$RUN/err" 2>&1 ||
		{ tap_diag "$(cat "$RUN/err")"; return 1; }
}

info() {	# info NAME KEY: from the loader's notes
	sed -n "s/^$2=//p" "$RUN/img/$1.info"
}

# region args NAME: the spec words of a loaded image's regions and facts
regions() {
	_r="image=$RUN/img/$1.image gva=$(info "$1" base) base=$(info "$1" base)"
	_r="$_r image_base=$(info "$1" image_base) rebased=1"
	[ -f "$RUN/img/$1.sig" ] && _r="$_r signature=$RUN/img/$1.sig"
	[ -f "$RUN/img/$1.tail" ] && _r="$_r tail=$RUN/img/$1.tail"
	echo "$_r"
}

flip() {	# flip FILE OFFSET: invert one byte
	_b=$(od -An -tu1 -j "$(($2))" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((_b ^ 255)))" |
		dd of="$1" bs=1 seek="$(($2))" conv=notrunc status=none
}

DAEMON=
# start NAME CONFIG: hostsigd-fake on ring $RUN/NAME.ring, in the background,
# until it is ready (its pid file appears)
start() {
	rm -f "$RUN/$1.pid"
	HOSTSIGD_FAKE_RING=$RUN/$1.ring "$FAKE" -f -c "$2" -p "$RUN/$1.pid" \
		>>"$RUN/$1.log" 2>&1 &
	DAEMON=$!
	for _i in $(seq 300); do
		[ -s "$RUN/$1.pid" ] && return 0
		kill -0 "$DAEMON" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop: SIGTERM, and the exit status
stop() {
	kill -TERM "$DAEMON" 2>/dev/null
	wait "$DAEMON"
}

# record RING NAME: the judge's line for the record named NAME
record() {
	grep -F " name=\"$2\" " "$RUN/$1.check" | head -n 1
}

# expect RING NAME TEST PATTERN...: the record's line matches every pattern
expect() {
	_ring=$1 _rec=$2 _test=$3
	shift 3
	_line=$(record "$_ring" "$_rec")
	for _p in "$@"; do
		if ! printf '%s\n' "$_line" | grep -q -- "$_p"; then
			tap_diag "record $_rec: no \"$_p\" in:" "${_line:-(no such record)}"
			tap_not_ok "$_test"
			return 1
		fi
	done
	tap_ok "$_test"
}

# oracle RING NAME TEST VERIFY-ARGS...: the daemon answered what hostsig-verify
# says about the same bytes (verdict, reason, digest), and exactly once
oracle() {
	_ring=$1 _rec=$2 _test=$3
	shift 3
	"$VERIFY" --json "$@" >"$RUN/oracle.json" 2>"$RUN/err"
	_v=$(jq -r '.verdict | sub("_"; "-")' "$RUN/oracle.json")
	_r=$(jq -r .reason "$RUN/oracle.json")
	_d=$(jq -r 'if (.digest // "") != "" then .digest_algorithm + ":" + .digest else "none" end' \
		"$RUN/oracle.json")
	expect "$_ring" "$_rec" "$_test" " accepted=1 " " released=1 " " verdict=$_v " \
		" reason=$_r " " digest=$_d "
}

TRUST_ARGS="--trust $P/rsa-root.pem --trust $P/ec-root.pem"
mkdir -p "$RUN/trust" "$RUN/deny"
cp "$P/rsa-root.pem" "$P/ec-root.pem" "$RUN/trust/"
debian_ca=$DEBIAN/debian-ca.pem
kernel=$(debian_kernels | head -n 1)
[ -f "$debian_ca" ] && cp "$debian_ca" "$RUN/trust/"
cat >"$RUN/main.conf" <<-EOF
	trust_dir = trust
	deny_dir = deny
	workers = 2
	log_level = debug
	EOF

# Our images, as the reference loader maps them at other bases than their own.
# name file mode base
cat >"$RUN/images" <<-EOF
	dll64-rsa dll64-rsa.dll windows $BASE64
	dll32-rsa dll32-rsa.dll windows $BASE32
	dll32-mixed dll32-mixed.dll windows $BASE32
	dll64-ec dll64-ec.dll windows $BASE64
	dll32-ec384 dll32-ec384.dll windows $BASE32
	dll64-rsa512 dll64-rsa512.dll windows $BASE64
	dll64-nested dll64-nested.dll windows $BASE64
	efi64-rsa efi64-rsa.efi uefi $BASE_EFI
	efi32-rsa efi32-rsa.efi uefi $BASE32
	efi64-ec efi64-ec.efi uefi $BASE_EFI
	dll64-sha1 dll64-sha1.dll windows $BASE64
	dll64-rogue dll64-rogue.dll windows $BASE64
	dll64-bound dll64-bound.dll windows $BASE64
	EOF
loaded_ok=0
while read -r name file mode base; do
	load "$name" "$S/$file" "$mode" "$base" || loaded_ok=1
done <"$RUN/images"
load unsigned "$I/dll64.dll" windows "$BASE64" || loaded_ok=1
LIE=$(printf 0x%x $((BASE64 + 0x10000)))
load elsewhere "$S/dll64-rsa.dll" windows "$LIE" || loaded_ok=1
load tampered "$S/dll64-rsa.dll" windows "$BASE64" || loaded_ok=1
"$TESTTOOL" info "$S/dll64-rsa.dll" >"$RUN/dll64.info"
flip "$RUN/img/tampered.image" "$(sed -n 's/^text_rva=//p' "$RUN/dll64.info")"
load badsig "$S/dll64-rsa.dll" windows "$BASE64" || loaded_ok=1
flip "$RUN/img/badsig.sig" $(($(stat -c %s "$RUN/img/badsig.sig") - 20))
if [ -n "$kernel" ] && [ -f "$debian_ca" ]; then
	load kernel "$kernel" uefi "$BASE_EFI" || loaded_ok=1
fi
tap_result "the reference loader maps the images (Windows and UEFI loaders)" $loaded_ok
printf 'just text, not an image\n' >"$RUN/img/text"

{
	while read -r name file mode base; do
		echo "name=$name $(regions "$name")"
	done <"$RUN/images"
	echo "name=unsigned $(regions unsigned)"
	echo "name=tampered-code $(regions tampered)"
	echo "name=tampered-signature $(regions badsig)"
	echo "name=not-rebased image=$RUN/img/dll64-rsa.image gva=$BASE64 base=$BASE64 image_base=$(info dll64-rsa image_base) signature=$RUN/img/dll64-rsa.sig tail=$RUN/img/dll64-rsa.tail"
	echo "name=no-signature-region image=$RUN/img/dll64-rsa.image gva=$BASE64 base=$BASE64 image_base=$(info dll64-rsa image_base) rebased=1"
	# The image at BASE64, relocated for LIE, which the guest declares.
	echo "name=base-lie image=$RUN/img/elsewhere.image gva=$BASE64 base=$LIE image_base=$(info elsewhere image_base) rebased=1 signature=$RUN/img/elsewhere.sig tail=$RUN/img/elsewhere.tail"
	# An honest image, at BASE64 and relocated for it, LIE declared.
	echo "name=base-declared image=$RUN/img/dll64-rsa.image gva=$BASE64 base=$LIE image_base=$(info dll64-rsa image_base) rebased=1 signature=$RUN/img/dll64-rsa.sig tail=$RUN/img/dll64-rsa.tail"
	echo "name=text image=$RUN/img/text base=0"
	[ -f "$RUN/img/kernel.image" ] && echo "name=debian-kernel $(regions kernel)"
	# malformed records
	echo "name=no-image signature=$RUN/img/dll64-rsa.sig"
	echo "name=two-images image=$RUN/img/dll64-rsa.image image=$RUN/img/dll32-rsa.image"
	echo "name=file-region $(regions dll64-rsa) file=$RUN/img/text"
	echo "name=past-end $(regions dll64-rsa) corrupt=past_end"
	echo "name=overlap $(regions dll64-rsa) corrupt=overlap"
	echo "name=data-len $(regions dll64-rsa) corrupt=data_len"
	echo "name=header-len $(regions dll64-rsa) corrupt=header_len"
	echo "name=elf-no-file format=elf image=$RUN/img/text"
	echo "name=elf-tail format=elf file=$RUN/img/text image=$RUN/img/text tail=$RUN/img/text"
	echo "name=format-9 format=9 $(regions dll64-rsa)"
	# what the kernel does to records and verdicts
	echo "name=discarded $(regions dll64-rsa) discard=1"
	echo "name=busy $(regions dll32-rsa) busy_ms=500"
	echo "name=enomem-3 $(regions dll64-rsa) fail_verdicts=3"
	echo "name=ranges-refused $(regions dll64-rsa) refuse_ranges=1"
	echo "name=stale $(regions dll64-rsa) stale=1"
	echo "name=last $(regions efi64-rsa)"
} >"$RUN/main.spec"

"$T" create "$RUN/main.ring" 32768 >"$RUN/err" 2>&1 &&
"$T" produce "$RUN/main.ring" "$RUN/main.spec" >>"$RUN/err" 2>&1
tap_result "a ring of $(grep -c . "$RUN/main.spec") records" $?
[ -s "$RUN/err" ] && tap_diag "$(cat "$RUN/err")"
if start main "$RUN/main.conf"; then
	tap_ok "hostsigd-fake starts and says it is ready"
	"$T" wait "$RUN/main.ring" 120 >"$RUN/err" 2>&1
	tap_result "every record answered and given back" $?
	stop
	tap_result "SIGTERM stops it with status 0 (no leak, no sanitizer finding)" $?
else
	tap_diag "$(tail -n 20 "$RUN/main.log")"
	tap_not_ok "hostsigd-fake starts and says it is ready"
fi
"$T" check "$RUN/main.ring" >"$RUN/main.check" 2>&1
tap_result "each record answered exactly once, each given back, none lost" $?
grep VIOLATION "$RUN/main.check" | while read -r l; do tap_diag "$l"; done

while read -r name file mode base; do
	L="--loaded $RUN/img/$name.image --base $base --image-base $(info "$name" image_base) --signature $RUN/img/$name.sig"
	[ -f "$RUN/img/$name.tail" ] && L="$L --tail $RUN/img/$name.tail"
	# shellcheck disable=SC2086
	oracle main "$name" "$name ($mode loader): the verdict hostsig-verify gives" $TRUST_ARGS $L
done <"$RUN/images"
for name in dll64-rsa dll32-rsa dll32-mixed dll64-ec dll32-ec384 dll64-rsa512 dll64-nested \
	    efi64-rsa efi32-rsa efi64-ec; do
	expect main "$name" "$name: authentic" " verdict=authentic reason=ok "
done
expect main dll64-sha1 "dll64-sha1: unknown (SHA-1 not allowed)" " verdict=unknown reason=unsupported_digest "
expect main dll64-rogue "dll64-rogue: unknown (untrusted chain)" " verdict=unknown reason=untrusted "
expect main dll64-bound "dll64-bound: unknown (bound imports)" " verdict=unknown reason=unsupported_image "
oracle main unsigned "unsigned image: what hostsig-verify says" $TRUST_ARGS \
	--loaded "$RUN/img/unsigned.image" --base "$BASE64" --image-base "$(info unsigned image_base)" \
	--tail "$RUN/img/unsigned.tail"
expect main unsigned "unsigned image: unknown (no signature)" " verdict=unknown reason=no_signature "
expect main tampered-code "a code byte changed: not authentic" " verdict=not-authentic reason=digest_mismatch "
expect main tampered-signature "a signature byte changed: not authentic" " verdict=not-authentic reason=bad_signature "
oracle main base-lie "mapped at the IMAGE address, relocated for the declared load base: hostsig-verify's verdict" \
	$TRUST_ARGS --loaded "$RUN/img/elsewhere.image" --base "$BASE64" --declared-base "$LIE" \
	--image-base "$(info elsewhere image_base)" --signature "$RUN/img/elsewhere.sig" \
	--tail "$RUN/img/elsewhere.tail"
expect main base-lie "relocated for the load base declared, not for the IMAGE address: not authentic" \
	" verdict=not-authentic "
oracle main base-declared "a load base declared that is not the IMAGE address: hostsig-verify's verdict" \
	$TRUST_ARGS --loaded "$RUN/img/dll64-rsa.image" --base "$BASE64" --declared-base "$LIE" \
	--image-base "$(info dll64-rsa image_base)" --signature "$RUN/img/dll64-rsa.sig" \
	--tail "$RUN/img/dll64-rsa.tail"
expect main base-declared "a load base declared that is not the IMAGE address: not authentic (load_mismatch)" \
	" verdict=not-authentic reason=load_mismatch "
expect main not-rebased "ImageBase from the rewritten header (HEADER_REBASED not set): not authentic" \
	" verdict=not-authentic "
oracle main no-signature-region "no SIGNATURE region: what hostsig-verify says" $TRUST_ARGS \
	--loaded "$RUN/img/dll64-rsa.image" --base "$BASE64" --image-base "$(info dll64-rsa image_base)"
expect main no-signature-region "no SIGNATURE region: never authentic" " accepted=1 " " verdict=\(unknown\|not-authentic\) "
expect main text "not an image: unknown (unsupported format)" " verdict=unknown reason=unsupported_format "
if [ -f "$RUN/img/kernel.image" ]; then
	oracle main debian-kernel "Debian kernel $(basename "$kernel") loaded by a UEFI loader: hostsig-verify's verdict" \
		--trust "$debian_ca" --loaded "$RUN/img/kernel.image" --base "$BASE_EFI" \
		--image-base "$(info kernel image_base)" --signature "$RUN/img/kernel.sig"
	expect main debian-kernel "Debian kernel: authentic under the Debian Secure Boot CA" " verdict=authentic "
else
	tap_skip "Debian kernel" "no signed kernel in /boot or no Debian CA (run the verifier suite)"
fi

# Writable ranges: an authentic DLL's, as objdump sees the file.
want=$(awk '{ printf "%s0:%s+%s", (NR > 1 ? "," : ""), $1, $2 }' "$RUN/dll64-rsa.dll.want")
expect main dll64-rsa "dll64-rsa: its writable sections go with the verdict ($want)" " writable=$want "
want=$(awk '{ printf "%s0:%s+%s", (NR > 1 ? "," : ""), $1, $2 }' "$RUN/efi64-rsa.efi.want")
expect main efi64-rsa "efi64-rsa: its writable sections go with the verdict" " writable=$want "
expect main tampered-code "not authentic: the writable ranges of its (unsigned) headers still go" \
	" writable=0:0x8000"
expect main no-image "no IMAGE region: unknown (malformed record)" " verdict=unknown reason=malformed_record " \
	"no IMAGE region"
expect main two-images "two IMAGE regions: unknown (malformed record)" " reason=malformed_record " \
	"a second region of kind 1"
expect main file-region "a FILE region in a PE record: unknown (malformed record)" \
	" reason=malformed_record " "kind 4 has no meaning"
for m in past-end overlap data-len header-len; do
	expect main "$m" "region table $m: unknown (malformed record), never a crash" \
		" accepted=1 " " verdict=unknown reason=malformed_record "
done
expect main elf-no-file "a kernel module record without a FILE region: unknown (malformed record)" \
	" verdict=unknown reason=malformed_record " "needs a FILE region"
expect main elf-tail "a kernel module record with a TAIL region: unknown (malformed record)" \
	" verdict=unknown reason=malformed_record " "kind 3 has no meaning"
expect main format-9 "an unknown format: unknown" " verdict=unknown reason=unsupported_format "
expect main discarded "a record the kernel discarded: never verified nor answered" \
	" accepted=0 verdict_calls=0 " " discarded=1 "
expect main busy "a record still being written is waited for" " accepted=1 " " verdict=authentic "
expect main enomem-3 "a verdict the kernel cannot take (ENOMEM) is sent again: 4 tries, 1 taken" \
	" accepted=1 verdict_calls=4 released=1 " " verdict=authentic "
expect main ranges-refused "writable ranges refused (EINVAL): answered without them" \
	" accepted=1 verdict_calls=2 " " verdict=authentic " " writable=none "
expect main stale "a verdict refused as stale: the record is given back all the same" \
	" accepted=0 verdict_calls=1 released=1 "
expect main last "the last record too" " accepted=1 " " verdict=authentic "
grep -q ' verdict vm=1 component=1001 record=1 name="dll64-rsa" format=pe verdict=authentic reason=ok digest=sha256:[0-9a-f]\{64\} writable=3 patch_sites=0 unverified=[0-9]* signer="CN=hostsig test RSA leaf" answer=accepted message=' \
	"$RUN/main.log"
tap_result "the log: one key=value line per verdict" $?
grep -q 'record=[0-9]* error="writable ranges refused: a writable range lies outside the component.*" answering without them' "$RUN/main.log"
tap_result "the log: errors name the record" $?
n=$(grep -c ' verdict vm=' "$RUN/main.log")
tap_result "the log: as many verdict lines as records answered ($n)" \
	$((n != $(grep -c ' verdict_calls=[1-9]' "$RUN/main.check")))

# --- a Linux kernel module ---------------------------------------------------------------------

# A signed module of the Debian kernel whose certificate we can take out of
# its image, as a record: the loader's file buffer and two allocations
# (these are not what the loader makes of it, so it is not authentic: the
# reconstruction is the verifier suite's to test; here, that the record's
# regions, tags and addresses reach it as hostsig-verify --capture passes them).
kver=
for k in /boot/vmlinuz-*; do
	v=${k#/boot/vmlinuz-}
	m=$(find "/lib/modules/$v" -name af_key.ko.xz 2>/dev/null | head -n 1)
	[ -n "$m" ] && kver=$v mod=$m
done
if [ -n "$kver" ] && command -v xz >/dev/null &&
   "$VERIFY" --extract-certs "/boot/vmlinuz-$kver" "$RUN/kcerts" >"$RUN/out" 2>&1; then
	cap=$RUN/capture
	mkdir -p "$cap"
	xz -dc "$mod" >"$cap/file.bin"
	head -c 8192 "$cap/file.bin" >"$cap/alloc-text-ffffffffc0a00000.bin"
	head -c 4096 "$cap/file.bin" >"$cap/alloc-data-ffffffffc0a10000.bin"
	cat >"$RUN/elf.conf" <<-EOF
		trust_dir = kcerts
		workers = 1
		EOF
	cat >"$RUN/elf.spec" <<-EOF
		name=af_key format=elf file=$cap/file.bin gva=0xffffc90000400000 image=$cap/alloc-text-ffffffffc0a00000.bin tag=1 gva=0xffffffffc0a00000 image=$cap/alloc-data-ffffffffc0a10000.bin tag=2 gva=0xffffffffc0a10000
		EOF
	"$T" create "$RUN/elf.ring" 4096 && "$T" produce "$RUN/elf.ring" "$RUN/elf.spec" &&
	start elf "$RUN/elf.conf" && "$T" wait "$RUN/elf.ring" 60 && stop
	tap_result "hostsigd-fake with a kernel module record" $?
	"$T" check "$RUN/elf.ring" >"$RUN/elf.check"
	oracle elf af_key "kernel module $(basename "$mod" .xz) ($kver): hostsig-verify --capture's verdict" \
		--trust "$RUN/kcerts/cert-0.pem" --capture "$cap"
	expect elf af_key "kernel module: allocations the loader did not make from a verified file: not authentic (load_mismatch)" \
		" verdict=not-authentic reason=load_mismatch "
else
	tap_skip "kernel module record" "no Debian kernel with af_key.ko, or no xz"
fi

# --- the patch sites of a kernel module ----------------------------------------------------------

# Two Debian modules (of the kernel above) as the verifier suite's reference
# loader leaves them once loaded and patched, as records: the verdict must
# carry their jump label, static call and ftrace sites (HOSTSIG_A_COMP_PATCH_SITE)
# as hostsig-verify --capture names them, as many as the file's tables list.
# kvm has more than HOSTSIG_MAX_PATCH_SITES: the first 2048 go, the rest
# are counted in the log (they stay tamper-protected).

# capture_spec NAME DIR: a record line with the capture's file buffer and
# allocations; DIR/regions gets the allocations' tags in IMAGE region order
capture_spec() {
	printf 'name=%s format=elf file=%s/file.bin gva=0xffffc90000400000' "$1" "$2"
	: >"$2.regions"
	for _f in "$2"/alloc-*.bin; do
		_b=${_f##*/alloc-}
		_tag=${_b%-*}
		_addr=${_b##*-}
		_addr=${_addr%.bin}
		case $_tag in
		text) _n=1 ;; data) _n=2 ;; rodata) _n=3 ;; ro_after_init) _n=4 ;;
		init_text) _n=5 ;; init_data) _n=6 ;; init_rodata) _n=7 ;;
		esac
		printf ' image=%s tag=%s gva=0x%s' "$_f" "$_n" "$_addr"
		echo "$_tag" >>"$2.regions"
	done
	echo
}

# sent_sites NAME: the patch sites the daemon sent for record NAME, one
# "TAG OFFSET LEN" (decimal) per line, in the order sent
sent_sites() {
	record patch "$1" | sed -n 's/.* patch_sites=\([^ ]*\) .*/\1/p' | tr ',' '\n' |
		grep -v '^none$' | tr ':+' '  ' | while read -r _r _o _l; do
			printf '%s %d %d\n' "$(sed -n "$((_r + 1))p" "$RUN/pmod/$1.regions")" "$_o" "$_l"
		done
}

# sent_writable NAME: the writable ranges the daemon sent for record NAME,
# "TAG OFFSET LEN" (decimal) per line, in the order sent
sent_writable() {
	record patch "$1" | sed -n 's/.* writable=\([^ ]*\) .*/\1/p' | tr ',' '\n' |
		grep -v '^none$' | tr ':+' '  ' | while read -r _r _o _l; do
			printf '%s %d %d\n' "$(sed -n "$((_r + 1))p" "$RUN/pmod/$1.regions")" "$_o" "$_l"
		done
}

# WRITABLE: a jq filter, the ranges hostsig-verify's report says the
# guest's kernel writes after the load (as the signed file declares them),
# merged as the daemon merges them, "TAG OFFSET LEN" per line
WRITABLE='.elf.allocations as $a |
	[.elf.ranges[] | select(.kind == "writable" or .kind == "module_struct" or
				 .kind == "ro_after_init" or .kind == "subsystem_state")] |
	group_by(.alloc) |
	map(sort_by(.offset) |
	    reduce .[] as $r ([];
		if length > 0 and $r.offset <= .[-1].offset + .[-1].size then
			.[-1].size = ([.[-1].offset + .[-1].size, $r.offset + $r.size] | max) - .[-1].offset
		else . + [$r] end)) |
	flatten | .[] | "\($a[.alloc].tag) \(.offset) \(.size)"'

loader=$SRCDIR/selftests/elfverify/mod-loader.c
# shellcheck disable=SC2046
if [ -n "$kver" ] && [ -f "$RUN/kcerts/cert-0.pem" ] &&
   gcc -std=gnu11 -O2 -D_GNU_SOURCE -I"$SRCDIR/userspace/lib" $(pkg-config --cflags libcrypto) \
	-o "$RUN/mod-loader" "$loader" "$SRCDIR/userspace/lib/x86_insn.c" >"$RUN/err" 2>&1; then
	mkdir -p "$RUN/pmod"
	: >"$RUN/patch.spec"
	for name in virtio_net kvm; do
		m=$(find "/lib/modules/$kver" -name "$name.ko.xz" | head -n 1)
		[ -n "$m" ] && xz -dc "$m" >"$RUN/pmod/$name.ko" &&
		"$RUN/mod-loader" --patch all --features odd "$RUN/pmod/$name.ko" "$RUN/pmod/$name" \
			>"$RUN/pmod/$name.info" 2>>"$RUN/err" &&
		capture_spec "$name" "$RUN/pmod/$name" >>"$RUN/patch.spec"
	done
	# virtio_net with a byte of its .data changed, as a first capture and
	# as a later capture of a verified load (the host's flag)
	loc=$(sed -n 's/^data_plain=//p' "$RUN/pmod/virtio_net.info")
	if [ -n "$loc" ]; then
		rm -rf "$RUN/pmod/vn-data"
		cp -r "$RUN/pmod/virtio_net" "$RUN/pmod/vn-data"
		flip "$RUN/pmod/vn-data/${loc%%:*}" "${loc#*:}"
		capture_spec vn-data "$RUN/pmod/vn-data" >>"$RUN/patch.spec"
		echo "$(capture_spec vn-data-later "$RUN/pmod/vn-data") load_verified=1" >>"$RUN/patch.spec"
	fi
	cat >"$RUN/patch.conf" <<-EOF
		trust_dir = kcerts
		workers = 1
		EOF
	"$T" create "$RUN/patch.ring" 16384 && "$T" produce "$RUN/patch.ring" "$RUN/patch.spec" &&
	start patch "$RUN/patch.conf" && "$T" wait "$RUN/patch.ring" 120 && stop
	tap_result "hostsigd-fake with loaded kernel modules ($(grep -c . "$RUN/patch.spec") records)" $?
	"$T" check "$RUN/patch.ring" >"$RUN/patch.check"
	for name in virtio_net kvm; do
		if [ ! -d "$RUN/pmod/$name" ]; then
			tap_not_ok "$name.ko ($kver) through the reference loader"
			tap_diag "$(cat "$RUN/err")"
			continue
		fi
		want=$(table_sites "$RUN/pmod/$name.ko")
		"$VERIFY" --json --trust "$RUN/kcerts/cert-0.pem" --capture "$RUN/pmod/$name" \
			>"$RUN/pmod/$name.json" 2>"$RUN/err"
		jq -r '.elf.allocations as $a | .elf.ranges[] | select(.kind == "patch_site") |
		       "\($a[.alloc].tag) \(.offset) \(.size)"' "$RUN/pmod/$name.json" |
			head -n 2048 >"$RUN/pmod/$name.want"
		sent_sites "$name" >"$RUN/pmod/$name.got"
		expect patch "$name" "$name.ko ($kver) loaded and patched: authentic" \
			" accepted=1 " " verdict=authentic reason=ok "
		n=$(grep -c . "$RUN/pmod/$name.got")
		[ "$want" -gt 0 ] && [ "$n" -eq "$(( want < 2048 ? want : 2048 ))" ] &&
			cmp -s "$RUN/pmod/$name.want" "$RUN/pmod/$name.got"
		rc=$?
		[ $rc = 0 ] || tap_diag "$want in the file's tables, $n sent" \
			"$(diff "$RUN/pmod/$name.want" "$RUN/pmod/$name.got" | head -n 10)"
		tap_result "$name.ko: the verdict carries its patch sites as hostsig-verify names them ($n of $want)" $rc
		awk '($1 == "text" || $1 == "init_text") && ($3 == 2 || $3 == 5 || $3 == 6) { ok++ }
		     END { exit ok != NR || NR == 0 }' "$RUN/pmod/$name.got"
		tap_result "$name.ko: every patch site sent is 2, 5 or 6 bytes of a text allocation" $?
		# writable: what the signed file declares, never init text or rodata
		jq -r "$WRITABLE" "$RUN/pmod/$name.json" >"$RUN/pmod/$name.wwant"
		sent_writable "$name" >"$RUN/pmod/$name.wgot"
		[ -s "$RUN/pmod/$name.wgot" ] && cmp -s "$RUN/pmod/$name.wwant" "$RUN/pmod/$name.wgot"
		rc=$?
		[ $rc = 0 ] || tap_diag "$(diff "$RUN/pmod/$name.wwant" "$RUN/pmod/$name.wgot" | head -n 10)"
		tap_result "$name.ko: the writable ranges sent are the writable sections the signed file declares" $rc
		if grep -qx init_data "$RUN/pmod/$name.regions"; then
			! awk '$1 == "init_text" || $1 == "init_rodata"' "$RUN/pmod/$name.wgot" | grep -q .
			tap_result "$name.ko: no writable range in init text or init rodata: they stay tracked" $?
		else
			tap_skip "$name.ko: no writable range in init text or rodata" \
				"a 6.1 module's init text, rodata and data share one allocation"
		fi
		if [ "$want" -gt 2048 ]; then
			grep -q "error=\"$((want - 2048)) patch sites past the first 2048 stay tamper-protected\"" \
				"$RUN/patch.log"
			tap_result "$name.ko: the $((want - 2048)) patch sites past 2048 are logged as dropped" $?
		fi
	done
	grep -q " name=\"virtio_net\" format=elf-module verdict=authentic .* patch_sites=$(table_sites "$RUN/pmod/virtio_net.ko") " \
		"$RUN/patch.log"
	tap_result "the log: a module's verdict line counts its patch sites" $?
	expect patch vn-data "virtio_net.ko with a byte of .data changed: not authentic" \
		" verdict=not-authentic reason=load_mismatch "
	expect patch vn-data-later "the same as a later capture of a verified load (HOSTSIG_REC_F_LOAD_VERIFIED): authentic" \
		" verdict=authentic reason=ok "
	expect patch vn-data-later "a later capture's verdict still carries the writable ranges and patch sites" \
		" writable=[0-9]" " patch_sites=[0-9]"
else
	tap_skip "kernel module patch sites" "no Debian kernel with af_key.ko, or the reference loader does not build"
fi

# --- deny lists --------------------------------------------------------------------------------

digest=$(record main dll64-rsa | sed -n 's/.* digest=sha256:\([0-9a-f]*\) .*/\1/p')
echo "$digest # dll64-rsa" >"$RUN/dbx.txt"
cp "$P/rsa-inter.pem" "$RUN/deny/"
cat >"$RUN/deny.conf" <<-EOF
	trust_dir = trust
	deny_dir = deny
	deny_digests = dbx.txt
	workers = 1
	EOF
cat >"$RUN/deny.spec" <<-EOF
	name=dll64-rsa $(regions dll64-rsa)
	name=dll32-rsa $(regions dll32-rsa)
	name=efi64-ec $(regions efi64-ec)
	EOF
"$T" create "$RUN/deny.ring" 4096 && "$T" produce "$RUN/deny.ring" "$RUN/deny.spec" &&
start deny "$RUN/deny.conf" && "$T" wait "$RUN/deny.ring" 60 && stop
tap_result "hostsigd-fake with deny lists" $?
"$T" check "$RUN/deny.ring" >"$RUN/deny.check"
expect deny dll64-rsa "a denied digest: not authentic" " verdict=not-authentic reason=denied_digest "
expect deny dll32-rsa "a denied intermediate certificate: not authentic" \
	" verdict=not-authentic reason=denied_certificate "
expect deny efi64-ec "another image under another CA: still authentic" " verdict=authentic "
rm -f "$RUN/deny/rsa-inter.pem"

cat >"$RUN/eku.conf" <<-EOF
	trust_dir = trust
	require_code_signing = yes
	workers = 1
	EOF
load noeku "$CORPUS/weak/efi64-noeku.efi" uefi "$BASE_EFI"
cat >"$RUN/eku.spec" <<-EOF
	name=efi64-noeku $(regions noeku)
	name=efi64-rsa $(regions efi64-rsa)
	EOF
"$T" create "$RUN/eku.ring" 4096 && "$T" produce "$RUN/eku.ring" "$RUN/eku.spec" &&
start eku "$RUN/eku.conf" && "$T" wait "$RUN/eku.ring" 60 && stop
tap_result "hostsigd-fake with require_code_signing = yes" $?
"$T" check "$RUN/eku.ring" >"$RUN/eku.check"
expect eku efi64-noeku "require_code_signing: a signer without extended key usage: unknown" \
	" verdict=unknown reason=untrusted "
expect eku efi64-rsa "require_code_signing: a code-signing signer: authentic" " verdict=authentic "

# --- the workers' sandbox ------------------------------------------------------------------------

cat >"$RUN/sandbox.conf" <<-EOF
	trust_dir = trust
	workers = 2
	worker_timeout = 1
	EOF
hook_spec() {
	for h in "$@"; do
		echo "name=hostsigd-test:$h image=$RUN/img/text base=0"
	done
	echo "name=after-$1 $(regions dll64-rsa)"
}
"$T" create "$RUN/sandbox.ring" 4096 >/dev/null
if start sandbox "$RUN/sandbox.conf"; then
	tap_ok "hostsigd-fake starts with sandboxed workers"
	workers=$(pgrep -P "$DAEMON")
	tap_result "two workers, children of the daemon" $(($(echo "$workers" | wc -w) != 2))
	for w in $workers; do
		st=/proc/$w/status
		bad=
		for want in "Uid:	65534	65534	65534	65534" "Gid:	65534	65534	65534	65534" \
			    "Groups:	" "CapInh:	0000000000000000" "CapPrm:	0000000000000000" \
			    "CapEff:	0000000000000000" "CapBnd:	0000000000000000" \
			    "CapAmb:	0000000000000000" "NoNewPrivs:	1" "Seccomp:	2"; do
			grep -qx "$want *" "$st" || bad="$bad [$want]"
		done
		[ -z "$bad" ] || tap_diag "worker $w:$bad" "$(grep -E 'Uid|Gid|Groups|Cap|NoNew|Seccomp' "$st")"
		tap_result "worker $w: user nobody, no group, no capability in any set, no_new_privs, seccomp filter" \
			$(($(printf %s "$bad" | wc -c) != 0))
		fds=$(ls /proc/"$w"/fd | sort -n | tr '\n' ' ')
		tap_result "worker $w: descriptors 0-3 only (/dev/null, stderr, its socket): $fds" \
			$(( $([ "$fds" = "0 1 2 3 " ] && readlink /proc/"$w"/fd/0 | grep -q '^/dev/null$' &&
			      readlink /proc/"$w"/fd/3 | grep -q '^socket:' && echo 0 || echo 1) ))
	done
	hook_spec open socket exec crash hang >"$RUN/sandbox.spec"
	"$T" produce "$RUN/sandbox.ring" "$RUN/sandbox.spec" && "$T" wait "$RUN/sandbox.ring" 60
	tap_result "records that attack the worker are all answered" $?
	kill -0 "$DAEMON" 2>/dev/null
	tap_result "the daemon is still running" $?
	"$T" check "$RUN/sandbox.ring" >"$RUN/sandbox.check"
	tap_result "... each exactly once" $?
	expect sandbox hostsigd-test:open "a worker cannot open a file (EACCES)" \
		" reason=test_hook " "open: -1 Permission denied"
	expect sandbox hostsigd-test:socket "a worker that makes a socket is killed: unknown (verifier crashed)" \
		" verdict=unknown reason=verifier_crashed " "signal 31 "
	expect sandbox hostsigd-test:exec "a worker that runs a program is killed: unknown (verifier crashed)" \
		" verdict=unknown reason=verifier_crashed " "signal 31 "
	expect sandbox hostsigd-test:crash "a worker that crashes: unknown (verifier crashed)" \
		" verdict=unknown reason=verifier_crashed " "signal 4 "
	expect sandbox hostsigd-test:hang "a worker that hangs: killed after worker_timeout, unknown" \
		" verdict=unknown reason=verifier_crashed " "did not finish within 1 s"
	expect sandbox after-open "after all that, the next record is verified as usual" " verdict=authentic "
	n=$(pgrep -P "$DAEMON" | wc -l)
	tap_result "dead workers were replaced: 2 workers again" $((n != 2))
	grep -q 'worker [0-9]* was killed by signal 4 (Illegal instruction) verifying record 4' "$RUN/sandbox.log"
	tap_result "the log says which worker died on which record" $?
	stop
	tap_result "SIGTERM: status 0" $?
	[ ! -e "$RUN/sandbox.pid" ]
	tap_result "SIGTERM: the pid file is removed" $?
	grep -q 'stopping on Terminated: 6 records read, 6 verdicts accepted, 0 refused, 4 verifier crashes' "$RUN/sandbox.log"
	tap_result "SIGTERM: the counts are logged" $?
else
	tap_diag "$(tail -n 20 "$RUN/sandbox.log")"
	tap_not_ok "hostsigd-fake starts with sandboxed workers"
fi

# --- exactly once, nothing lost: SIGKILL, SIGHUP --------------------------------------------------

# mix N: N records of our small signed images, one in five slow to verify
# (the test build's hook: 200 ms) so that signals find work in progress
mix() {
	for i in $(seq "$1"); do
		name=mix-$i
		[ $((i % 5)) = 0 ] && name=hostsigd-test:slow-$i
		case $((i % 4)) in
		0) echo "name=$name $(regions dll64-rsa)" ;;
		1) echo "name=$name $(regions dll32-rsa)" ;;
		2) echo "name=$name $(regions efi64-rsa)" ;;
		3) echo "name=$name $(regions tampered)" ;;
		esac
	done
}

# verdicts_right RING: every mix record has the verdict of its image
verdicts_right() {
	awk '/ name="(mix|hostsigd-test:slow)-/ {
		match($0, /-[0-9]+" /); i = substr($0, RSTART + 1, RLENGTH - 3) + 0
		want = (i % 4 == 3) ? "not-authentic" : "authentic"
		if ($0 !~ (" verdict=" want " ")) { print "wrong verdict: " $0; bad = 1 }
		n++
	} END { exit bad || !n }' "$RUN/$1.check"
}

# picked_up_again LOG: records that more than one start read from the ring
picked_up_again() {
	sed -n 's/.* record=\([0-9]*\) component=.* queued$/\1/p' "$1" | sort | uniq -d | wc -l
}

cat >"$RUN/kill.conf" <<-EOF
	trust_dir = trust
	workers = 2
	log_level = debug
	EOF

# Killed right after the kernel took a verdict, before the release.
mix 12 >"$RUN/dieafter.spec"
"$T" create "$RUN/dieafter.ring" 4096 && "$T" produce "$RUN/dieafter.ring" "$RUN/dieafter.spec" &&
"$T" die-after "$RUN/dieafter.ring" 5
start dieafter "$RUN/kill.conf"
wait "$DAEMON" 2>/dev/null
tap_result "killed between a verdict and its release (SIGKILL, status 137)" $(($? != 137))
sleep 0.5
pgrep -f "$FAKE" >/dev/null
tap_result "its workers died with it" $((! $?))
start dieafter "$RUN/kill.conf" && "$T" wait "$RUN/dieafter.ring" 60 && stop
tap_result "restarted, it answers the rest" $?
"$T" check "$RUN/dieafter.ring" >"$RUN/dieafter.check"
tap_result "each record answered exactly once, none lost" $?
grep ' verdict_calls=2 ' "$RUN/dieafter.check" | grep -q ' accepted=1 '
tap_result "the record answered before the kill: answered again, refused (EALREADY), given back" $?
grep -q 'answer=already-answered' "$RUN/dieafter.log"
tap_result "... and the log says so" $?
verdicts_right dieafter
tap_result "every verdict right" $?

# Killed at random moments, many times.
mix 80 >"$RUN/kill.spec"
"$T" create "$RUN/kill.ring" 1024 4190000
"$T" produce "$RUN/kill.ring" "$RUN/kill.spec" &
producer=$!
kills=0 orphans=0
for i in $(seq 10); do
	start kill "$RUN/kill.conf" || break
	sleep "0.$(od -An -tu2 -N2 /dev/urandom | tr -d ' ' | awk '{ printf "%02d", $1 % 40 + 5 }')"
	kill -KILL "$DAEMON"
	wait "$DAEMON" 2>/dev/null
	kills=$((kills + 1))
	sleep 0.3
	pgrep -f "$FAKE" >/dev/null && orphans=$((orphans + 1))
done
tap_result "killed with SIGKILL $kills times while verifying" $((kills != 10))
tap_result "no worker outlives its daemon" $((orphans != 0))
start kill "$RUN/kill.conf" && "$T" wait "$RUN/kill.ring" 120
tap_result "the last start answers what is left" $?
wait "$producer"
tap_result "the producer wrote 80 records through a 1 MiB ring that wraps" $?
stop
tap_result "SIGTERM after that: status 0" $?
"$T" check "$RUN/kill.ring" >"$RUN/kill.check"
tap_result "after $kills kills: each record answered exactly once, none lost" $?
grep VIOLATION "$RUN/kill.check" | while read -r l; do tap_diag "$l"; done
verdicts_right kill
tap_result "every verdict right" $?
n=$(picked_up_again "$RUN/kill.log")
tap_result "the kills came while records were in flight ($n records read again by the next start)" \
	$((n < 1))
tap_diag "$(head -n 1 "$RUN/kill.check"), $(grep -c ' verdict_calls=[2-9]' "$RUN/kill.check") verdicts sent twice (refused the second time)"

# SIGHUP while records come in: workers replaced, their records verified again.
mix 60 >"$RUN/hup.spec"
"$T" create "$RUN/hup.ring" 2048
if start hup "$RUN/kill.conf"; then
	"$T" produce "$RUN/hup.ring" "$RUN/hup.spec" &
	producer=$!
	for i in $(seq 8); do
		sleep 0.2
		kill -HUP "$DAEMON"
	done
	wait "$producer"
	"$T" wait "$RUN/hup.ring" 120
	tap_result "SIGHUP 8 times while 60 records come in: all answered" $?
	# Signals that come while one is pending count once.
	n=$(grep -c 'reloaded: 2 workers' "$RUN/hup.log")
	tap_result "reloads logged ($n)" $((n < 1 || n > 8))
	n=$(grep -c 'records in verification go to the new workers' "$RUN/hup.log")
	tap_result "reloads came while workers were verifying ($n times)" $((n < 1))
	# A configuration that does not load is refused; the running one stays.
	cp "$RUN/kill.conf" "$RUN/kill.conf.good"
	echo "worker = 2" >>"$RUN/kill.conf"
	kill -HUP "$DAEMON"
	sleep 0.5
	grep -q 'reload refused, the running configuration stays: .*kill.conf:4: unknown key "worker"' "$RUN/hup.log"
	tap_result "a broken configuration: reload refused, with file and line" $?
	# A reload that denies a digest applies to what comes next.
	cp "$RUN/kill.conf.good" "$RUN/kill.conf"
	echo "deny_digests = dbx.txt" >>"$RUN/kill.conf"
	kill -HUP "$DAEMON"
	sleep 0.5
	echo "name=after-reload $(regions dll64-rsa)" >"$RUN/hup2.spec"
	"$T" produce "$RUN/hup.ring" "$RUN/hup2.spec" && "$T" wait "$RUN/hup.ring" 60
	tap_result "still answering after a refused reload" $?
	cp "$RUN/kill.conf.good" "$RUN/kill.conf"
	stop
	tap_result "SIGTERM: status 0" $?
	"$T" check "$RUN/hup.ring" >"$RUN/hup.check"
	tap_result "each record answered exactly once across the reloads" $?
	verdicts_right hup
	tap_result "every verdict right" $?
	expect hup after-reload "the reloaded deny list applies" " verdict=not-authentic reason=denied_digest "
else
	tap_not_ok "hostsigd-fake starts for the reload tests"
fi

# --- starting ---------------------------------------------------------------------------------------

"$T" create "$RUN/detach.ring" 1024
HOSTSIGD_FAKE_RING=$RUN/detach.ring "$FAKE" -c "$RUN/kill.conf" -p "$RUN/detach.pid" \
	>"$RUN/detach.out" 2>&1
rc=$?
pid=$(cat "$RUN/detach.pid" 2>/dev/null)
[ $rc = 0 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
tap_result "detached: the command returns 0 once the daemon is ready, its pid in the pid file" $?
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
HOSTSIGD_FAKE_RING=$RUN/detach.ring "$FAKE" -c "$C/bad.conf" >"$RUN/detach.out" 2>&1
rc=$?
tap_result "detached, broken configuration: status 1 and the reason on standard error" \
	$((rc != 1 || $(grep -c 'bad.conf' "$RUN/detach.out") != 1))
HOSTSIGD_FAKE_RING=$RUN/nowhere "$FAKE" -f -c "$RUN/kill.conf" >"$RUN/detach.out" 2>&1
tap_result "no ring: status 1" $(($? != 1))
# systemd's readiness protocol (-n, Type=notify): READY=1, RELOADING=1 and
# READY=1 around a reload, STOPPING=1.
if command -v python3 >/dev/null; then
	rm -f "$RUN/notify.sock"
	python3 - "$RUN/notify.sock" >"$RUN/notify.out" 2>&1 <<-'EOF' &
		import socket, sys
		s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
		s.bind(sys.argv[1])
		s.settimeout(30)
		for _ in range(4):
		    print(s.recv(4096).decode(), flush=True)
		EOF
	listener=$!
	for i in $(seq 50); do [ -S "$RUN/notify.sock" ] && break; sleep 0.1; done
	NOTIFY_SOCKET=$RUN/notify.sock HOSTSIGD_FAKE_RING=$RUN/detach.ring \
		"$FAKE" -n -c "$RUN/kill.conf" -p "$RUN/notify.pid" >"$RUN/notify.log" 2>&1 &
	DAEMON=$!
	for i in $(seq 100); do [ -s "$RUN/notify.pid" ] && break; sleep 0.1; done
	kill -HUP "$DAEMON"
	sleep 1
	stop
	wait "$listener"
	[ "$(cat "$RUN/notify.out" | tr '\n' ' ')" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ]
	rc=$?
	[ $rc = 0 ] || tap_diag "$(cat "$RUN/notify.out")"
	tap_result "sd_notify: READY=1, RELOADING=1 and READY=1 around a reload, STOPPING=1" $rc
	[ ! -s "$RUN/notify.log" ]
	tap_result "-n: nothing on standard error (syslog only)" $?
else
	tap_skip "sd_notify" "no python3 to listen"
fi
if [ ! -e /dev/hostsig ]; then
	"$HSD" -f -c "$RUN/kill.conf" >"$RUN/out" 2>&1
	rc=$?
	grep -q 'modprobe hostsig' "$RUN/out"
	tap_result "hostsigd without the module: status 1, says to load it" $((rc != 1 || $? != 0))
else
	tap_skip "hostsigd without the module" "the module is loaded here"
fi

# --- the static build and the unit ----------------------------------------------------------------

# (glibc warns that a static program's user and host name look-ups need its
# shared NSS modules; hostsigd takes a numeric user without any.)
make -s -C "$SRCDIR/userspace" O="$U" static >"$RUN/make.out" 2>&1
rc=$?
[ $rc = 0 ] || tap_diag "$(tail -n 30 "$RUN/make.out")"
tap_result "static build: hostsigd, hostsigctl, hostsig-verify" $rc
rc=0
for p in hostsigd hostsigctl hostsig-verify; do
	readelf -l "$U/static/$p" 2>&1 | grep -q 'Requesting program interpreter\|INTERP' && rc=1
	readelf -d "$U/static/$p" 2>&1 | grep -q NEEDED && rc=1
done
tap_result "static build: no program interpreter, no shared library needed" $rc
"$U/static/hostsigd" -t -c "$C/good.conf" >"$RUN/out" 2>&1
tap_result "static build: hostsigd -t loads the configuration" $?
inst=$RUN/install
make -s -C "$SRCDIR/userspace" O="$U" install DESTDIR="$inst" PREFIX=/usr >"$RUN/out" 2>&1
rc=$?
for f in usr/sbin/hostsigd usr/sbin/hostsigctl usr/bin/hostsig-verify \
	 usr/share/man/man8/hostsigd.8 usr/share/man/man8/hostsigctl.8 \
	 usr/share/man/man5/hostsigd.conf.5 usr/share/man/man1/hostsig-verify.1 \
	 usr/lib/systemd/system/hostsigd.service etc/hostsig/hostsigd.conf \
	 usr/share/doc/hostsig/hostsigd.conf.example; do
	[ -f "$inst/$f" ] || { tap_diag "missing: $f"; rc=1; }
done
[ -d "$inst/etc/hostsig/trust.d" ] && [ -d "$inst/etc/hostsig/deny.d" ] &&
grep -qx 'ExecStart=/usr/sbin/hostsigd -n' "$inst/usr/lib/systemd/system/hostsigd.service" || rc=1
tap_result "make install DESTDIR=... PREFIX=/usr: programs, man pages, unit, configuration" $rc
echo "# mine" >>"$inst/etc/hostsig/hostsigd.conf"
make -s -C "$SRCDIR/userspace" O="$U" install DESTDIR="$inst" PREFIX=/usr >"$RUN/out" 2>&1
tail -n 1 "$inst/etc/hostsig/hostsigd.conf" | grep -qx '# mine'
tap_result "make install again: the configuration is left alone" $?
# The example configuration, with a trust anchor, is one hostsigd accepts.
sed "s|/etc/hostsig|$inst/etc/hostsig|" "$SRCDIR/userspace/daemon/hostsigd.conf" >"$RUN/example.conf"
cp "$P/rsa-root.pem" "$inst/etc/hostsig/trust.d/"
"$HSD" -t -c "$RUN/example.conf" >"$RUN/out" 2>&1
tap_result "the example configuration loads" $?
for m in "$SRCDIR"/userspace/man/*.[158]; do
	if ! command -v groff >/dev/null; then
		tap_skip "man page $(basename "$m") formats without a warning" "no groff"
		continue
	fi
	out=$(groff -man -t -ww -z "$m" 2>&1)
	[ -z "$out" ] || tap_diag "$out"
	tap_result "man page $(basename "$m") formats without a warning" $(($(printf %s "$out" | wc -c) != 0))
done
if command -v systemd-analyze >/dev/null; then
	sed "s|@SBINDIR@|$U|g" "$SRCDIR/userspace/daemon/hostsigd.service" >"$RUN/hostsigd.service"
	systemd-analyze verify --man=no "$RUN/hostsigd.service" >"$RUN/out" 2>&1
	rc=$?
	grep -q . "$RUN/out" && rc=1
	[ $rc = 0 ] || tap_diag "$(cat "$RUN/out")"
	tap_result "the systemd unit passes systemd-analyze verify" $rc
else
	tap_skip "the systemd unit" "no systemd-analyze"
fi

tap_done
