#!/usr/bin/python3
"""tests/lib/oauth/token_endpoint.py -- a scripted OAuth2 token endpoint
for tests/oauth-config.sh: HTTPS on 127.0.0.1 (port 0), each POST
answered with the status and body in ANSWER-FILE (first line the status,
the rest the body), read at each request so a test can change it.  Each
request's form is appended to LOG as one line of its keys and
grant_type (never the values of secrets).

token_endpoint.py CERT KEY ANSWER-FILE PORT-FILE LOG
"""
import http.server
import ssl
import sys
import urllib.parse

CERT, KEY, ANSWER, PORT_FILE, LOG = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        with open(LOG, "a") as f:
            f.write("%s %s keys=%s\n" % (
                self.path, form.get("grant_type", ["-"])[0],
                ",".join(sorted(form))))
        with open(ANSWER, "rb") as f:
            status, _, body = f.read().partition(b"\n")
        self.send_response(int(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PORT_FILE, "w") as f:
    f.write("%d\n" % srv.server_address[1])
srv.serve_forever()
