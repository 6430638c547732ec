#!/bin/bash
# tests/exim.sh -- the main send matrix (tests/lib/matrix.sh) against
# Exim 4, Debian's exim4-daemon-light, fetched with `apt-get download` and
# unpacked with `dpkg -x` by scripts/test-servers.sh (never installed: it
# would remove Postfix).  One private Exim, configured here: two loopback
# high ports (STARTTLS on the first, implicit TLS on the second,
# tls_on_connect_ports), AUTH PLAIN and LOGIN with a fixed test user
# (plaintext authenticators), PIPELINING, CHUNKING, 8BITMIME, SMTPUTF8;
# every message delivered into one maildir that the test reads; an RCPT
# ACL that defers while a flag file exists.
#
# Exim wants its user (Debian-exim) to exist: it is added in an overlay
# over /etc, in the private mount namespace the suite runs in
# (tests/lib/private-spool.sh), so the machine's /etc is never changed.
# Everything else (configuration, spool, logs, certificates, maildir)
# is in the suite's temporary directory; Exim runs in the foreground as
# this script's child and is stopped by its PID.
#
# Needs root, a private mount namespace, overlayfs, certtool and the
# Debian mirror (or the cache): else "skip: REASON" and exit 77 -- a
# failure when CI is set.  Part of make check-slow.
#
# Environment: OUTBOX, srcdir (make check-slow sets them); LIB_KEEP=1
# keeps the work directory.
# The last line is "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
. "$srcdir/tests/lib/matrix.sh"

BAIL_LINES=20
need_outbox
need_root "Exim needs its own user, added in an /etc overlay"
test -n "${OUTBOX_PRIVATE_SPOOL:-}" ||
    skip "no private mount namespace (unshare -m) for the /etc overlay"
need "Debian: gnutls-bin" certtool
CACHE=$(sh "$srcdir/scripts/test-servers.sh" exim 2>"$T_DIR/fetch.err") ||
    skip "cannot fetch Exim: $(tr '\n' ' ' <"$T_DIR/fetch.err")"
EXIM=$CACHE/exim/usr/sbin/exim4

private_home
make_certs "$T_DIR/certs"
# Exim's processes run as Debian-exim: it must reach its files here.
chmod 711 "$T_DIR"

# --- the Debian-exim user, in an overlay over /etc ---------------------------
# (mounts below /etc, a container's /etc/hosts say, are put back on top)
etc_overlay skip bail
if ! getent passwd Debian-exim >/dev/null; then
	EXUID=64990
	while getent passwd $EXUID >/dev/null || getent group $EXUID >/dev/null
	do
		EXUID=$((EXUID + 1))
	done
	echo "Debian-exim:x:$EXUID:$EXUID:Exim test:/nonexistent:/usr/sbin/nologin" \
	    >>/etc/passwd
	echo "Debian-exim:x:$EXUID:" >>/etc/group
fi
EXUID=$(id -u Debian-exim)
EXGID=$(id -g Debian-exim)

# --- Exim's configuration, spool and maildir ----------------------------------
EX=$T_DIR/exim
MAILDIR=$EX/mail
mkdir -p "$EX/spool" "$EX/log" "$MAILDIR" "$EX/tls"
cp "$T_DIR/certs/server.pem" "$T_DIR/certs/server-key.pem" "$EX/tls/"
chown -R "$EXUID:$EXGID" "$EX/spool" "$EX/log" "$MAILDIR" "$EX/tls"
chmod 600 "$EX/tls/server-key.pem"
chmod 755 "$EX"
MX_NAME=Exim
MX_USER=matrix-user
MX_PASS='Pw-7hQ2-exim'
MX_CA=$T_DIR/certs/ca.pem
DEFER=$EX/defer

