{{/* Names, labels and the per-component settings the templates share. */}}

{{- define "tributary.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tributary.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tributary
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "user-service") */}}
{{- define "tributary.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "tributary.image" -}}
{{- printf "%s/%s/tributary-%s:%s" .root.Values.image.registry .root.Values.image.repository .component (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{/* The HTTP components that are enabled, as a list of dicts: name, values key, the values. */}}
{{- define "tributary.components" -}}
{{- $list := list -}}
{{- if .Values.userService.enabled -}}{{- $list = append $list (dict "name" "user-service" "values" .Values.userService) -}}{{- end -}}
{{- if .Values.orderService.enabled -}}{{- $list = append $list (dict "name" "order-service" "values" .Values.orderService) -}}{{- end -}}
{{- if .Values.console.enabled -}}{{- $list = append $list (dict "name" "console" "values" .Values.console) -}}{{- end -}}
{{- toJson $list -}}
{{- end -}}

{{- define "tributary.kafkaBrokers" -}}
{{- if .Values.broker.enabled -}}
{{- printf "%s-broker:%d" (include "tributary.fullname" .) (int .Values.broker.port) -}}
{{- else -}}
{{- required "kafka.brokers is required (or set broker.enabled=true for the embedded broker)" .Values.kafka.brokers -}}
{{- end -}}
{{- end -}}

{{- define "tributary.databaseSecretName" -}}
{{- .Values.database.existingSecret | default (printf "%s-database" (include "tributary.fullname" .)) -}}
{{- end -}}

{{- define "tributary.kafkaSaslSecretName" -}}
{{- .Values.kafka.sasl.existingSecret | default (printf "%s-kafka-sasl" (include "tributary.fullname" .)) -}}
{{- end -}}

{{/* Environment of the Kafka clients' SASL and TLS settings (services and console). */}}
{{- define "tributary.kafkaSecurityEnv" -}}
{{- $k := .Values.kafka -}}
{{- if $k.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $k.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ include "tributary.kafkaSaslSecretName" . }}
      key: {{ $k.sasl.usernameKey }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "tributary.kafkaSaslSecretName" . }}
      key: {{ $k.sasl.passwordKey }}
{{- end }}
{{- if $k.tls.enabled }}
- name: KAFKA_SSL
  value: "true"
{{- if and $k.tls.existingSecret $k.tls.caKey }}
- name: KAFKA_SSL_CA_FILE
  value: {{ printf "/etc/tributary/kafka-tls/%s" $k.tls.caKey | quote }}
{{- end }}
{{- if and $k.tls.existingSecret $k.tls.certKey }}
- name: KAFKA_SSL_CERT_FILE
  value: {{ printf "/etc/tributary/kafka-tls/%s" $k.tls.certKey | quote }}
- name: KAFKA_SSL_KEY_FILE
  value: {{ printf "/etc/tributary/kafka-tls/%s" (required "kafka.tls.keyKey is required with kafka.tls.certKey" $k.tls.keyKey) | quote }}
{{- end }}
{{- with $k.tls.serverName }}
- name: KAFKA_SSL_SERVERNAME
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end -}}
