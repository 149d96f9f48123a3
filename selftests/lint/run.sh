#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel code hygiene as a test suite: checkpatch.pl --strict (from Debian's
# linux-source) on every kernel source and uapi header, and a sparse build
# of hostsig.ko for every installed kernel. Any report fails.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

tap_begin
scripts=$("$SRCDIR/selftests/lib/ksrc.sh" "$BUILD" 6.1 scripts) || {
	tap_not_ok "checkpatch.pl available"
	tap_done
}

cd "$SRCDIR" || exit 1
for f in $(git ls-files --cached --others --exclude-standard 'kmod/*.[ch]' 'include/*.h' 2>/dev/null || find kmod include -name '*.[ch]'); do
	out=$(perl "$scripts/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types -f "$f" 2>&1)
	rc=$?
	case "$out" in
	*ERROR*|*WARNING*|*CHECK*) rc=1 ;;
	esac
	[ "$rc" -ne 0 ] && tap_diag "$out"
	tap_result "checkpatch --strict $f" "$rc"
done

command -v sparse >/dev/null || { tap_not_ok "sparse installed"; tap_done; }
for k in ${HOSTSIG_KERNELS:-$("$SRCDIR/selftests/lib/kernels.sh")}; do
	dir="$BUILD/lint/$k"
	mkdir -p "$dir"
	cp -rsf "$SRCDIR/Kbuild" "$SRCDIR/kmod" "$SRCDIR/include" "$dir/"
	# C=2 checks every file whether or not it needs rebuilding.
	out=$(make -C "/lib/modules/$k/build" M="$dir" C=2 \
		CONFIG_DEBUG_INFO_BTF_MODULES= modules 2>&1)
	rc=$?
	reports=$(printf '%s\n' "$out" | grep -E '(warning|error):')
	[ -n "$reports" ] && rc=1
	if ! printf '%s\n' "$out" | grep -q '^ *CHECK '; then
		reports="sparse did not run"
		rc=1
	fi
	[ "$rc" -ne 0 ] && tap_diag "$reports"
	tap_result "sparse and compiler clean on $k" "$rc"
done
tap_done
