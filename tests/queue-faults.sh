#!/bin/bash
# queue-faults.sh -- the queue under faults: the server refusing (4xx) or
# vanishing at each stage, SIGKILL of outbox at each step of spooling,
# queueing and sending, concurrent -q runs, ENOSPC and short writes while
# spooling, file modes and planted symlinks.  The promise tested: a
# message is always either accepted by the server, in the queue, or in
# failed/ -- never lost, never left half-written, never sent twice once
# the server said 250 to its final dot.
#
# Deliveries are counted on a real server (tests/lib/smarthost.py, one
# N.eml per accepted message) and the queue's exact state is compared
# after each step.  SIGKILL at each syscall of the move to queue/ and the
# ENOSPC / write-returns-0 cases use strace's fault injection (skipped,
# outside CI, when strace is missing or cannot trace here).
#
# make check runs a representative part of the two sweeps (faults at each
# stage, SIGKILL at each syscall); QUEUE_FAULTS_STORM=1 (make check-slow:
# tests/queue-faults-storm.sh) runs all of them.
. "${srcdir:-$(dirname "$0")/..}/tests/lib/harness.sh"
STORM=${QUEUE_FAULTS_STORM:-}

Q=$T_DIR/q
DOWN=$(closed_port)
SMTPD=$srcdir/tests/smtpd.py
FS=$T_DIR/faultsrv.py
EMPTY="tmp 0/0 queue 0/0 failed 0/0"

# conf PORT [extra lines]: the one config every run uses.
conf() {
	mkconf "$T_DIR/c" <<EOC
account default
host 127.0.0.1
port $1
tls off
domain test.example
from sender@example.org
queue_dir $Q
timeout 3
${2:-}
EOC
}

# qstate: "tmp M/E queue M/E failed M/E" (messages / envelopes), plus
# " other: NAME..." for anything else (a stray ID.env.tmp, say).
qstate() {
	_s=""
	for _d in tmp queue failed; do
		_m=0 _e=0
		for _f in "$Q/$_d"/* "$Q/$_d"/.[!.]*; do
			test -e "$_f" || test -L "$_f" || continue
			case $_f in
			*.env) _e=$((_e + 1)) ;;
			*/[0-9a-f]*.[0-9]*.[0-9a-f]*[0-9a-f]) _m=$((_m + 1)) ;;
			*) _o="${_o-} $_d/${_f##*/}" ;;
			esac
		done
		_s="$_s $_d $_m/$_e"
	done
	_s=${_s# }
	test -z "${_o-}" || _s="$_s other:$_o"
	unset _o
	printf '%s\n' "$_s"
}
# check_state NAME EXPECTED
check_state() {
	_got=$(qstate)
	if test "$_got" = "$2"; then pass "$1"
	else fail "$1" "queue state: $_got" "expected:    $2" \
	    "$(cd "$Q" 2>/dev/null && find . -mindepth 2 | sort | tr '\n' ' ')"; fi
}
ids() { ls "$Q/$1" 2>/dev/null | grep -v '\.env' ; }
first_id() { ids "$1" | head -1; }
eml() { ls "$T_DIR/up.mail" 2>/dev/null | grep -c '\.eml$'; }
last_eml() { echo "$T_DIR/up.mail/$(eml).eml"; }
# mkmsg NAME: a message with a unique subject and Message-ID.
mkmsg() {
	printf 'From: sender@example.org\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s@qf.example>\n\nbody of %s\n' \
	    "$1" "$1" "$1" >"$T_DIR/msg.$1"
	echo "$T_DIR/msg.$1"
}
# check_delivered NAME BEFORE N [SUBJECT]: N messages arrived since
# BEFORE (and the last one has the subject).
check_delivered() {
	_n=$(( $(eml) - $2 ))
	if test "$_n" != "$3"; then
		fail "$1" "delivered $_n, expected $3"
	elif test -n "${4-}" && ! grep -q "^Subject: $4"$'\r'"\$" "$(last_eml)"; then
		fail "$1" "the message delivered is not '$4'" \
		    "$(head -c 300 "$(last_eml)" | cat -A)"
	else
		pass "$1"
	fi
}
# start_fault MODE NAME [ARG]: start the fault server below in DIR
# $T_DIR/NAME; sets FS_DIR, FS_PORT, FS_PID.
start_fault() {
	FS_DIR=$T_DIR/$2
	rm -rf "$FS_DIR"
	mkdir -p "$FS_DIR"
	lib_spawn "$PY" "$FS" "$1" "$FS_DIR" ${3:+"$3"} 2>"$FS_DIR/err"
	FS_PID=$LIB_PID
	lib_wait_file "$FS_DIR/port" || { echo "faultsrv did not start" >&2
		cat "$FS_DIR/err" >&2; exit 99; }
	FS_PORT=$(cat "$FS_DIR/port")
}
# wait_for FILE [SECONDS]: like lib_wait_file, for a file that may be empty.
wait_for() {
	_i=0
	while ! test -e "$1"; do
		_i=$((_i + 1))
		test $_i -gt $((${2:-10} * 20)) && return 1
		sleep 0.05
	done
}
# bg_outbox STDIN ARGS...: outbox in the background, BG_PID.
bg_outbox() {
	_in=$1
	shift
	"$OUTBOX" "$@" <"$_in" >"$T_DIR/bg.out" 2>"$T_DIR/bg.err" &
	BG_PID=$!
	LIB_PIDS="$LIB_PIDS $BG_PID"	# stopped on exit if still there
}
kill9() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	lib_forget "$1"
}
# st ARGS...: strace ARGS.  LeakSanitizer cannot work in a traced process
# (it ptrace()s itself), so an ASan build runs without leak checks here.
st() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -f -qq "$@"
}
# stop_server PID: stop a server we started, by its PID.
stop_server() {
	lib_stop "$1" 2
	lib_forget "$1"
}
# a_q NAME BEFORE N: "-q" against the smarthost delivers N (since BEFORE)
# and the queue ends up empty.
a_q() {
	# A 6 MB message can keep the smarthost's reply to the final dot
	# waiting for seconds on a busy machine, so the delivery run gets a
	# long timeout.
	conf "$SH_PORT" "timeout 60"
	run_outbox /dev/null -C "$T_DIR/c" -q
	check_delivered "$1: the next -q delivers it ${3}x" "$2" "$3"
}

