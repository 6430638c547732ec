#!/usr/bin/python3
# smtpd.py -- the in-tree scripted SMTP server for outbox's scenario tests.
#
# Run with /usr/bin/python3 (Debian's; standard library only).
#
#   smtpd.py --script FILE --port-file FILE [--transcript FILE] [--wire FILE]
#            [--log FILE] [--certdir DIR] [--timeout SECONDS]
#            [--connections N]
#   smtpd.py --serve                         (many scripts: "serve mode")
#   smtpd.py --unescape  < TEXT > BYTES     (decode the escapes below)
#   smtpd.py --render    < BYTES > TEXT     (render bytes as a transcript)
#
# The server binds 127.0.0.1 port 0 and writes the chosen port to the port
# file (atomically: FILE.tmp, then rename), so a caller waits for the file.
# It serves one connection (N with --connections; each runs the whole
# script) following the script, records every byte the client sent, and
# exits: 0 if the client did what the script says, 1 if it deviated (the
# first deviation is written to the log and to stderr), 2 on a usage or
# setup error.  On SIGTERM it writes what it has and exits 1, except while
# it waits in a "no-connection" step, where SIGTERM is success.  With
# --serve, one process serves one script after another, each as asked
# over a control connection: see "serve mode" below main's helpers.
#
# Files written:
#   --wire        every byte received, raw, appended as it arrives (after
#                 STARTTLS: the decrypted bytes)
#   --transcript  the same bytes rendered as text (see "Transcript" below)
#   --log         events: accept, each recv() with its size (recv
#                 boundaries), each line sent (S:) and read (C:), TLS,
#                 and MISMATCH lines
#
# Script: one step per line; blank lines and lines starting with # are
# ignored.  TEXT undergoes the escapes below; nothing else is trimmed
# except the single space after the step name.
#
#   > TEXT          send TEXT CRLF (one write)
#   >> TEXT         send TEXT as is, no CRLF added (one write)
#   < GLOB          read one client line (up to CRLF; a bare LF also ends it
#                   so that the mismatch is reported at once) and fail
#                   unless its rendered form (see Transcript) matches the
#                   shell glob (fnmatch, case-sensitive; * ? [...]); the
#                   glob is not unescaped: it is matched against the
#                   rendered text, so "\r" in a glob matches a bare CR
#   <~ REGEX        the same with a Python regular expression (fullmatch)
#   data            read message data up to and including CRLF.CRLF; fail
#                   if it holds a bare CR or a bare LF
#   data raw        the same without the bare CR/LF check
#   bdat [raw] [GLOB]   read one BDAT command (RFC 3030: "BDAT SIZE" or
#                   "BDAT SIZE LAST"; a mismatch otherwise, or when its
#                   rendered form does not match GLOB), then exactly SIZE
#                   octets of chunk data; fail if the data holds a bare
#                   CR or bare LF, unless raw.  The transcript shows the
#                   command line and the data as they came.
#   batch N         the next N client lines must arrive in ONE recv() call
#                   (nothing unread before it, exactly N whole lines in
#                   it); the lines are then read by the following < steps.
#                   Used to assert PIPELINING: one write, one segment.
#   quiet SECONDS   the client must send nothing (and not close) for
#                   SECONDS: it waits for our reply
#   eof             the client must close without sending anything more
#   drain           record whatever the client sends until it closes
#                   (fails if it has not closed within --timeout)
#   silence         never answer: record until the client closes, however
#                   long that takes (the caller's time limit applies)
#   close           close the connection (with close_notify under TLS)
#   reset           close with a TCP RST (SO_LINGER 0); under TLS no
#                   close_notify either: the TLS layer just vanishes
#   tls-drop        (under TLS) close the TCP connection without a
#                   close_notify: shutdown (FIN), then close; unlike
#                   "close" nothing in flight is read first
#   rehandshake     (under TLS 1.2: see "tls12" below) request a
#                   renegotiation: send a HelloRequest (OpenSSL's
#                   SSL_renegotiate() and SSL_do_handshake() on this
#                   connection, through ctypes: Python's ssl module has
#                   no renegotiate()), then record what the client sends
#                   until it closes, as "drain" does (a renegotiation it
#                   starts is carried out; a TLS alert ends the
#                   recording, the rest of the connection is then read
#                   and not shown); the transcript shows
#                   "\--- tls HelloRequest sent ---" where it was sent
#                   (after what the steps before it have read)
#   hide-unread     leave out of the transcript the client bytes
#                   received but not yet read by any step (the wire file
#                   keeps them) and discard them; the transcript shows
#                   "\--- unread bytes not shown ---".  For a fault in
#                   the middle of the message data, where how much has
#                   arrived by then is a matter of timing.
#   sleep SECONDS   pause
#   drip SECONDS TEXT   send TEXT CRLF one byte per write, SECONDS apart
#                   (stops early, without a mismatch, once a write fails
#                   because the client has gone)
#   huge N [PREFIX]     send one line of N bytes in all: PREFIX (default
#                   "250 ", escapes allowed), then "x" up to N-2, then CRLF
#   repeat N TEXT   send TEXT CRLF N times in one write
#   flood [PREFIX]  send PREFIX (default "250 ", escapes allowed), then
#                   "x" without end and never a line end, in 64 KiB
#                   writes, until the client closes; a mismatch if it
#                   has not closed within the read timeout (see
#                   "timeout") or has taken 256 MiB
#   starttls [cert=NAME] [clientca=CA] [tls12] [fail|stall|FAULT]
#                   clientca=CA: require a client certificate signed by
#                   CA.pem; its CN is marked in the transcript.
#                   tls12: offer TLS 1.2 at most (for "rehandshake"; for
#                   tls-unique).
#                   TLS handshake as server now (after "220 ..." to a
#                   STARTTLS); fails if unread client bytes are pending
#                   (the client must not pipeline STARTTLS).  NAME picks
#                   DIR/NAME.pem and DIR/NAME-key.pem from --certdir
#                   (default "server").  "fail": the client is expected
#                   to abort the handshake (certificate refused); a
#                   completed handshake is then a mismatch, and the step
#                   ends the connection.  "stall": never answer the
#                   client's handshake, record what it sends until it
#                   closes (however long that takes: the caller's time
#                   limit applies), then end the connection; those bytes
#                   go to the wire file, and the transcript shows the one
#                   line "\--- tls not answered ---" instead of them.
#                   FAULT: the handshake breaks on the server's side;
#                   the step ends the connection and the transcript
#                   shows "\--- tls handshake: WHAT ---" (WHAT below)
#                   instead of the client's handshake bytes (those go to
#                   the wire file):
#                     close       close at once (FIN), before reading
#                                 anything of the handshake: the same as
#                                 "close" right after "220 ...", without
#                                 recording the ClientHello that may be
#                                 in flight ("closed before the
#                                 ClientHello")
#                     drop        read the client's ClientHello (raw TLS
#                                 records from the TCP socket: a
#                                 mismatch if they are not one), then
#                                 close (FIN) without answering ("drop
#                                 after the ClientHello")
#                     reset       the same, then a TCP RST instead
#                                 ("reset after the ClientHello")
#                     alert=NAME  answer the ClientHello with a fatal
#                                 TLS alert record in the clear (bytes
#                                 15 03 03 00 02 02 CODE), then close;
#                                 NAME: internal_error (80),
#                                 protocol_version (70),
#                                 handshake_failure (40), or a number
#                                 ("alert NAME")
#                     plain=TEXT  answer the ClientHello with TEXT CRLF
#                                 in the clear (a server that does not
#                                 speak TLS), then close; TEXT is the
#                                 rest of the step line and takes the
#                                 escapes ("plain text")
#   implicit-tls [cert=NAME] [tls12] [fail|stall|FAULT]
#                   the same, as the first step (port 465 style)
#   scram MECH USER PASSWORD [FAULT]
#                   the server side of SCRAM-SHA-1 or SCRAM-SHA-256 (MECH;
#                   RFC 5802, 7677; USER and PASSWORD take the escapes).
#                   Reads "AUTH MECH <base64 client-first>" (without an
#                   initial response: sends "334 " and reads it), checks
#                   the GS2 header ("n,," or "y,,": no channel binding),
#                   the user name (saslname, =2C and =3D decoded) and the
#                   nonce; sends 334 base64(server-first) with a nonce
#                   extending the client's, a random salt and i=4096;
#                   reads the client-final and checks c= (the GS2 header),
#                   r= (the whole nonce) and the proof (computed from
#                   PASSWORD: a wrong proof is a mismatch); sends
#                   334 base64(v=ServerSignature), reads the empty line,
#                   sends "235 2.7.0 authentication successful".
#                   FAULT makes the server misbehave once and ends the
#                   step right there; the script goes on (e.g. "< *",
#                   "> 501 ..."):
#                     wrong-nonce   server nonce not extending the
#                                   client's (its first character changed)
#                     same-nonce    r= exactly the client's nonce (not
#                                   extended)
#                     iter0         i=0
#                     huge-iter     i=4294967295
#                     bad-signature (after a correct client-final) v= with
#                                   a wrong signature
#                     no-final      (after a correct client-final) 235 at
#                                   once, no server-final
#                     error         (after the client-final) 334
#                                   base64(e=invalid-proof)
#                   In the transcript the client's two SCRAM lines are
#                   shown decoded, random parts replaced, as
#                     AUTH SCRAM-SHA-256 \{n,,n=alice,r=<cnonce>}
#                     \{c=biws,r=<cnonce><snonce>,p=<proof>}
#                   (the raw bytes are on the wire file).
#   timeout SECONDS set the wait limit of the following read steps
#   accept          end this connection (recording what is left) and
#                   accept the next one; the transcript then shows a line
#                   "\--- connection N ---"
#   no-connection   the client must not connect at all (the caller ends
#                   the server with SIGTERM once the client has exited)
# When the script ends without close/reset/tls-drop/rehandshake/eof/
# drain/silence, the server behaves as "drain" and then closes.
#
# Escapes (in TEXT, PREFIX, and --unescape input):
#   \r \n \t \\  \0 (NUL)  \xHH (one byte)  \s (space, for trailing spaces)
# any other backslash sequence is an error.
#
# Transcript rendering (and --render): the received bytes are split at
# each CRLF, one output line per client line, the CRLF not shown.  Bytes
# 0x20-0x7e are shown as is except backslash, which is "\\"; CR, LF and
# TAB inside a line (bare CR, bare LF) are "\r", "\n", "\t"; any other
# byte is "\xHH" (lower-case hex).  A last line that did not end with
# CRLF gets "\z" appended.  Server annotations start with "\---" (which
# cannot come from client bytes): "\--- tls ---" where a TLS handshake
# completed, "\--- connection N ---" before each connection after the
# first, and those of the steps above (tls not answered, tls handshake:
# WHAT, tls HelloRequest sent, unread bytes not shown).  Lines shown
# decoded by a step (scram) contain "\{" (which cannot come from client
# bytes either).

