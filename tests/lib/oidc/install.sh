#!/bin/sh
# tests/lib/oidc/install.sh DIR -- install oidc-provider (the version and
# dependencies pinned by package-lock.json beside this script) into DIR
# with npm ci, unless DIR already holds that very lock file's install.
# Needs node and npm (Debian: nodejs, npm) and the npm registry; npm
# trusts the system's CAs (tests/lib/npm.sh).
# Exit 0 when installed; 2 when the registry cannot be reached or its
# certificate verified (the reason, one line, on stderr); 1 otherwise.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../npm.sh"
dir=$1
if test -f "$dir/package-lock.json" &&
    cmp -s "$here/package-lock.json" "$dir/package-lock.json" &&
    test -f "$dir/node_modules/oidc-provider/package.json"; then
	exit 0
fi
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
cd "$dir"
npm_run npm.log ci --omit=dev || {
	if why=$(npm_unreachable npm.log); then
		echo "install.sh: $why" >&2
		exit 2
	fi
	echo "install.sh: npm ci failed (see $dir/npm.log)" >&2
	exit 1
}
