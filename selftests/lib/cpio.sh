# SPDX-License-Identifier: GPL-2.0
#
# Write cpio "newc" entries that need no privileges to create: directories
# and device nodes (mknod would need root). Source it; the caller
# concatenates the output with archives made by cpio(1).

_cpio_ino=1000

# cpio_header NAME MODE RDEV_MAJOR RDEV_MINOR
cpio_header() {
	_cpio_ino=$((_cpio_ino + 1))
	_namesize=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$_cpio_ino" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$_namesize" 0
	printf '%s\0' "$1"
	# Header (110 bytes) plus name padded to a multiple of 4.
	_pad=$(((4 - (110 + _namesize) % 4) % 4))
	[ "$_pad" -gt 0 ] && head -c "$_pad" /dev/zero
	return 0
}

cpio_dir() { cpio_header "$1" $((0040000 | 0755)) 0 0; }
cpio_chardev() { cpio_header "$1" $((0020000 | 0600)) "$2" "$3"; }
cpio_trailer() {
	cpio_header "TRAILER!!!" 0 0 0
	# Keep the next concatenated archive 4-byte aligned.
	head -c 512 /dev/zero
}
