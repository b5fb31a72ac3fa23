"""Replays the requests a real kube-apiserver v1.26 answered (the shared
reference answers.json: 51 requests with the CRDs of charts/warmpool/crds
installed) against the test API server and compares code, Warning header and
the whole body. The file is read from the shared reference folder, never
copied into the repository; the test is skipped when it is not there.

Placeholders in the recorded answers ("<uid>", "<resourceVersion>", ...)
match any value, but the key must be there. Two more values are volatile by
nature and normalised on both sides: the 5 random characters a generateName
gets, and the random suffix of the service-account token volume
(kube-api-access-xxxxx) the ServiceAccount admission plugin adds to pods.

Run as a program (python3 test_reference_answers.py) to print each case's
difference and the count of exact matches."""
import json
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fixture  # noqa: E402

_PLACEHOLDER = re.compile(r"^<[A-Za-z]+>$")
_REPEATED = re.compile(r"<the letter (.) repeated (\d+) times>")
_TOKEN_VOLUME = re.compile(r"^kube-api-access-[a-z0-9]{5}$")

# Cases the test API server still answers differently, with the reason.
# Each must still differ (so the list shrinks as fidelity grows).
KNOWN_DIFFERENCES = {}


def answers_path():
    """$WP_KUBE_ANSWERS, else beside $WP_REFERENCE_DIR, else the nearest
    shared/reference folder above this one (worktrees sit deeper)."""
    explicit = os.environ.get("WP_KUBE_ANSWERS")
    if explicit:
        return explicit
    tail = os.path.join("kube-apiserver-1.26", "answers.json")
    ref = os.environ.get("WP_REFERENCE_DIR")
    if ref and os.path.isfile(os.path.join(os.path.dirname(os.path.normpath(ref)), tail)):
        return os.path.join(os.path.dirname(os.path.normpath(ref)), tail)
    here = os.path.dirname(os.path.abspath(__file__))
    while os.path.dirname(here) != here:
        here = os.path.dirname(here)
        candidate = os.path.join(here, "shared", "reference", tail)
        if os.path.isfile(candidate):
            return candidate
    return os.path.join("shared", "reference", tail)


def load_cases():
    path = answers_path()
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        return json.load(f)["cases"]


def _expand(value):
    """Request bodies abbreviate huge strings; write them out."""
    if isinstance(value, str):
        return _REPEATED.sub(lambda m: m.group(1) * int(m.group(2)), value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


def _volatile(text):
    if _TOKEN_VOLUME.match(text):
        return "kube-api-access-<random>"
    return text


def differences(expected, actual, where="body"):
    """Every place actual differs from expected (placeholders match anything)."""
    if isinstance(expected, str) and _PLACEHOLDER.match(expected):
        return []
    if isinstance(expected, str) and isinstance(actual, str):
        if _volatile(expected) == _volatile(actual):
            return []
        return ["%s: expected %r, got %r" % (where, expected, actual)]
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append("%s.%s: missing (expected %s)" % (where, key,
                                                            json.dumps(expected[key])[:200]))
            elif key not in expected:
                out.append("%s.%s: unexpected %s" % (where, key,
                                                    json.dumps(actual[key])[:200]))
            elif key == "name" and "generateName" in expected and \
                    isinstance(actual[key], str) and \
                    actual[key][:-5] == expected["generateName"] == expected[key][:-5]:
                continue    # 5 random characters on both sides
            else:
                out.extend(differences(expected[key], actual[key], "%s.%s" % (where, key)))
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return ["%s: expected %d items, got %d: %s" % (where, len(expected), len(actual),
                                                           json.dumps(actual)[:300])]
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out.extend(differences(e, a, "%s[%d]" % (where, i)))
        return out
    if type(expected) is not type(actual) or expected != actual:
        return ["%s: expected %s, got %s" % (where, json.dumps(expected)[:300],
                                             json.dumps(actual)[:300])]
    return []


def _real_owner_uids(kube, body):
    """The recording replaced owner uids by placeholders; refer to the owner
    the replay created (a dangling reference would be garbage collected)."""
    for ref in (body.get("metadata") or {}).get("ownerReferences") or []:
        group_version, ns = ref["apiVersion"], body["metadata"].get("namespace", "rec")
        plural = {"Sandbox": "sandboxes"}.get(ref["kind"])
        if plural:
            r = kube.get("/apis/%s/namespaces/%s/%s/%s" % (group_version, ns, plural,
                                                            ref["name"]))
            if r.status == 200:
                ref["uid"] = r.json()["metadata"]["uid"]
    return body


def replay(kube, case):
    """Send one recorded request; the list of differences from the answer."""
    req, want = case["request"], case["response"]
    body = req.get("body")
    if isinstance(body, dict):
        body = _real_owner_uids(kube, _expand(body))
    if body is not None and not isinstance(body, str):
        body = json.dumps(_expand(body))
    r = kube.request(req["method"], req["path"], body,
                     content_type=req.get("contentType") or "application/json")
    diffs = []
    if r.status != want["code"]:
        diffs.append("code: expected %d, got %d" % (want["code"], r.status))
    warnings = r.header_all("Warning")
    got_warning = ", ".join(warnings) if warnings else None
    if got_warning != want.get("warning"):
        diffs.append("warning: expected %r, got %r" % (want.get("warning"), got_warning))
    try:
        got = json.loads(r.body)
    except ValueError:
        got = None
    if want["body"] is None:
        if got is not None:
            diffs.append("body: expected a non-JSON body, got %s" % r.body[:200])
    else:
        diffs.extend(differences(want["body"], got))
    return diffs


def replay_all(kube, cases):
    r = kube.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": "rec"}})
    assert r.status == 201, r
    return [(case["name"], replay(kube, case)) for case in cases]


class ReferenceAnswersTest(unittest.TestCase):
    def test_every_recorded_answer(self):
        cases = load_cases()
        if cases is None:
            self.skipTest("no reference answers at %s" % answers_path())
        self.assertEqual(len(cases), 51)
        with fixture.apiserver() as server:
            results = replay_all(server.client(), cases)
        unexpected = {name: diffs for name, diffs in results
                      if bool(diffs) != (name in KNOWN_DIFFERENCES)}
        self.assertEqual(unexpected, {}, "cases that differ (or are listed in "
                         "KNOWN_DIFFERENCES but now match)")


def main():
    cases = load_cases()
    if cases is None:
        print("no reference answers at %s" % answers_path())
        return 1
    with fixture.apiserver() as server:
        results = replay_all(server.client(), cases)
    for name, diffs in results:
        print("%-40s %s" % (name, "ok" if not diffs else "DIFFERS"))
        for d in diffs[:8]:
            print("    " + d)
    same = sum(1 for _, d in results if not d)
    print("%d of %d match exactly" % (same, len(results)))
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--report"]:
        sys.exit(main())
    unittest.main()
