#!/bin/sh
# scripts/install-system.sh -- what `make install-system` runs after
# `make install`: make the installed outbox every user's mail submission
# program, setgid to a group of its own (see README, "System-wide
# install").
#
#   install-system.sh DESTDIR=DIR bindir=DIR SPOOLDIR=DIR OUTBOX_GROUP=NAME
#       systemdsystemunitdir=DIR|no SYSTEMCTL=PROGRAM
#
# Steps, one line each on stdout:
#   1. the group (groupadd --system) unless it exists;
#   2. BINDIR/outbox root:GROUP 2755 (setgid GROUP);
#   3. the system queue SPOOLDIR root:GROUP 0750, and its tmp/, queue/,
#      failed/ root:GROUP 3770;
#   4. /etc/outbox.conf, if it exists, root:GROUP 0640;
#   5. outbox-queue.timer enabled when systemd runs, else the cron line.
# Running it again changes nothing more.
#
# With DESTDIR set (a package build), no group is made and no ownership
# is set, and nothing is ever setgid to a group other than GROUP: the
# modes are set without the setgid bit (binary 0755, folders 0770) and
# each line says what the package's postinst has to do.
set -eu

DESTDIR='' bindir='' SPOOLDIR='' OUTBOX_GROUP='' systemdsystemunitdir=''
SYSTEMCTL=systemctl
for arg; do
	case $arg in
	DESTDIR=*) DESTDIR=${arg#*=} ;;
	bindir=*) bindir=${arg#*=} ;;
	SPOOLDIR=*) SPOOLDIR=${arg#*=} ;;
	OUTBOX_GROUP=*) OUTBOX_GROUP=${arg#*=} ;;
	systemdsystemunitdir=*) systemdsystemunitdir=${arg#*=} ;;
	SYSTEMCTL=*) SYSTEMCTL=${arg#*=} ;;
	*) echo "install-system.sh: unknown argument: $arg" >&2; exit 64 ;;
	esac
done

say() { printf 'install-system: %s\n' "$*"; }
die() { printf 'install-system: %s\n' "$*" >&2; exit 1; }

G=$OUTBOX_GROUP
case $G in
'' | -* | *[!A-Za-z0-9_.-]*) die "bad group name: OUTBOX_GROUP='$G'" ;;
esac
case $bindir in /*) ;; *) die "bindir must be absolute: '$bindir'" ;; esac
case $SPOOLDIR in
/*) ;;
*) die "SPOOLDIR must be an absolute path: '$SPOOLDIR'" ;;
esac
CONF=/etc/outbox.conf			# compiled into outbox
DEFAULT_SPOOL=/var/spool/outbox		# likewise
BIN=$bindir/outbox
CRON="*/5 * * * * root $BIN -q --due"

test -f "$DESTDIR$BIN" && ! test -L "$DESTDIR$BIN" ||
    die "$DESTDIR$BIN is not there: run make install first"
if test -z "$DESTDIR" && test "$(id -u)" != 0; then
	die "must run as root (sudo make install-system), or with DESTDIR"
fi

# setmode MODE NAME...: each NAME (under DESTDIR) becomes root:GROUP MODE;
# with DESTDIR, only MODE without its setgid bit, and $POSTINST says what a
# package's postinst has to run for them.
setmode() {
	_m=$1
	shift
	POSTINST="chown root:$G $* && chmod $_m $*"
	for _n; do
		_f=$DESTDIR$_n
		test -L "$_f" && die "$_f is a symbolic link: refusing to change it"
		chmod g-s "$_f"
		if test -z "$DESTDIR"; then
			chown "root:$G" "$_f"
			chmod "$_m" "$_f"
		else
			case $_m in
			2*) chmod "0${_m#?}" "$_f" ;;
			3*) chmod "1${_m#?}" "$_f" ;;
			*) chmod "$_m" "$_f" ;;
			esac
		fi
	done
	if test -z "$DESTDIR"; then
		RESULT="root:$G $_m"
	else
		RESULT="mode $(stat -c %04a "$_f") (DESTDIR is set: the"
		RESULT="$RESULT package's postinst runs: $POSTINST)"
	fi
}

