#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# hostsig-guest.ko, the Linux guest proxy, in a real nested guest (Debian's
# cloud kernel under the test VM's KVM) against every kind of host:
#
#   - no hostsig on the host: loads go on unverified, or are refused with
#     require_host=1; once hostsig.ko is back the proxy sees it;
#   - hostsig but no verifier: the policy's timeout makes the component
#     unknown; unknown=deny refuses the load, unknown=allow lets it go on;
#     with no timeout, the proxy's own query_timeout_ms and fail_open;
#   - a verifier (hostsigd trusting the guest kernel's built-in keys): the
#     loads the kernel makes in each way it can (finit_module(2) of a
#     file, of a compressed file on 6.12, init_module(2) from memory, a
#     forced load), each verified on what the loader really read;
#   - unloading a module unregisters it; unloading the proxy unregisters
#     every module it announced.
#
# Runs in the test VM as one of /init's tests; TAP on standard output.
set -u

T=/tmp/guest_proxy_test
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
P=/sys/module/hostsig_guest/parameters

# refused OUTPUT_FILE: insmod's complaint names the errno the proxy chose.
refused_with() { grep -q "$2" "$1" || fail "insmod did not fail with '$2': $(cat "$1")"; }

# ---- no hostsig on the host -------------------------------------------------------

check_begin
rmmod hostsig >"$T/out" 2>&1 || fail "rmmod hostsig: $(cat "$T/out")"
guest_start "$G" >"$T/out" 2>&1 || fail "the nested guest did not boot: $(cat "$T/out")"
g "$G" "insmod /lib/modules/hostsig-guest.ko" >"$T/out" 2>&1 ||
	fail "insmod hostsig-guest.ko: $(cat "$T/out")"
g "$G" "insmod /mods/crc7.ko" >"$T/out" 2>&1 || fail "insmod crc7: $(cat "$T/out")"
guest_has "$G" crc7 || fail "crc7 not loaded"
g "$G" "dmesg | grep hostsig_guest" >"$T/log" 2>&1
grep -q "no hostsig on the host (PROBE: -1000)" "$T/log" ||
	fail "the proxy did not say the host has no hostsig: $(cat "$T/log")"
check_end "no hostsig on the host: the proxy says so, loads go on unverified"

check_begin
g "$G" "echo 1 >$P/require_host" >/dev/null 2>&1 || fail "require_host=1"
g "$G" "insmod /mods/crc-itu-t.ko" >"$T/out" 2>&1 && fail "insmod succeeded"
refused_with "$T/out" "not permitted"
guest_has "$G" crc_itu_t && fail "crc_itu_t is loaded"
g "$G" "echo 0 >$P/require_host" >/dev/null 2>&1 || fail "require_host=0"
check_end "no hostsig on the host, require_host=1: loads refused (EPERM)"

# ---- hostsig, no verifier ----------------------------------------------------------

check_begin
insmod /lib/modules/hostsig.ko >"$T/out" 2>&1 || fail "insmod hostsig.ko: $(cat "$T/out")"
$CTL policy set mode=enforce unknown=deny timeout=2000 >"$T/out" 2>&1 ||
	fail "policy set: $(cat "$T/out")"
g "$G" "insmod /mods/crc-itu-t.ko" >"$T/out" 2>&1 && fail "insmod succeeded"
refused_with "$T/out" "rejected"
guest_has "$G" crc_itu_t && fail "crc_itu_t is loaded"
id=$(comp_of crc_itu_t)
[ -n "$id" ] || fail "no component crc_itu_t on the host"
[ -n "$id" ] && [ "$(word "$id" verdict)" = unknown ] && [ "$(word "$id" reason)" = timeout ] ||
	fail "not unknown/timeout: $(show_comp "$id")"
[ -n "$id" ] && [ "$(word "$id" format)" = elf-module ] || fail "format $(word "$id" format)"
[ -n "$id" ] && [ "$(word "$id" state)" = unloaded ] || fail "a refused module stays registered"
g "$G" "dmesg | grep hostsig_guest" >"$T/log" 2>&1
grep -q "the host runs hostsig" "$T/log" || fail "the proxy did not see hostsig come back"
check_end "hostsig without a verifier, timeout 2 s, unknown=deny: unknown (timeout), refused, unregistered"

check_begin
$CTL policy set unknown=allow >/dev/null 2>&1 || fail "policy set unknown=allow"
g "$G" "insmod /mods/crc-itu-t.ko" >"$T/out" 2>&1 || fail "insmod: $(cat "$T/out")"
guest_has "$G" crc_itu_t || fail "crc_itu_t not loaded"
id=$(comp_of crc_itu_t)
# The guest kernel writes the module's data once it runs; with no verdict
# the host knows no writable range, and that must not pass for tampering.
sleep 2
[ -n "$id" ] && expect_comp "$id" unknown allow unknown
[ -n "$id" ] && [ -n "$(word "$id" tampers)" ] && fail "tampers: $(field "$id" tampers)"
[ -n "$why" ] && fail "$(show_comp "$id")"
check_end "hostsig without a verifier, unknown=allow: unknown (timeout), loaded, its own writes no tamper"

