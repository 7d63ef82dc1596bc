#!/usr/bin/env bash
# Abuse benchmark (issue 18): one gateway (bench/lib/gateway.sh, production checks on), first a quiet
# run of workload B (50 messages per session, 16 clients, ../shared/bench/smtpload.py), then the same
# workload while bench/lib/abuse.py attacks the same listener from the same machine:
#   2,000 sessions flooding EHLO lines before STARTTLS without reading a reply,
#   2,000 slowloris sessions (half before TLS, half trickling inside DATA with a valid card),
#   500 loops opening a BDAT transfer with a valid card and abandoning it (RSET, EHLO, QUIT, disconnect).
# The per-client limits are raised so that every attack session is admitted (a botnet has many
# addresses; the limits under test are the ones that bound each session). Prints the gateway's peak RSS
# (VmHWM), spool/tmp at the end, the legitimate client's msgs/s and p99 quiet and under attack, the ratio,
# and whether the targets hold (peak RSS < 512 MB, spool/tmp back to 0, throughput >= 70 % of quiet).
# Usage: [MESSAGES=10000] [FLOOD=2000] [SLOWLORIS=2000] [BDAT=500] bench/abuse.sh   (under flock /tmp/mssgw-bench.lock)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${SHARED_BENCH:-../shared/bench}
msgs=${MESSAGES:-10000}
ulimit -n 65536 2>/dev/null || true
export BENCH_MAX_PER_CLIENT=20000 BENCH_MAX_SESSIONS=20000
source bench/lib/gateway.sh
trap 'stop_gateway' EXIT
start_gateway
legit() {
  python3 "$shared/smtpload.py" --port "$port" --mode starttls --ca "$work/pki/ca.pem" --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test --size 20000 --concurrency 16 --per-session 50 --messages "$1"
}
field() { sed -E "s/.*$1=([0-9.]+).*/\1/" <<<"$2"; }
legit 2000 >/dev/null   # warm-up
quiet=$(legit "$msgs")
echo "quiet:        $quiet"
rss_before=$(awk '/VmRSS/{print $2}' "/proc/$gw/status")
# The attack starts, gets 20 s to build up, lasts while the legitimate run runs, then stops by itself.
python3 bench/lib/abuse.py --port "$port" --ca "$work/pki/ca.pem" --cert "$work/pki/client-cps.pem" --key "$work/pki/client-cps.key" \
  --flood "${FLOOD:-2000}" --slowloris "${SLOWLORIS:-2000}" --bdat "${BDAT:-500}" --seconds "${ATTACK_SECONDS:-150}" > "$work/abuse.out" 2>&1 &
attacker=$!
sleep 20
attacked=$(legit "$msgs")
echo "under attack: $attacked"
wait "$attacker" || true
echo "attack:       $(cat "$work/abuse.out")"
# Sessions the attack left open end by their own limits (TLS start 30 s, command 5 min, data rate): wait for spool/tmp.
for _ in $(seq 1 120); do [ -z "$(ls -A "$work/spool/tmp")" ] && break; sleep 1; done
peak=$(awk '/VmHWM/{print $2}' "/proc/$gw/status")
tmp_files=$(ls -A "$work/spool/tmp" | wc -l); tmp_bytes=$(du -sb "$work/spool/tmp" | cut -f1)
ratio=$(python3 -c "print(f'{$(field msgs_per_s "$attacked")/$(field msgs_per_s "$quiet"):.2f}')")
echo "gateway RSS before the attack $((rss_before / 1024)) MB, peak (VmHWM) $((peak / 1024)) MB"
echo "spool/tmp after the attack: $tmp_files files, $tmp_bytes bytes (apparent size of the directory included)"
echo "legitimate B: quiet $(field msgs_per_s "$quiet") msgs/s p99 $(field p99_ms "$quiet") ms; under attack $(field msgs_per_s "$attacked") msgs/s p99 $(field p99_ms "$attacked") ms; ratio $ratio"
ok=1
[ "$peak" -lt $((512 * 1024)) ] || { echo "TARGET MISSED: peak RSS >= 512 MB"; ok=0; }
[ "$tmp_files" -eq 0 ] || { echo "TARGET MISSED: spool/tmp not empty"; ok=0; }
python3 -c "import sys; sys.exit(0 if $ratio >= 0.70 else 1)" || { echo "TARGET MISSED: throughput under 70 % of the quiet run"; ok=0; }
[ $ok = 1 ] && echo "targets met"
