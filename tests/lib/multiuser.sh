# multiuser.sh -- the setting of tests/multiuser.sh and
# tests/multiuser-cron.sh (sourced by both, before anything else): outbox
# installed setgid to a group of its own (issue 10), a 0640 root:GROUP
# /etc/outbox.conf holding the password, the shared system queue, and
# test users who send through it.
#
# Nothing here touches the machine's own state.  The suite runs twice
# over:
#   outside  (as make check starts it) checks the prerequisites (root,
#            unshare, overlayfs, useradd: else a skip line and exit 77),
#            notes the host's state, runs the script again inside
#            "unshare -m --propagation private", then checks that the
#            host's state is what it was (no test user or group, no
#            /var/spool/outbox, no /etc/outbox.conf, /usr/sbin/sendmail
#            and the mounts unchanged) and prints the one summary line,
#            counting the inside's results too;
#   inside   (MU_INNER set) mounts, in that private mount namespace
#            only: an overlay over /etc (upper and work dirs in the
#            test's temp dir: groupadd/useradd rewrite /etc/passwd, so
#            no single-file bind there), a temp dir over /var/spool,
#            tmpfs over /run and /root, and the setgid outbox over
#            /usr/sbin/sendmail; then makes the group, the users and the
#            files, starts the smarthost, and returns to the suite.
#
# What the inside provides (names start with mu_ or MU_ unless harness.sh
# has them):
#   MU_GROUP        outbox's group; MU_GROUP2 another one
#   ALICE BOB WWW   the test users mu-alice, mu-bob and www-data;
#                   ALICE_UID, BOB_UID
#   MU_BIN          holds outbox (2755 root:MU_GROUP) and mailq (a link);
#                   first on the users' PATH
#   MU_PLAIN        outbox as built: 0755 root:root, not setgid
#   SECRET          the smarthost's password; it is in /etc/outbox.conf
#                   and nowhere a user can read
#   SH_PORT         the smarthost (tests/lib/smarthost.py: AUTH required,
#                   user "u", password SECRET; STARTTLS offered)
#   DOWN            a loopback port that refuses connections
#   sysconf         writes /etc/outbox.conf (0640 root:MU_GROUP) from
#                   MU_DEFAULT_PORT, MU_STALL_PORT and MU_TEMP_PORT
#   MU_TRACE=FILE   (set by the caller) both runs' bash -x, with times,
#                   appended to FILE
#   urun USER STDIN CMD...   CMD as USER, with a clean environment
#                   (HOME USER LOGNAME PATH LANG, and any NAME=VALUE put
#                   before CMD), in USER's home; T_OUT T_ERR T_RC as
#                   run_outbox
#   no_leak NAME FILE|DIR... pass unless a file (or one below DIR) holds
#                   SECRET in any form (as is, or in an AUTH PLAIN or
#                   LOGIN exchange)
#   arrived TOKEN   the smarthost's message number whose body holds
#                   TOKEN (waits up to $2 seconds, default 0), or ""
#   meta N FIELD    from message N: mail_from, rcpt (space separated),
#                   login (AUTH user, or "none"), hdr:NAME (a header)

if test -n "${MU_TRACE-}"; then
	exec 9>>"$MU_TRACE"
	BASH_XTRACEFD=9
	PS4='+ $EPOCHREALTIME $$ ${BASH_SOURCE##*/}:$LINENO: '
	set -x
fi

MU_GROUP=mu-outbox
MU_GROUP2=mu-other
ALICE=mu-alice
BOB=mu-bob
WWW=www-data
MU_NAME=$(basename "$0")

# mu_host_state: what the suite must leave as it was on the host.
mu_host_state() {
	for _n in $ALICE $BOB; do
		getent passwd "$_n" && echo "user $_n exists"
	done
	for _n in $MU_GROUP $MU_GROUP2; do
		getent group "$_n" && echo "group $_n exists"
	done
	for _f in /var/spool/outbox /etc/outbox.conf /etc/mu-aliases \
	    /var/spool/cron/crontabs/$ALICE /var/spool/cron/crontabs/$BOB; do
		test -e "$_f" && echo "$_f exists"
	done
	cksum /usr/sbin/sendmail 2>&1
	ls -A /var/spool/cron/atjobs 2>&1
	for _f in /etc /etc/passwd /var/spool /run /root /usr/sbin/sendmail; do
		echo "$_f: $(findmnt -n -o TARGET,FSTYPE -T "$_f")"
	done
}

