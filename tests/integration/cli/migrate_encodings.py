#!/usr/bin/env python3
"""warmpoolctl migrate over every encoding and layout the YAML reader takes.

    migrate_encodings.py WARMPOOLCTL

A property test: for each combination of byte order mark, line ending
(LF, CRLF, CR alone), non-ASCII text before the edits (2-, 3- and 4-byte
UTF-8 characters, in comments and in values), layout (block, flow, JSON,
several documents, a typed list, a kind: List) and legacy value, the
script writes the legacy file and, from the same template, the exact text
migrate must produce. migrate must write that text byte for byte, count
the object, and validate must then find nothing legacy in it. Every edit
lands where it should or the bytes differ. Run twice, migrate must change
nothing. A UTF-16 file is refused (left alone, exit 1), never corrupted.
"""
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = sys.argv[1]

NON_ASCII = ["", "caf\u00e9 \u65e5\u672c\u8a9e \U0001F389", "\u00fc\u00f1\u00ee\u00e7\u00f8d\u00e9 \u2603"]

# Each layout: (before, after) templates. {eol} is the line ending, {na} the
# non-ASCII text, {wp} the legacy spec.warmpool value, {pool} the pool the
# claim must end up with. Lines are joined with {eol}.
BLOCK = (
    ["# {na} comment before everything",
     "apiVersion: extensions.agents.x-k8s.io/v1alpha1",
     "kind: SandboxClaim",
     "metadata:",
     "  name: c1",
     "  annotations:",
     "    note: \"{na}\"",
     "spec:",
     "  sandboxTemplateRef:",
     "    name: python   # {na}",
     "  warmpool: {wp}  # {na}",
     "  lifecycle: {{shutdownPolicy: Delete}}"],
    ["# {na} comment before everything",
     "apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "kind: SandboxClaim",
     "metadata:",
     "  name: c1",
     "  annotations:",
     "    note: \"{na}\"",
     "spec:",
     "  warmPoolRef:",
     "    name: {pool}   # {na}",
     "  lifecycle: {{shutdownPolicy: Delete}}"],
)
FLOW = (
    ["apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "kind: SandboxClaim",
     "metadata: {{name: c1, annotations: {{x: \"{na}\"}}}}",
     "spec: {{sandboxTemplateRef: {{name: python}}, warmpool: {wp}}}"],
    ["apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "kind: SandboxClaim",
     "metadata: {{name: c1, annotations: {{x: \"{na}\"}}}}",
     "spec: {{warmPoolRef: {{name: {pool}}}}}"],
)
JSON = (
    ["{{",
     "  \"apiVersion\": \"extensions.agents.x-k8s.io/v1alpha1\",",
     "  \"kind\": \"SandboxClaim\",",
     "  \"metadata\": {{\"name\": \"c1\", \"annotations\": {{\"n\": \"{na}\"}}}},",
     "  \"spec\": {{\"sandboxTemplateRef\": {{\"name\": \"python\"}}, \"warmpool\": \"{wp}\"}}",
     "}}"],
    ["{{",
     "  \"apiVersion\": \"extensions.agents.x-k8s.io/v1beta1\",",
     "  \"kind\": \"SandboxClaim\",",
     "  \"metadata\": {{\"name\": \"c1\", \"annotations\": {{\"n\": \"{na}\"}}}},",
     "  \"spec\": {{\"warmPoolRef\": {{\"name\": \"{pool}\"}}}}",
     "}}"],
)
MULTI = (
    ["apiVersion: v1",
     "kind: ConfigMap",
     "metadata: {{name: cm}}",
     "data: {{text: \"{na}{na}\"}}",
     "---",
     "apiVersion: agents.x-k8s.io/v1alpha1",
     "kind: Sandbox",
     "metadata: {{name: s1}}",
     "spec:",
     "  replicas: 0",
     "  podTemplate: {{spec: {{containers: [{{name: c, image: \"i@sha256:{sha}\"}}]}}}}",
     "---",
     "# {na}",
     "apiVersion: extensions.agents.x-k8s.io/v1alpha1",
     "kind: SandboxClaim",
     "metadata: {{name: c2}}",
     "spec:",
     "  warmpool: '{wp}'",
     "  sandboxTemplateRef: {{name: 'python'}}"],
    ["apiVersion: v1",
     "kind: ConfigMap",
     "metadata: {{name: cm}}",
     "data: {{text: \"{na}{na}\"}}",
     "---",
     "apiVersion: agents.x-k8s.io/v1beta1",
     "kind: Sandbox",
     "metadata: {{name: s1}}",
     "spec:",
     "  operatingMode: Suspended",
     "  podTemplate: {{spec: {{containers: [{{name: c, image: \"i@sha256:{sha}\"}}]}}}}",
     "---",
     "# {na}",
     "apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "kind: SandboxClaim",
     "metadata: {{name: c2}}",
     "spec:",
     "  warmPoolRef: {{name: '{pool}'}}"],
)
TYPED_LIST = (
    ["apiVersion: extensions.agents.x-k8s.io/v1alpha1",
     "kind: SandboxClaimList",
     "# {na}",
     "items:",
     "- metadata: {{name: a, annotations: {{n: \"{na}\"}}}}",
     "  spec:",
     "    sandboxTemplateRef: {{name: python}}",
     "    warmpool: {wp}",
     "- metadata: {{name: b}}",
     "  spec: {{warmpool: {wp}, sandboxTemplateRef: {{name: python}}}}"],
    ["apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "kind: SandboxClaimList",
     "# {na}",
     "items:",
     "- metadata: {{name: a, annotations: {{n: \"{na}\"}}}}",
     "  spec:",
     "    warmPoolRef: {{name: {pool}}}",
     "- metadata: {{name: b}}",
     "  spec: {{warmPoolRef: {{name: {pool}}}}}"],
)
V1_LIST = (
    ["apiVersion: v1",
     "kind: List",
     "items:",
     "- apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "  kind: SandboxClaim",
     "  metadata: {{name: a}}  # {na}",
     "  spec:",
     "    sandboxTemplateRef:",
     "      name: python",
     "    warmpool: {wp}"],
    ["apiVersion: v1",
     "kind: List",
     "items:",
     "- apiVersion: extensions.agents.x-k8s.io/v1beta1",
     "  kind: SandboxClaim",
     "  metadata: {{name: a}}  # {na}",
     "  spec:",
     "    warmPoolRef:",
     "      name: {pool}"],
)
LAYOUTS = {"block": BLOCK, "flow": FLOW, "json": JSON, "multi": MULTI, "typed-list": TYPED_LIST,
           "v1-list": V1_LIST}
