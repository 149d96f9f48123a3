# SPDX-License-Identifier: GPL-2.0
#
# The kernel module verifier's test inputs, built at test time and cached
# under $BUILD/elfverify (sourced by run.sh):
#
#   tools/              mod-loader (the reference loader), modcheck (many
#                       files in one process), elf-seed (fuzz inputs)
#   pki/                module signing keys made by openssl the way the
#                       kernel's certs/Makefile makes its own (RSA, ECDSA),
#                       and a foreign one
#   <release>/certs/    the certificates built into /boot/vmlinuz-<release>
#   <release>/hsmod/    selftests/elfverify/module built against the
#                       release's headers, signed with the kernel's
#                       scripts/sign-file in several ways
#   <release>/debian/   a few of the release's own modules, decompressed
#   <release>/kcapture/ realload/kcapture.ko built for the release
#
# Everything is rebuilt when its inputs change (the sources here, the
# kernel packages, the compilers).

ELF_SRC="$SRCDIR/selftests/elfverify"
ELF_OUT="$BUILD/elfverify"
TOOLS="$ELF_OUT/tools"
PKI="$ELF_OUT/pki"

# Debian modules with sites of every kind between them (kvm and kvm-amd:
# alternatives, paravirt on 6.1, static calls, jump labels, ex_table).
DEBIAN_PICKS="kvm kvm-amd msr nf_tables virtio_net"

