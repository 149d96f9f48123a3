#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The whole product with a real Linux guest: in the test VM (the KVM host,
# hostsig.ko loaded), hostsigd trusts the certificates built into the
# nested guest's own kernel (Debian's cloud kernel of the same series) and
# a test key; the nested guest loads hostsig-guest.ko, then modules:
#
#   - Debian's, as Debian signed them: crc7, ts_kmp, aes_ti (alternatives
#     and ftrace call sites), tcp_lp (jump labels and ftrace call sites):
#     authentic, allowed, loaded;
#   - a test module signed with the trusted test key: loaded; with an
#     untrusted key: unknown, refused under unknown=deny and loaded under
#     unknown=allow;
#   - modules changed after signing: not authentic, refused, init never run;
#   - the guest kernel's own writes after the loads (struct module,
#     ro_after_init, subsystem lists, freeing init memory): no tamper;
#   - a static key flipped in a loaded module: a write at a patch site,
#     verified again, authentic;
#   - a later capture (REVERIFY) long after the loader freed the file
#     buffer and the init allocations: authentic from the kept bytes;
#   - a byte of a loaded module's text changed by another module (the
#     "poke", as a rootkit would): a tamper, not authentic under enforce;
#     under quarantine the nested guest is stopped.
#
# Runs in the test VM as one of /init's tests; TAP on standard output.
set -u

T=/tmp/hostsigd_guest_test
rm -rf "$T"
mkdir -p "$T"
. /nested/lib.sh

tap_begin
if [ ! -x "$NG" ] || [ -z "$REL" ]; then
	echo "1..0 # SKIP no nested guest in this initramfs (no cloud kernel installed)"
	exit 4
fi
diag "nested guest: Debian's $REL"

G="$T/guest"
HSD="$T/hsd"

# ---- set up: the daemon, the policy, the guest, its proxy -------------------------