if test -z "${MU_INNER-}"; then
	. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
	mu_skip() {
		echo "skip - $MU_NAME: $*"
		finish
		exit 77
	}
	test "$(id -u)" = 0 || mu_skip "needs root (users, mounts)"
	for _c in unshare useradd groupadd setpriv findmnt mount; do
		command -v $_c >/dev/null 2>&1 || mu_skip "$_c not found"
	done
	test -n "$T_UNSHARE" || mu_skip "unshare -m does not work here"
	mkdir "$T_DIR/probe.u" "$T_DIR/probe.w" "$T_DIR/probe.m"
	$T_UNSHARE mount -t overlay overlay -o \
	    "lowerdir=/etc,upperdir=$T_DIR/probe.u,workdir=$T_DIR/probe.w" \
	    "$T_DIR/probe.m" 2>/dev/null ||
	    mu_skip "cannot mount an overlay over /etc here"
	mu_host_state >"$T_DIR/host.before" 2>&1
	check "host: no test user or group before the run" \
	    ! grep -qE '^(user|group) ' "$T_DIR/host.before"
	check "host: no /var/spool/outbox before the run" \
	    test ! -e /var/spool/outbox
	# The users must reach the inside's temp dir (their homes, the
	# binaries): traversable, not listable.
	chmod 711 "$T_DIR"
	MU_RC=0
	MU_INNER=$T_DIR timeout 900 $T_UNSHARE \
	    /bin/bash "$0" "$@" || MU_RC=$?
	if read -r _p _f <"$T_DIR/counts" 2>/dev/null; then
		LIB_PASS=$((LIB_PASS + _p))
		LIB_FAIL=$((LIB_FAIL + _f))
	elif test $MU_RC != 77; then
		fail "$MU_NAME: the namespace run ended early (exit $MU_RC)"
	fi
	mu_host_state >"$T_DIR/host.after" 2>&1
	if cmp -s "$T_DIR/host.before" "$T_DIR/host.after"; then
		pass "host: users, groups, /etc, /var/spool, sendmail, mounts as before"
	else
		fail "host: state changed" \
		    "$(diff "$T_DIR/host.before" "$T_DIR/host.after")"
	fi
	check "host: /var/spool/outbox never appeared" \
	    test ! -e /var/spool/outbox
	check "host: /etc/outbox.conf never appeared" \
	    test ! -e /etc/outbox.conf
	if test $MU_RC = 77 && ! test -s "$T_DIR/counts"; then
		finish
		exit 77
	fi
	finish
	exit
fi

# ---- inside the private mount namespace ------------------------------------

export TMPDIR=$MU_INNER
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
finish() {
	echo "$LIB_PASS $LIB_FAIL" >"$MU_INNER/counts"
	test "$LIB_FAIL" -eq 0
}
unset XDG_STATE_HOME
# Everything the test writes is private unless made readable on purpose.
umask 077
chmod 711 "$T_DIR"

# mu_broken WHY: the setting could not be made; a hard error.
mu_broken() {
	echo "FAIL - $MU_NAME: setup: $*"
	LIB_FAIL=$((LIB_FAIL + 1))
	finish
	exit 99
}

mu_cleanup() {
	lib_stop_all
	for _m in /usr/sbin/sendmail "${MU_BIN-/nonexistent}" /var/spool /run \
	    /root /etc; do
		mountpoint -q "$_m" 2>/dev/null && umount -l "$_m"
	done
	lib_cleanup
}
trap mu_cleanup EXIT

# -- /etc: an overlay (mounts below /etc put back on top of it).
etc_overlay mu_broken

