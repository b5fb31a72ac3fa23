#!/usr/bin/env python3
"""A registry front that never sends Docker-Content-Digest (some proxies
strip it), so the resolver must GET and hash the manifest. ARGV[1]: port
file; ARGV[2]: the manifest body file; ARGV[3]: request log.
/v2/big/manifests/* answers a body larger than 64 KiB; /v2/nohead/* refuses
HEAD with 405."""
import os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

BODY = open(sys.argv[2], "rb").read()


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, send_body):
        with open(sys.argv[3], "a") as f:
            f.write(f"{self.command} {self.path} {self.headers.get('Accept', '')}\n")
        body = b"x" * (1 << 20) if self.path.startswith("/v2/big/") else BODY
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_HEAD(self):
        if self.path.startswith("/v2/nohead/"):  # a front that refuses HEAD
            with open(sys.argv[3], "a") as f:
                f.write(f"{self.command} {self.path}\n")
            self.send_response(405)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.answer(False)

    def do_GET(self):
        self.answer(True)


srv = HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
