#!/bin/bash
# multiuser.sh -- issue 10's privilege model: outbox installed setgid to
# its own group (2755 root:GROUP, the group taken from the file), a 0640
# root:GROUP /etc/outbox.conf holding the password, and users who send
# through it without ever seeing the password.
#
#   1. a user sends through the 0640 file (/usr/sbin/sendmail is outbox)
#   2. the password is in none of -v, --print-config, --json, -X's log,
#      --dry-run, --serverinfo, error messages, under any environment
#   3. it does not follow the user's own host (--host, a user file)
#   4. nor show in /proc/PID/{environ,mem,maps,fd}, ptrace or a core dump
#      of the running outbox (a plain copy is the control)
#   5. -C of a file the user cannot read and -X into places the user
#      cannot write are refused
#   6. the shared system queue: deferred mail of each user lands there,
#      owned by the user, "uid: N" in the envelope; mailq shows each user
#      their own; --drop of another's entry fails; root's -q delivers
#   7. real callers as other users: PHP's mail() as www-data, s-nail
#      with metoo (-m), at(1) through atd
#   8. the binary without the setgid bit works as before
#   9. the group comes from the binary at run time
# The cron daemon's part, which waits for a minute boundary, is
# tests/multiuser-cron.sh (make check-slow).
#
# Root, unshare(1), overlayfs and useradd(8) are needed (else a skip line
# and exit 77); everything happens in a private mount namespace: see
# tests/lib/multiuser.sh.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/multiuser.sh"

AH=$(mu_home $ALICE)
BH=$(mu_home $BOB)
SENDMAIL=/usr/sbin/sendmail
test $MU_SENDMAIL = yes || SENDMAIL=$MU_BIN/outbox
mkdir -m 755 "$T_DIR/pub"
PEEK=$T_DIR/pub/procpeek.py
install -m 644 "$srcdir/tests/lib/procpeek.py" "$PEEK"
Q=/var/spool/outbox

# ufile USER PATH: stdin into PATH, 0600, USER's (and its new folders).
ufile() {
	_d=$(dirname "$2")
	if ! test -d "$_d"; then
		install -d -o "$1" -g "$1" -m 700 "$_d"
	fi
	cat >"$2"
	chown "$1:$1" "$2"
	chmod 600 "$2"
}
# entries: the ids in the system queue's queue/.
entries() { ls "$Q/queue" 2>/dev/null | grep -v '\.env$'; }
# new_entry BEFORE: the id in queue/ not in BEFORE (a list).
new_entry() { entries | grep -vxF -e "${1:-none}" | head -1; }
# rc_in LIST: the last run exited with one of LIST.
rc_in() { case " $1 " in *" $T_RC "*) return 0 ;; esac; return 1; }

# ---- 0. the setting ---------------------------------------------------------

urun $ALICE /dev/null "$MU_BIN/mu-id" -gn
check "setgid works here: a 2755 root:$MU_GROUP id(1) run by $ALICE has egid $MU_GROUP" \
    test "$(cat "$T_OUT")" = $MU_GROUP
urun $ALICE /dev/null cat /etc/outbox.conf
check "$ALICE cannot read /etc/outbox.conf (0640 root:$MU_GROUP) herself" \
    test $T_RC != 0
check "the outbox $ALICE runs is 2755 root:$MU_GROUP" \
    test "$(stat -c %a:%U:%G "$MU_BIN/outbox")" = 2755:root:$MU_GROUP

# ---- 1. sending through the 0640 file -----------------------------------------

msg "$T_DIR/m" tok-send-1
urun $ALICE "$T_DIR/m" "$SENDMAIL" -i bob@example.org
expect "$ALICE: $SENDMAIL -i through the 0640 /etc/outbox.conf exits 0" 0
delivered "$ALICE's message" tok-send-1 bob@example.org "$SND_ALICE" &&
    check "$ALICE's message: the From added is qualified" \
	grep -Eq "$SND_ALICE" <<<"$(meta "$MU_LAST" hdr:From)"
msg "$T_DIR/m" tok-send-froot
urun $ALICE "$T_DIR/m" "$SENDMAIL" -i -f root bob@example.org
expect "$ALICE: sendmail -f root exits 0" 0
delivered "$ALICE's -f root" tok-send-froot bob@example.org \
    "root@example\.net|admin@example\.org"
