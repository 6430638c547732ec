#!/usr/bin/python3
# mimecheck.py -- checks on messages received by tests/lib/smarthost.py (or
# printed by outbox --dry-run), for tests/compose.sh.  Run it with
# /usr/bin/python3.
#
#   mimecheck.py wire EML [--header-max N]
#       Every line ends with CRLF (no bare CR or LF), no line is over 998
#       octets, and every header line (the message's and each MIME part's)
#       is at most N octets (default 78; 0: not checked).
#
#   mimecheck.py check EML [--header-max N] [expectations...]
#       The wire checks, then parses EML with Python's email package
#       (policy.default) and compares with the expectations (see
#       parse_args below): subject, addresses (display name and addr-spec),
#       headers present or absent, the MIME tree, the decoded text, HTML and
#       attachment parts (bytes, filename, Content-Type), Content-Transfer-
#       Encodings, charsets.
#
#   mimecheck.py bigsha EML
#       Streams EML (any size, constant memory): the wire checks on every
#       line, then for each base64 part with a filename one line
#       "SHA256 SIZE FILENAME" on stdout.
#
#   mimecheck.py dryrun OUT EML
#       Splits outbox --dry-run output OUT: prints the envelope lines
#       (MAIL FROM/RCPT TO, LF-terminated) on stdout and writes the message
#       bytes to EML.  Fails when the envelope is not followed by an empty
#       line.
#
#   mimecheck.py rss [--timeout S] KIBFILE CMD [ARG...]
#       Runs CMD (stdin, stdout and stderr inherited; killed after S
#       seconds, default 900), then writes the peak resident set size of
#       CMD and its children in KiB to KIBFILE (the ru_maxrss of CMD's
#       rusage, without the wrapper's own memory); exits with CMD's
#       status.
#
# Every check prints one line per problem on stdout and exits 1 if there is
# any, 0 otherwise.

import argparse
import base64
import email
import email.header
import email.policy
import email.utils
import hashlib
import os
import subprocess
import sys

LINE_MAX = 998

# outbox's contract: /etc/mime.types first, then this built-in table.
FALLBACK = {
    "pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg",
    "jpeg": "image/jpeg", "txt": "text/plain", "html": "text/html",
    "zip": "application/zip", "gz": "application/gzip", "csv": "text/csv",
    "json": "application/json",
}

problems = []


def bad(msg):
    problems.append(msg)


def done():
    for p in problems:
        print(p)
    return 1 if problems else 0


def u(s):
    """Raw UTF-8 in headers (RFC 6532) reaches us surrogate-escaped."""
    if s is None:
        return None
    try:
        return s.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return s


def show(b, n=120):
    r = repr(b)
    return r if len(r) <= n else r[:n] + "...(%d)" % len(b)


# ---- wire checks -----------------------------------------------------------

def boundaries_of(msg):
    out = []
    for part in msg.walk():
        if part.is_multipart():
            b = part.get_boundary()
            if b:
                out.append(b.encode("utf-8", "surrogateescape"))
    return out


class Wire:
    """Line-by-line checks; feed() lines including their line end."""

    def __init__(self, header_max, delims=None):
        self.header_max = header_max
        self.delims = delims  # None: learn boundaries from Content-Type
        self.learned = set()
        self.no = 0
        self.in_header = True
        self.reported = 0
        self.hdr = b""

    def say(self, msg):
        self.reported += 1
        if self.reported <= 10:
            bad(msg)
        elif self.reported == 11:
            bad("(more line problems not shown)")

    def is_delim(self, body):
        if not body.startswith(b"--"):
            return False
        s = body[2:].rstrip(b" \t")
        if s.endswith(b"--"):
            s2 = s[:-2]
        else:
            s2 = None
        ds = self.delims if self.delims is not None else self.learned
        return s in ds or (s2 is not None and s2 in ds)

    def learn(self):
        # Learn a boundary from the header block just ended (bigsha mode).
        if self.delims is not None or not self.hdr:
            return
        m = email.message_from_bytes(self.hdr + b"\r\n",
                                     policy=email.policy.default)
        if m.get_content_maintype() == "multipart":
            b = m.get_boundary()
            if b:
                self.learned.add(b.encode("utf-8", "surrogateescape"))
        self.hdr = b""

    def feed(self, line):
        self.no += 1
        if line.endswith(b"\r\n"):
            body = line[:-2]
        else:
            body = line.rstrip(b"\r\n")
            self.say("line %d does not end with CRLF: %s"
                     % (self.no, show(line[-40:])))
        if b"\r" in body or b"\n" in body:
            self.say("line %d has a bare CR or LF: %s" % (self.no, show(body)))
        if len(body) > LINE_MAX:
            self.say("line %d is %d octets (over %d): %s"
                     % (self.no, len(body), LINE_MAX, show(body, 60)))
        if self.in_header:
            if body == b"":
                self.in_header = False
                self.learn()
                return
            if self.header_max and len(body) > self.header_max:
                self.say("header line %d is %d octets (over %d): %s"
                         % (self.no, len(body), self.header_max,
                            show(body, 100)))
            if self.delims is None:
                self.hdr += body + b"\r\n"
        elif self.is_delim(body):
            self.in_header = True
            self.hdr = b""