# --- the fault server ------------------------------------------------------
# faultsrv.py MODE DIR [ARG]: an SMTP server (no PIPELINING) on 127.0.0.1
# port 0, written to DIR/port.  One connection, then it exits, except
# "slow".  "DIR/mark" appears when the fault point is reached.
#   silent       accept, never say anything, wait for the client to go
#   partial N    read N bytes of message data, then stop reading until
#                DIR/release exists; then read to the end and write
#                DIR/result: "complete" if the final dot arrived, else
#                "partial"
#   eod          read the whole message and its final dot, never answer
#   quit         250 to the final dot, read QUIT, never answer it
#   slow SECS    any number of connections and messages; SECS before
#                each 250 to a final dot; each accepted message's
#                Message-ID appended to DIR/ids; the most connections
#                open at once in DIR/maxconc.  Runs until SIGTERM.
cat >"$FS" <<'EOF'
import os, re, signal, socket, sys, threading, time

mode, d = sys.argv[1], sys.argv[2]
arg = sys.argv[3] if len(sys.argv) > 3 else None
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
lock = threading.Lock()
conc = [0, 0]

def touch(name, text=""):
    with open(os.path.join(d, name + ".tmp"), "w") as f:
        f.write(text)
    os.rename(os.path.join(d, name + ".tmp"), os.path.join(d, name))

class C:
    def __init__(self, s):
        self.s, self.buf = s, b""
    def recv(self):
        b = self.s.recv(65536)
        self.buf += b
        return b
    def line(self):
        while b"\r\n" not in self.buf:
            if not self.recv():
                raise EOFError
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l.decode("latin-1")
    def send(self, t):
        self.s.sendall(t.encode() + b"\r\n")
    def drain(self):
        while self.recv():
            pass
    def data(self):
        while b"\r\n.\r\n" not in b"\r\n" + self.buf:
            if not self.recv():
                raise EOFError
        i = (b"\r\n" + self.buf).index(b"\r\n.\r\n")
        msg, self.buf = self.buf[:i], self.buf[i + 3:]
        return msg

def dialogue(c, upto):
    """Greet and answer until the client says DATA (354 sent)."""
    c.send("220 fault.test ESMTP")
    while True:
        l = c.line().upper()
        if l.startswith("EHLO"):
            c.send("250-fault.test"); c.send("250 ENHANCEDSTATUSCODES")
        elif l.startswith("DATA"):
            c.send("354 go ahead")
            return
        elif l.startswith("QUIT"):
            c.send("221 2.0.0 bye")
            raise EOFError
        else:
            c.send("250 2.0.0 ok")

def serve_slow(s):
    c = C(s)
    with lock:
        conc[0] += 1
        conc[1] = max(conc)
        touch("maxconc", str(conc[1]))
    try:
        c.send("220 fault.test ESMTP")
        while True:
            l = c.line().upper()
            if l.startswith("EHLO"):
                c.send("250-fault.test"); c.send("250 ENHANCEDSTATUSCODES")
            elif l.startswith("DATA"):
                c.send("354 go ahead")
                m = re.search(rb"(?im)^Message-ID:\s*(\S+)", c.data())
                time.sleep(float(arg))
                with lock:
                    with open(os.path.join(d, "ids"), "a") as f:
                        f.write((m.group(1) if m else b"none").decode() + "\n")
                c.send("250 2.0.0 accepted")
            elif l.startswith("QUIT"):
                c.send("221 2.0.0 bye")
                break
            else:
                c.send("250 2.0.0 ok")
    except (EOFError, OSError):
        pass
    finally:
        with lock:
            conc[0] -= 1
        s.close()

ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
if mode == "slow":
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve_slow, args=(s,), daemon=True).start()
s, _ = ls.accept()
s.settimeout(30)
c = C(s)
try:
    if mode == "silent":
        touch("mark")
        c.drain()
    elif mode == "partial":
        dialogue(c, "DATA")
        while len(c.buf) < int(arg):
            if not c.recv():
                break
        touch("mark", str(len(c.buf)))
        while not os.path.exists(os.path.join(d, "release")):
            time.sleep(0.05)
        c.drain()
        touch("result", "complete" if b"\r\n.\r\n" in c.buf else "partial")
    elif mode == "eod":
        dialogue(c, "DATA")
        c.data()
        touch("mark")
        c.drain()
    elif mode == "quit":
        dialogue(c, "DATA")
        c.data()
        c.send("250 2.0.0 accepted")
        touch("mark", c.line())
        c.drain()
