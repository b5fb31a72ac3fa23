#!/usr/bin/env python3
"""Writes realistic AdmissionReview request bodies for the webhook benchmark.

  claim.json      a SandboxClaim CREATE as the apiserver sends it (userInfo,
                  managedFields, env, pod metadata): about 2.8 KB
  template.json   a SandboxTemplate CREATE with a multi-container pod spec:
                  about 30 KB

Usage: make_reviews.py OUT_DIR
"""
import json
import os
import sys


def review(uid, kind, name, obj):
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "extensions.agents.x-k8s.io", "version": "v1beta1", "kind": kind},
            "resource": {"group": "extensions.agents.x-k8s.io", "version": "v1beta1",
                         "resource": kind.lower() + "s"},
            "requestKind": {"group": "extensions.agents.x-k8s.io", "version": "v1beta1", "kind": kind},
            "requestResource": {"group": "extensions.agents.x-k8s.io", "version": "v1beta1",
                                "resource": kind.lower() + "s"},
            "name": name,
            "namespace": "team-research",
            "operation": "CREATE",
            "userInfo": {
                "username": "system:serviceaccount:team-research:agent-dispatcher",
                "uid": "5b0e7c1e-8f0a-4a51-9d43-0b6f2c6f9a11",
                "groups": ["system:serviceaccounts", "system:serviceaccounts:team-research",
                           "system:authenticated"],
            },
            "object": obj,
            "oldObject": None,
            "dryRun": False,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions",
                        "fieldManager": "agent-dispatcher"},
        },
    }


def metadata(name, extra_labels):
    return {
        "name": name,
        "namespace": "team-research",
        "uid": "0d5c3f8e-3d7b-4c55-8f0e-6a1f1f3b9c21",
        "creationTimestamp": "2026-05-20T10:15:30Z",
        "labels": dict({"app.kubernetes.io/part-of": "agent-platform",
                        "sandbox.users.io/owner": "alice"}, **extra_labels),
        "annotations": {"sandbox.users.io/ticket": "RES-4711"},
        "managedFields": [{
            "manager": "agent-dispatcher", "operation": "Update",
            "apiVersion": "extensions.agents.x-k8s.io/v1beta1", "time": "2026-05-20T10:15:30Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app.kubernetes.io/part-of": {},
                                                     "f:sandbox.users.io/owner": {}}},
                         "f:spec": {".": {}, "f:env": {}, "f:warmPoolRef": {".": {}, "f:name": {}},
                                    "f:lifecycle": {".": {}, "f:shutdownPolicy": {}}}},
        }],
    }


def claim():
    env = [{"name": "AGENT_TASK_%02d" % i, "value": "step-%02d-of-the-research-plan" % i}
           for i in range(10)]
    env.append({"name": "MODEL_ENDPOINT", "value": "https://models.internal.example:8443/v1",
                "containerName": "agent"})
    obj = {
        "apiVersion": "extensions.agents.x-k8s.io/v1beta1",
        "kind": "SandboxClaim",
        "metadata": metadata("research-run-0042", {"sandbox.users.io/run": "42"}),
        "spec": {
            "warmPoolRef": {"name": "python-research-pool"},
            "lifecycle": {"shutdownPolicy": "Delete", "ttlSecondsAfterFinished": 600,
                          "shutdownTime": "2030-01-01T00:00:00Z"},
            "additionalPodMetadata": {
                "labels": {"sandbox.users.io/team": "research", "sandbox.users.io/cost-center": "cc-1234"},
                "annotations": {"cluster-autoscaler.kubernetes.io/safe-to-evict": "false",
                                "example.com/trace-id": "4bf92f3577b34da6a3ce929d0e0e4736"},
            },
            "env": env,
        },
    }
    return review("7f3b2a10-1c4e-4d6b-9a8e-2f5c7d9e0a42", "SandboxClaim", "research-run-0042", obj)


def container(i):
    return {
        "name": "worker-%d" % i,
        "image": "registry.example.com/agents/worker@sha256:" + ("%064x" % (0xabcdef0123 + i)),
        "command": ["/usr/local/bin/agent-worker"],
        "args": ["--listen=:%d" % (8000 + i), "--log-format=json", "--max-steps=200"],
        "ports": [{"name": "http-%d" % i, "containerPort": 8000 + i, "protocol": "TCP"}],
        "env": [{"name": "WORKER_OPTION_%02d" % j, "value": "value-%02d-%02d" % (i, j)} for j in range(12)],
        "resources": {"requests": {"cpu": "250m", "memory": "512Mi"},
                      "limits": {"cpu": "2", "memory": "2Gi"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8000 + i},
                           "periodSeconds": 5, "failureThreshold": 3},
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"},
                         {"name": "cache", "mountPath": "/cache"}],
    }


def template():
    obj = {
        "apiVersion": "extensions.agents.x-k8s.io/v1beta1",
        "kind": "SandboxTemplate",
        "metadata": metadata("python-research", {}),
        "spec": {
            "networkPolicyManagement": "Managed",
            "envVarsInjectionPolicy": "Allowed",
            "volumeClaimTemplatesPolicy": "Disallowed",
            "podTemplate": {
                "metadata": {"labels": {"sandbox.users.io/runtime": "python"}},
                "spec": {
                    "runtimeClassName": "gvisor",
                    "containers": [container(i) for i in range(20)],
                    "volumes": [{"name": "workspace", "emptyDir": {"sizeLimit": "10Gi"}},
                                {"name": "cache", "emptyDir": {}}],
                },
            },
        },
    }
    return review("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "SandboxTemplate", "python-research", obj)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, doc in (("claim.json", claim()), ("template.json", template())):
        data = json.dumps(doc, separators=(",", ":")).encode()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%s: %d bytes" % (name, len(data)), file=sys.stderr)


if __name__ == "__main__":
    main()
