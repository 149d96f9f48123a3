#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Host-side unit tests: the uapi header compiles everywhere a party of
# hostsig includes it, and its ABI is pinned; the YNL spec describes the
# same netlink family (ynl_spec.sh); the emulator watchdog recognises the
# hang it is for and nothing else (emuwatch_test.py).
set -u
. "$SRCDIR/selftests/lib/tap.sh"

out="$BUILD/tests/unit"
mkdir -p "$out"
src="$SRCDIR/selftests/unit/uapi_test.c"
inc="-I$SRCDIR/include/uapi"

tap_begin
tap_run "uapi header: host userspace build (-Wall -Wextra -Werror)" \
	gcc -std=c11 -Wall -Wextra -Werror -pedantic $inc "$src" -o "$out/uapi_test"
if [ -x "$out/uapi_test" ]; then
	# Run it and fold its own TAP results into ours.
	"$out/uapi_test" >"$out/uapi_test.tap"
	rc=$?
	sed -n 's/^\(not \)\{0,1\}ok [0-9]* \(.*\)$/\1|\2/p' "$out/uapi_test.tap" |
	while IFS='|' read -r neg name; do
		[ -z "$neg" ] && echo "pass $name" || echo "fail $name"
	done >"$out/uapi_test.res"
	while read -r verdict name; do
		[ "$verdict" = pass ] && tap_ok "uapi macros: $name" || tap_not_ok "uapi macros: $name"
	done <"$out/uapi_test.res"
	[ "$rc" -eq 0 ] || tap_not_ok "uapi_test exited with $rc"
	[ -s "$out/uapi_test.res" ] || tap_not_ok "uapi_test printed no results"
fi
# Freestanding C as a guest proxy outside Linux sees it: no Linux headers.
tap_run "uapi header: freestanding build without Linux headers" \
	gcc -std=c99 -ffreestanding -nostdinc -U__linux__ \
	-isystem "$(gcc -print-file-name=include)" -Wall -Wextra -Werror \
	-DHOSTSIG_UAPI_COMPILE_ONLY $inc -c "$src" -o "$out/uapi_freestanding.o"
tap_run "uapi header: mingw-w64 (Windows guest proxy) build" \
	x86_64-w64-mingw32-gcc -std=c99 -ffreestanding -Wall -Wextra -Werror \
	-DHOSTSIG_UAPI_COMPILE_ONLY $inc -c "$src" -o "$out/uapi_mingw.o"
# The emulator watchdog's recogniser (selftests/vm/emuwatch.py).
python3 "$SRCDIR/selftests/unit/emuwatch_test.py" >"$out/emuwatch_test.tap"
rc=$?
# "pass NAME" or "fail NAME" per result, read without a pipe: tap.sh
# counts in this shell.
sed -n 's/^\(not \)\{0,1\}ok [0-9]* \(.*\)$/\1|\2/p' "$out/emuwatch_test.tap" |
	sed 's/^not |/fail /; s/^|/pass /' >"$out/emuwatch_test.res"
while read -r verdict name; do
	[ "$verdict" = pass ] && tap_ok "$name" || tap_not_ok "$name"
done <"$out/emuwatch_test.res"
[ "$rc" -eq 0 ] || tap_not_ok "emuwatch_test.py exited with $rc"
[ -s "$out/emuwatch_test.res" ] || tap_not_ok "emuwatch_test.py printed no results"
# The YNL spec against the kernel's YNL generator and client.
. "$SRCDIR/selftests/unit/ynl_spec.sh"
ynl_spec_checks
tap_done
