#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make bench: every benchmark, one after the other. Each prints its figures
# next to a reference measured in the same run (ratios), and fails only
# when what it measures does not work.
#
#   selftests/verifier/bench.sh   hostsig-verify against sha256 and osslsigncode
#   selftests/e2e/bench.sh        the whole loop in the test VM against
#                                 hostsig-verify on the same images
#   selftests/nested/bench.sh     what a Linux guest pays: its loads and
#                                 its boot with the proxy against without
#
# Environment: SRCDIR, BUILD (as for make check).
set -u

status=0
for b in verifier/bench.sh e2e/bench.sh nested/bench.sh; do
	echo "### selftests/$b"
	"$SRCDIR/selftests/$b" || status=1
	echo
done
exit $status
