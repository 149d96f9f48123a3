# SPDX-License-Identifier: GPL-2.0
#
# Shell functions of the nested-guest tests (selftests/vm/*guest*_test.sh),
# sourced in the test VM as /nested/lib.sh. The test VM is the KVM host:
# hostsig.ko is loaded there (by /init), hostsigd and hostsigctl run there,
# and the nested guest (Debian's cloud kernel under the test VM's KVM,
# driven by /bin/nested-guest) loads modules through hostsig-guest.ko.
#
# The caller sets T (a scratch directory of its own) first.

NG=/bin/nested-guest
CTL=/bin/hostsigctl
REL=$(cat /nested/release 2>/dev/null)

# ---- TAP ---------------------------------------------------------------------
#
# One test is a block between check_begin and check_end NAME: every
# "fail REASON" in between makes it "not ok", with its reasons as
# diagnostics. Nothing is printed before check_end, so a test's line comes
# out whole.

n=0
failed=0
why=

tap_begin() { echo "TAP version 13"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
check_begin() { why=; }
fail() { why="$why${why:+
}$*"; }

check_end() {
	n=$((n + 1))
	if [ -z "$why" ]; then
		echo "ok $n $1"
	else
		failed=$((failed + 1))
		echo "not ok $n $1"
		diag "$why"
	fi
}

# skip NAME REASON
skip() {
	n=$((n + 1))
	echo "ok $n $1 # SKIP $2"
}

tap_end() {
	echo "1..$n"
	[ "$failed" -eq 0 ]
}

# ---- the host: hostsigd and hostsigctl ---------------------------------------------

# hsd_start DIR CERT...: hostsigd with the certificates as its trust store,
# its log (through a syslogd of its own) in DIR/messages.
hsd_start() {
	hsd=$1
	shift
	mkdir -p "$hsd/trust.d" "$hsd/deny.d"
	cp "$@" "$hsd/trust.d/" || return 1
	cat >"$hsd/hostsigd.conf" <<-EOF
	trust_dir = $hsd/trust.d
	deny_dir = $hsd/deny.d
	workers = 1
	user = 65534:65534
	worker_timeout = 600
	log_level = info
	EOF
	syslogd -n -O "$hsd/messages" &
	echo $! >"$hsd/syslogd.pid"
	/bin/hostsigd -c "$hsd/hostsigd.conf" -p "$hsd/hostsigd.pid"
}

# hsd_stop DIR: stop it and wait until it is gone (it holds /dev/hostsig,
# and with it hostsig.ko).
hsd_stop() {
	if [ -f "$1/hostsigd.pid" ]; then
		pid=$(cat "$1/hostsigd.pid")
		kill "$pid" 2>/dev/null
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do
			i=$((i + 1))
			sleep 0.1
		done
	fi
	[ -f "$1/syslogd.pid" ] && kill "$(cat "$1/syslogd.pid")" 2>/dev/null
	rm -f "$1/hostsigd.pid" "$1/syslogd.pid"
}

# The newest component named NAME (ids only grow), or nothing.
comp_of() {
	$CTL list | awk -v name="$1" '$3 == name { id = $1 } END { print id }'
}

# field ID KEY: what "hostsigctl show ID" says after "KEY:".
field() {
	$CTL show "$1" 2>/dev/null | sed -n "s/^  $2: *//p" | head -n 1
}

# The first word of a field (state, decision, verdict, counts).
word() { field "$1" "$2" | cut -d' ' -f1; }

# wait_word ID KEY VALUE [SECONDS]: until the field's first word is VALUE.
wait_word() {
	i=0
	while [ "$(word "$1" "$2")" != "$3" ]; do
		i=$((i + 1))
		[ "$i" -gt $((${4:-120} * 5)) ] && return 1
		sleep 0.2
	done
}

# A global counter of "hostsigctl stats".
stat_of() {
	$CTL stats | awk -v key="$1" '$1 == key":" || $1 == key { print $NF; exit }'
}

# expect_comp ID STATE DECISION VERDICT: fail unless the component is so.
expect_comp() {
	for kv in "state $2" "decision $3" "verdict $4"; do
		set -- "$1" "$2" "$3" "$4" ${kv}
		got=$(word "$1" "$5")
		[ "$got" = "$6" ] || fail "component $1: $5 is '$got', expected '$6'"
	done
}

show_comp() { $CTL show "$1" 2>&1; }

# ---- the nested guest --------------------------------------------------------------

# guest_start DIR: boot it; its state and console in DIR.
guest_start() {
	HSG_NESTED_TIMEOUT=${HSG_NESTED_TIMEOUT:-300} $NG start "$1"
}

# g DIR COMMAND: run COMMAND in the guest; its output, its status.
g() {
	HSG_NESTED_TIMEOUT=${HSG_NESTED_TIMEOUT:-300} $NG run "$@"
}

guest_stop() { $NG stop "$1"; }

# How often the guest's log has PATTERN (a fixed string).
guest_log_count() {
	g "$1" "dmesg | grep -c -F '$2'" 2>/dev/null | tail -n 1
}

# Whether the guest has a module named NAME loaded.
guest_has() {
	g "$1" "grep -q '^$2 ' /proc/modules"
}
