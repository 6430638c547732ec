#!/bin/bash
# tests/man-examples.sh -- the composer examples of outbox(1) work as
# printed.  Every command in the EXAMPLES section that composes a message
# ("outbox -s ...") is cut from man/outbox.1, un-escaped from roff, and run
# word for word by bash in a directory holding the files it names, with
# `outbox` on PATH and the configuration in $XDG_CONFIG_HOME (pointing at
# a real aiosmtpd smarthost on 127.0.0.1, port 0).  Each message that
# arrives is parsed with Python's email package (tests/lib/mimecheck.py)
# and checked against what the example promises.
#
# Environment: OUTBOX (the binary under test; make check sets it), srcdir.
# Exit: 0 all passed, 1 a case failed, 77 (skip) when aiosmtpd is missing
# and CI is not set.  The last line is "N passed, N failed".
set -u

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$(cd "$here/.." && pwd)}
OUTBOX=${OUTBOX:-$srcdir/outbox}
PY=/usr/bin/python3
export srcdir OUTBOX

if ! "$PY" -c 'import aiosmtpd' 2>/dev/null; then
	echo "man-examples.sh: $PY cannot import aiosmtpd" >&2
	if test -n "${CI:-}"; then echo "0 passed, 1 failed"; exit 1; fi
	exit 77
fi

. "$srcdir/tests/lib/harness.sh"

MC=$srcdir/tests/lib/mimecheck.py
W=$T_DIR/work
mkdir -p "$W" "$T_DIR/bin" "$T_DIR/xdg/outbox" "$T_DIR/queue"
ln -s "$(cd "$(dirname "$OUTBOX")" && pwd)/$(basename "$OUTBOX")" \
    "$T_DIR/bin/outbox"

start_smarthost mx || exit 99
mkconf "$T_DIR/xdg/outbox/config" <<EOC
account default
host 127.0.0.1
port $SH_PORT
tls off
domain test.example
from me@example.org
queue_dir $T_DIR/queue
timeout 30
EOC

# The files the examples name.
printf '%%PDF-1.4\n%s\n' "$(head -c 3000 /dev/urandom | base64)" \
    >"$W/report.pdf"
printf 'Notes on the quarter.\nSee the figures.\n' >"$W/notes.txt"
printf 'region,sales\nnorth,12\nsouth,7\n' >"$W/sales.csv"
head -c 2048 /dev/urandom >"$W/chart.png"
printf 'Neuigkeiten aus Köln.\n' >"$W/news.txt"
printf '<html><body><p>Neuigkeiten aus K\xc3\xb6ln.</p></body></html>\n' \
    >"$W/news.html"
printf 'Report attached.\n' >"$T_DIR/report-body.txt"

# The composer examples, one per file, as bash will run them.
"$PY" - "$srcdir/man/outbox.1" "$T_DIR/ex" 2>/dev/null <<'PYEOF'
import re, sys
src, out = sys.argv[1], sys.argv[2]
text = open(src, encoding="utf-8").read()
ex = text.split(".Sh EXAMPLES", 1)[1].split("\n.Sh ", 1)[0]
n = 0
for block in re.findall(r"\.Bd -literal[^\n]*\n(.*?)\n\.Ed", ex, re.S):
    # roff escapes used in the manual: \e is a backslash, \& is nothing
    cmd = block.replace("\\e", "\\").replace("\\&", "")
    if not re.search(r"\boutbox -s ", cmd):
        continue
    n += 1
    with open("%s.%d" % (out, n), "w", encoding="utf-8") as f:
        f.write(cmd + "\n")
print(n, file=sys.stderr)
PYEOF

count() { ls "$T_DIR/mx.mail" 2>/dev/null | grep -c '\.eml$'; }

# run_example N: run example N; GOT is the message that arrived.
run_example() {
	before=$(count)
	(cd "$W" && PATH="$T_DIR/bin:$PATH" HOME="$T_DIR" \
	    XDG_CONFIG_HOME="$T_DIR/xdg" bash "$T_DIR/ex.$1" \
	    >"$T_DIR/ex.$1.out" 2>"$T_DIR/ex.$1.err" </dev/null)
	rc=$?
	GOT=$T_DIR/mx.mail/$((before + 1))
	if test "$rc" = 0 && test "$(count)" = $((before + 1)); then
		pass "example $1 runs as printed: $(head -1 "$T_DIR/ex.$1")"
		return 0
	fi
	fail "example $1 runs as printed" "exit $rc" \
	    "$(cat "$T_DIR/ex.$1")" "$(cat "$T_DIR/ex.$1.err")"
	return 1
}


nex=$(ls "$T_DIR"/ex.* 2>/dev/null | grep -c '/ex\.[0-9]*$')
check "the manual has three composer examples" test "$nex" = 3

if run_example 1; then
	chk "example 1: subject, body and a PDF attachment" \
	    "$PY" "$MC" check "$GOT.eml" --composed --mime \
	    --subject "Nightly report" --to "" admin@example.org \
	    --tree "multipart/mixed(text/plain,application/pdf)" \
	    --text "$T_DIR/report-body.txt" \
	    --att application/pdf "$W/report.pdf"
fi

if run_example 2; then
	chk "example 2: body file, two attachments, Cc, Reply-To, no Bcc" \
	    "$PY" "$MC" check "$GOT.eml" --composed --mime \
	    --subject "Q3 figures" --to "Ann Example" ann@example.org \
	    --cc Finance finance@example.org \
	    --reply-to "" team@example.org --absent Bcc \
	    --absent-text archive@example.org \
	    --tree "multipart/mixed(text/plain,text/csv,image/png)" \
	    --text "$W/notes.txt" --att text/csv "$W/sales.csv" \
	    --att image/png "$W/chart.png"
	chk "example 2: the Bcc recipient gets it" "$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
want = ["ann@example.org", "finance@example.org", "archive@example.org"]
sys.exit(0 if sorted(m["rcpt_tos"]) == sorted(want) else
         "rcpt_tos: %r" % m["rcpt_tos"])' "$GOT.json"
fi

if run_example 3; then
	chk "example 3: text and HTML alternative, UTF-8 subject and name" \
	    "$PY" "$MC" check "$GOT.eml" --composed --mime \
	    --subject "Grüße aus Köln" --from "Jörg" joerg@example.org \
	    --to "" members@example.org \
	    --header List-Unsubscribe "<mailto:leave@example.org>" \
	    --tree "multipart/alternative(text/plain,text/html)" \
	    --text "$W/news.txt" --html "$W/news.html" --no-att
	chk "example 3: the envelope sender is --from's address" "$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m["mail_from"] == "joerg@example.org" else
         "mail_from: %r" % m["mail_from"])' "$GOT.json"
fi

# The pages render cleanly: no mandoc warning, and no quotation left open
# (a .Ql list on one line once rendered with a pile of closing quotes).
for page in "$srcdir/man/outbox.1" "$srcdir/man/outbox.conf.5"; do
	pname=$(basename "$page")
	check "$pname: mandoc -T lint -W warning is quiet" \
	    test -z "$(mandoc -T lint -W warning "$page" 2>&1)"
	check "$pname: every quotation closes where it opens" \
	    test -z "$(mandoc -T utf8 "$page" | grep -E "’’|''")"
done

finish