elf_stamp() {
	{
		cat "$ELF_SRC"/*.c "$ELF_SRC"/corpus.sh "$ELF_SRC"/module/* "$ELF_SRC"/realload/*
		cat "$SRCDIR"/userspace/lib/x86_insn.c "$SRCDIR"/userspace/lib/elfmod.h
		gcc --version | head -1
		dpkg-query -W openssl 'linux-headers-*' 'linux-image-*' 2>/dev/null
	} | sha256sum | cut -c1-16
}

build_tools() {
	mkdir -p "$TOOLS"
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SRCDIR/userspace/lib" \
		$(pkg-config --cflags libcrypto) -o "$TOOLS/mod-loader" \
		"$ELF_SRC/mod-loader.c" "$SRCDIR/userspace/lib/x86_insn.c" &&
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SRCDIR/userspace/lib" \
		-fsanitize=address,undefined -o "$TOOLS/modcheck" "$ELF_SRC/modcheck.c" \
		"$BUILD/userspace/asan/libhostsig.a" $(pkg-config --cflags --libs libcrypto liblzma) &&
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$TOOLS/elf-seed" "$ELF_SRC/elf-seed.c" &&
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$TOOLS/kcapture-split" \
		"$ELF_SRC/realload/kcapture-split.c" &&
	gcc -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -I"$SRCDIR/userspace/lib" \
		-o "$TOOLS/insn-walk" "$ELF_SRC/insn-walk.c" "$BUILD/userspace/libhostsig.a" \
		$(pkg-config --cflags --libs libcrypto)
}

# signing_key NAME ALGORITHM: key and self-signed certificate with the
# extensions of the kernel's x509.genkey
signing_key() {
	cat >"$PKI/$1.genkey" <<-EOF
	[ req ]
	distinguished_name = dn
	prompt = no
	string_mask = utf8only
	x509_extensions = myexts
	[ dn ]
	CN = hostsig test $1 module key
	[ myexts ]
	basicConstraints = critical,CA:FALSE
	keyUsage = digitalSignature
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid
	EOF
	case $2 in
	rsa) newkey="-newkey rsa:3072" ;;
	ec256) newkey="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1" ;;
	ec384) newkey="-newkey ec -pkeyopt ec_paramgen_curve:secp384r1" ;;
	esac
	# shellcheck disable=SC2086
	openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 \
		-config "$PKI/$1.genkey" $newkey -keyout "$PKI/$1.key" -out "$PKI/$1.pem" &&
	openssl x509 -in "$PKI/$1.pem" -outform DER -out "$PKI/$1.der"
}

build_pki() {
	rm -rf "$PKI"
	mkdir -p "$PKI"
	signing_key rsa rsa && signing_key ec ec256 && signing_key ec384 ec384 &&
	signing_key foreign rsa
}

series_of() {
	case $1 in
	6.1.*) echo 6.1 ;;
	6.12.*) echo 6.12 ;;
	*) echo other ;;
	esac
}

# The module, built against a release's headers and signed in every way the tests use.
build_hsmod() {
	rel=$1 dir=$ELF_OUT/$1/hsmod
	sign=/lib/modules/$rel/build/scripts/sign-file
	rm -rf "$dir"
	mkdir -p "$dir/src"
	cp "$ELF_SRC"/module/* "$dir/src/" &&
	make -s -C "/lib/modules/$rel/build" M="$dir/src" modules &&
	cp "$dir/src/hsmod.ko" "$dir/unsigned.ko" &&
	"$sign" sha256 "$PKI/rsa.key" "$PKI/rsa.pem" "$dir/unsigned.ko" "$dir/rsa.ko" &&
	"$sign" -k sha512 "$PKI/rsa.key" "$PKI/rsa.pem" "$dir/unsigned.ko" "$dir/rsa-keyid.ko" &&
	"$sign" sha256 "$PKI/ec.key" "$PKI/ec.der" "$dir/unsigned.ko" "$dir/ec.ko" &&
	"$sign" sha384 "$PKI/ec384.key" "$PKI/ec384.pem" "$dir/unsigned.ko" "$dir/ec384.ko" &&
	"$sign" sha1 "$PKI/rsa.key" "$PKI/rsa.pem" "$dir/unsigned.ko" "$dir/sha1.ko" &&
	"$sign" sha256 "$PKI/foreign.key" "$PKI/foreign.pem" "$dir/unsigned.ko" "$dir/foreign.ko" &&
	"$sign" sha256 "$PKI/rsa.key" "$PKI/rsa.pem" "$dir/rsa.ko" "$dir/twice.ko"
}

# A few of the release's own modules, as files (.ko.xz decompressed).
pick_debian() {
	rel=$1 dir=$ELF_OUT/$1/debian
	rm -rf "$dir"
	mkdir -p "$dir"
	for name in $DEBIAN_PICKS; do
		f=$(find "/lib/modules/$rel/kernel" -name "$name.ko" -o -name "$name.ko.xz" | head -n 1)
		[ -n "$f" ] || { echo "no $name module in $rel"; return 1; }
		case $f in
		*.xz) xz -dc "$f" >"$dir/$name.ko" || return 1 ;;
		*) cp "$f" "$dir/$name.ko" || return 1 ;;
		esac
	done
}

build_kcapture() {
	rel=$1 dir=$ELF_OUT/$1/kcapture
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$ELF_SRC"/realload/kcapture.c "$ELF_SRC"/realload/Kbuild "$dir/" &&
	make -s -C "/lib/modules/$rel/build" M="$dir" modules
}

extract_certs() {
	rel=$1
	rm -rf "$ELF_OUT/$rel/certs"
	"$BUILD/userspace/hostsig-verify" --extract-certs "/boot/vmlinuz-$rel" \
		"$ELF_OUT/$rel/certs" >"$ELF_OUT/$rel/certs.txt"
}

# prepare_elf_corpus RELEASES: everything above, or the cached copy.
prepare_elf_corpus() {
	stamp=$(elf_stamp)
	if [ -f "$ELF_OUT/.stamp" ] && [ "$(cat "$ELF_OUT/.stamp")" = "$stamp" ] &&
	   [ -x "$TOOLS/mod-loader" ]; then
		echo "cached"
		return 0
	fi
	rm -rf "$TOOLS" "$PKI" "$ELF_OUT/.stamp"
	mkdir -p "$ELF_OUT"
	{
		build_tools && build_pki || return 1
		for rel in "$@"; do
			mkdir -p "$ELF_OUT/$rel"
			extract_certs "$rel" && build_hsmod "$rel" && pick_debian "$rel" &&
				build_kcapture "$rel" || return 1
		done
	} >"$ELF_OUT/corpus.log" 2>&1 || return 1
	echo "$stamp" >"$ELF_OUT/.stamp"
	echo "built"
}
