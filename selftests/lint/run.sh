#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Kernel code hygiene as a test suite: checkpatch.pl --strict (from Debian's
# linux-source) on every kernel source and uapi header, and a sparse build
# of hostsig.ko for every installed kernel and of hostsig-guest.ko (and the
# nested guest's test modules) for every installed cloud kernel. Any report
# fails.
set -u
. "$SRCDIR/selftests/lib/tap.sh"

tap_begin
scripts=$("$SRCDIR/selftests/lib/ksrc.sh" "$BUILD" 6.1 scripts) || {
	tap_not_ok "checkpatch.pl available"
	tap_done
}

cd "$SRCDIR" || exit 1
for f in $(git ls-files --cached --others --exclude-standard 'kmod/*.[ch]' 'include/*.h' 'selftests/nested/modules/*.[ch]' 2>/dev/null ||
	find kmod include selftests/nested/modules -name '*.[ch]'); do
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

# sparse_build NAME KDIR DIR: a sparse build of the module in DIR.
sparse_build() {
	# C=2 checks every file whether or not it needs rebuilding.
	# Without the caller's flags: "make -s lint" would hide the CHECK lines.
	out=$(MAKEFLAGS= make -C "$2" M="$3" C=2 CONFIG_DEBUG_INFO_BTF_MODULES= modules 2>&1)
	rc=$?
	reports=$(printf '%s\n' "$out" | grep -E '(warning|error):')
	[ -n "$reports" ] && rc=1
	if ! printf '%s\n' "$out" | grep -q '^ *CHECK '; then
		reports="sparse did not run"
		rc=1
	fi
	[ "$rc" -ne 0 ] && tap_diag "$reports"
	tap_result "$1" "$rc"
}

for k in ${HOSTSIG_KERNELS:-$("$SRCDIR/selftests/lib/kernels.sh")}; do
	dir="$BUILD/lint/$k"
	mkdir -p "$dir"
	cp -rsf "$SRCDIR/Kbuild" "$SRCDIR/kmod" "$SRCDIR/include" "$dir/"
	sparse_build "sparse and compiler clean on $k" "/lib/modules/$k/build" "$dir"
done

guests=$("$SRCDIR/selftests/nested/kernels.sh")
[ -n "$guests" ] || tap_skip "sparse on hostsig-guest.ko" "no cloud kernel headers installed"
for k in $guests; do
	dir="$BUILD/lint/guest-$k"
	mkdir -p "$dir/kmod" "$dir/selftests/nested"
	cp -rsf "$SRCDIR/kmod/guest" "$dir/kmod/"
	cp -rsf "$SRCDIR/include" "$dir/"
	cp -rsf "$SRCDIR/selftests/nested/modules" "$dir/selftests/nested/"
	sparse_build "sparse and compiler clean: hostsig-guest.ko on $k" \
		"/lib/modules/$k/build" "$dir/kmod/guest"
	sparse_build "sparse and compiler clean: nested test modules on $k" \
		"/lib/modules/$k/build" "$dir/selftests/nested/modules"
done
tap_done
