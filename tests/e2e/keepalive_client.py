#!/usr/bin/python3
"""A strict HTTP/1.1 client of ONE keep-alive connection, for the end-to-end
tests (e2e_gate.py runs it in the client namespace): it sends the requests
one at a time, each after the whole response to the one before, and parses
every response itself (no library in between that could mend a bad stream).

  requests  a JSON list (the third argument, else stdin), each {"method", "path", "headers": [[name,
            value], ...], "body": text (optional, sent as UTF-8 with its
            Content-Length), "expect_100": true (optional: the head with
            Expect: 100-continue first, the body only after an interim 100)}
  output    a JSON list on stdout, one per request: {"status", "headers":
            [[name, value], ...] in order, "interim": [1xx statuses], "interim_headers":
            [their header lists], "length", "sha256"} of the decoded body, and
            "text": the body itself (latin-1) when at most TEXT_MAX bytes

A response is framed by the request's method (HEAD: no body), its status
(1xx interim, 204, 304: no body), Transfer-Encoding: chunked (extensions and
trailers allowed) or Content-Length; anything else (a body to the close, a
malformed line, a bad chunk, bytes after a response before the next request
or after the last one, a read past READ_TIMEOUT, the run past RUN_TIMEOUT)
ends the run with a message on stderr and exit status 1.

Usage: keepalive_client.py ADDRESS PORT [REQUESTS_JSON]
"""
import hashlib
import json
import re
import signal
import socket
import sys

READ_TIMEOUT = 10  # seconds, each read
RUN_TIMEOUT = 50  # seconds, the whole run
HEAD_MAX = 65536
TEXT_MAX = 1024
STATUS = re.compile(rb'HTTP/1\.1 ([1-5][0-9][0-9]) [\t -~\x80-\xff]*')
FIELD = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\t -~\x80-\xff]*?)[ \t]*")
CHUNK_SIZE = re.compile(rb'([0-9A-Fa-f]{1,8})[ \t]*(;[\t -~]*)?')


class Bad(Exception):
    pass


class Conn:
    def __init__(self, addr, port):
        self.s = socket.create_connection((addr, port), timeout=READ_TIMEOUT)
        self.s.settimeout(READ_TIMEOUT)
        self.buf = b''

    def fill(self, what):
        try:
            b = self.s.recv(65536)
        except socket.timeout:
            raise Bad('timed out reading %s (%d bytes buffered: %r)' %
                      (what, len(self.buf), self.buf[:200]))
        if not b:
            raise Bad('connection closed reading %s (%d bytes buffered: %r)' %
                      (what, len(self.buf), self.buf[:200]))
        self.buf += b

    def line(self, what):
        """One line ending in CRLF (a bare LF is an error), without it."""
        while True:
            i = self.buf.find(b'\n')
            if i >= 0:
                break
            if len(self.buf) > HEAD_MAX:
                raise Bad('%s: no line end in %d bytes' % (what, len(self.buf)))
            self.fill(what)
        if i == 0 or self.buf[i - 1:i] != b'\r':
            raise Bad('%s: a line not ending in CRLF: %r' % (what, self.buf[:i + 1]))
        ln, self.buf = self.buf[:i - 1], self.buf[i + 1:]
        return ln

    def take(self, n, what):
        while len(self.buf) < n:
            self.fill(what)
        b, self.buf = self.buf[:n], self.buf[n:]
        return b

    def head(self, what):
        """(status, [[name, value], ...]) of one response head."""
        ln = self.line(what + ' status line')
        m = STATUS.fullmatch(ln)
        if m is None:
            raise Bad('%s: not a status line: %r' % (what, ln))
        fields = []
        size = len(ln)
        while True:
            ln = self.line(what + ' header')
            if ln == b'':
                return int(m.group(1)), fields
            size += len(ln) + 2
            if size > HEAD_MAX:
                raise Bad('%s: head over %d bytes' % (what, HEAD_MAX))
            f = FIELD.fullmatch(ln)
            if f is None:
                raise Bad('%s: not a header line: %r' % (what, ln))
            fields.append([f.group(1).decode('latin-1'), f.group(2).decode('latin-1')])


def values(fields, name):
    return [v for k, v in fields if k.lower() == name]


class Digest:
    """sha256 of a body, and its first TEXT_MAX + 1 bytes."""

    def __init__(self):
        self.h = hashlib.sha256()
        self.head = b''

    def update(self, b):
        self.h.update(b)
        if len(self.head) <= TEXT_MAX:
            self.head += b[:TEXT_MAX + 1 - len(self.head)]

    def hexdigest(self):
        return self.h.hexdigest()


