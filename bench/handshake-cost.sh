#!/usr/bin/env bash
# What one full mutual-TLS session costs the gateway: bench/lib/gateway.sh (production checks on), a
# warm-up, then N one-message sessions (2 KB, 8 clients, STARTTLS with the dev CPS certificate,
# ../shared/bench/smtpload.py), and the gateway's CPU milliseconds per session (bench/lib/cputime.py).
# Compare two builds by running it twice with GATEWAY_DLL (alternate them, several pairs, medians).
# COUNT=1 also counts libcrypto calls per session over 500 sessions with uprobes, when they are defined
# (`perf probe -x /usr/lib/x86_64-linux-gnu/libcrypto.so.3 --add X509_verify_cert` etc.;
# docs/benchmarks.md "Where the client certificate's 2.9 ms go"); the counts go to $work/../handshake-count-LABEL.txt.
# Usage: [SESSIONS=2000] [WARMUP=1500] [COUNT=0] [GATEWAY_DLL=…] bench/handshake-cost.sh LABEL   (under flock -x /tmp/mssgw-quiet.lock)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
label=${1:-gateway}
source bench/lib/gateway.sh
trap stop_gateway EXIT
start_gateway
load() { python3 "$shared/smtpload.py" --port "$port" --mode starttls --ca "$work/pki/ca.pem" --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test --size 2000 --concurrency 8 --per-session 1 --messages "$1"; }
load "${WARMUP:-1500}" >/dev/null
if [ "${COUNT:-0}" = 1 ]; then
  out=/tmp/handshake-count-$label.txt
  perf stat -e 'probe_libcrypto:*' -p "$gw" -o "$out" -- sleep 100000 & sleep 1
  load 500 >/dev/null
  pkill -f "^sleep 100000" || true; sleep 1
  echo "libcrypto calls over 500 sessions ($out):"; grep probe "$out" || true
fi
n=${SESSIONS:-2000}
g0=$(python3 bench/lib/cputime.py pid "$gw")
result=$(load "$n")
g1=$(python3 bench/lib/cputime.py pid "$gw")
echo "$label: $result gateway_cpu_ms_per_session=$(python3 -c "print(f'{($g1 - $g0) / $n:.2f}')")"
