{{/*
Names and labels. Every object is <fullname>-<component> (fullname is capped at 32 characters and service
keys at 30, so names stay within the 63 of a DNS label), except the Kafka resource, which is
<fullname> so that Strimzi's derived names stay short (<fullname>-kafka-bootstrap).
*/}}
{{- define "order-saga.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "order-saga.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 32 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 32 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 32 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "order-saga.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object; pass the root context. */}}
{{- define "order-saga.labels" -}}
helm.sh/chart: {{ include "order-saga.chart" . }}
app.kubernetes.io/name: {{ include "order-saga.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: order-saga
{{- end -}}

{{/* Immutable selector labels of one component: dict "root" $ "component" "orders-service". */}}
{{- define "order-saga.selectorLabels" -}}
app.kubernetes.io/name: {{ include "order-saga.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "order-saga.componentLabels" -}}
{{ include "order-saga.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels the Prometheus Operator objects need to be selected (monitoring.labels). */}}
{{- define "order-saga.monitoringLabels" -}}
{{ include "order-saga.labels" . }}
{{- with .Values.monitoring.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Infrastructure names, derived in one place. */}}
{{- define "order-saga.kafkaName" -}}{{ include "order-saga.fullname" . }}{{- end -}}
{{- define "order-saga.kafkaBootstrap" -}}{{ include "order-saga.kafkaName" . }}-kafka-bootstrap:9092{{- end -}}
{{- define "order-saga.pgName" -}}{{ include "order-saga.fullname" . }}-pg{{- end -}}
{{- define "order-saga.redisName" -}}{{ include "order-saga.fullname" . }}-redis{{- end -}}
{{- define "order-saga.webhookSecretName" -}}{{ include "order-saga.fullname" . }}-webhook{{- end -}}
{{- define "order-saga.collectorName" -}}{{ include "order-saga.fullname" . }}-otel{{- end -}}
{{- define "order-saga.instrumentationName" -}}{{ include "order-saga.fullname" . }}{{- end -}}

{{/* Credentials Secret of one database role: dict "root" $ "database" "orders". */}}
{{- define "order-saga.dbSecretName" -}}{{ include "order-saga.pgName" .root }}-{{ .database | replace "_" "-" }}{{- end -}}

{{/* Name of a service's workload, Service and ServiceAccount: dict "root" $ "name" "orders-service". */}}
{{- define "order-saga.serviceFullname" -}}{{ include "order-saga.fullname" .root }}-{{ .name }}{{- end -}}

{{/*
Enabled services in the active saga mode, as a JSON object {name: service}, with per-service
defaults filled in. Every template that loops over services uses this, so "deployed" has one
definition. Also validates the cross-references the schema cannot express.
*/}}
{{- define "order-saga.activeServices" -}}
{{- $active := dict -}}
{{- range $name, $svc := .Values.services -}}
{{- if and $svc.enabled (has $.Values.sagaMode $svc.modes) -}}
{{- $_ := set $active $name $svc -}}
{{- end -}}
{{- end -}}
{{- $databases := dict -}}
{{- range $name, $svc := $active -}}
{{- with $svc.database -}}
{{- if hasKey $databases . -}}
{{- fail (printf "services.%s.database: %q is already used by services.%s (one database per service)" $name . (get $databases .)) -}}
{{- end -}}
{{- $_ := set $databases . $name -}}
{{- end -}}
{{- with $svc.paymentProvider -}}
{{- if not (hasKey $active .service) -}}
{{- fail (printf "services.%s.paymentProvider.service: %q is not an enabled service in %s mode" $name .service $.Values.sagaMode) -}}
{{- end -}}
{{- end -}}
{{- with $svc.webhook -}}
{{- if not (hasKey $active .service) -}}
{{- fail (printf "services.%s.webhook.service: %q is not an enabled service in %s mode" $name .service $.Values.sagaMode) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- toJson $active -}}
{{- end -}}

{{/* Databases of the active services, as a JSON list of {name, service}. */}}
{{- define "order-saga.databases" -}}
{{- $databases := list -}}
{{- range $name, $svc := (include "order-saga.activeServices" . | fromJson) -}}
{{- with $svc.database -}}
{{- $databases = append $databases (dict "name" . "service" $name) -}}
{{- end -}}
{{- end -}}
{{- toJson $databases -}}
{{- end -}}

{{/* Whether any active service uses Redis ("true" or ""). */}}
{{- define "order-saga.redisUsed" -}}
{{- range $name, $svc := (include "order-saga.activeServices" . | fromJson) -}}
{{- if $svc.redis }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/* Whether the webhook Secret is needed ("true" or ""). */}}
{{- define "order-saga.webhookUsed" -}}
{{- range $name, $svc := (include "order-saga.activeServices" . | fromJson) -}}
{{- if or $svc.paymentProvider $svc.webhook }}true{{ end -}}
{{- end -}}
{{- end -}}

{{/* Image of a service: dict "root" $ "svc" $svc. */}}
{{- define "order-saga.serviceImage" -}}
{{- $tag := .svc.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .svc.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .svc.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
OTLP/HTTP endpoint the services export to when tracing is on: the chart's collector, or
tracing.endpoint. Fails if tracing is on and there is nowhere to send to.
*/}}
{{- define "order-saga.otlpEndpoint" -}}
{{- if .Values.collector.enabled -}}
http://{{ include "order-saga.collectorName" . }}-collector:4318
{{- else if .Values.tracing.endpoint -}}
{{ .Values.tracing.endpoint }}
{{- else -}}
{{- fail (printf "tracing.mode=%s needs collector.enabled=true or tracing.endpoint" .Values.tracing.mode) -}}
{{- end -}}
{{- end -}}

{{/*
Generated secret value that survives upgrades: reuse the value stored in the live Secret when
there is one (lookup), otherwise generate one. `helm template` has no cluster to look up, so it
would generate new values on every render; secrets.generationSeed (development only, set by
tilt/values-dev.yaml) derives them from the seed instead, so Tilt's re-renders keep them stable.
dict "root" $ "name" <secret> "key" <key> "length" <n>
*/}}
{{- define "order-saga.generatedSecretValue" -}}
{{- $seed := .root.Values.secrets.generationSeed -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if $seed -}}
{{- printf "%s/%s/%s/%s" $seed .root.Release.Name .name .key | sha256sum | trunc (int .length) -}}
{{- else if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum (int .length) -}}
{{- end -}}
{{- end -}}

{{/* Container security context shared by every container the chart defines. */}}
{{- define "order-saga.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: {{ . }}
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Pod security context: numeric non-root user (uid/gid). */}}
{{- define "order-saga.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ . }}
runAsGroup: {{ . }}
fsGroup: {{ . }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}
