#!/usr/bin/env python3
"""A loopback HTTP proxy for one run of the real tier: it pins the Debian mirror and caches
its downloads, and tunnels everything else untouched.

  proxy.py DIR PORT      serve on 127.0.0.1:PORT, cache under DIR (one directory per run)

Builds get it as Docker's predefined `http_proxy` build argument (`tests/real/engine.rs`,
`images.sh`), which BuildKit keeps out of the image's config and history and out of the
cache key, so the images are the ones a direct download builds.

Why: (1) the mirror is live. bookworm-security/-updates are republished several times a day;
a safe fix that moves `apt-get update` runs it later than the original did, and if the mirror
changed in between the two images' apt lists differ (see mirror.rs). Here the FIRST answer
for a URL is kept for the whole run, so every `apt-get update` of a run sees the same
InRelease (and the by-hash indexes it names). (2) the same .debs are fetched by the original
build, the baseline, the fix and the multistage build of an app: once from the mirror, then
from disk. (3) a mirror hiccup is retried here, per file, instead of failing a whole build.

Only plain-http GET/HEAD (the Debian mirror) is cached, and only 200 answers. HTTPS (PyPI,
npm, crates.io) cannot be cached without breaking TLS: CONNECT is a byte tunnel.
"""
import hashlib
import http.server
import os
import select
import shutil
import socket
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

DIR = sys.argv[1]
PORT = int(sys.argv[2])
TRIES = 4
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
LOCKS = {}
LOCKS_LOCK = threading.Lock()


def log(msg):
    sys.stderr.write("proxy: %s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def lock_for(key):
    with LOCKS_LOCK:
        return LOCKS.setdefault(key, threading.Lock())


def fetch(url, path):
    """Downloads url into path (atomically); returns None, or (status, reason) on failure."""
    last = None
    for i in range(TRIES):
        try:
            with DIRECT.open(urllib.request.Request(url, headers={"User-Agent": "dockopt-real-proxy"}), timeout=60) as r:
                fd, tmp = tempfile.mkstemp(dir=DIR)
                with os.fdopen(fd, "wb") as f:
                    shutil.copyfileobj(r, f, 1 << 20)
                ctype = r.headers.get("Content-Type", "application/octet-stream")
            os.replace(tmp, path)
            with open(path + ".type", "w") as f:
                f.write(ctype)
            return None
        except urllib.error.HTTPError as e:
            # A definite answer (404 after a republication, 403): not retried, not cached.
            if e.code < 500:
                return (e.code, e.reason)
            last = (e.code, str(e.reason))
        except Exception as e:  # network trouble: retried
            last = (502, "%s: %s" % (type(e).__name__, e))
        log("attempt %d of %s failed: %s" % (i + 1, url, last[1]))
        time.sleep(2 * (i + 1))
    return last


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        try:
            up = socket.create_connection((host, int(port)), timeout=30)
        except Exception as e:
            self.send_error(502, "cannot reach %s: %s" % (self.path, e))
            return
        self.send_response(200, "Connection established")
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True
        up.settimeout(None)
        self.connection.settimeout(None)
        socks = [self.connection, up]
        try:
            while True:
                r, _, x = select.select(socks, [], socks, 300)
                if x or not r:
                    break
                for s in r:
                    data = s.recv(1 << 16)
                    if not data:
                        return
                    (up if s is self.connection else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            up.close()

    def do_HEAD(self):
        self.do_GET(body=False)

    def do_GET(self, body=True):
        url = self.path
        if not url.startswith("http://"):
            self.send_error(400, "not a proxy request: %s" % url)
            return
        path = os.path.join(DIR, hashlib.sha256(url.encode()).hexdigest())
        with lock_for(path):
            if not os.path.exists(path):
                err = fetch(url, path)
                if err:
                    self.send_error(err[0], err[1])
                    return
        with open(path + ".type") as f:
            ctype = f.read()
        size = os.path.getsize(path)
        # Conditional and range headers are ignored: a full 200 is always a valid answer.
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        if body:
            with open(path, "rb") as f:
                shutil.copyfileobj(f, self.wfile, 1 << 20)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


os.makedirs(DIR, exist_ok=True)
srv = Server(("127.0.0.1", PORT), Handler)
log("serving on 127.0.0.1:%d, cache %s" % (PORT, DIR))
srv.serve_forever()
