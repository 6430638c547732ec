#!/bin/bash
# scenarios.sh -- run outbox against the scripted SMTP server (smtpd.py),
# one scenario file per case in tests/scenarios/.
#
#   tests/scenarios.sh [-k] [-j N] [-l] [NAME-OR-GLOB...]
#	-k	keep the temporary directories (their path is printed)
#	-j N	run N scenarios at a time (default: four times the number
#		of CPUs, at most 8; or $SCENARIO_JOBS); reports stay in order
#	-l	list the scenarios and their descriptions, run nothing
#
# Environment: OUTBOX (binary under test, default ./outbox), srcdir (the
# source tree, default: the parent of this script's directory), TMPDIR,
# SCENARIOS (names or globs, space-separated: the scenarios to run when
# none are given as arguments; make distcheck's quick subset).
# Prints one line per scenario, "ok NAME - description" or "FAIL NAME:
# reason" followed by the details (diff, stderr, server log), or "skip
# NAME - reason" (not counted: a [hosts] scenario where that cannot be
# done), then exactly "N passed, N failed"; exits 1 if anything failed,
# 99 on a setup error.
#
# Scenario file format (curl's tests/data/testNNN is the model).  A line
# "[section]" starts a section; it runs to the next section line.  Trailing
# empty lines of a section are dropped.  Sections:
#
#   [description]   free text; the first line is shown by -l and on "ok"
#   [args]          outbox's arguments, ONE PER LINE, no shell quoting.
#                   "-C CONFIG" is put first when [config] is present.
#   [config]        the configuration file, written with mode 0600
#   [env]           NAME=VALUE lines added to outbox's environment
#   [stdin]         outbox's standard input, each line ending in LF
#   [stdin escapes] outbox's standard input, lines joined WITHOUT line
#                   ends and decoded with smtpd.py's escapes (\r \n \t \\
#                   \0 \xHH \s): for exact bytes, NULs and bare CR/LF.
#                   With neither, stdin is /dev/null.
#   [server]        the smtpd.py script (step language: tests/smtpd.py)
#   [exit]          the expected exit code (required)
#   [stderr]        one extended regular expression per expected stderr
#                   line; stderr must have exactly that many lines, each
#                   matching its whole line (grep -Ex).  Without [stderr]
#                   and [stderr contains], stderr must be empty.
#   [stderr contains]  each ERE must match some stderr line (for -v)
#   [stdout]        the exact expected stdout (default: empty)
#   [transcript]    the exact client transcript as smtpd.py renders it
#                   (required; empty when nothing may be sent)
#   [absent]        strings (smtpd.py escapes) that must appear neither
#                   on the wire nor on stdout/stderr (e.g. secrets)
#   [limit]         the time limit for outbox in seconds (default 30)
#   [hosts]         /etc/hosts lines ("127.0.0.1 mail.example.org"):
#                   outbox then runs in a private mount namespace
#                   (unshare -m) where /etc/hosts is these lines (plus
#                   localhost) and /etc/nsswitch.conf is "hosts: files",
#                   so that it can be given a host name other than
#                   localhost (e.g. for the certificate's name check)
#                   with no DNS query anywhere.  Needs root, unshare(1)
#                   and mount(8); the scenario is skipped otherwise.
#
# In args, config, env, stderr, stdout, hosts: @PORT@ is the server's
# port, @CERTDIR@ the directory of the test certificates (ca.pem,
# server.pem, wrongname.pem, untrusted.pem, expired.pem, selfsigned.pem,
# notyetvalid.pem, wildcard.pem: made by tests/lib/gencerts.sh for each
# run), @DIR@ the scenario's temporary directory, @SRCDIR@ the source
# tree.
#
# Whatever the arguments, a failing run (non-zero exit) must print exactly
# one stderr line unless -v/--debug is among the arguments.  HOME and the
# XDG directories point into the scenario's temporary directory.

here=$(cd "$(dirname "$0")" && pwd)
: "${srcdir:=$(dirname "$here")}"
. "$srcdir/tests/lib/lib.sh"

TESTS=$srcdir/tests
SMTPD=$TESTS/smtpd.py
SCEN=$TESTS/scenarios
DEFAULT_LIMIT=30
SECTIONS='description|args|config|env|stdin|stdin escapes|server|exit|stderr|stderr contains|stdout|transcript|absent|limit|hosts'

