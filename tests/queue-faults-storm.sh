#!/bin/sh
# tests/queue-faults-storm.sh -- make check-slow: tests/queue-faults.sh
# with every fault at every stage and a SIGKILL at every syscall of
# queueing (make check runs a representative part of both sweeps).
here=$(cd "$(dirname "$0")" && pwd)
QUEUE_FAULTS_STORM=1 exec bash "$here/queue-faults.sh" "$@"