def wire_check(data, header_max, msg):
    w = Wire(header_max, set(boundaries_of(msg)))
    start = 0
    n = len(data)
    while start < n:
        end = data.find(b"\n", start)
        end = n if end < 0 else end + 1
        w.feed(data[start:end])
        start = end


# ---- parse checks ----------------------------------------------------------

def norm_crlf(b):
    return b.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def raw_headers(data):
    """[(name, raw value with folding)] of the top-level header block."""
    head = data.split(b"\r\n\r\n", 1)[0]
    out = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1][1] += b"\r\n" + line
        elif b":" in line:
            k, v = line.split(b":", 1)
            out.append([k.decode("ascii", "replace"), v])
    return out


def mime_types_lookup(path, ext):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if len(line) >= 2 and ext in [e.lower() for e in line[1:]]:
                    return line[0].lower()
    except OSError:
        pass
    return None


def expected_type(name, mime_types):
    base = os.path.basename(name)
    if "." not in base.lstrip("."):
        return "application/octet-stream"
    ext = base.rsplit(".", 1)[1].lower()
    t = mime_types_lookup(mime_types, ext) if mime_types else None
    return t or FALLBACK.get(ext, "application/octet-stream")


def tree(part):
    t = part.get_content_type()
    if part.is_multipart():
        return "%s(%s)" % (t, ",".join(tree(p) for p in part.iter_parts()))
    return t


def addr_list(msg, name):
    h = msg[name]
    if h is None:
        return None
    try:
        return [(u(a.display_name), u(a.addr_spec)) for a in h.addresses]
    except Exception as e:  # noqa: BLE001 (report, never crash)
        bad("%s: cannot parse: %s (%r)" % (name, e, str(h)))
        return []


def check_addrs(msg, name, want):
    got = addr_list(msg, name)
    want = [tuple(w) for w in want]
    if got:   # a NAME of "*" matches any display name
        want = [(g[0] if w[0] == "*" and len(got) == len(want) else w[0],
                 w[1]) for w, g in zip(want, got)] + want[len(got):]
    if got is None:
        bad("no %s header" % name)
    elif got != want:
        bad("%s: got %r, expected %r (raw %s)"
            % (name, got, want, show(str(msg[name]).encode(), 300)))


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def decode_param(v):
    if v is None:
        return None
    v = email.utils.collapse_rfc2231_value(v)
    if "=?" in v:
        v = str(email.header.make_header(email.header.decode_header(v)))
    return v


def check_text_part(part, want_file, what, ctes, charset):
    if part is None:
        bad("no %s part" % what)
        return
    if charset:
        cs = part.get_content_charset()
        if (cs or "").lower() != "utf-8":
            bad("%s part: charset %r, expected utf-8" % (what, cs))
    cte = (part.get("content-transfer-encoding") or "7bit").strip().lower()
    if ctes and cte not in ctes:
        bad("%s part: Content-Transfer-Encoding %s, expected %s"
            % (what, cte, " or ".join(ctes)))
    got = part.get_payload(decode=True)
    want = norm_crlf(read(want_file))
    if got != want:
        i = next((k for k in range(min(len(got), len(want)))
                  if got[k] != want[k]), min(len(got), len(want)))
        bad("%s part (%s) decodes to %d octets, expected %d; first "
            "difference at %d: got %s, expected %s"
            % (what, cte, len(got), len(want), i,
               show(got[max(0, i - 20):i + 40]),
               show(want[max(0, i - 20):i + 40])))


