#!/bin/bash
# tests/install.sh -- `make install-sendmail-links` and `make
# install-system`, run for real, as root, in the build directory of
# $OUTBOX:
#   (a) install-sendmail-links with prefix=/usr refuses to replace
#       Postfix's /usr/sbin/sendmail (naming postfix, changing nothing),
#       replaces it with FORCE=1, is a no-op the next time; a Debian
#       alternatives link is named as one; DESTDIR installs work.
#   (b) install-system makes the group, the setgid binary, the system
#       queue with its modes and a 0640 /etc/outbox.conf, enables the
#       timer through systemctl (a fake one) or prints the cron line, can
#       run again and mends modes; with DESTDIR it makes no group and
#       nothing setgid.
#   (c) without systemd (a configure that finds no systemd.pc, in a copy
#       of the source tree), configure and make install say that the
#       units are not installed, and why; make install installs none.
#
# The whole suite runs in a private mount namespace where /etc, /usr/bin
# and /usr/sbin are overlays and /var/spool and /run are tmpfs, all of
# them on a tmpfs of the test's own, and installs with prefixes inside
# that tmpfs: nothing on the machine changes, no real group is made, no
# real service is touched.  Needs root, unshare(1) and overlayfs; without
# them it prints a skip line and exits 77.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/unshare.sh"
if test -z "$T_UNSHARE"; then
	echo "skip - install.sh: needs root and unshare(1) (a private mount namespace)"
	exit 77
fi
# Re-run in a namespace of our own (the marker is our namespace's id, so
# the copy can tell that it is in another one).
if test -z "${OUTBOX_INSTALL_NS:-}"; then
	OUTBOX_INSTALL_NS=$(readlink /proc/self/ns/mnt) \
	    exec $T_UNSHARE bash "$0" "$@"
fi
if test "$(readlink /proc/self/ns/mnt)" = "$OUTBOX_INSTALL_NS"; then
	echo "install.sh: not in a private mount namespace; stopping" >&2
	exit 99
fi

. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

builddir=$(cd "$(dirname "$OUTBOX")" && pwd)
if ! grep -q '^install-system:' "$builddir/Makefile" 2>/dev/null; then
	echo "skip - install.sh: $builddir/Makefile has no install-system target"
	finish
	exit 77
fi

# --- the namespace: a tmpfs for everything, overlays, tmpfs ----------------
NS=$T_DIR/ns
MOUNTS=""
ns_cleanup() {
	for m in $MOUNTS; do
		umount -l "$m" 2>/dev/null
	done
	MOUNTS=""
}
trap 'ns_cleanup; lib_cleanup' EXIT
# ns_mount ARGS... MOUNTPOINT: mount, and remember it (newest first).
ns_mount() {
	mount "$@" || return 1
	eval "_mp=\${$#}"
	MOUNTS="$_mp $MOUNTS"
}
# overlay DIR: DIR becomes an overlay whose writes go to the tmpfs.
overlay() {
	_n=$(printf '%s' "$1" | tr / _)
	mkdir -p "$NS/$_n.upper" "$NS/$_n.work" &&
	    ns_mount -t overlay overlay \
	    -o "lowerdir=$1,upperdir=$NS/$_n.upper,workdir=$NS/$_n.work" "$1" &&
	    test "$(stat -f -c %T "$1")" = overlayfs
}
mkdir -p "$NS"
if ! ns_mount -t tmpfs -o mode=0700 tmpfs "$NS" ||
    ! overlay /etc || ! overlay /usr/bin || ! overlay /usr/sbin ||
    ! ns_mount -t tmpfs -o mode=0755 tmpfs /var/spool ||
    ! ns_mount -t tmpfs -o mode=0755 tmpfs /run; then
	echo "skip - install.sh: cannot mount tmpfs and overlays (overlayfs?)"
	finish
	exit 77
fi

