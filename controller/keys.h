/* Every string the controller shares with upstream agent-sandbox: label and
 * annotation keys, condition types and reasons, messages, event reasons and
 * actions, controller names. Upstream SDKs, routers and dashboards match
 * these byte for byte (UPSTREAM.md §1-§7), so they are written once, here.
 * warmpool's own keys (API.md) follow at the end under `warmpool.io/`.
 *
 * Messages with a printf conversion say so in the name (_FMT). */
#ifndef WP_CONTROLLER_KEYS_H
#define WP_CONTROLLER_KEYS_H

/* --- API groups, versions, kinds ---------------------------------------- */
#define WP_GROUP_SANDBOX "agents.x-k8s.io"
#define WP_GROUP_EXTENSIONS "extensions.agents.x-k8s.io"
#define WP_API_SANDBOX WP_GROUP_SANDBOX "/v1beta1"
#define WP_API_EXTENSIONS WP_GROUP_EXTENSIONS "/v1beta1"
#define WP_KIND_NAME_SANDBOX "Sandbox"
#define WP_KIND_NAME_TEMPLATE "SandboxTemplate"
#define WP_KIND_NAME_POOL "SandboxWarmPool"
#define WP_KIND_NAME_CLAIM "SandboxClaim"

/* The prefixes that make a label or annotation a system key (scrubbed from
 * what a Sandbox propagates to its Pod). */
#define WP_SYSTEM_PREFIX "agents.x-k8s.io/"
#define WP_SYSTEM_PREFIX_EXTENSIONS "extensions.agents.x-k8s.io/"

/* --- labels and annotations (UPSTREAM.md §1) ------------------------------ */
#define WP_LABEL_SANDBOX_NAME_HASH "agents.x-k8s.io/sandbox-name-hash"
#define WP_LABEL_WARM_POOL_SANDBOX "agents.x-k8s.io/warm-pool-sandbox"
#define WP_LABEL_TEMPLATE_REF_HASH "agents.x-k8s.io/sandbox-template-ref-hash"
#define WP_LABEL_TEMPLATE_HASH "agents.x-k8s.io/sandbox-template-hash"
#define WP_LABEL_POD_TEMPLATE_HASH "agents.x-k8s.io/sandbox-pod-template-hash" /* deprecated upstream */
#define WP_LABEL_LAUNCH_TYPE "agents.x-k8s.io/launch-type"
#define WP_LABEL_CREATED_BY "agents.x-k8s.io/created-by"
#define WP_LABEL_CLAIM_UID "agents.x-k8s.io/claim-uid"
#define WP_ANNOT_POD_NAME "agents.x-k8s.io/pod-name"
#define WP_ANNOT_TEMPLATE_REF "agents.x-k8s.io/sandbox-template-ref"
#define WP_ANNOT_TRACE_CONTEXT "opentelemetry.io/trace-context"
#define WP_ANNOT_PROPAGATED_LABELS "agents.x-k8s.io/propagated-labels"
#define WP_ANNOT_PROPAGATED_ANNOTATIONS "agents.x-k8s.io/propagated-annotations"
#define WP_ANNOT_SAFE_TO_EVICT "cluster-autoscaler.kubernetes.io/safe-to-evict"
#define WP_LABEL_ADOPTABLE "agents.x-k8s.io/adoptable" /* on Pod/Service/PVC: "true" */
/* On claims. */
#define WP_ANNOT_SANDBOX_NAME "agents.x-k8s.io/sandbox-name" /* also read as a legacy label */
#define WP_ANNOT_CONTROLLER_FIRST_OBSERVED "agents.x-k8s.io/controller-first-observed-at"
#define WP_ANNOT_CLAIM_FIRST_READY "agents.x-k8s.io/claim-first-ready-at"
#define WP_ANNOT_CLIENT_FIRST_REQUESTED "agents.x-k8s.io/client-first-requested-at"
#define WP_ANNOT_WEBHOOK_FIRST_OBSERVED "agents.x-k8s.io/webhook-first-observed-at"
#define WP_CLAIM_FIRST_READY_UNKNOWN "unknown" /* backfill sentinel */
/* Conversion and migration bookkeeping (read, never written here). */
#define WP_ANNOT_MIGRATION_SHADOW "agents.x-k8s.io/migration-shadow"
#define WP_ANNOT_MIGRATION_SOURCE_TEMPLATE "agents.x-k8s.io/migration-source-template"
#define WP_ANNOT_STORAGE_MIGRATED_AT "agents.x-k8s.io/storage-migrated-at"