import argparse
import base64
import binascii
import ctypes
import fnmatch
import hashlib
import hmac
import os
import re
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time

BUFSIZE = 65536

# TLS alert descriptions (RFC 5246 7.2) for "starttls alert=NAME"
ALERTS = {"handshake_failure": 40, "protocol_version": 70,
    "internal_error": 80}
# What the transcript shows for each handshake FAULT
HANDSHAKE_FAULTS = {"close": "closed before the ClientHello",
    "drop": "drop after the ClientHello",
    "reset": "reset after the ClientHello"}

# OpenSSL, for "rehandshake"
SSL_ERROR_WANT_READ = 2
SSL_ERROR_WANT_WRITE = 3
TLS1_2_VERSION = 0x0303


class Mismatch(Exception):
	"""The client deviated from the script."""


class Terminated(Exception):
	"""SIGTERM arrived."""


class ScriptError(Exception):
	"""The script itself is wrong."""


def unescape(text):
	out = bytearray()
	i = 0
	n = len(text)
	while i < n:
		c = text[i]
		if c != "\\":
			out += c.encode("utf-8")
			i += 1
			continue
		if i + 1 >= n:
			raise ScriptError("trailing backslash in %r" % text)
		e = text[i + 1]
		i += 2
		if e == "r":
			out += b"\r"
		elif e == "n":
			out += b"\n"
		elif e == "t":
			out += b"\t"
		elif e == "\\":
			out += b"\\"
		elif e == "0":
			out += b"\0"
		elif e == "s":
			out += b" "
		elif e == "x":
			h = text[i:i + 2]
			if len(h) != 2 or not all(ch in "0123456789abcdefABCDEF"
			    for ch in h):
				raise ScriptError("bad \\x escape in %r" % text)
			out.append(int(h, 16))
			i += 2
		else:
			raise ScriptError("unknown escape \\%s in %r" % (e, text))
	return bytes(out)


def render_line(b):
	"""Render one line's bytes (no CRLF) as text."""
	out = []
	for byte in b:
		if byte == 0x5c:
			out.append("\\\\")
		elif 0x20 <= byte <= 0x7e:
			out.append(chr(byte))
		elif byte == 0x0d:
			out.append("\\r")
		elif byte == 0x0a:
			out.append("\\n")
		elif byte == 0x09:
			out.append("\\t")
		else:
			out.append("\\x%02x" % byte)
	return "".join(out)


def render(data, subst=None):
	"""Render a byte stream as transcript lines.  subst maps the bytes
	of whole client lines to the text shown instead."""
	lines = []
	parts = data.split(b"\r\n")
	for p in parts[:-1]:
		if subst and p in subst:
			lines.append(subst[p])
			continue
		lines.append(render_line(p))
	if parts[-1]:
		lines.append(render_line(parts[-1]) + "\\z")
	return lines


class Recorder:
	"""Everything the client sent, plus annotations, plus the event log."""

	def __init__(self, wire, log):
		self.chunks = []	# ("bytes", b) or ("mark", text)
		self.wire = open(wire, "ab", buffering=0) if wire else None
		self.log = open(log, "a", buffering=1) if log else None
		self.t0 = time.monotonic()
		self.nrecv = 0
		self.subst = {}		# line bytes -> text shown instead
		self.hide = False	# record on the wire only (stall)
		self.hidden = 0

	def event(self, text):
		if self.log:
			self.log.write("%8.3f %s\n" %
			    (time.monotonic() - self.t0, text))

	def received(self, b):
		self.nrecv += 1
		self.event("recv #%d %d bytes" % (self.nrecv, len(b)))
		if self.wire:
			self.wire.write(b)
		if self.hide:
			self.hidden += len(b)
			return
		if self.chunks and self.chunks[-1][0] == "bytes":
			self.chunks[-1] = ("bytes", self.chunks[-1][1] + b)
		else:
			self.chunks.append(("bytes", b))

	def mark(self, text):
		self.chunks.append(("mark", text))

	def mark_before(self, text, tail):
		"""Mark, placed before tail, the last bytes received (not yet
		read by a step)."""
		if not tail:
			self.mark(text)
			return
		kind, val = self.chunks[-1] if self.chunks else (None, b"")
		if kind != "bytes" or not val.endswith(tail):
			raise ScriptError("the unread bytes are not the last ones "
			    "recorded")
		self.chunks[-1:] = [("bytes", val[:-len(tail)]),
		    ("mark", text), ("bytes", tail)]

	def unshow(self, tail):
		"""Take the bytes tail, the last ones received, out of the
		transcript (they stay in the wire file)."""
		if not tail:
			return
		kind, val = self.chunks[-1] if self.chunks else (None, b"")
		if kind != "bytes" or not val.endswith(tail):
			raise ScriptError("hide-unread: the unread bytes are not "
			    "the last ones recorded")
		self.chunks[-1] = ("bytes", val[:-len(tail)])

	def transcript(self):
		lines = []
		for kind, val in self.chunks:
			if kind == "bytes":
				lines += render(val, self.subst)
			else:
				lines.append("\\--- %s ---" % val)
		return lines