except (EOFError, OSError):
    pass
touch("done")
EOF

# The smarthost, without --log: it would log every line of DATA, which
# makes the 6 MB message of kill-c take seconds (start_smarthost, but
# for that).
mkdir -p "$T_DIR/up.mail"
lib_spawn "$PY" "$srcdir/tests/lib/smarthost.py" --maildir "$T_DIR/up.mail" \
    --port-file "$T_DIR/up.port" 2>>"$T_DIR/up.err"
lib_wait_file "$T_DIR/up.port" || { cat "$T_DIR/up.err"; exit 99; }
SH_PORT=$(cat "$T_DIR/up.port")
CI_RUN=${CI:-}

# === 1. 4xx or a disconnect at each stage: queued, then delivered once ====
# stage_script STAGE ACTION: the smtpd.py script up to STAGE, then ACTION
# (4xx: refuse with 451 and expect QUIT; 421: close without QUIT; close;
# reset; timeout: never answer).
stage_script() {
	_stage=$1 _act=$2
	for _s in greeting ehlo mail rcpt data eod; do
		test "$_s" = "$_stage" && break
		case $_s in
		greeting) printf '> 220 fault.test ESMTP\n< EHLO test.example\n' ;;
		ehlo) printf '> 250-fault.test\n> 250 ENHANCEDSTATUSCODES\n< MAIL FROM:<sender@example.org>\n' ;;
		mail) printf '> 250 2.1.0 ok\n< RCPT TO:<bob@example.org>\n' ;;
		rcpt) printf '> 250 2.1.5 ok\n< DATA\n' ;;
		data) printf '> 354 go ahead\ndata\n' ;;
		esac
	done
	case $_act in
	4xx) printf '> 451 4.3.0 try later\n< QUIT\n> 221 2.0.0 bye\neof\n' ;;
	421) printf '> 421 4.3.2 shutting down\neof\n' ;;
	close) printf 'close\n' ;;
	reset) printf 'reset\n' ;;
	timeout) printf 'silence\n' ;;
	esac
}
stage_what() {
	case $1 in
	greeting) echo "server greeting" ;;
	ehlo) echo "EHLO test\\.example" ;;
	mail) echo "MAIL FROM:<sender@example\\.org>" ;;
	rcpt) echo "RCPT TO:<bob@example\\.org>" ;;
	data) echo "DATA" ;;
	eod) echo "end of data" ;;
	esac
}
act_why() {
	case $1 in
	4xx) echo "refused: 451 4\\.3\\.0 try later" ;;
	421) echo "refused: 421 4\\.3\\.2 shutting down" ;;
	close) echo "connection closed by server" ;;
	reset) echo "(connection reset by server|connection closed by server)" ;;
	timeout) echo "timed out after 3 s" ;;
	esac
}
n_stage=0
# make check: one fault per stage, every kind of fault once (timeout is
# in tests/scenarios/eod-timeout); the storm: every fault at every stage.
STAGES="greeting:4xx ehlo:close mail:421 rcpt:reset data:4xx eod:close"
if test -n "$STORM"; then
	STAGES="greeting:4xx greeting:close ehlo:4xx ehlo:close mail:4xx
	    mail:close rcpt:4xx rcpt:close data:4xx data:close eod:4xx
	    eod:close mail:421 eod:421 rcpt:reset eod:reset eod:timeout"
