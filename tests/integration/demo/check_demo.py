#!/usr/bin/env python3
"""Runs scripts/demo.sh --no-build against a build directory and checks what
the README promises it shows: the pool warming up on simulated nodes, a warm
claim bound (launch-type warm, a pod IP, in well under a second), an env claim
cold-started into a Sandbox of its own name, a bad claim denied by the
webhook with each cause, kubectl's table (when kubectl is installed), both
programs' metrics, every process exiting 0, and nothing left running.

    check_demo.py scripts/demo.sh BUILD_DIR
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import time

WARM_CLAIM_MAX_MS = 2000  # "milliseconds": tens of ms here; generous for sanitizer builds on a busy machine


def run_demo(script, build_dir):
    env = dict(os.environ, WP_DEMO_BUILD_DIR=build_dir)
    start = time.monotonic()
    proc = subprocess.Popen(["bash", script, "--no-build"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=150)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError("demo.sh did not finish in 150 s:\n" + out)
    return proc.returncode, out, time.monotonic() - start, proc.pid


def leftover_processes(pgid):
    """Processes still in the demo's process group (everything it started)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            found.append(pid)
    return found


def expect(out, pattern, what):
    m = re.search(pattern, out, re.M)
    if not m:
        raise AssertionError("demo output lacks %s (/%s/)" % (what, pattern))
    return m


def check(out):
    expect(out, r"NOT a real Kubernetes cluster", "the stand-in cluster notice")
    expect(out, r"^pool python-pool: 3/3 members Ready after", "the pool warming up")
    if len(re.findall(r"pod python-pool-\S+ +Ready +on node-\d, podIP 10\.", out)) < 3:
        raise AssertionError("fewer than 3 members seen going Ready on simulated nodes")
    warm = expect(out, r"^claim agent-1: Ready in ([0-9.]+) ms .*reason DependenciesReady$", "the warm claim bound")
    if float(warm.group(1)) > WARM_CLAIM_MAX_MS:
        raise AssertionError("warm claim took %s ms" % warm.group(1))
    expect(out, r'^  status\.sandbox\.name=python-pool-\S+  status\.sandbox\.podIPs=\["10\.[0-9.]+"\]  launch-type=warm$',
           "the warm claim's sandbox, pod IP and launch-type warm")
    expect(out, r"^result: warm claim bound$", "warm claim result")
    expect(out, r"^claim agent-env: Ready in [0-9.]+ ms", "the env claim Ready")
    expect(out, r'^  status\.sandbox\.name=agent-env  status\.sandbox\.podIPs=\["10\.[0-9.]+"\]  launch-type=cold$',
           "the env claim cold-started")
    expect(out, r"warmpool\.io/cold-start-reason=env$", "the webhook's cold-start-reason annotation")
    expect(out, r"^claim agent-bad: denied, HTTP 422 Invalid$", "the bad claim denied")
    expect(out, r'admission webhook "validate\.warmpool\.io" denied the request', "the webhook's denial")
    expect(out, r'^  cause: spec\.env\[0\]\.name +Invalid value: "1BAD"', "the env cause")
    expect(out, r"^  cause: spec\.additionalPodMetadata\.labels\[app\] +Forbidden: app=sandbox-router is reserved",
           "the reserved-label cause")
    if shutil.which("kubectl"):
        expect(out, r"^sandboxclaim\.extensions\.agents\.x-k8s\.io/agent-1 +True +python-pool-\S+ +DependenciesReady",
               "kubectl's claim row")
        expect(out, r"^pod/agent-env +1/1 +Running .* node-\d", "kubectl's pod row")
    expect(out, r'^agent_sandbox_claim_creation_total\{namespace="demo",sandbox_template="python",launch_type="warm",'
                r'warmpool_name="python-pool",pod_condition="ready",created_by="[a-z]+"\} 1$', "the warm claim counted")
    expect(out, r'^agent_sandbox_claim_startup_latency_ms_count\{launch_type="warm",sandbox_template="python"\} 1$',
           "the claim latency histogram")
    expect(out, r'^agent_sandboxes\{namespace="demo",.*owned_by="SandboxWarmPool".*\} 3$', "the pool's sandboxes gauge")
    expect(out, r'^warmpool_webhook_requests_total\{path="validate",kind="SandboxClaim",operation="CREATE",'
                r'decision="denied"\} 1$', "the webhook's denial counted")
    for name in ("warmpool-controller", "apiserver.py", "warmpool-webhook"):
        expect(out, r"^%s exited 0$" % re.escape(name), name + " stopping cleanly")
    return expect(out, r"^demo finished in ([0-9.]+) s", "the runtime line").group(1)


def main(script, build_dir):
    code, out, wall, pgid = run_demo(script, build_dir)
    left = leftover_processes(pgid)
    try:
        if code != 0:
            raise AssertionError("demo.sh exited %d" % code)
        if left:
            raise AssertionError("processes left running: %s" % left)
        seconds = check(out)
    except AssertionError as e:
        sys.stdout.write(out)
        print("FAIL: %s" % e)
        return 1
    print("demo.sh passed: %s s by its own clock, %.1f s wall" % (seconds, wall))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
