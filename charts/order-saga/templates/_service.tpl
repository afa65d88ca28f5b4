{{/*
Objects of one saga service. Each define takes dict "root" $ "name" <key> "svc" <entry>.
services.yaml renders them for every active service (order-saga.activeServices).
*/}}

{{/* Environment variable names the chart owns; services.<name>.env may not redefine them. */}}
{{- define "order-saga.service.reservedEnv" -}}
PORT LOG_LEVEL KAFKA_BROKERS KAFKA_TOPIC_PREFIX SAGA_MODE DATABASE_URL DB_USER DB_PASSWORD REDIS_URL PAYMENT_PROVIDER_URL WEBHOOK_SECRET WEBHOOK_SECRET_PREVIOUS PROVIDER_WATCH PROVIDER_SERVICE_NAME POD_NAMESPACE WEBHOOK_URL NODE_OPTIONS K8S_POD_NAME K8S_NAMESPACE_NAME
{{- end -}}

{{/* Plain configuration, delivered through a ConfigMap whose hash rolls the pods on change. */}}
{{- define "order-saga.service.configmap" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $port := $root.Values.serviceDefaults.port -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "order-saga.serviceFullname" . }}-config
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" $root "component" .name) | nindent 4 }}
data:
  PORT: {{ $port | quote }}
  LOG_LEVEL: {{ $root.Values.logLevel | quote }}
  KAFKA_BROKERS: {{ include "order-saga.kafkaBootstrap" $root | quote }}
  KAFKA_TOPIC_PREFIX: {{ $root.Values.kafka.topics.prefix | quote }}
  SAGA_MODE: {{ $root.Values.sagaMode | quote }}
  {{- if $svc.redis }}
  REDIS_URL: {{ printf "redis://%s:6379" (include "order-saga.redisName" $root) | quote }}
  {{- end }}
  {{- with $svc.paymentProvider }}
  PAYMENT_PROVIDER_URL: {{ printf "http://%s:%v" (include "order-saga.serviceFullname" (dict "root" $root "name" .service)) $port | quote }}
  PROVIDER_WATCH: {{ .watch | quote }}
  # The Service whose EndpointSlices (label kubernetes.io/service-name) feed the circuit breaker.
  PROVIDER_SERVICE_NAME: {{ include "order-saga.serviceFullname" (dict "root" $root "name" .service) | quote }}
  {{- end }}
  {{- with $svc.webhook }}
  WEBHOOK_URL: {{ printf "http://%s:%v%s" (include "order-saga.serviceFullname" (dict "root" $root "name" .service)) $port .path | quote }}
  {{- end }}
  {{- $reserved := splitList " " (include "order-saga.service.reservedEnv" .) }}
  {{- range $key, $value := $svc.env }}
  {{- if or (has $key $reserved) (hasPrefix "OTEL_" $key) }}
  {{- fail (printf "services.%s.env.%s: set by the chart, use the corresponding value instead" $.name $key) }}
  {{- end }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
{{- end -}}

{{/*
How many replicas a service runs, as JSON {autoscaled, min, max}: a fixed count (services.<name>.replicas,
else serviceDefaults.replicas) or the HorizontalPodAutoscaler's range. The HPA ceiling defaults to,
and may not exceed, the partition count: a consumer group never has more active members than
partitions, so a replica above it would only idle.
*/}}
{{- define "order-saga.service.scale" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $partitions := int $root.Values.kafka.topics.partitions -}}
{{- $auto := $svc.autoscaling | default dict -}}
{{- if $auto.enabled -}}
{{- $max := $partitions -}}
{{- if not (kindIs "invalid" $auto.maxReplicas) }}{{ $max = int $auto.maxReplicas }}{{ end -}}
{{- if gt $max $partitions -}}
{{- fail (printf "services.%s.autoscaling.maxReplicas: %d is above kafka.topics.partitions (%d); the extra consumers would idle" .name $max $partitions) -}}
{{- end -}}
{{- if gt (int $auto.minReplicas) $max -}}
{{- fail (printf "services.%s.autoscaling.minReplicas: %d is above maxReplicas (%d)" .name (int $auto.minReplicas) $max) -}}
{{- end -}}
{{- toJson (dict "autoscaled" true "min" (int $auto.minReplicas) "max" $max) -}}
{{- else -}}
{{- $replicas := int (ternary $root.Values.serviceDefaults.replicas $svc.replicas (kindIs "invalid" $svc.replicas)) -}}
{{- toJson (dict "autoscaled" false "min" $replicas "max" $replicas) -}}
{{- end -}}
{{- end -}}

{{/* Voluntary disruptions (drains, upgrades) evict one pod at a time; only where more than one can run. */}}
{{- define "order-saga.service.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  maxUnavailable: {{ .root.Values.serviceDefaults.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "order-saga.selectorLabels" (dict "root" .root "component" .name) | nindent 6 }}
{{- end -}}

{{- define "order-saga.service.autoscaler" -}}
{{- $scale := include "order-saga.service.scale" . | fromJson -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" .root "component" .name) | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "order-saga.serviceFullname" . }}
  minReplicas: {{ $scale.min | int }}
  maxReplicas: {{ $scale.max | int }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .svc.autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{- define "order-saga.service.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" .root "component" .name) | nindent 4 }}
# Tokens are mounted per pod, only where the service talks to the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{- define "order-saga.service.deployment" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $defaults := $root.Values.serviceDefaults -}}
{{- $tracing := $root.Values.tracing.mode -}}
{{- $watchesApi := false -}}
{{- if $svc.paymentProvider }}{{ $watchesApi = eq $svc.paymentProvider.watch "endpointslices" }}{{ end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" $root "component" .name) | nindent 4 }}
spec:
  {{- $scale := include "order-saga.service.scale" . | fromJson }}
  {{- if not $scale.autoscaled }}
  replicas: {{ $scale.max | int }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "order-saga.selectorLabels" (dict "root" $root "component" .name) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "order-saga.componentLabels" (dict "root" $root "component" .name) | nindent 8 }}
      annotations:
        checksum/config: {{ include "order-saga.service.configmap" . | sha256sum }}
        {{- if eq $tracing "injected" }}
        # The operator's webhook adds an init container that copies the Node.js
        # auto-instrumentation and appends `--require .../autoinstrumentation.js` to NODE_OPTIONS.
        instrumentation.opentelemetry.io/inject-nodejs: {{ include "order-saga.instrumentationName" $root | quote }}
        # Becomes the service.namespace resource attribute next to the k8s.* ones it adds.
        resource.opentelemetry.io/service.namespace: order-saga
        {{- end }}
        {{- with $svc.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "order-saga.serviceFullname" . }}
      automountServiceAccountToken: {{ $watchesApi }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $defaults.terminationGracePeriodSeconds }}
      {{- if and $defaults.topologySpread.enabled (gt (int $scale.max) 1) }}
      # Replicas on different nodes, then zones, so one node or zone going away takes only part
      # of a consumer group. pod-template-hash: only pods of the same rollout count.
      topologySpreadConstraints:
        {{- range $key := list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
        - topologyKey: {{ $key }}
          maxSkew: {{ $defaults.topologySpread.maxSkew }}
          whenUnsatisfiable: {{ $defaults.topologySpread.whenUnsatisfiable }}
          labelSelector:
            matchLabels:
              {{- include "order-saga.selectorLabels" (dict "root" $root "component" $.name) | nindent 14 }}
          matchLabelKeys: [pod-template-hash]
        {{- end }}
      {{- end }}
      securityContext:
        # uid/gid 1000 = the `node` user of the base image (services/*/Dockerfile USER 1000:1000).
        {{- include "order-saga.podSecurityContext" 1000 | nindent 8 }}
      containers:
        - name: app
          image: {{ include "order-saga.serviceImage" . | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $defaults.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "order-saga.serviceFullname" . }}-config
          env:
            {{- if eq $tracing "off" }}
            # The image always preloads the tracing bootstrap (node --import); this standard
            # switch makes it start nothing.
            - name: OTEL_SDK_DISABLED
              value: "true"
            {{- else }}
            # OTEL_* live in `env`, not in the ConfigMap: when injecting, the operator only checks
            # `env` before adding its own values, and an added `env` entry would shadow envFrom.
            - name: OTEL_SERVICE_NAME
              value: {{ .name | quote }}
            - name: OTEL_EXPORTER_OTLP_PROTOCOL
              value: http/protobuf
            # Metrics are scraped from /metrics (prom-client) and logs go to stdout as pino JSON;
            # exporting them over OTLP as well would duplicate both.
            - name: OTEL_METRICS_EXPORTER
              value: none
            - name: OTEL_LOGS_EXPORTER
              value: none
            {{- end }}
            {{- if eq $tracing "self" }}
            # Injected mode gets these from the Instrumentation resource instead.
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ include "order-saga.otlpEndpoint" $root | quote }}
            - name: OTEL_PROPAGATORS
              value: tracecontext,baggage
            - name: OTEL_TRACES_SAMPLER
              value: parentbased_traceidratio
            - name: OTEL_TRACES_SAMPLER_ARG
              value: {{ $root.Values.tracing.sampleRatio | quote }}
            - name: K8S_NAMESPACE_NAME
              valueFrom:
                fieldRef: { fieldPath: metadata.namespace }
            - name: K8S_POD_NAME
              valueFrom:
                fieldRef: { fieldPath: metadata.name }
            - name: OTEL_RESOURCE_ATTRIBUTES
              value: service.namespace=order-saga,k8s.namespace.name=$(K8S_NAMESPACE_NAME),k8s.pod.name=$(K8S_POD_NAME)
            {{- end }}
            {{- if $svc.paymentProvider }}
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef: { fieldPath: metadata.namespace }
            {{- end }}
            {{- if or $svc.paymentProvider $svc.webhook }}
            - name: WEBHOOK_SECRET
              valueFrom:
                secretKeyRef:
                  name: {{ include "order-saga.webhookSecretName" $root }}
                  key: secret
            # Only during a rotation: the retired secret, still accepted (adapter) and still
            # signed with (simulator) until both run with the new one. See the README.
            - name: WEBHOOK_SECRET_PREVIOUS
              valueFrom:
                secretKeyRef:
                  name: {{ include "order-saga.webhookSecretName" $root }}
                  key: previous
                  optional: true
            {{- end }}
            {{- with $svc.database }}
            # Role credentials from the basic-auth Secret CloudNativePG applies to the role
            # (templates/postgres.yaml). DATABASE_URL is composed with dependent variables, so the
            # password never appears in the pod spec. Generated passwords are alphanumeric and
            # need no URL encoding.
            - name: DB_USER
              valueFrom:
                secretKeyRef:
                  name: {{ include "order-saga.dbSecretName" (dict "root" $root "database" .) }}
                  key: username
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "order-saga.dbSecretName" (dict "root" $root "database" .) }}
                  key: password
            - name: DATABASE_URL
              value: {{ printf "postgres://$(DB_USER):$(DB_PASSWORD)@%s-rw:5432/%s" (include "order-saga.pgName" $root) . | quote }}
            {{- end }}
          startupProbe:
            {{- include "order-saga.service.probe" $defaults.probes.startup | nindent 12 }}
          livenessProbe:
            {{- include "order-saga.service.probe" $defaults.probes.liveness | nindent 12 }}
          readinessProbe:
            {{- include "order-saga.service.probe" $defaults.probes.readiness | nindent 12 }}
          resources:
            {{- toYaml ($svc.resources | default $defaults.resources) | nindent 12 }}
          securityContext:
            {{- include "order-saga.containerSecurityContext" $defaults.readOnlyRootFilesystem | nindent 12 }}
          {{- if $defaults.readOnlyRootFilesystem }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
          {{- end }}
      {{- if $defaults.readOnlyRootFilesystem }}
      volumes:
        # Node and its libraries may write temp files; everything else is read-only.
        - name: tmp
          emptyDir:
            medium: Memory
            sizeLimit: 64Mi
      {{- end }}
{{- end -}}

{{- define "order-saga.service.probe" -}}
httpGet:
  path: {{ .path }}
  port: http
periodSeconds: {{ .periodSeconds }}
timeoutSeconds: {{ .timeoutSeconds }}
failureThreshold: {{ .failureThreshold }}
{{- end -}}

{{- define "order-saga.service.service" -}}
{{- $root := .root -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.componentLabels" (dict "root" $root "component" .name) | nindent 4 }}
spec:
  type: {{ .svc.service.type }}
  selector:
    {{- include "order-saga.selectorLabels" (dict "root" $root "component" .name) | nindent 4 }}
  ports:
    - name: http
      port: {{ $root.Values.serviceDefaults.port }}
      targetPort: http
      protocol: TCP
      appProtocol: http
      {{- if and (eq .svc.service.type "NodePort") .svc.service.nodePort }}
      nodePort: {{ .svc.service.nodePort }}
      {{- end }}
{{- end -}}

{{- define "order-saga.service.serviceMonitor" -}}
{{- $root := .root -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "order-saga.serviceFullname" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "order-saga.monitoringLabels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .name }}
spec:
  selector:
    matchLabels:
      {{- include "order-saga.selectorLabels" (dict "root" $root "component" .name) | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: {{ $root.Values.monitoring.interval }}
      # The services label some series with their own `service`; honour it instead of renaming
      # it to exported_service. The relabelings make every series carry the same two labels the
      # native Prometheus adds (monitoring/README.md), so one set of rules and dashboards
      # serves both.
      honorLabels: true
      relabelings:
        - action: replace
          targetLabel: service
          replacement: {{ .name }}
        - action: replace
          targetLabel: system
          replacement: order-saga
{{- end -}}
