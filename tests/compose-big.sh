#!/bin/sh
# tests/compose-big.sh -- make check-slow: a 200 MiB attachment (BIG_MB)
# arrives intact and outbox's peak RSS does not grow with it: the large
# attachment of tests/compose.sh, whose make check run sends 32 MiB.
here=$(cd "$(dirname "$0")" && pwd)
BIG_MB=${BIG_MB:-200} COMPOSE_BIG_ONLY=1 exec bash "$here/compose.sh" "$@"
