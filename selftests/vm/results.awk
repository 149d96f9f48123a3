# SPDX-License-Identifier: GPL-2.0
#
# Turn what a test VM reported on its results port (see init) into verdicts,
# one per line, tab-separated:
#   PASS <name>   FAIL <name>   SKIP <name> <reason>   DIAG <text>
# Variables: kernel (a label for the names), expected (space-separated test
# programs that must have run), vmstatus (boot.sh's exit status).
#
# Every kselftest result line of every program becomes one verdict. Besides
# those, the run fails when: a program's plan disagrees with its results, a
# program exits non-zero without a failed test (crash, timeout), an expected
# program never ran, the kernel log has a warning, oops, sanitizer or lockdep
# report, the kernel is tainted beyond out-of-tree/unsigned modules, or the
# VM did not get to the end.

function verdict(kind, name, extra) {
	printf "%s\t%s: %s%s\n", kind, kernel, name, (extra == "" ? "" : "\t" extra)
}
function diag(text) { printf "DIAG\t%s\n", text }

BEGIN {
	FS = "\n"
	n_expected = split(expected, want, " ")
	# Reports that must never appear in the kernel log of a test run.
	bad = "WARNING:|BUG:|Oops|general protection fault|Kernel panic|" \
	      "Call Trace:|KASAN:|UBSAN:|kmemleak:.*(suspected|unreferenced)|" \
	      "unreferenced object|sleeping function called from invalid context|" \
	      "possible circular locking|possible recursive locking|" \
	      "inconsistent lock state|suspicious RCU usage|detected stalls? on|" \
	      "self-detected stall|blocked for more than|list_(add|del) corruption|" \
	      "refcount_t:|segfault at|stack-protector|double fault"
}

{ sub(/\r$/, "") }

/^hostsig-begin / {
	test = $0; sub(/^hostsig-begin /, "", test)
	ran[test] = 1; in_test = 1
	results = 0; failed = 0; plan = -1
	next
}
/^hostsig-end / {
	split($0, f, " ")
	rc = f[3] + 0
	in_test = 0; ended[test] = 1
	if (plan >= 0 && plan != results)
		verdict("FAIL", test ": planned " plan " tests, " results " reported")
	if (rc == 124 || rc == 143)
		verdict("FAIL", test ": timed out")
	else if (rc == 4 && results == 0)
		verdict("SKIP", test, "the program skipped itself")
	else if (rc != 0 && failed == 0)
		verdict("FAIL", test ": exited with status " rc " without a failed test")
	next
}
/^hostsig-time / { diag(kernel ": " $0); next }
/^hostsig-note / { diag(kernel ": " $0); next }
/^hostsig-error / { m = $0; sub(/^hostsig-error /, "", m); verdict("FAIL", m); next }
/^hostsig-tainted / {
	taint = $2 + 0; split($0, f, " "); taint = f[2] + 0
	# 4096: out-of-tree module (O), 8192: unsigned module (E).
	allowed = 4096 + 8192
	rest = taint
	if (int(rest / 8192) % 2) rest -= 8192
	if (int(rest / 4096) % 2) rest -= 4096
	if (rest) verdict("FAIL", "kernel tainted beyond O and E (tainted=" taint ")")
	else verdict("PASS", "kernel not tainted beyond O and E")
	saw_taint = 1
	next
}
/^hostsig-dmesg-begin/ { in_dmesg = 1; next }
/^hostsig-dmesg-end/ {
	in_dmesg = 0; saw_dmesg = 1
	if (nbad) verdict("FAIL", "kernel log free of warnings and reports")
	else verdict("PASS", "kernel log free of warnings and reports")
	next
}
/^hostsig-done/ { done = 1; next }
in_dmesg {
	if ($0 ~ bad) { nbad++; diag("kernel: " $0); context = 12 }
	else if (context > 0) { context--; diag("kernel: " $0) }
	next
}
in_test && /^(not )?ok [0-9]+/ {
	line = $0
	neg = (line ~ /^not /)
	sub(/^(not )?ok [0-9]+ (- )?/, "", line)
	results++
	name = line; reason = ""
	if (match(line, /[ \t]*#[ \t]*[Ss][Kk][Ii][Pp]/)) {
		name = substr(line, 1, RSTART - 1)
		reason = substr(line, RSTART + RLENGTH); sub(/^[ \t]*/, "", reason)
		verdict("SKIP", test " " name, reason == "" ? "skipped" : reason)
	} else if (neg) {
		failed++; verdict("FAIL", test " " name)
	} else {
		verdict("PASS", test " " name)
	}
	next
}
in_test && /^1\.\.[0-9]+/ { split($0, f, "."); plan = f[3] + 0; next }
in_test { diag($0); next }

END {
	if (in_test)
		verdict("FAIL", test ": did not finish")
	for (i = 1; i <= n_expected; i++)
		if (!(want[i] in ran))
			verdict("FAIL", want[i] ": never ran")
	if (!saw_taint) verdict("FAIL", "taint state not reported")
	if (!saw_dmesg) verdict("FAIL", "kernel log not reported")
	if (done && vmstatus == 0) verdict("PASS", "test VM ran to the end and powered off")
	else verdict("FAIL", "test VM ran to the end and powered off (status " vmstatus (done ? "" : ", cut short") ")")
}
