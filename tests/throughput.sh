#!/bin/bash
# throughput.sh -- the fast paths of issue 13 point 7, byte for byte: a
# 2.5 MiB message whose lines are hostile in every way a line can be
# (bare CR, bare LF, CR CR LF, CRLF, leading dots, lone dots, empty lines,
# 8-bit bytes), dense enough that every read, spool and send boundary
# falls near them, goes through the spool (the whole-line reader) and out
# as DATA (clean runs written from the read buffer, the rest filtered)
# and as BDAT; what the scripted server received must be exactly the
# message normalised (and dot-stuffed for DATA).  A lone dot and a NUL
# two megabytes in, past many buffer boundaries, must still be seen; the
# same lines as a binary body (-B BINARYMIME) must arrive untouched.
# Speed itself is measured by bench/thru.sh, never asserted here.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"

GEN=$T_DIR/gen.py
cat >"$GEN" <<'EOP'
import random, re, sys
# gen.py OUT SIZE SEED [lone-dot-at|nul-at OFFSET|nodots 0]: a message of about
# SIZE octets; prints nothing.  Writes OUT (the input), OUT.data (the
# DATA payload it must become with -oi, final dot included) and OUT.bdat
# (the BDAT payload).
out, size, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
special = sys.argv[4] if len(sys.argv) > 4 else None
at = int(sys.argv[5]) if len(sys.argv) > 5 else 0
rnd = random.Random(seed)
head = (b"From: Sender <sender@example.org>\n"
        b"To: Bob <bob@example.org>\n"
        b"Subject: hostile lines\n"
        b"Date: Mon, 01 Jan 2024 00:00:00 +0000\n"
        b"Message-ID: <thru@example.org>\n\n")
ends = [b"\n", b"\r\n", b"\r", b"\r\r\n", b"\n\n", b"\r\n\r\n"]
starts = [b"", b"", b"", b".", b"..", b". ", b"From ", b" "]
if special == "nodots":                 # no line will start with '.'
    starts = [b"", b"", b"x.", b"From ", b" "]
parts, n = [head], len(head)
while n < size:
    k = rnd.choice([0, 1, 2, 5, 40, 76, 77, 78, 200, 900])
    body = bytes(rnd.choice(b"abcXYZ 019.-\t") for _ in range(k))
    if special == "nodots":
        body = body.lstrip(b".")
    if rnd.random() < 0.1:
        body += "é".encode()
    line = rnd.choice(starts) + body
    if rnd.random() < 0.05 and special != "nodots":
        line = b"."                     # a lone dot: kept with -oi
    if special == "lone-dot-at" and line == b".":
        line = b".x"                    # only the one placed below
    if special and at and n >= at:
        line = b"." if special == "lone-dot-at" else b"x\0y"
        at = 0
    piece = line + rnd.choice(ends)
    parts.append(piece)
    n += len(piece)
msg = b"".join(parts)
with open(out, "wb") as f:
    f.write(msg)
norm = re.sub(rb"\r\n|\r|\n", b"\r\n", msg)
if not norm.endswith(b"\r\n"):
    norm += b"\r\n"
with open(out + ".bdat", "wb") as f:
    f.write(norm)
stuffed = re.sub(rb"(?m)^\.", b"..", norm.replace(b"\r\n", b"\n"))
with open(out + ".data", "wb") as f:
    f.write(stuffed.replace(b"\n", b"\r\n") + b".\r\n")
EOP

XP=$T_DIR/extract.py
cat >"$XP" <<'EOP'
import sys
# extract.py WIRE data|bdat OUT: the message as it crossed the wire.
wire = open(sys.argv[1], "rb").read()
if sys.argv[2] == "data":
    body = wire.split(b"\r\nDATA\r\n", 1)[1]
    if body.endswith(b"QUIT\r\n"):
        body = body[:-6]
else:
    rest = wire.split(b"\r\nRCPT TO:<bob@example.org>\r\n", 1)[1]
    body = b""
    while rest.startswith(b"BDAT "):
        line, rest = rest.split(b"\r\n", 1)
        n = int(line.split()[1])
        body, rest = body + rest[:n], rest[n:]
        if line.endswith(b" LAST"):
            break
open(sys.argv[3], "wb").write(body)
EOP

conf() {
	mkconf "$T_DIR/c" <<EOC
account default
host 127.0.0.1
port $1
tls off
domain test.example
from sender@example.org
timeout 10
queue_dir $T_DIR/q
EOC
}
mkdir -m 700 "$T_DIR/q"