class Conn:
	def __init__(self, sock, rec, args):
		self.sock = sock
		self.rec = rec
		self.args = args
		self.buf = b""
		self.eof = False
		self.tls = False
		self.closed = False
		self.tls_error = None	# the TLS error that ended reading
		self.timeout = args.timeout

	# -- reading ---------------------------------------------------------

	def recv_once(self, timeout):
		"""One recv() with a time limit.  Returns the bytes (b"" at
		EOF), or None on timeout."""
		if self.eof:
			return b""
		self.sock.settimeout(max(timeout, 0.001))
		try:
			b = self.sock.recv(BUFSIZE)
		except (socket.timeout, TimeoutError):
			return None
		except ssl.SSLWantReadError:
			return None
		except (ConnectionResetError, BrokenPipeError) as e:
			self.rec.event("recv: %s" % e)
			b = b""
		except ssl.SSLError as e:
			self.rec.event("recv: TLS error: %s" % e)
			self.tls_error = str(e)
			b = b""
		if not b:
			self.eof = True
			self.rec.event("client closed")
			return b""
		self.rec.received(b)
		self.buf += b
		return b

	def readline(self, what):
		"""Read one line: up to CRLF (or a bare LF, or EOF)."""
		deadline = time.monotonic() + self.timeout
		while True:
			i = self.buf.find(b"\n")
			if i >= 0:
				line = self.buf[:i + 1]
				self.buf = self.buf[i + 1:]
				if line.endswith(b"\r\n"):
					return line[:-2], True
				return line, True
			if self.eof:
				line, self.buf = self.buf, b""
				return line, False
			left = deadline - time.monotonic()
			if left <= 0:
				raise Mismatch("timed out after %gs waiting for %s"
				    % (self.timeout, what))
			self.recv_once(left)

	# -- writing ---------------------------------------------------------

	def send(self, data, show=True):
		if show:
			for ln in render(data):
				self.rec.event("S: %s" % ln)
		self.sock.settimeout(self.timeout)
		try:
			self.sock.sendall(data)
		except (BrokenPipeError, ConnectionResetError,
		    socket.timeout, TimeoutError, ssl.SSLError, OSError) as e:
			# Not a mismatch by itself: the client may have given
			# up for a good reason.  Later read steps decide.
			self.rec.event("send failed: %s" % e)
			return False
		return True

	# -- ending ----------------------------------------------------------

	def close(self, rst=False, notify=True, how=""):
		"""Close; rst: with a TCP RST; notify: under TLS, send a
		close_notify first (rst never does)."""
		if self.closed:
			return
		self.closed = True
		try:
			if rst:
				self.sock.setsockopt(socket.SOL_SOCKET,
				    socket.SO_LINGER, struct.pack("ii", 1, 0))
			elif self.tls and notify:
				self.sock.settimeout(1)
				try:
					self.sock = self.sock.unwrap()
				except (OSError, ValueError, ssl.SSLError):
					pass
		except OSError:
			pass
		try:
			self.sock.close()
		except OSError:
			pass
		if rst:
			how = " (RST%s)" % (", no close_notify" if self.tls
			    else "")
		self.rec.event("server closed%s" % how)

	def tcp_fin(self):
		"""Send a FIN now, whatever TLS is doing on this socket:
		socket.socket's own shutdown(), not SSLSocket's."""
		try:
			socket.socket.shutdown(self.sock, socket.SHUT_WR)
		except OSError as e:
			self.rec.event("shutdown: %s" % e)

	def tls_drop(self):
		"""End the TCP connection under TLS without a close_notify."""
		if not self.tls:
			raise ScriptError("tls-drop needs TLS (starttls or "
			    "implicit-tls first); without it, use close")
		self.tcp_fin()
		self.close(notify=False, how=" (FIN, no close_notify)")

	def recv_before(self, deadline, recv, what):
		"""One recv(BUFSIZE) by the time.monotonic() deadline: the
		bytes; b"" when the client closed, or the socket failed
		(recorded as an event, after what); None past the deadline."""
		while True:
			left = deadline - time.monotonic()
			if left <= 0:
				return None
			self.sock.settimeout(left)
			try:
				return recv(BUFSIZE)
			except (socket.timeout, TimeoutError):
				continue
			except OSError as e:
				self.rec.event("%s: %s" % (what, e))
				return b""

	def raw_drain(self, limit):
		"""Read the TCP socket under the TLS layer until the client
		closes (after a TLS error); the bytes go to the wire file
		only.  True if it closed within limit."""
		deadline = time.monotonic() + limit
		n = 0
		while True:
			b = self.recv_before(deadline, lambda k:
			    socket.socket.recv(self.sock, k), "recv (raw)")
			if b is None:
				return False
			if not b:
				self.rec.event("client closed (%d raw bytes after "
				    "the TLS error)" % n)
				return True
			n += len(b)
			if self.rec.wire:
				self.rec.wire.write(b)

	def rehandshake(self):
		"""Request a renegotiation (TLS 1.2 HelloRequest), then
		record until the client closes."""
		if not self.tls:
			raise ScriptError("rehandshake needs TLS (starttls or "
			    "implicit-tls first)")
		if self.sock.version() != "TLSv1.2":
			raise ScriptError("rehandshake needs TLS 1.2 (starttls "
			    "tls12), this connection is %s" % self.sock.version())
		lib, ssl_p = openssl_of(self.sock)
		if lib.SSL_renegotiate(ssl_p) != 1:
			raise Mismatch("rehandshake: SSL_renegotiate() failed: "
			    "%s" % openssl_errors(lib))
		deadline = time.monotonic() + self.timeout
		while True:
			r = lib.SSL_do_handshake(ssl_p)
			err = lib.SSL_get_error(ssl_p, r) if r != 1 else 0
			# A server's SSL_do_handshake() returns once the
			# HelloRequest is out, or waits to read the ClientHello
			# (SSL_ERROR_WANT_READ): either way it has been sent.
			if r == 1 or err == SSL_ERROR_WANT_READ:
				break
			left = deadline - time.monotonic()
			if err != SSL_ERROR_WANT_WRITE or left <= 0:
				raise Mismatch("rehandshake: sending the "
				    "HelloRequest failed (SSL_get_error %d): %s"
				    % (err, openssl_errors(lib)))
			select.select([], [self.sock.fileno()], [], left)
		self.rec.event("S: (TLS HelloRequest)")
		self.rec.mark_before("tls HelloRequest sent", self.buf)
		if not self.drain(self.timeout):
			raise Mismatch("client did not close within %gs after "
			    "the HelloRequest" % self.timeout)
		if self.tls_error is not None:
			# It refused with an alert: the TLS layer is gone, wait
			# for the TCP connection to end.
			if not self.raw_drain(self.timeout):
				raise Mismatch("client did not close within %gs "
				    "after the TLS error %s" % (self.timeout,
				    self.tls_error))
		self.close(notify=False)

	def hide_unread(self):
		self.rec.unshow(self.buf)
		if self.buf:
			self.rec.event("hide-unread: %d bytes" % len(self.buf))
		self.buf = b""
		self.rec.mark("unread bytes not shown")

	def drain(self, limit):
		"""Read and record until EOF.  True if EOF came."""
		deadline = None if limit is None else time.monotonic() + limit
		while not self.eof:
			if deadline is None:
				left = 3600
			else:
				left = deadline - time.monotonic()
				if left <= 0:
					return False
			self.recv_once(left)
		return True

	# -- TLS -------------------------------------------------------------

	def handshake(self, arg, what):
		cert = "server"
		clientca = None
		expect_fail = stall = tls12 = False
		fault = plain = None
		alert = 0
		m = re.match(r"(.*?)(?:^|\s)plain=(.*)", arg)
		if m:
			arg, plain, fault = m.group(1), unescape(m.group(2)), \
			    "plain"
		for o in arg.split():
			if o.startswith("cert="):
				cert = o[5:]
			elif o.startswith("clientca="):
				clientca = o[9:]
			elif o == "fail":
				expect_fail = True
			elif o == "stall":
				stall = True
			elif o == "tls12":
				tls12 = True
			elif o in HANDSHAKE_FAULTS or o.startswith("alert="):
				if fault is not None:
					raise ScriptError("%s: one fault at most" %
					    what)
				fault = o
				if o.startswith("alert="):
					alert = ALERTS.get(o[6:]) or \
					    number(o[6:], "alert", int)
					if not 0 <= alert <= 255:
						raise ScriptError("%s: alert "
						    "code %d" % (what, alert))
					fault = "alert"
			else:
				raise ScriptError("%s: unknown option %r" % (what, o))
		if expect_fail + stall + (fault is not None) > 1:
			raise ScriptError("%s: one of fail, stall or a fault" %
			    what)
		if not self.args.certdir:
			raise ScriptError("%s needs --certdir" % what)
		if self.buf:
			raise Mismatch("%s: client sent %r before the TLS "
			    "handshake" % (what, "\n".join(render(self.buf))))
		if fault is not None:
			shown = HANDSHAKE_FAULTS.get(fault) or (
			    "plain text" if fault == "plain" else
			    "alert %s" % alert_name(alert))
			self.rec.mark("tls handshake: %s" % shown)
			self.handshake_fault(fault, alert, plain, what)
			return
		if stall:
			self.rec.mark("tls not answered")
			self.rec.hide = True
			self.drain(None)
			self.rec.hide = False
			self.rec.event("TLS handshake not answered; the client "
			    "sent %d bytes, then closed" % self.rec.hidden)
			self.buf = b""
			return
		ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
		if tls12:
			ctx.maximum_version = ssl.TLSVersion.TLSv1_2
		# A renegotiation ("rehandshake") must be allowed.
		ctx.options &= ~ssl.OP_NO_RENEGOTIATION
		d = self.args.certdir
		ctx.load_cert_chain(os.path.join(d, cert + ".pem"),
		    os.path.join(d, cert + "-key.pem"))
		if clientca:
			# the client must present a certificate from this CA
			ctx.verify_mode = ssl.CERT_REQUIRED
			ctx.load_verify_locations(os.path.join(d,
			    clientca + ".pem"))
		self.sock.settimeout(self.timeout)
		s = None
		try:
			s = ctx.wrap_socket(self.sock, server_side=True,
			    do_handshake_on_connect=False)
			s.do_handshake()
		except (ssl.SSLError, OSError) as e:
			if expect_fail:
				self.rec.event("TLS handshake failed as "
				    "expected: %s" % e)
				self.linger_out(s)
				self.eof = True
				return
			raise Mismatch("%s: TLS handshake failed: %s" %
			    (what, e))
		self.sock = s
		self.tls = True
		self.rec.event("TLS %s %s" % (s.version(), s.cipher()[0]))
		self.rec.mark("tls")
		if clientca:
			subj = dict(x[0] for x in s.getpeercert()["subject"])
			self.rec.mark("tls client certificate: %s" %
			    subj.get("commonName", "?"))
		if expect_fail:
			raise Mismatch("%s: the client completed the handshake "
			    "with certificate %r, expected it to refuse" %
			    (what, cert))

	def linger_out(self, s):
		"""After a failed handshake: our alert is on its way; close
		our side and read until the client closes, so that unread
		client bytes cannot turn the close into an RST that would
		overtake the alert."""
		if s is None:
			return
		try:
			s.shutdown(socket.SHUT_WR)
			s.settimeout(min(self.timeout, 5))
			while s.recv(65536):
				pass
		except OSError:
			pass
		self.sock = s

	def handshake_fault(self, fault, alert, plain, what):
		"""Break the handshake (see FAULT in the header); the
		connection is over after it."""
		if fault == "close":
			self.tcp_fin()
			self.close()
			return
		self.read_client_hello(what)
		if fault == "drop":
			self.close()
		elif fault == "reset":
			self.close(rst=True)
		elif fault == "alert":
			self.rec.event("S: (TLS alert, fatal, %s)" %
			    alert_name(alert))
			self.send(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02,
			    alert]), show=False)
			self.close()
		else:
			self.send(plain + b"\r\n")
			self.close()

	def read_client_hello(self, what):
		"""Read the client's ClientHello: whole TLS handshake records
		straight from the TCP socket, to the wire file only."""
		deadline = time.monotonic() + self.timeout
		raw = hs = b""
		self.rec.hide = True
		try:
			while True:
				while len(raw) >= 5 and len(raw) >= 5 + \
				    int.from_bytes(raw[3:5], "big"):
					n = 5 + int.from_bytes(raw[3:5], "big")
					hs += raw[5:n]
					raw = raw[n:]
				if raw[:1] not in (b"", b"\x16"):
					raise Mismatch("%s: expected a TLS "
					    "handshake record (ClientHello), got "
					    "%r" % (what, render(raw[:40])))
				if hs[:1] not in (b"", b"\x01"):
					raise Mismatch("%s: the client's first "
					    "handshake message is of type %d, not "
					    "a ClientHello" % (what, hs[0]))
				if len(hs) >= 4 and len(hs) >= 4 + \
				    int.from_bytes(hs[1:4], "big"):
					break
				b = self.recv_before(deadline, self.sock.recv,
				    "recv")
				if b is None:
					raise Mismatch("%s: timed out after %gs "
					    "waiting for the client's ClientHello"
					    % (what, self.timeout))
				if not b:
					self.eof = True
					raise Mismatch("%s: the client closed before "
					    "its ClientHello was complete" % what)
				self.rec.received(b)
				raw += b
		finally:
			self.rec.hide = False
		self.rec.event("TLS ClientHello read: %d bytes%s" % (len(hs),
		    ", then %d more" % len(raw) if raw else ""))


