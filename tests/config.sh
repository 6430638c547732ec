#!/bin/bash
# config.sh -- configuration files, accounts, passwords and overrides.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

IN=$T_DIR/in
printf 'Subject: s\n\nb\n' >"$IN"
# Keep the real user's files out of the way.
export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
export XDG_STATE_HOME=$T_DIR/home/.state
unset OUTBOX_PASSWORD
mkdir -p "$HOME"
P1=$(closed_port)
P2=$(closed_port)

# --- errors name file and line ---------------------------------------------
mkconf "$T_DIR/bad" <<'EOC'
# comment
account default
host 127.0.0.1

bogus_keyword yes
EOC
run_outbox "$IN" -C "$T_DIR/bad" bob@example.org
expect "unknown keyword: exit 78 with file:line" 78 "bad:5: unknown keyword 'bogus_keyword'"
mkconf "$T_DIR/bad" <<'EOC'
account default
port 99999
EOC
run_outbox "$IN" -C "$T_DIR/bad" bob@example.org
expect "bad port value" 78 "bad:2: invalid value '99999' for 'port'"
mkconf "$T_DIR/bad" <<'EOC'
account a
host x
account a
EOC
run_outbox "$IN" -C "$T_DIR/bad" bob@example.org
expect "account defined twice" 78 "bad:3: account 'a' defined twice"
mkconf "$T_DIR/bad" <<'EOC'
account b : nosuch
EOC
run_outbox "$IN" -C "$T_DIR/bad" bob@example.org
expect "unknown parent account" 78 "bad:1: .*unknown account 'nosuch'"
run_outbox "$IN" -C "$T_DIR/missing" bob@example.org
expect "-C with a missing file" 78 "missing: No such file"

# --- password permissions ------------------------------------------------------
mkconf "$T_DIR/pw" <<EOC
host 127.0.0.1
port $P1
tls off
user joe
password s3cret-pw
EOC
chmod 644 "$T_DIR/pw"
run_outbox "$IN" -C "$T_DIR/pw" bob@example.org
expect "password in a group/other-readable file" 78 "pw:5: .*readable by group or others"
check "the secret is not shown" ! grep -q s3cret-pw "$T_ERR"
chmod 600 "$T_DIR/pw"
run_outbox "$IN" --no-queue -C "$T_DIR/pw" bob@example.org
expect "mode 0600 is fine (then the connection fails)" 75 "connect to 127.0.0.1 port $P1"
run_outbox /dev/null -C "$T_DIR/pw" --print-config
check "--print-config masks the password" grep -q '^password  *\*\*\*\*\*\*\*\*$' "$T_OUT"
check "--print-config never prints it" ! grep -q s3cret-pw "$T_OUT"
check "--print-config shows the user" grep -q '^user  *joe$' "$T_OUT"