list_only=
# Most scenarios spend their time waiting (for a timeout, a slow server),
# not computing: four times the CPUs, at most 8.
jobs=$(( $(nproc 2>/dev/null || echo 1) * 4 ))
test "$jobs" -gt 8 && jobs=8
jobs=${SCENARIO_JOBS:-$jobs}
while getopts kj:l opt; do
	case $opt in
	k) LIB_KEEP=1 ;;
	j) jobs=$OPTARG ;;
	l) list_only=1 ;;
	*) echo "usage: $0 [-k] [-j N] [-l] [NAME-OR-GLOB...]" >&2; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
if test $# -eq 0 && test -n "${SCENARIOS:-}"; then
	set -f
	# shellcheck disable=SC2086
	set -- $SCENARIOS
	set +f
fi

# The scenarios to run: all, or those matching argv.
names=()
for f in "$SCEN"/*; do
	n=${f##*/}
	case $n in
	*~ | *.orig | *.rej | .* | README*) continue ;;
	esac
	test -f "$f" || continue
	if test $# -eq 0; then
		names+=("$n")
		continue
	fi
	for pat in "$@"; do
		# shellcheck disable=SC2053
		if [[ $n == $pat ]]; then
			names+=("$n")
			break
		fi
	done
done
if test ${#names[@]} -eq 0; then
	echo "no scenario matches: $*" >&2
	exit 99
fi

# split FILE DIR: write each section of FILE to DIR/<name> (spaces in the
# name become "_").  Fails on an unknown section name.
split() {
	awk -v dir="$2" -v known="^($SECTIONS)\$" '
	function flush() {
		if (out == "") return
		while (n > 0 && buf[n] == "") n--
		printf "" > out
		for (i = 1; i <= n; i++) print buf[i] > out
		close(out)
	}
	/^\[[a-z][a-z ]*\]$/ {
		name = substr($0, 2, length($0) - 2)
		if (name !~ known) {
			print FILENAME ":" NR ": unknown section [" name "]" \
			    > "/dev/stderr"
			bad = 1
		}
		flush()
		gsub(/ /, "_", name)
		if (seen[name]++) {
			print FILENAME ":" NR ": section [" name "] twice" \
			    > "/dev/stderr"
			bad = 1
		}
		out = dir "/" name
		n = 0
		next
	}
	out == "" && /^[[:space:]]*$/ { next }
	out == "" {
		print FILENAME ":" NR ": text before the first section" \
		    > "/dev/stderr"
		bad = 1
		next
	}
	{ buf[++n] = $0 }
	END { flush(); exit bad }
	' "$1"
}

if test -n "$list_only"; then
	for n in "${names[@]}"; do
		d=$LIB_TMP/list
		rm -rf "$d" && mkdir -p "$d"
		split "$SCEN/$n" "$d" 2>/dev/null
		printf '%-36s %s\n' "$n" "$(head -n 1 "$d/description" 2>/dev/null)"
	done
	exit 0
fi

if ! test -x "$OUTBOX"; then
	echo "scenarios.sh: $OUTBOX is not an executable (set OUTBOX)" >&2
	exit 99
fi

CERTS=$LIB_TMP/certs
if ! lib_certs "$CERTS" >"$LIB_TMP/certs.log" 2>&1; then
	echo "scenarios.sh: cannot make test certificates:" >&2
	cat "$LIB_TMP/certs.log" >&2
	exit 99
fi

# The scripted server: ONE smtpd.py --serve for the whole run (one Python
# start, not one per scenario); each scenario's server is a fork of it,
# asked for over a control connection (bash's /dev/tcp).  Its stdout says
# "ready PORT" once it listens: read, not polled for.
serve_start() {
	exec {SERVE_OUT}< <(exec "$PYTHON" "$SMTPD" --serve \
	    2>"$LIB_TMP/serve.err")
	SERVE_PID=$!
	LIB_PIDS="$LIB_PIDS $SERVE_PID"
	local kw
	if ! read -r -t 20 -u "$SERVE_OUT" kw SERVE_PORT ||
	    test "$kw" != ready; then
		echo "scenarios.sh: smtpd.py --serve did not start:" >&2
		cat "$LIB_TMP/serve.err" >&2
		exit 99
	fi
}

# serve_end: the server exits (its stdout closes: read to the end).
serve_end() {
	local ctl line
	if exec {ctl}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"; then
		printf 'quit\n' >&"$ctl"
		exec {ctl}>&-
		while read -r -t 10 -u "$SERVE_OUT" line; do :; done
	fi
	exec {SERVE_OUT}<&-
	lib_stop "$SERVE_PID" 2
	lib_forget "$SERVE_PID"
}

# serve_request NAME KEY=VALUE...: send the request (smtpd.py's serve
# mode); its reply lines in the array SERVE_REPLY.
serve_request() {
	local ctl line req IFS=$'\t'
	req="$*"
	IFS=$' \t\n'
	SERVE_REPLY=()
	exec {ctl}<>"/dev/tcp/127.0.0.1/$SERVE_PORT" || return 1
	printf '%s\n' "$req" >&"$ctl"
	while IFS= read -r -t 30 -u "$ctl" line; do
		SERVE_REPLY+=("$line")
	done
	exec {ctl}>&-
}

# serve_stop FD PID: "stop" to the scenario's server on its control
# connection FD; its exit status (143 and a SIGKILL to PID if it does not
# say within 5 s).
serve_stop() {
	local kw st
	printf 'stop\n' >&"$1" 2>/dev/null
	if read -r -t 5 -u "$1" kw st && test "$kw" = exit; then
		return "$st"
	fi
	kill -KILL "$2" 2>/dev/null
	return 143
}

# hosts_probe: can outbox run with a private /etc/hosts ([hosts])?  Sets
# HOSTS_WHY: empty if so, else why not.  Tried for real, in a throw-away
# mount namespace.
hosts_probe() {
	HOSTS_WHY=
	if test "$(id -u)" != 0; then
		HOSTS_WHY="[hosts] needs root"
	elif test -z "$T_UNSHARE" || ! command -v mount >/dev/null 2>&1; then
		HOSTS_WHY="[hosts] needs unshare(1) and mount(8)"
	elif ! test -f /etc/hosts || ! test -f /etc/nsswitch.conf; then
		HOSTS_WHY="[hosts] needs /etc/hosts and /etc/nsswitch.conf"
	else
		printf '127.0.0.1 outbox-probe.invalid\n' >"$LIB_TMP/hosts.probe"
		printf 'hosts: files\n' >"$LIB_TMP/nss.probe"
		# shellcheck disable=SC2016
		if ! $T_UNSHARE sh -c 'mount --bind "$0" /etc/hosts &&
		    mount --bind "$1" /etc/nsswitch.conf &&
		    grep -q outbox-probe /etc/hosts' \
		    "$LIB_TMP/hosts.probe" "$LIB_TMP/nss.probe" \
		    >/dev/null 2>&1; then
			HOSTS_WHY="[hosts]: cannot bind-mount /etc/hosts in a private mount namespace here"
		fi
	fi
}
HOSTS_WHY="[hosts]: not probed"
for n in "${names[@]}"; do
	if grep -qx '\[hosts\]' "$SCEN/$n"; then
		hosts_probe
		break
	fi
done

# Details of the current scenario's failure, printed after its FAIL line.
reasons=()
details=()
problem() { reasons+=("$1"); }
detail() { details+=("$@"); }
detail_file() {
	# detail_file TITLE FILE: the file's first lines, control characters
	# made visible
	local title=$1 file=$2 line
	test -s "$file" || return 0
	detail "--- $title"
	while IFS= read -r line; do
		detail "$line"
	done < <(head -c 4000 "$file" | cat -v | head -n 40)
}

run_one() {
	local file=$SCEN/$1
	local d=$LIB_TMP/$1
	local s=$d/sec
	reasons=()
	details=()
	rm -rf "$d"
	mkdir -p "$s" "$d/home/.config" "$d/home/.local/state" || return 1

	if ! split "$file" "$s" 2>"$d/split.err"; then
		problem "bad scenario file"
		detail_file "format errors" "$d/split.err"
		return 1
	fi
	desc=$(head -n 1 "$s/description" 2>/dev/null)
	local want_exit
	want_exit=$(cat "$s/exit" 2>/dev/null)
	if ! [[ $want_exit =~ ^[0-9]+$ ]]; then
		problem "bad scenario file: [exit] missing or not a number"
		return 1
	fi
	if ! test -f "$s/transcript"; then
		problem "bad scenario file: no [transcript] section"
		return 1
	fi
	test -f "$s/server" || : >"$s/server"
	local limit=$DEFAULT_LIMIT
	test -s "$s/limit" && limit=$(cat "$s/limit")
	local -a wrap=()
	if test -f "$s/hosts"; then
		skip_why=$HOSTS_WHY
		test -z "$skip_why" || return 2
		# shellcheck disable=SC2016
		wrap=($T_UNSHARE sh -c 'mount --bind "$0" /etc/hosts &&
		    mount --bind "$1" /etc/nsswitch.conf && shift && exec "$@"'
		    "$d/hosts" "$d/nsswitch.conf")
	fi

	# The server: a fork of the one smtpd.py --serve of this run (see
	# serve_start), which answers "port PORT PID" once it listens and
	# "exit STATUS" once it is done; "stop" on the connection is the
	# SIGTERM of a server of its own.
	local ctl kw port spid
	if ! exec {ctl}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"; then
		problem "cannot reach the scripted server (smtpd.py --serve)"
		detail_file "smtpd.py --serve stderr" "$LIB_TMP/serve.err"
		return 1
	fi
	printf 'run\tscript=%s\ttranscript=%s\twire=%s\tlog=%s\tcertdir=%s\terr=%s\n' \
	    "$s/server" "$d/transcript" "$d/wire" "$d/log" "$CERTS" \
	    "$d/server.err" >&"$ctl"
	if ! read -r -t 10 -u "$ctl" kw port spid || test "$kw" != port; then
		problem "the scripted server did not start"
		detail_file "smtpd.py stderr" "$d/server.err"
		return 1
	fi

	subst() {
		sed -e "s|@PORT@|$port|g" -e "s|@CERTDIR@|$CERTS|g" \
		    -e "s|@DIR@|$d|g" -e "s|@SRCDIR@|$srcdir|g" "$@"
	}

	if test -f "$s/hosts"; then
		{
			printf '127.0.0.1 localhost\n::1 localhost\n'
			subst "$s/hosts"
		} >"$d/hosts"
		printf 'hosts: files\n' >"$d/nsswitch.conf"
	fi

	local -a argv=() envv=()
	local line verbose=
	if test -f "$s/config"; then
		# Every scenario gets its own queue: as root the default,
		# /var/spool/outbox, would be shared by all of them.
		subst "$s/config" | awk -v q="$d/queue" '
		    { l[NR] = $0; if ($1 == "account" || $1 == "defaults") n++ }
		    END {
			if (n == 0) print "queue_dir " q
			for (i = 1; i <= NR; i++) {
				print l[i]
				if (l[i] ~ /^[ \t]*(account|defaults)([ \t]|$)/)
					print "queue_dir " q
			}
		    }' | lib_mkconf "$d/config"
		argv+=(-C "$d/config")
	fi
	if test -f "$s/args"; then
		while IFS= read -r line; do
			argv+=("$line")
			case $line in
			-v | --debug) verbose=1 ;;
			esac
		done < <(subst "$s/args")
	fi
	if test -f "$s/env"; then
		while IFS= read -r line; do
			envv+=("$line")
		done < <(subst "$s/env")
	fi
	if test -f "$s/stdin_escapes"; then
		serve_request unescape "in=$s/stdin_escapes" "out=$d/stdin"
		if test "${SERVE_REPLY[0]}" != ok; then
			problem "bad [stdin escapes]: ${SERVE_REPLY[*]}"
			return 1
		fi
	elif test -f "$s/stdin"; then
		cp "$s/stdin" "$d/stdin"
	else
		: >"$d/stdin"
	fi

	# outbox itself, with its own time limit.
	# (started in the background and registered, so that an interrupted
	# run stops it by its PID too)
	local rc=0 opid
	(
		exec {ctl}>&-
		cd "$d/home" &&
		exec env HOME="$d/home" XDG_CONFIG_HOME="$d/home/.config" \
		    XDG_STATE_HOME="$d/home/.local/state" \
		    "${envv[@]}" \
		    timeout -k 2 "$limit" "${wrap[@]}" "$OUTBOX" "${argv[@]}"
	) <"$d/stdin" >"$d/stdout" 2>"$d/stderr" &
	opid=$!
	LIB_PIDS="$LIB_PIDS $opid"
	wait "$opid" || rc=$?
	lib_forget "$opid"

	# The server should be done once the client is: wait for it a little
	# (it finishes its script, e.g. notices the close), then stop it.
	local sstatus=0
	if grep -qx '[[:space:]]*no-connection[[:space:]]*' "$s/server"; then
		serve_stop "$ctl" "$spid" || sstatus=$?
	elif read -r -t 12 -u "$ctl" kw sstatus && test "$kw" = exit; then
		:
	else
		serve_stop "$ctl" "$spid"
		sstatus=1
		problem "the scripted server was still running"
	fi
	exec {ctl}>&-

	# Checks.
	if test "$rc" = 124 || test "$rc" = 137; then
		problem "outbox hit the ${limit}s time limit"
	elif test "$rc" -gt 128; then
		problem "outbox died of signal $((rc - 128))"
	fi
	if test "$rc" != "$want_exit"; then
		problem "exit $rc, expected $want_exit"
	fi
	if test "$sstatus" != 0; then
		problem "server: $(cat "$d/log" "$d/server.err" 2>/dev/null |
		    grep -m1 'MISMATCH\|SCRIPT ERROR\|Traceback' |
		    sed 's/^ *[0-9.]* //' | head -c 500)"
		test -z "$(grep -m1 -h 'MISMATCH\|SCRIPT ERROR' "$d/log" 2>/dev/null)" &&
		    detail_file "smtpd.py stderr" "$d/server.err"
	fi
	check_stderr "$s" "$d" "$rc" "$verbose"
	if test -f "$s/stdout"; then
		subst "$s/stdout" >"$d/stdout.expected"
	else
		: >"$d/stdout.expected"
	fi
	if ! cmp -s "$d/stdout.expected" "$d/stdout"; then
		problem "stdout differs"
		diff_detail "stdout" "$d/stdout.expected" "$d/stdout"
	fi
	test -f "$d/transcript" || : >"$d/transcript"
	if ! cmp -s "$s/transcript" "$d/transcript"; then
		problem "client transcript differs"
		diff_detail "transcript (expected / as received)" \
		    "$s/transcript" "$d/transcript"
	fi
	if test -s "$s/absent"; then
		local found
		serve_request absent "list=$s/absent" "file=$d/wire" \
		    "file=$d/stdout" "file=$d/stderr"
		found=$(printf '%s\n' "${SERVE_REPLY[@]}" | sed -n 's/^found //p')
		if test ${#SERVE_REPLY[@]} = 0 ||
		    test "${SERVE_REPLY[-1]}" != end; then
			problem "[absent]: smtpd.py did not answer: ${SERVE_REPLY[*]}"
		fi
		if test -n "$found"; then
			problem "forbidden string present"
			detail "$found"
		fi
	fi

	if test ${#reasons[@]} -gt 0; then
		detail_file "stderr" "$d/stderr"
		detail "--- server log (tail)"
		while IFS= read -r line; do
			detail "$line"
		done < <(tail -n 25 "$d/log" 2>/dev/null | cut -c 1-300)
		return 1
	fi
	test -n "$LIB_KEEP" || rm -rf "$d"
	return 0
}

# check_stderr SECDIR DIR RC VERBOSE
check_stderr() {
	local s=$1 d=$2 rc=$3 verbose=$4
	local nlines
	nlines=$(wc -l <"$d/stderr")
	# a last line without LF is a line too
	if test -s "$d/stderr" && test "$(tail -c 1 "$d/stderr" | od -An -c |
	    tr -d ' ')" != '\n'; then
		nlines=$((nlines + 1))
	fi
	if test "$rc" != 0 && test -z "$verbose" && test "$nlines" != 1; then
		problem "stderr has $nlines lines, a failure must print exactly one"
	fi
	if test -f "$s/stderr"; then
		subst "$s/stderr" >"$d/stderr.re"
		local want
		want=$(wc -l <"$d/stderr.re")
		if test "$nlines" != "$want"; then
			problem "stderr has $nlines lines, expected $want"
		fi
		local i=0 re got
		while IFS= read -r re; do
			i=$((i + 1))
			got=$(sed -n "${i}p" "$d/stderr")
			if ! printf '%s\n' "$got" | grep -Eqx -- "$re"; then
				problem "stderr line $i does not match /$re/"
			fi
		done <"$d/stderr.re"
	elif test -f "$s/stderr_contains"; then
		local re
		while IFS= read -r re; do
			if ! grep -Eq -- "$re" "$d/stderr"; then
				problem "no stderr line matches /$re/"
			fi
		done < <(subst "$s/stderr_contains")
	elif test -s "$d/stderr"; then
		problem "stderr is not empty"
	fi
}

