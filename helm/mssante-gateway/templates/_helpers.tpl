{{/* Names ------------------------------------------------------------------------------------ */}}

{{- define "mssgw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource-name prefix; 52 characters leave room for the suffixes below and the StatefulSet's
     controller-revision-hash label (63 - 11). */}}
{{- define "mssgw.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "mssgw.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "mssgw.gateway.fullname" -}}{{ include "mssgw.fullname" . }}{{- end -}}
{{- define "mssgw.directorySync.fullname" -}}{{ include "mssgw.fullname" . }}-directory-sync{{- end -}}

{{- define "mssgw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "mssgw.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Labels ----------------------------------------------------------------------------------- */}}

{{/* Labels on every resource. Call with (dict "ctx" $ "component" "gateway"). */}}
{{- define "mssgw.labels" -}}
helm.sh/chart: {{ include "mssgw.chart" .ctx }}
{{ include "mssgw.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: mssante-gateway
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Immutable selector labels (StatefulSet/Service selectors). */}}
{{- define "mssgw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mssgw.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Label a pod carries while it should receive SMTP traffic; removing it drains the pod
     (docs/deploy.md, "Scaling down"). Not part of the StatefulSet selector. */}}
{{- define "mssgw.trafficLabelKey" -}}mssante-gateway/traffic{{- end -}}

{{/* Label of the metrics Services whose value becomes the Prometheus job name (ServiceMonitor jobLabel). */}}
{{- define "mssgw.jobLabelKey" -}}mssante-gateway/job{{- end -}}

{{/* The scrape job names: the one source of the job label in the chart. The alert rules
     (files/prometheus-rules.yaml), the dashboard and docker/prometheus/prometheus.yml select these
     values; tests/MssGateway.Packaging.Tests/ScrapeJobTests.cs derives the label Prometheus gives
     the targets and runs the promtool rule tests with it. Fixed, not values: a release name or a
     renamed Service never changes what the rules select. */}}
{{- define "mssgw.gateway.jobName" -}}mssgw{{- end -}}
{{- define "mssgw.directorySync.jobName" -}}mssgw-directory-sync{{- end -}}

{{/* metadata.annotations: commonAnnotations merged with (dict "ctx" $ "annotations" …), or nothing. */}}
{{- define "mssgw.annotations" -}}
{{- $all := mustMergeOverwrite (deepCopy (default (dict) .ctx.Values.commonAnnotations)) (default (dict) .annotations) -}}
{{- with $all }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Images ----------------------------------------------------------------------------------- */}}

{{/* registry/repository:tag or @digest; global.imageRegistry wins over the image's registry. */}}
{{- define "mssgw.image" -}}
{{- $tag := default .ctx.Chart.AppVersion .image.tag -}}
{{- $registry := default .image.registry (.ctx.Values.global).imageRegistry -}}
{{- $name := ternary (printf "%s/%s" $registry .image.repository) .image.repository (ne (default "" $registry) "") -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $name .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $name $tag -}}
{{- end -}}
{{- end -}}

{{/* imagePullSecrets of a pod spec: the chart's and global ones, or nothing. */}}
{{- define "mssgw.imagePullSecrets" -}}
{{- $all := concat (default (list) .Values.imagePullSecrets) (default (list) (.Values.global).imagePullSecrets) | uniq -}}
{{- with $all }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Security contexts: the top-level ones with the component's own merged over them.
     Call with (dict "ctx" $ "component" .Values.gateway). */}}
{{- define "mssgw.podSecurityContext" -}}
{{- toYaml (mustMergeOverwrite (deepCopy .ctx.Values.podSecurityContext) (deepCopy (default (dict) .component.podSecurityContext))) -}}
{{- end -}}
{{- define "mssgw.containerSecurityContext" -}}
{{- toYaml (mustMergeOverwrite (deepCopy .ctx.Values.securityContext) (deepCopy (default (dict) .component.containerSecurityContext))) -}}
{{- end -}}

{{/* envFrom of a component's container (extraEnvVarsCM / extraEnvVarsSecret), or nothing. */}}
{{- define "mssgw.envFrom" -}}
{{- if or .extraEnvVarsCM .extraEnvVarsSecret }}
envFrom:
  {{- with .extraEnvVarsCM }}
  - configMapRef:
      name: {{ . }}
  {{- end }}
  {{- with .extraEnvVarsSecret }}
  - secretRef:
      name: {{ . }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Secrets ---------------------------------------------------------------------------------- */}}

