#!/usr/bin/env bash
# The message policy benchmark of two builds side by side (docs/benchmarks.md "Message policy"):
# BASE_REV (built in a temporary git worktree) and the working tree, run alternately RUNS times
# under the shared bench lock, each run printing its table; then the median messages/s and the
# allocation per message of each case, and the ratio new/base. Compare ratios, not absolute figures.
#
# Usage: bench/PolicyBench/side-by-side.sh [BASE_REV=HEAD~1] [SECONDS=2] [ROUNDS=3] [RUNS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
base_rev=${1:-HEAD~1}
seconds=${2:-2}
rounds=${3:-3}
runs=${4:-3}
work=$(mktemp -d /tmp/mssgw-policybench-XXXXXX)
trap 'git worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

git worktree add --detach "$work/base" "$base_rev" >/dev/null
dotnet build "$work/base/bench/PolicyBench" -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build bench/PolicyBench -c Release -nologo -v quiet -clp:ErrorsOnly
base_dll="$work/base/bench/PolicyBench/bin/Release/net10.0/PolicyBench.dll"
new_dll="bench/PolicyBench/bin/Release/net10.0/PolicyBench.dll"

# One benchmark at a time on this machine (BRIEF.md): hold the shared lock while measuring.
exec 9>/tmp/mssgw-bench.lock
flock 9
for i in $(seq 1 "$runs"); do
  for side in base new; do
    dll=$base_dll; [ "$side" = new ] && dll=$new_dll
    echo "=== run $i $side $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)"
    dotnet "$dll" "$seconds" "$rounds"
  done
done | tee "$work/out.txt"
flock -u 9

python3 - "$work/out.txt" "$base_rev" <<'PY'
import re, sys, statistics
side = None
rate = {}; alloc = {}
for line in open(sys.argv[1], encoding='utf-8'):
    m = re.match(r'=== run \d+ (base|new) ', line)
    if m:
        side = m.group(1); continue
    m = re.match(r'\| (.+?) \| [\d,]+ \| ([\d.]+) \| [\d.]+ \| ([\d,]+) KiB \|', line)
    if m and side:
        rate.setdefault(m.group(1), {}).setdefault(side, []).append(float(m.group(2)))
        alloc.setdefault(m.group(1), {}).setdefault(side, []).append(int(m.group(3).replace(',', '')))
print(f"\nMedians ({sys.argv[2]} = base, working tree = new):\n")
print("| Case | base msg/s | new msg/s | new/base | base KiB/msg | new KiB/msg |")
print("|---|---:|---:|---:|---:|---:|")
for case, v in rate.items():
    b, n = statistics.median(v['base']), statistics.median(v['new'])
    ab, an = statistics.median(alloc[case]['base']), statistics.median(alloc[case]['new'])
    print(f"| {case} | {b:.1f} | {n:.1f} | {n / b:.2f} | {ab:,.0f} | {an:,.0f} |")
PY