fi
for case in $STAGES; do
	stage=${case%:*} act=${case#*:} t="$stage-$act"
	n_stage=$((n_stage + 1))
	rm -rf "$Q"
	stage_script "$stage" "$act" >"$T_DIR/$t.steps"
	start_script "$t" <"$T_DIR/$t.steps"
	conf "$SC_PORT"
	run_outbox "$(mkmsg "$t")" -C "$T_DIR/c" bob@example.org
	expect "$t: exit 0 (queued)" 0
	one_line "$t: one line naming the stage, the reason and the id" \
	    "^outbox: $(stage_what "$stage"): $(act_why "$act") \(kept in the queue as [0-9a-f.]+, next attempt in 60 s\)$"
	check_state "$t: the message and its envelope are in queue/" "tmp 0/0 queue 1/1 failed 0/0"
	if lib_wait_exit "$SC_PID" 5 && test "$LIB_STATUS" = 0; then
		pass "$t: the client did exactly the dialogue up to the fault"
	else
		fail "$t: the client did exactly the dialogue up to the fault" \
		    "smtpd.py: $(cat "$T_DIR/$t.err")"
		stop_server "$SC_PID"
	fi
	ID=$(first_id queue)
	conf "$SH_PORT"
	before=$(eml)
	run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
	expect "$t: --flush ID exits 0" 0
	check_delivered "$t: --flush ID delivers it exactly once" "$before" 1 "$t"
	check_state "$t: the queue is empty after it" "$EMPTY"
	run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
	check_delivered "$t: a second --flush sends nothing" "$before" 1
done

# === 2. SIGKILL of outbox at each step ======================================
# (a) while the input is still being read: no envelope, never sent.
rm -rf "$Q"
conf "$SH_PORT"
mkfifo "$T_DIR/fifo"
"$OUTBOX" -C "$T_DIR/c" bob@example.org <"$T_DIR/fifo" 2>/dev/null &
victim=$!
LIB_PIDS="$LIB_PIDS $victim"
exec 7>"$T_DIR/fifo"
{
	printf 'From: sender@example.org\nSubject: kill-a\nMessage-ID: <kill-a@qf.example>\n\n'
	yes 'partial body line, the rest never comes' | head -c 100000
} >&7
for i in $(seq 100); do
	test "$(find "$Q/tmp" -type f -size +60k 2>/dev/null | wc -l)" = 1 && break
	sleep 0.05
done
check_state "kill-a: while input is read, tmp/ has the message, no envelope" "tmp 1/0 queue 0/0 failed 0/0"
kill9 $victim
exec 7>&-
PART=$(first_id tmp)
before=$(eml)
run_outbox /dev/null -C "$T_DIR/c" -q
check_delivered "kill-a: the next -q sends nothing" "$before" 0
run_outbox /dev/null -C "$T_DIR/c" --flush "$PART"
check_delivered "kill-a: --flush of the partial id sends nothing" "$before" 0
check_state "kill-a: the partial file never reaches queue/ or failed/" "tmp 1/0 queue 0/0 failed 0/0"

# (b) envelope written, waiting for the greeting: delivered once.
rm -rf "$Q"
start_fault silent kill-b
conf "$FS_PORT"
bg_outbox "$(mkmsg kill-b)" -C "$T_DIR/c" bob@example.org
wait_for "$FS_DIR/mark" 5
check_state "kill-b: connected: the entry is in tmp/ with its envelope" "tmp 1/1 queue 0/0 failed 0/0"
check "kill-b: tmp/ files are 0600" test "$(stat -c %a "$Q/tmp/$(first_id tmp)" "$Q/tmp/$(first_id tmp).env" | sort -u)" = 600
kill9 $BG_PID
stop_server "$FS_PID"
before=$(eml)
a_q kill-b "$before" 1
check "kill-b: ... the right message" grep -q "^Subject: kill-b" "$(last_eml)"
check_state "kill-b: nothing left" "$EMPTY"
run_outbox /dev/null -C "$T_DIR/c" -q
check_delivered "kill-b: another -q sends nothing" "$before" 1

# (c) mid-DATA: the server has read 64 KiB of a 6 MB message and stops
# reading; outbox is killed while still writing.
rm -rf "$Q"
{
	printf 'From: sender@example.org\nSubject: kill-c\nMessage-ID: <kill-c@qf.example>\n\n'
	yes 'a line of a big body, long enough to fill the buffers quickly...' |
	    head -c 6000000
	echo 'the last line'
} >"$T_DIR/big"
start_fault partial kill-c 65536
conf "$FS_PORT"
bg_outbox "$T_DIR/big" -C "$T_DIR/c" bob@example.org
wait_for "$FS_DIR/mark" 10
check_state "kill-c: mid-DATA, the entry is in tmp/" "tmp 1/1 queue 0/0 failed 0/0"
kill9 $BG_PID
touch "$FS_DIR/release"
wait_for "$FS_DIR/result" 10
check "kill-c: the kill came before the final dot" test "$(cat "$FS_DIR/result" 2>/dev/null)" = partial
stop_server "$FS_PID"
before=$(eml)
a_q kill-c "$before" 1
check "kill-c: ... intact (6 MB body, last line included)" "$PY" -c '
import sys
a = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
b = open(sys.argv[2], "rb").read()
sys.exit(0 if a.split(b"\n\n", 1)[1] == b.split(b"\n\n", 1)[1] else 1)' "$(last_eml)" "$T_DIR/big"
check_state "kill-c: nothing left" "$EMPTY"

# (d) after the final dot, before the reply: not lost (a duplicate would
# be allowed; here the server never accepted it, so exactly one).
rm -rf "$Q"
start_fault eod kill-d
conf "$FS_PORT"
bg_outbox "$(mkmsg kill-d)" -C "$T_DIR/c" bob@example.org
wait_for "$FS_DIR/mark" 5
check_state "kill-d: final dot sent, no reply yet: still in tmp/" "tmp 1/1 queue 0/0 failed 0/0"
kill9 $BG_PID
stop_server "$FS_PID"
before=$(eml)
a_q kill-d "$before" 1
check_state "kill-d: nothing left" "$EMPTY"

# (e) after 250 to the final dot (server stalls on QUIT): already gone.
rm -rf "$Q"
start_fault quit kill-e
conf "$FS_PORT"
bg_outbox "$(mkmsg kill-e)" -C "$T_DIR/c" bob@example.org
wait_for "$FS_DIR/mark" 5
check "kill-e: the server got QUIT after its 250" grep -q '^QUIT$' "$FS_DIR/mark"
check_state "kill-e: after the 250, the entry is gone before QUIT" "$EMPTY"
kill9 $BG_PID
stop_server "$FS_PID"
before=$(eml)
a_q kill-e "$before" 0
check_state "kill-e: nothing left" "$EMPTY"

# (e2) the same from a queue run: the entry goes as soon as the 250 comes.
rm -rf "$Q"
conf "$DOWN"
run_outbox "$(mkmsg kill-e2)" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
start_fault quit kill-e2
conf "$FS_PORT"
bg_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
wait_for "$FS_DIR/mark" 5
check_state "kill-e2: --flush: after the 250, the entry is gone before QUIT" "$EMPTY"
kill9 $BG_PID
stop_server "$FS_PID"
before=$(eml)
a_q kill-e2 "$before" 0

# (f) SIGKILL at every syscall of queueing after a temporary failure
# (spool, envelope, the move to queue/): strace injects the signal on
# entry to the N-th call, so the call itself never happens.
STRACE_OK=
if command -v strace >/dev/null 2>&1 &&
    st -o /dev/null true 2>/dev/null; then
	STRACE_OK=yes
elif test -n "$CI_RUN"; then
	fail "strace" "CI: strace is missing or cannot trace here"
else
	echo "skip - strace missing or cannot trace here: SIGKILL points, ENOSPC and write=0 injection"
fi
n_kill=0
if test -n "$STRACE_OK"; then
	rm -rf "$Q"
	conf "$DOWN"
	M=$(mkmsg kill-f)
	SYS=write,openat,renameat,unlinkat,fsync,close
	st -y -o "$T_DIR/trace" -e trace=$SYS "$OUTBOX" -C "$T_DIR/c" \
	    bob@example.org <"$M" 2>/dev/null
	# Every call from the spool file's creation on, as "name:N" (N-th
	# call of that name since exec); then "name:N:env" once the
	# envelope in tmp/ is complete.
	points=$(awk -v q="$Q/" '
	    { if (!match($0, /^([0-9]+ +)?[a-z]+\(/)) next
	      s = substr($0, RSTART, RLENGTH - 1); sub(/^[0-9]+ +/, "", s)
	      n[s]++
	      if (!on && s == "openat" && index($0, q "tmp>") && index($0, "O_EXCL")) on = 1
	      if (on) printf "%s:%d%s\n", s, n[s], done ? ":env" : ""
	      if (s == "renameat" && index($0, ".env.tmp\"") && index($0, q "tmp>") && !done) done = 1 }' \
	    "$T_DIR/trace")
	if test "$(echo "$points" | grep -c .)" -lt 15 ||
	    test "$(echo "$points" | grep -c ':env$')" -lt 8; then
		fail "kill-f: the trace shows the queueing steps" \
		    "$(head -c 2000 "$T_DIR/trace")"
		points=
	fi
	if test -z "$STORM"; then
		# make check: the first point, and each fsync and rename
		# (the steps that make the entry durable and move it), on
		# both sides of the envelope's completion; the storm: all.
		points=$(echo "$points" | awk 'NR == 1 || /^(fsync|renameat):/')
	fi
	for p in $points; do
		name=${p%%:*} rest=${p#*:} when=${rest%%:*}
		n_kill=$((n_kill + 1))
		rm -rf "$Q"
		conf "$DOWN"
		T_RC=0
		# (the group's redirection keeps bash's "Killed" notice quiet)
		{ st -o /dev/null -e trace="$name" \
		    -e inject="$name":signal=KILL:when="$when" \
		    "$OUTBOX" -C "$T_DIR/c" bob@example.org <"$M" \
		    >/dev/null; } 2>"$T_ERR" || T_RC=$?
		if test "$T_RC" = 0; then
			fail "kill-f $name#$when: outbox was killed" "exit 0"
			continue
		fi
		st=$(qstate)
		# Time passes: whatever waits in queue/ is due.
		for e in "$Q"/queue/*.env; do
			test -f "$e" && sed -i 's/^next-attempt: .*/next-attempt: 0/' "$e"
		done
		before=$(eml)
		conf "$SH_PORT"
		run_outbox /dev/null -C "$T_DIR/c" -q
		got=$(( $(eml) - before ))
		case $rest in
		*:env) want=1 why="complete entry" ;;
		*) want=0 why="input not complete" ;;
		esac
		if test "$got" = "$want"; then
			pass "kill-f $name#$when ($why): the next -q delivers it ${want}x"
		else
			fail "kill-f $name#$when ($why): the next -q delivers it ${want}x" \
			    "delivered $got; state after the kill: $st; after -q: $(qstate)"
		fi
		run_outbox /dev/null -C "$T_DIR/c" --list
		if grep -q '^Mail queue is empty$' "$T_OUT"; then
			pass "kill-f $name#$when: then mailq is empty"
		else
			fail "kill-f $name#$when: then mailq is empty" \
			    "state after the kill: $st; after -q: $(qstate)" \
			    "$(head -3 "$T_OUT")"
		fi
	done
fi

# === 3. Concurrent -q runs against a slow server: each message once ========
rm -rf "$Q"
conf "$DOWN"
NQ=24
for i in $(seq $NQ); do
	run_outbox "$(mkmsg "conc-$i")" -C "$T_DIR/c" bob@example.org
done
check_state "concurrent: $NQ queued" "tmp 0/0 queue $NQ/$NQ failed 0/0"
# A quarter look like interrupted sends (in tmp/, envelope complete,
# lock free): picked up from tmp/ by the runs too.
for id in $(ids queue | head -$((NQ / 4))); do
	mv "$Q/queue/$id" "$Q/queue/$id.env" "$Q/tmp/"
done
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q"/queue/*.env
start_fault slow conc 0.08
conf "$FS_PORT"
pids=""
for r in 1 2 3; do
	"$OUTBOX" -C "$T_DIR/c" -q </dev/null >/dev/null 2>"$T_DIR/conc.$r" &
	pids="$pids $!"
done
rcs=""
for p in $pids; do
	rc=0
	wait "$p" || rc=$?
	rcs="$rcs$rc"
done
check "concurrent: the three -q runs exit 0" test "$rcs" = 000
stop_server "$FS_PID"
sort "$FS_DIR/ids" >"$T_DIR/ids.got" 2>/dev/null
for i in $(seq $NQ); do echo "<conc-$i@qf.example>"; done | sort >"$T_DIR/ids.want"
check "concurrent: no Message-ID delivered twice" test -z "$(uniq -d "$T_DIR/ids.got")"
check_cmp "concurrent: every message delivered exactly once" "$T_DIR/ids.want" "$T_DIR/ids.got"
check "concurrent: the runs overlapped (2+ connections at once)" test "$(cat "$FS_DIR/maxconc" 2>/dev/null || echo 0)" -ge 2
check_state "concurrent: the queue is empty" "$EMPTY"

# === 4. ENOSPC and short writes while spooling ==============================
# The message: several header fields and a 1 MB body (4 writes of the
# body), so that there are many write(2)s to the spool file.
{
	printf 'From: sender@example.org\nTo: bob@example.org\nSubject: enospc\nMessage-ID: <enospc@qf.example>\nX-One: 1\nX-Two: 2\n\n'
	yes 'body line of the message that is spooled, sixty-four bytes long' |
	    head -c 1000000
} >"$T_DIR/spoolmsg"
n_inject=0
if test -n "$STRACE_OK"; then
	# outbox writes nothing before spooling ends: the first K write(2)s
	# of the process are exactly the spool file's and its envelope's.
	# The suite checks that on a trace, then injects at each of them.
	rm -rf "$Q"
	conf "$DOWN"
	st -y -o "$T_DIR/wtrace" -e trace=write "$OUTBOX" \
	    -C "$T_DIR/c" bob@example.org <"$T_DIR/spoolmsg" 2>/dev/null
	K=$(awk -v q="$Q/tmp/" '{ if (index($0, "write(") && index($0, "<" q)) k++; else exit } END { print k + 0 }' "$T_DIR/wtrace")
	KALL=$(grep -c 'write(' "$T_DIR/wtrace")
	check "enospc: the first $K writes are the spool file's and its envelope's" \
	    test "$K" -ge 6 -a "$(sed -n "${K}p" "$T_DIR/wtrace" | grep -c '\.env\.tmp>')" = 1
	# The next one is the envelope in queue/ while queueing.
	check "enospc: write $((K + 1)) is the envelope in queue/" \
	    grep -q "<$Q/queue/.*\.env\.tmp>" <(sed -n "$((K + 1))p" "$T_DIR/wtrace")
	for how in error=ENOSPC retval=0; do
		for N in $(seq "$K"); do
			n_inject=$((n_inject + 1))
			rm -rf "$Q"
			T_RC=0
			st -o /dev/null -e trace=write \
			    -e inject=write:$how:when="$N" "$OUTBOX" -C "$T_DIR/c" \
			    bob@example.org <"$T_DIR/spoolmsg" >"$T_OUT" \
			    2>"$T_ERR" || T_RC=$?
			t="$how at write $N/$K"
			case $how in
			error=*) re="No space left on device" ;;
			*) re="." ;;
			esac
			if test "$T_RC" = 73 && test "$(wc -l <"$T_ERR")" = 1 &&
			    grep -Eq "^outbox: .*$re" "$T_ERR" &&
			    test "$(qstate)" = "$EMPTY"; then
				pass "$t: exit 73, one line, no entry left"
			else
				fail "$t: exit 73, one line, no entry left" \
				    "exit $T_RC, state $(qstate)" "$(head -c 400 "$T_ERR")"
			fi
		done
	done
	# ENOSPC writing the envelope into queue/: the entry stays whole in
	# tmp/ (outbox says so) and the next -q delivers it.  It is queued
	# in all but name, so the exit says so (0): a 75 would make the
	# caller send it again while a sendable copy waits here.
	rm -rf "$Q"
	T_RC=0
	st -o /dev/null -e trace=write \
	    -e inject=write:error=ENOSPC:when=$((K + 1)) "$OUTBOX" -C "$T_DIR/c" \
	    bob@example.org <"$T_DIR/spoolmsg" >"$T_OUT" 2>"$T_ERR" || T_RC=$?
	expect "enospc in queue/: exit 0, it stays in tmp/" 0 "Connection refused \(kept in .*/tmp as [0-9a-f.]+ for the next -q: queue: .*: No space left on device\)$"
	check_state "enospc in queue/: whole in tmp/" "tmp 1/1 queue 0/0 failed 0/0"
	before=$(eml)
	a_q "enospc in queue/" "$before" 1
	check_state "enospc in queue/: nothing left" "$EMPTY"
	# The same with --no-queue: failed/ cannot be written, and nothing
	# sendable may stay behind an exit that tells the caller "not sent".
	rm -rf "$Q"
	conf "$DOWN"
	T_RC=0
	st -o /dev/null -e trace=write \
	    -e inject=write:error=ENOSPC:when=$((K + 1)) "$OUTBOX" -C "$T_DIR/c" \
	    --no-queue bob@example.org <"$T_DIR/spoolmsg" >"$T_OUT" \
	    2>"$T_ERR" || T_RC=$?
	expect "enospc in failed/: exit 73, not kept" 73 "Connection refused \(not kept: queue: .*: No space left on device\)$"
	check_state "enospc in failed/: no entry left, nothing to send" "$EMPTY"