_libssl = None


def libssl():
	"""The libssl that Python's ssl module uses, through ctypes."""
	global _libssl
	if _libssl is not None:
		return _libssl
	v = ssl.OPENSSL_VERSION_INFO
	name = "libssl.so.%d" % v[0] if v[0] >= 3 else \
	    "libssl.so.%d.%d" % (v[0], v[1])
	try:
		lib = ctypes.CDLL(name)
	except OSError as e:
		raise ScriptError("rehandshake: cannot load %s: %s" % (name, e))
	vp = ctypes.c_void_p
	for fn, args, res in (
	    ("OpenSSL_version_num", [], ctypes.c_ulong),
	    ("SSL_get_fd", [vp], ctypes.c_int),
	    ("SSL_is_server", [vp], ctypes.c_int),
	    ("SSL_version", [vp], ctypes.c_int),
	    ("SSL_renegotiate", [vp], ctypes.c_int),
	    ("SSL_do_handshake", [vp], ctypes.c_int),
	    ("SSL_get_error", [vp, ctypes.c_int], ctypes.c_int),
	    ("ERR_get_error", [], ctypes.c_ulong),
	    ("ERR_error_string_n", [ctypes.c_ulong, ctypes.c_char_p,
	    ctypes.c_size_t], None)):
		f = getattr(lib, fn)
		f.argtypes = args
		f.restype = res
	if lib.OpenSSL_version_num() != ssl.OPENSSL_VERSION_NUMBER:
		raise ScriptError("rehandshake: %s is OpenSSL %#x, Python's "
		    "ssl module was built with %#x" % (name,
		    lib.OpenSSL_version_num(), ssl.OPENSSL_VERSION_NUMBER))
	_libssl = lib
	return lib