OBJECTS = {"block": 1, "flow": 1, "json": 1, "multi": 2, "typed-list": 3, "v1-list": 1}  # the list itself counts
LEGACY = [("none", "shadow-pool-python"), ("python-fast", "python-fast")]
EOLS = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}


def render(lines, eol, na, wp, pool):
    text = eol.join(lines) + eol
    return text.format(eol=eol, na=na, wp=wp, pool=pool, sha="a" * 64)


def run(args, cwd):
    p = subprocess.run([BIN] + args, cwd=cwd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def one_case(tmp, layout, eol_name, bom, na, legacy):
    before_t, after_t = LAYOUTS[layout]
    wp, pool = legacy
    eol = EOLS[eol_name]
    ext = ".json" if layout == "json" else ".yaml"
    pre = b"\xef\xbb\xbf" if bom else b""
    before = pre + render(before_t, eol, na, wp, pool).encode()
    after = pre + render(after_t, eol, na, wp, pool).encode()
    d = tempfile.mkdtemp(dir=tmp)
    path = os.path.join(d, "m" + ext)
    with open(path, "wb") as fh:
        fh.write(before)
    if wp != "none":  # the named pool exists, so the result validates without warnings about it
        with open(os.path.join(d, "pool.yaml"), "w") as fh:
            fh.write("apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxWarmPool\n"
                     "metadata: {name: python-fast}\nspec: {replicas: 1, sandboxTemplateRef: {name: python}}\n")
    what = f"{layout}/{eol_name}/bom={bom}/na={na!r}/warmpool={wp}"
    rc, out, err = run(["migrate", "."], d)
    if rc != 0:
        return f"{what}: exit {rc}: {out} {err}"
    with open(path, "rb") as fh:
        got = fh.read()
    if got != after:
        return f"{what}: wrote\n{got!r}\nwant\n{after!r}"
    n = OBJECTS[layout]
    if f"{n} object{'s' if n != 1 else ''} migrated, 1 file changed" not in out:
        return f"{what}: summary {out!r}"
    rc, out, err = run(["migrate", "."], d)
    if rc != 0 or not out.startswith("0 objects migrated, 0 files changed, 0 files created"):
        return f"{what}: second run: {rc} {out} {err}"
    rc, out, err = run(["validate", "-o", "json", "."], d)
    findings = json.loads(out)["findings"]
    legacy_left = [f for f in findings if "legacy" in f["message"] or f.get("field", "").startswith("spec.warmpool")
                   or f["rule"] == "schema"]
    if legacy_left:
        return f"{what}: validate after migrate: {legacy_left}"
    shutil.rmtree(d)
    return None


def utf16_refused(tmp):
    d = tempfile.mkdtemp(dir=tmp)
    text = render(BLOCK[0], "\n", "", "none", "")
    path = os.path.join(d, "c.yaml")
    data = text.encode("utf-16")  # with its byte order mark
    with open(path, "wb") as fh:
        fh.write(data)
    rc, out, err = run(["migrate", "."], d)
    with open(path, "rb") as fh:
        same = fh.read() == data
    if rc != 1 or not same or "UTF-16" not in err or "0 objects migrated" not in out:
        return f"utf-16: exit {rc}, unchanged {same}: {out} {err}"
    return None


def write_fails(tmp):
    """A write that fails (here: over the file size limit, EFBIG) migrates
    nothing, says so, and counts nothing."""
    import resource
    import signal

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64, 64))

    d = tempfile.mkdtemp(dir=tmp)
    path = os.path.join(d, "c.yaml")
    text = render(BLOCK[0], "\n", "", "python-fast", "").encode()
    with open(path, "wb") as fh:
        fh.write(text)
    p = subprocess.run([BIN, "migrate", "."], cwd=d, capture_output=True, text=True, timeout=60, preexec_fn=limit)
    with open(path, "rb") as fh:
        same = fh.read() == text
    ok = (p.returncode == 2 and same and p.stdout == "0 objects migrated, 0 files changed, 0 files created\n"
          and "./c.yaml: not migrated (1 object left as they were): " in p.stderr and "->" not in p.stdout)
    if not ok:
        return f"write failure: exit {p.returncode}, unchanged {same}: {p.stdout!r} {p.stderr!r}"
    # a claim that needed a shadow pool: no pool file is left behind for it
    with open(path, "wb") as fh:
        fh.write(render(BLOCK[0], "\n", "", "none", "").encode())
    p = subprocess.run([BIN, "migrate", "."], cwd=d, capture_output=True, text=True, timeout=60, preexec_fn=limit)
    ok = (p.returncode == 2 and not os.path.exists(os.path.join(d, "shadow-pool-python.yaml"))
          and "none of the claims that need this shadow pool was migrated" in p.stderr
          and "0 objects migrated, 0 files changed, 0 files created" in p.stdout)
    return None if ok else f"write failure, shadow pool: exit {p.returncode}: {p.stdout!r} {p.stderr!r}"


def main():
    tmp = tempfile.mkdtemp(prefix="wpcli-enc-")
    failures, cases = [], 0
    try:
        for layout, eol, bom, na, legacy in itertools.product(LAYOUTS, EOLS, [False, True], NON_ASCII, LEGACY):
            cases += 1
            f = one_case(tmp, layout, eol, bom, na, legacy)
            if f:
                failures.append(f)
        for case in (utf16_refused, write_fails):
            cases += 1
            f = case(tmp)
            if f:
                failures.append(f)
    finally:
        shutil.rmtree(tmp)
    for f in failures[:10]:
        print("FAIL", f)
    print(f"{cases - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