fi

# Real short writes, no strace needed: RLIMIT_FSIZE with SIGXFSZ ignored
# makes the kernel write part of a buffer, then fail with EFBIG.
for kb in 1 8 64 150; do
	rm -rf "$Q"
	conf "$DOWN"
	T_RC=0
	( trap '' XFSZ; ulimit -f "$kb"; exec "$OUTBOX" -C "$T_DIR/c" \
	    bob@example.org <"$T_DIR/spoolmsg" >"$T_OUT" 2>"$T_ERR" ) || T_RC=$?
	expect "short write at $kb KiB: exit 73" 73
	one_line "short write at $kb KiB: one line" "^outbox: writing the spool file: File too large$"
	check_state "short write at $kb KiB: no entry left" "$EMPTY"
done

# A real full file system: a 64 KiB tmpfs as the queue (root, unshare).
if test -n "$T_UNSHARE"; then
	rm -rf "$Q"
	mkdir -p "$Q"
	conf "$DOWN"
	T_RC=0
	$T_UNSHARE sh -c 'mount -t tmpfs -o size=64k,mode=700 tmpfs "$1" &&
	    "$2" -C "$3" bob@example.org <"$4" >/dev/null 2>"$5"
	    rc=$?; (cd "$1" && find . -mindepth 2) >"$6"; exit $rc' sh \
	    "$Q" "$OUTBOX" "$T_DIR/c" "$T_DIR/spoolmsg" "$T_ERR" \
	    "$T_DIR/tmpfs.left" || T_RC=$?
	expect "full tmpfs: exit 73" 73
	one_line "full tmpfs: one line" "^outbox: writing the spool file: No space left on device$"
	check "full tmpfs: nothing left in tmp/, queue/, failed/" test ! -s "$T_DIR/tmpfs.left"