diff_detail() {
	local line
	detail "--- $1"
	while IFS= read -r line; do
		detail "$line"
	done < <(diff -u "$2" "$3" | tail -n +3 | head -n 60 | cut -c 1-300)
}

# run_worker NAME: run one scenario in a subshell; its report goes to
# RESULTS/NAME (first line "ok" or "FAIL"), and its server is stopped by
# PID whatever happens.
run_worker() {
	LIB_PIDS=""	# the other workers are the parent's business
	trap lib_stop_all EXIT
	trap 'exit 143' TERM
	local n=$1 out=$RESULTS/$1.tmp reason r rc=0
	desc=
	skip_why=
	run_one "$n" || rc=$?
	if test $rc = 0; then
		echo ok >"$out"
		echo "$n${desc:+ - $desc}" >>"$out"
	elif test $rc = 2 && test -n "$skip_why"; then
		echo skip >"$out"
		echo "$n - $skip_why" >>"$out"
	else
		reason=${reasons[0]}
		for r in "${reasons[@]:1}"; do
			reason+="; $r"
		done
		{
			echo FAIL
			echo "$n: $reason"
			printf '%s\n' "${details[@]}"
		} >"$out"
	fi
	mv "$out" "$RESULTS/$n"
}

# print_result NAME: report a finished scenario, count it
print_result() {
	local f=$RESULTS/$1 status first
	local -a rest=()
	{
		read -r status
		read -r first
		while IFS= read -r line; do
			rest+=("$line")
		done
	} <"$f"
	if test "$status" = ok; then
		lib_pass "$first"
	elif test "$status" = skip; then
		echo "skip $first"
	else
		lib_fail "$first" "${rest[@]}"
	fi
}

