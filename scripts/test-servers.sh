#!/bin/sh
# scripts/test-servers.sh -- fetch the real SMTP servers that the slow
# suites (tests/exim.sh, tests/nodemailer.sh) run, into a cache that is
# never installed anywhere:
#
#   exim          Debian's exim4-daemon-light, fetched with
#                 `apt-get download` and unpacked with `dpkg -x`; never
#                 installed as a package (that would remove Postfix).
#                 Its shared libraries are Debian packages that
#                 scripts/deps.sh installs.
#   smtp-server   nodemailer's smtp-server from the npm registry, at the
#                 version pinned below, installed with `npm install
#                 --prefix` into the cache (install scripts not run;
#                 npm trusts the system's CAs: tests/lib/npm.sh).
#
#   scripts/test-servers.sh [exim|smtp-server]...   (default: both)
#
# The cache is $OUTBOX_TEST_CACHE, else .test-cache/ in the source tree
# (git ignores it) when that is writable, else a directory under $TMPDIR.
# Prints the cache directory on stdout; the servers are then at
#   CACHE/exim/usr/sbin/exim4
#   CACHE/node/node_modules/smtp-server
# smtp-server 3.19.7: the last release whose engines allow Debian 12's Node 18.
# Fast when they are there already (nothing is fetched again).
# Non-interactive (no stdin); runs `apt-get update` once, as root, when
# the package lists are missing.  Exit 0 when every server asked for is
# ready; else the reason on stderr and exit 2 when only the npm registry
# could not be reached or verified, 1 otherwise.
set -eu

SMTP_SERVER_VERSION=3.19.7

top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/lib/npm.sh"
say() { printf 'test-servers.sh: %s\n' "$*" >&2; }

cache=${OUTBOX_TEST_CACHE:-}
if test -z "$cache"; then
	if test -w "$top"; then
		cache=$top/.test-cache
	else
		cache=${TMPDIR:-/tmp}/outbox-test-cache-$(id -u)
	fi
fi
mkdir -p "$cache"

fetch_exim() {
	dir=$cache/exim
	if test -x "$dir/usr/sbin/exim4" && test -f "$dir/.complete"; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
	    { say "no apt-get/dpkg: cannot fetch Exim"; return 1; }
	dl=$cache/exim.dl
	rm -rf "$dl" "$dir"
	mkdir -p "$dl"
	# As root, apt runs downloads as _apt, which cannot write here.
	set -- -q -o APT::Sandbox::User=root
	if ! (cd "$dl" && apt-get "$@" download exim4-daemon-light \
	    </dev/null >"$cache/exim.log" 2>&1); then
		if test "$(id -u)" = 0; then
			say "apt-get download failed; apt-get update, once"
			apt-get -q update </dev/null >>"$cache/exim.log" 2>&1 ||
			    true
		fi
		(cd "$dl" && apt-get "$@" download exim4-daemon-light \
		    </dev/null >>"$cache/exim.log" 2>&1) || {
			say "apt-get download exim4-daemon-light failed:"
			tail -n 5 "$cache/exim.log" >&2
			return 1
		}
	fi
	mkdir -p "$dir"
	dpkg -x "$dl"/exim4-daemon-light_*.deb "$dir" || {
		say "dpkg -x failed"
		return 1
	}
	dpkg-deb -f "$dl"/exim4-daemon-light_*.deb Version >"$dir/.complete"
	rm -rf "$dl"
	if ldd "$dir/usr/sbin/exim4" 2>/dev/null | grep -q 'not found'; then
		say "Exim's shared libraries are missing (run scripts/deps.sh):"
		ldd "$dir/usr/sbin/exim4" | grep 'not found' >&2
		return 1
	fi
}

fetch_smtp_server() {
	dir=$cache/node
	pkg=$dir/node_modules/smtp-server/package.json
	if test -f "$pkg" && grep -q "\"version\": \"$SMTP_SERVER_VERSION\"" \
	    "$pkg"; then
		return 0
	fi
	command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	    { say "no node/npm (Debian: nodejs npm)"; return 1; }
	mkdir -p "$dir"
	npm_run "$cache/npm.log" install --prefix "$dir" --ignore-scripts \
	    --no-save "smtp-server@$SMTP_SERVER_VERSION" || {
		if why=$(npm_unreachable "$cache/npm.log"); then
			say "$why"
			return 2
		fi
		say "npm install smtp-server@$SMTP_SERVER_VERSION failed:"
		tail -n 5 "$cache/npm.log" >&2
		return 1
	}
	test -f "$pkg" || { say "npm installed no smtp-server"; return 1; }
}

test $# -gt 0 || set -- exim smtp-server
rc=0
for what in "$@"; do
	r=0
	case $what in
	exim) fetch_exim || r=$? ;;
	smtp-server) fetch_smtp_server || r=$? ;;
	*) say "unknown server: $what (exim, smtp-server)"; exit 64 ;;
	esac
	# 1 (a failure) wins over 2 (no registry).
	case $r.$rc in
	0.*) ;;
	2.0 | 2.2) rc=2 ;;
	*) rc=1 ;;
	esac
done
test $rc = 0 && echo "$cache"
exit $rc
