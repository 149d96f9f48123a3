# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the suites that check a module's runtime patch sites.

# table_sites MODULE: how many runtime patch sites the file's own tables
# list, from the section sizes alone (__jump_table entries of 16 bytes,
# __mcount_loc and .static_call_sites entries of 8), and the static call
# trampolines it defines (__SCT__ functions), not from the verifier.
table_sites() {
	_n=$(readelf -sW "$1" 2>/dev/null |
		awk '$8 ~ /^__SCT__/ && $7 ~ /^[0-9]+$/ && $4 == "FUNC" { n++ } END { print n + 0 }')
	while read -r _sec _type _addr _off _size _rest; do
		case $_sec in
		__jump_table) _n=$((_n + 0x$_size / 16)) ;;
		__mcount_loc|.static_call_sites) _n=$((_n + 0x$_size / 8)) ;;
		esac
	done <<-EOF2
	$(readelf -SW "$1" | sed -n 's/^ *\[ *[0-9]*\] *//p')
	EOF2
	echo "$_n"
}
