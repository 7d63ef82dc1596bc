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
source bench/lib/gateway.sh
trap stop_gateway EXIT
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
start_gateway

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