# mk ARGS...: make -C BUILDDIR ARGS..., with nothing from a calling make
# (make check's flags, a DESTDIR) leaking in; stdout in $T_OUT, stderr in
# $T_ERR, exit code in $T_RC.
mk() {
	T_RC=0
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR -u FORCE \
	    make --no-print-directory -C "$builddir" "$@" \
	    >"$T_OUT" 2>"$T_ERR" || T_RC=$?
}
out_has() { grep -Eq -- "$1" "$T_OUT"; }
err_has() { grep -Eq -- "$1" "$T_ERR"; }
# st PATH: owner:group and mode, as in "root:outbox 2755".
st() { stat -c '%U:%G %04a' "$1"; }
# is NAME ACTUAL EXPECTED
is() {
	if test "$2" = "$3"; then pass "$1"
	else fail "$1" "got '$2', expected '$3'" \
	    "stdout: $(head -c 800 "$T_OUT")" "stderr: $(head -c 800 "$T_ERR")"
	fi
}
# state PATH: what PATH is (type, link target or checksum).
state() {
	if test -L "$1"; then echo "link $(readlink "$1")"
	elif test -e "$1"; then echo "file $(st "$1") $(sha256sum <"$1")"
	else echo absent
	fi
}

# For (c): a configure that finds no systemd (pkg-config knows no
# systemd.pc), in a copy of the configured source tree, started now so
# that it runs while (a) and (b) do.
CP=$T_DIR/nosystemd
mkdir -p "$CP/src" "$NS/pc"
(cd "$srcdir" && cp -pR configure configure.ac Makefile.am Makefile.in \
    aclocal.m4 autoconf.h.in build-aux m4 man completions contrib "$CP"/ &&
    cp -p src/main.c "$CP/src/")
printf '#!/bin/sh\nfor a in "$@"; do test "$a" = systemd && exit 1; done\nexec pkg-config "$@"\n' \
    >"$NS/pc/pkg-config"
chmod 755 "$NS/pc/pkg-config"
(
	rc=0
	cd "$CP" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    PKG_CONFIG="$NS/pc/pkg-config" ./configure --prefix=/usr \
	    >"$CP.out" 2>"$CP.err" || rc=$?
	echo "$rc" >"$CP.rc"
) &
CONF_PID=$!

# --- (a) install-sendmail-links ----------------------------------------------
SM=/usr/sbin/sendmail
if test "$(dpkg-query -S "$SM" 2>/dev/null | cut -d: -f1)" = postfix; then
	POSTFIX=yes
else
	# No Postfix here: a stand-in file (in the overlay) that no
	# package owns.
	POSTFIX=no
	echo "skip - Postfix does not own $SM: testing with a stand-in file"
	rm -f "$SM" /usr/bin/mailq /usr/bin/newaliases
	printf '#!/bin/sh\nexit 0\n' >"$SM"
	chmod 0755 "$SM"
	ln -s ../sbin/sendmail /usr/bin/mailq
fi
before_sm=$(state $SM)
before_mq=$(state /usr/bin/mailq)
before_na=$(state /usr/bin/newaliases)

mk install-sendmail-links prefix=/usr
check "links: refuses to replace $SM" test "$T_RC" != 0
check "links: says why" err_has "refusing to replace $SM: "
if test $POSTFIX = yes; then
	check "links: names the package postfix" \
	    err_has "refusing to replace $SM: .*package postfix"
	check "links: suggests apt-get remove postfix or FORCE=1" \
	    err_has "apt-get remove postfix.*FORCE=1"
fi
is "links: $SM unchanged" "$(state $SM)" "$before_sm"
is "links: mailq unchanged" "$(state /usr/bin/mailq)" "$before_mq"
is "links: newaliases unchanged" "$(state /usr/bin/newaliases)" "$before_na"

mk install-sendmail-links prefix=/usr FORCE=1
is "links: FORCE=1 succeeds" "$T_RC" 0
is "links: FORCE=1 made $SM a link" "$(state $SM)" "link /usr/bin/outbox"
is "links: FORCE=1 made mailq a link" "$(state /usr/bin/mailq)" "link outbox"
is "links: FORCE=1 made newaliases a link" \
    "$(state /usr/bin/newaliases)" "link outbox"
check "links: FORCE=1 says it replaced $SM" out_has "^install-links: $SM .*replaced"
test $POSTFIX = no ||
    check "links: ... and that it was postfix's" out_has "replaced.*postfix"

mk install-sendmail-links prefix=/usr
is "links: a second run succeeds" "$T_RC" 0
is "links: ... says all three are there" \
    "$(grep -c ': already there$' "$T_OUT")" 3
is "links: ... and changes nothing" "$(state $SM)" "link /usr/bin/outbox"

ST=$NS/stage
mk install-sendmail-links prefix=/usr DESTDIR="$ST"
is "links: DESTDIR install succeeds" "$T_RC" 0
is "links: DESTDIR sendmail" "$(state "$ST/usr/sbin/sendmail")" \
    "link /usr/bin/outbox"
