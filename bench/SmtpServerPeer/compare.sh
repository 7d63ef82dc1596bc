#!/usr/bin/env bash
# "Why our own engine", measured: the NuGet package SmtpServer 11.1.0 (this folder: STARTTLS endpoint,
# a message store that fsyncs each message before the 250) and mssgw (bench/lib/gateway.sh: trust
# engine, sender binding, MIME policy, durable spool), side by side in one run, same load tool
# (../shared/bench/smtpload.py), same certificates, 20 KB messages, 16 clients, workloads A, "A,
# resumed" and B as in bench/compare-postfix.sh. Prints msgs/s, p50/p99 accept latency and each
# server's CPU milliseconds per message (bench/lib/cputime.py). SmtpServer cannot ask for a client
# certificate (its STARTTLS takes only a server certificate), so its sessions verify none: it does less
# work per handshake than the gateway.
# Usage: [RUNS=3] [MESSAGES_A=2000] [MESSAGES_B=10000] bench/SmtpServerPeer/compare.sh   (under flock -x /tmp/mssgw-quiet.lock)
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${SHARED_BENCH:-../shared/bench}
runs=${RUNS:-3}; msgs_a=${MESSAGES_A:-2000}; msgs_b=${MESSAGES_B:-10000}
source bench/lib/gateway.sh
trap 'stop_gateway; [ -n "${peer:-}" ] && kill "$peer" 2>/dev/null; rm -rf "${peer_spool:-}"' EXIT
dotnet build -c Release -nologo -v quiet bench/SmtpServerPeer/SmtpServerPeer.csproj >/dev/null
start_gateway
peer_port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
peer_spool=$(mktemp -d /tmp/smtpserver-peer.XXXXXX)
dotnet bench/SmtpServerPeer/bin/Release/net10.0/smtpserver-peer.dll --port "$peer_port" --cert "$work/pki/server.pem" --key "$work/pki/server.key" --spool "$peer_spool" >"$work/peer.log" 2>&1 &
peer=$!
for _ in $(seq 1 100); do grep -q listening "$work/peer.log" && break; sleep 0.2; done

load() { # port per_session messages resume
  local tool=("$shared/smtpload.py")
  [ "$4" = 1 ] && tool=(bench/lib/smtpload_resumed.py "$shared/smtpload.py")
  python3 "${tool[@]}" --port "$1" --mode starttls --ca "$work/pki/ca.pem" --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test \
    --size 20000 --concurrency 16 --per-session "$2" --messages "$3" 2>"$work/load.err"
}
measured() { # pid port per_session messages resume
  local before after out
  before=$(python3 bench/lib/cputime.py pid "$1"); out=$(load "$2" "$3" "$4" "$5"); after=$(python3 bench/lib/cputime.py pid "$1")
  echo "$out cpu_ms=$((after - before)) resumed=$(sed -nE 's/.*tls_handshakes=([0-9]+) resumed=([0-9]+).*/\2\/\1/p' "$work/load.err")"
}
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
per_msg() { python3 -c "ok=$(field messages_ok "$1"); c=$(field cpu_ms "$1"); print(f'{c/ok:.2f}' if ok else 'nan')"; }

load "$peer_port" 1 2000 0 >/dev/null; load "$port" 1 2000 0 >/dev/null   # warm-up, the same for both
printf '%-22s %3s | %11s %7s %7s %7s %9s | %9s %7s %7s %7s %9s\n' workload run smtpsrv_msg/s p50_ms p99_ms cpu_ms resumed gw_msg/s p50_ms p99_ms cpu_ms resumed
for w in "A:1:$msgs_a:0" "A,_resumed:1:$msgs_a:1" "B:50:$msgs_b:0"; do
  IFS=: read -r name per msgs resume <<<"$w"; name=${name//_/ }
  for r in $(seq 1 "$runs"); do
    p=$(measured "$peer" "$peer_port" "$per" "$msgs" "$resume"); g=$(measured "$gw" "$port" "$per" "$msgs" "$resume")
    printf '%-22s %3s | %11s %7s %7s %7s %9s | %9s %7s %7s %7s %9s\n' "$name" "$r" \
      "$(field msgs_per_s "$p")" "$(field p50_ms "$p")" "$(field p99_ms "$p")" "$(per_msg "$p")" "$(sed -E 's/.*resumed=([^ ]*).*/\1/' <<<"$p")" \
      "$(field msgs_per_s "$g")" "$(field p50_ms "$g")" "$(field p99_ms "$g")" "$(per_msg "$g")" "$(sed -E 's/.*resumed=([^ ]*).*/\1/' <<<"$g")"
  done
done
rss() { awk '/VmHWM/{print $2}' "/proc/$1/status"; }
echo "peak RSS: smtpserver $(( $(rss "$peer") / 1024 )) MB, mssgw $(( $(rss "$gw") / 1024 )) MB"
