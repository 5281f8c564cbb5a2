{{/* Chart name, truncated to 63 characters. */}}
{{- define "kubevde.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified release name (63 characters at most). */}}
{{- define "kubevde.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "kubevde.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Recommended labels (k8s-conventions.md §7); pass (dict "ctx" . "component" "operator"). */}}
{{- define "kubevde.labels" -}}
helm.sh/chart: {{ include "kubevde.chart" .ctx }}
{{ include "kubevde.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: kubevde
{{- end }}

{{- define "kubevde.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kubevde.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kubevde.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create }}
{{- default (printf "%s-operator" (include "kubevde.fullname" .)) .Values.operator.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.operator.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubevde.agent.serviceAccountName" -}}
{{- if .Values.agent.serviceAccount.create }}
{{- default (printf "%s-agent" (include "kubevde.fullname" .)) .Values.agent.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.agent.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kubevde.operator.image" -}}
{{- printf "%s:%s" .Values.operator.image.repository (default .Chart.AppVersion .Values.operator.image.tag) }}
{{- end }}

{{- define "kubevde.agent.image" -}}
{{- printf "%s:%s" .Values.agent.image.repository (default .Chart.AppVersion .Values.agent.image.tag) }}
{{- end }}

{{/* The agent container's securityContext (README "Why these privileges"). */}}
{{- define "kubevde.agent.securityContext" -}}
{{- if .Values.agent.privileged }}
privileged: true
{{- else }}
privileged: false
allowPrivilegeEscalation: false
runAsUser: 0
capabilities:
  drop: [ALL]
  add:
  {{- range .Values.agent.capabilities }}
  - {{ . }}
  {{- end }}
  {{- if and .Values.agent.devicePlugin.enabled (not (has "DAC_OVERRIDE" .Values.agent.capabilities)) }}
  # device plugin: a container's vde client binds its data socket 0700 as its own user; the switch must connect to it
  - DAC_OVERRIDE
  {{- end }}
seccompProfile:
  type: RuntimeDefault
{{- if .Values.agent.appArmorProfile }}
appArmorProfile:
  type: {{ .Values.agent.appArmorProfile }}
{{- end }}
{{- end }}
{{- end }}