def body(c, method, status, fields, what):
    """(length, sha256, its Digest) of the response's decoded body."""
    h = Digest()
    r = body_to(c, method, status, fields, what, h)
    return r + (h,)


def body_to(c, method, status, fields, what, h):
    """(length, sha256) of the body read into h."""
    te = values(fields, 'transfer-encoding')
    cl = values(fields, 'content-length')
    if method == 'HEAD' or status in (204, 304):
        if status in (204, 304) and (te or cl):
            raise Bad('%s: %d with Transfer-Encoding/Content-Length: %s' %
                      (what, status, fields))
        return 0, h.hexdigest()
    if te:
        if cl:
            raise Bad('%s: both Transfer-Encoding and Content-Length: %s' % (what, fields))
        if [v.strip().lower() for v in te] != ['chunked']:
            raise Bad('%s: Transfer-Encoding %s' % (what, te))
        n = 0
        while True:
            ln = c.line(what + ' chunk size')
            m = CHUNK_SIZE.fullmatch(ln)
            if m is None:
                raise Bad('%s: not a chunk size line at body byte %d: %r' % (what, n, ln))
            size = int(m.group(1), 16)
            if size == 0:
                while c.line(what + ' trailer') != b'':
                    pass
                return n, h.hexdigest()
            h.update(c.take(size, what + ' chunk'))
            n += size
            if c.take(2, what + ' chunk end') != b'\r\n':
                raise Bad('%s: chunk of %d not followed by CRLF at body byte %d' %
                          (what, size, n))
    if not cl:
        raise Bad('%s: a body to the close (no Content-Length, not chunked): %s' %
                  (what, fields))
    if len(set(cl)) != 1 or not re.fullmatch(r'[0-9]{1,15}', cl[0]):
        raise Bad('%s: Content-Length %s' % (what, cl))
    n = int(cl[0])
    left = n
    while left:
        if not c.buf:
            c.fill(what + ' body')
        b = c.buf[:left]
        c.buf = c.buf[len(b):]
        h.update(b)
        left -= len(b)
    return n, h.hexdigest()


def exchange(c, i, rq):
    what = 'request %d (%s %s)' % (i, rq['method'], rq['path'])
    data = rq.get('body')
    data = None if data is None else data.encode()
    head = '%s %s HTTP/1.1\r\n' % (rq['method'], rq['path'])
    for k, v in rq.get('headers', []):
        head += '%s: %s\r\n' % (k, v)
    if data is not None:
        head += 'Content-Length: %d\r\n' % len(data)
    if rq.get('expect_100'):
        head += 'Expect: 100-continue\r\n'
    c.s.sendall(head.encode() + b'\r\n')
    if data is not None and not rq.get('expect_100'):
        c.s.sendall(data)
    out = {'interim': [], 'interim_headers': []}
    while True:
        status, fields = c.head(what)
        if 100 <= status < 200:
            if status == 101:
                raise Bad('%s: 101 Switching Protocols' % what)
            out['interim'].append(status)
            out['interim_headers'].append(fields)
            if status == 100 and rq.get('expect_100') and len(out['interim']) == 1:
                c.s.sendall(data)
            continue
        break
    if rq.get('expect_100') and 100 not in out['interim']:
        raise Bad('%s: final %d before any 100 Continue' % (what, status))
    out['length'], out['sha256'], d = body(c, rq['method'], status, fields, what)
    if out['length'] <= TEXT_MAX:
        out['text'] = d.head.decode('latin-1')
    out['status'] = status
    out['headers'] = fields
    if c.buf:
        raise Bad('%s: %d bytes after the response: %r' % (what, len(c.buf), c.buf[:200]))
    return out


def main():
    def alarm(*_):
        print('keepalive_client: the run took over %d s' % RUN_TIMEOUT, file=sys.stderr)
        sys.exit(1)
    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(RUN_TIMEOUT)
    reqs = json.loads(sys.argv[3]) if len(sys.argv) > 3 else json.load(sys.stdin)
    c = Conn(sys.argv[1], int(sys.argv[2]))
    got = []
    try:
        for i, rq in enumerate(reqs):
            got.append(exchange(c, i + 1, rq))
        # Nothing more may come: a moment for stray bytes.
        c.s.settimeout(0.3)
        try:
            b = c.s.recv(65536)
        except socket.timeout:
            b = None
        if b:
            raise Bad('%d bytes after the last response: %r' % (len(b), b[:200]))
        if b == b'':
            raise Bad('the connection closed after the last response')
    except (Bad, OSError) as e:
        print('keepalive_client: %s\nanswered before: %s' % (e, json.dumps(got)),
              file=sys.stderr)
        sys.exit(1)
    c.s.close()
    json.dump(got, sys.stdout)
    print()


if __name__ == '__main__':
    main()
