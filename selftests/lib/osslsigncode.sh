#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The osslsigncode the verifier tests sign with and compare against.
# Debian 12's own (2.5) computes no digest for any UEFI image (Debian's
# signed shim and fwupd among them: "Invalid signature") and so is no
# oracle; bookworm-backports has 2.9, built for Debian 12 (it needs only
# libc, libssl3 and zlib). Its package is fetched from Debian's archive
# and unpacked under BUILD/cache/osslsigncode/, once per version; nothing
# is installed on the host.
#
#   osslsigncode.sh prepare BUILD   fetch and unpack it
#   osslsigncode.sh cmd BUILD       print the path of the program
#
# HOSTSIG_OSSLSIGNCODE=system uses the host's osslsigncode instead.
set -eu
. "$(dirname "$0")/debfetch.sh"

action=${1:?usage: osslsigncode.sh prepare|cmd BUILD}
build=${2:?usage: osslsigncode.sh prepare|cmd BUILD}
mkdir -p "$build"
build=$(cd "$build" && pwd)
top="$build/cache/osslsigncode"
suite=${HOSTSIG_OSSLSIGNCODE_SUITE:-bookworm-backports}

system() { [ "${HOSTSIG_OSSLSIGNCODE:-}" = system ]; }

current() {
	dir=$(cat "$top/current" 2>/dev/null) || return 1
	[ -x "$top/$dir/usr/bin/osslsigncode" ] || return 1
	echo "$top/$dir/usr/bin/osslsigncode"
}

prepare() {
	system && return 0
	current >/dev/null && return 0
	work="$top/apt"
	debfetch_setup "$work" "$suite"
	echo "osslsigncode.sh: fetching osslsigncode from Debian's $suite" >&2
	debfetch_apt "$work" update >&2
	(cd "$work" && debfetch_apt "$work" download "osslsigncode/$suite" >&2)
	deb=$(ls "$work"/osslsigncode_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { echo "osslsigncode.sh: no osslsigncode in $suite" >&2; return 1; }
	name="osslsigncode-$(dpkg-deb -f "$deb" Version | tr -c 'A-Za-z0-9.+~\n-' '_')"
	rm -rf "${top:?}/$name" "$top/$name.tmp"
	dpkg-deb -x "$deb" "$top/$name.tmp"
	"$top/$name.tmp/usr/bin/osslsigncode" --version >/dev/null 2>&1 ||
		{ echo "osslsigncode.sh: the unpacked osslsigncode does not run" >&2; return 1; }
	mv "$top/$name.tmp" "$top/$name"
	echo "$name" >"$top/current"
	rm -rf "$work"
}

cmd() {
	if system; then
		command -v osslsigncode
		return
	fi
	current || { echo "osslsigncode.sh: not prepared (osslsigncode.sh prepare)" >&2; return 1; }
}

case "$action" in
prepare) prepare ;;
cmd) cmd ;;
*) echo "usage: osslsigncode.sh prepare|cmd BUILD" >&2; exit 2 ;;
esac
