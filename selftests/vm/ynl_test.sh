#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own generic netlink client (tools/net/ynl/cli.py from
# Debian's linux-source-6.12), knowing hostsig only from
# Documentation/netlink/specs/hostsig.yaml, against the live module: it
# lists the commands, reads the counters, dumps components (all, and one
# VM's) and VMs, gets one component, sets and gets the global policy and a
# VM's own, and sees a timeout it configured turn a guest's component
# UNKNOWN (denied, through the guest's own QUERY). Runs in the test VM;
# TAP output like the C tests.
set -u

PY="/usr/bin/python3 -S"
export PYTHONPATH=/usr/lib/python3/dist-packages PYTHONDONTWRITEBYTECODE=1
CLI="/ynl/cli.py --spec /ynl/hostsig.yaml --no-schema --output-json"
tmp=/tmp/ynl_test
rm -rf "$tmp"
mkdir -p "$tmp"

n=0
failed=0
echo "TAP version 13"
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $*"; }
diag() { sed 's/^/# /' "$@"; }

# ynl NAME ARGS...: run the client, keep its output in $tmp/NAME.
ynl() {
	name=$1
	shift
	# shellcheck disable=SC2086 # PY and CLI are word lists
	$PY $CLI "$@" >"$tmp/$name" 2>&1
}

# check NAME PATTERN...: ok when the output of NAME has every pattern.
check() {
	name=$1
	shift
	for p in "$@"; do
		if ! grep -q -- "$p" "$tmp/$name"; then
			not_ok "ynl: $name"
			echo "# missing: $p"
			diag "$tmp/$name"
			return
		fi
	done
	ok "ynl: $name"
}

# wait_line FILE PATTERN: until FILE has a line matching PATTERN.
wait_line() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -gt 600 ] && return 1
		sleep 0.1
	done
}

if [ ! -x /usr/bin/python3 ] || [ ! -f /ynl/cli.py ]; then
	echo "1..0 # SKIP no Python or YNL client in this initramfs"
	exit 4
fi

start=$(cut -d' ' -f1 /proc/uptime)
$PY -c 'import yaml, socket, struct, json' >"$tmp/python" 2>&1 &&
	ok "ynl: python $($PY -c 'import sys; print(sys.version.split()[0])') with yaml runs" ||
	{ not_ok "ynl: python with yaml runs"; diag "$tmp/python"; }

# A guest with two components, which takes commands on a FIFO.
mkfifo "$tmp/cmd"
/bin/ynl_guest_helper <"$tmp/cmd" >"$tmp/guest" 2>&1 &
guest=$!
exec 4>"$tmp/cmd"
if ! wait_line "$tmp/guest" '^ready '; then
	not_ok "ynl: a guest with components"
	diag "$tmp/guest"
	echo "1..$n"
	exit 1
fi
ok "ynl: a guest with components"
vm=$(sed -n 's/^ready vm=\([0-9]*\) .*/\1/p' "$tmp/guest")
first=$(sed -n 's/^ready .* first=\([0-9]*\) .*/\1/p' "$tmp/guest")

ynl list-ops --list-ops
check list-ops "^verdict " "^get-component " "^get-vm " "^get-stats " \
	"^get-policy " "^set-policy " "^reverify "

# Every counter the spec names, and the values this guest implies.
counters=$(awk '/^    name: stats$/ { s = 1; next } s && /^  -$/ { exit }
	s && /^        name: / { print $2 }' /ynl/hostsig.yaml | grep -v '^unspec$\|^pad$')
ynl get-stats --do get-stats
# shellcheck disable=SC2046 # one pattern per counter
check get-stats '"registered": 2' '"components": 2' '"vms": 1' '"refused-inval": 0' \
	$(for c in $counters; do echo "\"$c\": "; done)

ynl dump-components --dump get-component
check dump-components '"name": "ynl-first"' '"name": "ynl-second"' \
	"\"vm-id\": $vm" '"state": "pending"' '"decision": "pending"' '"format": "pe"'

ynl dump-one-vm --dump get-component --json "{\"vm-id\": $vm}"
check dump-one-vm '"name": "ynl-first"' '"name": "ynl-second"'
ynl dump-other-vm --dump get-component --json "{\"vm-id\": $((vm + 1000))}"
if grep -q '"name"' "$tmp/dump-other-vm"; then
	not_ok "ynl: dump-other-vm"
	diag "$tmp/dump-other-vm"
else
	ok "ynl: dump-other-vm"
fi

ynl get-component --do get-component --json "{\"id\": $first}"
check get-component "\"id\": $first" '"name": "ynl-first"' '"size": 5300' \
	"\"vm-id\": $vm" '"verifications": 1'
ynl get-missing --do get-component --json '{"id": 999999}'
check get-missing 'rror'

ynl dump-vms --dump get-vm
check dump-vms "\"id\": $vm" '"components": 2' '"registered": 2' '"quarantined": 0'

ynl get-policy --do get-policy
check get-policy '"mode": "audit"' '"unknown": "allow"' '"timeout-ms": 30000'
ynl set-policy --do set-policy --json '{"mode": "enforce", "unknown": "deny", "timeout-ms": 12345}'
ynl get-policy-set --do get-policy
check get-policy-set '"mode": "enforce"' '"unknown": "deny"' '"timeout-ms": 12345'
ynl set-policy-back --do set-policy --json '{"mode": "audit", "unknown": "allow", "timeout-ms": 30000}'
ynl get-policy-back --do get-policy
check get-policy-back '"mode": "audit"' '"unknown": "allow"' '"timeout-ms": 30000'

# The VM's own policy: a short timeout, fail closed; a component
# registered now times out, and the guest's QUERY is denied.
ynl set-vm-policy --do set-policy --json \
	"{\"vm-id\": $vm, \"mode\": \"enforce\", \"unknown\": \"deny\", \"timeout-ms\": 200}"
ynl get-vm-policy --do get-policy --json "{\"vm-id\": $vm}"
check get-vm-policy "\"vm-id\": $vm" '"mode": "enforce"' '"unknown": "deny"' \
	'"timeout-ms": 200' '"override": 1'
echo register >&4
wait_line "$tmp/guest" '^late=' || true
late=$(sed -n 's/^late=\([0-9]*\)$/\1/p' "$tmp/guest")
i=0
while :; do
	ynl get-late --do get-component --json "{\"id\": ${late:-0}}"
	grep -q '"state": "pending"' "$tmp/get-late" || break
	i=$((i + 1))
	[ "$i" -gt 60 ] && break
	sleep 0.2
done
check get-late '"name": "ynl-late"' '"state": "unknown"' '"reason": "timeout"' \
	'"decision": "deny"'
echo query >&4
wait_line "$tmp/guest" '^query ' || true
# DENY (2) and UNKNOWN (5) in the uapi header's numbers.
check guest '^query decision=2 state=5$'

ynl reset-vm-policy --do set-policy --json "{\"vm-id\": $vm, \"reset\": true}"
ynl get-vm-policy-reset --do get-policy --json "{\"vm-id\": $vm}"
check get-vm-policy-reset '"mode": "audit"' '"override": 0'

# A value outside the enum is refused by the kernel (the client passes it).
ynl set-policy-bad --do set-policy --json '{"mode": 7}'
check set-policy-bad 'rror'

exec 4>&-
wait "$guest"
ok "ynl: took $(awk -v s="$start" '{ printf "%.1f", $1 - s }' /proc/uptime) s for $n checks"
echo "1..$n"
[ "$failed" -eq 0 ]
