#!/bin/bash
# multiuser-cron.sh -- a real cron daemon (Debian's cron) mails the
# output of users' jobs through /usr/sbin/sendmail, which is outbox
# installed setgid to its own group (issue 10), sending through the 0640
# root:GROUP /etc/outbox.conf.  The setting is tests/lib/multiuser.sh's:
# everything happens in a private mount namespace (crontabs in a private
# /var/spool/cron/crontabs, /etc/crontab and /etc/cron.d emptied in the
# /etc overlay, cron's pid file on a private /run).
#
# Cron runs jobs at minute boundaries: this waits up to 75 s, so it is
# part of "make check-slow", not "make check".  Needs root, unshare(1),
# overlayfs, useradd(8) and cron; else a skip line and exit 77.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/multiuser.sh"

if ! command -v cron >/dev/null 2>&1 || ! command -v crontab >/dev/null 2>&1 ||
    ! test -d /var/spool/cron/crontabs; then
	echo "skip - $MU_NAME: cron not installed (Debian cron)"
	finish
	exit 77
fi
if test $MU_SENDMAIL = no; then
	echo "skip - $MU_NAME: no /usr/sbin/sendmail to mount outbox over"
	finish
	exit 77
fi

# Alice's job mails her (a bare local name, resolved through the
# aliases); Bob's mails the address in MAILTO.
printf '* * * * * echo ran >"$HOME/cron-ran"; echo tok-cron-alice; echo second line\n' \
    >"$T_DIR/ct.alice"
printf 'MAILTO=bob-cron@example.org\n* * * * * echo tok-cron-bob\n' >"$T_DIR/ct.bob"
chmod 644 "$T_DIR/ct.alice" "$T_DIR/ct.bob"
crontab -u $ALICE "$T_DIR/ct.alice" ||
    fail "crontab -u $ALICE" "could not install the crontab"
crontab -u $BOB "$T_DIR/ct.bob" ||
    fail "crontab -u $BOB" "could not install the crontab"
check "the crontabs are in the namespace's spool only" \
    test -s "$T_DIR/varspool/cron/crontabs/$ALICE"

# As a service starts: a clean environment.
# shellcheck disable=SC2086
lib_spawn env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin $MU_SANENV cron -f
CRON=$LIB_PID
echo "# cron started at $(date +%T); the jobs run at the next minute"
lib_wait_file "$(mu_home $ALICE)/cron-ran" 75
check "cron ran $ALICE's job (as $ALICE)" \
    test "$(stat -c %U "$(mu_home $ALICE)/cron-ran" 2>/dev/null)" = $ALICE
MU_WAIT=10 delivered "cron mails $ALICE's job output" tok-cron-alice \
    alice@example.org "$SND_ALICE" && {
	cn=$MU_LAST
	check "... the whole output" grep -q 'second line' "$MAILDIR/$cn.eml"
	check "... From is qualified" grep -q '@' <<<"$(meta "$cn" hdr:From)"
	check "... To is qualified" grep -q '@' <<<"$(meta "$cn" hdr:To)"
}
MU_WAIT=15 delivered "cron mails $BOB's job output to MAILTO" tok-cron-bob \
    bob-cron@example.org "$SND_BOB"
lib_stop $CRON
lib_forget $CRON
check "nothing was queued: the system queue is empty" \
    test -z "$(ls /var/spool/outbox/queue)"
no_leak "no file in the users' homes holds the password" "$T_DIR/home"
finish
