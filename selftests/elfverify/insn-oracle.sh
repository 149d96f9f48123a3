#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The verifier's x86 instruction decoder against objdump: the same
# instruction boundaries in every executable section of each module given.
#
# usage: insn-oracle.sh TOOLS_DIR MODULE.ko...
set -u
tools=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 insns=0 bad=0
for m in "$@"; do
	objdump -d -w --insn-width=16 "$m" 2>/dev/null | awk -F'\t' '
		/^Disassembly of section/ {
			sec = $0; sub(/^Disassembly of section /, "", sec); sub(/:$/, "", sec); next
		}
		/^ *[0-9a-f]+:\t/ {
			o = $1; sub(/^ */, "", o); sub(/:$/, "", o); sub(/^0+/, "", o)
			if (o == "") o = "0"
			printf "%s %s %d\n", sec, o, split($2, b, " ")
		}' >"$tmp/objdump"
	"$tools/insn-walk" "$m" >"$tmp/ours" || { bad=$((bad + 1)); continue; }
	n=$((n + 1))
	insns=$((insns + $(wc -l <"$tmp/ours")))
	if ! cmp -s "$tmp/objdump" "$tmp/ours"; then
		bad=$((bad + 1))
		echo "$m: first difference (objdump, ours):"
		diff "$tmp/objdump" "$tmp/ours" | head -n 4
	fi
done
echo "$n modules, $insns instructions, $bad differing"
[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