def openssl_errors(lib):
	out = []
	while True:
		e = lib.ERR_get_error()
		if not e:
			break
		buf = ctypes.create_string_buffer(256)
		lib.ERR_error_string_n(e, buf, len(buf))
		out.append(buf.value.decode("latin-1"))
	return "; ".join(out) or "no OpenSSL error queued"


def openssl_of(sock):
	"""libssl and the SSL * of the ssl.SSLSocket sock.

	Python keeps no public handle on it.  CPython's _ssl._SSLSocket
	(Modules/_ssl.c, the same from 3.7 to 3.13) begins
		typedef struct {
			PyObject_HEAD
			PyObject *Socket;
			SSL *ssl;
			...
	so the pointer is three words into the object (reference count,
	type, Socket) in a release build.  Before use it must prove to be
	a server-side TLS 1.2 SSL on this very file descriptor."""
	lib = libssl()
	obj = sock._sslobj
	if type(obj).__name__ != "_SSLSocket" or hasattr(sys, "getobjects"):
		# not CPython's C object, or a Py_TRACE_REFS build (a
		# longer object header)
		raise ScriptError("rehandshake: cannot reach OpenSSL under "
		    "this Python (%s)" % type(obj))
	word = ctypes.sizeof(ctypes.c_void_p)
	ssl_p = ctypes.c_void_p.from_address(id(obj) + 3 * word).value
	if not ssl_p or lib.SSL_get_fd(ssl_p) != sock.fileno() or \
	    lib.SSL_is_server(ssl_p) != 1 or \
	    lib.SSL_version(ssl_p) != TLS1_2_VERSION:
		raise ScriptError("rehandshake: the SSL * found is not this "
		    "connection's (a CPython with another _SSLSocket layout?)")
	return lib, ssl_p


def alert_name(code):
	for k, v in ALERTS.items():
		if v == code:
			return k
	return str(code)


def parse_script(path):
	steps = []
	with open(path, encoding="utf-8") as f:
		for no, raw in enumerate(f, 1):
			line = raw.rstrip("\n")
			if line.endswith("\r"):
				line = line[:-1]
			if not line.strip() or line.lstrip().startswith("#"):
				continue
			steps.append((no, line))
	return steps


def split_step(line):
	for op in (">>", "<~", ">", "<"):
		if line.startswith(op):
			rest = line[len(op):]
			if rest.startswith(" "):
				rest = rest[1:]
			elif rest:
				raise ScriptError("need a space after %r" % op)
			return op, rest
	parts = line.split(None, 1)
	return parts[0], (parts[1] if len(parts) > 1 else "")


def number(text, what, kind=float):
	try:
		return kind(text)
	except ValueError:
		raise ScriptError("%s: not a number: %r" % (what, text))