# --- passwordeval, passwordenv, OUTBOX_PASSWORD --------------------------------
pwconf() {	# own queue: some runs here are outside run_outbox's namespace
	mkconf "$T_DIR/pe" <<EOC
host 127.0.0.1
port $P1
tls off
user joe
queue_dir $T_DIR/pe-queue
$1
EOC
}
pwconf 'passwordeval echo "it broke" >&2; exit 3'
run_outbox "$IN" -C "$T_DIR/pe" bob@example.org
expect "failing passwordeval: 78 with its stderr" 78 "passwordeval .*failed \(exit 3\): it broke"
pwconf 'passwordeval true'
run_outbox "$IN" -C "$T_DIR/pe" bob@example.org
expect "empty passwordeval" 78 "printed no password"
pwconf 'passwordeval head -c 100000 /dev/zero | tr "\\0" x'
run_outbox "$IN" -C "$T_DIR/pe" bob@example.org
expect "huge passwordeval output" 78 "longer than"
# Three passwordevals that never finish: each waits for the 1 s timeout,
# so the three run at the same time (own configuration and output each)
# and are checked one by one.
# pwbg N CMD...: CMD in the background, T_OUT/T_ERR $T_DIR/pwN.out/.err;
# its exit code and seconds in $T_DIR/pwN.rc and .secs.
pwbg() {
	_n=$1
	shift
	(
		T_OUT=$T_DIR/pw$_n.out T_ERR=$T_DIR/pw$_n.err
		_t0=$(date +%s)
		"$@"
		echo "$T_RC" >"$T_DIR/pw$_n.rc"
		echo $(( $(date +%s) - _t0 )) >"$T_DIR/pw$_n.secs"
	) &
	PWBG="${PWBG-} $!"
}
pwdone() {
	T_OUT=$T_DIR/pw$1.out T_ERR=$T_DIR/pw$1.err
	T_RC=$(cat "$T_DIR/pw$1.rc") T_SECS=$(cat "$T_DIR/pw$1.secs")
}
pwconf 'passwordeval sleep 30'
printf 'timeout 1\n' >>"$T_DIR/pe"
mv "$T_DIR/pe" "$T_DIR/pe1"
# The deadline covers the whole child, not only its output: one that
# closes stdout and stderr and goes on running is stopped too.
pwconf 'passwordeval echo secret; exec >&- 2>&-; sleep 60'
printf 'timeout 1\n' >>"$T_DIR/pe"
mv "$T_DIR/pe" "$T_DIR/pe2"
# ... and so is everything it started (its process group).
pwconf "passwordeval sleep 3600 & echo \$! >$T_DIR/bgpid; exec >&- 2>&-; wait"
printf 'timeout 1\n' >>"$T_DIR/pe"
mv "$T_DIR/pe" "$T_DIR/pe3"
pw_direct() {	# outbox itself, not in run_outbox's namespace
	T_RC=0
	timeout 30 "$OUTBOX" -C "$T_DIR/pe2" bob@example.org <"$IN" \
	    >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}
pwbg 1 run_outbox "$IN" -C "$T_DIR/pe1" bob@example.org
pwbg 2 pw_direct
pwbg 3 run_outbox "$IN" -C "$T_DIR/pe3" bob@example.org
# shellcheck disable=SC2086
wait $PWBG
pwdone 1
expect "hanging passwordeval" 78 "did not finish"
check "hanging passwordeval is cut off by the timeout" test "$T_SECS" -lt 10
pwdone 2
expect "passwordeval that closes its output and runs on" 78 "did not finish"
check "... is cut off by the timeout" test "$T_SECS" -lt 10
pwdone 3
expect "passwordeval with a background job" 78 "did not finish"
gone() {	# PID: no such process, or a zombie nobody reaped yet
	for _i in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$1" 2>/dev/null || return 0
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null && return 0
		sleep 0.2
	done
	kill "$1" 2>/dev/null	# ours: do not leave it behind
	return 1
}
check "... its background job is killed with it" gone "$(cat "$T_DIR/bgpid")"
T_OUT=$T_DIR/stdout T_ERR=$T_DIR/stderr
# The child sees descriptors 0, 1 and 2 only, default signal dispositions
# and an empty signal mask, whatever outbox inherited or opened.
cat >"$T_DIR/fdprobe.py" <<'EOP'
import os, sys
fds = [str(f) for f in range(4096) if os.path.islink("/proc/self/fd/%d" % f)]
with open(sys.argv[1], "w") as out:
    out.write(" ".join(fds) + "\n")
