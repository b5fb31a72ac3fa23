#!/usr/bin/env python3
"""Command-line conventions of warmpool-webhook and `certs` (issue 7): -h,
--help, version and --version; usage errors exit 2 before any side effect;
flag errors name the flag and the unit; a missing certificate names its
flag; --listen equal to --metrics-listen is a usage error; "did you mean"
for mistyped commands and flags; text logs never print null."""
import os
import subprocess
import tempfile
import shutil
import unittest

BIN = os.environ["WP_WEBHOOK_BIN"]


def run(*args, timeout=10):
    return subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=timeout)


class Usage(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="wp-webhook-usage-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def test_help_and_version_everywhere(self):
        for args in (["-h"], ["--help"], ["certs", "-h"], ["certs", "--help"]):
            with self.subTest(args):
                p = run(*args)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertTrue(p.stdout.startswith("Usage: warmpool-webhook"), p.stdout)
        for args in (["version"], ["--version"], ["certs", "--version"]):
            with self.subTest(args):
                p = run(*args)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertRegex(p.stdout, r"^warmpool-webhook \d+\.\d+\.\d+\n$")
        p = run("--help")
        self.assertIn("--handshake-timeout DURATION", p.stdout)
        self.assertIn("DURATION: a number with a unit: ms, s, m or h", p.stdout)

    def test_usage_errors_exit_2_before_writing_anything(self):
        out = os.path.join(self.work, "certs")
        cases = {
            ("--ip", "999.1.1.1"): '--ip: invalid IP address "999.1.1.1"',
            ("--dns-name", "ok.example", "--ip", "10.0.0.1", "--ip", "1.2.3"): '--ip: invalid IP address "1.2.3"',
            ("--dns-name", "Bad_Name"): '--dns-name: invalid DNS name "Bad_Name"',
            ("--dns-nam", "x"): "unknown flag --dns-nam (did you mean --dns-name?)",
            ("--dns-name", "x", "--days", "0"): "--days: 0 is out of range: give a whole number from 1 to 36500",
            ("--dns-name", "x", "stray"): 'unexpected argument "stray"',
        }
        for args, message in cases.items():
            with self.subTest(args):
                p = run("certs", "--out-dir", out, *args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(message, p.stderr)
                self.assertFalse(os.path.exists(out), "a usage error wrote files")

    def test_flag_errors_name_the_flag_and_the_unit(self):
        cases = {
            ("--read-timeout", "0"): "--read-timeout: 0 (0ms) is out of range: give a duration from 1ms to 1h "
                                     "(units ms, s, m, h; a bare number means seconds)",
            ("--handshake-timeout", "5 s"): '--handshake-timeout: invalid value "5 s": expected a duration like '
                                            "250ms, 10s, 2m or 1h",
            ("--max-body-bytes", "0"): "--max-body-bytes: 0 (0 bytes) is out of range: give a size from 1 to "
                                       "1073741824 bytes",
            ("--listn", ":1"): "unknown flag --listn (did you mean --listen?)",
            ("-listen", ":1"): "unknown flag -listen (flags start with two dashes: --listen)",
            ("cert",): 'unknown command "cert" (did you mean certs?)',
            ("listen", ":1"): 'unknown command "listen" (did you mean --listen?)',
            ("--tls-cert-file", "a", "--tls-key-file", "b", "--listen", "127.0.0.1:9443",
             "--metrics-listen", ":9443"): "--listen (127.0.0.1:9443) and --metrics-listen (:9443) use the same "
                                           "port 9443: give them different ports",
        }
        for args, message in cases.items():
            with self.subTest(args):
                p = run(*args)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(message, p.stderr)

    def test_missing_certificate_names_its_flag_and_text_logs_never_say_null(self):
        for flag in ("--tls-cert-file", "--tls-key-file"):
            with self.subTest(flag):
                paths = {"--tls-cert-file": os.path.join(self.work, "tls.crt"),
                         "--tls-key-file": os.path.join(self.work, "tls.key")}
                args = []
                for f, path in paths.items():
                    args += [f, path]
                if flag == "--tls-key-file":  # the certificate exists, the key does not
                    subprocess.run([BIN, "certs", "--out-dir", self.work, "--dns-name", "x"], check=True,
                                   capture_output=True)
                    os.remove(paths["--tls-key-file"])
                p = run(*args, "--listen", "127.0.0.1:0", "--metrics-listen", "", "--log-format", "text")
                self.assertEqual(p.returncode, 1, p.stderr)
                self.assertIn('error="%s %s: No such file or directory"' % (flag, paths[flag]), p.stderr)
                self.assertNotIn("null", p.stderr)


if __name__ == "__main__":
    unittest.main()