def check_attachment(part, path, want_type, idx):
    what = "attachment %d (%s)" % (idx, os.path.basename(path))
    name = os.path.basename(path)
    got_name = u(part.get_filename())
    if got_name != name:
        bad("%s: filename %r, expected %r (Content-Disposition: %s)"
            % (what, got_name, name,
               show(str(part.get("content-disposition")).encode(), 400)))
    disp = part.get_content_disposition()
    if disp != "attachment":
        bad("%s: Content-Disposition %r, expected attachment" % (what, disp))
    if "filename" not in (part["content-disposition"].params
                          if part["content-disposition"] else {}):
        bad("%s: no filename parameter" % what)
    nm = u(decode_param(part.get_param("name")))
    if nm != name:
        bad("%s: Content-Type name=%r, expected %r" % (what, nm, name))
    cte = (part.get("content-transfer-encoding") or "").strip().lower()
    if cte != "base64":
        bad("%s: Content-Transfer-Encoding %r, expected base64" % (what, cte))
    t = part.get_content_type()
    if want_type and t != want_type.lower():
        bad("%s: Content-Type %s, expected %s" % (what, t, want_type))
    got = part.get_payload(decode=True)
    want = read(path)
    if got != want:
        bad("%s: decodes to %d octets (sha256 %s), expected %d (%s)"
            % (what, len(got), hashlib.sha256(got).hexdigest()[:16],
               len(want), hashlib.sha256(want).hexdigest()[:16]))


def cmd_check(a):
    data = read(a.eml)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    wire_check(data, a.header_max, msg)
    for p in msg.walk():
        if p.defects:
            bad("parse defects in %s: %r" % (p.get_content_type(), p.defects))
    hdrs = raw_headers(data)
    names = [k.lower() for k, _ in hdrs]
    if a.composed:
        for h in ("from", "to", "subject", "date", "message-id",
                  "mime-version"):
            c = names.count(h)
            if c != 1 and not (h == "subject" and a.subject is None
                               and c == 0):
                bad("%d %s header(s), expected 1" % (c, h))
    if a.mime:
        mv = msg.get("mime-version")
        if mv is None or str(mv).strip() != "1.0":
            bad("MIME-Version: %r, expected 1.0" % (mv,))
    if a.subject is not None:
        got = msg["subject"]
        got = None if got is None else u(str(got))
        if got != a.subject:
            bad("Subject: got %r, expected %r; raw: %s"
                % (got, a.subject,
                   show(b"".join(v for k, v in hdrs
                                 if k.lower() == "subject"), 400)))
    for name, want in (("from", a.from_), ("to", a.to), ("cc", a.cc),
                       ("reply-to", a.reply_to)):
        if want:
            check_addrs(msg, name, want)
    for name, value in a.raw or []:
        vals = [v.decode("utf-8", "replace").replace("\r\n", "")
                for k, v in hdrs if k.lower() == name.lower()]
        if [v.strip() for v in vals] != [value]:
            bad("%s header raw value(s) %r, expected [%r]"
                % (name, vals, value))
    for name, value in a.header or []:
        got = msg.get_all(name) or []
        got = [u(str(v)) for v in got]
        if got != [value]:
            bad("%s: got %r, expected [%r]" % (name, got, value))
    for name in a.absent or []:
        if name.lower() in names:
            bad("header %s present, expected absent" % name)
    for text in a.absent_text or []:
        if text.encode() in data:
            bad("%r appears in the message" % text)
    for text in a.has_text or []:
        if text.encode() not in data:
            bad("%r does not appear in the message" % text)
    if a.tree:
        t = tree(msg)
        if t != a.tree:
            bad("MIME tree %s, expected %s" % (t, a.tree))
    if a.seven_bit and any(b > 127 for b in data):
        bad("8-bit octets in a message to a server without 8BITMIME")
    ls = leaves(msg)
    texts = [p for p in ls if p.get_content_disposition() != "attachment"]
    if a.text:
        plain = [p for p in texts if p.get_content_type() == "text/plain"]
        check_text_part(plain[0] if plain else None, a.text, "text/plain",
                        a.cte, a.charset)
    if a.html:
        html = [p for p in texts if p.get_content_type() == "text/html"]
        check_text_part(html[0] if html else None, a.html, "text/html",
                        a.html_cte, a.charset)
    if a.att is not None:
        atts = [p for p in ls if p.get_content_disposition() == "attachment"]
        if len(atts) != len(a.att):
            bad("%d attachments, expected %d" % (len(atts), len(a.att)))
        for i, ((typ, path), part) in enumerate(zip(a.att, atts), 1):
            if typ == "auto":
                typ = expected_type(path, a.mime_types)
            check_attachment(part, path, typ, i)
    return done()