print("pw")
EOP
pwconf "passwordeval exec $PY $T_DIR/fdprobe.py $T_DIR/fds"
run_outbox "$IN" --no-queue -C "$T_DIR/pe" bob@example.org 7<"$IN" 8>&1
expect "passwordeval with extra descriptors open" 75 "connect to"
check "... the child has only 0, 1 and 2" test "$(cat "$T_DIR/fds")" = "0 1 2"
# Run from a parent that blocks SIGUSR1 and SIGTERM and ignores SIGINT
# (Python adds SIGPIPE and SIGXFSZ); exec, no fork, so grep shows the
# child's own state.  Bits 32 and 33 are glibc's, which no program sets.
pwconf "passwordeval exec grep -E '^Sig(Ign|Blk):' /proc/self/status >$T_DIR/sig"
T_RC=0
timeout 30 "$PY" -c 'import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1, signal.SIGTERM})
signal.signal(signal.SIGINT, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$OUTBOX" -C "$T_DIR/pe" bob@example.org \
    <"$IN" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
expect "passwordeval reporting its signal state" 78 "printed no password"
sigbits() {	# NAME: the bits of signals 1 to 31 in the child's mask NAME
	v=$(awk -v n="$1:" '$1 == n { print $2 }' "$T_DIR/sig")
	test -n "$v" && echo $(( 0x$v & 0x7fffffff ))
}
check "... nothing ignored (SIGPIPE, SIGINT neither)" test "$(sigbits SigIgn)" = 0
check "... nothing blocked" test "$(sigbits SigBlk)" = 0
# A command that asks on the terminal (pinentry-curses, read </dev/tty)
# gets it when outbox runs in the foreground of one: script(1) gives
# outbox a pseudo-terminal whose input is what we type here.
if command -v script >/dev/null 2>&1; then
	pwconf 'passwordeval read -r p </dev/tty && echo "$p"
timeout 5'
	printf 'Subject: t\n\nbody\n' >"$T_DIR/ttybody"
	T_RC=0
	printf 'typed-secret\n' | t_ns true script -qec "'$OUTBOX' -C \
	    '$T_DIR/pe' --no-queue -t <'$T_DIR/ttybody' -- bob@example.org" \
	    /dev/null >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	check "passwordeval can read the terminal it runs in" \
	    grep -q "connect to 127.0.0.1 port $P1" "$T_OUT"
	check "... and was not stopped until the deadline" \
	    ! grep -q "did not finish" "$T_OUT"
fi
pwconf 'passwordeval printf "line1\nline2\n"'
run_outbox "$IN" --no-queue -C "$T_DIR/pe" bob@example.org
expect "working passwordeval gets to the network" 75 "connect to"
pwconf 'passwordenv MY_SECRET_VAR'
run_outbox "$IN" -C "$T_DIR/pe" bob@example.org
expect "passwordenv naming an unset variable" 78 "MY_SECRET_VAR is not set"
MY_SECRET_VAR=x run_outbox "$IN" --no-queue -C "$T_DIR/pe" bob@example.org
expect "passwordenv set" 75 "connect to"

# --- a user without a password -------------------------------------------------
# Nothing gives one: 78 before any connection (P1 refuses connections: an
# attempt would be a 75), saying what to set.  Only composer mode at a
# terminal asks (below); sendmail mode, whose message is standard input,
# and the queue runner never do.
nopw() {
	mkconf "$T_DIR/np" <<EOC
host 127.0.0.1
port ${2:-$P1}
tls off
user joe
from sender@example.org
queue_dir $T_DIR/np-queue
timeout 5
$1
EOC
}
NOPW="account default: user set but no password: set password, passwordeval or passwordenv"
nopw ''
run_outbox "$IN" --no-queue -C "$T_DIR/np" bob@example.org
expect "user set, no password from any source: 78, what to set" 78 "$NOPW"
check "... before any connection" ! grep -q "connect to" "$T_ERR"
OUTBOX_PASSWORD=x run_outbox "$IN" --no-queue -C "$T_DIR/np" bob@example.org
expect "... OUTBOX_PASSWORD gives one" 75 "connect to 127.0.0.1 port $P1"
nopw 'auth external'
run_outbox "$IN" --no-queue -C "$T_DIR/np" bob@example.org
expect "... auth external needs none" 75 "connect to 127.0.0.1 port $P1"
nopw 'auth off'
run_outbox "$IN" --no-queue -C "$T_DIR/np" bob@example.org
expect "... auth off needs none" 75 "connect to 127.0.0.1 port $P1"
nopw 'auth xoauth2'
run_outbox "$IN" --no-queue -C "$T_DIR/np" bob@example.org
expect "... XOAUTH2 needs its token as the password" 78 "$NOPW"
nopw ''
run_outbox /dev/null -C "$T_DIR/np" --serverinfo --port "$P1"
expect "... --serverinfo needs none (it never logs in)" 75 "connect to 127.0.0.1 port $P1"
printf 'the body\n' >"$T_DIR/body"
run_outbox /dev/null --no-queue -C "$T_DIR/np" -s subj --body "$T_DIR/body" \
    bob@example.org
expect "... composer mode without a terminal does not ask" 78 "$NOPW"
run_outbox "$IN" -odq -C "$T_DIR/np" bob@example.org
expect "-odq queues it without an attempt" 0
run_outbox /dev/null -C "$T_DIR/np" -q
expect "the queue runner does not ask: the entry is deferred, saying why" \
    0 "queue [0-9a-f.]+: deferred: $NOPW"
check "... and stays queued" \
    test "$(ls "$T_DIR/np-queue/queue" | grep -c '\.env$')" = 1
check "... with the reason" grep -q "^last-error: $NOPW" \
    "$T_DIR"/np-queue/queue/*.env

# At a terminal (a pseudo-terminal where outbox is the foreground job:
# tests/lib/ptyrun.py), composer mode asks: echo off while it waits, on
# again after, on every path (^C and ^Z included).
PTY="$PY $srcdir/tests/lib/ptyrun.py"
start_smarthost pw --user joe --password 'pw-Secret1' \
    --auth-allow-plaintext --auth-required || exit 1
nopw '' "$SH_PORT"
ASK='Password for joe at 127.0.0.1 (account default): '
ask() {	# PTYRUN-ARGS...: a composed message, at a terminal
	T_RC=0
	t_ns true $PTY "$@" -- "$OUTBOX" -C "$T_DIR/np" -s asked \
	    --body "$T_DIR/body" bob@example.org >"$T_OUT" 2>&1 || T_RC=$?
}
field() { sed -n "s/^$1: //p" "$T_OUT"; }
ask --step "$ASK" 'pw-Secret1\n'
check "composer mode at a terminal asks for the password" \
    test "$(field waited)" = yes
check "... with echo off" test "$(field echo-at-wait)" = off
check "... and on again after" test "$(field echo-after)" = on
check "... the typed password is not shown" ! grep -q 'pw-Secret1' "$T_OUT"
check "... and logs in with it: sent" test "$(field status)" = 0
check "... the message arrived" test -s "$T_DIR/pw.mail/1.eml"
ask --step "$ASK" '\x03'
check "^C while it asks: outbox ends by SIGINT" test "$(field status)" = 130
check "... with echo on again" test "$(field echo-after)" = on
ask --step "$ASK" '\x1a' --step "$ASK" 'pw-Secret1\n'
check "^Z while it asks: stopped, asked again once continued" \
    sh -c "test '$(field stops)' = 1 && test '$(field waited)' = yes"
check "... echo on again, and sent" sh -c "test '$(field echo-after)' = on &&
    test '$(field status)' = 0"
ask --step "$ASK" '\n'
check "nothing typed: 78 saying so" sh -c "test '$(field status)' = 78 &&
    grep -q 'no password from the terminal: nothing typed' '$T_OUT'"
T_RC=0
t_ns true $PTY --step '' 'Subject: typed\n\nbody\n\x04' -- "$OUTBOX" \
    -C "$T_DIR/np" bob@example.org >"$T_OUT" 2>&1 || T_RC=$?
check "sendmail mode at a terminal never asks: 78" sh -c "
    test '$(field status)' = 78 && grep -q '$NOPW' '$T_OUT' &&
    ! grep -q 'Password for' '$T_OUT'"

# --- accounts, inheritance, choice ---------------------------------------------
mkconf "$T_DIR/acc" <<EOC
defaults
tls off
timeout 5
domain test.example

account one
host 127.0.0.1
port $P1
from one@example.org

account two : one
port $P2
from two@example.org

account default : one
EOC
run_outbox /dev/null -C "$T_DIR/acc" -A two --print-config
check "inheritance: two has one's host" grep -q '^host  *127.0.0.1$' "$T_OUT"
check "inheritance: two overrides port" grep -q "^port  *$P2\$" "$T_OUT"
check "defaults apply to accounts" grep -q '^domain  *test.example$' "$T_OUT"
run_outbox "$IN" --no-queue -C "$T_DIR/acc" -A two bob@example.org
expect "-A chooses the account" 75 "port $P2"
run_outbox "$IN" --no-queue -C "$T_DIR/acc" -f two@example.org bob@example.org
expect "-f chooses the account whose from matches" 75 "port $P2"
printf 'From: Two <TWO@example.org>\nTo: bob@example.org\n\nb\n' >"$T_DIR/in2"
run_outbox "$T_DIR/in2" --no-queue -C "$T_DIR/acc" -t
expect "-t: the From header chooses the account" 75 "port $P2"
run_outbox "$IN" --no-queue -C "$T_DIR/acc" bob@example.org
expect "otherwise account default" 75 "port $P1"
run_outbox "$IN" -C "$T_DIR/acc" -A nosuch bob@example.org
expect "-A with an unknown account" 78 "account 'nosuch' not found"
run_outbox /dev/null -C "$T_DIR/acc" --print-config --host h.example --port 2525 --tls implicit --user u
check "--host overrides" grep -q '^host  *h.example$' "$T_OUT"
check "--tls implicit" grep -q '^# tls mode: implicit, port 2525, auth on' "$T_OUT"

# --print-config shows what outbox will use: derived and default values,
# never "(unset)", never a secret.
mkconf "$T_DIR/eff" <<'EOC'
host h.example
from me@example.org
passwordeval echo s3cret-eval
EOC
run_outbox /dev/null -C "$T_DIR/eff" --print-config
expect "--print-config of a small file" 0
check "--print-config: no (unset)" ! grep -q '(unset)' "$T_OUT"
check "--print-config: a set value has no mark" grep -q '^host  *h.example$' "$T_OUT"
check "--print-config: the derived port" grep -q '^port  *587  # default$' "$T_OUT"
check "--print-config: STARTTLS in effect" grep -q '^tls_starttls  *on  # default$' "$T_OUT"
check "--print-config: auth off without a user" grep -q '^auth  *off  # default$' "$T_OUT"
check "--print-config: the trust store" grep -q "^tls_trust_file  *the system's trust store  # default$" "$T_OUT"
check "--print-config: the EHLO name" grep -q '^domain  *localhost  # default$' "$T_OUT"
check "--print-config: timeout with its unit" grep -q '^timeout  *60s  # default$' "$T_OUT"
check "--print-config: queue_max_age in days" grep -q '^queue_max_age  *5d  # default$' "$T_OUT"
if test "$(id -u)" = 0; then qd=/var/spool/outbox; else qd=$XDG_STATE_HOME/outbox/queue; fi
check "--print-config: the queue directory in use" grep -qx "queue_dir  *$qd  # default" "$T_OUT"
check "--print-config: passwordeval's command, from a file you can read" grep -q '^passwordeval  *echo s3cret-eval$' "$T_OUT"
mkconf "$T_DIR/eff" <<'EOC'
host h.example
user joe
port 465
EOC
run_outbox /dev/null -C "$T_DIR/eff" --print-config
check "--print-config: implicit TLS on 465" grep -q '^tls_starttls  *off  # default$' "$T_OUT"
check "--print-config: auth on with a user" grep -q '^auth  *on (the best mechanism the server offers)  # default$' "$T_OUT"
check "--print-config: the sender outbox makes up" grep -qE '^from  *[^ @]+@[^ ]+  # default$' "$T_OUT"

mkconf "$T_DIR/top" <<EOC
host 127.0.0.1
port $P1
tls off
EOC
run_outbox /dev/null -C "$T_DIR/top" --print-config
check "settings before any account form account default" grep -q '^# account default' "$T_OUT"
mkconf "$T_DIR/d" <<'EOC'
account a
host x.example
EOC
run_outbox /dev/null -C "$T_DIR/d" --print-config
expect "no default account and none chosen" 78 "no account chosen"

# derived defaults
derived() {
	mkconf "$T_DIR/dv" <<<"$1"
	run_outbox /dev/null -C "$T_DIR/dv" --print-config
	grep '^# tls mode' "$T_OUT"
}
check "default: STARTTLS on 587, auth off" test "$(derived 'host h')" = "# tls mode: starttls, port 587, auth off"
check "port 465 implies implicit TLS" test "$(derived "$(printf 'host h\nport 465')")" = "# tls mode: implicit, port 465, auth off"
check "port 465 with tls_starttls on" test "$(derived "$(printf 'host h\nport 465\ntls_starttls on')")" = "# tls mode: starttls, port 465, auth off"
check "tls off: port 25" test "$(derived "$(printf 'host h\ntls off')")" = "# tls mode: off, port 25, auth off"
check "auth on when a user is set" test "$(derived "$(printf 'host h\nuser u')")" = "# tls mode: starttls, port 587, auth on"

# --- file search order ---------------------------------------------------------
mkdir -p "$HOME/.config/msmtp"
mkconf "$HOME/.msmtprc" <<EOC
defaults
logfile_time_format %s
tls_min_dh_prime_bits 512
protocol smtp
hots typo.example
account default
host msmtp.example
tls_min_dh_prime_bits 1024
hots typo.example
add_missing_date_header off
EOC
run_outbox /dev/null --print-config
check "msmtp's ~/.msmtprc is read when outbox has none" grep -q '^host  *msmtp.example$' "$T_OUT"
check "msmtp keywords outbox knowingly ignores: no warning" \
    ! grep -qE "logfile_time_format|tls_min_dh_prime_bits|protocol" "$T_ERR"
check "a keyword unknown to msmtp too is a warning in msmtp's file" \
    grep -q "warning: .*msmtprc:5: ignoring unknown keyword 'hots'" "$T_ERR"
check "... once" test "$(grep -c hots "$T_ERR")" = 1
check "msmtp's old add_missing_date_header is set_date_header" \
    grep -q '^set_date_header  *off$' "$T_OUT"
mkdir -p "$XDG_CONFIG_HOME/outbox"
mkconf "$XDG_CONFIG_HOME/outbox/config" <<'EOC'
host outbox.example
EOC
run_outbox /dev/null --print-config
check "outbox's own file wins over msmtp's" grep -q '^host  *outbox.example$' "$T_OUT"
mkconf "$XDG_CONFIG_HOME/outbox/config" <<'EOC'
host outbox.example
logfile_time_format %s
protocol smtp
tls_nocertcheck
EOC
run_outbox /dev/null --print-config
expect "msmtp keywords outbox ignores are accepted in its own files too" 0
check "... silently" test ! -s "$T_ERR"
check "tls_nocertcheck is tls_certcheck off" grep -q '^tls_certcheck  *off$' "$T_OUT"
mkconf "$XDG_CONFIG_HOME/outbox/config" <<'EOC'
host outbox.example
hots typo.example
EOC
run_outbox /dev/null --print-config
expect "an unknown keyword is an error in outbox's own files" 78 "config:2: unknown keyword 'hots'"
# msmtp keywords whose value outbox cannot honour: refused, in any file.
refused() {	# refused LINE REGEX
	mkconf "$XDG_CONFIG_HOME/outbox/config" <<<"host outbox.example
$1"
	run_outbox /dev/null --print-config
	expect "refused: $1" 78 "config:2: $2"
}
refused "protocol lmtp" "protocol lmtp: outbox speaks SMTP only, not LMTP"
refused "socket /run/smtp.sock" "socket /run/smtp.sock: outbox connects over TCP only: set host and port"
refused "eval cat /etc/x" "eval cat /etc/x: outbox does not run commands"
refused "auto_from on" "auto_from on: msmtp 1.8 removed auto_from: set from"
refused "tls_sha1_fingerprint AB:CD" "tls_sha1_fingerprint AB:CD: set tls_fingerprint to the certificate's SHA-256 fingerprint"
rm -rf "$XDG_CONFIG_HOME/outbox" "$HOME/.msmtprc"

# --- config-less use -------------------------------------------------------------
run_outbox "$IN" --no-queue --host 127.0.0.1 --port "$P1" --tls off bob@example.org
expect "config-less: --host and --port" 75 "connect to 127.0.0.1 port $P1"
# No file at all: the error names every file looked for (here: this
# test's HOME and XDG_CONFIG_HOME) and the two ways out.
if test -e /etc/outbox.conf || test -e /etc/msmtprc; then
	echo "skip - no configuration at all (this machine has /etc/outbox.conf or /etc/msmtprc)"
else
	run_outbox "$IN" bob@example.org
	expect "no configuration at all: exit 78" 78
	one_line "... one line naming every file looked for" \
	    "no configuration: looked for /etc/outbox.conf, $XDG_CONFIG_HOME/outbox/config, /etc/msmtprc, $HOME/.msmtprc, $XDG_CONFIG_HOME/msmtp/config; give a server with --host HOST or write one of these files \\(see outbox\\.conf\\(5\\)\\)"
	XDG_CONFIG_HOME= run_outbox /dev/null --serverinfo
	expect "... without XDG_CONFIG_HOME: ~/.config (and --serverinfo says it too)" 78 \
	    "looked for /etc/outbox.conf, $HOME/.config/outbox/config, /etc/msmtprc, $HOME/.msmtprc, $HOME/.config/msmtp/config;"
fi
mkconf "$T_DIR/nohost" <<'EOC'
from me@example.org
EOC
run_outbox "$IN" -C "$T_DIR/nohost" bob@example.org
expect "a file without a host: the account's message" 78 \
    "no host configured for account default \\(set 'host' or use --host\\)"

# --- several hosts, tried in order ---------------------------------------------
# Nothing listens on 127.0.0.2 (the smarthost binds 127.0.0.1 only).
start_smarthost fo || exit 1
mkconf "$T_DIR/fo" <<EOC
host 127.0.0.2, 127.0.0.1
port $SH_PORT
tls off
timeout 5
from sender@example.org
EOC
run_outbox "$IN" -C "$T_DIR/fo" -v bob@example.org
expect "failover to the second host" 0
check "the first host was tried" grep -q "connecting to 127.0.0.2 port $SH_PORT" "$T_ERR"
check "the message arrived" test -s "$T_DIR/fo.mail/1.eml"
mkconf "$T_DIR/fo" <<EOC
host nonexistent.invalid
port $SH_PORT
tls off
EOC
if run_outbox_nodns "$IN" -C "$T_DIR/fo" bob@example.org; then
	expect "a host that does not exist" 68 "host not found"
else
	echo "skip - a host that does not exist (needs root and unshare)"
fi

# --- a configuration error never loses the message -----------------------------
# The message is kept in the user's own failed/ (here: the test's queue,
# given by XDG_STATE_HOME, or the private /var/spool of run_outbox as
# root), with the reason, and the exit is 78.
own_failed() {
	if test "$(id -u)" = 0; then echo "$T_DIR/spool/outbox/failed"
	else echo "$XDG_STATE_HOME/outbox/queue/failed"; fi
}
if test "$(id -u)" = 0 && test $T_NS != yes; then
	echo "skip - a configuration error keeps the message: root without" \
	    "a private mount namespace would use the real /var/spool/outbox"
	finish
	exit
fi
printf 'To: carol@example.org\nSubject: kept\n\nthe body line\n' >"$T_DIR/ck"
mkconf "$T_DIR/broken" <<EOC
host 127.0.0.1
bogus_keyword 1
EOC
before=$(ls "$(own_failed)" 2>/dev/null | grep -c '\.env$')
run_outbox "$T_DIR/ck" -C "$T_DIR/broken" -t bob@example.org
expect "broken configuration: exit 78" 78
one_line "... one line naming the error and where the message is" \
    "broken:2: unknown keyword 'bogus_keyword' \(kept in failed/ as [0-9a-f.]+\)$"
id=$(sed -n 's/.*(kept in failed\/ as \([0-9a-f.]*\))$/\1/p' "$T_ERR")
F=$(own_failed)
check "... the message is in failed/" grep -q "the body line" "$F/$id"
check "... with both recipients" sh -c "grep -q '^rcpt: bob@example.org\$' \
    '$F/$id.env' && grep -q '^rcpt: carol@example.org\$' '$F/$id.env'"
check "... and the reason" grep -q "^last-error: .*bogus_keyword" "$F/$id.env"
check "... one entry more" test "$(ls "$F" | grep -c '\.env$')" = $((before + 1))
run_outbox "$T_DIR/ck" -C "$T_DIR/nonexistent" bob@example.org
expect "a -C file that does not exist: exit 78" 78 \
    "nonexistent: No such file or directory \(kept in failed/ as"
run_outbox "$T_DIR/ck" -C "$T_DIR/broken" --dry-run bob@example.org
expect "--dry-run keeps nothing" 78
check "... and says nothing of keeping" ! grep -q kept "$T_ERR"
finish
