#!/bin/sh
# tests/lib/oidc/install.sh DIR -- install oidc-provider (the version and
# dependencies pinned by package-lock.json beside this script) into DIR
# with npm ci, unless DIR already holds that very lock file's install.
# Needs node and npm (Debian: nodejs, npm) and the npm registry.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
if test -f "$dir/package-lock.json" &&
    cmp -s "$here/package-lock.json" "$dir/package-lock.json" &&
    test -f "$dir/node_modules/oidc-provider/package.json"; then
	exit 0
fi
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
cd "$dir"
npm ci --omit=dev --no-audit --no-fund --loglevel=error >npm.log 2>&1 || {
	echo "install.sh: npm ci failed (see $dir/npm.log)" >&2
	exit 1
}
