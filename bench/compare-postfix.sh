#!/usr/bin/env bash
# Side by side in one run: Postfix configured by ../shared/bench/postfix-peer.sh (STARTTLS required,
# client certificate required and verified, queue with fsync, delivery to discard) and mssgw with its
# production checks on (bench/lib/gateway.sh), same certificates (a fresh dev PKI), same load tool
# (../shared/bench/smtpload.py), 20 KB messages, 16 concurrent clients:
#   A:          one new mutual-TLS session per message (full handshake each time)
#   A, resumed: one session per message, each resuming the client's last TLS session (ticket / TLS 1.3
#               PSK), as a hospital MTA with a TLS session cache does (bench/lib/smtpload_resumed.py)
#   B:          50 messages per session
# Each workload runs RUNS times (default 3), Postfix then mssgw each time. Printed per run: messages/s,
# p50/p99 accept latency, each server's CPU milliseconds per message (the gateway's process; every
# Postfix process together, reaped children included: bench/lib/cputime.py) and the two ratios
# (throughput mssgw/Postfix, CPU per message Postfix/mssgw: above 1 means mssgw spends less). For the
# resumed workload, the handshakes each server resumed; `rest` is what the rest of the machine spent
# per message meanwhile (all CPUs' busy time from /proc/stat minus the server's: the load tool, and
# anyone else — on a quiet machine it is the load tool alone, so a large `rest` says the run was noisy).
# Then the median ratios, and the median CPU per message of each server.
# Usage: [RUNS=3] [MESSAGES_A=3000] [MESSAGES_B=15000] [WARMUP=5000] [GATEWAY_DLL=...] bench/compare-postfix.sh [--short]
#        (--short: one short run; exits 1 when a throughput ratio < 1.0)
# Needs root (it configures the machine's Postfix), postfix, python3. SHARED_BENCH overrides ../shared/bench.
# Run it under `flock -x /tmp/mssgw-quiet.lock` (no build beside it; the machine's Postfix is shared by every benchmark).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
[ -f "$shared/smtpload.py" ] && [ -f "$shared/postfix-peer.sh" ] || { echo "compare-postfix: $shared/smtpload.py and postfix-peer.sh not found (set SHARED_BENCH)" >&2; exit 2; }
short=0; [ "${1:-}" = "--short" ] && short=1
if [ $short = 1 ]; then msgs_a=400; msgs_b=2000; runs=1; warm=300; else msgs_a=${MESSAGES_A:-3000}; msgs_b=${MESSAGES_B:-15000}; runs=${RUNS:-3}; warm=${WARMUP:-5000}; fi

source bench/lib/gateway.sh
trap 'stop_gateway; postfix stop >/dev/null 2>&1 || true' EXIT
start_gateway
bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null

load() { # port per_session messages resume(0|1)
  local tool=("$shared/smtpload.py")
  [ "$4" = 1 ] && tool=(bench/lib/smtpload_resumed.py "$shared/smtpload.py")
  python3 "${tool[@]}" --port "$1" --mode starttls --ca "$work/pki/ca.pem" \
    --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test \
    --size 20000 --concurrency 16 --per-session "$2" --messages "$3" 2>"$work/load.err"
}
cpu_ms() { if [ "$1" = postfix ]; then python3 bench/lib/cputime.py postfix 10025; else python3 bench/lib/cputime.py pid "$gw"; fi; }
# One measured load: prints the load tool's line, then " cpu_ms=N rest_ms=M resumed=R/H"
measured() { # server port per_session messages resume
  local before after mbefore mafter out res
  mbefore=$(python3 bench/lib/cputime.py machine); before=$(cpu_ms "$1")
  out=$(load "$2" "$3" "$4" "$5")
  after=$(cpu_ms "$1"); mafter=$(python3 bench/lib/cputime.py machine)
  res=$(sed -nE 's/.*tls_handshakes=([0-9]+) resumed=([0-9]+).*/\2\/\1/p' "$work/load.err")
  echo "$out cpu_ms=$((after - before)) rest_ms=$((mafter - mbefore - (after - before))) resumed=${res:--}"
}
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
rfield() { sed -E "s/.*$1=([^ ]+).*/\1/" <<<"$2"; }
per_msg() { python3 -c "ok=$(field messages_ok "$1"); c=$(field "${2:-cpu_ms}" "$1"); print(f'{c/ok:.2f}' if ok else 'nan')"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Warm-up, the same for both: 5,000 one-message sessions each. A gateway runs for weeks; its
# steady state is what operators get (measured: the JIT's tiering settles over the first ~8,000
# sessions), and Postfix's smtpd processes are reused the same way.
load 10025 1 "$warm" 0 >/dev/null; load "$port" 1 "$warm" 0 >/dev/null
status=0
printf '%-26s %3s | %9s %7s %7s %7s %5s %9s | %9s %7s %7s %7s %5s %9s | %6s %6s\n' workload run \
  pf_msg/s p50_ms p99_ms cpu_ms rest resumed gw_msg/s p50_ms p99_ms cpu_ms rest resumed ratio cpu_x
for w in "A:1:$msgs_a:0" "A,_resumed:1:$msgs_a:1" "B:50:$msgs_b:0"; do
  IFS=: read -r name per msgs resume <<<"$w"; name=${name//_/ }
  ratios=(); cpus=(); pfcs=(); gwcs=()
  for r in $(seq 1 "$runs"); do
    pf=$(measured postfix 10025 "$per" "$msgs" "$resume"); gwr=$(measured gateway "$port" "$per" "$msgs" "$resume")
    pfc=$(per_msg "$pf"); gwc=$(per_msg "$gwr")
    ratio=$(python3 -c "print(f'{$(field msgs_per_s "$gwr")/$(field msgs_per_s "$pf"):.2f}')")
    cpux=$(python3 -c "print(f'{$pfc/$gwc:.2f}' if $gwc > 0 else 'nan')")
    ratios+=("$ratio"); cpus+=("$cpux"); pfcs+=("$pfc"); gwcs+=("$gwc")
    printf '%-26s %3s | %9s %7s %7s %7s %5s %9s | %9s %7s %7s %7s %5s %9s | %6s %6s\n' "$name ($per msg/session)" "$r" \
      "$(field msgs_per_s "$pf")" "$(field p50_ms "$pf")" "$(field p99_ms "$pf")" "$pfc" "$(per_msg "$pf" rest_ms)" "$(rfield resumed "$pf")" \
      "$(field msgs_per_s "$gwr")" "$(field p50_ms "$gwr")" "$(field p99_ms "$gwr")" "$gwc" "$(per_msg "$gwr" rest_ms)" "$(rfield resumed "$gwr")" "$ratio" "$cpux"
  done
  m=$(median "${ratios[@]}"); mc=$(median "${cpus[@]}")
  printf '%-26s %3s   %-50s postfix cpu_ms %s, mssgw cpu_ms %s %6s %6s\n' "$name median" "" "(ratio: mssgw/Postfix msgs/s; cpu_x: Postfix/mssgw)" \
    "$(median "${pfcs[@]}")" "$(median "${gwcs[@]}")" "$m" "$mc"
  python3 -c "import sys; sys.exit(0 if $m >= 1.0 else 1)" || status=1
done
[ $short = 1 ] && exit $status
exit 0