msg "$T_DIR/m" tok-send-bob
urun $BOB "$T_DIR/m" outbox -i bob@example.org
expect "$BOB: outbox through the 0640 file exits 0" 0
delivered "$BOB's message" tok-send-bob bob@example.org "$SND_BOB"

# ---- 2. the password in no output --------------------------------------------

# The second round adds what a user may set to make outbox talk: a
# password of their own, GnuTLS debugging and key logging.
TRICKS="OUTBOX_PASSWORD=users-own-pw GNUTLS_DEBUG_LEVEL=99 SSLKEYLOGFILE=$AH/keylog GNUTLS_KEYLOGFILE=$AH/keylog2 MALLOC_PERTURB_=85"
for round in plain tricks; do
	if test $round = plain; then E= w=""; else E=$TRICKS w=" (env tricks)"; fi
	msg "$T_DIR/m" "tok-v-$round"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox -v bob@example.org
	test $round = plain && expect "-v: exits 0" 0
	check "-v$w: the transcript is printed, AUTH included" grep -q 'AUTH' "$T_ERR"
	no_leak "-v$w: no password in the transcript" "$T_OUT" "$T_ERR"

	# shellcheck disable=SC2086
	urun $ALICE /dev/null $E outbox --print-config
	test $round = plain && expect "--print-config: exits 0" 0
	check "--print-config$w: shows a password line" grep -q '^password' "$T_OUT"
	no_leak "--print-config$w: masked" "$T_OUT" "$T_ERR"

	msg "$T_DIR/m" "tok-json-$round"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox --json bob@example.org
	test $round = plain && expect "--json: exits 0" 0
	check "--json$w: prints the outcome" grep -q '"status"' "$T_OUT"
	no_leak "--json$w: no password" "$T_OUT" "$T_ERR"

	msg "$T_DIR/m" "tok-log-$round"
	rm -f "$AH/mu.log"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox -X "$AH/mu.log" bob@example.org
	test $round = plain && expect "-X ~/mu.log: exits 0" 0
	check "-X ~/mu.log$w: the log line is written" grep -qs 'smtpstatus=' "$AH/mu.log"
	no_leak "-X ~/mu.log$w: no password in the log or output" \
	    "$AH/mu.log" "$T_OUT" "$T_ERR"

	msg "$T_DIR/m" "tok-dry-$round"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox --dry-run -v bob@example.org
	test $round = plain && expect "--dry-run: exits 0" 0
	no_leak "--dry-run$w: no password" "$T_OUT" "$T_ERR"

	# shellcheck disable=SC2086
	urun $ALICE /dev/null $E outbox --serverinfo -v
	test $round = plain && expect "--serverinfo: exits 0" 0
	no_leak "--serverinfo$w: no password" "$T_OUT" "$T_ERR"

	msg "$T_DIR/m" "tok-wrong-$round"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox -A wrongpw -v --json bob@example.org
	test $round = plain && expect "a refused password (535): exits 77" 77
	no_leak "a refused password$w: not in the error, transcript or JSON" \
	    "$T_OUT" "$T_ERR"

	msg "$T_DIR/m" "tok-tls-$round"
	rm -f "$AH/keylog" "$AH/keylog2"
	# shellcheck disable=SC2086
	urun $ALICE "$T_DIR/m" $E outbox -A tls -v bob@example.org
	test $round = plain && expect "STARTTLS account: exits 0" 0
	no_leak "STARTTLS account$w: no password" "$T_OUT" "$T_ERR"
	check "STARTTLS account$w: no TLS key log written for the user" \
	    test ! -e "$AH/keylog" -a ! -e "$AH/keylog2"
done

# ---- 3. the password does not follow the user's own host --------------------