class Server:
	def __init__(self, args):
		self.args = args
		self.rec = Recorder(args.wire, args.log)
		self.state = "starting"
		self.conn = None
		self.nconn = 0

	def accept(self, lsock):
		self.state = "accept"
		lsock.settimeout(None if self.waiting_no_conn else
		    self.args.accept_timeout)
		try:
			s, peer = lsock.accept()
		except (socket.timeout, TimeoutError):
			raise Mismatch("no connection from the client within "
			    "%gs" % self.args.accept_timeout)
		self.nconn += 1
		if self.nconn > 1:
			self.rec.mark("connection %d" % self.nconn)
		self.rec.event("accept #%d from %s:%d" %
		    (self.nconn, peer[0], peer[1]))
		s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
		self.conn = Conn(s, self.rec, self.args)
		self.conn.timeout = self.timeout

	def finish_conn(self):
		c = self.conn
		if c is None or c.closed:
			return
		if not c.eof:
			self.state = "drain"
			if not c.drain(self.timeout):
				c.close()
				raise Mismatch("client did not close the "
				    "connection within %gs" % self.timeout)
		c.close()

	def run_steps(self, lsock, steps):
		self.accept(lsock)
		for no, line in steps:
			self.state = "script line %d: %s" % (no, line)
			try:
				op, arg = split_step(line)
				self.step(lsock, op, arg)
			except Mismatch as e:
				raise Mismatch("script line %d (%s): %s" %
				    (no, line, e))
		self.finish_conn()

	def step(self, lsock, op, arg):
		c = self.conn
		if c is None or c.closed:
			if op not in ("accept", "sleep", "timeout"):
				raise ScriptError("step after the connection "
				    "was closed")
		if op == ">":
			c.send(unescape(arg) + b"\r\n")
		elif op == ">>":
			c.send(unescape(arg))
		elif op in ("<", "<~"):
			b, term = c.readline("a line matching %r" % arg)
			got = render_line(b) if term else (
			    render_line(b) + "\\z")
			if not term and not b:
				raise Mismatch("client closed the connection, "
				    "expected a line matching %r" % arg)
			self.rec.event("C: %s" % got)
			if op == "<":
				ok = fnmatch.fnmatchcase(got, arg)
			else:
				ok = re.fullmatch(arg, got) is not None
			if not ok:
				raise Mismatch("expected a line matching %r, "
				    "got %r" % (arg, got))
		elif op == "data":
			self.data(c, arg)
		elif op == "bdat":
			self.bdat(c, arg)
		elif op == "batch":
			self.batch(c, number(arg, "batch", int))
		elif op == "quiet":
			secs = number(arg, "quiet")
			if c.buf:
				raise Mismatch("client sent %r instead of "
				    "waiting for our reply" % render(c.buf))
			b = c.recv_once(secs)
			if b is not None:
				raise Mismatch("client %s instead of waiting "
				    "for our reply" % ("sent %r" % render(b)
				    if b else "closed the connection"))
		elif op == "eof":
			if c.buf:
				raise Mismatch("client sent %r, expected it to "
				    "close" % render(c.buf))
			b = c.recv_once(self.timeout)
			if b is None:
				raise Mismatch("client did not close within "
				    "%gs" % self.timeout)
			if b:
				c.drain(1)
				raise Mismatch("client sent %r, expected it to "
				    "close" % render(c.buf))
			c.close()
		elif op == "drain":
			if not c.drain(self.timeout):
				raise Mismatch("client did not close within "
				    "%gs" % self.timeout)
			c.close()
		elif op == "silence":
			c.drain(None)
			c.close()
		elif op == "close":
			if not c.eof:	# record what is already in flight
				c.recv_once(0.001)
			c.close()
		elif op == "reset":
			c.close(rst=True)
		elif op == "tls-drop":
			c.tls_drop()
		elif op == "rehandshake":
			c.rehandshake()
		elif op == "hide-unread":
			c.hide_unread()
		elif op == "sleep":
			time.sleep(number(arg, "sleep"))
		elif op == "drip":
			parts = arg.split(" ", 1)
			if len(parts) != 2:
				raise ScriptError("drip SECONDS TEXT")
			secs = number(parts[0], "drip")
			data = unescape(parts[1]) + b"\r\n"
			self.rec.event("S: (drip) %s" % render(data)[0])
			for i in range(len(data)):
				if not c.send(data[i:i + 1], show=False):
					break
				time.sleep(secs)
		elif op == "huge":
			parts = arg.split(" ", 1)
			n = number(parts[0], "huge", int)
			prefix = unescape(parts[1]) if len(parts) > 1 else \
			    b"250 "
			fill = n - len(prefix) - 2
			if fill < 0:
				raise ScriptError("huge: N too small")
			self.rec.event("S: (huge) %s... %d bytes" %
			    (render_line(prefix), n))
			c.send(prefix + b"x" * fill + b"\r\n", show=False)
		elif op == "repeat":
			parts = arg.split(" ", 1)
			n = number(parts[0], "repeat", int)
			text = unescape(parts[1] if len(parts) > 1 else "")
			self.rec.event("S: (repeat %d) %s" %
			    (n, render_line(text)))
			c.send((text + b"\r\n") * n, show=False)
		elif op == "flood":
			self.flood(c, unescape(arg) if arg else b"250 ")
		elif op == "scram":
			self.scram(c, arg)
		elif op in ("starttls", "implicit-tls"):
			c.handshake(arg, op)
			if c.eof:	# expected failure: connection is done
				c.close()
		elif op == "timeout":
			self.timeout = number(arg, "timeout")
			if c is not None:
				c.timeout = self.timeout
		elif op == "accept":
			self.finish_conn()
			self.accept(lsock)
		elif op == "no-connection":
			raise ScriptError("no-connection must be the only step")
		else:
			raise ScriptError("unknown step %r" % op)

	def data(self, c, arg):
		if arg not in ("", "raw"):
			raise ScriptError("data [raw]")
		deadline = time.monotonic() + self.timeout
		while True:
			# The data may begin with ".\r\n" (empty message).
			probe = b"\r\n" + c.buf
			i = probe.find(b"\r\n.\r\n")
			if i >= 0:
				end = i + 5 - 2
				body, c.buf = c.buf[:end], c.buf[end:]
				break
			if c.eof:
				raise Mismatch("client closed during message "
				    "data (%d bytes, no CRLF.CRLF)" %
				    len(c.buf))
			left = deadline - time.monotonic()
			if left <= 0:
				raise Mismatch("timed out waiting for the end "
				    "of data (%d bytes so far)" % len(c.buf))
			c.recv_once(left)
		self.rec.event("C: (data) %d bytes" % len(body))
		if arg == "raw":
			return
		m = re.search(rb"\r(?!\n)|(?<!\r)\n", body)
		if m:
			lo = max(0, m.start() - 20)
			raise Mismatch("message data holds a bare %s at offset "
			    "%d: ...%s..." % ("CR" if body[m.start()] == 13 else
			    "LF", m.start(), render_line(body[lo:m.start() +
			    20])))

	def bdat(self, c, arg):
		raw = arg == "raw" or arg.startswith("raw ")
		glob = arg[4:] if raw else arg
		b, term = c.readline("a BDAT command")
		got = render_line(b) if term else render_line(b) + "\\z"
		self.rec.event("C: %s" % got)
		m = re.fullmatch(rb"BDAT ([0-9]{1,12})( LAST)?", b)
		if not term or m is None:
			raise Mismatch("expected a BDAT command, got %r" % got)
		if glob and not fnmatch.fnmatchcase(got, glob):
			raise Mismatch("expected a BDAT command matching %r, "
			    "got %r" % (glob, got))
		n = int(m.group(1))
		deadline = time.monotonic() + self.timeout
		while len(c.buf) < n:
			if c.eof:
				raise Mismatch("client closed during BDAT data "
				    "(%d of %d octets)" % (len(c.buf), n))
			left = deadline - time.monotonic()
			if left <= 0:
				raise Mismatch("timed out waiting for BDAT data "
				    "(%d of %d octets)" % (len(c.buf), n))
			c.recv_once(left)
		body, c.buf = c.buf[:n], c.buf[n:]
		self.rec.event("C: (bdat) %d octets" % n)
		if raw:
			return
		m = re.search(rb"\r(?!\n)|(?<!\r)\n", body)
		if m:
			raise Mismatch("BDAT data holds a bare %s at offset %d" %
			    ("CR" if body[m.start()] == 13 else "LF", m.start()))

	def flood(self, c, prefix):
		limit = 256 << 20
		self.rec.event("S: (flood) %s... no line end" %
		    render_line(prefix))
		chunk = b"x" * BUFSIZE
		data = prefix + chunk[len(prefix):]
		sent = 0
		deadline = time.monotonic() + self.timeout
		c.sock.settimeout(0.5)
		while True:
			if sent >= limit:
				raise Mismatch("flood: the client took %d bytes "
				    "with no line end and did not close" % sent)
			if time.monotonic() > deadline:
				raise Mismatch("flood: the client neither closed "
				    "nor read within %gs (%d bytes sent)" %
				    (self.timeout, sent))
			try:
				n = c.sock.send(data)
			except (socket.timeout, TimeoutError,
			    ssl.SSLWantWriteError):
				continue	# its buffers are full
			except (BrokenPipeError, ConnectionResetError,
			    ssl.SSLError, OSError) as e:
				self.rec.event("flood: %d bytes sent, then %s" %
				    (sent, e))
				return
			sent += n
			data = chunk

	def scram(self, c, arg):
		words = arg.split()
		if len(words) not in (3, 4):
			raise ScriptError("scram MECH USER PASSWORD [FAULT]")
		mech = words[0]
		user = unescape(words[1]).decode("utf-8")
		password = unescape(words[2])
		fault = words[3] if len(words) == 4 else None
		faults = ("wrong-nonce", "same-nonce", "iter0", "huge-iter",
		    "bad-signature", "no-final", "error")
		if fault is not None and fault not in faults:
			raise ScriptError("scram: unknown fault %r" % fault)
		algs = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256",
		    "SCRAM-SHA-1-PLUS": "sha1", "SCRAM-SHA-256-PLUS": "sha256"}
		if mech not in algs:
			raise ScriptError("scram: MECH is SCRAM-SHA-1, "
			    "SCRAM-SHA-256 or their -PLUS forms")
		alg = algs[mech]
		plus = mech.endswith("-PLUS")
		cbdata = b""
		if plus:
			# Python offers tls-unique (TLS 1.2) only: the scenario
			# must hold the client to TLS 1.2.
			cbdata = c.sock.get_channel_binding("tls-unique") \
			    if c.tls else None
			if not cbdata:
				raise ScriptError("scram: -PLUS needs TLS 1.2")

		def h(b):
			return hashlib.new(alg, b).digest()

		def mac(key, b):
			return hmac.new(key, b, alg).digest()

		def b64(b):
			return base64.b64encode(b).decode("ascii")

		def unb64(text, what):
			try:
				return base64.b64decode(text, validate=True)
			except (binascii.Error, ValueError):
				raise Mismatch("scram: %s is not base64: %r" %
				    (what, text))

		def line(what):
			b, term = c.readline(what)
			if not term and not b:
				raise Mismatch("client closed the connection, "
				    "expected %s" % what)
			self.rec.event("C: %s" % render_line(b))
			return b

		# client-first
		raw = line("AUTH %s" % mech)
		head = ("AUTH %s" % mech).encode("ascii")
		if raw == head:
			c.send(b"334 \r\n")
			auth_line = raw
			raw = line("the SCRAM client-first message")
			first_line = raw
			first_b64 = raw
		elif raw.startswith(head + b" "):
			auth_line = None
			first_line = raw
			first_b64 = raw[len(head) + 1:]
		else:
			raise Mismatch("expected AUTH %s, got %r" %
			    (mech, render_line(raw)))
		first = unb64(first_b64.decode("latin-1"), "client-first")
		m = re.fullmatch(rb"([ny]|p=[a-z0-9.-]+),(a=[^,]*)?,"
		    rb"(n=([^,]*),r=([^,]+)(,.*)?)", first)
		if not m:
			raise Mismatch("scram: bad client-first %r (GS2 header "
			    "n,, y,, or p=TYPE,, and n=USER,r=NONCE expected)" %
			    render_line(first))
		if plus != m.group(1).startswith(b"p="):
			raise Mismatch("scram: GS2 header %r with %s" %
			    (render_line(m.group(1)), mech))
		if plus and m.group(1) != b"p=tls-unique":
			raise Mismatch("scram: channel binding %r, expected "
			    "tls-unique on TLS 1.2" % render_line(m.group(1)))
		gs2 = first[:m.start(3)]
		bare = m.group(3)
		got_user = m.group(4).replace(b"=2C", b",").replace(b"=3D",
		    b"=")
		if got_user != user.encode("utf-8"):
			raise Mismatch("scram: user %r, expected %r" %
			    (render_line(got_user), user))
		cnonce = m.group(5)
		if not re.fullmatch(rb"[\x21-\x2b\x2d-\x7e]+", cnonce):
			raise Mismatch("scram: client nonce %r is not printable" %
			    render_line(cnonce))
		shown = "\\{%s}" % render_line(first).replace(
		    render_line(cnonce), "<cnonce>")
		if auth_line is None:
			self.rec.subst[first_line] = "AUTH %s %s" % (mech, shown)
		else:
			self.rec.subst[first_line] = shown

		# server-first
		snonce = b64(os.urandom(18)).encode("ascii")
		salt = os.urandom(16)
		iters = 4096
		nonce = cnonce + snonce
		if fault == "wrong-nonce":
			ch = b"A" if cnonce[:1] != b"A" else b"B"
			nonce = ch + cnonce[1:] + snonce
		elif fault == "same-nonce":
			nonce = cnonce
		sfirst = b"r=" + nonce + b",s=" + b64(salt).encode() + b",i="
		if fault == "iter0":
			sfirst += b"0"
		elif fault == "huge-iter":
			sfirst += b"4294967295"
		else:
			sfirst += str(iters).encode()
		self.rec.event("S: (scram) server-first %s" % sfirst.decode())
		c.send(b"334 " + base64.b64encode(sfirst) + b"\r\n")
		if fault in ("wrong-nonce", "same-nonce", "iter0",
		    "huge-iter"):
			return

		# client-final
		raw = line("the SCRAM client-final message")
		final = unb64(raw.decode("latin-1"), "client-final")
		m = re.fullmatch(rb"(c=([^,]*),r=([^,]*)(,.*)?),p=([^,]*)",
		    final)
		if not m:
			raise Mismatch("scram: bad client-final %r" %
			    render_line(final))
		shown = render_line(final).replace(render_line(nonce),
		    "<cnonce><snonce>", 1)
		shown = shown.replace("p=" + render_line(m.group(5)),
		    "p=<proof>")
		if plus:
			shown = shown.replace("c=" + render_line(m.group(2)),
			    "c=<gs2+tls-unique>", 1)
		self.rec.subst[raw] = "\\{%s}" % shown
		if unb64(m.group(2).decode("latin-1"), "c=") != gs2 + cbdata:
			raise Mismatch("scram: c= is not base64 of the GS2 "
			    "header %r%s" % (render_line(gs2), " and the "
			    "tls-unique channel binding" if plus else ""))
		if m.group(3) != nonce:
			raise Mismatch("scram: client-final nonce %r is not "
			    "the server's %r" % (render_line(m.group(3)),
			    render_line(nonce)))
		proof = unb64(m.group(5).decode("latin-1"), "p=")
		salted = hashlib.pbkdf2_hmac(alg, password, salt, iters)
		ckey = mac(salted, b"Client Key")
		stored = h(ckey)
		authmsg = bare + b"," + sfirst + b"," + m.group(1)
		csig = mac(stored, authmsg)
		if len(proof) != len(csig) or h(bytes(
		    a ^ b for a, b in zip(proof, csig))) != stored:
			raise Mismatch("scram: the client proof is wrong for "
			    "the password %r" % render_line(password))
		self.rec.event("scram: client proof verified")
		ssig = mac(mac(salted, b"Server Key"), authmsg)
		if fault == "no-final":
			c.send(b"235 2.7.0 authentication successful\r\n")
			return
		if fault == "error":
			c.send(b"334 " + base64.b64encode(b"e=invalid-proof") +
			    b"\r\n")
			return
		if fault == "bad-signature":
			ssig = bytes([ssig[0] ^ 1]) + ssig[1:]
		c.send(b"334 " + base64.b64encode(b"v=" +
		    base64.b64encode(ssig)) + b"\r\n")
		if fault == "bad-signature":
			return
		raw = line("the empty line answering the server-final")
		if raw != b"":
			raise Mismatch("scram: expected an empty line after "
			    "the server-final, got %r" % render_line(raw))
		c.send(b"235 2.7.0 authentication successful\r\n")

	def batch(self, c, n):
		if c.buf:
			raise Mismatch("batch: unread client bytes %r before "
			    "the batch" % render(c.buf))
		b = c.recv_once(self.timeout)
		if b is None:
			raise Mismatch("batch: nothing within %gs" %
			    self.timeout)
		if not b:
			raise Mismatch("batch: client closed the connection")
		lines = b.count(b"\r\n")
		if lines != n or not b.endswith(b"\r\n"):
			raise Mismatch("batch: expected %d whole lines in one "
			    "recv(), got %r" % (n, render(b)))
		self.rec.event("batch: %d lines in recv #%d" %
		    (n, self.rec.nrecv))

	def run(self, lsock, steps):
		self.timeout = self.args.timeout
		self.waiting_no_conn = False
		if len(steps) == 1 and steps[0][1].strip() == "no-connection":
			self.waiting_no_conn = True
			self.state = "no-connection"
			lsock.settimeout(None)
			s, peer = lsock.accept()
			self.waiting_no_conn = False
			self.nconn = 1
			self.rec.event("accept from %s:%d" % peer)
			self.conn = Conn(s, self.rec, self.args)
			self.conn.drain(2)
			self.conn.close()
			raise Mismatch("the client connected, expected no "
			    "connection")
		for i in range(self.args.connections):
			self.run_steps(lsock, steps)


