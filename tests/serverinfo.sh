#!/bin/bash
# serverinfo.sh -- --serverinfo shows everything the server offers: every
# EHLO keyword, known to outbox or not, in the server's order.  The
# servers are scripted (tests/smtpd.py).
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

export HOME=$T_DIR/home XDG_CONFIG_HOME=$T_DIR/home/.config
mkdir -p "$HOME"

# conf PORT [LINES]: an account for the scripted server.
conf() {
	mkconf "$T_DIR/c" <<EOC
host 127.0.0.1
port $1
domain test.example
queue_dir $T_DIR/q
timeout 5
$2
EOC
}
# script_ok NAME SCRIPT: the scripted server saw exactly its dialogue.
script_ok() {
	if lib_wait_exit "$SC_PID" 5 && test "$LIB_STATUS" = 0; then
		pass "$1"
	else
		fail "$1" "smtpd.py: $(cat "$T_DIR/$2.err")" \
		    "$(head -20 "$T_DIR/$2.transcript" 2>/dev/null)"
		lib_stop "$SC_PID" 2
		lib_forget "$SC_PID"
	fi
}

# --- every keyword, in the server's order ---------------------------------------
start_script plain <<'EOS'
> 220 mx.test ESMTP scripted
< EHLO test.example
> 250-mx.test greets test.example
> 250-PIPELINING
> 250-HELP
> 250-PIPECONNECT
> 250-X-FOO bar
> 250-SIZE 1048576
> 250-8BITMIME
> 250 AUTH PLAIN LOGIN
< QUIT
> 221 bye
eof
EOS
conf "$SC_PORT" "tls off"
run_outbox /dev/null -C "$T_DIR/c" --serverinfo
expect "--serverinfo without TLS" 0
cat >"$T_DIR/want" <<'EOF2'
Capabilities:
    PIPELINING
    HELP
    PIPECONNECT
    X-FOO bar
    SIZE 1048576 (1.0 MiB)
    8BITMIME
    AUTH PLAIN LOGIN
Authentication mechanisms: PLAIN LOGIN
EOF2
sed -n '/^Capabilities:/,$p' "$T_OUT" >"$T_DIR/got"
check_cmp "every EHLO keyword is listed, unknown ones too, in order" \
    "$T_DIR/want" "$T_DIR/got"
script_ok "... EHLO and QUIT, nothing else (no AUTH)" plain

finish
