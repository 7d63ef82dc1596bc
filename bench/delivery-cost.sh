#!/usr/bin/env bash
# Where the CPU of "accepting and delivering" goes (issue 13): the same gateway process, the same load
# (../shared/bench/smtpload.py, workload B: 20 KB, 16 clients, PER messages per session), the same sink
# (the sink Postfix of ../shared/bench/postfix-peer.sh), in three phases per run, each measured from /proc
# (bench/cpu-split.py), so that the delivery's own cost is seen apart from what running both at once
# costs on a small machine:
#   accept   the sink is stopped (postfix stop): the destination is dead after one cohort of refused
#            connections, every message is accepted, classified and parked — no delivery;
#   drain    the sink is started again: the gateway delivers the N parked messages and nothing else
#            (no accept beside it) — the delivery alone, per message;
#   both     the sink stays up: N messages accepted and delivered at once (as bench/e2e-bench.sh).
# Prints per run and as medians: the gateway's CPU per message in each phase, "both - accept - drain"
# (what doing both at once costs beyond the sum of the two alone: contention for the cores, the
# caches, the context switches of an oversubscribed machine), and the CPU-normalized ratio the gateway
# would reach if accept and delivery each cost what they cost alone: accept / (accept + drain) (target
# 80 %: the delivery alone <= accept / 4), and the steal of each phase (cores the hypervisor took: phases that
# ran under different steal are not comparable; bench/cpu-split.py flags it).
# PERF=file records a CPU profile of the gateway (perf record -g, JIT symbols from DOTNET_PerfMapEnabled=1)
# over one phase of run 1: PERF_PHASE=drain (default), accept or both; bench/lib/perf-owners.py FILE MESSAGES splits it
# into CPU per message by owner (delivery, accept, spool, other) and kind (scheduler, network, file system, crypto...).
# SYSCALLS=file counts the gateway's system calls over the same phase (perf stat on the syscalls:sys_enter_*
# tracepoints, all its threads) and writes them per message, most frequent first, into the file.
# THREADS=file writes, for every phase of run 1, the gateway's context switches (voluntary: a thread went to
# sleep; involuntary: it was preempted) and CPU per message by thread name (bench/lib/threads.py) — counts
# that stay comparable between runs whose timings do not.
# Usage: bench/delivery-cost.sh [MESSAGES] [PER]   (default 5000 50; RUNS=3; WARMUP=20000)
# Needs root and postfix; run it under: flock -x /tmp/mssgw-quiet.lock bench/delivery-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}; per=${2:-50}; runs=${RUNS:-3}; warmup=${WARMUP:-20000}
source bench/lib/gateway.sh
source bench/lib/common.sh
find_shared_bench postfix-peer.sh
loadavg_start
splitdir=
trap 'kill "$loadpid" 2>/dev/null || true; rm -f "$loadlog"; rm -rf "${splitdir:-/nonexistent}"; stop_gateway || true; postfix stop >/dev/null 2>&1 || true' EXIT
cpu=bench/cpu-split.py
# The dead destination is probed every 2 s (doubling), so the drain starts soon after the sink is back.
export GATEWAY_ARGS="--Gateway:Delivery:DeadDestinationRetry=00:00:02 --Gateway:Delivery:RetrySchedule:0=00:00:02 --Gateway:Delivery:RetryJitter=0 ${GATEWAY_ARGS:-}"
[ -n "${PERF:-}" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
DELIVER_TO_PORT=10025 start_gateway
bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null
load() { workload_b "$work" "$port" "$1" "$per" "$work/start.txt"; } # messages -> smtpload output; the load tool's own CPU goes to $work/load.cpu
gw_q() { find "$work/spool/incoming" "$work/spool/active" "$work/spool/deferred" -type f 2>/dev/null | wc -l; }
wait_empty() { local waited=0; while [ "$(gw_q)" -gt 0 ] && [ $waited -lt 6000 ]; do sleep 0.05; waited=$((waited+1)); done; [ "$(gw_q)" -eq 0 ]; }
master() { tr -d ' \n' < /var/spool/postfix/pid/master.pid 2>/dev/null || true; }
ms() { python3 -c "import json,sys;print(f\"{json.load(open(sys.argv[1]))[sys.argv[2]]:.3f}\")" "$1" "$2"; }
phase() { # name messages -> snapshots around "$@" (after the two first arguments) into $splitdir/name.json
  local name=$1 count=$2; shift 2
  python3 "$cpu" snap mssgw="$gw" sink="$(master)" > "$work/before.cpu"
  local perfpid=
  if [ -n "${PERF:-}" ] && [ "$name" = "${PERF_PHASE:-drain}-1" ]; then # a CPU profile of the gateway over this phase of run 1
    perf record -F 499 -g -p "$gw" -o "$PERF" > "$PERF.log" 2>&1 & perfpid=$!
  fi
  local statpid=
  if [ -n "${SYSCALLS:-}" ] && [ "$name" = "${PERF_PHASE:-drain}-1" ]; then # the gateway's system calls over this phase of run 1
    perf stat -x, -e 'syscalls:sys_enter_*' -p "$gw" -o "$SYSCALLS.raw" > /dev/null 2>&1 & statpid=$!
  fi
  [ -z "${THREADS:-}" ] || [ "${name#*-}" != 1 ] || python3 bench/lib/threads.py snap "$gw" "$work/threads.before"
  "$@"
  [ -z "${THREADS:-}" ] || [ "${name#*-}" != 1 ] || python3 bench/lib/threads.py snap "$gw" "$work/threads.after"
  [ -z "${THREADS:-}" ] || [ "${name#*-}" != 1 ] || python3 bench/lib/threads.py diff "$work/threads.before" "$work/threads.after" "$count" "$name ($count messages)" >> "$THREADS"
  [ -z "$perfpid" ] || { kill -INT "$perfpid"; wait "$perfpid" || true; }
  if [ -n "$statpid" ]; then
    kill -INT "$statpid"; wait "$statpid" || true
    python3 -c "
import sys
rows = []
for line in open(sys.argv[1]):
    f = line.strip().split(',')
    if len(f) > 2 and f[0].isdigit() and int(f[0]) > 0:
        rows.append((int(f[0]), f[2].replace('syscalls:sys_enter_', '')))
n = int(sys.argv[2]); rows.sort(reverse=True)
print(f'{sum(c for c, _ in rows) / n:.1f} system calls per message over {n} messages ({sys.argv[3]})')
for c, name in rows:
    print(f'{c / n:10.2f}  {name}')" "$SYSCALLS.raw" "$count" "$name" > "$SYSCALLS"
  fi
  python3 "$cpu" snap mssgw="$gw" sink="$(master)" > "$work/after.cpu"
  python3 "$cpu" diff "$work/before.cpu" "$work/after.cpu" "$count" "$work/load.cpu" > "$splitdir/$name.txt"
  cp "$work/after.cpu.split.json" "$splitdir/$name.json"
}
sent() { # smtpload output -> fails unless every message was accepted (a phase of fewer messages is no measure)
  grep -q "messages_ok=$n errors=0" <<< "$1" || { echo "the load tool did not send $n messages without error: $1" >&2; exit 1; }; }
accept_dead() { sent "$(load "$n")"; }
drain() { # the rate is from the first delivery (after the dead destination's probe found the sink back)
  postfix start >/dev/null 2>&1
  local waited=0; while [ "$(gw_q)" -ge "$n" ] && [ $waited -lt 1200 ]; do sleep 0.02; waited=$((waited+1)); done
  t0=$(date +%s.%N); wait_empty || { echo "drain: the spool did not empty" >&2; exit 1; }; t1=$(date +%s.%N); echo "$(python3 -c "print(f'{$n/($t1-$t0):.1f}')")" > "$splitdir/drain.rate"; }
both() { t0=$(date +%s.%N); sent "$(load "$n")"; wait_empty || { echo "both: the spool did not empty" >&2; exit 1; }; t1=$(date +%s.%N); echo "$(python3 -c "print(f'{$n/($t1-$t0):.1f}')")" > "$splitdir/both.rate"; }

splitdir=$(mktemp -d /tmp/mssgw-cost.XXXXXX)
[ -z "${THREADS:-}" ] || : > "$THREADS"
load "$warmup" >/dev/null; wait_empty # JIT, TLS, page cache: every phase's code runs warm
printf '%-4s %12s %12s %12s %14s %12s %12s %16s %20s\n' run accept_ms drain_ms both_ms both-acc-drain drain_msg/s both_msg/s 'accept/(acc+drain)' steal_cores_a/d/b
A=(); D=(); B=(); X=(); R=()
for r in $(seq 1 "$runs"); do
  postfix stop >/dev/null 2>&1 # and wait until its processes are gone: their exit is not the accept phase's CPU
  for _ in $(seq 1 100); do pgrep -x master >/dev/null || pgrep -u postfix >/dev/null || break; sleep 0.1; done; sleep 1
  phase "accept-$r" "$n" accept_dead
  [ "$(gw_q)" -ge "$n" ] || { echo "run $r: $(gw_q) messages in the spool after the accept phase, expected $n (parked)" >&2; exit 1; }
  echo '{"load": 0}' > "$work/load.cpu" # no load tool in the drain
  phase "drain-$r" "$n" drain
  phase "both-$r" "$n" both
  a=$(ms "$splitdir/accept-$r.json" mssgw); d=$(ms "$splitdir/drain-$r.json" mssgw); b=$(ms "$splitdir/both-$r.json" mssgw)
  A+=("$a"); D+=("$d"); B+=("$b"); X+=("$(python3 -c "print(f'{$b-$a-$d:.3f}')")"); R+=("$(python3 -c "print(f'{100*$a/($a+$d):.0f}')")")
  st=$(for p in accept drain both; do ms "$splitdir/$p-$r.json" _steal_cores; done | xargs printf '%.2f/' | sed 's|/$||')
  printf '%-4s %12s %12s %12s %14s %12s %12s %15s%% %20s\n' "$r" "$a" "$d" "$b" "${X[-1]}" "$(cat "$splitdir/drain.rate")" "$(cat "$splitdir/both.rate")" "${R[-1]}" "$st"
done
median() { python3 -c "import statistics,sys;print(f'{statistics.median(map(float,sys.argv[1:])):.3f}')" "$@"; }
ma=$(median "${A[@]}"); md=$(median "${D[@]}"); mb=$(median "${B[@]}")
printf '%-4s %12s %12s %12s %14s %12s %12s %15s%%\n' median "$ma" "$md" "$mb" "$(median "${X[@]}")" "" "" "$(python3 -c "print(f'{100*$ma/($ma+$md):.0f}')")"
echo "gateway CPU per message: accepting alone $ma ms, delivering alone $md ms ($(python3 -c "print(f'{100*$md/$ma:.0f}')") % of the accept; 80 % needs <= $(python3 -c "print(f'{$ma/4:.3f}')")), both at once $mb ms (the CPU-normalized ratio of compare-postfix-e2e.sh would be $(python3 -c "print(f'{100*$ma/$mb:.0f}')") % with this accept figure)"
echo "CPU per process and phase (ms per message, from /proc):"
for r in $(seq 1 "$runs"); do for p in accept drain both; do echo " run $r $p:"; cat "$splitdir/$p-$r.txt"; done; done
echo "mssgw delivery: $(curl -s "http://127.0.0.1:$http/metrics" | grep -E '^mssgw_delivery_(connections_total|connection_reuses_total|pipelined_transactions_total|attempts_total)' | tr '\n' ' ')"
loadavg_summary
