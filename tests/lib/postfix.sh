# postfix.sh -- a private Postfix whose SASL is a private Dovecot, for the
# suites that send through them (tests/postfix.sh, tests/oauth.sh).
# Sourced right after harness.sh; it adds /usr/sbin and /sbin to PATH
# (where Debian puts postfix and dovecot) and sets TPL (the Postfix
# templates, tests/lib/postfix), PF, DV and CERTS (Postfix's, Dovecot's
# and the certificates' directories in $T_DIR), USER_NAME (the SASL and
# mailbox user), VUID and VGID (the maildir owner: nobody).
#
# pf_setup: once the suite's prerequisites are checked: $T_DIR open to
# Postfix's users, Postfix stopped on exit, a private HOME (with
# XDG_STATE_HOME in it), the test certificates in $CERTS.
# pf_render TEMPLATE OUT: TEMPLATE with its @NAME@ placeholders filled in.
# pf_start_dovecot: start Dovecot on $DV/dovecot.conf (which the suite
# writes) in the foreground as our child; wait for its auth socket.
# pf_start_postfix VMAILBOX-LINE...: start Postfix on two free loopback
# ports (SUBMIT_PORT: submission, STARTTLS; SMTPS_PORT: implicit TLS),
# delivering by virtual(8) as the lines of its vmailbox map say; wait
# for it to listen.  Sets MAILDIR ($USER_NAME's at example.org).
#
# The system's Postfix and Dovecot configuration is neither used nor
# changed; Postfix is started with `postfix -c DIR start` and stopped
# with `postfix -c DIR stop`, Dovecot by its PID.

PATH=$PATH:/usr/sbin:/sbin
export PATH
TPL=$srcdir/tests/lib/postfix
PF=$T_DIR/pf
DV=$T_DIR/dv
CERTS=$T_DIR/certs
PF_STARTED=no
USER_NAME=bob
VUID=$(id -u nobody)
VGID=$(id -g nobody)

pf_cleanup() {
	if test "$PF_STARTED" = yes; then
		postfix -c "$PF/etc" stop >>"$PF/postfix.out" 2>&1
		PF_STARTED=no
	fi
	lib_cleanup
}

pf_setup() {
	# Postfix's daemons run as "postfix" and must reach their queue and
	# the Dovecot socket: let others traverse (not list) $T_DIR.
	chmod 711 "$T_DIR"
	if command -v runuser >/dev/null 2>&1 &&
	    ! runuser -u postfix -- test -x "$T_DIR" 2>/dev/null; then
		fail "the postfix user can reach $T_DIR" \
		    "(a directory above it is closed to others: set TMPDIR=/tmp)"
		finish
		exit 1
	fi
	trap pf_cleanup EXIT
	private_home
	export XDG_STATE_HOME=$T_DIR/home/.state
	lib_certs "$CERTS" || bail "certificate generation"
	mkdir -p "$DV/run" "$DV/state" "$DV/home"
	chmod 755 "$DV"
}

pf_render() {
	sed -e "s|@PF@|$PF|g" -e "s|@DV@|$DV|g" -e "s|@CERTS@|$CERTS|g" \
	    -e "s|@DOVECOT_AUTH@|$DV/auth-postfix|g" \
	    -e "s|@VUID@|$VUID|g" -e "s|@VGID@|$VGID|g" \
	    -e "s|@OIDC_PORT@|${OIDC_PORT-}|g" \
	    -e "s|@SUBMIT_PORT@|${SUBMIT_PORT-}|g" \
	    -e "s|@SMTPS_PORT@|${SMTPS_PORT-}|g" "$1" >"$2"
}

pf_start_dovecot() {
	: >"$DV/dovecot.log"
	lib_spawn dovecot -F -c "$DV/dovecot.conf" >"$DV/dovecot.out" 2>&1
	DV_PID=$LIB_PID
	_i=0
	until test -S "$DV/auth-postfix"; do
		_i=$((_i + 1))
		if test $_i -gt 200 || ! kill -0 "$DV_PID" 2>/dev/null; then
			bail "Dovecot did not start" "$DV/dovecot.out" \
			    "$DV/dovecot.log"
		fi
		sleep 0.05
	done
}

pf_start_postfix() {
	mkdir -p "$PF/etc" "$PF/vmail" "$PF/queue" "$PF/data"
	chmod 755 "$PF" "$PF/etc" "$PF/queue"
	chown postfix "$PF/data"
	chmod 700 "$PF/data"
	chown "$VUID:$VGID" "$PF/vmail"
	printf '%s\n' "$@" >"$PF/etc/vmailbox"
	pf_render "$TPL/main.cf.in" "$PF/etc/main.cf"
	: >"$PF/maillog"
	# Another process may take a port between our probe and Postfix's
	# bind: then master fails to start, and we try again with new ports.
	for _ in 1 2 3; do
		read -r SUBMIT_PORT SMTPS_PORT <<EOF
$(free_ports)
EOF
		pf_render "$TPL/master.cf.in" "$PF/etc/master.cf"
		if postfix -c "$PF/etc" start >>"$PF/postfix.out" 2>&1; then
			PF_STARTED=yes
			break
		fi
		# a failed start leaves nothing running; make sure of it
		postfix -c "$PF/etc" stop >>"$PF/postfix.out" 2>&1
		grep -q 'Address already in use' "$PF/maillog" || break
	done
	test "$PF_STARTED" = yes ||
	    bail "Postfix did not start" "$PF/postfix.out" "$PF/maillog"
	# "postfix start" returns once master has bound its listeners; check
	# that the submission port answers (a bare connect: no TLS noise in
	# the log).
	"$PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5).close()' \
	    "$SUBMIT_PORT" 2>/dev/null ||
	    bail "Postfix is not listening" "$PF/postfix.out" "$PF/maillog"
	MAILDIR=$PF/vmail/example.org/$USER_NAME
}
