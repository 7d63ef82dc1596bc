#!/usr/bin/env bash
# End-to-end throughput, accept → delivered at the receiver: mssgw with every check on accepts over
# STARTTLS with the dev CPS certificate (bench/SmtpLoad, 16 clients, 50 messages per session, 20 KB)
# and delivers each message over STARTTLS with its own certificate to Postfix on 127.0.0.1:10025
# (configured by ../shared/bench/postfix-peer.sh: client certificate required, queue with fsync).
# Prints the accept rate and the end-to-end rate (until the gateway's spool is empty).
# Usage: bench/e2e-bench.sh [MESSAGES]     (default 5000; needs root and postfix)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
n=${1:-5000}
source bench/lib/gateway.sh
trap 'stop_gateway; postfix stop >/dev/null 2>&1 || true' EXIT
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
DELIVER_TO_PORT=10025 start_gateway
bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null
load=bench/SmtpLoad/bin/Release/net10.0/smtpload.dll
spool_count() { find "$work/spool/incoming" "$work/spool/active" "$work/spool/deferred" -type f | wc -l; }
start=$(date +%s.%N)
echo "accept: $(dotnet "$load" --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 20000 --per-session 50 --messages "$n")"
while [ "$(spool_count)" -gt 0 ]; do sleep 0.2; done
end=$(date +%s.%N)
python3 -c "s=$end-$start; print(f'end to end: {$n} messages accepted and delivered in {s:.2f} s = {$n/s:.1f} msgs/s (deferred now: 0)')"
