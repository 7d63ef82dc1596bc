#!/usr/bin/env bash
# End to end, accepted -> delivered, side by side in one run (issue 13): Postfix as relay
# (../shared/bench/postfix-relay-peer.sh on 127.0.0.1:10026: STARTTLS and client certificate required,
# fsync'd queue, relays with its own client certificate, connection cache on) and mssgw (every check on,
# delivery on: bench/lib/gateway.sh), both delivering over STARTTLS with a client certificate to the
# same sink on 127.0.0.1:10025 — the sink Postfix of ../shared/bench/postfix-peer.sh (fsync'd queue,
# discard), or with SINK=smart the smart sink (bench/DeliveryBench "sink": stores nothing, so neither side
# is bounded by the sink's disk). Both are driven by the same load tool (../shared/bench/smtpload.py,
# workload B: 20 KB, 16 clients, PER messages per session). Before that, mssgw alone with delivery off
# gives its accept-only rate. Prints, per run: each side's accept rate while delivering and its
# accepted->delivered rate, the ratio, mssgw's end-to-end rate as a share of its accept-only rate (wall
# clock), and its CPU-normalized ratio (its CPU per message accept-only, median of the accept-only runs,
# over its CPU per message accepting and delivering in the run: the wall-clock share it would reach with
# the cores to itself; the median row is the ratio of the medians); then the medians, and the CPU each process took per message in each phase (bench/cpu-split.py, from
# /proc: the gateway, the load tool, both relays and the sink), with the end-to-end rate the machine's
# cores would allow if delivery cost nothing; and with each run the load tool's message latency, p50 and p99 (the
# load is closed: 16 sessions at a time, each sending its messages one after the other, so a rate is 16 over
# the time a message takes, commands included; in a paced run the latency includes the wait for the turn).
# Targets (issue 13): ratio >= 2, mssgw e2e >= 80 % of its accept-only rate. The accept-only phase runs minutes
# before the end-to-end one here, so a drift of the machine between them moves the share: bench/e2e-share.sh
# measures the share alone, the two phases alternated run by run on two gateways started side by side.
# The gateway's CPU per message depends on the rate it runs at (docs/benchmarks.md "CPU per message depends
# on the rate": fewer messages per wake-up and per flush at 400 msgs/s than at 1,500), so the CPU-normalized
# ratio above, accept-only at its own rate against accepting+delivering at the e2e rate, charges delivery with
# that. Then, unless PACE=0, the same comparison at one rate: PACE msgs/s (default: 0.8 x the median mssgw
# e2e rate, a rate the e2e phase holds: at 0.9 it fell 4 % behind the clock), message data sent on a shared clock (bench/lib/smtpload_paced.py, the same load tool): RUNS
# mssgw e2e runs paced, then the gateway restarted with delivery off, warmed up, and RUNS accept-only runs
# paced; prints both CPU-per-message medians and their ratio ("CPU-normalized at an equal rate").
# Usage: bench/compare-postfix-e2e.sh [MESSAGES] [PER]   (default 5000 50; RUNS=3; SINK=postfix|smart; WARMUP=2000; PACE=auto|0|N)
# WARMUP: messages sent before the measured runs of each phase (JIT, TLS, page cache). The runtime's tiered
# compilation is still at work thousands of messages in (docs/benchmarks.md "Warm-up"): WARMUP=20000 measures
# the steady state a gateway that has run for a while is in.
# Needs root and postfix; run it under: flock -x /tmp/mssgw-quiet.lock bench/compare-postfix-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}; per=${2:-50}; runs=${RUNS:-3}; sink=${SINK:-postfix}; warmup=${WARMUP:-2000}
source bench/lib/gateway.sh
source bench/lib/common.sh
find_shared_bench postfix-relay-peer.sh
loadavg_start
sinkpid=
cleanup() { kill "$loadpid" 2>/dev/null || true; rm -f "$loadlog"; rm -rf "${splitdir:-/nonexistent}"; stop_gateway || true; [ -z "$sinkpid" ] || kill "$sinkpid" 2>/dev/null || true; postfix -c /tmp/pfrelay/etc stop >/dev/null 2>&1 || true; postfix stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
dotnet build -c Release -nologo -v quiet bench/DeliveryBench/DeliveryBench.csproj >/dev/null

cpu=bench/cpu-split.py
pace_now= # when set, msgs/s: the load tool runs paced (bench/lib/smtpload_paced.py), its report to $work/paced.txt
load() { # port messages -> smtpload output; the load tool's own CPU time goes to $work/load.cpu, the time of its first connection to $work/start.txt
  local pre=() err=/dev/stderr
  if [ -n "$pace_now" ]; then pre=(bench/lib/smtpload_paced.py "$pace_now"); err="$work/paced.txt"; fi
  workload_b "$work" "$1" "$2" "$per" "$work/start.txt" "${pre[@]}" 2>>"$err"; }
rate() { python3 -c "import re,sys;print(re.search(r'msgs_per_s=([0-9.]+)',sys.argv[1]).group(1))" "$1"; }
lat() { python3 -c "import re,sys;m=re.search(r'p50_ms=([0-9.]+) p99_ms=([0-9.]+)',sys.argv[1]);print(f'message latency at the load tool p50 {m.group(1)} ms, p99 {m.group(2)} ms')" "$1"; }
median() { python3 -c "import statistics,sys;print(f'{statistics.median(map(float,sys.argv[1:])):.1f}')" "$@"; }

# 1. mssgw accept-only (delivery off), same load.
start_gateway
load "$port" "$warmup" >/dev/null # warm-up (JIT, TLS)
splitdir=$(mktemp -d /tmp/mssgw-cpu.XXXXXX) # per-run CPU splits, for the ceiling at the end
only=(); split=(); onlylat=()
for r in $(seq 1 "$runs"); do
  python3 "$cpu" snap mssgw="$gw" > "$work/before.cpu"
  out=$(load "$port" "$n"); only+=("$(rate "$out")"); onlylat+=("$(lat "$out")")
  python3 "$cpu" snap mssgw="$gw" > "$work/after.cpu"
  split+=("$(python3 "$cpu" diff "$work/before.cpu" "$work/after.cpu" "$n" "$work/load.cpu")")
  cp "$work/after.cpu.split.json" "$splitdir/only-$r.json"
done
stop_gateway; work=; gw=
echo "mssgw accept-only (delivery off), msgs/s: ${only[*]} (median $(median "${only[@]}"))"
for r in $(seq 1 "$runs"); do echo " run $r accept-only ${only[$((r-1))]} msgs/s, ${onlylat[$((r-1))]}"; echo "${split[$((r-1))]}"; done

# 2. Both relays to the same sink.
DELIVER_TO_PORT=10025 start_gateway
if [ "$sink" = smart ]; then
  postfix stop >/dev/null 2>&1 || true
  dotnet bench/DeliveryBench/bin/Release/net10.0/DeliveryBench.dll sink --port 10025 --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
    --require-client-cert true --stats "$work/sink.stats" > "$work/sink.log" 2>&1 &
  sinkpid=$!
  for _ in $(seq 1 100); do [ -f "$work/sink.stats" ] && break; sleep 0.1; done
  sink_count() { sink_field "$work/sink.stats" accepted; }
else
  bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null
  : > /var/log/postfix.log
  sink_count() { grep -c 'status=sent' /var/log/postfix.log || true; }
fi
bash "$shared/postfix-relay-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" "$work/pki/server.pem" "$work/pki/server.key" >/dev/null
pf_q() { find /tmp/pfrelay/spool/incoming /tmp/pfrelay/spool/active /tmp/pfrelay/spool/deferred /tmp/pfrelay/spool/maildrop -type f 2>/dev/null | wc -l; }
gw_q() { find "$work/spool/incoming" "$work/spool/active" "$work/spool/deferred" -type f 2>/dev/null | wc -l; }
master() { tr -d ' \n' < "$1/pid/master.pid" 2>/dev/null || true; }
groups() { # the process trees whose CPU is accounted: both relays, the sink
  echo "mssgw=$gw" "postfix-relay=$(master /tmp/pfrelay/spool)" "sink=${sinkpid:-$(master /var/spool/postfix)}"; }
e2e() { # port queuefn messages -> "accept_rate e2e_rate"; the CPU split of the run goes to $work/split.txt
  local t0 t1 out waited=0
  python3 "$cpu" snap $(groups) > "$work/before.cpu"
  out=$(load "$1" "$3"); t0=$(cat "$work/start.txt") # from the first connection, as the load tool times its own rate
  while [ "$($2)" -gt 0 ] && [ $waited -lt 6000 ]; do sleep 0.05; waited=$((waited+1)); done
  t1=$(date +%s.%N)
  python3 "$cpu" snap $(groups) > "$work/after.cpu"
  python3 "$cpu" diff "$work/before.cpu" "$work/after.cpu" "$3" "$work/load.cpu" > "$work/split.txt"
  lat "$out" > "$work/lat.txt"
  python3 -c "import re,sys;o=sys.argv[1];a=float(re.search(r'msgs_per_s=([0-9.]+)',o).group(1));ok=int(re.search(r'messages_ok=([0-9]+)',o).group(1));print(f'{a:.1f} {ok/($t1-$t0):.1f}')" "$out"
}
e2e 10026 pf_q "$warmup" >/dev/null; e2e "$port" gw_q "$warmup" >/dev/null # warm-up both
before=$(sink_count)
printf '%-4s %17s %14s %15s %12s %10s %16s %15s\n' run postfix_accept/s postfix_e2e/s mssgw_accept/s mssgw_e2e/s ratio_e2e e2e/accept-only cpu-normalized
pa=(); pe=(); ga=(); ge=(); gn=(); splits=()
for r in $(seq 1 "$runs"); do
  set -- $(e2e 10026 pf_q "$n"); pa+=("$1"); pe+=("$2"); splits+=(" run $r postfix as relay, $(cat "$work/lat.txt"):" "$(cat "$work/split.txt")")
  set -- $(e2e "$port" gw_q "$n"); ga+=("$1"); ge+=("$2"); splits+=(" run $r mssgw, $(cat "$work/lat.txt"):" "$(cat "$work/split.txt")")
  cp "$work/after.cpu.split.json" "$splitdir/e2e-$r.json"
  gn+=("$(python3 "$cpu" normalized mssgw "$splitdir"/only-*.json -- "$splitdir/e2e-$r.json")")
  printf '%-4s %17s %14s %15s %12s %10s %15s%% %14s%%\n' "$r" "${pa[-1]}" "${pe[-1]}" "${ga[-1]}" "${ge[-1]}" \
    "$(python3 -c "print(f'{${ge[-1]}/${pe[-1]}:.2f}')")" "$(python3 -c "print(f'{100*${ge[-1]}/$(median "${only[@]}"):.0f}')")" "${gn[-1]}"
done
printf '%-4s %17s %14s %15s %12s %10s %15s%% %14s%%\n' median "$(median "${pa[@]}")" "$(median "${pe[@]}")" "$(median "${ga[@]}")" "$(median "${ge[@]}")" \
  "$(python3 -c "print(f'{$(median "${ge[@]}")/$(median "${pe[@]}"):.2f}')")" "$(python3 -c "print(f'{100*$(median "${ge[@]}")/$(median "${only[@]}"):.0f}')")" "$(python3 "$cpu" normalized mssgw "$splitdir"/only-*.json -- "$splitdir"/e2e-*.json)"
echo "CPU per side and run (ms of CPU per message, from /proc; 'other' = machine busy time no named process took):"
printf '%s\n' "${splits[@]}"
echo "What bounds mssgw's end-to-end rate on this machine (medians of the runs above):"
python3 "$cpu" bound mssgw "$(median "${only[@]}")" "$splitdir"/only-*.json -- "$splitdir"/e2e-*.json
expected=$((2 * runs * n))

# 3. The same comparison at one rate: mssgw e2e paced, then accept-only paced (the gateway restarted, delivery off).
pace=${PACE:-auto}
[ "$pace" != auto ] || pace=$(python3 -c "print(f'{0.8*$(median "${ge[@]}"):.0f}')")
if [ "$pace" != 0 ]; then
  paced_report() { tail -n 1 "$work/paced.txt" | sed 's/^paced: //'; }
  pace_now=$pace; pgo=()
  echo "At one paced rate, $pace msgs/s (message data on a shared clock, bench/lib/smtpload_paced.py):"
  for r in $(seq 1 "$runs"); do
    set -- $(e2e "$port" gw_q "$n"); cp "$work/after.cpu.split.json" "$splitdir/e2e-paced-$r.json"
    echo " run $r mssgw e2e paced: accept $1 msgs/s, e2e $2 msgs/s ($(paced_report)), $(cat "$work/lat.txt")"; cat "$work/split.txt"
  done
  expected=$((expected + runs * n))
fi
sleep 1
echo "sink ($sink) received in the measured runs: $(( $(sink_count) - before )) of $expected expected; left in queues: postfix $(pf_q), mssgw $(gw_q)"
echo "mssgw delivery: $(curl -s "http://127.0.0.1:$http/metrics" | grep -E '^mssgw_delivery_(connections_total|connection_reuses_total|pipelined_transactions_total|attempts_total)' | tr '\n' ' ')"
if [ "$pace" != 0 ]; then
  stop_gateway; work=; gw=; pace_now=
  postfix -c /tmp/pfrelay/etc stop >/dev/null 2>&1 || true # as in phase 1: the gateway alone with the load tool
  if [ -n "$sinkpid" ]; then kill "$sinkpid" 2>/dev/null || true; sinkpid=; else postfix stop >/dev/null 2>&1 || true; fi
  start_gateway
  load "$port" "$warmup" >/dev/null # warm-up unpaced, as phase 1
  pace_now=$pace
  for r in $(seq 1 "$runs"); do
    python3 "$cpu" snap mssgw="$gw" > "$work/before.cpu"
    out=$(load "$port" "$n"); pgo+=("$(rate "$out")")
    python3 "$cpu" snap mssgw="$gw" > "$work/after.cpu"
    echo " run $r mssgw accept-only paced: ${pgo[-1]} msgs/s ($(paced_report)), $(lat "$out")"
    python3 "$cpu" diff "$work/before.cpu" "$work/after.cpu" "$n" "$work/load.cpu"
    cp "$work/after.cpu.split.json" "$splitdir/only-paced-$r.json"
  done
  python3 - "$splitdir" "$runs" "$pace" <<'PY'
import json, statistics, sys
d, runs, pace = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ms = lambda kind: [json.load(open(f"{d}/{kind}-{r}.json"))["mssgw"] for r in range(1, runs + 1)]
po, pe, uo, ue = (statistics.median(ms(k)) for k in ("only-paced", "e2e-paced", "only", "e2e"))
print(f"mssgw CPU per message (medians, ms): accept-only {uo:.2f} at its own rate, {po:.2f} paced at {pace} msgs/s; "
      f"accepting+delivering {ue:.2f} unpaced, {pe:.2f} paced")
print(f"CPU-normalized at an equal rate ({pace} msgs/s, both paced): {po:.2f} / {pe:.2f} = {100 * po / pe:.0f} % "
      f"(at each phase's own rate: {100 * uo / ue:.0f} %; target 80 %)")
PY
fi
loadavg_summary
