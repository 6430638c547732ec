#!/bin/sh
# scripts/build.sh -- build outbox: autoreconf (when needed), configure
# with --enable-werror, make.
#
#   scripts/build.sh [-B DIR | --build-dir DIR] [CONFIGURE-ARG...]
#
# Without -B the build is in the source tree (./outbox).  With -B DIR it
# is out of tree in DIR (relative to the source tree unless absolute), e.g.
#   scripts/build.sh -B build-asan --enable-sanitizers
# An out-of-tree build needs a source tree that is not configured in tree
# ("make distclean" there first); automake refuses otherwise.
#
# configure is re-run when the build directory has no config.status or the
# arguments differ from the last run's.  JOBS (default: number of CPUs)
# sets make's -j.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
builddir=$top
while test $# -gt 0; do
	case $1 in
	-B | --build-dir)
		test $# -ge 2 || { echo "build.sh: $1 needs a directory" >&2; exit 64; }
		builddir=$2
		shift 2
		;;
	--build-dir=*)
		builddir=${1#--build-dir=}
		shift
		;;
	-h | --help)
		sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	--)
		shift
		break
		;;
	*)
		break
		;;
	esac
done
case $builddir in
/*) ;;
*) builddir=$top/$builddir ;;
esac

say() { printf 'build.sh: %s\n' "$*" >&2; }

cd "$top"
if test ! -x configure || test ! -f Makefile.in ||
    test configure.ac -nt configure; then
	say "autoreconf -fi"
	autoreconf -fi
fi

if test "$builddir" != "$top" && test -f "$top/config.status"; then
	say "the source tree is configured in tree; run 'make distclean'" \
	    "in $top before an out-of-tree build in $builddir"
	exit 1
fi

mkdir -p "$builddir"
cd "$builddir"
args="--enable-werror"
for a in "$@"; do
	args="$args '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
done
stamp=.outbox-build-args
if test ! -f config.status || test ! -f Makefile ||
    test "$(cat "$stamp" 2>/dev/null)" != "$args"; then
	say "configure $args${builddir:+ (in $builddir)}"
	rm -f "$stamp"
	eval "\"\$top/configure\" $args"
	printf '%s\n' "$args" >"$stamp"
fi

jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
say "make -j$jobs"
make -j"$jobs"
