#!/usr/bin/python3
"""A backend for the HTTP end-to-end tests (e2e_http.py), HTTP/1.1 with
keep-alive, bound to one address:

  GET  /who          the backend's name
  GET  /echo         the request's method, path and headers as JSON
  GET  /bytes/N      N deterministic bytes (sha256 known to the test)
  GET  /chunked/N    N bytes (N >= 4096 + 101 + len(FAKE_HEAD)) with Transfer-Encoding:
                     chunked, in chunks of 1, 100, len(FAKE_HEAD), 4096 bytes, then
                     the rest in chunks of at most 64 KiB: the bytes of /bytes/N
                     except [101, 101 + len(FAKE_HEAD)), which hold FAKE_HEAD (a
                     response head: a tracker out of step with the chunks would
                     take it for the next response); chunked_body(N) is the body
  GET  /status/204   a 204, GET /status/304 a 304: no body, no Content-Length
  GET  /own-ratelimit?r=N&t=T  a 200 carrying the backend's own RateLimit fields:
                     RateLimit-Policy: "backend";q=1000;w=60, then X-Between: 1,
                     then RateLimit: "backend";r=N;t=T; body b'own'
  POST/PUT anything  {"name", "length", "sha256"} of the body read (Content-Length
                     or chunked); Expect: 100-continue answered with an interim
                     100 Continue by the server class (handle_expect_100)
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
import urllib.parse

ADDR, PORT, NAME, LOG = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
CHUNK = bytes(range(256)) * 256  # 64 KiB
FAKE_HEAD = b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n'


def pattern(n):
    """n bytes of the repeating 0..255 pattern."""
    full, rest = divmod(n, len(CHUNK))
    for _ in range(full):
        yield CHUNK
    if rest:
        yield CHUNK[:rest]


def chunked_body(n):
    """The body of GET /chunked/N: /bytes/N's with FAKE_HEAD at offset 101."""
    b = bytearray(b''.join(pattern(n)))
    b[101:101 + len(FAKE_HEAD)] = FAKE_HEAD
    return bytes(b)


def chunked_sizes(n):
    """The chunk sizes of GET /chunked/N, in order."""
    sizes = [1, 100, len(FAKE_HEAD), 4096]
    left = n - sum(sizes)
    while left > 0:
        sizes.append(min(left, 65536))
        left -= sizes[-1]
    return sizes


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
        if self.path.startswith('/chunked/'):
            return self.chunked(int(self.path[9:]), head)
        if self.path in ('/status/204', '/status/304'):
            self.send_response(int(self.path[8:]))
            self.end_headers()
            return
        if self.path.startswith('/own-ratelimit?'):
            q = urllib.parse.parse_qs(self.path.partition('?')[2])
            body = b'own'
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('RateLimit-Policy', '"backend";q=1000;w=60')
            self.send_header('X-Between', '1')
            self.send_header('RateLimit', '"backend";r=%d;t=%d' % (int(q['r'][0]),
                                                                   int(q['t'][0])))
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)
            return
        body = json.dumps({'name': NAME, 'method': self.command, 'path': self.path,
                           'headers': [[k, v] for k, v in self.headers.items()]}).encode()
        return self.reply(body, head=head)

    def chunked(self, n, head):
        body = chunked_body(n)
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Transfer-Encoding', 'chunked')
        self.end_headers()
        if head:
            return
        off = 0
        for size in chunked_sizes(n):
            # The size line, the data and its CRLF in separate writes.
            self.wfile.write(b'%x\r\n' % size)
            self.wfile.write(body[off:off + size])
            self.wfile.write(b'\r\n')
            off += size
        self.wfile.write(b'0\r\n\r\n')

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
