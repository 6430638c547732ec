#!/usr/bin/python3
# smarthost.py -- a real SMTP submission server for tests, the demo and the
# benchmark, built on aiosmtpd (Debian's python3-aiosmtpd).
#
# Run it with /usr/bin/python3 (Debian's, which has aiosmtpd), never with
# whatever python3 comes first on PATH.
#
#   smarthost.py --maildir DIR [--port-file FILE] [--tls-port-file FILE]
#                [--cert PEM --key PEM] [--require-starttls]
#                [--user NAME --password SECRET] [--auth-required]
#                [--auth-allow-plaintext] [--size-limit BYTES] [--discard]
#                [--log FILE] [--host 127.0.0.1]
#                [--smtputf8] [--no-8bitmime] [--timeout SECONDS]
#
# Listeners (each on a port chosen by the kernel, port 0):
#   --port-file FILE      plain SMTP; offers STARTTLS when --cert/--key are
#                         given (--require-starttls: refuse mail before TLS)
#   --tls-port-file FILE  implicit TLS ("port 465" style); needs --cert/--key
# Once a listener is up its port number is written to its file (atomically:
# written to FILE.tmp, then renamed), so a caller can wait for the file.
#
# AUTH (PLAIN and LOGIN, aiosmtpd's built-in mechanisms) is offered when
# --user is given and accepts exactly that user and password.  As in
# aiosmtpd, AUTH is only offered over TLS unless --auth-allow-plaintext.
# --auth-required refuses MAIL before a successful AUTH (530).
#
# Every accepted message N (1, 2, ...) is stored in --maildir as
#   N.json  the envelope and session: mail_from, mail_options, rcpt_tos,
#           rcpt_options, helo, peer, listener, tls {version, cipher} or
#           null, auth {used, mechanism, login}, size
#   N.eml   the message exactly as received: aiosmtpd's
#           envelope.original_content, i.e. the DATA bytes with CRLF line
#           ends, dot-unstuffed, with nothing added (no Received/X-Peer).
# N.json is written first and N.eml last, each atomically, both before the
# 250 reply goes out: when the client has its 250, both files exist.
# --discard stores nothing (for the benchmark).
#
# Extensions (both optional; by default 8BITMIME is offered and SMTPUTF8
# is not, as aiosmtpd does):
#   --smtputf8     offer SMTPUTF8 (aiosmtpd enable_SMTPUTF8=True): UTF-8
#                  addresses in MAIL/RCPT, the SMTPUTF8 MAIL parameter
#   --no-8bitmime  do not offer 8BITMIME, and refuse MAIL with
#                  BODY=8BITMIME (555 5.5.4) as a server without it would
#
# --timeout SECONDS (default 60) is aiosmtpd's session timeout: the time
# allowed for each command, the whole of DATA included (raise it for very
# large messages, and leave out --log then: it logs every line of DATA).
#
# The server runs until it gets SIGTERM or SIGINT (stop it by its PID).
# The password can also come from the environment variable
# SMARTHOST_PASSWORD instead of --password.

import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import types
import warnings

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError as e:  # pragma: no cover
    sys.stderr.write("smarthost.py: cannot import aiosmtpd (%s); install "
                     "python3-aiosmtpd and run with /usr/bin/python3\n" % e)
    sys.exit(2)

HOSTNAME = "smarthost.test"


def write_atomic(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, path)


def tls_info(transport):
    if transport is None:
        return None
    obj = transport.get_extra_info("ssl_object")
    if obj is None:
        return None
    cipher = obj.cipher()
    return {"version": obj.version(),
            "cipher": cipher[0] if cipher else None}


class Handler:
    """Stores each message; shared by all listeners of the process."""

    def __init__(self, maildir, discard):
        self.maildir = maildir
        self.discard = discard
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        n = self.count
        if self.discard:
            return "250 2.0.0 OK %d" % n
        auth = session.auth_data if session.authenticated else None
        meta = {
            "n": n,
            "listener": getattr(server, "listener_kind", None),
            "peer": list(session.peer) if session.peer else None,
            "helo": session.host_name,
            "tls": tls_info(server.transport),
            "auth": {
                "used": bool(session.authenticated),
                "mechanism": getattr(auth, "mechanism", None),
                "login": getattr(auth, "login", None),
            },
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "rcpt_options": envelope.rcpt_options,
            "smtp_utf8": envelope.smtp_utf8,
            "size": len(envelope.original_content),
        }
        base = os.path.join(self.maildir, str(n))
        write_atomic(base + ".json",
                     (json.dumps(meta, indent=1, sort_keys=True) + "\n")
                     .encode())
        write_atomic(base + ".eml", envelope.original_content)
        return "250 2.0.0 OK %d" % n