# data_script NAME: a server that takes one message with DATA, pipelined;
# what came over the wire in $T_DIR/NAME.wire.
data_script() {
	start_script "$1" --wire "$T_DIR/$1.wire" <<'EOS'
> 220 mx.test ESMTP
< EHLO test.example
> 250-mx.test
> 250-PIPELINING
> 250 8BITMIME
< MAIL FROM:<sender@example.org> BODY=8BITMIME
< RCPT TO:<bob@example.org>
< DATA
>> 250 ok\r\n250 ok\r\n354 go ahead\r\n
data
> 250 2.0.0 queued
< QUIT
> 221 bye
eof
EOS
}

# --- DATA: every line end normalised, every leading dot doubled --------
"$PY" "$GEN" "$T_DIR/m1" 2600000 1
data_script data
conf "$SC_PORT"
run_outbox "$T_DIR/m1" -C "$T_DIR/c" -oi bob@example.org
expect "2.5 MiB of hostile lines: sent with DATA" 0
script_ok "the server saw the whole dialogue" data
"$PY" "$XP" "$T_DIR/data.wire" data "$T_DIR/data.got"
check_cmp "DATA payload byte for byte: normalised, dot-stuffed" \
    "$T_DIR/m1.data" "$T_DIR/data.got"

# --- BDAT: normalised, no stuffing, several 1 MiB chunks ---------------
start_script bdat --wire "$T_DIR/bdat.wire" <<'EOS'
> 220 mx.test ESMTP
< EHLO test.example
> 250-mx.test
> 250-PIPELINING
> 250-CHUNKING
> 250 8BITMIME
< MAIL FROM:<sender@example.org> BODY=8BITMIME
< RCPT TO:<bob@example.org>
bdat BDAT 1048576
bdat BDAT 1048576
bdat BDAT * LAST
< QUIT
>> 250 ok\r\n250 ok\r\n250 chunk\r\n250 chunk\r\n250 2.0.0 queued\r\n221 bye\r\n
eof
EOS
conf "$SC_PORT"
run_outbox "$T_DIR/m1" -C "$T_DIR/c" -oi bob@example.org
expect "the same message sent with BDAT" 0
script_ok "the server saw three chunks" bdat
"$PY" "$XP" "$T_DIR/bdat.wire" bdat "$T_DIR/bdat.got"
check_cmp "BDAT payload byte for byte: normalised, not stuffed" \
    "$T_DIR/m1.bdat" "$T_DIR/bdat.got"

# --- a lone dot 2 MB in ends the message (no -oi) ----------------------
"$PY" "$GEN" "$T_DIR/m2" 2600000 2 lone-dot-at 2000000
data_script dot
conf "$SC_PORT"
"$PY" - "$T_DIR/m2" "$T_DIR/m2.want" <<'EOP'
import re, sys
# what sendmail's rule keeps: everything before the first lone-dot line
msg = open(sys.argv[1], "rb").read()
norm = re.sub(rb"\r\n|\r|\n", b"\r\n", msg)
if not norm.endswith(b"\r\n"):
    norm += b"\r\n"
cut = norm.find(b"\r\n.\r\n")
norm = norm[:cut + 2] if cut >= 0 else norm
stuffed = re.sub(rb"(?m)^\.", b"..", norm.replace(b"\r\n", b"\n"))
open(sys.argv[2], "wb").write(stuffed.replace(b"\n", b"\r\n") + b".\r\n")
EOP
run_outbox "$T_DIR/m2" -C "$T_DIR/c" bob@example.org
expect "without -oi: sent" 0
script_ok "the server saw the dialogue" dot
"$PY" "$XP" "$T_DIR/dot.wire" data "$T_DIR/dot.got"
check_cmp "the message ends at the first lone dot" \
    "$T_DIR/m2.want" "$T_DIR/dot.got"
check "the lone dot was past 1.5 MB" \
    test "$(wc -c <"$T_DIR/dot.got")" -gt 1500000

# --- no line starts with '.': the spool goes out as it is --------------
# (sendfile() straight from the spool file); the same entry sent from the
# queue, where that fact is not kept, goes through the filter: the same
# bytes either way.
"$PY" "$GEN" "$T_DIR/m4" 2600000 4 nodots 0
check "the clean message has no line starting with a dot" \
    sh -c "! grep -q '^\\.' '$T_DIR/m4.bdat'"