is "links: DESTDIR mailq" "$(state "$ST/usr/bin/mailq")" "link outbox"
rm "$ST/usr/bin/newaliases"
echo stale >"$ST/usr/bin/newaliases"
mk install-sendmail-links prefix=/usr DESTDIR="$ST"
check "links: DESTDIR: a file there is refused" test "$T_RC" != 0
check "links: ... saying it is in DESTDIR" \
    err_has "refusing to replace $ST/usr/bin/newaliases: a file in DESTDIR"
check "links: ... asking no package" ! err_has "package"
mk install-sendmail-links prefix=/usr DESTDIR="$ST" FORCE=1
is "links: DESTDIR FORCE=1 replaces it" \
    "$(state "$ST/usr/bin/newaliases")" "link outbox"

# A Debian alternatives link (made here, in the overlay over /etc).
ALT=$NS/alt
mkdir -p "$ALT/sbin"
ln -s /usr/bin/true /etc/alternatives/outbox-test-sendmail
ln -s /etc/alternatives/outbox-test-sendmail "$ALT/sbin/sendmail"
mk install-sendmail-links prefix="$ALT"
check "links: an alternatives link is refused" test "$T_RC" != 0
check "links: ... and named as one" \
    err_has "$ALT/sbin/sendmail: a Debian alternatives link .*outbox-test-sendmail"
check "links: ... with its package" err_has "now package coreutils"
is "links: ... and left alone" "$(state "$ALT/sbin/sendmail")" \
    "link /etc/alternatives/outbox-test-sendmail"

# --- (b) install-system --------------------------------------------------------
G=outbox
# Start with no such group (in the overlay only).
getent group $G >/dev/null && groupdel $G
P=$NS/prefix
UNITS="systemdsystemunitdir=$P/lib/systemd/system
systemduserunitdir=$P/lib/systemd/user"
SPOOL=/var/spool/outbox
cat >"$NS/systemctl" <<EOF
#!/bin/sh
echo "\$*" >>"$NS/systemctl.log"
EOF
chmod 0755 "$NS/systemctl"

# With DESTDIR: no group, nothing setgid.
mk install-system prefix=/usr DESTDIR="$ST" $UNITS
is "system: DESTDIR install succeeds" "$T_RC" 0
check "system: DESTDIR: no group made" ! getent group $G
check "system: DESTDIR: says so" \
    out_has "group $G: not created .*groupadd --system $G"
is "system: DESTDIR: binary not setgid" "$(stat -c %04a "$ST/usr/bin/outbox")" 0755
check "system: DESTDIR: the postinst line" \
    out_has "chown root:$G /usr/bin/outbox && chmod 2755 /usr/bin/outbox"
is "system: DESTDIR: queue" "$(stat -c %04a "$ST$SPOOL")" 0750
is "system: DESTDIR: queue/" "$(stat -c %04a "$ST$SPOOL/queue")" 1770
check "system: DESTDIR: the real queue is not made" test ! -e $SPOOL
check "system: DESTDIR: no systemctl" test ! -e "$NS/systemctl.log"

# For real, with a configuration file and (fake) systemd.
printf 'host smtp.example.org\n' >/etc/outbox.conf
chmod 0600 /etc/outbox.conf
mkdir -p /run/systemd/system
mk install-system prefix="$P" $UNITS SYSTEMCTL="$NS/systemctl"
is "system: install-system succeeds" "$T_RC" 0
check "system: the group exists" eval "getent group $G >/dev/null"
check "system: says it made it" out_has "^install-system: group $G: created"
is "system: binary root:$G 2755" "$(st "$P/bin/outbox")" "root:$G 2755"
is "system: $SPOOL root:$G 0750" "$(st $SPOOL)" "root:$G 0750"
for d in tmp queue failed; do
	is "system: $SPOOL/$d root:$G 3770" "$(st $SPOOL/$d)" "root:$G 3770"
done
is "system: /etc/outbox.conf root:$G 0640" "$(st /etc/outbox.conf)" \
    "root:$G 0640"