# ---- bigsha: constant memory -----------------------------------------------

def cmd_bigsha(a):
    w = Wire(a.header_max, None)
    stack = []          # boundaries of open multiparts
    state = "header"    # header | body
    hdr = b""
    cur = None          # (hasher, size, name, leftover) for a base64 part
    out = []
    with open(a.eml, "rb") as f:
        for line in f:
            w.feed(line)
            body = line.rstrip(b"\r\n")
            if state == "header":
                if body == b"":
                    m = email.message_from_bytes(hdr + b"\r\n",
                                                 policy=email.policy.default)
                    if m.get_content_maintype() == "multipart":
                        stack.append(m.get_boundary().encode())
                    cte = (m.get("content-transfer-encoding") or "").lower()
                    fn = m.get_filename()
                    cur = ([hashlib.sha256(), 0, fn, b""]
                           if fn is not None and cte.strip() == "base64"
                           else None)
                    state = "body"
                    hdr = b""
                else:
                    hdr += body + b"\r\n"
                continue
            if body.startswith(b"--") and stack:
                s = body[2:].rstrip(b" \t")
                if s == stack[-1] or s == stack[-1] + b"--":
                    if cur:
                        finish(cur, out)
                        cur = None
                    if s.endswith(b"--") and s[:-2] == stack[-1]:
                        stack.pop()
                        state = "body"
                    else:
                        state = "header"
                    continue
            if cur:
                chunk = cur[3] + body.strip()
                k = len(chunk) // 4 * 4
                dec = base64.b64decode(chunk[:k], validate=True)
                cur[0].update(dec)
                cur[1] += len(dec)
                cur[3] = chunk[k:]
    if cur:
        finish(cur, out)
    if stack:
        bad("unclosed multipart (boundary %r)" % stack[-1])
    for h, size, name in out:
        print("%s %d %s" % (h, size, name))
    return done()


def finish(cur, out):
    if cur[3]:
        dec = base64.b64decode(cur[3] + b"=" * (-len(cur[3]) % 4))
        cur[0].update(dec)
        cur[1] += len(dec)
    out.append((cur[0].hexdigest(), cur[1], cur[2]))


# ---- dryrun, rss -------------------------------------------------------------

def cmd_dryrun(a):
    data = read(a.out)
    lines = []
    pos = 0
    while True:
        end = data.find(b"\n", pos)
        if end < 0:
            bad("no empty line after the envelope")
            return done()
        line = data[pos:end]
        pos = end + 1
        if line == b"":
            break
        lines.append(line)
    if not lines or not lines[0].startswith(b"MAIL FROM:<"):
        bad("first line is not MAIL FROM:<...>: %s"
            % show(lines[0] if lines else b""))
    for ln in lines[1:]:
        if not ln.startswith(b"RCPT TO:<"):
            bad("envelope line is not RCPT TO:<...>: %s" % show(ln))
    sys.stdout.buffer.write(b"".join(ln + b"\n" for ln in lines))
    with open(a.eml_out, "wb") as f:
        f.write(data[pos:])
    return done()


def cmd_rss(a):
    # The peak of the command alone: a child forked by Python starts with a
    # copy of Python's memory, which ru_maxrss would count.  So Python
    # becomes a subreaper, sh (small) starts the command in the
    # background and exits, and the orphaned command, now our child, is
    # reaped with wait4(), whose ru_maxrss is the command's own peak (and
    # that of its children).
    import ctypes
    import signal
    import time
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:      # PR_SET_CHILD_SUBREAPER
        print("prctl(PR_SET_CHILD_SUBREAPER) failed")
        return 1
    # r/w: sh tells us the command's PID; gr/gw: the command waits (in a
    # subshell, a fork of the small sh) until we close gw, after sh has
    # exited, so that sh never reaps it.
    r, w = os.pipe()
    gr, gw = os.pipe()
    assert 9 not in (r, w, gr, gw)
    script = ('exec 9<&0; (read _ <&%d; exec "$@" <&9 9<&- %d<&-) %d>&- & '
              'echo $! >&%d; exit 0' % (gr, gr, w, w))
    sh = subprocess.Popen(["/bin/sh", "-c", script, "sh"] + a.command,
                          pass_fds=(w, gr))
    os.close(w)
    os.close(gr)
    with os.fdopen(r) as f:
        pid = int(f.read().strip())
    sh.wait()
    os.close(gw)
    deadline = time.monotonic() + a.timeout
    while True:
        got, status, ru = os.wait4(pid, os.WNOHANG)
        if got == pid:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            got, status, ru = os.wait4(pid, 0)
            print("rss: timed out after %d s" % a.timeout, file=sys.stderr)
            break
        time.sleep(0.02)
    with open(a.kibfile, "w") as f:
        f.write("%d\n" % ru.ru_maxrss)
    rc = os.waitstatus_to_exitcode(status)
    return rc if rc >= 0 else 128 - rc


