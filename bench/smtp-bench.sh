#!/usr/bin/env bash
# Accept-path benchmark of the gateway: starts mssgw (Release) on loopback with a fresh dev PKI and a
# temp spool (fsync on), drives it with bench/SmtpLoad over STARTTLS with a client certificate and
# prints messages/s and p50/p99 accept latency for two workloads:
#   A: one new mutual-TLS session per message, 16 concurrent clients
#   B: 50 messages per session, 16 concurrent clients
# Usage: bench/smtp-bench.sh [MESSAGES_A] [MESSAGES_B]      (defaults 2000 and 10000)
set -euo pipefail
cd "$(dirname "$0")/.."
msgs_a=${1:-2000}; msgs_b=${2:-10000}
work=$(mktemp -d /tmp/mssgw-bench.XXXXXX)
trap 'kill $gw 2>/dev/null || true; wait $gw 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release -nologo -v quiet gateway/MssGateway.Host/MssGateway.Host.csproj >/dev/null
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
scripts/dev-pki.sh "$work/pki" >/dev/null
cp gateway/MssGateway.Host/dev/directory.json "$work/directory.json"
port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
http=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
cat > "$work/gateway.json" <<JSON
{ "Gateway": {
  "ServerName": "gateway.hopital-dev.mssante.test",
  "Listeners": [ { "Name": "submission", "Address": "127.0.0.1", "Port": $port, "TlsMode": "StartTls" } ],
  "Tls": { "CertificateFile": "$work/pki/server.pem", "KeyFile": "$work/pki/server.key", "ChainFile": "$work/pki/ca-elementaire-organisations.pem" },
  "Trust": { "AnchorPaths": [ "$work/pki/ca.pem" ], "Revocation": { "UseDistributionPoints": false, "CacheDirectory": "$work/crl-cache",
             "CrlFiles": [ "$work/pki/crl/root-fort.crl.pem", "$work/pki/crl/root-elementaire.crl.pem", "$work/pki/crl/ca-fort-personnes.crl.pem", "$work/pki/crl/ca-elementaire-organisations.crl.pem" ] } },
  "Spool": { "Path": "$work/spool", "MinimumFreeBytes": 104857600 },
  "Http": { "Address": "127.0.0.1", "Port": $http },
  "Directory": { "Kind": "File", "File": "$work/directory.json" },
  "Delivery": { "Enabled": false },
  "Smtp": { "Limits": { "MaxConcurrentSessionsPerClient": 5000, "MaxConcurrentSessions": 5000 } },
  "Logging": { "Format": "Json" }
} }
JSON
DOTNET_gcServer=0 dotnet gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll --config "$work/gateway.json" \
  --Logging:LogLevel:Default=Warning > "$work/gateway.log" 2>&1 &
gw=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.2; done

load=bench/SmtpLoad/bin/Release/net10.0/smtpload.dll
common=(--port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 20000)
dotnet "$load" "${common[@]}" --messages 200 --per-session 1 >/dev/null   # warm-up
echo "A (1 message/session):   $(dotnet "$load" "${common[@]}" --messages "$msgs_a" --per-session 1)"
echo "B (50 messages/session): $(dotnet "$load" "${common[@]}" --messages "$msgs_b" --per-session 50)"
if [ "${IDLE_SESSIONS:-0}" -gt 0 ]; then
  before=$(awk '/VmRSS/{print $2}' /proc/$gw/status)
  dotnet "$load" --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --idle "$IDLE_SESSIONS" --hold-seconds 20 &
  holder=$!; sleep 15
  after=$(awk '/VmRSS/{print $2}' /proc/$gw/status)
  echo "idle TLS sessions: $IDLE_SESSIONS, RSS before ${before} kB, with sessions ${after} kB, per session $(( (after - before) * 1024 / IDLE_SESSIONS )) bytes"
  wait $holder
fi