check "system: says what it was" out_has "outbox.conf: .*was root:root 0600"
# Whether the build installs the systemd units is configure's choice (no
# systemd.pc, as on a minimal Debian: none); without them, the cron line.
CRONLINE='\*/5 \* \* \* \* root '"$P"'/bin/outbox -q --due$'
if grep -q '^systemdsystemunit_DATA = ' "$builddir/Makefile"; then
	is "system: systemctl daemon-reload, enable --now" \
	    "$(cat "$NS/systemctl.log" 2>/dev/null | tr '\n' ,)" \
	    "daemon-reload,enable --now outbox-queue.timer,"
	check "system: the timer unit is installed" \
	    test -f "$P/lib/systemd/system/outbox-queue.timer"
	NO_TIMER="systemd is not running"
else
	check "system: no timer unit (configure found no systemd)" \
	    test ! -s "$NS/systemctl.log"
	check "system: ... the cron line instead" out_has \
	    "outbox-queue.timer is not installed; add to /etc/crontab: $CRONLINE"
	NO_TIMER="outbox-queue.timer is not installed"
fi
is "system: one line per step" "$(grep -c '^install-system: ' "$T_OUT")" 6

mk install-system prefix="$P" $UNITS SYSTEMCTL="$NS/systemctl"
is "system: a second run succeeds" "$T_RC" 0
check "system: ... finds the group" out_has "^install-system: group $G: exists"
is "system: ... one group" "$(grep -c "^$G:" /etc/group)" 1
is "system: ... binary still root:$G 2755" "$(st "$P/bin/outbox")" "root:$G 2755"
is "system: ... queue/ still root:$G 3770" "$(st $SPOOL/queue)" "root:$G 3770"
is "system: ... config still root:$G 0640" "$(st /etc/outbox.conf)" \
    "root:$G 0640"

# Modes gone wrong, no configuration, no systemd: mended, hint, cron line.
chown root:root $SPOOL $SPOOL/failed
chmod 0700 $SPOOL/failed
chmod 2755 $SPOOL
rm /etc/outbox.conf
rmdir /run/systemd/system
: >"$NS/systemctl.log"
mk install-system prefix="$P" $UNITS SYSTEMCTL="$NS/systemctl"
is "system: a third run succeeds" "$T_RC" 0
is "system: ... mends failed/" "$(st $SPOOL/failed)" "root:$G 3770"
is "system: ... mends the top (no setgid there)" "$(st $SPOOL)" "root:$G 0750"
check "system: ... hints at a configuration" \
    out_has "^install-system: /etc/outbox.conf: not there"
check "system: ... makes none" test ! -e /etc/outbox.conf
check "system: ... prints the cron line" \
    out_has "$NO_TIMER; add to /etc/crontab: $CRONLINE"
check "system: ... runs no systemctl" test ! -s "$NS/systemctl.log"

# --- (c) no systemd: configure and make install say so ---------------------
# Whether this build has the units depends on the machine: make install
# says so only when it has not.
mk install prefix="$P" DESTDIR="$ST" $UNITS
SKIP_RE='^make install: the systemd units \(system and user\) are not installed: '
if grep -q '^systemdsystemunit_DATA = ' "$builddir/Makefile"; then
	check "no systemd: this build installs the units, and says nothing" \
	    ! out_has 'units .*are not installed'
else
	check "no systemd: this build says that it does not install the units" \
	    out_has "$SKIP_RE"
fi
# The configure started before (a), which found no systemd.
wait "$CONF_PID"
T_RC=$(cat "$CP.rc")
T_OUT=$CP.out T_ERR=$CP.err
is "no systemd: configure succeeds" "$T_RC" 0
check "no systemd: configure says where the units go: nowhere, and why" \
    out_has 'systemd system units\.\.\. nowhere: no systemd found \(pkg-config systemd\)$'
check "no systemd: configure ends saying the units are not installed" \
    sh -c "tail -n 2 '$T_OUT' | grep -q '^configure: the systemd units (system and user) are not installed: no systemd found'"
T_OUT=$T_DIR/stdout T_ERR=$T_DIR/stderr
T_RC=0
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u DESTDIR make --no-print-directory \
    -C "$CP" install-data DESTDIR="$CP/dest" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
is "no systemd: make install-data succeeds" "$T_RC" 0
check "no systemd: make install says the units are not installed, and why" \
    out_has "${SKIP_RE}no systemd found \(pkg-config systemd\); add \"\*/5 \* \* \* \* /usr/bin/outbox -q --due\" to a crontab"
check "no systemd: ... and installs none" \
    test -z "$(find "$CP/dest" -name 'outbox-queue.*')"
check "no systemd: ... but the rest (outbox.1)" \
    test -f "$CP/dest/usr/share/man/man1/outbox.1"

finish
