#!/usr/bin/python3
"""A backend for the HTTP end-to-end tests (e2e_http.py), HTTP/1.1 with
keep-alive, bound to one address:

  GET  /who          the backend's name
  GET  /echo         the request's method, path and headers as JSON
  GET  /bytes/N      N deterministic bytes (sha256 known to the test)
  POST/PUT anything  {"name", "length", "sha256"} of the body read (Content-Length
                     or chunked); 100-continue answered by the server class
  HEAD               as GET, without the body

Every request line is appended to the log file (one line each), so a test can
prove what never reached the backend.

Usage: http_backend.py ADDRESS PORT NAME LOGFILE
"""
import hashlib
import http.server
import json
import socket
import socketserver
import sys

ADDR, PORT, NAME, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
CHUNK = bytes(range(256)) * 256  # 64 KiB


def pattern(n):
    """n bytes of the repeating 0..255 pattern."""
    full, rest = divmod(n, len(CHUNK))
    for _ in range(full):
        yield CHUNK
    if rest:
        yield CHUNK[:rest]


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def log_request(self, code='-', size='-'):
        with open(LOG, 'a') as f:
            f.write('%s %s\n' % (self.requestline, code))

    def reply(self, body, ctype='application/json', length=None, head=False):
        self.send_response(200)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body) if length is None else length))
        self.end_headers()
        if head:
            return
        if isinstance(body, bytes):
            self.wfile.write(body)
        else:
            for c in body:
                self.wfile.write(c)

    def get(self, head):
        if self.path == '/who':
            return self.reply(NAME.encode(), 'text/plain', head=head)
        if self.path.startswith('/bytes/'):
            n = int(self.path[7:])
            return self.reply(pattern(n), 'application/octet-stream', n, head)
        body = json.dumps({'name': NAME, 'method': self.command, 'path': self.path,
                           'headers': [[k, v] for k, v in self.headers.items()]}).encode()
        return self.reply(body, head=head)

    def do_GET(self):
        self.get(False)

    def do_HEAD(self):
        self.get(True)

    def body(self):
        h = hashlib.sha256()
        n = 0
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    break
                left = size
                while left:
                    b = self.rfile.read(min(left, 65536))
                    h.update(b)
                    n += len(b)
                    left -= len(b)
                self.rfile.readline()
        else:
            left = int(self.headers.get('Content-Length', '0'))
            while left:
                b = self.rfile.read(min(left, 65536))
                if not b:
                    break
                h.update(b)
                n += len(b)
                left -= len(b)
        return n, h.hexdigest()

    def do_POST(self):
        n, digest = self.body()
        self.reply(json.dumps({'name': NAME, 'length': n, 'sha256': digest}).encode())

    do_PUT = do_POST


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == '__main__':
    if ':' in ADDR:
        S.address_family = socket.AF_INET6
    S((ADDR, PORT), H).serve_forever()
