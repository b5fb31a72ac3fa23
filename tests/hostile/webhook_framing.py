#!/usr/bin/env python3
"""Request framing that could be read two ways, or not at all (issue 7:
Content-Length >= 2^63 was read as negative and not refused; two different
Content-Length headers were accepted). Each is answered at once (well under
the read timeout) with 400 or 413 and the connection closed, and the server
keeps serving."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _webhook import SLOW, Workdir, connect, read_response  # noqa: E402

HEAD = b"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"

# name: (headers, status, our Status message or None when libmicrohttpd answers)
CASES = {
    "length 2^63": (b"Content-Length: 9223372036854775808\r\n", 413, "request body too large"),
    "length 2^63-1": (b"Content-Length: 9223372036854775807\r\n", 413, "request body too large"),
    "length 2^64": (b"Content-Length: 18446744073709551616\r\n", 413, None),
    "length of 100 digits": (b"Content-Length: " + b"9" * 100 + b"\r\n", 413, None),
    "two different lengths": (b"Content-Length: 2\r\nContent-Length: 3\r\n", 400,
                              "conflicting Content-Length headers"),
    "three lengths, one differs": (b"Content-Length: 2\r\nContent-Length: 2\r\nContent-Length: 20\r\n", 400,
                                   "conflicting Content-Length headers"),
    "length list": (b"Content-Length: 2, 2\r\n", 400, None),
    "negative length": (b"Content-Length: -1\r\n", 400, None),
    "signed length": (b"Content-Length: +2\r\n", 400, None),
    "hex length": (b"Content-Length: 0x2\r\n", 400, None),
    "length and chunked": (b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", 400, None),
    "chunked and length": (b"Transfer-Encoding: chunked\r\nContent-Length: 2\r\n", 400, None),
    "gzip encoding": (b"Transfer-Encoding: gzip\r\n", 400,
                      "unsupported Transfer-Encoding; only chunked is accepted"),
    "chunked twice in one header": (b"Transfer-Encoding: chunked, chunked\r\n", 400,
                                    "unsupported Transfer-Encoding; only chunked is accepted"),
    "two encoding headers": (b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400, None),
    "space before the colon": (b"Content-Length : 2\r\n", 400,
                               "malformed header name (whitespace before the colon)"),
}


class Framing(Workdir):
    def test_ambiguous_framing_is_refused_at_once(self):
        server = self.start("--read-timeout", "10s")
        for name, (headers, status, message) in CASES.items():
            with self.subTest(name):
                with connect(server, self.ctx) as s:
                    start = time.monotonic()
                    s.sendall(HEAD + headers + b"\r\n{}")
                    got, resp_headers, body = read_response(s)
                    self.assertLess(time.monotonic() - start, 1.0 * SLOW)
                    self.assertEqual(got, status, body)
                    self.assertEqual(resp_headers.get("connection"), "close")
                    if message:
                        status_obj = json.loads(body)
                        self.assertEqual(status_obj["message"], message)
                        self.assertEqual(status_obj["code"], status)
                        self.assertEqual(s.recv(10), b"")  # closed
        self.assert_serving(server)

    def test_repeated_identical_lengths_are_one_length(self):
        server = self.start()
        with connect(server, self.ctx) as s:
            s.sendall(HEAD + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}")
            status, _, body = read_response(s)
        self.assertEqual(status, 400)  # the body {} itself is no AdmissionReview
        self.assertEqual(json.loads(body)["message"],
                         'request body is not an AdmissionReview: kind must be "AdmissionReview"')


if __name__ == "__main__":
    unittest.main()
