# SPDX-License-Identifier: GPL-2.0
#
# Sourced: fetch packages from Debian's archive with an apt state of our
# own, so that nothing is installed on the host and its apt configuration
# is neither needed nor changed (qemu.sh, osslsigncode.sh).
#
#   debfetch_setup WORK SUITE...   a fresh state in WORK whose sources are
#                                  those suites' main on this machine's
#                                  Debian mirror, as if nothing were
#                                  installed (dependencies resolve to the
#                                  same suites, none to the host)
#   debfetch_apt WORK ARGS...      apt-get ARGS with that state

# Debian's mirror as this machine's apt knows it.
debfetch_mirror() {
	_uri=$(grep -hsE '^(deb |URIs:)' /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | grep -v security | head -n 1 | tr -d ' ')
	echo "${_uri:-http://deb.debian.org/debian}"
}

debfetch_setup() {
	_work=$1
	shift
	rm -rf "$_work"
	mkdir -p "$_work/etc/preferences.d" "$_work/etc/sources.list.d" \
		"$_work/state/lists/partial" "$_work/cache/archives/partial"
	_m=$(debfetch_mirror)
	for _s in "$@"; do
		printf 'deb %s %s main\n' "$_m" "$_s"
	done >"$_work/etc/sources.list"
	: >"$_work/status"
}

debfetch_apt() {
	_work=$1
	shift
	apt-get -o "Dir::Etc::sourcelist=$_work/etc/sources.list" \
		-o "Dir::Etc::sourceparts=$_work/etc/sources.list.d" \
		-o "Dir::Etc::preferencesparts=$_work/etc/preferences.d" \
		-o "Dir::State=$_work/state" -o "Dir::State::status=$_work/status" \
		-o "Dir::Cache=$_work/cache" -o "APT::Architecture=amd64" \
		-o "APT::Architectures=amd64" -o "APT::Install-Recommends=0" \
		-o "Debug::NoLocking=1" -q "$@"
}
