#!/usr/bin/env python3
"""Benchmark: `warmpoolctl validate` time and peak RSS on the worst YAML we
can build (issue 7), each in its own process. Prints numbers; never
pass/fail (tests/hostile/cli_inputs.py asserts the bounds).

    worst_case.py WARMPOOLCTL [WORKDIR]

Inputs: the 66 KB alias bomb (one 64 KiB string under four levels of ten
aliases: refused), the same just under the 4 MiB alias limit (accepted), a
claim of 999,000 env entries (at the 1,000,000-node limit; every entry an
error, capped), and a 32 MiB file of 180,000 claims that each have an error
and a warning."""
import os
import subprocess
import sys
import tempfile
import time

BIN = sys.argv[1]
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="wpcli-worst-")
os.makedirs(WORK, exist_ok=True)
HEAD = "apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata:\n  name: bomb\n  annotations:\n"


def alias_bomb():
    lines = [HEAD.rstrip("\n"), '    x0: &a0 "' + "a" * 65536 + '"']
    for lvl in range(1, 5):
        lines.append(f"    x{lvl}: &a{lvl} [" + ", ".join([f"*a{lvl - 1}"] * 10) + "]")
    return "\n".join(lines + ["spec:", "  warmPoolRef: {name: p}"]) + "\n"


def just_under():
    return (HEAD + '    x0: &a0 "' + "a" * 65536 + '"\nspec:\n  warmPoolRef: {name: p}\n  env:\n' +
            "".join(f"  - {{name: E{i}, value: *a0}}\n" for i in range(62)))


def node_limit():
    return ('{"apiVersion":"extensions.agents.x-k8s.io/v1beta1","kind":"SandboxClaim","metadata":{"name":"c"},'
            '"spec":{"warmPoolRef":{"name":"p"},"env":[' + ",".join(["{}"] * 999_000) + "]}}\n")


def many_claims():
    doc = ("apiVersion: extensions.agents.x-k8s.io/v1beta1\nkind: SandboxClaim\nmetadata: {{name: c{0}, "
           "namespace: ns}}\nspec:\n  warmPoolRef: {{name: p}}\n  env: [{{name: 1BAD, value: v}}]\n---\n")
    out, size, i = [], 0, 0
    while size < 32 * 1024 * 1024 - 200:
        d = doc.format(i)
        out.append(d)
        size += len(d)
        i += 1
    return "".join(out[:-1])


def run(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as fh:
        fh.write(text)
    start = time.monotonic()
    p = subprocess.Popen([BIN, "validate", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, _, usage = os.wait4(p.pid, 0)
    secs = time.monotonic() - start
    last = out.decode().strip().splitlines()[-1] if out else ""
    print(f"  {name} ({len(text):,} bytes): {secs:.2f} s, peak RSS {usage.ru_maxrss / 1024:.1f} MiB | {last[:110]}")


print(f"warmpoolctl validate, worst cases ({BIN})")
run("alias-bomb.yaml", alias_bomb())
run("aliases-just-under-4MiB.yaml", just_under())
run("node-limit-999k-env.json", node_limit())
run("32MiB-of-claims.yaml", many_claims())