# A server of the user's: offers AUTH, reads one command, refuses it,
# says goodbye to the next.
evil() {
	start_script "$1" <<'EOF'
> 220 evil.test ESMTP
< EHLO *
> 250-evil.test
> 250 AUTH PLAIN LOGIN
<~ .*
> 535 5.7.8 no
<~ .*
> 221 2.0.0 bye
close
EOF
}
# evil_done NAME WHAT: stop server NAME; what it got holds no password.
evil_done() {
	lib_stop "$SC_PID"
	lib_forget "$SC_PID"
	no_leak "$2: the password does not reach the user's server" \
	    "$T_DIR/$1.transcript" "$T_DIR/$1.log" "$T_OUT" "$T_ERR"
}
msg "$T_DIR/m" tok-evil
evil evil1
urun $ALICE "$T_DIR/m" outbox --host 127.0.0.1 --port "$SC_PORT" bob@example.org
evil_done evil1 "--host/--port"
evil evil2
ufile $ALICE "$AH/.config/outbox/config" <<EOF
account mine : default
host 127.0.0.1
port $SC_PORT
EOF
urun $ALICE "$T_DIR/m" outbox -A mine bob@example.org
evil_done evil2 "a user account inheriting the system default"
evil evil3
ufile $ALICE "$AH/.config/outbox/config" <<EOF
host 127.0.0.1
port $SC_PORT
EOF
urun $ALICE "$T_DIR/m" outbox bob@example.org
evil_done evil3 "a user file setting the default account's host"
evil evil4
ufile $ALICE "$AH/.config/outbox/config" <<EOF
account default
host 127.0.0.1
port $SC_PORT
EOF
urun $ALICE "$T_DIR/m" outbox bob@example.org
evil_done evil4 "a user file redefining account default"
rm -f "$AH/.config/outbox/config"

# ---- 4. /proc, ptrace, core dumps ---------------------------------------------

