#!/bin/bash
# fuzz/run.sh [SECONDS] [TARGET...] -- build the libFuzzer targets with
# clang, ASan and UBSan in build-fuzz/, and run each for SECONDS (default
# 60) on a copy of its seed corpus.  Exits non-zero on any finding.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
shift || true
targets=${*:-reply config addr msg dotstuff auth aliases downgrade codec oauth socks cabundle}
bdir=$top/build-fuzz
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p "$bdir/obj"
# Compiled directly (no configure), so it works beside any other build.
cat >"$bdir/autoconf.h" <<'EOH'
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"
#define HAVE_EXPLICIT_BZERO 1
#define HAVE_PRCTL 1
#define HAVE_SYS_PRCTL_H 1
EOH
cflags="-Wall -Werror -g -O1 -fno-omit-frame-pointer $san -std=gnu11 -I$bdir -I$top/src \
    $(pkg-config --cflags gnutls libidn2 jansson)"
objs=""
for c in "$top"/src/*.c; do
	b=$(basename "$c" .c)
	# programs, and the helper's HTTP side (libcurl): not fuzzed here
	case $b in main|oauth_helper|oauth_http|oauth_pkce) continue ;; esac
	o=$bdir/obj/$b.o
	if ! test -f "$o" || test "$c" -nt "$o" || test "$top/src/$b.h" -nt "$o"
	then
		clang $cflags -fsanitize=fuzzer-no-link -c "$c" -o "$o"
	fi
	objs="$objs $o"
done
libs="$(pkg-config --libs gnutls libidn2 jansson)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for t in $targets; do
	clang $cflags -fsanitize=fuzzer "$top/fuzz/fuzz_$t.c" $objs $libs \
	    -o "$bdir/fuzz_$t"
	mkdir -p "$work/$t"
	cp "$top/fuzz/corpus/$t/"* "$work/$t/"
	echo "== fuzz_$t for ${secs}s"
	if ! (cd "$work" && "$bdir/fuzz_$t" -max_total_time="$secs" \
	    -max_len=65536 -timeout=10 -rss_limit_mb=1024 "$work/$t" \
	    >"$work/$t.log" 2>&1); then
		echo "FINDING in fuzz_$t:"
		tail -60 "$work/$t.log"
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null |
		    while read -r f; do echo "input $f:"; od -c "$f" | head -20; done
		status=1
	else
		grep -E '^(#[0-9]+[[:space:]]+DONE|Done)' "$work/$t.log" | tail -2
	fi
done
exit $status
