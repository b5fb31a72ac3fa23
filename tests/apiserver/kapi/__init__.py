"""Test Kubernetes API server: the parts of kube-apiserver warmpool relies on.

Modules (one concern each):
  errors      Status objects and the API errors that carry them
  resources   the served kinds and their per-kind rules (scope, subresources, ...)
  labels      label selector parsing and matching
  fields      field selector parsing and per-kind field extraction
  patch       JSON Patch (RFC 6902), JSON merge patch (RFC 7386), strategic merge
  jsonpath    the small JSONPath subset printer columns use
  tables      meta.k8s.io/v1 Table and PartialObjectMetadata conversion
  strategy    what create/update/status/scale do to an object (system fields,
              generation, defaults, validation)
  schema      CRD structural schemas (from charts/warmpool/crds): pruning,
              defaulting, OpenAPI validation
  corekinds   built-in kinds' defaults, admission additions, validation
  gotypes     the Go types of built-in kinds' fields (typed decoding errors)
  names       Kubernetes name syntax and its error messages
  managedfields  metadata.managedFields and server-side apply ownership
  decode      request body decoding with kube-apiserver's depth limit
  yamlsub     the YAML subset manifests and CRDs use
  pvcprotection  kube-controller-manager's PVC protection controller
  eventsv1    events.k8s.io/v1 Events as a view of the core/v1 Event store
  store       objects, the global resourceVersion, watch history, write paths
  workqueue   the work loop of the in-server controllers (dedup queue, resync)
  gc          owner-reference garbage collection and namespace termination
  nodes       Node objects, simulated nodes' state, the simulator's flags
  scheduling  kube-scheduler's filters and Unschedulable messages
  podstatus   pod status as the scheduler and a kubelet write it
  nodesim     the node simulator (--nodes): scheduler, kubelets, pod GC
  admission   calling admission webhooks (AdmissionReview v1)
  watch       serving watch streams
  faults      fault injection for tests (/_test/ control API)
  discovery   /api, /apis, /version, /openapi/v3
  server      the HTTPS server and request routing
  httpparse   request target and header parsing (the hot path)
  certs       self-signed CA and serving certificate via the openssl CLI
  kubeconfig  writing the kubeconfig clients use
"""
