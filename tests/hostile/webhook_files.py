#!/usr/bin/env python3
"""Non-regular files at every path warmpool-webhook reads (issue 7: a FIFO
at a watched certificate, key, CA or config path blocked the reload in
open(), no reload ever happened again and SIGTERM was ignored).

For each of --tls-cert-file, --tls-key-file, --client-ca-file, --config and
--flags-file, a FIFO, a directory, /dev/zero (through a symlink, as Secret
mounts use them) and a huge sparse file are refused: at startup with an
error naming the flag, promptly; during a reload with a log line, the old
version serving on; and SIGTERM always stops the server within a bound."""
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _webhook import SLOW, Workdir, tls_context, wait_for  # noqa: E402

BIN = os.environ["WP_WEBHOOK_BIN"]
STOP_BOUND = 3.0 * SLOW    # SIGTERM to exit, seconds
START_BOUND = 3.0 * SLOW   # a refused startup file to exit, seconds


class HostileFiles(Workdir):
    def setUp(self):
        super().setUp()
        # --client-ca-file is set: every client shows the client certificate.
        self.ctx = tls_context(self.ca, os.path.join(self.certs, "client.crt"), os.path.join(self.certs, "client.key"))
        self.config = os.path.join(self.work, "rules.yaml")
        with open(self.config, "w") as f:
            f.write("allowedLabelDomains: [sandbox.users.io]\n")
        self.paths = {
            "tls-cert-file": os.path.join(self.certs, "tls.crt"),
            "tls-key-file": os.path.join(self.certs, "tls.key"),
            "client-ca-file": os.path.join(self.certs, "ca.crt"),
            "config": self.config,
        }

    def hostile(self, kind, name):
        """Creates a hostile file of kind at a new path; returns the path
        and the file type the error must name."""
        path = os.path.join(self.work, "%s-%s" % (kind, name))
        if kind == "fifo":
            os.mkfifo(path)
            return path, "not a regular file (a FIFO)"
        if kind == "dir":
            os.mkdir(path)
            return path, "not a regular file (a directory)"
        if kind == "devzero":
            os.symlink("/dev/zero", path)
            return path, "not a regular file (a character device)"
        with open(path, "wb") as f:  # "huge": sparse, 64 GiB
            f.truncate(64 << 30)
        return path, "larger than the 1048576-byte limit"

    def args(self, override=None):
        paths = dict(self.paths)
        if override:
            paths.update(override)
        out = ["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]
        for flag, path in paths.items():
            out += ["--" + flag, path]
        return out

    def test_hostile_files_at_startup_are_refused_naming_the_flag(self):
        for flag in list(self.paths) + ["flags-file"]:
            for kind in ("fifo", "dir", "devzero", "huge"):
                path, why = self.hostile(kind, flag)
                with self.subTest(flag=flag, kind=kind):
                    args = self.args() + ["--flags-file", path] if flag == "flags-file" else self.args({flag: path})
                    start = time.monotonic()
                    proc = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=30)
                    elapsed = time.monotonic() - start
                    self.assertLess(elapsed, START_BOUND)
                    if flag == "flags-file":  # a usage error
                        self.assertEqual(proc.returncode, 2, proc.stderr)
                        self.assertIn("%s: " % path, proc.stderr)
                    else:
                        self.assertEqual(proc.returncode, 1, proc.stderr)
                        self.assertIn("--%s %s: " % (flag, path), proc.stderr)
                    self.assertIn(why, proc.stderr)

    def test_certs_refuses_a_hostile_existing_ca(self):
        for name in ("ca.crt", "ca.key"):
            for kind in ("fifo", "devzero", "dir"):
                with self.subTest(name=name, kind=kind):
                    out = os.path.join(self.work, "certs-%s-%s" % (name, kind))
                    subprocess.run([BIN, "certs", "--out-dir", out, "--dns-name", "x"], check=True,
                                   capture_output=True)
                    target = os.path.join(out, name)
                    os.remove(target)
                    hostile, why = self.hostile(kind, "certs-%s" % name)
                    os.rename(hostile, target)
                    start = time.monotonic()
                    p = subprocess.run([BIN, "certs", "--out-dir", out, "--dns-name", "x"], capture_output=True,
                                       text=True, timeout=30)
                    self.assertLess(time.monotonic() - start, START_BOUND)
                    self.assertEqual(p.returncode, 1, p.stderr)
                    self.assertIn("%s: %s" % (target, why), p.stderr)

    def test_hostile_files_swapped_in_are_refused_and_sigterm_still_works(self):
        for flag in self.paths:
            for kind in ("fifo", "devzero", "dir"):
                with self.subTest(flag=flag, kind=kind):
                    self.swap_in_and_stop(flag, kind)

    def swap_in_and_stop(self, flag, kind):
        # Each run gets its own copies, replaced in place by the hostile file.
        run = os.path.join(self.work, "run-%s-%s" % (flag, kind))
        os.mkdir(run)
        own = {f: shutil.copy(p, os.path.join(run, os.path.basename(p))) for f, p in self.paths.items()}
        saved, self.paths = self.paths, own
        try:
            server = self.start(*self.args()[4:])
        finally:
            self.paths = saved
        target = own[flag]
        hostile, why = self.hostile(kind, "swap-%s" % flag)
        if kind == "dir":  # rename cannot put a directory over a file
            os.remove(target)
        os.rename(hostile, target)
        logged = wait_for(lambda: any(why in e.get("error", "") and ("--%s %s" % (flag, target)) in e["error"]
                                      for e in server.log_lines()
                                      if e["msg"] == "cannot read a watched file; keeping the current version"),
                          timeout=3 * SLOW)
        self.assertTrue(logged, server.log_text()[-2000:])
        self.assert_serving(server)
        start = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=30)
        elapsed = time.monotonic() - start
        server.log.close()
        self.assertEqual(code, 0, server.log_text()[-3000:])
        self.assertLess(elapsed, STOP_BOUND)


if __name__ == "__main__":
    unittest.main()