check_begin
$CTL policy set unknown=deny timeout=none >/dev/null 2>&1 || fail "policy set timeout=none"
g "$G" "echo 1500 >$P/query_timeout_ms" >/dev/null 2>&1 || fail "query_timeout_ms"
g "$G" "insmod /mods/ts_bm.ko" >"$T/out" 2>&1 && fail "insmod succeeded with fail_open=0"
guest_has "$G" ts_bm && fail "ts_bm is loaded"
g "$G" "echo 1 >$P/fail_open" >/dev/null 2>&1 || fail "fail_open=1"
g "$G" "insmod /mods/ts_bm.ko" >"$T/out" 2>&1 || fail "insmod with fail_open=1: $(cat "$T/out")"
guest_has "$G" ts_bm || fail "ts_bm not loaded with fail_open=1"
id=$(comp_of ts_bm)
[ -n "$id" ] && [ "$(word "$id" state)" = unloaded ] ||
	fail "loaded without a decision but still registered: $(show_comp "$id")"
g "$G" "echo 0 >$P/fail_open; echo 60000 >$P/query_timeout_ms; rmmod ts_bm" >/dev/null 2>&1
check_end "no verdict and no host timeout: the proxy's query_timeout_ms, then fail_open decides"

# ---- with a verifier ------------------------------------------------------------------

check_begin
hsd_start "$HSD" /nested/certs/kernel/*.pem /nested/certs/trusted.pem >"$T/out" 2>&1 ||
	fail "hostsigd did not start: $(cat "$T/out")"
g "$G" "/bin/hsg-finit /mods/ts_bm.ko" >"$T/out" 2>&1 || fail "finit_module: $(cat "$T/out")"
id=$(comp_of ts_bm)
[ -n "$id" ] && expect_comp "$id" authentic allow authentic
g "$G" "rmmod ts_bm" >/dev/null 2>&1 || fail "rmmod ts_bm"
[ -n "$id" ] && [ "$(word "$id" state)" = unloaded ] || fail "still registered after rmmod: $(show_comp "$id")"
[ -n "$id" ] && [ "$(word "$id" "tracked pages")" = 0 ] || fail "pages still tracked after rmmod"
check_end "finit_module(2) of Debian's ts_bm: authentic, loaded; rmmod unregisters it"

check_begin
g "$G" "/bin/hsg-finit /mods/ts_bm.ko init" >"$T/out" 2>&1 || fail "init_module: $(cat "$T/out")"
id=$(comp_of ts_bm)
[ -n "$id" ] && expect_comp "$id" authentic allow authentic
g "$G" "rmmod ts_bm" >/dev/null 2>&1
check_end "init_module(2) of ts_bm from memory: authentic, loaded"

if [ -f /nested/mods/ts_fsm.ko.xz ]; then
	check_begin
	# MODULE_INIT_COMPRESSED_FILE: the kernel decompresses it itself.
	g "$G" "/bin/hsg-finit /mods/ts_fsm.ko.xz 4" >"$T/out" 2>&1 ||
		fail "finit_module of the compressed file: $(cat "$T/out")"
	id=$(comp_of ts_fsm)
	[ -n "$id" ] && expect_comp "$id" authentic allow authentic
	check_end "finit_module(2) of Debian's compressed ts_fsm.ko.xz, decompressed by the kernel: authentic"
else
	skip "finit_module(2) of a compressed module" "$REL ships its modules uncompressed"
fi

check_begin
before=$(guest_log_count "$G" "init Ran")
# MODULE_INIT_IGNORE_MODVERSIONS | MODULE_INIT_IGNORE_VERMAGIC: a forced
# load, which the guest's kernel takes whatever the module's signature.
g "$G" "/bin/hsg-finit /mods/hsg_hello-tampered.ko 3" >"$T/out" 2>&1 && fail "the forced load succeeded"
[ "$(guest_log_count "$G" "init Ran")" = "$before" ] || fail "the tampered init ran"
id=$(comp_of hsg_hello)
[ -n "$id" ] && [ "$(word "$id" verdict)" = not-authentic ] ||
	fail "verdict $(word "$id" verdict), expected not-authentic"
check_end "a forced load of a module changed after signing: not authentic, refused"

check_begin
g "$G" "insmod /mods/ts_kmp.ko" >"$T/out" 2>&1 || fail "insmod ts_kmp: $(cat "$T/out")"
id=$(comp_of ts_kmp)
[ -n "$id" ] && [ "$(word "$id" state)" = authentic ] || fail "ts_kmp: $(show_comp "$id")"
g "$G" "rmmod hostsig_guest" >"$T/out" 2>&1 || fail "rmmod hostsig_guest: $(cat "$T/out")"
[ -n "$id" ] && [ "$(word "$id" state)" = unloaded ] ||
	fail "ts_kmp still registered after the proxy went: $(show_comp "$id")"
guest_has "$G" ts_kmp || fail "ts_kmp was unloaded"
check_end "unloading the proxy unregisters the modules it announced (they stay loaded)"

check_begin
$NG check "$G" >"$T/out" 2>&1 || fail "$(cat "$T/out")"
check_end "the nested guest's kernel log: no warning, no report, no taint but O, E, F"

hsd_stop "$HSD"
guest_stop "$G" >/dev/null 2>&1
# The next test finds hostsig.ko as /init loaded it.
rmmod hostsig && insmod /lib/modules/hostsig.ko || echo "# could not reload hostsig.ko"
tap_end
