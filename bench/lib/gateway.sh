# Sourced by the bench scripts: builds and starts mssgw (Release) on loopback with a fresh dev PKI,
# its production checks on (trust engine with CRLs, sender binding, MIME policy with S/MIME under
# Tag, durable spool), delivery off. Sets: work (temp dir), port (submission, STARTTLS), http, gw (pid).
# With DELIVER_TO_PORT set, delivery is on: the dev domain is delivered to 127.0.0.1:$DELIVER_TO_PORT over
# STARTTLS, the gateway presenting its own certificate. GATEWAY_ARGS adds command-line configuration
# (e.g. GATEWAY_ARGS=--Gateway:Spool:Sync=PerFile); GATEWAY_DLL runs another build of mssgw.dll (e.g. a
# ReadyToRun publish); GATEWAY_ENV adds environment variables for the gateway process alone (e.g. the
# operator's memory settings of docs/smtp.md "Memory": GATEWAY_ENV="DOTNET_GCHeapHardLimit=0x10000000
# MALLOC_ARENA_MAX=2"). The gateway runs as it ships: its runtimeconfig (workstation GC, no
# thread-pool spinning) and the image's MALLOC_ARENA_MAX=2 (GATEWAY_MALLOC_ARENA_MAX changes it; empty =
# unset, glibc's default of 8 arenas per core). The caller's EXIT trap must call stop_gateway.
# The load comes from one address (127.0.0.1), so the per-client limits are raised and the per-client
# connection rate is off (BENCH_MAX_PER_CLIENT, BENCH_MAX_SESSIONS change them).
start_gateway() {
  work=$(mktemp -d /tmp/mssgw-bench.XXXXXX)
  # GATEWAY_DLL: an already built mssgw.dll (e.g. the "before" build of a comparison); else build this tree.
  [ -n "${GATEWAY_DLL:-}" ] || dotnet build -c Release -nologo -v quiet gateway/MssGateway.Host/MssGateway.Host.csproj >/dev/null
  scripts/dev-pki.sh "$work/pki" >/dev/null
  cp gateway/MssGateway.Host/dev/directory.json "$work/directory.json"
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  http=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  local delivery='{ "Enabled": false }'
  if [ -n "${DELIVER_TO_PORT:-}" ]; then
    delivery="{ \"Enabled\": true, \"LocalDomains\": [ \"hopital-dev.mssante.test\" ], \"InternalNextHop\": { \"Host\": \"127.0.0.1\", \"Port\": $DELIVER_TO_PORT, \"Protocol\": \"Smtp\", \"Tls\": \"StartTls\", \"CaFile\": \"$work/pki/ca.pem\", \"CheckCertificateName\": false, \"PresentClientCertificate\": true } }"
  fi
  cat > "$work/gateway.json" <<JSON
{ "Gateway": {
  "ServerName": "gateway.hopital-dev.mssante.test",
  "Listeners": [ { "Name": "submission", "Address": "127.0.0.1", "Port": $port, "TlsMode": "StartTls", "SmimePolicy": "Tag" } ],
  "Tls": { "CertificateFile": "$work/pki/server.pem", "KeyFile": "$work/pki/server.key", "ChainFile": "$work/pki/ca-elementaire-organisations.pem" },
  "Trust": { "AnchorPaths": [ "$work/pki/ca.pem" ], "Revocation": { "UseDistributionPoints": false, "CacheDirectory": "$work/crl-cache",
             "CrlFiles": [ "$work/pki/crl/root-fort.crl.pem", "$work/pki/crl/root-elementaire.crl.pem", "$work/pki/crl/ca-fort-personnes.crl.pem", "$work/pki/crl/ca-elementaire-organisations.crl.pem" ] } },
  "Spool": { "Path": "$work/spool", "MinimumFreeBytes": 104857600 },
  "Http": { "Address": "127.0.0.1", "Port": $http },
  "Directory": { "Kind": "File", "File": "$work/directory.json" },
  "Delivery": $delivery,
  "Smtp": { "Limits": { "MaxConcurrentSessionsPerClient": ${BENCH_MAX_PER_CLIENT:-5000}, "MaxConcurrentSessions": ${BENCH_MAX_SESSIONS:-5000}, "MaxConnectionRatePerClient": 0 } },
  "Logging": { "Format": "Json" }
} }
JSON
  local arena=(-u MALLOC_ARENA_MAX)
  [ -z "${GATEWAY_MALLOC_ARENA_MAX-2}" ] || arena=("MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENA_MAX-2}")
  env "${arena[@]}" ${GATEWAY_ENV:-} dotnet "${GATEWAY_DLL:-gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll}" --config "$work/gateway.json" \
    --Logging:LogLevel:Default=Warning ${GATEWAY_ARGS:-} > "$work/gateway.log" 2>&1 &
  gw=$!
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && return 0; sleep 0.2; done
  echo "gateway did not become ready:" >&2; cat "$work/gateway.log" >&2; return 1
}

stop_gateway() {
  [ -n "${gw:-}" ] && { kill "$gw" 2>/dev/null || true; wait "$gw" 2>/dev/null || true; }
  [ -n "${work:-}" ] && rm -rf "$work"
}