def write_atomic(path, text):
	tmp = path + ".tmp"
	with open(tmp, "w") as f:
		f.write(text)
	os.rename(tmp, path)


def run_server(args, on_listen):
	"""Serve args.script once: parse it (exit status 2 and a message on
	stderr if it is wrong), listen on 127.0.0.1 port 0, call
	on_listen(port), run the script.  Returns the exit status (see the
	header)."""
	try:
		steps = parse_script(args.script)
		for no, line in steps:	# syntax check before listening
			split_step(line)
	except (OSError, ScriptError) as e:
		print("smtpd.py: %s" % e, file=sys.stderr)
		return 2

	srv = Server(args)

	def on_term(signo, frame):
		raise Terminated()
	signal.signal(signal.SIGTERM, on_term)

	lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	lsock.bind(("127.0.0.1", 0))
	lsock.listen(8)

	status = 0
	try:
		on_listen(lsock.getsockname()[1])
		srv.rec.event("listening on 127.0.0.1:%d" %
		    lsock.getsockname()[1])
		srv.run(lsock, steps)
	except Mismatch as e:
		status = 1
		srv.rec.event("MISMATCH %s" % e)
		print("smtpd.py: MISMATCH %s" % e, file=sys.stderr)
	except Terminated:
		if srv.state == "no-connection":
			srv.rec.event("terminated: no connection came, as "
			    "expected")
		else:
			status = 1
			msg = "terminated by SIGTERM at %s" % srv.state
			srv.rec.event("MISMATCH %s" % msg)
			print("smtpd.py: MISMATCH %s" % msg, file=sys.stderr)
	except ScriptError as e:
		status = 2
		srv.rec.event("SCRIPT ERROR %s" % e)
		print("smtpd.py: script error: %s" % e, file=sys.stderr)
	finally:
		signal.signal(signal.SIGTERM, signal.SIG_IGN)
		if srv.conn is not None:
			# Record what is already in flight, for the report.
			try:
				if not srv.conn.closed and not srv.conn.eof:
					srv.conn.recv_once(0.05)
			except Exception:
				pass
			srv.conn.close()
		lsock.close()
		if args.transcript:
			lines = srv.rec.transcript()
			write_atomic(args.transcript,
			    "".join(ln + "\n" for ln in lines))
		srv.rec.event("exit %d" % status)
	return status


