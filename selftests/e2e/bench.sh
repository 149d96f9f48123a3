#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The end-to-end benchmark: in the test VM (the newest installed kernel,
# two vCPUs), components verified per second through the whole loop
# (REGISTER, capture, hostsigd, VERDICT, QUERY) for a small (64 KiB) and a
# large (8 MiB) signed image with 1 and 2 daemon workers, and the time
# from REGISTER to the verdict being visible to QUERY; each next to
# hostsig-verify on the same image in the same VM, with ratios. Fails
# nothing on speed; fails only if the loop does not work.
#
# The images (built by mingw-w64 from bench-image.c, signed by sbsign with
# the verifier's test key, mapped by the reference loader at BENCH_SMALL
# and BENCH_LARGE bases) are cached under $BUILD/e2e/bench and reach the
# VM in an archive of their own, with an /init that runs
# selftests/vm/e2e_bench_helper.c and nothing else.
#
# Environment: SRCDIR, BUILD; HOSTSIG_BENCH_KERNEL (default: the newest).
set -eu
. "$SRCDIR/selftests/verifier/corpus.sh"
. "$SRCDIR/selftests/lib/cpio.sh"

E2E="$SRCDIR/selftests/e2e"
OUT="$BUILD/e2e/bench"
BENCH_SMALL=64		# components of each size registered at once
BENCH_LARGE=8
BENCH_FIRST=0x7f4000000000
BENCH_STEP=0x1000000	# 16 MiB: room for the large image between bases

kernel=${HOSTSIG_BENCH_KERNEL:-$("$SRCDIR/selftests/lib/kernels.sh" | tail -n 1)}

die() {
	echo "bench: $*" >&2
	exit 1
}

stamp() {
	{
		cat "$0" "$E2E/bench-image.c"
		cat "$CORPUS/.stamp"
		x86_64-w64-mingw32-gcc --version
		dpkg-query -W sbsigntool 2>/dev/null
	} | sha256sum | cut -c1-16
}

# image NAME SIZE COUNT: build, sign and load NAME at COUNT bases
image() {
	x86_64-w64-mingw32-gcc -O2 -ffreestanding -nostdlib -fno-stack-protector \
		-mno-red-zone -Wl,--subsystem,10 -Wl,--dynamicbase -Wl,-e,efi_main -s \
		-DBENCH_SIZE="$2" -o "$OUT/img/$1.unsigned.efi" "$E2E/bench-image.c"
	sbsign --key "$CORPUS/pki/rsa-leaf.key" --cert "$CORPUS/pki/rsa-leaf.pem" \
		--addcert "$CORPUS/pki/rsa-inter.pem" --output "$OUT/img/$1.efi" \
		"$OUT/img/$1.unsigned.efi" 2>/dev/null
	mkdir -p "$OUT/root/e2e-bench/$1"
	gzip -9nc "$OUT/img/$1.efi" >"$OUT/root/e2e-bench/$1.efi.gz"
	i=0
	while [ "$i" -lt "$3" ]; do
		"$TESTTOOL" load --mode uefi \
			--base "$(printf '0x%x' $((BENCH_FIRST + i * BENCH_STEP)))" \
			"$OUT/img/$1.efi" "$OUT/root/e2e-bench/$1/$i"
		gzip -9n "$OUT/root/e2e-bench/$1/$i.image"
		i=$((i + 1))
	done
}

build_images() {
	rm -rf "$OUT/img" "$OUT/root"
	mkdir -p "$OUT/img" "$OUT/root"
	image small 65536 "$BENCH_SMALL"
	image large 8388608 "$BENCH_LARGE"
	cp "$E2E/bench-init" "$OUT/root/init"
	chmod 755 "$OUT/root/init"
}

# --- the archive -------------------------------------------------------------

[ -f "$BUILD/initramfs/base.cpio" ] && [ -f "$BUILD/initramfs/$kernel.cpio" ] ||
	die "no test initramfs for $kernel (make -C selftests prepare)"
mkdir -p "$OUT"
build_testtool >"$OUT/build.log" 2>&1 || die "pe-testtool does not build"
prepare_corpus >>"$OUT/build.log" 2>&1 || die "the verifier's corpus does not build"
key=$(stamp)
if [ "$(cat "$OUT/.stamp" 2>/dev/null)" != "$key" ]; then
	build_images >>"$OUT/build.log" 2>&1 || { tail -n 20 "$OUT/build.log"; die "images"; }
	echo "$key" >"$OUT/.stamp"
fi
# The init may change without the images.
cp "$E2E/bench-init" "$OUT/root/init"
(cd "$OUT/root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc -R 0:0 --quiet) >"$OUT/bench.cpio"

# --- the VM ------------------------------------------------------------------

vm="$OUT/vm"
rm -rf "$vm"
mkdir -p "$vm"
image="$BUILD/cache/vmlinux-$kernel"
[ -f "$BUILD/kernels/$kernel/boot-image" ] && image=$(cat "$BUILD/kernels/$kernel/boot-image")
cat "$BUILD/initramfs/base.cpio" "$BUILD/initramfs/$kernel.cpio" "$OUT/bench.cpio" \
	>"$vm/initrd.cpio"
echo "# end-to-end benchmark: booting $kernel in QEMU (TCG, 2 vCPUs)..."
status=0
# Two vCPUs, so that two workers can run at once.
# shellcheck disable=SC2046 # the emulator's command (selftests/lib/qemu.sh)
timeout -k 10 1800 $("$SRCDIR/selftests/lib/qemu.sh" cmd "$BUILD") -accel tcg -cpu max -m 2560 -smp 2 \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$image" -initrd "$vm/initrd.cpio" \
	-append "console=ttyS0 panic=-1 quiet rcupdate.rcu_cpu_stall_timeout=120" \
	-serial "file:$vm/console.log" -serial "file:$vm/results.log" \
	>"$vm/qemu.log" 2>&1 || status=$?
tr -d '\r' <"$vm/results.log" | grep -v '^hostsig-'
rc=$(tr -d '\r' <"$vm/results.log" | sed -n 's/^hostsig-bench-status //p')
if [ "$status" -ne 0 ] || [ "$rc" != 0 ]; then
	echo "bench: the end-to-end benchmark failed (VM status $status, status ${rc:-none}):" >&2
	tail -n 20 "$vm/console.log" >&2
	exit 1
fi