/* Values. */
#define WP_LAUNCH_WARM "warm"
#define WP_LAUNCH_COLD "cold"
#define WP_CREATED_BY_CONTROLLER "controller"
#define WP_CREATED_BY_GO_CLIENT "go-client"
#define WP_CREATED_BY_PYTHON_CLIENT "python-client"
#define WP_CREATED_BY_UNKNOWN "unknown"
#define WP_TRUE_STRING "true"

/* --- field managers, names ------------------------------------------------ */
#define WP_FIELD_OWNER_SANDBOX "sandbox-controller"
#define WP_NETWORK_POLICY_SUFFIX "-network-policy"

/* controller-runtime controller names (metrics label `controller`). */
#define WP_CONTROLLER_SANDBOX "sandbox"
#define WP_CONTROLLER_CLAIM "sandboxclaim"
#define WP_CONTROLLER_POOL "sandboxwarmpool"
#define WP_CONTROLLER_TEMPLATE "sandboxtemplate"
/* events.k8s.io/v1 reportingController per reconciler. */
#define WP_REPORTER_SANDBOX "sandbox-controller"
#define WP_REPORTER_CLAIM "sandboxclaim-controller"
#define WP_REPORTER_POOL "sandboxwarmpool-controller"
#define WP_REPORTER_TEMPLATE "sandboxtemplate-controller"
/* The Lease upstream elects on; warmpool uses its own (CONTROLLER.md) so
 * both can run side by side with --controllers selecting the split. */
#define WP_UPSTREAM_LEASE_NAME "a3317529.agent-sandbox.x-k8s.io"
#define WP_LEASE_NAME_DEFAULT "warmpool-controller.warmpool.io"

/* --- condition types and statuses ----------------------------------------- */
#define WP_COND_READY "Ready"
#define WP_COND_SUSPENDED "Suspended"
#define WP_COND_FINISHED "Finished"
#define WP_COND_POD_SCHEDULED "PodScheduled"
#define WP_STATUS_TRUE "True"
#define WP_STATUS_FALSE "False"
#define WP_STATUS_UNKNOWN "Unknown"

/* --- Sandbox reasons and messages (UPSTREAM.md §3) ------------------------ */
#define WP_REASON_NOT_SUSPENDED "NotSuspended"
#define WP_MSG_NOT_SUSPENDED "Sandbox is not suspended"
#define WP_REASON_POD_TERMINATED "PodTerminated"
#define WP_MSG_POD_TERMINATED "Pod has been terminated. Sandbox is suspended"
#define WP_REASON_POD_TERMINATING "PodTerminating"
#define WP_MSG_POD_TERMINATING "Pod is terminating. Sandbox is suspending"
#define WP_REASON_POD_NOT_OWNED "PodNotOwned"
#define WP_MSG_POD_NOT_OWNED "Refused to delete pod because it is not owned by this sandbox"
#define WP_REASON_POD_STATE_UNKNOWN "PodStateUnknown"
#define WP_MSG_POD_STATE_UNKNOWN "Pod state is unknown. Sandbox suspension cannot be confirmed"

#define WP_REASON_POD_SUCCEEDED "PodSucceeded"
#define WP_MSG_POD_SUCCEEDED "Pod completed successfully"
#define WP_REASON_POD_FAILED "PodFailed"
#define WP_MSG_POD_FAILED "Pod failed"

#define WP_REASON_POD_SCHEDULED "PodScheduled"
#define WP_REASON_POD_SCHEDULING_UNKNOWN "PodSchedulingUnknown"
#define WP_MSG_POD_SCHEDULED_MISSING "Pod has not reported a PodScheduled condition yet"
#define WP_MSG_POD_SCHEDULING_ERROR "Pod state is unknown. Pod scheduling cannot be determined"

