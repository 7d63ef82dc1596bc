#!/usr/bin/env bash
# Side by side in one run: Postfix configured by ../shared/bench/postfix-peer.sh (STARTTLS required,
# client certificate required and verified, queue with fsync, delivery to discard) and mssgw with its
# production checks on (bench/lib/gateway.sh), same certificates (a fresh dev PKI), same load tool
# (../shared/bench/smtpload.py), 20 KB messages, 16 concurrent clients:
#   A: one new mutual-TLS session per message     B: 50 messages per session
# Each workload runs RUNS times (default 3), Postfix then mssgw each time; prints messages/s and p99
# of both, their ratio per run and the median ratio.
# Usage: [RUNS=3] bench/compare-postfix.sh [--short]   (--short: one short run; exits 1 when a ratio < 1.0)
# Needs root (it configures the machine's Postfix), postfix, python3. SHARED_BENCH overrides ../shared/bench.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
[ -f "$shared/smtpload.py" ] && [ -f "$shared/postfix-peer.sh" ] || { echo "compare-postfix: $shared/smtpload.py and postfix-peer.sh not found (set SHARED_BENCH)" >&2; exit 2; }
short=0; [ "${1:-}" = "--short" ] && short=1
if [ $short = 1 ]; then msgs_a=400; msgs_b=2000; runs=1; warm=300; else msgs_a=3000; msgs_b=15000; runs=${RUNS:-3}; warm=5000; fi

source bench/lib/gateway.sh
trap 'stop_gateway; postfix stop >/dev/null 2>&1 || true' EXIT
start_gateway
bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null

load() { # port per_session messages
  python3 "$shared/smtpload.py" --port "$1" --mode starttls --ca "$work/pki/ca.pem" \
    --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test \
    --size 20000 --concurrency 16 --per-session "$2" --messages "$3"
}
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }

# Warm-up, the same for both: 5,000 one-message sessions each. A gateway runs for weeks; its
# steady state is what operators get (measured: the JIT's tiering settles over the first ~8,000
# sessions), and Postfix's smtpd processes are reused the same way.
load 10025 1 "$warm" >/dev/null; load "$port" 1 "$warm" >/dev/null
status=0
printf '%-24s %4s %12s %8s %8s %12s %8s %8s %7s\n' workload run postfix_msg/s p50_ms p99_ms mssgw_msg/s p50_ms p99_ms ratio
for w in "A 1 $msgs_a" "B 50 $msgs_b"; do
  set -- $w
  ratios=()
  for r in $(seq 1 "$runs"); do
    pf=$(load 10025 "$2" "$3"); gwr=$(load "$port" "$2" "$3")
    ratio=$(python3 -c "print(f'{$(field msgs_per_s "$gwr")/$(field msgs_per_s "$pf"):.2f}')")
    ratios+=("$ratio")
    printf '%-24s %4s %12s %8s %8s %12s %8s %8s %7s\n' "$1 ($2 msg/session)" "$r" \
      "$(field msgs_per_s "$pf")" "$(field p50_ms "$pf")" "$(field p99_ms "$pf")" \
      "$(field msgs_per_s "$gwr")" "$(field p50_ms "$gwr")" "$(field p99_ms "$gwr")" "$ratio"
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-24s %4s %77s\n' "$1 median ratio" "" "$median"
  python3 -c "import sys; sys.exit(0 if $median >= 1.0 else 1)" || status=1
done
[ $short = 1 ] && exit $status
exit 0