else
	echo "skip - full tmpfs: needs root and unshare"
fi

# === 5. Modes and planted symlinks ============================================
rm -rf "$Q"
conf "$DOWN"
umask 000
run_outbox "$(mkmsg modes)" -C "$T_DIR/c" bob@example.org
run_outbox "$(mkmsg modes2)" -C "$T_DIR/c" --no-queue bob@example.org
umask 077
ID=$(first_id queue)
FID=$(first_id failed)
check "modes (umask 000): folders 0700" test "$(stat -c %a "$Q" "$Q/tmp" "$Q/queue" "$Q/failed" | sort -u)" = 700
check "modes (umask 000): queue/ files 0600" test "$(stat -c %a "$Q/queue/$ID" "$Q/queue/$ID.env" | sort -u)" = 600
check "modes (umask 000): failed/ files 0600" test "$(stat -c %a "$Q/failed/$FID" "$Q/failed/$FID.env" | sort -u)" = 600

# Symlinks planted at queue/ID, queue/ID.env and queue/ID.env.tmp while a
# -q moves an interrupted tmp/ entry there: a plain open() or
# open(O_TRUNC) of those names would write into the targets.
rm -rf "$Q"
conf "$DOWN"
run_outbox "$(mkmsg sym-q)" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
mv "$Q/queue/$ID" "$Q/queue/$ID.env" "$Q/tmp/"
mkdir -p "$T_DIR/victims"
for v in msg env envtmp; do echo "victim $v" >"$T_DIR/victims/$v"; done
ln -s "$T_DIR/victims/msg" "$Q/queue/$ID"
ln -s "$T_DIR/victims/env" "$Q/queue/$ID.env"
ln -s "$T_DIR/victims/envtmp" "$Q/queue/$ID.env.tmp"
run_outbox /dev/null -C "$T_DIR/c" -q
check "symlinks in queue/: the targets are untouched" sh -c '
for v in msg env envtmp; do test "$(cat "$1/$v")" = "victim $v" || exit 1; done' sh "$T_DIR/victims"
check "symlinks in queue/: replaced by the entry's own regular files" \
    test -f "$Q/queue/$ID" -a ! -L "$Q/queue/$ID" -a -f "$Q/queue/$ID.env" -a ! -L "$Q/queue/$ID.env"
