#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A pruned Python for the test VM, so that the kernel's generic YNL client
# (tools/net/ynl/cli.py of Debian's linux-source-6.12) can drive hostsig's
# netlink family there: Debian's python3.11 with its shared libraries, and
# only the standard library modules (and PyYAML's pure-Python part) that
# the client loads, found by running it on this machine under a tracer,
# compiled to .pyc without their sources. Cached in BUILD/cache, keyed by
# the versions of the packages it is made of, the YNL tools and this script.
#
# Usage: mkpython.sh BUILD_DIR OUTPUT_CPIO
# In the VM: PYTHONPATH=/usr/lib/python3/dist-packages /usr/bin/python3 -S ...
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$1
output=$2
py=/usr/bin/python3.11
packages="python3.11-minimal libpython3.11-minimal libpython3.11-stdlib python3-yaml libc6 zlib1g libexpat1"

ynl=$("$here/../lib/ksrc.sh" "$build" 6.12 ynl)
key=$({
	dpkg-query -W -f='${Package} ${Version}\n' $packages
	basename "$ynl"
	cat "$0"
} | sha256sum | cut -c1-16)
cached="$build/cache/python-$key.cpio"

if [ ! -f "$cached" ]; then
	echo "mkpython: building the VM's Python ($key)" >&2
	stage="$build/cache/python-$key.d"
	rm -rf "$stage"
	mkdir -p "$stage/usr/bin" "$stage/usr/lib/x86_64-linux-gnu" "$stage/lib64" \
		"$stage/usr/lib/python3.11/lib-dynload" "$stage/usr/lib/python3/dist-packages"

	# What the client imports: run it the ways the VM test does (a dump,
	# a do, the errors of a missing family and of bad arguments) against
	# nlctrl, which every kernel has, and list the modules it loaded.
	scratch="$stage.trace"
	rm -rf "$scratch"
	mkdir -p "$scratch"
	cp "$ynl/Documentation/netlink/specs/nlctrl.yaml" "$scratch/"
	PYTHONPATH=/usr/lib/python3/dist-packages "$py" -S - "$ynl/tools/net/ynl" \
		"$scratch" >"$scratch/modules" <<-'EOF'
	import os, runpy, sys
	ynl, scratch = sys.argv[1], sys.argv[2]
	sys.path.insert(0, ynl)
	spec = os.path.join(scratch, 'nlctrl.yaml')
	runs = [
	    ['--spec', spec, '--no-schema', '--dump', 'getfamily', '--output-json'],
	    ['--spec', spec, '--no-schema', '--dump', 'getfamily'],
	    ['--spec', spec, '--no-schema', '--do', 'getfamily',
	     '--json', '{"family-name": "nlctrl"}'],
	    ['--spec', spec, '--no-schema', '--do', 'getfamily',
	     '--json', '{"family-name": "no-such-family"}'],
	    ['--spec', spec, '--no-schema', '--list-ops'],
	    [],
	]
	out = sys.stdout
	for argv in runs:
	    sys.argv = [os.path.join(ynl, 'cli.py')] + argv
	    sys.stdout = sys.stderr = open(os.devnull, 'w')
	    try:
	        runpy.run_path(sys.argv[0], run_name='__main__')
	    except BaseException:
	        pass
	sys.stdout = out
	for m in list(sys.modules.values()):
	    f = getattr(m, '__file__', None)
	    if f and os.path.exists(f):
	        print(os.path.realpath(f))
	EOF

	# Sources become .pyc in their place; extensions are copied.
	sort -u "$scratch/modules" | while read -r f; do
		case "$f" in
		/usr/lib/python3.11/*|/usr/lib/python3/dist-packages/*) ;;
		*) continue ;;
		esac
		mkdir -p "$stage$(dirname "$f")"
		case "$f" in
		*.py) "$py" -c 'import py_compile, sys
py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True,
		   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)' \
			"$f" "$stage${f}c" ;;
		*.so) cp "$f" "$stage$f" ;;
		esac
	done
	# The interpreter finds its prefix by os.py(c) and lib-dynload.
	[ -f "$stage/usr/lib/python3.11/os.pyc" ] || {
		echo "mkpython: os was not among the modules" >&2
		exit 1
	}

	cp "$py" "$stage/usr/bin/python3.11"
	ln -s python3.11 "$stage/usr/bin/python3"
	for lib in $(ldd "$py" $(find "$stage" -name '*.so') 2>/dev/null |
		     awk '/=> \// { print $3 }' | sort -u); do
		cp -L "$lib" "$stage/usr/lib/x86_64-linux-gnu/"
	done
	cp -L /lib64/ld-linux-x86-64.so.2 "$stage/lib64/"

	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$cached.tmp"
	rm -rf "$stage" "$scratch"
	mv "$cached.tmp" "$cached"
fi
cp "$cached" "$output"