#define WP_REASON_RECONCILER_ERROR "ReconcilerError"
#define WP_MSG_ERROR_SEEN_PREFIX "Error seen: "
#define WP_REASON_MULTIPLE_PODS "MultiplePods"
#define WP_MSG_MULTIPLE_PODS_FMT "multiple Pods (%zu) are controlled by this Sandbox; refusing to choose or create a Pod"
#define WP_REASON_SANDBOX_SUSPENDED "SandboxSuspended"
#define WP_MSG_SANDBOX_SUSPENDING "Sandbox is suspending"
#define WP_MSG_SANDBOX_SUSPENDED "Sandbox is suspended"
#define WP_REASON_DEPENDENCIES_NOT_READY "DependenciesNotReady"
#define WP_REASON_DEPENDENCIES_READY "DependenciesReady"
#define WP_MSG_POD_MISSING "Pod does not exist"
#define WP_MSG_POD_PHASE_FMT "Pod exists with phase: %s"
#define WP_MSG_POD_RUNNING_NOT_READY "Pod is Running but not Ready"
#define WP_MSG_POD_READY_NO_IPS "Pod is Ready but has no podIPs yet"
#define WP_MSG_POD_READY "Pod is Ready"
#define WP_MSG_SERVICE_EXISTS "; Service Exists"
#define WP_MSG_SERVICE_MISSING "; Service does not exist"
#define WP_REASON_SANDBOX_EXPIRED "SandboxExpired"
#define WP_MSG_SANDBOX_EXPIRED "Sandbox has expired"

/* Sandbox events. */
#define WP_EVENT_REASON_MULTIPLE_PODS "MultiplePods"
#define WP_EVENT_ACTION_RECONCILING "Reconciling"

/* --- SandboxWarmPool (UPSTREAM.md §4) ------------------------------------- */
#define WP_UPDATE_ONREPLENISH "OnReplenish"
#define WP_UPDATE_RECREATE "Recreate"
#define WP_POD_REASON_UNSCHEDULABLE "Unschedulable"
#define WP_EVENT_REASON_POOL_NOT_PROGRESSING "WarmPoolNotProgressing"
#define WP_EVENT_MSG_POOL_NOT_PROGRESSING_FMT                                                                 \
    "%d/%d sandboxes are unschedulable past the %s readiness grace period; holding them instead of "       \
    "replacing (replacements would be equally unschedulable)"
#define WP_EVENT_REASON_POOL_PROGRESSING "WarmPoolProgressing"
#define WP_EVENT_MSG_POOL_PROGRESSING "Warm pool is progressing again"

/* --- SandboxClaim (UPSTREAM.md §5) ---------------------------------------- */
#define WP_REASON_TEMPLATE_NOT_FOUND "TemplateNotFound"
#define WP_REASON_WARM_POOL_NOT_FOUND "WarmPoolNotFound"
#define WP_REASON_ADOPTION_CONFLICT "AdoptionConflict"
#define WP_MSG_ADOPTION_CONFLICT_SUFFIX "; the next pass retries from a converged view"
#define WP_REASON_SANDBOX_CREATE_PENDING "SandboxCreatePending"
#define WP_MSG_SANDBOX_CREATE_PENDING "Sandbox already created; waiting for cache to converge"
#define WP_REASON_INVALID_METADATA "InvalidMetadata"
#define WP_REASON_ENV_REJECTED "EnvVarsInjectionRejected"
#define WP_REASON_CLAIM_EXPIRED "ClaimExpired"
#define WP_MSG_CLAIM_EXPIRED "Claim expired. Sandbox cleanup initiated."
#define WP_MSG_CLAIM_EXPIRED_SKIPPED_FMT "Claim expired. %s; deletion skipped."
#define WP_REASON_VCT_ERROR "VolumeClaimTemplatesError"
/* warmpool's own (not upstream's): --digest-failure-policy=hold waits. */
#define WP_REASON_IMAGE_DIGEST_UNRESOLVED "ImageDigestUnresolved"
#define WP_MSG_IMAGE_DIGEST_HOLD_FMT "cold start held until the image digest resolves (--digest-failure-policy=hold): %s"
#define WP_REASON_SANDBOX_MISSING "SandboxMissing"
#define WP_MSG_SANDBOX_MISSING "Sandbox does not exist"
#define WP_MSG_SANDBOX_EXPIRED_INDEPENDENTLY "Underlying Sandbox resource has expired independently of the Claim."
#define WP_REASON_SANDBOX_NOT_READY "SandboxNotReady"
#define WP_MSG_SANDBOX_NOT_READY "Sandbox is not ready"
#define WP_MSG_TEMPLATE_NOT_FOUND_FMT "SandboxTemplate \"%s\" not found"
#define WP_MSG_POOL_NOT_FOUND_FMT "SandboxWarmPool \"%s\" not found"
#define WP_MSG_SANDBOX_NOT_CONTROLLED_FMT                                                                     \
    "sandbox %s is not controlled by claim %s. Please use a different claim name or delete the sandbox manually"