# stall NAME: a server that takes the EHLO and then answers nothing for
# 30 s: the outbox talking to it has read its configuration and waits.
stall() {
	start_script "$1" <<'EOF'
> 220 stall.test ESMTP
< EHLO *
sleep 30
> 250 stall.test
drain
EOF
}
# at_ehlo NAME PID: PID has sent its EHLO to server NAME (5 s at most).
at_ehlo() {
	_i=0
	while ! grep -q EHLO "$T_DIR/$1.log" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || return 1
		_i=$((_i + 1))
		test $_i -gt 100 && return 1
		sleep 0.05
	done
}
# Cores are looked for where the kernel writes them: in the process's
# folder (a core_pattern without "/" and not a pipe), and only when the
# core size limit can be lifted.
CORES=no
case $(cat /proc/sys/kernel/core_pattern 2>/dev/null) in
'|'* | */* | '') ;;
*) test "$(ulimit -H -c)" = unlimited && CORES=yes ;;
esac
test $CORES = no && echo "skip - core dumps: core_pattern is" \
    "'$(cat /proc/sys/kernel/core_pattern)' or no core size allowed"
cores() { ls "$1" | grep '^core' ; }

# The control: a dumpable process of the same user, holding a secret of
# its own in its environment and memory.  The probe must find it there,
# or its "denied" below would mean nothing.  (outbox itself, setgid or
# not, makes itself not dumpable: it cannot be the control.)
CTL=ctl-$("$PY" -c 'import secrets; print(secrets.token_hex(12))')
uspawn $ALICE /dev/null "$T_DIR/ctl.out" "$T_DIR/ctl.err" CTL="$CTL" \
    "$PY" -c 'import os, sys, time
s = "<" + os.environ["CTL"] + ">"
print("up", flush=True)
time.sleep(60)'
PID=$LIB_PID
if lib_wait_file "$T_DIR/ctl.out" 5; then
	urun $ALICE /dev/null "$PY" "$PEEK" $PID "$CTL"
	cp "$T_OUT" "$T_DIR/peek.ctl"
	check "control: another process's environ is readable to its user" \
	    grep -qx 'environ SECRET' "$T_DIR/peek.ctl"
	check "control: ... its memory too, the secret found in it" \
	    grep -qx 'mem SECRET' "$T_DIR/peek.ctl"
	check "control: ... its fds too" grep -qx 'fd readable' "$T_DIR/peek.ctl"
	check "control: ... and ptrace attaches" \
	    grep -Eqx 'ptrace (attached|SECRET)' "$T_DIR/peek.ctl"
	kill -SEGV $PID
	lib_wait_exit $PID 10
	if test $CORES = yes; then
		check "control: that process killed by SIGSEGV leaves a core" \
		    test -n "$(cores "$AH")"
		for c in $(cores "$AH"); do rm -f "$AH/$c"; done
	fi
else
	fail "control: the process starts" "$(cat "$T_DIR/ctl.err")"
fi

stall stall-sgid
MU_STALL_PORT=$SC_PORT
sysconf
msg "$T_DIR/m" tok-stall
uspawn $ALICE "$T_DIR/m" "$T_DIR/sgid.out" "$T_DIR/sgid.err" \
    outbox -A stall bob@example.org
PID=$LIB_PID
if at_ehlo stall-sgid $PID; then
	pass "the setgid outbox, run by $ALICE, reaches the (stalling) server"
	urun $ALICE /dev/null "$PY" "$PEEK" $PID "$SECRET"
	P=$T_DIR/peek.sgid
	cp "$T_OUT" "$P"
	check "/proc/PID of the running outbox is root's (not dumpable)" \
	    grep -qx 'owner 0' "$P"
	check "/proc/PID/environ: $ALICE is denied" grep -qx 'environ denied' "$P"
	check "/proc/PID/maps: $ALICE is denied" grep -qx 'maps denied' "$P"
	check "/proc/PID/mem: $ALICE is denied" grep -qx 'mem denied' "$P"
	check "/proc/PID/fd: $ALICE is denied" grep -qx 'fd denied' "$P"
	check "ptrace(PTRACE_ATTACH): $ALICE is denied" grep -qx 'ptrace denied' "$P"
	check "/proc/PID/cmdline holds no password" ! grep -qx 'cmdline SECRET' "$P"
	check "no SECRET anywhere the probe looked" ! grep -q SECRET "$P"
	if command -v gdb >/dev/null 2>&1; then
		urun $ALICE /dev/null gdb -n -batch -p $PID -ex 'info proc mappings'
		check "gdb -p cannot attach as $ALICE" ! grep -q '^process' "$T_OUT"
		no_leak "gdb -p: no password" "$T_OUT" "$T_ERR"
	fi
	kill -0 $PID 2>/dev/null && kill -SEGV $PID
	lib_wait_exit $PID 10
	if test $CORES = yes; then
		check "the setgid outbox killed by SIGSEGV leaves no core" \
		    test -z "$(cores "$AH")"
	fi
	no_leak "nothing in $ALICE's home holds the password" "$AH"
else
	fail "the setgid outbox, run by $ALICE, reaches the (stalling) server" \
	    "(so /proc, ptrace and cores were not probed)" \
	    "stderr: $(head -c 400 "$T_DIR/sgid.err")"
fi
lib_stop "$SC_PID"

# ---- 5. -C and -X the user could not use on their own ------------------------

cut -d: -f1,2 /etc/shadow | grep -v ':$' >"$T_DIR/shadow.pats"
urun $ALICE /dev/null outbox -C /etc/shadow --print-config
check "-C /etc/shadow: refused (exit 78 or 66)" rc_in "66 78"
check "-C /etc/shadow: nothing of it shown" \
    ! grep -qaF -f "$T_DIR/shadow.pats" "$T_OUT" "$T_ERR"

HIDDEN=mu-hidden-$("$PY" -c 'import secrets; print(secrets.token_hex(8))')
printf '%s on\n' "$HIDDEN" >/etc/mu-groupfile
chgrp $MU_GROUP /etc/mu-groupfile
chmod 640 /etc/mu-groupfile
urun $ALICE /dev/null outbox -C /etc/mu-groupfile --print-config
check "-C a 0640 root:$MU_GROUP file: refused (exit 78 or 66)" rc_in "66 78"
check "-C a 0640 root:$MU_GROUP file: nothing of it shown" \
    ! grep -qaF "$HIDDEN" "$T_OUT" "$T_ERR"

# A working configuration, the group's alone: usable through outbox's
# group, not by the user.
sed -n '/^defaults/,/^account tls/p' /etc/outbox.conf | sed '$d' \
    >/etc/mu-groupconf
chgrp $MU_GROUP /etc/mu-groupconf
chmod 640 /etc/mu-groupconf
msg "$T_DIR/m" tok-groupconf
urun $ALICE "$T_DIR/m" outbox -C /etc/mu-groupconf bob@example.org
check "-C another 0640 root:$MU_GROUP configuration: refused (exit 78 or 66)" \
    rc_in "66 78"
check "-C another 0640 root:$MU_GROUP configuration: nothing sent" \
    test -z "$(arrived tok-groupconf 0)"
no_leak "-C another 0640 root:$MU_GROUP configuration: no password shown" \
    "$T_OUT" "$T_ERR"

printf 'untouched\n' >/etc/mu-gw.log
chgrp $MU_GROUP /etc/mu-gw.log
chmod 660 /etc/mu-gw.log
xn=0
for x in /root/mu-x.log $Q/queue/mu-x.log $Q/tmp/mu-x.log $Q/mu-x.log \
    /etc/mu-gw.log; do
	xn=$((xn + 1))
	msg "$T_DIR/m" "tok-x-$xn"
	urun $ALICE "$T_DIR/m" outbox -X "$x" bob@example.org
	if test $x = /etc/mu-gw.log; then
		check "-X $x (0660 root:$MU_GROUP): not written" \
		    test "$(wc -l <$x)" = 1
	else
		check "-X $x: refused, no log there" test ! -e "$x"
		rm -f "$x"
	fi
	check "-X $x: ... and outbox says so" grep -qF "$x" "$T_ERR"
done

# ---- 6. the shared system queue -----------------------------------------------

# What the sections above left in the system queue (the stalled outbox
# killed, the 535s) is not this section's: cleared.
rm -f $Q/tmp/* $Q/queue/* $Q/failed/*
MU_DEFAULT_PORT=$DOWN
sysconf
before=$(entries)
msg "$T_DIR/m" tok-q-alice
urun $ALICE "$T_DIR/m" "$SENDMAIL" -i alice-q@example.org
expect "smarthost down: $ALICE's message is queued, exit 0" 0 'queue'
A1=$(new_entry "$before")
check "... in the system queue, $Q/queue/" test -n "$A1"
# in_state HOME TOKEN: a file under HOME/.local/state holds TOKEN.
in_state() { grep -rqF "$2" "$1/.local/state" 2>/dev/null; }
check "... not in $ALICE's ~/.local/state" ! in_state "$AH" tok-q-alice
# owned_by ID USER UID: queue/ID and its envelope belong to UID, and the
# envelope records it.
owned_by() {
	check "... the entry's files are $2's (uid $3)" \
	    test "$(stat -c %u "$Q/queue/$1" "$Q/queue/$1.env" | sort -u)" = "$3"
	check "... the envelope says uid: $3" grep -qx "uid: $3" "$Q/queue/$1.env"
}
if test -n "$A1"; then
	owned_by "$A1" $ALICE "$ALICE_UID"
	urun $BOB /dev/null cat "$Q/queue/$A1"
	check "$BOB cannot read $ALICE's entry" test $T_RC != 0
fi

# Bob's is deferred by a 451.
start_script temp <<'EOF'
> 220 temp.test ESMTP
< EHLO *
> 250-temp.test
> 250 AUTH PLAIN LOGIN
<~ AUTH .*
> 235 2.7.0 ok
<~ MAIL FROM:.*
> 451 4.3.0 try again later
<~ .*
> 221 2.0.0 bye
close
EOF
MU_TEMP_PORT=$SC_PORT
sysconf
before=$(entries)
msg "$T_DIR/m" tok-q-bob
urun $BOB "$T_DIR/m" outbox -A tempfail -i bob-q@example.org
expect "451 to MAIL: $BOB's message is queued, exit 0" 0 'queue'
lib_stop "$SC_PID"
B1=$(new_entry "$before")
check "... in the system queue" test -n "$B1"
check "... not in $BOB's ~/.local/state" ! in_state "$BH" tok-q-bob
if test -n "$B1"; then owned_by "$B1" $BOB "$BOB_UID"; fi
no_leak "the queue holds no password" "$Q"

# listed ID OUT: ID is non-empty and appears in the listing OUT.
listed() { test -n "$1" && grep -qF "$1" "$2"; }
urun $ALICE /dev/null mailq
expect "mailq as $ALICE: exits 0" 0
check "mailq as $ALICE: lists her entry" listed "$A1" "$T_OUT"
check "mailq as $ALICE: not $BOB's" ! grep -qF -e "${B1:-none}" -e bob-q@ "$T_OUT"
urun $BOB /dev/null outbox --list
expect "outbox --list as $BOB: exits 0" 0
check "outbox --list as $BOB: lists his entry" listed "$B1" "$T_OUT"
check "outbox --list as $BOB: not $ALICE's" ! grep -qF -e "${A1:-none}" -e alice-q@ "$T_OUT"
rrun /dev/null --list
expect "outbox --list as root: exits 0" 0
check "outbox --list as root: lists both" \
    eval 'listed "$A1" "$T_OUT" && listed "$B1" "$T_OUT"'

urun $ALICE /dev/null outbox --drop "${B1:-none}"
check "$ALICE: --drop $BOB's entry fails (exit 66 or 77)" rc_in "66 77"
check "... and it is still there" test -n "$B1" -a -e "$Q/queue/$B1.env"
urun $ALICE /dev/null outbox --drop "${A1:-none}"
expect "$ALICE: --drop her own entry exits 0" 0
check "... and it is gone" test -n "$A1" -a ! -e "$Q/queue/$A1.env" -a ! -e "$Q/queue/$A1"

before=$(entries)
msg "$T_DIR/m" tok-q-alice2
urun $ALICE "$T_DIR/m" "$SENDMAIL" -i alice-q@example.org
expect "$ALICE queues another, exit 0" 0
A2=$(new_entry "$before")

MU_DEFAULT_PORT=$SH_PORT MU_TEMP_PORT=$SH_PORT
sysconf
rrun /dev/null -q
expect "root's outbox -q: exits 0" 0
delivered "$ALICE's queued message, by root's -q" tok-q-alice2 \
    alice-q@example.org "$SND_ALICE"
delivered "$BOB's queued message, by root's -q" tok-q-bob \
    bob-q@example.org "$SND_BOB"
check "the system queue is empty after root's -q" \
    test -n "$A2" -a -n "$B1" -a -z "$(entries)"
check "root's -q left nothing in failed/" test -z "$(ls -A $Q/failed)"

# A system account with rate_limit: a user cannot count its sends (the
# send log is root's, in the system queue), so the messages wait there
# for root's run, which keeps to the limit.
printf '\naccount limited\nhost 127.0.0.1\nport %s\nuser u\npassword %s\nrate_limit 1/1h\n' \
    "$SH_PORT" "$SECRET" >>/etc/outbox.conf
before=$(entries)
for i in 1 2; do
	msg "$T_DIR/m" tok-rate-$i
	urun $ALICE "$T_DIR/m" "$SENDMAIL" -A limited -i alice-q@example.org
	expect "rate_limit, system account: $ALICE's message $i waits, exit 0" 0 \
	    "rate_limit 1/1h of account limited: queued as .* for the system queue run"
done
check "... both in the system queue" test "$(entries | grep -cvxF -e "${before:-none}")" = 2
urun $ALICE /dev/null outbox -q
check "$ALICE's own -q leaves them to root's run" test "$(entries | wc -l)" = 2
rrun /dev/null -q
expect "root's -q keeps to rate_limit 1/1h" 0 "rate_limit 1/1h reached: 1 entry held"
check "... one sent, one still queued" test "$(entries | wc -l)" = 1 -a \
    "$(grep -lF tok-rate- "$MAILDIR"/*.eml 2>/dev/null | wc -l)" = 1
check "... its send log is root's, 0600" test "$(stat -c '%u %a' $Q/rate/a-limited)" = "0 600"
rm -f $Q/queue/*
sysconf

# ---- 7. real callers -------------------------------------------------------------

if test $MU_SENDMAIL = no; then
	echo "skip - callers: no /usr/sbin/sendmail to mount outbox over"
else
	if command -v php >/dev/null 2>&1; then
		urun $WWW /dev/null php -r \
		    'var_dump(mail("bob@example.org", "tok-php-1", "body tok-php-1"));'
		check "PHP mail() as $WWW returns true" grep -q 'bool(true)' "$T_OUT"
		delivered "PHP mail() as $WWW" tok-php-1 bob@example.org "$SND_WWW"
		urun $WWW /dev/null php -r \
		    'var_dump(mail("bob@example.org", "tok-php-2", "body tok-php-2", "", "-froot"));'
		check "PHP mail(..., \"-froot\") as $WWW returns true" \
		    grep -q 'bool(true)' "$T_OUT"
		delivered "PHP mail(..., \"-froot\")" tok-php-2 bob@example.org \
		    "root@example\.net|admin@example\.org"
	else
		echo "skip - PHP mail(): php not found (Debian php-cli)"
	fi
	if command -v s-nail >/dev/null 2>&1; then
		printf 'body tok-snail\n' >"$T_DIR/m"
		urun $ALICE "$T_DIR/m" s-nail -:/ -S metoo -S sendwait \
		    -s tok-snail bob@example.org
		expect "s-nail with metoo (sendmail -m) as $ALICE: exits 0" 0
		delivered "s-nail with metoo" tok-snail bob@example.org "$SND_ALICE"
	else
		echo "skip - s-nail: not found (Debian s-nail)"
	fi
	if command -v atd >/dev/null 2>&1 && command -v at >/dev/null 2>&1 &&
	    test -d /var/spool/cron/atjobs; then
		# As a service starts: a clean environment.
		# shellcheck disable=SC2086
		lib_spawn env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $MU_SANENV \
		    atd -f
		ATD=$LIB_PID
		printf 'echo ran >"$HOME/at-ran"; echo tok-at-output\n' >"$T_DIR/job"
		urun $ALICE "$T_DIR/job" at now
		expect "at now as $ALICE: exits 0" 0
		lib_wait_file "$AH/at-ran" 30
		check "atd ran the job (as $ALICE)" \
		    test "$(stat -c %U "$AH/at-ran" 2>/dev/null)" = $ALICE
		MU_WAIT=10 delivered "at's mail of the job's output (atd)" \
		    tok-at-output alice@example.org "$SND_ALICE" &&
		    check "at's mail: To is qualified" \
			grep -q '@' <<<"$(meta "$MU_LAST" hdr:To)"
		lib_stop $ATD
		lib_forget $ATD
	else
		echo "skip - at: atd/at not found (Debian at)"
	fi
fi

# ---- 8. without the setgid bit, as before -----------------------------------

ufile $ALICE "$AH/own.conf" <<EOF
host 127.0.0.1
port $SH_PORT
tls off
user u
password $SECRET
domain example.net
EOF
msg "$T_DIR/m" tok-plain
urun $ALICE "$T_DIR/m" "$MU_PLAIN/outbox" -C "$AH/own.conf" -i bob@example.org
expect "plain outbox, the user's own file: exits 0" 0
delivered "plain outbox" tok-plain bob@example.org "$SND_ALICE"
sed -i "s/^port .*/port $DOWN/" "$AH/own.conf"
before=$(entries)
msg "$T_DIR/m" tok-plain-q
urun $ALICE "$T_DIR/m" "$MU_PLAIN/outbox" -C "$AH/own.conf" -i bob@example.org
expect "plain outbox, server down: queued, exit 0" 0 'queue'
check "... in $ALICE's ~/.local/state/outbox/queue" \
    test -n "$(ls "$AH/.local/state/outbox/queue/queue" 2>/dev/null)"