# 1. The group.
if test -n "$DESTDIR"; then
	say "group $G: not created (DESTDIR is set: the package's postinst" \
	    "runs: groupadd --system $G)"
elif gid=$(getent group "$G") && test -n "$gid"; then
	gid=$(printf '%s\n' "$gid" | cut -d: -f3)
	say "group $G: exists (gid $gid)"
else
	command -v groupadd >/dev/null 2>&1 ||
	    die "group $G: missing, and there is no groupadd(8) to make it"
	groupadd --system "$G" || die "group $G: groupadd --system $G failed"
	gid=$(getent group "$G" | cut -d: -f3)
	say "group $G: created (groupadd --system $G, gid $gid)"
fi

# 2. The binary: setgid GROUP, so that outbox can read the 0640
# configuration and write the shared queue, which users cannot.
setmode 2755 "$BIN"
say "$DESTDIR$BIN: $RESULT"

# 3. The system queue.  The top is 0750: outbox reaches the folders
# through the group, other users cannot even list it, and only root can
# create, rename or replace anything in it (tmp/, queue/, failed/ cannot be
# swapped for links).  The folders are 3770: outbox, with the group, makes
# and renames entries there; the setgid bit gives every entry the group,
# whoever sent it.
(umask 077 && mkdir -p "$DESTDIR$SPOOLDIR/tmp" "$DESTDIR$SPOOLDIR/queue" \
    "$DESTDIR$SPOOLDIR/failed")
setmode 0750 "$SPOOLDIR"
say "$DESTDIR$SPOOLDIR: $RESULT"
setmode 3770 "$SPOOLDIR/tmp" "$SPOOLDIR/queue" "$SPOOLDIR/failed"
say "$DESTDIR$SPOOLDIR/{tmp,queue,failed}: $RESULT"
if test "$SPOOLDIR" != "$DEFAULT_SPOOL"; then
	say "note: outbox's own default queue is $DEFAULT_SPOOL: put" \
	    "'queue_dir $SPOOLDIR' in $CONF"
fi

# 4. The system configuration: root writes it, outbox reads it through the
# group, users cannot read the password in it.  Owned by root, as what it
# says (passwordeval) runs as every user who sends.
if test -L "$DESTDIR$CONF"; then
	say "$DESTDIR$CONF: a symbolic link, not changed: make it a file" \
	    "root:$G 0640"
elif test -f "$DESTDIR$CONF"; then
	was=$(stat -c '%U:%G %04a' "$DESTDIR$CONF")
	setmode 0640 "$CONF"
	say "$DESTDIR$CONF: $RESULT (was $was)"
else
	say "$DESTDIR$CONF: not there; write it (say, as below), then run" \
	    "make install-system again to make it root:$G 0640:"
	printf '    %s\n' "host smtp.example.org" "port 587" \
	    "from server@example.org" "user server@example.org" \
	    "password SECRET"
fi

# 5. The timer that flushes the queue as root.
if test -n "$DESTDIR"; then
	say "timer: not enabled (DESTDIR is set: the package enables" \
	    "outbox-queue.timer, or installs the cron line: $CRON)"
elif test "$systemdsystemunitdir" = no || test -z "$systemdsystemunitdir" ||
    ! test -f "$systemdsystemunitdir/outbox-queue.timer"; then
	say "timer: outbox-queue.timer is not installed; add to /etc/crontab: $CRON"
elif ! test -d /run/systemd/system ||
    ! command -v "$SYSTEMCTL" >/dev/null 2>&1; then
	say "timer: systemd is not running; add to /etc/crontab: $CRON"
else
	"$SYSTEMCTL" daemon-reload &&
	    "$SYSTEMCTL" enable --now outbox-queue.timer ||
	    die "timer: systemctl enable --now outbox-queue.timer failed;" \
	    "or add to /etc/crontab: $CRON"
	say "timer: outbox-queue.timer enabled and started" \
	    "(systemctl enable --now outbox-queue.timer)"
fi
