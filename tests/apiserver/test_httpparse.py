"""The fast request parser (kapi/httpparse.py) against what the standard
library's email-based parser makes of the same header block, on typical
client headers, edge cases and random bytes."""
import http.client
import io
import random
import unittest

import testlib  # noqa: F401  (puts kapi on the path)
from kapi import httpparse


def parse_both(block):
    ours = httpparse.parse_header_lines(httpparse.read_header_lines(io.BytesIO(block)))
    theirs = http.client.parse_headers(io.BytesIO(block))
    return ours, theirs


class HeaderParsing(unittest.TestCase):
    def test_typical_client_headers(self):
        block = (b"Host: 127.0.0.1:6443\r\nUser-Agent: kubectl/v1.32.0\r\n"
                 b"Accept: application/json;as=Table;v=v1;g=meta.k8s.io, application/json\r\n"
                 b"Authorization: Bearer abc\r\ncontent-type: application/merge-patch+json\r\n"
                 b"Content-Length: 12\r\nX-Dup: one\r\nx-dup: two\r\n\r\nBODY")
        ours, theirs = parse_both(block)
        for name in ("host", "USER-AGENT", "Accept", "authorization", "Content-Type",
                     "content-length", "X-Dup", "Missing"):
            self.assertEqual(ours.get(name), theirs.get(name), name)
            self.assertEqual(name in ours, name in theirs, name)
        self.assertEqual(ours.get_all("x-dup"), ["one", "two"])
        self.assertEqual(ours.get_all("nope"), None)
        self.assertEqual(ours.items(), theirs.items())
        self.assertEqual(ours.get("Missing", "d"), "d")

    def test_folding_and_odd_lines(self):
        block = b"A: one\r\n  two\r\nno colon here\r\nB:\tspaced \r\nC:\r\n\r\n"
        ours, theirs = parse_both(block)
        self.assertEqual(ours.get("A"), "one two")
        self.assertEqual(ours.get("B"), "spaced")
        self.assertEqual(ours.get("C"), "")
        self.assertEqual(ours.get("no colon here"), None)

    def test_limits_are_the_standard_ones(self):
        with self.assertRaises(http.client.LineTooLong):
            httpparse.read_header_lines(io.BytesIO(b"A: " + b"x" * 70000 + b"\r\n\r\n"))
        with self.assertRaises(http.client.HTTPException):
            httpparse.read_header_lines(io.BytesIO(b"A: b\r\n" * 101 + b"\r\n"))

    def test_random_bytes_never_break_it(self):
        rnd = random.Random(11)
        alphabet = b"ab:\r\n \t\x00\xff-Content-Length"
        for _ in range(2000):
            block = bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(60))) + b"\r\n\r\n"
            try:
                lines = httpparse.read_header_lines(io.BytesIO(block))
            except http.client.HTTPException:
                continue
            headers = httpparse.parse_header_lines(lines)
            for name, value in headers.items():
                self.assertEqual(headers.get(name), headers.get_all(name)[0])
                self.assertIsInstance(value, str)


class Targets(unittest.TestCase):
    def test_split(self):
        for target in ("/api/v1/pods", "/api/v1/pods?watch=1&labelSelector=a%3Db",
                       "/x?", "/a?b?c", "http://h/p?q=1", "*"):
            ours = httpparse.split_target(target)
            std = __import__("urllib.parse").parse.urlsplit(target)
            self.assertEqual((ours.path, ours.query), (std.path, std.query), target)


if __name__ == "__main__":
    unittest.main()
