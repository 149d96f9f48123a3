#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The emulator that runs the test VMs. Debian 12's QEMU 7.2 hangs the test
# VM now and then after nested-guest activity (its SVM emulation raises
# interrupt requests without the big lock: Documentation/testing.rst) and
# aborts at once on a nested UEFI guest. QEMU from Debian 13's backports
# does neither, so the tests run that one, unpacked from Debian's own
# packages into a root of its own under BUILD/cache/qemu/ and started
# through that root's dynamic loader: nothing is installed on the host,
# nothing comes from outside Debian's archive.
#
#   qemu.sh prepare BUILD   fetch and unpack it, once per QEMU version
#   qemu.sh cmd BUILD       print the command that starts it (words
#                           without spaces, for word splitting)
#   qemu.sh version BUILD   print its version
#
# HOSTSIG_QEMU=system falls back to Debian 12's own qemu-system-x86_64
# (documented in testing.rst: expect the hang the watchdog reports).
# HOSTSIG_QEMU_SUITE (default trixie-backports) picks where it comes from.
set -eu

action=${1:?usage: qemu.sh prepare|cmd|version BUILD}
build=${2:?usage: qemu.sh prepare|cmd|version BUILD}
mkdir -p "$build"
build=$(cd "$build" && pwd)
top="$build/cache/qemu"
suite=${HOSTSIG_QEMU_SUITE:-trixie-backports}
release=${suite%%-*}

system() { [ "${HOSTSIG_QEMU:-}" = system ]; }

# The root of the version prepared last (a directory name in $top).
current() {
	root=$(cat "$top/current" 2>/dev/null) || return 1
	[ -x "$top/$root/usr/bin/qemu-system-x86_64" ] || return 1
	echo "$top/$root"
}

# Debian's mirror as this machine's apt knows it.
mirror() {
	uri=$(grep -hsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
	echo "${uri:-http://deb.debian.org/debian}"
}

prepare() {
	system && return 0
	key=$(sha256sum <"$0" | cut -c1-16)
	if root=$(current) && [ "$(cat "$root.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	mkdir -p "$top"
	work="$top/apt"
	rm -rf "$work"
	mkdir -p "$work/etc/preferences.d" "$work/etc/sources.list.d" \
		"$work/state/lists/partial" \
		"$work/cache/archives/partial" "$work/debs"
	m=$(mirror)
	printf 'deb %s %s main\ndeb %s %s main\n' "$m" "$release" "$m" "$suite" \
		>"$work/etc/sources.list"
	# Resolved as if nothing were installed: every library it needs
	# comes from the same release, none from the host.
	: >"$work/status"
	set -- -o "Dir::Etc::sourcelist=$work/etc/sources.list" \
		-o "Dir::Etc::sourceparts=$work/etc/sources.list.d" \
		-o "Dir::Etc::preferencesparts=$work/etc/preferences.d" \
		-o "Dir::State=$work/state" -o "Dir::State::status=$work/status" \
		-o "Dir::Cache=$work/cache" -o "APT::Architecture=amd64" \
		-o "APT::Architectures=amd64" -o "APT::Install-Recommends=0" \
		-o "Debug::NoLocking=1" -q
	echo "qemu.sh: fetching qemu-system-x86 from Debian's $suite" >&2
	apt-get "$@" update >&2
	apt-get "$@" -t "$suite" -y --download-only install qemu-system-x86 >&2
	version=$(dpkg-deb -f "$work"/cache/archives/qemu-system-x86_*.deb Version) ||
		{ echo "qemu.sh: no qemu-system-x86 from $suite" >&2; return 1; }
	name="qemu-$(echo "$version" | tr -c 'A-Za-z0-9.+~\n-' '_')"
	rm -rf "${top:?}/$name" "$top/$name.tmp"
	mkdir -p "$top/$name.tmp"
	for deb in "$work"/cache/archives/*.deb; do
		dpkg-deb -x "$deb" "$top/$name.tmp"
	done
	# Debian 13 keeps its libraries in /usr only.
	[ -x "$top/$name.tmp/usr/lib64/ld-linux-x86-64.so.2" ] ||
		{ echo "qemu.sh: no dynamic loader in the unpacked root" >&2; return 1; }
	echo "$version" >"$top/$name.tmp/hostsig-qemu-version"
	mv "$top/$name.tmp" "$top/$name"
	echo "$key" >"$top/$name.key"
	echo "$name" >"$top/current"
	# Earlier versions and the download go.
	for old in "$top"/qemu-*; do
		case "$old" in
		"$top/$name"|"$top/$name.key") ;;
		*) rm -rf "$old" ;;
		esac
	done
	rm -rf "$work"
	"$0" version "$build" >/dev/null
}

cmd() {
	if system; then
		echo qemu-system-x86_64
		return 0
	fi
	root=$(current) || { echo "qemu.sh: not prepared (qemu.sh prepare)" >&2; return 1; }
	# Its modules (display, audio) from its own root, though the tests
	# need none of them.
	echo env "QEMU_MODULE_DIR=$root/usr/lib/x86_64-linux-gnu/qemu" \
		"$root/usr/lib64/ld-linux-x86-64.so.2" \
		--library-path "$root/usr/lib/x86_64-linux-gnu" \
		"$root/usr/bin/qemu-system-x86_64" -L "$root/usr/share/qemu"
}

version() {
	words=$(cmd) || return 1
	# shellcheck disable=SC2086 # the command's words
	$words -version | head -n 1
}

case "$action" in
prepare) prepare ;;
cmd) cmd ;;
version) version ;;
*) echo "usage: qemu.sh prepare|cmd|version BUILD" >&2; exit 2 ;;
esac
