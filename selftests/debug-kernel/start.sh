#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Start preparing the debug kernel (prepare.sh) in the background, so that
# its build (minutes, the first time) overlaps the other test suites;
# run.sh waits for it. Its output goes to BUILD/kernels/debug-prepare.log
# and its exit status to BUILD/kernels/debug-prepare.status.
#
# Usage: start.sh BUILD_DIR
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1
mkdir -p "$build/kernels"
rm -f "$build/kernels/debug-prepare.status"
: >"$build/kernels/debug-prepare.started"
(
	"$here/prepare.sh" "$build" >"$build/kernels/debug-prepare.log" 2>&1
	echo $? >"$build/kernels/debug-prepare.status"
) </dev/null >/dev/null 2>&1 &
echo "debug kernel: preparing in the background (see $build/kernels/debug-prepare.log)"