check "... not in the system queue" test "$(entries)" = "$before"
urun $ALICE /dev/null "$MU_PLAIN/outbox" -C "$AH/own.conf" --list
check "plain outbox --list shows it" grep -q 'bob@example.org' "$T_OUT"
rm -f "$AH/own.conf"

# ---- 9. the group is the binary's, at run time -------------------------------

cp "$OUTBOX" "$MU_BIN/outbox-other"
chgrp $MU_GROUP2 "$MU_BIN/outbox-other"
chmod 2755 "$MU_BIN/outbox-other"
regroup() {
	chgrp "$1" /etc/outbox.conf $Q $Q/tmp $Q/queue $Q/failed
	chmod 3770 $Q/tmp $Q/queue $Q/failed
}
regroup $MU_GROUP2
msg "$T_DIR/m" tok-other
urun $ALICE "$T_DIR/m" outbox-other -i bob@example.org
expect "a copy setgid to $MU_GROUP2, files of $MU_GROUP2: exits 0" 0
delivered "setgid to $MU_GROUP2" tok-other bob@example.org "$SND_ALICE"
msg "$T_DIR/m" tok-other-old
urun $ALICE "$T_DIR/m" outbox -i bob@example.org
check "... while the $MU_GROUP one cannot send with them" \
    test -z "$(arrived tok-other-old 0)"
regroup $MU_GROUP

# ---- the end: no password left where the users can look ---------------------

no_leak "no file in the users' homes holds the password" "$T_DIR/home"
finish
