# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec (Documentation/netlink/specs/hostsig.yaml) against the
# kernel's own YNL tools from Debian's linux-source-6.12: the code
# generator accepts it (after validating it against the genetlink-c
# schema), and the uapi header it generates agrees with
# include/uapi/linux/hostsig.h on every name and value, checked by the
# compiler; the generic client loads it and lists its operations.
#
# Sourced by selftests/unit/run.sh (tap.sh already loaded): defines
# ynl_spec_checks, which emits TAP results.

# Enums of the uapi header that are not part of the netlink family.
YNL_NOT_NETLINK="hostsig_region_kind hostsig_elf_tag"
# Values the family defines but YNL has no way to spell.
YNL_NOT_SPELLABLE="HOSTSIG_CMD_UNSPEC"

# ynl_names HEADER: every enumerator and #define named HOSTSIG_* or
# __HOSTSIG_*, one per line, as "NAME enum-or-define".
ynl_names() {
	awk '
		/^[ \t]*enum [a-z_]+ *\{/ { inenum = 1; split($0, w, /[ \t{]+/); ename = w[2]; next }
		inenum && /^[ \t]*\}/ { inenum = 0; next }
		inenum && match($0, /^[ \t]*_*HOSTSIG_[A-Z0-9_]+/) {
			name = substr($0, RSTART, RLENGTH); gsub(/[ \t]/, "", name)
			print name, ename; next
		}
		/^#define _*HOSTSIG_[A-Z0-9_]+[ \t]/ { print $2, "define" }
	' "$1"
}

ynl_spec_checks() {
	spec="$SRCDIR/Documentation/netlink/specs/hostsig.yaml"
	# Debian's Python, with the packages deps.sh installs for it.
	python=/usr/bin/python3
	[ -x "$python" ] || python=python3
	out="$BUILD/tests/unit/ynl"
	rm -rf "$out"
	mkdir -p "$out"

	first=$(head -n 1 "$spec")
	tap_result "ynl spec: licence is ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)" \
		"$([ "$first" = "# SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)" ]; echo $?)"

	if ! ynl=$("$SRCDIR/selftests/lib/ksrc.sh" "$BUILD" 6.12 ynl 2>"$out/ksrc.log"); then
		tap_diag "$(cat "$out/ksrc.log")"
		tap_not_ok "ynl spec: the kernel's YNL tools (linux-source-6.12)"
		return
	fi
	if ! "$python" -c 'import yaml, jsonschema' 2>"$out/python.log"; then
		tap_diag "$(cat "$out/python.log")" "needs python3-yaml and python3-jsonschema"
		tap_not_ok "ynl spec: python3 with yaml and jsonschema"
		return
	fi

	# A scratch kernel tree: the generator looks upward for MAINTAINERS
	# (and never stops without one), the schemas sit two levels above
	# the spec as in the kernel.
	scratch="$out/tree"
	mkdir -p "$scratch/Documentation/netlink/specs"
	: >"$scratch/MAINTAINERS"
	cp "$ynl"/Documentation/netlink/*.yaml "$scratch/Documentation/netlink/"
	cp "$spec" "$scratch/Documentation/netlink/specs/hostsig.yaml"

	tap_run "ynl spec: ynl-gen-c.py --mode uapi --header accepts it" \
		sh -c "cd '$scratch' && timeout 120 '$python' '$ynl/tools/net/ynl/ynl-gen-c.py' \
			--mode uapi --header --spec Documentation/netlink/specs/hostsig.yaml \
			-o '$out/generated.h'"
	# The client itself needs the family in the running kernel (the test
	# VM runs it); here its library parses the spec and lists the ops.
	tap_run "ynl spec: the YNL library parses it, with every command and the events group" \
		sh -c "cd '$scratch' && PYTHONPATH='$ynl/tools/net/ynl' timeout 120 '$python' -c '
from lib import SpecFamily
f = SpecFamily(\"Documentation/netlink/specs/hostsig.yaml\")
for op in f.msgs.values():
    print(op.name, op.value)
print(\"mcgrp\", *f.mcast_groups)
' >'$out/ops' &&
			for want in \"verdict 1\" \"get-component 2\" \"get-vm 3\" \"get-stats 4\" \
				    \"get-policy 5\" \"set-policy 6\" \"reverify 7\" \"event 8\" \"mcgrp events\"; do
				grep -qx \"\$want\" '$out/ops' || { echo \"missing: \$want\"; cat '$out/ops'; exit 1; }
			done"
	[ -s "$out/generated.h" ] || return

	# Every name the generator made, under a prefix of its own so both
	# headers fit in one translation unit; a static assertion per integer
	# and a string comparison per string.
	ynl_names "$out/generated.h" >"$out/generated.names"
	sed -e 's/\b__HOSTSIG_/__GEN_HOSTSIG_/g' -e 's/\bHOSTSIG_/GEN_HOSTSIG_/g' \
		-e 's/\benum hostsig_/enum gen_hostsig_/g' \
		-e 's/_UAPI_LINUX_HOSTSIG_H/GEN_UAPI_LINUX_HOSTSIG_H/g' \
		"$out/generated.h" >"$out/generated_renamed.h"
	{
		echo '#include <stdio.h>'
		echo '#include <string.h>'
		echo '#include <linux/hostsig.h>'
		echo '#include "generated_renamed.h"'
		while read -r name kind; do
			gen=$(echo "$name" | sed -e 's/^__HOSTSIG_/__GEN_HOSTSIG_/' -e 's/^HOSTSIG_/GEN_HOSTSIG_/')
			if grep -q "^#define $name[[:space:]]*\"" "$out/generated.h"; then
				echo "static const char check_$name[] = $name;"
				echo "static const char gen_$name[] = $gen;"
			else
				echo "_Static_assert((long long)$gen == (long long)$name, \"$name\");"
			fi
		done <"$out/generated.names"
		echo 'int main(void)'
		echo '{'
		echo '	int bad = 0;'
		while read -r name kind; do
			grep -q "^#define $name[[:space:]]*\"" "$out/generated.h" || continue
			printf '\tif (strcmp(check_%s, gen_%s)) {\n' "$name" "$name"
			printf '\t\tprintf("%%s: %%s here, %%s in the spec\\n", "%s", check_%s, gen_%s);\n' \
				"$name" "$name" "$name"
			printf '\t\tbad = 1;\n\t}\n'
		done <"$out/generated.names"
		echo '	return bad;'
		echo '}'
	} >"$out/agree.c"
	tap_run "ynl spec: the generated header agrees with ours on $(wc -l <"$out/generated.names") names (compiled)" \
		sh -c "gcc -std=c11 -Wall -Werror -I'$SRCDIR/include/uapi' -I'$out' \
			'$out/agree.c' -o '$out/agree' && '$out/agree'"

	# The other way round: every name of the netlink family in our header
	# is in the spec.
	ynl_names "$SRCDIR/include/uapi/linux/hostsig.h" >"$out/ours.names"
	missing=
	while read -r name kind; do
		case " $YNL_NOT_NETLINK " in *" $kind "*) continue ;; esac
		case " $YNL_NOT_SPELLABLE " in *" $name "*) continue ;; esac
		[ "$kind" = define ] && continue
		grep -q "^$name " "$out/generated.names" || missing="$missing $name"
	done <"$out/ours.names"
	for name in HOSTSIG_GENL_NAME HOSTSIG_GENL_VERSION HOSTSIG_GENL_MCGRP_EVENTS \
		    HOSTSIG_NAME_LEN HOSTSIG_REASON_LEN HOSTSIG_MESSAGE_LEN \
		    HOSTSIG_DIGEST_MAX HOSTSIG_DIGEST_ALG_LEN HOSTSIG_CMD_MAX \
		    HOSTSIG_A_COMP_MAX HOSTSIG_A_VM_MAX HOSTSIG_A_STATS_MAX \
		    HOSTSIG_A_POLICY_MAX; do
		grep -q "^$name " "$out/generated.names" || missing="$missing $name"
	done
	[ -n "$missing" ] && tap_diag "in include/uapi/linux/hostsig.h but not in the spec:$missing"
	tap_result "ynl spec: describes every enum and attribute of the family" \
		"$([ -z "$missing" ]; echo $?)"
}
