#!/usr/bin/env bash
# Issue 17, side by side in one run: workloads A (one mutual-TLS session per message) and B (50
# messages per session) of bench/smtp-bench.sh (16 clients, 20 KB, fsync on), with the spool in clear
# and the journal off ("plain") vs the spool encrypted and the exchange journal on ("crypt"). RUNS
# rounds (default 3), the order of the two alternating from round to round so drift of the machine
# favours neither; prints each run, then the medians and the ratio crypt/plain (target >= 0.95).
# Keys are generated for the run (openssl) and removed after. The switch is only configuration, passed
# to bench/lib/gateway.sh through GATEWAY_ARGS.
# Usage: [RUNS=3] [MSGS_A=2000] [MSGS_B=10000] [GATEWAY_DLL=...] bench/crypt-bench.sh
# Run it under the exclusive quiet lock: flock -x /tmp/mssgw-quiet.lock bench/crypt-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-3}; msgs_a=${MSGS_A:-2000}; msgs_b=${MSGS_B:-10000}
keys=$(mktemp -d /tmp/mssgw-crypt-keys.XXXXXX)
trap 'rm -rf "$keys"' EXIT
openssl rand -base64 32 > "$keys/spool.key"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$keys/journal.key" 2>/dev/null
crypt_args="--Gateway:Spool:Encryption:Enabled=true --Gateway:Spool:Encryption:KeyFile=$keys/spool.key --Gateway:Journal:Enabled=true --Gateway:Journal:SigningKeyFile=$keys/journal.key"

declare -A rate
printf '%-6s %3s | %-52s | %-52s\n' mode run "A (1 message/session)" "B (50 messages/session)"
for r in $(seq 1 "$runs"); do
  order="plain crypt"; [ $((r % 2)) = 0 ] && order="crypt plain"
  for mode in $order; do
    args=""; [ "$mode" = crypt ] && args=$crypt_args
    out=$(GATEWAY_ARGS="${GATEWAY_ARGS:-} $args" bench/smtp-bench.sh "$msgs_a" "$msgs_b")
    a=$(sed -nE 's/^A .*: +(.*)$/\1/p' <<<"$out"); b=$(sed -nE 's/^B .*: +(.*)$/\1/p' <<<"$out")
    printf '%-6s %3s | %-52s | %-52s\n' "$mode" "$r" "$(cut -d' ' -f4-6 <<<"$a")" "$(cut -d' ' -f4-6 <<<"$b")"
    rate[$mode,A,$r]=$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$a")
    rate[$mode,B,$r]=$(sed -E 's/.*msgs_per_s=([0-9.]+).*/\1/' <<<"$b")
    grep -q 'errors=0' <<<"$a" && grep -q 'errors=0' <<<"$b" || echo "  ($mode run $r had errors: $a / $b)"
  done
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for w in A B; do
  p=(); c=(); for r in $(seq 1 "$runs"); do p+=("${rate[plain,$w,$r]}"); c+=("${rate[crypt,$w,$r]}"); done
  mp=$(median "${p[@]}"); mc=$(median "${c[@]}")
  echo "$w median msgs/s: plain $mp, crypt $mc, ratio crypt/plain $(python3 -c "print(f'{$mc/$mp:.3f}')")"
done