{{- define "mssgw.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "mssgw.fullname" .)) .Values.gateway.tls.existingSecret -}}
{{- end -}}

{{- define "mssgw.trustSecretName" -}}
{{- default (printf "%s-trust" (include "mssgw.fullname" .)) .Values.gateway.trust.existingSecret -}}
{{- end -}}

{{- define "mssgw.crlSecretName" -}}
{{- default (printf "%s-crl" (include "mssgw.fullname" .)) .Values.gateway.trust.crl.existingSecret -}}
{{- end -}}

{{/* Name of the Secret with the Redis password, or "" when Redis has no password. */}}
{{- define "mssgw.redisSecretName" -}}
{{- if .Values.redis.password.existingSecret -}}
{{- .Values.redis.password.existingSecret -}}
{{- else if .Values.redis.password.value -}}
{{- printf "%s-redis" (include "mssgw.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Secret with the key of the address hash in logs (Gateway:Logging:HashKeyFile), or "". */}}
{{- define "mssgw.hashKeySecretName" -}}
{{- if .Values.gateway.logging.hashAddresses -}}
{{- default (printf "%s-log-hash" (include "mssgw.fullname" .)) .Values.gateway.logging.hashKey.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* Secret with the spool's key-encryption keys (Gateway:Spool:Encryption), or "" when encryption is off. */}}
{{- define "mssgw.spoolKeySecretName" -}}
{{- if .Values.gateway.spool.encryption.enabled -}}
{{- default (printf "%s-spool-keys" (include "mssgw.fullname" .)) .Values.gateway.spool.encryption.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* Secret with the journal's checkpoint signing key (Gateway:Journal:SigningKeyFile), or "". */}}
{{- define "mssgw.journalKeySecretName" -}}
{{- if .Values.gateway.journal.enabled -}}
{{- default (printf "%s-journal-key" (include "mssgw.fullname" .)) .Values.gateway.journal.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "mssgw.ldapSecretName" -}}
{{- if .Values.directorySync.ldap.password.existingSecret -}}
{{- .Values.directorySync.ldap.password.existingSecret -}}
{{- else if .Values.directorySync.ldap.password.value -}}
{{- printf "%s-ldap" (include "mssgw.directorySync.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Paths inside the containers (the Dockerfiles keep the root filesystem read-only). ----------- */}}
{{- define "mssgw.paths.tls" -}}/etc/mssgw/tls{{- end -}}
{{- define "mssgw.paths.trust" -}}/etc/mssgw/trust{{- end -}}
{{- define "mssgw.paths.crl" -}}/etc/mssgw/crl{{- end -}}
{{- define "mssgw.paths.redis" -}}/etc/mssgw/redis{{- end -}}
{{- define "mssgw.paths.ldap" -}}/etc/mssgw/ldap{{- end -}}
{{- define "mssgw.paths.ldapCa" -}}/etc/mssgw/ldap-ca{{- end -}}
{{- define "mssgw.paths.redisCa" -}}/etc/mssgw/redis-ca{{- end -}}
{{- define "mssgw.paths.directorySyncConfig" -}}/etc/mssgw/directory-sync{{- end -}}
{{- define "mssgw.paths.spool" -}}/var/spool/mssgw{{- end -}}
{{- define "mssgw.paths.cache" -}}/var/cache/mssgw{{- end -}}
{{/* The chart's settings replace the image's sample appsettings.json (content root /app) whole:
     layering over it would merge the Listeners arrays index by index. */}}
{{- define "mssgw.paths.appsettings" -}}/app/appsettings.json{{- end -}}
{{- define "mssgw.paths.hashKey" -}}/etc/mssgw/logging{{- end -}}
{{- define "mssgw.paths.spoolKeys" -}}/etc/mssgw/spool-keys{{- end -}}
{{- define "mssgw.paths.journalKey" -}}/etc/mssgw/journal{{- end -}}

{{/* Shutdown --------------------------------------------------------------------------------- */}}

{{/* The drain (Gateway:Shutdown:DrainTimeout) as a .NET TimeSpan "hh:mm:ss". */}}
{{- define "mssgw.drainTimeout" -}}
{{- $s := int .Values.gateway.shutdown.drainTimeoutSeconds -}}
{{- printf "%02d:%02d:%02d" (div $s 3600) (div (mod $s 3600) 60) (mod $s 60) -}}
{{- end -}}

{{/* Kubernetes waits this long after SIGTERM (and the preStop sleep) before SIGKILL: the drain
     plus a margin, so a drain never gets cut short. */}}
{{- define "mssgw.terminationGracePeriodSeconds" -}}
{{- $sd := .Values.gateway.shutdown -}}
{{- add (int $sd.preStopSleepSeconds) (int $sd.drainTimeoutSeconds) (int $sd.graceMarginSeconds) -}}
{{- end -}}

{{/* Configuration ---------------------------------------------------------------------------- */}}

{{/* StackExchange.Redis configuration string. */}}
{{- define "mssgw.redisConfiguration" -}}
{{- $r := .Values.redis -}}
{{- $parts := list $r.address -}}
{{- if $r.extraOptions -}}{{- $parts = append $parts $r.extraOptions -}}{{- end -}}
{{- join "," $parts -}}
{{- end -}}

{{/* The Redis section shared by the gateway (Gateway:Directory:Redis) and directory-sync
     (DirectorySync:Redis), as JSON. */}}
{{- define "mssgw.redisSettings" -}}
{{- $r := .Values.redis -}}
{{- $redis := dict "Configuration" (include "mssgw.redisConfiguration" .) "Tls" $r.tls -}}
{{- if $r.user -}}{{- $_ := set $redis "User" $r.user -}}{{- end -}}
{{- if include "mssgw.redisSecretName" . -}}{{- $_ := set $redis "PasswordFile" (printf "%s/%s" (include "mssgw.paths.redis" .) $r.password.key) -}}{{- end -}}
{{- if $r.tlsCa.existingSecret -}}{{- $_ := set $redis "TlsCaFile" (printf "%s/%s" (include "mssgw.paths.redisCa" .) $r.tlsCa.key) -}}{{- end -}}
{{- toJson $redis -}}
{{- end -}}

{{/* The gateway's appsettings.json: generated from the values, then gateway.config merged over. */}}
{{- define "mssgw.gateway.appsettings" -}}
{{- $g := .Values.gateway -}}
{{- $listeners := list -}}
{{- range $g.listeners -}}
{{- $l := dict "Name" .name "Address" $g.listenAddress "Port" (int .port) "TlsMode" .tlsMode "RequireTls" .requireTls "ClientCertificate" .clientCertificate -}}
{{- if hasKey . "maxMessageSize" -}}{{- $_ := set $l "MaxMessageSize" (int64 .maxMessageSize) -}}{{- end -}}
{{- if hasKey . "smimePolicy" -}}{{- $_ := set $l "SmimePolicy" .smimePolicy -}}{{- end -}}
{{- $listeners = append $listeners $l -}}
{{- end -}}
{{- $tls := dict "CertificateFile" (printf "%s/tls.crt" (include "mssgw.paths.tls" .)) "KeyFile" (printf "%s/tls.key" (include "mssgw.paths.tls" .)) -}}
{{- $chainKey := $g.tls.chainKey -}}
{{- if and (not $chainKey) (not $g.tls.existingSecret) $g.tls.chain -}}{{- $chainKey = "chain.crt" -}}{{- end -}}
{{- if $chainKey -}}{{- $_ := set $tls "ChainFile" (printf "%s/%s" (include "mssgw.paths.tls" .) $chainKey) -}}{{- end -}}
{{- $redis := include "mssgw.redisSettings" . | fromJson -}}
{{- $anchors := printf "%s/%s" (include "mssgw.paths.trust" .) $g.trust.anchorsKey -}}
{{- $crlFiles := list -}}
{{- $crlNames := $g.trust.crl.keys -}}
{{- if and (not $g.trust.crl.existingSecret) $g.trust.crl.files -}}{{- $crlNames = keys $g.trust.crl.files | sortAlpha -}}{{- end -}}
{{- range $crlNames -}}{{- $crlFiles = append $crlFiles (printf "%s/%s" (include "mssgw.paths.crl" $) .) -}}{{- end -}}
{{- $logging := dict "Format" $g.logging.format "HashAddresses" $g.logging.hashAddresses -}}
{{- if $g.logging.hashAddresses -}}{{- $_ := set $logging "HashKeyFile" (printf "%s/%s" (include "mssgw.paths.hashKey" .) $g.logging.hashKey.key) -}}{{- end -}}
{{/* Gateway:Trust (docs/trust.md): anchors bundle, configured CRL files, CRL cache on a writable volume. */}}
{{- $trust := dict
  "AnchorPaths" (list $anchors)
  "Revocation" (dict "CacheDirectory" (printf "%s/crl" (include "mssgw.paths.cache" .)) "CrlFiles" $crlFiles)
-}}
{{- $spool := dict "Path" (include "mssgw.paths.spool" .) -}}
{{- if $g.spool.encryption.enabled -}}
{{- $previous := list -}}
{{- range $g.spool.encryption.previousKeys -}}{{- $previous = append $previous (printf "%s/%s" (include "mssgw.paths.spoolKeys" $) .) -}}{{- end -}}
{{- $_ := set $spool "Encryption" (dict "Enabled" true "KeyFile" (printf "%s/%s" (include "mssgw.paths.spoolKeys" .) $g.spool.encryption.currentKey) "PreviousKeyFiles" $previous) -}}
{{- end -}}
{{- $journal := dict "Enabled" $g.journal.enabled -}}
{{- if $g.journal.enabled -}}
{{- $_ := set $journal "SigningKeyFile" (printf "%s/%s" (include "mssgw.paths.journalKey" .) $g.journal.key) -}}
{{- $_ := set $journal "Retention" (printf "%d.00:00:00" (int $g.journal.retentionDays)) -}}
{{- end -}}
{{- $gateway := dict
  "ServerName" $g.serverName
  "Listeners" $listeners
  "Tls" $tls
  "Trust" $trust
  "Spool" $spool
  "Journal" $journal
  "Policy" (dict "TempPath" $g.tempPath)
  "Http" (dict "Address" $g.listenAddress "Port" (int $g.httpPort))
  "Directory" (dict "Kind" "Redis" "Redis" $redis)
  "Shutdown" (dict "DrainTimeout" (include "mssgw.drainTimeout" .))
  "Logging" $logging
-}}
{{- $settings := dict "Gateway" $gateway "Logging" (dict "LogLevel" (dict "Default" $g.logging.level "Microsoft.AspNetCore" "Warning")) -}}
{{- $settings = mustMergeOverwrite $settings (deepCopy $g.config) -}}
{{- toPrettyJson $settings -}}
{{- end -}}

{{/* directory-sync's appsettings.json (DirectorySync section, docs/directory.md). */}}
{{- define "mssgw.directorySync.appsettings" -}}
{{- $d := .Values.directorySync -}}
{{- $l := $d.ldap -}}
{{- $ldap := dict "Host" $l.host "Port" (int $l.port) "Security" $l.security "BaseDn" $l.baseDn -}}
{{- if $l.filter -}}{{- $_ := set $ldap "Filter" $l.filter -}}{{- end -}}
{{- if $l.bindDn -}}{{- $_ := set $ldap "BindDn" $l.bindDn -}}{{- end -}}
{{- if include "mssgw.ldapSecretName" . -}}{{- $_ := set $ldap "BindPasswordFile" (printf "%s/%s" (include "mssgw.paths.ldap" .) $l.password.key) -}}{{- end -}}
{{- if $l.caSecret -}}{{- $_ := set $ldap "TrustedCertificatesDirectory" (include "mssgw.paths.ldapCa" .) -}}{{- end -}}
{{- $domains := dict -}}
{{- if $d.authorisedDomains.url -}}
{{- $domains = dict "Url" $d.authorisedDomains.url "TrustedCaFile" (printf "%s/%s" (include "mssgw.paths.trust" .) .Values.gateway.trust.anchorsKey) -}}
{{- end -}}
{{- $sync := dict "Source" "Ldap" "Mode" $d.mode "Ldap" $ldap "Redis" (include "mssgw.redisSettings" . | fromJson) "AuthorisedDomains" $domains -}}
{{- if eq $d.workload "Deployment" -}}
{{- $_ := set $sync "Interval" $d.interval -}}
{{- $_ := set $sync "Http" (dict "Address" .Values.gateway.listenAddress "Port" (int $d.httpPort)) -}}
{{- end -}}
{{- $settings := dict "DirectorySync" $sync "Logging" (dict "LogLevel" (dict "Default" .Values.gateway.logging.level)) -}}
{{- $settings = mustMergeOverwrite $settings (deepCopy $d.config) -}}
{{- toPrettyJson $settings -}}
{{- end -}}

{{/* "true" when the Redis configuration string asks for Sentinel (StackExchange.Redis: serviceName=). */}}
{{- define "mssgw.redisSentinel" -}}
{{- if regexMatch "(^|,)\\s*serviceName=" (include "mssgw.redisConfiguration" .) -}}true{{- end -}}
{{- end -}}

{{/* Egress rules shared by both components: DNS, Redis (Sentinel, extra ports), extraEgress. */}}
{{- define "mssgw.egress.common" -}}
{{- $e := .Values.networkPolicy.egress -}}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
- ports:
    - port: {{ $e.redisPort }}
      protocol: TCP
    {{- if include "mssgw.redisSentinel" . }}
    - port: {{ $e.redisSentinelPort }}
      protocol: TCP
    {{- end }}
    {{- range $e.redisExtraPorts }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
{{- with .Values.networkPolicy.extraEgress }}
{{ toYaml . }}
{{- end }}
{{- end -}}