data_script clean
conf "$SC_PORT"
run_outbox "$T_DIR/m4" -C "$T_DIR/c" bob@example.org
expect "2.5 MiB of clean lines: sent with DATA" 0
script_ok "the server saw the dialogue" clean
"$PY" "$XP" "$T_DIR/clean.wire" data "$T_DIR/clean.got"
check_cmp "clean DATA payload byte for byte (sent as spooled)" \
    "$T_DIR/m4.data" "$T_DIR/clean.got"
conf "$(closed_port)"
run_outbox "$T_DIR/m4" -C "$T_DIR/c" bob@example.org
expect "the same message, server down: queued" 0 "kept in the queue"
data_script clean-q
conf "$SC_PORT"
run_outbox /dev/null -C "$T_DIR/c" -q
expect "flushed from the queue" 0
script_ok "the server saw the dialogue from the queue" clean-q
"$PY" "$XP" "$T_DIR/clean-q.wire" data "$T_DIR/clean-q.got"
check_cmp "from the queue (filtered): the same bytes" \
    "$T_DIR/m4.data" "$T_DIR/clean-q.got"

# --- a NUL 2 MB in is seen (whole-run scan) ----------------------------
# bin_script NAME MAIL-PARAMS: a server with CHUNKING and BINARYMIME that
# takes one message in three chunks, the data not checked for bare CR/LF.
bin_script() {
	start_script "$1" --wire "$T_DIR/$1.wire" <<EOS
> 220 mx.test ESMTP
< EHLO test.example
> 250-mx.test
> 250-PIPELINING
> 250-CHUNKING
> 250-8BITMIME
> 250 BINARYMIME
< MAIL FROM:<sender@example.org>$2
< RCPT TO:<bob@example.org>
bdat raw BDAT 1048576
bdat raw BDAT 1048576
bdat raw BDAT * LAST
< QUIT
>> 250 ok\\r\\n250 ok\\r\\n250 chunk\\r\\n250 chunk\\r\\n250 2.0.0 queued\\r\\n221 bye\\r\\n
eof
EOS
}
"$PY" "$GEN" "$T_DIR/m3" 2600000 3 nul-at 2000000
start_script nul-refused <<'EOS'
> 220 mx.test ESMTP
< EHLO test.example
> 250-mx.test
> 250-PIPELINING
> 250 CHUNKING
< QUIT
> 221 bye
eof
EOS
conf "$SC_PORT"
run_outbox "$T_DIR/m3" -C "$T_DIR/c" -oi bob@example.org
expect "a NUL 2 MB in, no BINARYMIME: 65, nothing sent" 65 \
    "contains NUL bytes"
script_ok "the server saw EHLO and QUIT only" nul-refused
bin_script nul " BODY=BINARYMIME"
conf "$SC_PORT"
run_outbox "$T_DIR/m3" -C "$T_DIR/c" -oi bob@example.org
expect "the same message, BINARYMIME offered: sent" 0
script_ok "the server saw BODY=BINARYMIME and three chunks" nul
"$PY" "$XP" "$T_DIR/nul.wire" bdat "$T_DIR/nul.got"
check_cmp "BINARYMIME payload: normalised lines, the NUL kept" \
    "$T_DIR/m3.bdat" "$T_DIR/nul.got"

# --- -B BINARYMIME: the hostile body goes byte for byte -----------------
"$PY" - "$T_DIR/m1" "$T_DIR/m1.raw" <<'EOP'
import re, sys
# the header section normalised, every octet after its empty line as is
msg = open(sys.argv[1], "rb").read()
head, body = msg.split(b"\n\n", 1)
open(sys.argv[2], "wb").write(re.sub(rb"\r\n|\r|\n", b"\r\n", head) +
    b"\r\n\r\n" + body)
EOP
bin_script raw " BODY=BINARYMIME"
conf "$SC_PORT"
run_outbox "$T_DIR/m1" -C "$T_DIR/c" -B BINARYMIME bob@example.org
expect "2.5 MiB of hostile lines with -B BINARYMIME: sent" 0
script_ok "the server saw BODY=BINARYMIME and three chunks" raw
"$PY" "$XP" "$T_DIR/raw.wire" bdat "$T_DIR/raw.got"
check_cmp "the body byte for byte: no line end changed, nothing added" \
    "$T_DIR/m1.raw" "$T_DIR/raw.got"

finish
