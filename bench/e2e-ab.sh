#!/usr/bin/env bash
# Builds of the gateway side by side on the end-to-end load of bench/e2e-bench.sh, alternated run by run so
# that the machine's drift (on a shared 2-core machine the same build's CPU per message moves by 20-30 %
# between holds) falls on every build alike. Prints, per run, the gateway's CPU per message accepting and
# delivering, the sink's, the end-to-end rate and the gateway's context switches; then the median of each.
#
# Usage: bench/e2e-ab.sh LABEL=path/to/mssgw.dll[@VAR=value] ...   (PAIRS=4 rounds; N=6000 messages; WARMUP=8000)
# Each run holds the exclusive quiet lock itself (flock -x /tmp/mssgw-quiet.lock), so run it without one.
# Example: bench/e2e-ab.sh before=/tmp/gw-main/mssgw.dll after=gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 LABEL=path/to/mssgw.dll[@VAR=value] ..." >&2; exit 2; }
pairs=${PAIRS:-4}; n=${N:-6000}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for spec in "$@"; do
  dll=${spec#*=}; dll=${dll%%@*}
  [ -f "$dll" ] || { echo "$spec: no such build: $dll" >&2; exit 2; }
done
for round in $(seq 1 "$pairs"); do
  for spec in "$@"; do
    label=${spec%%=*}; rest=${spec#*=}; dll=${rest%%@*}; envs=""
    [[ "$rest" == *@* ]] && envs=${rest#*@}
    out=$(flock -x /tmp/mssgw-quiet.lock env GATEWAY_DLL="$(realpath "$dll")" GATEWAY_ENV="$envs" WARMUP="${WARMUP:-8000}" bench/e2e-bench.sh "$n" 2>&1) \
      || { echo "$label: e2e-bench failed:" >&2; echo "$out" | tail -20 >&2; exit 1; }
    gw=$(echo "$out" | sed -n 's/^  cpu: mssgw \([0-9.]*\) ms\/msg.*/\1/p')
    sink=$(echo "$out" | sed -n 's/^  cpu: mssgw .* sink \([0-9.]*\) ms\/msg.*/\1/p')
    rate=$(echo "$out" | sed -n 's/^end to end: .* = \([0-9.]*\) msgs\/s.*/\1/p')
    ctx=$(echo "$out" | sed -n 's/^gateway context switches per message: //p')
    echo "round $round $label $(date -u +%H:%M:%S): gateway ${gw} ms/msg, sink ${sink} ms/msg, e2e ${rate} msgs/s, context switches ${ctx}"
    echo "$label $gw $sink $rate" >> "$results"
  done
done
python3 - "$results" "$@" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
for spec in sys.argv[2:]:
    label = spec.split('=', 1)[0]
    mine = [r for r in rows if r[0] == label]
    gw = [float(r[1]) for r in mine]; sink = [float(r[2]) for r in mine]; rate = [float(r[3]) for r in mine]
    print(f"{label}: gateway CPU per message accepting and delivering, median {statistics.median(gw):.2f} ms (runs {', '.join(f'{g:.2f}' for g in gw)}); "
          f"sink {statistics.median(sink):.2f} ms; e2e {statistics.median(rate):.1f} msgs/s")
EOF