def wire_only(a):
    data = read(a.eml)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    wire_check(data, a.header_max, msg)
    return done()


def parse_args(argv):
    p = argparse.ArgumentParser(prog="mimecheck.py")
    sub = p.add_subparsers(dest="cmd", required=True)

    w = sub.add_parser("wire")
    w.add_argument("eml")
    w.add_argument("--header-max", type=int, default=78)

    c = sub.add_parser("check")
    c.add_argument("eml")
    c.add_argument("--header-max", type=int, default=78)
    c.add_argument("--composed", action="store_true",
                   help="From, To, Subject, Date, Message-ID, MIME-Version "
                   "once each")
    c.add_argument("--mime", action="store_true",
                   help="MIME-Version: 1.0")
    c.add_argument("--subject")
    c.add_argument("--from", dest="from_", nargs=2, action="append",
                   metavar=("NAME", "ADDR"), help="display name (* for "
                   "any) and addr-spec; --to, --cc, --reply-to alike, in "
                   "order")
    c.add_argument("--to", nargs=2, action="append", metavar=("NAME", "ADDR"))
    c.add_argument("--cc", nargs=2, action="append", metavar=("NAME", "ADDR"))
    c.add_argument("--reply-to", nargs=2, action="append",
                   metavar=("NAME", "ADDR"))
    c.add_argument("--raw", nargs=2, action="append",
                   metavar=("HEADER", "VALUE"),
                   help="the header's raw value, unfolded and stripped")
    c.add_argument("--header", nargs=2, action="append",
                   metavar=("HEADER", "VALUE"), help="decoded value")
    c.add_argument("--absent", action="append", metavar="HEADER")
    c.add_argument("--absent-text", action="append", metavar="TEXT")
    c.add_argument("--has-text", action="append", metavar="TEXT")
    c.add_argument("--tree", help="e.g. multipart/mixed(text/plain,"
                   "application/pdf)")
    c.add_argument("--text", metavar="FILE",
                   help="the first text/plain part decodes to FILE's "
                   "bytes with CRLF line ends")
    c.add_argument("--html", metavar="FILE", help="the same for text/html")
    c.add_argument("--cte", action="append",
                   help="allowed CTE(s) of the text/plain part")
    c.add_argument("--html-cte", action="append")
    c.add_argument("--no-charset", dest="charset", action="store_false",
                   help="do not require charset=utf-8 on text parts")
    c.add_argument("--att", nargs=2, action="append", metavar=("TYPE", "FILE"),
                   help="the next attachment: TYPE (or auto) and its "
                   "original file; in order")
    c.add_argument("--no-att", dest="att", action="store_const", const=[],
                   help="no attachment at all")
    c.add_argument("--mime-types", default="/etc/mime.types",
                   help="mime.types file for --att auto ('' for none)")
    c.add_argument("--seven-bit", action="store_true",
                   help="no octet over 127 anywhere")

    b = sub.add_parser("bigsha")
    b.add_argument("eml")
    b.add_argument("--header-max", type=int, default=78)

    d = sub.add_parser("dryrun")
    d.add_argument("out")
    d.add_argument("eml_out")

    r = sub.add_parser("rss")
    r.add_argument("kibfile")
    r.add_argument("--timeout", type=int, default=900)
    r.add_argument("command", nargs=argparse.REMAINDER)
    return p.parse_args(argv)


def main(argv):
    a = parse_args(argv)
    try:
        return {"wire": wire_only, "check": cmd_check, "bigsha": cmd_bigsha,
                "dryrun": cmd_dryrun, "rss": cmd_rss}[a.cmd](a)
    except Exception as e:  # noqa: BLE001 -- a crash is a failed check
        import traceback
        traceback.print_exc(file=sys.stdout)
        print("mimecheck.py: %s: %s" % (type(e).__name__, e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
