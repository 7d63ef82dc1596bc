#!/usr/bin/env bash
# End-to-end throughput, accept → delivered at the receiver: mssgw with every check on accepts over
# STARTTLS with the dev CPS certificate (bench/SmtpLoad, 16 clients, 50 messages per session, 20 KB)
# and delivers over STARTTLS, presenting its own certificate, on reused connections to:
#   SINK=postfix (default): Postfix on 127.0.0.1:10025 (../shared/bench/postfix-peer.sh: client
#     certificate required, queue with fsync, discard);
#   SINK=smart: the smart sink (bench/DeliveryBench "sink") answering a share TEMPFAIL of the
#     transactions with 451 and PERMFAIL with 554 (e.g. TEMPFAIL=0.05 PERMFAIL=0.01): the retries (2 s
#     here) and the DSNs (to the sender's hospital, i.e. the same sink) are part of the measure.
#     SINK_LATENCY_MS=45 makes it wait that long before it answers a message's data (a receiver that syncs
#     the message to disk first, as Postfix's cleanup), SINK_EARLY_REPLIES=true makes it send the RSET, MAIL
#     and RCPT replies it holds before it reads a chunk (as Postfix's smtpd does for a chunk larger than its
#     input buffer: two reply records per transaction instead of one), SINK_RTT_MS=20 makes every group of its
#     replies arrive 20 ms after it wrote them, in order, while it goes on reading (a peer across a WAN; no netem
#     here): a transaction that waits for the one before it loses that round trip, one pipelined behind it does not.
# Prints the accept rate, the end-to-end rate (until the gateway's spool is empty), and what the
# gateway and the sink counted (connections opened and reused, attempts, DSNs), and the CPU each process
# took per message (bench/cpu-split.py), and the gateway's context switches per message, in all and by thread (bench/lib/threads.py). PERF=file also records a CPU profile of the gateway during the
# load (perf record -g, PERF_SECONDS=15; the gateway runs with DOTNET_PerfMapEnabled=1 for JIT symbols).
# WARMUP=N sends N messages first, unmeasured (JIT, TLS), and waits until they are delivered.
# Usage: bench/e2e-bench.sh [MESSAGES]     (default 5000; needs root and postfix)
# Run it under: flock -x /tmp/mssgw-quiet.lock bench/e2e-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5000}; sink=${SINK:-postfix}
source bench/lib/gateway.sh
source bench/lib/common.sh
find_shared_bench postfix-peer.sh optional # only SINK=postfix needs it
loadavg_start
sinkpid=
trap 'kill "$loadpid" 2>/dev/null || true; rm -f "$loadlog"; stop_gateway || true; [ -z "$sinkpid" ] || kill "$sinkpid" 2>/dev/null || true; postfix stop >/dev/null 2>&1 || true' EXIT
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
dotnet build -c Release -nologo -v quiet bench/DeliveryBench/DeliveryBench.csproj >/dev/null
if [ "$sink" = smart ]; then
  export GATEWAY_ARGS="--Gateway:Delivery:RetrySchedule:0=00:00:02 --Gateway:Delivery:RetryJitter=0 ${GATEWAY_ARGS:-}"
fi
# Profiling: JIT symbols in a perf map, and code not double-mapped (W^X) so perf can resolve it.
[ -n "${PERF:-}" ] && export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
DELIVER_TO_PORT=10025 start_gateway
if [ "$sink" = smart ]; then
  postfix stop >/dev/null 2>&1 || true
  dotnet bench/DeliveryBench/bin/Release/net10.0/DeliveryBench.dll sink --port 10025 --cert "$work/pki/server.pem" --key "$work/pki/server.key" \
    --require-client-cert true --tempfail "${TEMPFAIL:-0}" --permfail "${PERMFAIL:-0}" \
    --latency-ms "${SINK_LATENCY_MS:-0}" --early-replies "${SINK_EARLY_REPLIES:-false}" --rtt-ms "${SINK_RTT_MS:-0}" --stats "$work/sink.stats" > "$work/sink.log" 2>&1 &
  sinkpid=$!
  for _ in $(seq 1 100); do [ -f "$work/sink.stats" ] && break; sleep 0.1; done
else
  [ -n "$shared" ] || { echo "no shared bench directory (set SHARED_BENCH)" >&2; exit 2; }
  bash "$shared/postfix-peer.sh" "$work/pki/server.pem" "$work/pki/server.key" "$work/pki/ca.pem" >/dev/null
fi
load=bench/SmtpLoad/bin/Release/net10.0/smtpload.dll
spool_count() { find "$work/spool/incoming" "$work/spool/active" "$work/spool/deferred" -type f | wc -l; }
if [ "${WARMUP:-0}" -gt 0 ]; then # JIT and TLS warm-up before the measured load (a profile is then of the steady state)
  dotnet "$load" --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 20000 --per-session 50 --messages "$WARMUP" >/dev/null
  while [ "$(spool_count)" -gt 0 ]; do sleep 0.1; done
fi
cpu=bench/cpu-split.py
master() { tr -d ' \n' < /var/spool/postfix/pid/master.pid 2>/dev/null || true; }
# Context switches of the gateway's threads (voluntary: a thread went to sleep, waiting for work or I/O;
# involuntary: preempted), summed over its live threads: how many wake-ups a delivered message costs.
python3 bench/lib/threads.py snap "$gw" "$work/threads.before"
python3 "$cpu" snap mssgw="$gw" sink="${sinkpid:-$(master)}" > "$work/before.cpu"
if [ -n "${PERF:-}" ]; then # a CPU profile of the gateway while it accepts and delivers (perf; JIT symbols from the perf map)
  perf record -F 499 -g -p "$gw" -o "$PERF" -- sleep "${PERF_SECONDS:-15}" > "$PERF.log" 2>&1 & perfpid=$!
fi
start=$(date +%s.%N)
echo "accept: $(python3 "$cpu" run "$work/load.cpu" -- dotnet "$load" --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 20000 --per-session 50 --messages "$n")"
while [ "$(spool_count)" -gt 0 ]; do sleep 0.1; done
end=$(date +%s.%N)
python3 "$cpu" snap mssgw="$gw" sink="${sinkpid:-$(master)}" > "$work/after.cpu"
python3 bench/lib/threads.py snap "$gw" "$work/threads.after"
python3 bench/lib/threads.py diff "$work/threads.before" "$work/threads.after" "$n" > "$work/threads.txt"
awk '/all threads/{printf "gateway context switches per message: voluntary %.1f, involuntary %.1f (live threads)\n", $3, $4}' "$work/threads.txt"
echo "gateway threads (context switches and CPU per message, bench/lib/threads.py):"; cat "$work/threads.txt"
python3 -c "s=$end-$start; print(f'end to end: {$n} messages accepted and delivered (or bounced) in {s:.2f} s = {$n/s:.1f} msgs/s (spool empty)')"
echo "CPU (ms per message, from /proc; 'other' = machine busy time no named process took):"
python3 "$cpu" diff "$work/before.cpu" "$work/after.cpu" "$n" "$work/load.cpu"
[ -n "${PERF:-}" ] && { wait "$perfpid" || true; echo "profile: perf report -i $PERF (symbols: /tmp/perf-$gw.map)"; }
echo "gateway: $(curl -s "http://127.0.0.1:$http/metrics" | grep -E '^mssgw_(delivery_connections_total|delivery_connection_reuses_total|delivery_pipelined_transactions_total|delivery_attempts_total|dsn_sent_total)' | tr '\n' ' ')"
[ "$sink" = smart ] && echo "sink: $(cat "$work/sink.stats")"
loadavg_summary
true
