/* Realistic objects for the kube benchmarks: a Pod and a Sandbox shaped
 * like what kube-apiserver returns for a running warm-pool sandbox
 * (managedFields, the projected service-account volume, five conditions,
 * container statuses): about 4.6 KB and 2.4 KB of JSON. Header-only. */
#ifndef WP_BENCH_KUBE_OBJECTS_H
#define WP_BENCH_KUBE_OBJECTS_H

#include <stdio.h>

/* Writes Pod number i of namespace ns into buf; rv is its resourceVersion.
 * Returns the length. */
static inline int bench_pod_json(char *buf, size_t n, const char *ns, int i, long rv)
{
    return snprintf(
        buf, n,
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"python-pool-x7k2p-%d\","
        "\"generateName\":\"python-pool-x7k2p-\",\"namespace\":\"%s\",\"uid\":\"5f0c3a9e-8d1b-4c7e-9a%02d-%012d\","
        "\"resourceVersion\":\"%ld\",\"creationTimestamp\":\"2026-03-01T10:00:00Z\",\"labels\":{"
        "\"agents.x-k8s.io/sandbox-name-hash\":\"a1b2c3d4\",\"agents.x-k8s.io/warm-pool-sandbox\":\"e5f6a7b8\","
        "\"agents.x-k8s.io/launch-type\":\"warm\",\"app.kubernetes.io/name\":\"python-sandbox\"},"
        "\"annotations\":{\"agents.x-k8s.io/sandbox-template-ref\":\"python\","
        "\"kubectl.kubernetes.io/default-container\":\"main\"},\"ownerReferences\":[{\"apiVersion\":"
        "\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\",\"name\":\"python-pool-x7k2p-%d\",\"uid\":"
        "\"9b1e2d3c-4a5f-4e6d-8c7b-%012d\",\"controller\":true,\"blockOwnerDeletion\":true}],"
        "\"managedFields\":[{\"manager\":\"warmpool-controller\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
        "\"time\":\"2026-03-01T10:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{"
        "\"f:labels\":{\".\":{},\"f:agents.x-k8s.io/launch-type\":{},\"f:agents.x-k8s.io/sandbox-name-hash\":{},"
        "\"f:agents.x-k8s.io/warm-pool-sandbox\":{}},\"f:ownerReferences\":{\".\":{},"
        "\"k:{\\\"uid\\\":\\\"9b1e2d3c\\\"}\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"main\\\"}\":{"
        "\".\":{},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:name\":{},\"f:ports\":{},\"f:resources\":{}}},"
        "\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},\"f:schedulerName\":{},"
        "\"f:securityContext\":{},\"f:terminationGracePeriodSeconds\":{}}}},{\"manager\":\"kubelet\","
        "\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-03-01T10:00:05Z\",\"fieldsType\":"
        "\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:conditions\":{\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},"
        "\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}}},"
        "\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:phase\":{},\"f:podIP\":{},\"f:podIPs\":{},"
        "\"f:startTime\":{}}},\"subresource\":\"status\"}]},"
        "\"spec\":{\"volumes\":[{\"name\":\"kube-api-access-abcde\",\"projected\":{\"sources\":[{"
        "\"serviceAccountToken\":{\"expirationSeconds\":3607,\"path\":\"token\"}},{\"configMap\":{\"name\":"
        "\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":\"ca.crt\"}]}},{\"downwardAPI\":{\"items\":"
        "[{\"path\":\"namespace\",\"fieldRef\":{\"apiVersion\":\"v1\",\"fieldPath\":\"metadata.namespace\"}}]}}],"
        "\"defaultMode\":420}}],\"containers\":[{\"name\":\"main\",\"image\":"
        "\"registry.example.com/sandboxes/python@sha256:3b1f5e7a9c2d4f6b8a0c1e3d5f7a9b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f7a\","
        "\"command\":[\"/usr/local/bin/sandbox-agent\",\"--listen=:8888\"],\"ports\":[{\"name\":\"http\","
        "\"containerPort\":8888,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"SANDBOX_MODE\",\"value\":\"warm\"}],"
        "\"resources\":{\"limits\":{\"cpu\":\"2\",\"memory\":\"2Gi\"},\"requests\":{\"cpu\":\"250m\",\"memory\":"
        "\"512Mi\"}},\"volumeMounts\":[{\"name\":\"kube-api-access-abcde\",\"readOnly\":true,\"mountPath\":"
        "\"/var/run/secrets/kubernetes.io/serviceaccount\"}],\"terminationMessagePath\":\"/dev/termination-log\","
        "\"terminationMessagePolicy\":\"File\",\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\","
        "\"terminationGracePeriodSeconds\":30,\"dnsPolicy\":\"ClusterFirst\",\"serviceAccountName\":\"default\","
        "\"serviceAccount\":\"default\",\"nodeName\":\"worker-%03d\",\"securityContext\":{},\"schedulerName\":"
        "\"default-scheduler\",\"tolerations\":[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
        "\"effect\":\"NoExecute\",\"tolerationSeconds\":300},{\"key\":\"node.kubernetes.io/unreachable\","
        "\"operator\":\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":300}],\"priority\":0,"
        "\"enableServiceLinks\":true,\"preemptionPolicy\":\"PreemptLowerPriority\"},"
        "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"PodReadyToStartContainers\",\"status\":"
        "\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-03-01T10:00:03Z\"},{\"type\":"
        "\"Initialized\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-03-01T10:00:01Z\"},"
        "{\"type\":\"Ready\",\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":"
        "\"2026-03-01T10:00:05Z\"},{\"type\":\"ContainersReady\",\"status\":\"True\",\"lastProbeTime\":null,"
        "\"lastTransitionTime\":\"2026-03-01T10:00:05Z\"},{\"type\":\"PodScheduled\",\"status\":\"True\","
        "\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-03-01T10:00:00Z\"}],\"hostIP\":\"10.0.%d.%d\","
        "\"hostIPs\":[{\"ip\":\"10.0.%d.%d\"}],\"podIP\":\"10.244.%d.%d\",\"podIPs\":[{\"ip\":\"10.244.%d.%d\"}],"
        "\"startTime\":\"2026-03-01T10:00:01Z\",\"containerStatuses\":[{\"name\":\"main\",\"state\":{\"running\":{"
        "\"startedAt\":\"2026-03-01T10:00:04Z\"}},\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":"
        "\"registry.example.com/sandboxes/python:3.12\",\"imageID\":\"registry.example.com/sandboxes/python@sha256:"
        "3b1f5e7a9c2d4f6b8a0c1e3d5f7a9b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f7a\",\"containerID\":\"containerd://"
        "8e3f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f\",\"started\":true}],"
        "\"qosClass\":\"Burstable\"}}",
        i, ns, i % 100, i, rv, i, i, i % 500, (i / 250) % 256, i % 250, (i / 250) % 256, i % 250, (i / 250) % 256,
        i % 250, (i / 250) % 256, i % 250);
}

