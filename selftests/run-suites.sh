#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run test suites and count their results.
#
# Usage: run-suites.sh RESULTS_DIR SUITE...
#
# A suite is selftests/SUITE/run.sh. It prints one flat TAP 13 stream on
# stdout ("ok N name", "not ok N name", "# SKIP reason" directives, the plan
# "1..N" first or last) and exits 0 only when nothing failed. The runner keeps
# each stream in RESULTS_DIR/SUITE.tap and counts it independently of the
# suite's own opinion: a plan that disagrees with the results, or a non-zero
# exit without a failed test, counts as one more failure, so a suite that
# crashes half-way cannot pass. The last line printed is the summary
# "N passed, N failed[, N skipped]".
set -u

here=$(cd "$(dirname "$0")" && pwd)
results=$1
shift
mkdir -p "$results"

total_pass=0
total_fail=0
total_skip=0

for suite in "$@"; do
	tap="$results/$suite.tap"
	echo "=== suite $suite"
	started=$(date +%s)
	# Keep the suite's exit status through the pipe into tee.
	{ "$here/$suite/run.sh"; echo "$?" >"$tap.rc"; } 2>&1 | tee "$tap"
	rc=$(cat "$tap.rc")
	counts=$(awk '
		/^ok [0-9]+/ {
			if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) skip++; else pass++
			n++; next
		}
		/^not ok [0-9]+/ {
			if ($0 ~ /# *[Tt][Oo][Dd][Oo]/) skip++; else fail++
			n++; next
		}
		/^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan = a[2] + 0; planned = 1 }
		END {
			extra = 0
			if (planned && plan != n) extra = 1
			if (!planned && n == 0) extra = 1
			printf "%d %d %d %d\n", pass, fail, skip, extra
		}' "$tap")
	read -r pass fail skip extra <<-EOF
	$counts
	EOF
	if [ "$extra" -ne 0 ]; then
		echo "not ok - suite $suite: its plan disagrees with its results (crashed or cut short?)"
		fail=$((fail + 1))
	elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		echo "not ok - suite $suite exited with status $rc without a failed test"
		fail=$((fail + 1))
	fi
	echo "=== suite $suite: $pass passed, $fail failed, $skip skipped in $(($(date +%s) - started)) s"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
done

summary="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && summary="$summary, $total_skip skipped"
echo "$summary"
[ "$total_fail" -eq 0 ]