# ---- serve mode ---------------------------------------------------------
#
# One long-lived process serves one request after another: the scenario
# runner (tests/scenarios.sh) starts it once instead of one server (one
# Python start, one wait for a port file) per scenario.  It listens for
# control connections on 127.0.0.1 port 0 and prints "ready PORT" on
# stdout once it does.  A control connection carries one request line,
# TAB-separated KEY=VALUE fields after the request name (paths may hold
# anything but TAB and LF):
#
#   run script=F [transcript=F] [wire=F] [log=F] [certdir=D] [err=F]
#       [timeout=S] [accept-timeout=S] [connections=N]
#	serve the script F once, exactly as the options of the same names
#	do (err=F: the server's stderr).  Replies "port PORT PID" once it
#	listens (or "exit 2" when the script is wrong, see err=F), then
#	"exit STATUS" when it is done (STATUS as the exit status above).
#	Sending "stop" on the connection, or closing it, is what SIGTERM
#	is to a standalone server.
#   unescape in=F out=F
#	decode the escapes of the text in F (line ends dropped) into the
#	bytes of F; replies "ok", or "error MESSAGE".
#   absent list=F file=F...
#	for each line of F (escapes decoded; empty lines skipped) that
#	occurs in one of the files, replies "found LINE in NAME" (NAME: the
#	file's base name; a missing file is empty); then "end".
#   quit
#	the server exits (requests already running carry on).  It exits
#	too when the process that started it is gone.
#
# Each request is served in a fork of the server: no new interpreter, no
# imports, and a request that hangs or crashes is alone in its process.


def ctl_fields(line):
	"""Parse a request line: (name, {key: value}, [(key, value)...])."""
	parts = line.rstrip("\n").split("\t")
	pairs = []
	for p in parts[1:]:
		k, eq, v = p.partition("=")
		if not eq:
			raise ScriptError("bad field %r" % p)
		pairs.append((k, v))
	return parts[0], dict(pairs), pairs


def ctl_run(ctl, fields):
	"""The run request, in its own process: never returns."""
	def say(text):
		ctl.sendall(text.encode("utf-8"))

	if fields.get("err"):
		fd = os.open(fields["err"], os.O_WRONLY | os.O_CREAT |
		    os.O_TRUNC, 0o644)
		os.dup2(fd, 2)
		os.close(fd)
	ap = server_args()
	argv = []
	for k, v in fields.items():
		if k != "err":
			argv += ["--" + k, v]
	try:
		args = ap.parse_args(argv)
	except SystemExit:
		args = None
	if args is None or not args.script:
		print("smtpd.py: run: bad request %r" % sorted(fields),
		    file=sys.stderr)
		say("exit 2\n")
		os._exit(2)

	main = threading.main_thread().ident

	def watch():
		# "stop", or the runner gone: SIGTERM, as for a server of
		# its own; to the main thread, which runs the handler and
		# is the one to interrupt
		try:
			ctl.recv(64)
		except OSError:
			pass
		signal.pthread_kill(main, signal.SIGTERM)
	signal.signal(signal.SIGTERM, signal.SIG_DFL)

	def on_listen(port):
		say("port %d %d\n" % (port, os.getpid()))
		threading.Thread(target=watch, daemon=True).start()
	status = 2
	try:
		status = run_server(args, on_listen)
	finally:
		try:
			sys.stderr.flush()
			say("exit %d\n" % status)
		except OSError:
			pass
		os._exit(status)


def ctl_unescape(out, fields):
	try:
		with open(fields["in"], encoding="utf-8", newline="") as f:
			text = f.read().replace("\n", "")
		data = unescape(text)
		with open(fields["out"], "wb") as f:
			f.write(data)
	except (KeyError, OSError, ScriptError, UnicodeError) as e:
		out.write("error %s\n" % str(e).replace("\n", " "))
		return
	out.write("ok\n")


def ctl_absent(out, fields, pairs):
	hay = {}
	for k, v in pairs:
		if k == "file":
			try:
				with open(v, "rb") as f:
					hay[os.path.basename(v)] = f.read()
			except OSError:
				hay[os.path.basename(v)] = b""
	with open(fields["list"], encoding="utf-8") as f:
		for line in f:
			line = line.rstrip("\n")
			if not line:
				continue
			needle = unescape(line)
			for name, data in hay.items():
				if needle in data:
					out.write("found %r in %s\n" % (line, name))
	out.write("end\n")


def ctl_request(ctl, line):
	"""Serve the request line that came on the control connection ctl
	(in a child process)."""
	name, fields, pairs = ctl_fields(line)
	if name == "run":
		ctl_run(ctl, fields)
	out = ctl.makefile("w", encoding="utf-8")
	if name == "unescape":
		ctl_unescape(out, fields)
	elif name == "absent":
		ctl_absent(out, fields, pairs)
	else:
		out.write("error unknown request %r\n" % name)
	out.flush()


def serve():
	ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
	ls.bind(("127.0.0.1", 0))
	ls.listen(64)
	# Children are reaped by the kernel; nobody waits for them.
	signal.signal(signal.SIGCHLD, signal.SIG_IGN)
	print("ready %d" % ls.getsockname()[1], flush=True)
	parent = os.getppid()
	while True:
		# A runner that died without "quit" (SIGKILL) leaves us to
		# init: then we go too.
		if not select.select([ls], [], [], 1.0)[0]:
			if os.getppid() != parent:
				return 1
			continue
		ctl, peer = ls.accept()
		# The request line is read here, so that "quit" ends us.
		ctl.settimeout(10)
		line = b""
		try:
			while not line.endswith(b"\n"):
				b = ctl.recv(4096)
				if not b:
					break
				line += b
		except OSError:
			line = b""
		if not line.endswith(b"\n"):
			ctl.close()
			continue
		line = line.decode("utf-8", "surrogateescape")
		if line == "quit\n":
			ctl.close()
			return 0
		ctl.settimeout(None)
		pid = os.fork()
		if pid == 0:
			status = 0
			try:
				ls.close()
				signal.signal(signal.SIGCHLD, signal.SIG_DFL)
				ctl_request(ctl, line)
			except BaseException as e:
				print("smtpd.py: serve: %s: %s" %
				    (type(e).__name__, e), file=sys.stderr)
				status = 2
			finally:
				os._exit(status)
		ctl.close()


def server_args():
	ap = argparse.ArgumentParser(description="scripted SMTP server")
	ap.add_argument("--script")
	ap.add_argument("--port-file")
	ap.add_argument("--transcript")
	ap.add_argument("--wire")
	ap.add_argument("--log")
	ap.add_argument("--certdir")
	ap.add_argument("--timeout", type=float, default=10.0,
	    help="limit for each read step (default 10 s)")
	ap.add_argument("--accept-timeout", type=float, default=30.0)
	ap.add_argument("--connections", type=int, default=1)
	return ap


def main():
	ap = server_args()
	ap.add_argument("--unescape", action="store_true")
	ap.add_argument("--render", action="store_true")
	ap.add_argument("--serve", action="store_true")
	args = ap.parse_args()

	if args.serve:
		return serve()
	if args.unescape:
		try:
			sys.stdout.buffer.write(unescape(sys.stdin.read()))
		except ScriptError as e:
			print("smtpd.py: %s" % e, file=sys.stderr)
			return 2
		return 0
	if args.render:
		for ln in render(sys.stdin.buffer.read()):
			print(ln)
		return 0
	if not args.script or not args.port_file:
		ap.error("--script and --port-file are required")
	return run_server(args, lambda port:
	    write_atomic(args.port_file, "%d\n" % port))


if __name__ == "__main__":
	sys.exit(main())