/* Writes Sandbox number i of namespace ns into buf. Returns the length. */
static inline int bench_sandbox_json(char *buf, size_t n, const char *ns, int i, long rv)
{
    return snprintf(
        buf, n,
        "{\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"kind\":\"Sandbox\",\"metadata\":{\"name\":"
        "\"python-pool-x7k2p-%d\",\"generateName\":\"python-pool-\",\"namespace\":\"%s\",\"uid\":"
        "\"9b1e2d3c-4a5f-4e6d-8c7b-%012d\",\"resourceVersion\":\"%ld\",\"generation\":1,\"creationTimestamp\":"
        "\"2026-03-01T10:00:00Z\",\"labels\":{\"agents.x-k8s.io/warm-pool-sandbox\":\"e5f6a7b8\","
        "\"agents.x-k8s.io/sandbox-template-ref-hash\":\"c9d0e1f2\",\"agents.x-k8s.io/launch-type\":\"warm\"},"
        "\"annotations\":{\"agents.x-k8s.io/sandbox-template-ref\":\"python\"},\"ownerReferences\":[{"
        "\"apiVersion\":\"extensions.agents.x-k8s.io/v1beta1\",\"kind\":\"SandboxWarmPool\",\"name\":\"python-pool\","
        "\"uid\":\"0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d\",\"controller\":true,\"blockOwnerDeletion\":true}],"
        "\"managedFields\":[{\"manager\":\"warmpool-controller\",\"operation\":\"Update\",\"apiVersion\":"
        "\"agents.x-k8s.io/v1beta1\",\"time\":\"2026-03-01T10:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{"
        "\"f:metadata\":{\"f:labels\":{},\"f:ownerReferences\":{}},\"f:spec\":{\"f:podTemplate\":{}}}},{\"manager\":"
        "\"warmpool-controller\",\"operation\":\"Update\",\"apiVersion\":\"agents.x-k8s.io/v1beta1\",\"time\":"
        "\"2026-03-01T10:00:05Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:conditions\":{},"
        "\"f:podIPs\":{},\"f:nodeName\":{}}},\"subresource\":\"status\"}]},\"spec\":{\"podTemplate\":{\"metadata\":{"
        "\"labels\":{\"app.kubernetes.io/name\":\"python-sandbox\"}},\"spec\":{\"containers\":[{\"name\":\"main\","
        "\"image\":\"registry.example.com/sandboxes/python@sha256:"
        "3b1f5e7a9c2d4f6b8a0c1e3d5f7a9b2c4d6e8f0a1b3c5d7e9f1a2b3c4d5e6f7a\",\"command\":["
        "\"/usr/local/bin/sandbox-agent\",\"--listen=:8888\"],\"ports\":[{\"name\":\"http\",\"containerPort\":8888}],"
        "\"resources\":{\"limits\":{\"cpu\":\"2\",\"memory\":\"2Gi\"},\"requests\":{\"cpu\":\"250m\",\"memory\":"
        "\"512Mi\"}}}]}},\"operatingMode\":\"Running\"},\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":"
        "\"True\",\"reason\":\"DependenciesReady\",\"message\":\"Pod is Ready\",\"lastTransitionTime\":"
        "\"2026-03-01T10:00:05Z\",\"observedGeneration\":1}],\"podIPs\":[\"10.244.%d.%d\"],\"nodeName\":"
        "\"worker-%03d\",\"selector\":\"agents.x-k8s.io/sandbox-name-hash=a1b2c3d4\"}}",
        i, ns, i, rv, (i / 250) % 256, i % 250, i % 500);
}

#endif
