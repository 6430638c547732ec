#!/bin/bash
# tests/lib/slow.sh SUITE... -- make check-slow: run the slow suites at the
# same time (they mostly wait: for cron's next minute, for a 200 MiB
# message), each into BASENAME.slow.log in the current directory, and
# print a line for each as it starts and as it ends (PASS with its last
# line, SKIP with its skip line, FAIL followed by its log), with its
# time.  Exit 0 if none failed.  The environment is make check's
# (AM_TESTS_ENVIRONMENT: OUTBOX, srcdir, ...).
declare -A name_of start_of
for t in "$@"; do
	log=$(basename "$t" .sh).slow.log
	"$srcdir/$t" >"$log" 2>&1 &
	name_of[$!]=$t
	start_of[$!]=$(date +%s)
	echo "check-slow: $t started (log: $log)"
done
fail=0
while test ${#name_of[@]} -gt 0; do
	rc=0
	wait -n -p pid "${!name_of[@]}" || rc=$?
	t=${name_of[$pid]}
	log=$(basename "$t" .sh).slow.log
	secs="$(( $(date +%s) - start_of[$pid] )) s"
	unset "name_of[$pid]"
	case $rc in
	0) echo "PASS: $t ($(tail -n 1 "$log"), $secs)" ;;
	77) echo "SKIP: $t ($(grep -m 1 '^skip' "$log"))" ;;
	*) echo "FAIL: $t (exit $rc, $secs)"; cat "$log"; fail=1 ;;
	esac
done
test $fail = 0
