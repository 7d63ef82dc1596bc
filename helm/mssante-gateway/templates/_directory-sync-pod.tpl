{{/* The pod of directory-sync, shared by its Deployment (service mode), its CronJob and the
     first-sync Job. Call with (dict "ctx" $ "once" true|false). */}}
{{- define "mssgw.directorySync.pod" -}}
{{- $ := .ctx -}}
{{- $d := $.Values.directorySync -}}
metadata:
  labels:
    {{- include "mssgw.labels" (dict "ctx" $ "component" "directory-sync") | nindent 4 }}
    {{- with $d.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "mssgw.directorySync.appsettings" $ | sha256sum }}
    {{- with $.Values.commonAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with $d.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  {{- if .once }}
  restartPolicy: Never
  {{- end }}
  serviceAccountName: {{ include "mssgw.serviceAccountName" $ }}
  automountServiceAccountToken: {{ $.Values.serviceAccount.automountServiceAccountToken }}
  {{- include "mssgw.imagePullSecrets" $ | nindent 2 }}
  securityContext:
    {{- include "mssgw.podSecurityContext" (dict "ctx" $ "component" $d) | nindent 4 }}
  {{- with $d.initContainers }}
  initContainers:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: directory-sync
      image: {{ include "mssgw.image" (dict "ctx" $ "image" $d.image) }}
      imagePullPolicy: {{ $d.image.pullPolicy }}
      # The settings file is named explicitly (directory-sync does not read appsettings.{Environment}.json).
      # --once: one run, then exit (Jobs); without it, service mode: a run at start, then every Interval.
      args:
        {{- if .once }}
        - --once
        {{- end }}
        - --config
        - {{ include "mssgw.paths.directorySyncConfig" $ }}/appsettings.json
      securityContext:
        {{- include "mssgw.containerSecurityContext" (dict "ctx" $ "component" $d) | nindent 8 }}
      {{- include "mssgw.envFrom" $d | nindent 6 }}
      env:
        - name: DOTNET_ENVIRONMENT
          value: Production
        - name: ASPNETCORE_ENVIRONMENT
          value: Production
        {{- with $d.extraEnv }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if not .once }}
      ports:
        - name: http-metrics
          containerPort: {{ $d.httpPort }}
          protocol: TCP
      livenessProbe:
        httpGet:
          path: /healthz
          port: http-metrics
        periodSeconds: {{ $d.probes.liveness.periodSeconds }}
        failureThreshold: {{ $d.probes.liveness.failureThreshold }}
        timeoutSeconds: {{ $d.probes.liveness.timeoutSeconds }}
      # 200 once a sync has succeeded and the last one did not fail: helm --wait waits for the first sync.
      readinessProbe:
        httpGet:
          path: /readyz
          port: http-metrics
        periodSeconds: {{ $d.probes.readiness.periodSeconds }}
        failureThreshold: {{ $d.probes.readiness.failureThreshold }}
        timeoutSeconds: {{ $d.probes.readiness.timeoutSeconds }}
      {{- end }}
      resources:
        {{- toYaml $d.resources | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: {{ include "mssgw.paths.directorySyncConfig" $ }}
          readOnly: true
        {{- if $d.authorisedDomains.url }}
        - name: trust
          mountPath: {{ include "mssgw.paths.trust" $ }}
          readOnly: true
        {{- end }}
        {{- if include "mssgw.redisSecretName" $ }}
        - name: redis-password
          mountPath: {{ include "mssgw.paths.redis" $ }}
          readOnly: true
        {{- end }}
        {{- if include "mssgw.ldapSecretName" $ }}
        - name: ldap-password
          mountPath: {{ include "mssgw.paths.ldap" $ }}
          readOnly: true
        {{- end }}
        {{- if $d.ldap.caSecret }}
        - name: ldap-ca
          mountPath: {{ include "mssgw.paths.ldapCa" $ }}
          readOnly: true
        {{- end }}
        {{- if $.Values.redis.tlsCa.existingSecret }}
        - name: redis-ca
          mountPath: {{ include "mssgw.paths.redisCa" $ }}
          readOnly: true
        {{- end }}
        - name: tmp
          mountPath: /tmp
    {{- with $d.sidecars }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "mssgw.directorySync.fullname" $ }}
    {{- if $d.authorisedDomains.url }}
    - name: trust
      secret:
        secretName: {{ include "mssgw.trustSecretName" $ }}
        defaultMode: 0444
    {{- end }}
    {{- with $.Values.redis.tlsCa.existingSecret }}
    - name: redis-ca
      secret:
        secretName: {{ . }}
        defaultMode: 0444
    {{- end }}
    {{- with include "mssgw.redisSecretName" $ }}
    - name: redis-password
      secret:
        secretName: {{ . }}
        defaultMode: 0440
    {{- end }}
    {{- with include "mssgw.ldapSecretName" $ }}
    - name: ldap-password
      secret:
        secretName: {{ . }}
        defaultMode: 0440
    {{- end }}
    {{- with $d.ldap.caSecret }}
    - name: ldap-ca
      secret:
        secretName: {{ . }}
        defaultMode: 0444
    {{- end }}
    - name: tmp
      emptyDir:
        {{- with $d.tmpVolume.medium }}
        medium: {{ . }}
        {{- end }}
        sizeLimit: {{ $d.tmpVolume.sizeLimit }}
  {{- with $d.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $d.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $d.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
