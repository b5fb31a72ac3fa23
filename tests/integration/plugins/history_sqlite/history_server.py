#!/usr/bin/env python3
"""Stands in for the controller's GET /history until it serves one: answers
/history with the records in ARGV[2] (a JSON file) and writes each request
path to ARGV[3]; anything else is 404. Port written to ARGV[1]."""
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class H(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        with open(sys.argv[3], "a") as f:
            f.write(self.path + "\n")
        if not self.path.startswith("/history"):
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b"not found")
            return
        body = open(sys.argv[2], "rb").read()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


srv = HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
