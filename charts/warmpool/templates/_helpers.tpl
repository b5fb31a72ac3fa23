{{/* Names and labels shared by every template. */}}

{{- define "warmpool.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "warmpool.webhook.name" -}}{{ include "warmpool.fullname" . }}-webhook{{- end -}}
{{- define "warmpool.controller.name" -}}{{ include "warmpool.fullname" . }}-controller{{- end -}}
{{- define "warmpool.rules.name" -}}{{ include "warmpool.fullname" . }}-rules{{- end -}}
{{- define "warmpool.plugins.name" -}}{{ include "warmpool.fullname" . }}-plugins{{- end -}}

{{- define "warmpool.certSecret" -}}
{{- if eq .Values.certificates.mode "secret" -}}
{{- required "certificates.secretName is required with certificates.mode=secret" .Values.certificates.secretName -}}
{{- else -}}
{{- include "warmpool.webhook.name" . }}-tls
{{- end -}}
{{- end -}}

{{- define "warmpool.selfManaged" -}}
{{- if eq .Values.certificates.mode "selfManaged" }}true{{ end -}}
{{- end -}}

{{- define "warmpool.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: (dict "ctx" $ "component" "webhook") */}}
{{- define "warmpool.selector" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "warmpool.image" -}}
{{- $img := .Values.image -}}
{{- if $img.digest -}}
{{ $img.repository }}@{{ $img.digest }}
{{- else -}}
{{ $img.repository }}:{{ $img.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/* The pod-level security context both programs run with. */}}
{{- define "warmpool.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "warmpool.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The cert-manager annotation of the webhook configurations (empty in
other modes). */}}
{{- define "warmpool.caInjection" -}}
{{- if eq .Values.certificates.mode "certManager" -}}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "warmpool.webhook.name" . }}
{{- end -}}
{{- end -}}