# The order to start them in: those that wait longest first (what their
# server script waits: sleep, quiet, drip; silence and a stalled
# handshake wait for outbox's timeout), so that the slow ones overlap
# with the rest instead of ending the run.  Reports stay in name order.
order=()
while IFS= read -r n; do
	order+=("$n")
done < <(cd "$SCEN" && awk '
	FNR == 1 { sec = ""; to = 0; w[FILENAME] = 0 }
	/^\[[a-z][a-z ]*\]$/ { sec = $0; next }
	sec == "[config]" && $1 == "timeout" { to = $2 + 0 }
	sec == "[server]" && ($1 == "sleep" || $1 == "quiet") {
		w[FILENAME] += $2 }
	sec == "[server]" && $1 == "drip" {
		w[FILENAME] += $2 * (length($0) - length($1 " " $2 " ") + 2) }
	sec == "[server]" && ($1 == "silence" || / stall/) {
		w[FILENAME] += to ? to : 10 }
	END { for (f in w) printf "%.3f %s\n", w[f], f }
	' "${names[@]}" | sort -k1,1nr -k2,2 | cut -d' ' -f2-)

serve_start
RESULTS=$LIB_TMP/results
mkdir -p "$RESULTS"
workers=()
next=0	# index of the next scenario to report
for ((i = 0; i < ${#order[@]}; i++)); do
	while test "$(jobs -rp | wc -l)" -ge "$jobs"; do
		wait -n 2>/dev/null
	done
	run_worker "${order[$i]}" &
	workers+=($!)
	LIB_PIDS="$LIB_PIDS $!"
	while test $next -lt ${#names[@]} && test -f "$RESULTS/${names[$next]}"; do
		print_result "${names[$next]}"
		next=$((next + 1))
	done
done
for w in "${workers[@]}"; do
	wait "$w" 2>/dev/null
	lib_forget "$w"
done
while test $next -lt ${#names[@]}; do
	if test -f "$RESULTS/${names[$next]}"; then
		print_result "${names[$next]}"
	else
		lib_fail "${names[$next]}: the scenario runner died"
	fi
	next=$((next + 1))
done
serve_end
test -n "$LIB_KEEP" && echo "# temporary files in $LIB_TMP"
lib_summary