check_state "symlinks in queue/: the entry is queued, nothing else" "tmp 0/0 queue 1/1 failed 0/0"
before=$(eml)
conf "$SH_PORT"
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
check_delivered "symlinks in queue/: then delivered once, its own content" "$before" 1 sym-q

# The same at failed/ID* when a retry is refused permanently.
rm -rf "$Q"
conf "$DOWN"
run_outbox "$(mkmsg sym-f)" -C "$T_DIR/c" -f '<>' bob@example.org
ID=$(first_id queue)
for v in msg env envtmp; do echo "victim $v" >"$T_DIR/victims/$v"; done
ln -s "$T_DIR/victims/msg" "$Q/failed/$ID"
ln -s "$T_DIR/victims/env" "$Q/failed/$ID.env"
ln -s "$T_DIR/victims/envtmp" "$Q/failed/$ID.env.tmp"
start_script sym-f <<'EOS'
> 220 fault.test ESMTP
< EHLO test.example
> 250-fault.test
> 250 ENHANCEDSTATUSCODES
< MAIL FROM:<>
> 250 2.1.0 ok
< RCPT TO:<bob@example.org>
> 550 5.1.1 no such user
< QUIT
> 221 2.0.0 bye
drain
EOS
conf "$SC_PORT"
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID"
stop_server "$SC_PID"
check "symlinks in failed/: the targets are untouched" sh -c '
for v in msg env envtmp; do test "$(cat "$1/$v")" = "victim $v" || exit 1; done' sh "$T_DIR/victims"
check "symlinks in failed/: replaced by regular files with the reason" \
    sh -c 'test -f "$1" -a ! -L "$1" -a ! -L "$1.env" && grep -q "^last-error: .*550 5.1.1" "$1.env"' sh "$Q/failed/$ID"
