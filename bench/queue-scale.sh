#!/usr/bin/env bash
# A national-scale backlog (issue 13): MESSAGES 1-KB messages (default 1,000,000) queued while the next
# hop is down, then: the gateway's resident memory holding them, the time from a restart to /readyz
# and to the scheduler knowing every message, and the drain rate once the peer is back.
#   FILL=spool (default): the messages are written straight into the spool (bench/DeliveryBench "fill",
#     the accept path's file format), then the gateway starts with the peer down;
#   FILL=smtp: they are accepted through the gateway itself (SmtpLoad, 16 clients, 50 per session,
#     STARTTLS with the dev CPS certificate, every check on) while the peer is down.
# The peer is the smart sink (bench/DeliveryBench "sink", STARTTLS) on a port where nothing listens
# until the drain phase; the gateway probes a dead destination every 5 s here
# (Gateway:Delivery:DeadDestinationRetry, 1 min by default) and retries after 10 s. Targets: RSS < 1 GB, ready < 30 s, drain >=
# the end-to-end rate of bench/compare-postfix-e2e.sh.
# Usage: bench/queue-scale.sh [MESSAGES]    (needs ~5 GB of free disk per million messages)
# Run it under: flock -x /tmp/mssgw-quiet.lock bench/queue-scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}; fill=${FILL:-spool}
source bench/lib/gateway.sh
# Load average while the script runs (the machine is shared: a figure taken under load is worth less).
loadlog=$(mktemp /tmp/mssgw-loadavg.XXXXXX); ( while :; do cut -d' ' -f1 /proc/loadavg >> "$loadlog"; sleep 5; done ) & loadpid=$!
loadavg_summary() { python3 -c "import sys;v=[float(x) for x in open(sys.argv[1]) if x.strip()];print(f'load average (1 min, every 5 s) during the run: start {v[0]:.2f}, mean {sum(v)/len(v):.2f}, max {max(v):.2f}, {len(v)} samples' if v else 'load average: no sample')" "$loadlog"; }
sinkpid=
cleanup() { kill "$loadpid" 2>/dev/null; rm -f "$loadlog"; [ -n "$sinkpid" ] && kill "$sinkpid" 2>/dev/null; stop_gateway; }
trap cleanup EXIT
dotnet build -c Release -nologo -v quiet bench/DeliveryBench/DeliveryBench.csproj >/dev/null
dotnet build -c Release -nologo -v quiet bench/SmtpLoad/SmtpLoad.csproj >/dev/null
bench=bench/DeliveryBench/bin/Release/net10.0/DeliveryBench.dll
sinkport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
# Retries after 10 s (not 5 min): the few messages a failed probe or cohort defers come back during the
# drain instead of holding its end for minutes.
export GATEWAY_ARGS="--Gateway:Delivery:DeadDestinationRetry=00:00:05 --Gateway:Delivery:RetrySchedule:0=00:00:10 --Gateway:Delivery:RetryJitter=0 ${GATEWAY_ARGS:-}"
DELIVER_TO_PORT=$sinkport start_gateway

now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now)-$1:.1f}')"; }
mb() { awk -v k="$(grep "$1" /proc/"$gw"/status | awk '{print $2}')" 'BEGIN{printf "%.0f", k/1024}'; }
metric() { curl -s "http://127.0.0.1:$http/metrics" | awk -v m="$1" '$1==m {printf "%d", $2}'; }
parked() { v=$(metric mssgw_delivery_parked_messages); echo "${v:-0}"; }
launch() { # the gateway again, same configuration and spool (what bench/lib/gateway.sh started)
  dotnet "${GATEWAY_DLL:-gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll}" --config "$work/gateway.json" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:MssGateway.Delivery.DeliveryScheduler=Information ${GATEWAY_ARGS:-} > "$work/gateway.log" 2>&1 &
  gw=$!
}
stop() { kill "$gw"; wait "$gw" 2>/dev/null || true; }
ready() { until curl -sf "http://127.0.0.1:$http/readyz" >/dev/null; do sleep 0.05; done; }
wait_parked() { local want=$1 last=-1 same=0; while :; do p=$(parked); [ "$p" -ge "$want" ] && break
  [ "$p" = "$last" ] && same=$((same+1)) || same=0; last=$p; [ $same -ge 600 ] && { echo "parked stuck at $p" >&2; break; }; sleep 0.1; done; }

if [ "$fill" = smtp ]; then
  t=$(now)
  echo "fill (through the gateway): $(dotnet bench/SmtpLoad/bin/Release/net10.0/smtpload.dll --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 1024 --per-session 50 --messages "$n") in $(since "$t") s"
else
  stop
  echo "fill (straight into the spool): $(dotnet "$bench" fill --spool "$work/spool" --messages "$n" --size 1024)"
  launch; ready
fi
wait_parked $((n - 50))
echo "holding: parked=$(parked) dead_destinations=$(metric mssgw_delivery_dead_destinations) rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"

stop
t=$(now); launch; ready; ready_s=$(since "$t")
until grep -q SchedulerStarted "$work/gateway.log"; do sleep 0.05; done; known_s=$(since "$t")
wait_parked $((n - 50)); parked_s=$(since "$t")
echo "restart: readyz after ${ready_s} s, every message known after ${known_s} s, all classified and parked after ${parked_s} s; rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
grep -o 'delivery scheduler started[^"]*' "$work/gateway.log" | head -1

dotnet "$bench" sink --port "$sinkport" --cert "$work/pki/server.pem" --key "$work/pki/server.key" --stats "$work/sink.stats" > "$work/sink.log" 2>&1 &
sinkpid=$!
t=$(now)
accepted() { [ -f "$work/sink.stats" ] && sed -E 's/.*accepted=([0-9]+).*/\1/' "$work/sink.stats" || echo 0; }
until [ "$(accepted)" -gt 0 ]; do sleep 0.05; done; first_s=$(since "$t"); t1=$(now)
while [ "$(accepted)" -lt "$n" ]; do sleep 0.2; done
drain_s=$(since "$t1")
echo "drain: first delivery $first_s s after the peer came back (probe period 5 s), then $n messages in $drain_s s = $(python3 -c "print(f'{$n/$drain_s:.0f}')") msgs/s; rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
echo "sink: $(cat "$work/sink.stats")"
printf '\n%-12s %-16s %-12s %-14s %-16s %-12s\n' messages peak_rss_MB ready_s all_known_s classified_s drain_msgs/s
printf '%-12s %-16s %-12s %-14s %-16s %-12s\n' "$n" "$(mb VmHWM)" "$ready_s" "$known_s" "$parked_s" "$(python3 -c "print(f'{$n/$drain_s:.0f}')")"
loadavg_summary