# exim_conf PORT1 PORT2: the configuration; PORT1 offers STARTTLS,
# PORT2 is implicit TLS.
exim_conf() {
	cat >"$EX/exim.conf" <<EOF
exim_path = $EXIM
spool_directory = $EX/spool
log_file_path = $EX/log/%slog
pid_file_path = $EX/exim.pid
primary_hostname = exim.test
local_interfaces = 127.0.0.1
daemon_smtp_ports = $1 : $2
tls_on_connect_ports = $2
tls_advertise_hosts = *
tls_certificate = $EX/tls/server.pem
tls_privatekey = $EX/tls/server-key.pem
auth_advertise_hosts = *
smtputf8_advertise_hosts = *
chunking_advertise_hosts = *
message_size_limit = 30M
host_lookup =
rfc1413_hosts =
keep_environment =
acl_smtp_rcpt = acl_rcpt
acl_smtp_mail = acl_mail

begin acl
acl_rcpt:
  defer   message = 4.3.0 test: try again later
          condition = \${if exists{$DEFER}}
  deny    message = 5.1.1 test: no such user
          local_parts = nosuch
  accept
acl_mail:
  deny    message = 5.7.1 test: sender refused
          senders = refused@example.org
  accept

begin routers
all:
  driver = accept
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = $MAILDIR
  maildir_format
  user = Debian-exim
  return_path_add
  envelope_to_add
  headers_add = X-Exim-Env-User: \${if def:authenticated_id{\$authenticated_id}{}}\n\\
                X-Exim-Env-Protocol: \$received_protocol

begin authenticators
plain:
  driver = plaintext
  public_name = PLAIN
  server_prompts = :
  server_condition = \${if and{{eq{\$auth2}{$MX_USER}}{eq{\$auth3}{$MX_PASS}}}}
  server_set_id = \$auth2
login:
  driver = plaintext
  public_name = LOGIN
  server_prompts = Username:: : Password::
  server_condition = \${if and{{eq{\$auth1}{$MX_USER}}{eq{\$auth2}{$MX_PASS}}}}
  server_set_id = \$auth1
EOF
	chmod 644 "$EX/exim.conf"
}

# Another process may take a port between the probe and Exim's bind:
# then Exim exits at once, and we try again with other ports.
EXIM_PID=
for _ in 1 2 3; do
	read -r MX_SUBMIT_PORT MX_SMTPS_PORT <<EOF
$(free_ports)
EOF
	exim_conf "$MX_SUBMIT_PORT" "$MX_SMTPS_PORT"
	"$EXIM" -C "$EX/exim.conf" -bV >"$EX/bV.out" 2>&1 ||
	    bail "Exim accepts the configuration" "$EX/bV.out"
	lib_spawn "$EXIM" -C "$EX/exim.conf" -bdf >>"$EX/exim.out" 2>&1
	EXIM_PID=$LIB_PID
	up=no
	for _ in $(seq 100); do
		kill -0 "$EXIM_PID" 2>/dev/null || break
		if "$PY" -c 'import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), 2).close()' \
		    "$MX_SUBMIT_PORT" "$MX_SMTPS_PORT" 2>/dev/null; then
			up=yes
			break
		fi
		sleep 0.1
	done
	test $up = yes && break
	lib_stop "$EXIM_PID"
	lib_forget "$EXIM_PID"
	EXIM_PID=
	grep -qs 'in use' "$EX/exim.out" "$EX/log/paniclog" || break
done
test -n "$EXIM_PID" ||
    bail "Exim started" "$EX/exim.out" "$EX/log/paniclog" "$EX/log/mainlog"
MX_PLAIN_PORT=$MX_SUBMIT_PORT