#define WP_MSG_ENV_NOT_ALLOWED                                                                                \
    "environment variable injection rejected: environment variable injection is not allowed by the template " \
    "policy"
#define WP_MSG_ENV_ENVFROM_FMT                                                                                \
    "environment variable injection rejected: container %s uses EnvFrom sources; Allowed policy cannot "       \
    "safely prevent overriding EnvFrom-provided variables"
#define WP_MSG_ENV_TARGET_MISSING_FMT "target container %s not found in template for environment variable %s"
#define WP_MSG_ENV_OVERRIDE_FMT "environment variable override is not allowed by the template policy for variable %s"
#define WP_MSG_VCT_PREFIX "failed to merge volume claim templates: "
#define WP_MSG_VCT_EMPTY_NAME_FMT "invalid volume claim templates: name at index %d is empty"
#define WP_MSG_VCT_DUPLICATE_FMT "invalid volume claim templates: duplicate name %s"
#define WP_MSG_VCT_DISALLOWED "volume claim templates are disallowed by the template"
#define WP_MSG_VCT_OVERRIDE_FMT                                                                               \
    "overriding volume claim templates is forbidden by the template: cannot override template volume %s"
#define WP_MSG_METADATA_CONFLICT_FMT                                                                          \
    "metadata override conflict: label %s is defined in template with value %s, but claim requests %s"
#define WP_MSG_INVALID_METADATA_PREFIX "invalid additionalPodMetadata: "
/* Note: the _FMT messages above whose Go original uses %q take an already
 * quoted string (wp_naming_quote gives Go's %q for ordinary names). */

#define WP_SHUTDOWN_DELETE "Delete"
#define WP_SHUTDOWN_DELETE_FOREGROUND "DeleteForeground"
#define WP_SHUTDOWN_RETAIN "Retain"
#define WP_POLICY_ALLOWED "Allowed"
#define WP_POLICY_OVERRIDES "Overrides"
#define WP_POLICY_DISALLOWED "Disallowed"
#define WP_NP_MANAGED "Managed"
#define WP_NP_UNMANAGED "Unmanaged"
#define WP_OPERATING_SUSPENDED "Suspended"
#define WP_OPERATING_RUNNING "Running"

/* Claim events. */
#define WP_EVENT_REASON_CLAIM_EXPIRED "ClaimExpired"
#define WP_EVENT_ACTION_CLAIM_EXPIRED "Claim Expired"
#define WP_EVENT_MSG_CLAIM_EXPIRED "Claim expired"
#define WP_EVENT_ACTION_DELETING "Deleting"
#define WP_EVENT_MSG_DELETING_FMT "Deleting Claim (ShutdownPolicy=%s)"
#define WP_EVENT_REASON_SANDBOX_ADOPTED "SandboxAdopted"
#define WP_EVENT_ACTION_ADOPTION "Adoption"
#define WP_EVENT_MSG_ADOPTED_FMT "Adopted warm pool Sandbox \"%s\""
#define WP_EVENT_REASON_SANDBOX_PROVISIONED "SandboxProvisioned"
#define WP_EVENT_ACTION_PROVISIONING "Provisioning"
#define WP_EVENT_MSG_PROVISIONED_FMT "Created Sandbox \"%s\""

/* additionalPodMetadata defaults. */
#define WP_ALLOWED_LABEL_DOMAIN_DEFAULT "sandbox.users.io"
#define WP_ALLOWED_LABEL_DOMAINS_FILE "/etc/sandbox-config/allowed-label-domains"

/* --- NetworkPolicy defaults (UPSTREAM.md §8) ------------------------------- */
#define WP_NP_ROUTER_LABEL_KEY "app"
#define WP_NP_ROUTER_LABEL_VALUE "sandbox-router"
#define WP_NP_SYSTEM_NAMESPACE "agent-sandbox-system"
#define WP_NS_NAME_LABEL "kubernetes.io/metadata.name"

/* --- metrics label values -------------------------------------------------- */
#define WP_METRIC_TEMPLATE_UNKNOWN "__unknown__" /* claim latency histograms */
#define WP_METRIC_UNKNOWN "unknown"
#define WP_METRIC_NONE "none"

/* --- warmpool's own keys (API.md) ------------------------------------------ */
#define WP_ANNOT_COLD_START_REASON "warmpool.io/cold-start-reason"
#define WP_ANNOT_IMAGE_DIGESTS "warmpool.io/image-digests"

#endif