class No8BitHandler(Handler):
    """Handler for --no-8bitmime: drops 8BITMIME from the EHLO reply and
    refuses BODY=8BITMIME (aiosmtpd itself would accept it)."""

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        session.host_name = hostname
        return [r for r in responses if r[4:].upper() != "8BITMIME"]

    async def handle_MAIL(self, server, session, envelope, address,
                          mail_options):
        if any(o.upper() == "BODY=8BITMIME" for o in mail_options):
            return "555 5.5.4 BODY=8BITMIME not offered"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


class Authenticator:
    """Accepts one user and password; remembers the mechanism used."""

    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        if auth_data.login == self.user and \
                auth_data.password == self.password:
            data = types.SimpleNamespace(
                mechanism=mechanism,
                login=auth_data.login.decode("utf-8", "replace"))
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)


def parse_args(argv):
    p = argparse.ArgumentParser(description="aiosmtpd test smarthost")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--maildir")
    p.add_argument("--port-file")
    p.add_argument("--tls-port-file")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--require-starttls", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--auth-required", action="store_true")
    p.add_argument("--auth-allow-plaintext", action="store_true")
    p.add_argument("--size-limit", type=int, default=64 * 1024 * 1024,
                   help="SIZE to announce and enforce; 0: no limit")
    p.add_argument("--discard", action="store_true")
    p.add_argument("--timeout", type=float, default=60,
                   help="session timeout (seconds per command, DATA "
                   "included)")
    p.add_argument("--smtputf8", action="store_true",
                   help="offer SMTPUTF8")
    p.add_argument("--no-8bitmime", action="store_true",
                   help="do not offer 8BITMIME; refuse BODY=8BITMIME")
    p.add_argument("--log")
    a = p.parse_args(argv)
    if not a.port_file and not a.tls_port_file:
        p.error("need --port-file and/or --tls-port-file")
    if bool(a.cert) != bool(a.key):
        p.error("--cert and --key go together")
    if a.tls_port_file and not a.cert:
        p.error("--tls-port-file needs --cert and --key")
    if a.require_starttls and not a.cert:
        p.error("--require-starttls needs --cert and --key")
    if not a.discard and not a.maildir:
        p.error("need --maildir (or --discard)")
    if a.password is None:
        a.password = os.environ.get("SMARTHOST_PASSWORD")
    if a.user and a.password is None:
        p.error("--user needs --password or SMARTHOST_PASSWORD")
    if a.auth_required and not a.user:
        p.error("--auth-required needs --user")
    return a


def make_factory(a, handler, kind, tls_context):
    authenticator = Authenticator(a.user, a.password) if a.user else None

    def factory():
        kw = dict(hostname=HOSTNAME,
                  data_size_limit=a.size_limit,
                  timeout=a.timeout)
        if a.smtputf8:
            kw["enable_SMTPUTF8"] = True
        if kind == "starttls":
            kw["tls_context"] = tls_context
            kw["require_starttls"] = a.require_starttls
        if authenticator:
            kw["authenticator"] = authenticator
            kw["auth_required"] = a.auth_required
            # On the implicit-TLS listener aiosmtpd cannot see the TLS
            # (it was set up by the event loop, not by STARTTLS).
            kw["auth_require_tls"] = not (a.auth_allow_plaintext or
                                          kind == "implicit")
        else:
            kw["auth_require_tls"] = False
        smtp = SMTP(handler, **kw)
        smtp.listener_kind = kind
        return smtp
    return factory


async def serve(a):
    loop = asyncio.get_running_loop()
    handler = (No8BitHandler if a.no_8bitmime else Handler)(a.maildir,
                                                           a.discard)
    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    servers = []
    plain_kind = "starttls" if ctx else "plain"
    if a.port_file:
        srv = await loop.create_server(
            make_factory(a, handler, plain_kind, ctx), a.host, 0)
        servers.append((srv, a.port_file))
    if a.tls_port_file:
        srv = await loop.create_server(
            make_factory(a, handler, "implicit", ctx), a.host, 0, ssl=ctx)
        servers.append((srv, a.tls_port_file))
    for srv, path in servers:
        port = srv.sockets[0].getsockname()[1]
        write_atomic(path, b"%d\n" % port)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or
                                stop.set_result(None))
    await stop
    for srv, _ in servers:
        srv.close()


def main(argv):
    a = parse_args(argv)
    if a.maildir:
        os.makedirs(a.maildir, exist_ok=True)
    if a.log:
        logging.basicConfig(filename=a.log, level=logging.DEBUG,
                            format="%(asctime)s %(name)s %(message)s")
    else:
        logging.basicConfig(level=logging.WARNING,
                            format="smarthost.py: %(message)s")
        # aiosmtpd's own deprecation notices and its warning about AUTH
        # without (STARTTLS-)TLS on the implicit-TLS listener are noise here.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="aiosmtpd")
    warnings.filterwarnings("ignore", message="Requiring AUTH")
    asyncio.run(serve(a))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
