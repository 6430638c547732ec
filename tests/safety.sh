#!/bin/bash
# safety.sh -- what the red-team pass of issue 9 found, seen from outside:
# parameters smuggled in a domain literal, -a/--body on a FIFO or a
# device, and the cost of a header with a huge recipient list.  Every
# case is a --dry-run (no network) or fails before any connection.
#
# Exit: 0 all passed, 1 a case failed.  The last line is
# "N passed, N failed".
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

CONF=$T_DIR/conf
mkconf "$CONF" <<'EOC'
account default
host 127.0.0.1
tls off
domain test.example
from sender@example.org
EOC
IN=$T_DIR/in
printf 'Subject: s\n\nbody\n' >"$IN"
D() { run_outbox "$IN" -C "$CONF" --dry-run "$@"; }

# --- domain literals carry no SMTP parameters ------------------------------
EVIL='x@[1.2.3.4> NOTIFY=SUCCESS ORCPT=rfc822;a]'
no_params() { ! grep -Eq 'NOTIFY=|ORCPT=' "$T_OUT"; }
D "$EVIL"
expect "literal with parameters as a recipient: 64" 64 \
    "invalid recipient 'x@\[1\.2\.3\.4> NOTIFY=SUCCESS ORCPT=rfc822;a\]'"
check "... and nothing like NOTIFY= reaches the output" no_params
D -f "$EVIL" bob@example.org
expect "literal with parameters as -f: 64" 64 \
    "invalid sender address 'x@\[1\.2\.3\.4> NOTIFY=SUCCESS ORCPT=rfc822;a\]'"
check "... and nothing like NOTIFY= reaches the output" no_params
D -f "<$EVIL>" bob@example.org
expect "the same in <> as -f: 64" 64 "invalid sender address 'x@\["
check "... and nothing like NOTIFY= reaches the output" no_params
printf 'To: %s\nSubject: s\n\nbody\n' "$EVIL" >"$T_DIR/evil.eml"
run_outbox "$T_DIR/evil.eml" -C "$CONF" --dry-run -t
expect "literal with parameters in a -t header: 65" 65 \
    "invalid address in the To header"
check "... and nothing like NOTIFY= reaches the output" no_params
D 'a@[192.0.2.1]' 'b@[IPv6:2001:db8::1]'
expect "good address literals are taken" 0
check "... and sent as they are" grep -q '^RCPT TO:<b@\[IPv6:2001:db8::1\]>$' \
    "$T_OUT"

finish