# mx_received TAG EML ENV: the maildir file (LF line ends) holding TAG;
# Exim's Return-path, Envelope-to, its Received and the transport's
# X-Exim-Env-* headers taken off (into ENV), the rest with CRLF.
mx_received() {
	local i=0 f
	while :; do
		f=$(grep -lsx "X-Outbox-Test: $1" "$MAILDIR"/new/* | head -n 1)
		test -n "$f" && break
		i=$((i + 1))
		test $i -gt $((${MX_WAIT:-20} * 10)) && return 1
		sleep 0.1
	done
	"$PY" - "$f" "$2" "$3" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
head, sep, body = data.partition(b"\n\n")
fields = []
for line in head.split(b"\n"):
    if line[:1] in (b" ", b"\t") and fields:
        fields[-1].append(line)
    else:
        fields.append([line])
env, keep, received = [], [], False
for f in fields:
    name, _, value = f[0].partition(b":")
    key = name.lower()
    value = b" ".join([value] + f[1:]).strip()
    if key == b"return-path":
        env.append(b"from " + value.strip(b"<>"))
    elif key == b"envelope-to":
        env += [b"rcpt " + a.strip() for a in value.split(b",")]
    elif key == b"x-exim-env-user":
        if value:
            env.append(b"user " + value)
    elif key == b"x-exim-env-protocol":
        env.append(b"protocol " + value)
        if value.startswith(b"utf8"):
            env.append(b"smtputf8")
    elif key == b"received" and not received:
        received = True
    else:
        keep += f
out = b"\n".join(keep) + sep + body
open(sys.argv[2], "wb").write(out.replace(b"\n", b"\r\n"))
open(sys.argv[3], "wb").write(b"\n".join(env) + b"\n")
EOF
}

mx_defer() {
	if test "$1" = on; then : >"$DEFER"; else rm -f "$DEFER"; fi
}

# mx_settle: Exim delivers after its 250; wait until its spool is empty.
mx_settle() {
	local i=0
	while test -n "$(find "$EX/spool/input" -type f 2>/dev/null)"; do
		i=$((i + 1))
		test $i -gt 100 && return 1
		sleep 0.1
	done
}

mx_run

# Exim-specific: what its own records say.
if test -f "$T_DIR/got.smtputf8.env"; then
	check "Exim SMTPUTF8 recipient: Exim received it with SMTPUTF8" \
	    grep -qx smtputf8 "$T_DIR/got.smtputf8.env"
fi
if test -f "$T_DIR/got.authplain.env"; then
	check "Exim AUTH PLAIN: received with ESMTPSA (TLS and AUTH)" \
	    grep -qx 'protocol esmtpsa' "$T_DIR/got.authplain.env"
fi
# CHUNKING (RFC 3030), which Exim offers.
check "Exim CHUNKING: a send went as BDAT LAST, pipelined" \
    grep -qsx 'C: BDAT [0-9]* LAST' "$T_DIR/stderr.large"
check "Exim CHUNKING: the 5 MB message went in several chunks" \
    test "$(grep -c '^C: BDAT [0-9]*$' "$T_DIR/stderr.large")" -ge 2
mx_conf "$T_DIR/conf.chunking" plain off
mx_message chunk-two "$T_DIR/in.chunk-two" </dev/null
run_outbox "$T_DIR/in.chunk-two" -C "$T_DIR/conf.chunking" -i -v \
    -f "$MX_SENDER" "$MX_RCPT" nosuch@example.org
expect "Exim CHUNKING: two recipients, one refused: exit 67" 67 \
    "^outbox: RCPT TO:<nosuch@example.org>: refused: 550 "
check "Exim CHUNKING: no BDAT after the refusal" ! grep -q '^C: BDAT' "$T_ERR"
mx_message chunk-mail "$T_DIR/in.chunk-mail" </dev/null
run_outbox "$T_DIR/in.chunk-mail" -C "$T_DIR/conf.chunking" -i -v \
    -f refused@example.org "$MX_RCPT"
expect "Exim CHUNKING: MAIL refused with BDAT LAST pipelined: exit 69" 69 \
    "^outbox: MAIL FROM:<refused@example.org>: refused: 550 "
check "Exim CHUNKING: the BDAT went out behind the refused MAIL" \
    grep -q '^C: BDAT [0-9]* LAST$' "$T_ERR"
check "Exim CHUNKING: Exim discarded the chunk and answered QUIT" \
    grep -q '^S: 221' "$T_ERR"
sleep 0.5
check "Exim CHUNKING: neither refused message arrived" \
    ! grep -qsE 'X-Outbox-Test: chunk-(two|mail)' "$MAILDIR"/new/*
check "Exim: nothing left in its spool (everything delivered)" mx_settle
# Exim notes each re-execution under -C there; anything else is a fault.
check "Exim: nothing in its panic log" test -z "$(grep -v \
    'exim user lost privilege for using -C option' "$EX/log/paniclog" \
    2>/dev/null)"
check "Exim: no delivery failed or was deferred" \
    ! grep -E ' (\*\*|==) ' "$EX/log/mainlog"

lib_stop "$EXIM_PID"
lib_forget "$EXIM_PID"
finish