check_state "symlinks in failed/: the entry is in failed/" "tmp 0/0 queue 0/0 failed 1/1"

# A queue entry that is itself a symlink (to a file someone wants mailed)
# or whose envelope is: never opened through the link, never sent.
rm -rf "$Q"
conf "$DOWN"
run_outbox "$(mkmsg sym-e)" -C "$T_DIR/c" bob@example.org
ID=$(first_id queue)
printf 'From: sender@example.org\nSubject: secret\n\nsecret\n' >"$T_DIR/victims/secret"
mv "$Q/queue/$ID" "$T_DIR/victims/real"
ln -s "$T_DIR/victims/secret" "$Q/queue/$ID"
FAKE=$(printf '%x.1.000000000001' "$(date +%s)")
cp "$T_DIR/victims/real" "$Q/queue/$FAKE"
cp "$Q/queue/$ID.env" "$T_DIR/victims/fake.env"
ln -s "$T_DIR/victims/fake.env" "$Q/queue/$FAKE.env"
sed -i 's/^next-attempt: .*/next-attempt: 0/' "$Q/queue/$ID.env" "$T_DIR/victims/fake.env"
conf "$SH_PORT"
before=$(eml)
run_outbox /dev/null -C "$T_DIR/c" -q
run_outbox /dev/null -C "$T_DIR/c" --flush "$ID" "$FAKE"
check_delivered "symlinked entry / envelope: nothing is sent through the links" "$before" 0
check "symlinked entry / envelope: the targets are untouched" sh -c '
grep -q "^secret" "$1/secret" && test "$(sed -n "s/^next-attempt: //p" "$1/fake.env")" = 0' sh "$T_DIR/victims"
run_outbox /dev/null -C "$T_DIR/c" --drop "$ID"
check "--drop of a symlinked entry leaves the target alone" \
    grep -q "^secret" "$T_DIR/victims/secret"

# Symlinked folders: refused before anything is written.
for sub in queue failed; do
	rm -rf "$Q" "$T_DIR/elsewhere"
	mkdir -p "$Q" "$T_DIR/elsewhere"
	ln -s "$T_DIR/elsewhere" "$Q/$sub"
	conf "$DOWN"
	run_outbox "$(mkmsg "symdir-$sub")" -C "$T_DIR/c" bob@example.org
	expect "a symlinked $sub/ is refused (73)" 73
	check "... nothing written through it" test -z "$(ls -A "$T_DIR/elsewhere")"
done

echo "# fault points: $n_stage server faults, 6 SIGKILL points by hand +" \
    "$n_kill by strace, $n_inject injected write faults, 4 short writes"
finish
