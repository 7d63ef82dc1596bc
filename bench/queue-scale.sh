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
# The drain is timed over the first DRAIN_WINDOW messages after the peer is back (default: all of them up
# to 200,000; a million at a few hundred per second would hold the benchmark lock for the better part of an
# hour); the rest are discarded with the spool, and the output says so.
window=${DRAIN_WINDOW:-$(( n < 200000 ? n : 200000 ))}
source bench/lib/gateway.sh
source bench/lib/common.sh
loadavg_start
sinkpid=
# A million-message spool is removed inside the lock (a minute of unlinks would slow the next
# benchmark's file creation down if it ran beside it).
cleanup() { kill "$loadpid" 2>/dev/null || true; rm -f "$loadlog"; [ -z "$sinkpid" ] || kill "$sinkpid" 2>/dev/null || true; stop_gateway || true; }
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
phase() { echo "[$(date -u +%T)] $*"; }
since() { python3 -c "print(f'{$(now)-$1:.1f}')"; }
mb() { awk -v k="$(grep "$1" /proc/"$gw"/status | awk '{print $2}')" 'BEGIN{printf "%.0f", k/1024}'; }
metric() { curl -s "http://127.0.0.1:$http/metrics" | awk -v m="$1" '$1==m {printf "%d", $2}'; }
parked() { v=$(metric mssgw_delivery_parked_messages); echo "${v:-0}"; }
launch() { # the gateway again, same configuration and spool (what bench/lib/gateway.sh started)
  dotnet "${GATEWAY_DLL:-gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll}" --config "$work/gateway.json" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:MssGateway.Delivery.DeliveryScheduler=Information --Logging:LogLevel:MssGateway.Host=Information ${GATEWAY_ARGS:-} > "$work/gateway.log" 2>&1 &
  gw=$!
}
stop() { kill "$gw"; wait "$gw" 2>/dev/null || true; }
ready() { until curl -sf "http://127.0.0.1:$http/readyz" >/dev/null; do sleep 0.05; done; }
wait_parked() { local want=$1 last=-1 same=0; while :; do p=$(parked); [ "$p" -ge "$want" ] && break
  [ "$p" = "$last" ] && same=$((same+1)) || same=0; last=$p; [ $same -ge 600 ] && { echo "parked stuck at $p" >&2; break; }; sleep 0.1; done; }

phase "gateway started; fill ($fill)"
if [ "$fill" = smtp ]; then
  t=$(now)
  echo "fill (through the gateway): $(dotnet bench/SmtpLoad/bin/Release/net10.0/smtpload.dll --port "$port" --mode starttls --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" --concurrency 16 --size 1024 --per-session 50 --messages "$n") in $(since "$t") s"
else
  stop
  echo "fill (straight into the spool): $(dotnet "$bench" fill --spool "$work/spool" --messages "$n" --size 1024)"
  launch; ready
fi
phase "filled; waiting for the messages to be parked"
wait_parked $((n - 50))
echo "holding: parked=$(parked) dead_destinations=$(metric mssgw_delivery_dead_destinations) rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
gcdump() { # GCDUMP=dir: the managed heap by type (dotnet-gcdump; it forces a full GC first)
  [ -n "${GCDUMP:-}" ] || return 0
  mkdir -p "$GCDUMP"; "${DOTNET_GCDUMP:-dotnet-gcdump}" collect -p "$gw" -o "$GCDUMP/$1.gcdump" >/dev/null 2>&1 || true
  echo "gcdump ($1): rss after the full GC $(mb VmRSS) MB; largest types:"; "${DOTNET_GCDUMP:-dotnet-gcdump}" report "$GCDUMP/$1.gcdump" 2>/dev/null | head -14
}
hold_rss=$(mb VmRSS); hold_peak=$(mb VmHWM)
gcdump holding

phase "restart"
stop
t=$(now); launch; ready; ready_s=$(since "$t")
until grep -q '"EventId":6008' "$work/gateway.log"; do sleep 0.05; done; known_s=$(since "$t") # SchedulerStarted
wait_parked $((n - 50)); parked_s=$(since "$t")
echo "restart: readyz after ${ready_s} s, every message known after ${known_s} s, all classified and parked after ${parked_s} s; rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
restart_rss=$(mb VmRSS); restart_peak=$(mb VmHWM)
event_s() { python3 -c "import json,sys,datetime
for line in open(sys.argv[1]):
    if '\"EventId\":'+sys.argv[2]+',' in line:
        t=datetime.datetime.fromisoformat(json.loads(line)['Timestamp'].replace('Z','+00:00')).timestamp(); print(f'{t-float(sys.argv[3]):.1f}'); break
else: print('?')" "$work/gateway.log" "$1" "$t"; }
echo "restart detail: spool recovered (MessageSpool.Recover, before the listeners) after $(event_s 6) s; $(grep -o 'spool recovered[^"]*' "$work/gateway.log" | head -1)"
grep -o 'delivery scheduler started[^"]*' "$work/gateway.log" | head -1

phase "peer back"
dotnet "$bench" sink --port "$sinkport" --cert "$work/pki/server.pem" --key "$work/pki/server.key" --stats "$work/sink.stats" > "$work/sink.log" 2>&1 &
sinkpid=$!
t=$(now)
accepted() { [ -f "$work/sink.stats" ] && sink_field "$work/sink.stats" accepted || echo 0; }
until [ "$(accepted)" -gt 0 ]; do sleep 0.05; done; first_s=$(since "$t"); t1=$(now)
while [ "$(accepted)" -lt "$window" ]; do sleep 0.2; done
drain_s=$(since "$t1"); drained=$(accepted)
rate=$(python3 -c "print(f'{$drained/$drain_s:.0f}')")
phase "drained $drained"
if [ "$window" -lt "$n" ]; then
  echo "drain: first delivery $first_s s after the peer came back (probe period 5 s), then $drained messages (the window: DRAIN_WINDOW=$window of $n) in $drain_s s = $rate msgs/s; rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
  echo "the other $((n - drained)) messages are discarded, not drained: the drain rate above is measured over the first $drained only"
else
  echo "drain: first delivery $first_s s after the peer came back (probe period 5 s), then all $drained messages in $drain_s s = $rate msgs/s; rss=$(mb VmRSS) MB peak=$(mb VmHWM) MB"
fi
echo "sink: $(cat "$work/sink.stats")"
printf '\n%-10s %-12s %-15s %-13s %-10s %-13s %-15s %-14s %-12s\n' messages holding_MB holding_peak_MB restart_MB ready_s all_known_s all_classified_s drained drain_msgs/s
printf '%-10s %-12s %-15s %-13s %-10s %-13s %-15s %-14s %-12s\n' "$n" "$hold_rss" "$hold_peak" "$restart_rss" "$ready_s" "$known_s" "$parked_s" "$drained" "$rate"
echo "peak rss over the whole run (the process after the restart): $(mb VmHWM) MB"
loadavg_summary