check_begin
hsd_start "$HSD" /nested/certs/kernel/*.pem /nested/certs/trusted.pem >"$T/hsd.out" 2>&1 ||
	fail "hostsigd did not start: $(cat "$T/hsd.out")"
$CTL policy set mode=enforce unknown=deny timeout=none >"$T/policy.out" 2>&1 ||
	fail "policy set: $(cat "$T/policy.out")"
$CTL watch >"$T/events" 2>&1 &
watch=$!
guest_start "$G" >"$T/start.out" 2>&1 || fail "the nested guest did not boot: $(cat "$T/start.out")"
g "$G" "insmod /lib/modules/hostsig-guest.ko" >"$T/proxy.out" 2>&1 ||
	fail "insmod hostsig-guest.ko: $(cat "$T/proxy.out")"
g "$G" "dmesg | grep hostsig_guest" >"$T/proxy.log" 2>&1
grep -q "the host runs hostsig" "$T/proxy.log" ||
	fail "the proxy did not see hostsig on the host: $(cat "$T/proxy.log")"
check_end "setup: hostsigd trusting $REL's built-in keys, the guest's proxy sees the host"
if [ -n "$why" ]; then
	kill "$watch" 2>/dev/null
	hsd_stop "$HSD"
	guest_stop "$G" >/dev/null 2>&1
	tap_end
	exit 1
fi

# load_ok NAME [TABLE...]: a Debian module loads as authentic. Each TABLE
# is a table of runtime patch sites it must have (jump_table,
# altinstructions, mcount_loc: their sizes are in /nested/mods/SITES, which
# readelf wrote when the initramfs was made), so that the test is about
# modules with those sites.
load_ok() {
	check_begin
	m=$1
	shift
	sites=$(awk -v m="$m" '$1 == m { $1 = ""; print }' /nested/mods/SITES)
	for table in "$@"; do
		count=$(echo "$sites" | tr ' ' '\n' | sed -n "s/^$table=//p")
		[ "${count:-0}" -gt 0 ] || fail "$m has no $table ($sites): a test of nothing"
	done
	set -- "$m"
	g "$G" "insmod /mods/$1.ko" >"$T/load.out" 2>&1 || fail "insmod $1: $(cat "$T/load.out")"
	guest_has "$G" "$1" || fail "$1 is not in the guest's /proc/modules"
	id=$(comp_of "$1")
	if [ -z "$id" ]; then
		fail "no component named $1 on the host"
	else
		expect_comp "$id" authentic allow authentic
		[ -n "$why" ] && fail "$(show_comp "$id")"
	fi
	check_end "Debian's $1 (bytes of site tables:$sites): authentic, allowed, loaded"
}

load_ok crc7
load_ok ts_kmp
load_ok aes_ti altinstructions mcount_loc
load_ok tcp_lp jump_table mcount_loc

# ---- test keys -----------------------------------------------------------------------

init_runs() { guest_log_count "$G" "hsg_hello: init ran"; }

check_begin
before=$(init_runs)
g "$G" "insmod /mods/hsg_hello-trusted.ko" >"$T/out" 2>&1 || fail "insmod: $(cat "$T/out")"
[ "$(init_runs)" = $((before + 1)) ] || fail "its init did not run once"
hello=$(comp_of hsg_hello)
[ -n "$hello" ] && expect_comp "$hello" authentic allow authentic
check_end "a module signed with a key the host trusts: authentic, loaded, init ran"
g "$G" "rmmod hsg_hello" >/dev/null 2>&1

check_begin
before=$(init_runs)
g "$G" "insmod /mods/hsg_hello-untrusted.ko" >"$T/out" 2>&1 && fail "insmod succeeded"
grep -q "rejected" "$T/out" || fail "insmod did not say the key was rejected: $(cat "$T/out")"
[ "$(init_runs)" = "$before" ] || fail "its init ran"
id=$(comp_of hsg_hello)
[ -n "$id" ] && [ "$id" != "$hello" ] || fail "no new component for it"
[ "$(word "$id" verdict)" = unknown ] || fail "verdict $(word "$id" verdict), expected unknown"
[ "$(word "$id" state)" = unloaded ] || fail "the refused module is still tracked: $(word "$id" state)"
check_end "signed with an untrusted key, unknown=deny: unknown, refused, init never ran"

check_begin
$CTL policy set unknown=allow >/dev/null || fail "policy set unknown=allow"
before=$(init_runs)
g "$G" "insmod /mods/hsg_hello-untrusted.ko" >"$T/out" 2>&1 || fail "insmod: $(cat "$T/out")"
[ "$(init_runs)" = $((before + 1)) ] || fail "its init did not run"
id=$(comp_of hsg_hello)
[ -n "$id" ] && expect_comp "$id" unknown allow unknown
$CTL policy set unknown=deny >/dev/null || fail "policy set unknown=deny"
g "$G" "rmmod hsg_hello" >/dev/null 2>&1
check_end "signed with an untrusted key, unknown=allow: unknown, loaded"

# ---- tampered files --------------------------------------------------------------------

check_begin
g "$G" "insmod /mods/hsg_hello-tampered.ko" >"$T/out" 2>&1 && fail "insmod succeeded"
[ "$(guest_log_count "$G" "init Ran")" = 0 ] || fail "the tampered init ran"
id=$(comp_of hsg_hello)
[ -n "$id" ] && [ "$(word "$id" verdict)" = not-authentic ] ||
	fail "verdict $(word "$id" verdict), expected not-authentic: $(show_comp "$id")"
check_end "a test module changed after signing: not authentic, refused, its init never ran"

check_begin
old=$(comp_of ts_kmp)
g "$G" "rmmod ts_kmp" >/dev/null 2>&1 || fail "rmmod ts_kmp"
# The guest's kernel knows Debian's key and would refuse this file itself
# (a signature that does not verify is fatal even when signatures are not
# enforced); a forced load (MODULE_INIT_IGNORE_MODVERSIONS and _VERMAGIC)
# skips that check, as a compromised guest can.
g "$G" "/bin/hsg-finit /mods/ts_kmp-tampered.ko 3" >"$T/out" 2>&1 && fail "the load succeeded"
guest_has "$G" ts_kmp && fail "ts_kmp is loaded"
id=$(comp_of ts_kmp)
if [ -z "$id" ] || [ "$id" = "$old" ]; then
	fail "not registered: $(cat "$T/out"); the guest: $(g "$G" 'dmesg | tail -n 4')"
elif [ "$(word "$id" verdict)" != not-authentic ]; then
	fail "verdict $(word "$id" verdict), expected not-authentic: $(show_comp "$id")"
fi
check_end "Debian's ts_kmp changed after signing, forced past the guest's own check: not authentic, refused"

# ---- what the guest kernel writes by itself ----------------------------------------------

check_begin
g "$G" "insmod /mods/hsg_hello-trusted.ko" >"$T/out" 2>&1 || fail "insmod: $(cat "$T/out")"
hello=$(comp_of hsg_hello)
# Init memory is freed by a worker after init; subsystems link modules in.
g "$G" "sleep 3; cat /proc/modules /proc/sys/net/ipv4/tcp_available_congestion_control" \
	>"$T/out" 2>&1
grep -q "lp" "$T/out" || fail "tcp_lp did not register its congestion control: $(cat "$T/out")"
sleep 2
[ "$(stat_of tampers)" = 0 ] || fail "tampers counted: $(stat_of tampers)"
grep "tamper" "$T/events" && fail "tamper events: $(grep tamper "$T/events")"
for m in crc7 aes_ti tcp_lp hsg_hello; do
	id=$(comp_of "$m")
	[ "$(word "$id" state)" = authentic ] || fail "$m: $(show_comp "$id")"
done
check_end "the guest kernel's own writes after the loads (module state, subsystems, init freed): no tamper"

# ---- later captures: patch sites, REVERIFY -------------------------------------------------

check_begin
v=$(word "$hello" verifications)
g "$G" "echo 1 >/sys/module/hsg_hello/parameters/key && dmesg | tail -n 1" >"$T/out" 2>&1 ||
	fail "flipping the key: $(cat "$T/out")"
grep -q "answer 43" "$T/out" || fail "the key did not flip: $(cat "$T/out")"
i=0
while [ "$(word "$hello" verifications)" = "$v" ] && [ "$i" -lt 300 ]; do
	i=$((i + 1))
	sleep 0.2
done
wait_word "$hello" state authentic 120 || fail "not authentic again: $(show_comp "$hello")"
[ "$(word "$hello" verifications)" -gt "$v" ] || fail "not verified again"
[ "$(word "$hello" patches)" -gt 0 ] 2>/dev/null || fail "no write at a patch site seen"
[ "$(word "$hello" tampers)" = "" ] || fail "tampers: $(field "$hello" tampers)"
grep -q "patched.*name=hsg_hello" "$T/events" || fail "no patched event"
check_end "a static key flipped in a loaded module: a patch, verified again, authentic"

check_begin
id=$(comp_of crc7)
v=$(word "$id" verifications)
$CTL reverify "$id" >"$T/out" 2>&1 || fail "reverify: $(cat "$T/out")"
wait_word "$id" state authentic 120 || fail "not authentic: $(show_comp "$id")"
[ "$(word "$id" verifications)" = $((v + 1)) ] || fail "verifications $(word "$id" verifications), expected $((v + 1))"
check_end "REVERIFY after the guest freed the file buffer and init memory: authentic from the kept bytes"

# ---- the poke ------------------------------------------------------------------------------

# The address of hsg_hello_plain() (no patch site there), from its init.
plain() {
	g "$G" "dmesg | sed -n 's/.*plain code at \(0x[0-9a-f]*\).*/\1/p' | tail -n 1"
}

