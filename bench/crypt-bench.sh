#!/usr/bin/env bash
# Issue 17, side by side in one run: workloads A (one mutual-TLS session per message) and B (50
# messages per session) of bench/smtp-bench.sh (16 clients, 20 KB, fsync on, the same load), with the
# spool in clear and the journal off ("plain") vs the spool encrypted and the exchange journal on
# ("crypt"). RUNS rounds (default 3), the order of the modes rotating from round to round so drift of
# the machine favours none; prints each run (msgs/s, p50/p99 accept latency, and the gateway's own CPU
# per message read from /proc: user+system ms), then the medians and the ratio of each mode to plain
# (target for crypt >= 0.95). Each gateway is warmed first with WARMUP_A (1500) messages of A and
# WARMUP_B (3000) of B, so the tiered JIT has settled (see below). MODES picks the modes (default "plain crypt"); for a profile, "seal"
# is encryption alone and "journal" the journal alone. Keys are generated for the run (openssl) and
# removed after. The switch is only configuration, passed to bench/lib/gateway.sh through GATEWAY_ARGS.
# Usage: [RUNS=3] [MSGS_A=2000] [MSGS_B=10000] [WARMUP_A=1500] [WARMUP_B=3000] [MODES="plain crypt"] [WORKLOADS="A B"] [GATEWAY_DLL=...] bench/crypt-bench.sh
# Run it under the exclusive quiet lock: flock -x /tmp/mssgw-quiet.lock bench/crypt-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}; msgs_a=${MSGS_A:-2000}; msgs_b=${MSGS_B:-10000}; warm_a=${WARMUP_A:-1500}; warm_b=${WARMUP_B:-3000}
read -r -a modes <<<"${MODES:-plain crypt}"
read -r -a workloads <<<"${WORKLOADS:-A B}"
source bench/lib/gateway.sh
keys=$(mktemp -d /tmp/mssgw-crypt-keys.XXXXXX)
trap 'stop_gateway; rm -rf "$keys"' EXIT
openssl rand -base64 32 > "$keys/spool.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/journal.key" 2>/dev/null
seal_args="--Gateway:Spool:Encryption:Enabled=true --Gateway:Spool:Encryption:KeyFile=$keys/spool.key"
journal_args="--Gateway:Journal:Enabled=true --Gateway:Journal:SigningKeyFile=$keys/journal.key"
mode_args() {
  case $1 in
    plain) echo "" ;;
    crypt) echo "$seal_args $journal_args" ;;
    seal) echo "$seal_args" ;;
    journal) echo "$journal_args" ;;
    *) echo "unknown mode $1 (plain, crypt, seal, journal)" >&2; return 1 ;;
  esac
}
# One build of each program for every run (start_gateway would build the host again each time).
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
if [ -z "${GATEWAY_DLL:-}" ]; then
  dotnet build -c Release -nologo -v quiet gateway/MssGateway.Host/MssGateway.Host.csproj >/dev/null
  export GATEWAY_DLL=gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll
fi
load=bench/SmtpLoad/bin/Release/net10.0/smtpload.dll
tick=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

declare -A rate
echo "start $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-7s %3s | %-60s | %-60s\n' mode run "A (1 message/session)" "B (50 messages/session)"
for r in $(seq 1 "$runs"); do
  n=${#modes[@]}; order=()
  for i in $(seq 0 $((n - 1))); do order+=("${modes[$(( (i + r - 1) % n ))]}"); done
  for mode in "${order[@]}"; do
    GATEWAY_ARGS="${EXTRA_GATEWAY_ARGS:-} $(mode_args "$mode")" start_gateway
    common=(--port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 20000)
    # Warm-up, the same for every mode: the tiered JIT is still compiling after a short one (perf of
    # workload A after 200 messages: 27 % of the gateway's CPU in the JIT threads, more in the modes
    # with more code), which measures the start-up of a gateway that then runs for days.
    dotnet "$load" "${common[@]}" --messages "$warm_a" --per-session 1 >/dev/null
    dotnet "$load" "${common[@]}" --messages "$warm_b" --per-session 50 >/dev/null
    line=()
    for w in "${workloads[@]}"; do
      if [ "$w" = A ]; then m=$msgs_a; per=1; else m=$msgs_b; per=50; fi
      before=$(cpu_ticks "$gw")
      out=$(dotnet "$load" "${common[@]}" --messages "$m" --per-session "$per")
      after=$(cpu_ticks "$gw")
      ok=$(sed -E 's/.*messages_ok=([0-9]+).*/\1/' <<<"$out")
      cpu=$(python3 -c "print(f'{($after - $before) * 1000 / $tick / max($ok, 1):.2f}')")
      rate[$mode,$w,$r]=$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$out")
      line+=("$(cut -d' ' -f4-6 <<<"$out") cpu_ms/msg=$cpu")
      grep -q 'errors=0' <<<"$out" || echo "  ($mode run $r workload $w had errors: $out)"
    done
    stop_gateway; gw=; work=
    printf '%-7s %3s | %-60s | %-60s\n' "$mode" "$r" "${line[0]}" "${line[1]:-}"
  done
done
echo "end $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for w in "${workloads[@]}"; do
  declare -A med=()
  for mode in "${modes[@]}"; do
    v=(); for r in $(seq 1 "$runs"); do v+=("${rate[$mode,$w,$r]}"); done
    med[$mode]=$(median "${v[@]}")
  done
  summary="$w median msgs/s:"
  for mode in "${modes[@]}"; do summary+=" $mode ${med[$mode]}"; done
  if [ -n "${med[plain]:-}" ]; then
    for mode in "${modes[@]}"; do
      [ "$mode" = plain ] || summary+=", ratio $mode/plain $(python3 -c "print(f'{${med[$mode]}/${med[plain]}:.3f}')")"
    done
  fi
  echo "$summary"
  unset med
done