# -- /run (atd and cron write their pid files there), /root, /var/spool.
mount -t tmpfs -o mode=0755 mu-run /run || mu_broken "tmpfs on /run"
mkdir -m 1777 /run/lock
mount -t tmpfs -o mode=0700 mu-root /root || mu_broken "tmpfs on /root"
mkdir -m 755 "$T_DIR/varspool"
mount --bind "$T_DIR/varspool" /var/spool || mu_broken "bind over /var/spool"
mkdir -m 755 /var/spool/cron
if getent group crontab >/dev/null; then
	mkdir -m 1730 /var/spool/cron/crontabs
	chgrp crontab /var/spool/cron/crontabs
fi
if getent passwd daemon >/dev/null; then
	mkdir -m 1770 /var/spool/cron/atjobs /var/spool/cron/atspool
	chown daemon:daemon /var/spool/cron/atjobs /var/spool/cron/atspool
	(umask 077 && echo 0 >/var/spool/cron/atjobs/.SEQ)
	chown daemon:daemon /var/spool/cron/atjobs/.SEQ
fi
# No system cron job runs in here (php's sessionclean, cron.hourly...).
rm -f /etc/cron.d/* 2>/dev/null
test -e /etc/crontab && : >/etc/crontab

# -- the group, the users.
groupadd -r $MU_GROUP || mu_broken "groupadd $MU_GROUP"
groupadd -r $MU_GROUP2 || mu_broken "groupadd $MU_GROUP2"
mkdir -m 755 "$T_DIR/home"
useradd -m -d "$T_DIR/home/$ALICE" -s /bin/sh -c "Alice Test" $ALICE ||
    mu_broken "useradd $ALICE"
useradd -m -d "$T_DIR/home/$BOB" -s /bin/sh -c "Bob Test" $BOB ||
    mu_broken "useradd $BOB"
getent passwd $WWW >/dev/null ||
    useradd -r -M -d /var/www -s /usr/sbin/nologin $WWW ||
    mu_broken "useradd $WWW"
ALICE_UID=$(id -u $ALICE)
BOB_UID=$(id -u $BOB)
mu_home() { getent passwd "$1" | cut -d: -f6; }

# -- outbox, setgid.  The binaries live in MU_BIN on the temp dir's file
# system unless that is mounted nosuid: then on a tmpfs of this
# namespace (which allows setgid), and the suite says so.
MU_BIN=$T_DIR/bin
MU_PLAIN=$T_DIR/plain
mkdir -m 755 "$MU_BIN" "$MU_PLAIN"
case ",$(findmnt -n -o OPTIONS -T "$T_DIR")," in
*,nosuid,*)
	echo "# $T_DIR is on a nosuid file system: the setgid outbox is on a tmpfs at $MU_BIN"
	mount -t tmpfs -o mode=0755 mu-bin "$MU_BIN" ||
	    mu_broken "tmpfs for the setgid binary"
	;;
esac
cp "$OUTBOX" "$MU_BIN/outbox" && chgrp $MU_GROUP "$MU_BIN/outbox" &&
    chmod 2755 "$MU_BIN/outbox" || mu_broken "install the setgid outbox"
ln -s outbox "$MU_BIN/mailq"
cp "$OUTBOX" "$MU_PLAIN/outbox" && chmod 755 "$MU_PLAIN/outbox" ||
    mu_broken "copy outbox"
# id(1), setgid the same way: shows whether setgid works from there.
cp /usr/bin/id "$MU_BIN/mu-id" && chgrp $MU_GROUP "$MU_BIN/mu-id" &&
    chmod 2755 "$MU_BIN/mu-id" || mu_broken "copy id"
MU_SENDMAIL=no
if test -f /usr/sbin/sendmail; then
	mount --bind "$MU_BIN/outbox" /usr/sbin/sendmail ||
	    mu_broken "bind outbox over /usr/sbin/sendmail"
	MU_SENDMAIL=yes
fi
UPATH=$MU_BIN:/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

# The sanitizers' settings reach the users' runs and the daemons (their
# environments are otherwise clean).  A setgid process cannot read them
# (its /proc/self/environ is root's), and LeakSanitizer cannot stop the
# threads of a process that is not dumpable: a sanitizer build of
# outbox needs leak checking off by default when AT_SECURE is set
# (__lsan_default_options), or its setgid runs end in "LeakSanitizer has
# encountered a fatal error", exit 1.
MU_SANENV=
for _v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
	_x=
	eval "_x=\${$_v-}"
	test -n "$_x" && MU_SANENV="$MU_SANENV $_v=$_x"
done

# -- the system queue, as make install-system lays it out.
mkdir -m 0750 /var/spool/outbox
chgrp $MU_GROUP /var/spool/outbox
for _d in tmp queue failed; do
	mkdir /var/spool/outbox/$_d
	chgrp $MU_GROUP /var/spool/outbox/$_d
	chmod 3770 /var/spool/outbox/$_d
done

# -- the secret, and every form in which it could leak.
SECRET=mu-$("$PY" -c 'import secrets; print(secrets.token_hex(12))')
"$PY" - "$SECRET" >"$T_DIR/secret.pats" <<'EOF'
import base64, sys
s = sys.argv[1].encode()
out = {s[3:]}
for pw in (s, s + b"x"):
    for v in (pw, b"\0u\0" + pw, b"u\0u\0" + pw):
        out.add(base64.b64encode(v))
for v in sorted(out):
    print(v.decode())
EOF

# no_leak NAME FILE|DIR...: pass unless a file (or one below DIR) holds
# the secret.
no_leak() {
	_name=$1
	shift
	_hit=$(grep -rlaF -f "$T_DIR/secret.pats" "$@" 2>/dev/null)
	if test -z "$_hit"; then
		pass "$_name"
	else
		fail "$_name" "the password (or its AUTH form) is in:" $_hit
	fi
}

# -- files in /etc (the overlay).
lib_certs "$T_DIR/certs" >/dev/null 2>&1 || mu_broken "certificates"
install -m 644 "$T_DIR/certs/ca.pem" /etc/mu-ca.pem
cat >/etc/mu-aliases <<EOF
$ALICE: alice@example.org
$BOB: bob@example.org
$WWW: webmaster@example.org
root: admin@example.org
EOF
chmod 644 /etc/mu-aliases

# sysconf: /etc/outbox.conf, 0640 root:MU_GROUP.
sysconf() {
	cat >/etc/outbox.conf <<EOF
# written by $MU_NAME
defaults
tls off
timeout 10
domain example.net
aliases /etc/mu-aliases

account default
host 127.0.0.1
port ${MU_DEFAULT_PORT:-$SH_PORT}
user u
password $SECRET

account tls
host 127.0.0.1
port $SH_PORT
tls on
tls_starttls on
tls_trust_file /etc/mu-ca.pem
user u
password $SECRET

account wrongpw
host 127.0.0.1
port $SH_PORT
user u
password ${SECRET}x

account stall
host 127.0.0.1
port ${MU_STALL_PORT:-$DOWN}
user u
password $SECRET

account tempfail
host 127.0.0.1
port ${MU_TEMP_PORT:-$DOWN}
user u
password $SECRET
EOF
	chgrp $MU_GROUP /etc/outbox.conf
	chmod 0640 /etc/outbox.conf
}

# -- the smarthost: the password reaches it through its environment, not
# its command line (which every user can read).
DOWN=$(closed_port)
export SMARTHOST_PASSWORD="$SECRET"
start_smarthost sh --user u --auth-required --auth-allow-plaintext \
    --cert "$T_DIR/certs/server.pem" --key "$T_DIR/certs/server-key.pem" ||
    mu_broken "smarthost"
unset SMARTHOST_PASSWORD
MAILDIR=$T_DIR/sh.mail
sysconf

# urun USER STDIN [NAME=VALUE...] CMD ARGS...: see the top of this file.
urun() {
	_u=$1 _in=$2
	shift 2
	_h=$(mu_home "$_u")
	T_RC=0
	(cd "$_h" 2>/dev/null || cd /
	exec timeout 60 setpriv --reuid="$_u" --regid="$_u" --init-groups \
	    env -i HOME="$_h" USER="$_u" LOGNAME="$_u" PATH="$UPATH" \
	    LANG=C.UTF-8 $MU_SANENV "$@") \
	    <"$_in" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}

# uspawn USER STDIN OUT ERR [NAME=VALUE...] CMD ARGS...: the same in the
# background (its PID, that of CMD itself, in LIB_PID), with the core
# size limit lifted.
uspawn() {
	_u=$1 _in=$2 _o=$3 _e=$4
	shift 4
	_h=$(mu_home "$_u")
	lib_spawn sh -c 'cd "$1" || exit 1; ulimit -c unlimited; shift
	    exec setpriv --reuid="$0" --regid="$0" --init-groups env -i \
	    "$@"' "$_u" "$_h" HOME="$_h" USER="$_u" LOGNAME="$_u" \
	    PATH="$UPATH" LANG=C.UTF-8 $MU_SANENV "$@" <"$_in" >"$_o" 2>"$_e"
}

# rrun STDIN ARGS...: the setgid outbox as root.
rrun() {
	_in=$1
	shift
	T_RC=0
	timeout 60 "$MU_BIN/outbox" "$@" <"$_in" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}

# arrived TOKEN [SECONDS]: the number of the smarthost's message holding
# TOKEN, or "" if none came within SECONDS (default 0: the smarthost
# stores a message before its 250, so a synchronous send has arrived by
# the time outbox exits).
arrived() {
	_ticks=$((${2:-0} * 10))
	_i=0
	while :; do
		_n=$(grep -lF -- "$1" "$MAILDIR"/*.eml 2>/dev/null | head -1)
		if test -n "$_n"; then
			basename "$_n" .eml
			return 0
		fi
		_i=$((_i + 1))
		test $_i -gt $_ticks && return 1
		sleep 0.1
	done
}

# meta N FIELD: see the top of this file.
meta() {
	"$PY" - "$MAILDIR" "$1" "$2" <<'EOF'
import email, json, sys
d, n, what = sys.argv[1:]
j = json.load(open("%s/%s.json" % (d, n)))
if what == "mail_from":
    print(j["mail_from"])
elif what == "rcpt":
    print(" ".join(j["rcpt_tos"]))
elif what == "login":
    print(j["auth"]["login"] if j["auth"]["used"] else "none")
elif what.startswith("hdr:"):
    m = email.message_from_binary_file(open("%s/%s.eml" % (d, n), "rb"))
    print(m.get(what[4:], ""))
EOF
}

# msg FILE TOKEN [HEADER...]: a message with no From, body TOKEN.
msg() {
	_f=$1 _t=$2
	shift 2
	{
		printf 'To: bob@example.org\nSubject: %s\n' "$_t"
		for _h in "$@"; do printf '%s\n' "$_h"; done
		printf '\nbody %s\n' "$_t"
	} >"$_f"
	chmod 644 "$_f"
}

# delivered NAME TOKEN RCPT SENDER-ERE: message TOKEN reached the
# smarthost (within MU_WAIT seconds, default 0), for RCPT, authenticated
# as u (so with the password from /etc/outbox.conf), the envelope sender
# matching SENDER-ERE; its number in MU_LAST.
delivered() {
	_name=$1 _tok=$2 _rcpt=$3 _snd=$4
	_n=$(arrived "$_tok" "${MU_WAIT:-0}")
	if test -z "$_n"; then
		fail "$_name: arrives" "no message with $_tok reached the smarthost"
		return 1
	fi
	pass "$_name: arrives"
	check "$_name: for $_rcpt" test "$(meta "$_n" rcpt)" = "$_rcpt"
	check "$_name: AUTH as u succeeded (the password was used)" \
	    test "$(meta "$_n" login)" = u
	_s=$(meta "$_n" mail_from)
	if printf '%s\n' "$_s" | grep -Eqx -- "$_snd"; then
		pass "$_name: envelope sender $_s"
	else
		fail "$_name: envelope sender" "<$_s> does not match /$_snd/"
	fi
	MU_LAST=$_n
}

# Senders a user's mail may have: qualified with the configured domain,
# or the user's alias.
SND_ALICE="$ALICE@example\.net|alice@example\.org"
SND_BOB="$BOB@example\.net|bob@example\.org"
SND_WWW="$WWW@example\.net|webmaster@example\.org"