check_begin
addr=$(plain)
[ -n "$addr" ] || fail "hsg_hello did not say where its code is"
t=$(word "$hello" tampers)
g "$G" "insmod /mods/hsg_poke-trusted.ko addr=$addr value=0xcc && rmmod hsg_poke" >"$T/out" 2>&1 ||
	fail "the poke: $(cat "$T/out")"
i=0
while ! grep -q "tamper.*component=$hello" "$T/events" && [ "$i" -lt 600 ]; do
	i=$((i + 1))
	sleep 0.2
done
grep -q "tamper.*component=$hello" "$T/events" || fail "no tamper event for component $hello"
wait_word "$hello" state not-authentic 120 ||
	fail "not not-authentic after the poke: $(show_comp "$hello")"
[ "$(word "$hello" decision)" = deny ] || fail "decision $(word "$hello" decision)"
g "$G" true >/dev/null 2>&1 || fail "the guest stopped under enforce"
check_end "a byte of a loaded module's text written by another module (enforce): tamper, not authentic, the guest runs on"

check_begin
$NG check "$G" >"$T/check.out" 2>&1 || fail "$(cat "$T/check.out")"
check_end "the nested guest's kernel log: no warning, no report, no taint but O, E, F"

check_begin
# A fresh, authentic hsg_hello first: the one poked above is not authentic
# (under quarantine the verdict would have stopped the guest already).
g "$G" "rmmod hsg_hello" >"$T/out" 2>&1 || fail "rmmod hsg_hello: $(cat "$T/out")"
$CTL policy set mode=quarantine >/dev/null || fail "policy set mode=quarantine"
g "$G" "insmod /mods/hsg_hello-trusted.ko" >"$T/out" 2>&1 ||
	fail "loading hsg_hello again: $(cat "$T/out")"
hello=$(comp_of hsg_hello)
addr=$(plain)
q=$(stat_of quarantines)
HSG_NESTED_TIMEOUT=60 g "$G" "insmod /mods/hsg_poke-trusted.ko addr=$addr value=0xcc; echo still running" \
	>"$T/out" 2>&1 && grep -q "still running" "$T/out" &&
	fail "the guest kept running after the poke"
i=0
while [ "$(stat_of quarantines)" = "$q" ] && [ "$i" -lt 300 ]; do
	i=$((i + 1))
	sleep 0.2
done
[ "$(stat_of quarantines)" = $((q + 1)) ] || fail "quarantines: $q before, $(stat_of quarantines) after"
grep -q "quarantine.*component=$hello" "$T/events" ||
	fail "no quarantine event naming component $hello: $(grep quarantine "$T/events")"
# Its VMM sees KVM_RUN fail (EIO) and the VM goes: no answer any more.
HSG_NESTED_TIMEOUT=20 g "$G" true >/dev/null 2>&1 && fail "the guest still answers"
check_end "the same poke under quarantine: the nested guest is stopped"

# ---- done ----------------------------------------------------------------------------------

kill "$watch" 2>/dev/null
hsd_stop "$HSD"
# The guest was stopped on purpose: its log was checked while it ran.
HSG_NESTED_TIMEOUT=5 guest_stop "$G" >"$T/stop.out" 2>&1
# The next test finds hostsig.ko as /init loaded it.
rmmod hostsig && insmod /lib/modules/hostsig.ko || echo "# could not reload hostsig.ko"
tap_end
