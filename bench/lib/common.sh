# Sourced by the bench scripts: what every one of them repeated.
#   find_shared_bench FILE [optional]
#                           -> sets $shared to the team's shared bench directory (../shared/bench and the
#                              usual places, or SHARED_BENCH) that holds FILE; exits 2 when there is none
#                              (with "optional": leaves $shared empty, for the caller to check when it needs it).
#   loadavg_start           -> samples the 1-minute load average every 5 s into $loadlog (sampler: $loadpid;
#                              the caller's EXIT trap kills it and removes the file) — the machine is shared,
#                              and a figure taken under load is worth less.
#   loadavg_summary         -> prints the samples' start, mean and maximum.
find_shared_bench() {
  shared=${SHARED_BENCH:-}
  local c
  for c in ../shared/bench ../../shared/bench /work/shared/bench; do [ -z "$shared" ] && [ -f "$c/$1" ] && shared=$(cd "$c" && pwd); done
  [ -n "$shared" ] || [ "${2:-}" = optional ] || { echo "no shared bench directory (set SHARED_BENCH)" >&2; exit 2; }
}
loadavg_start() {
  loadlog=$(mktemp /tmp/mssgw-loadavg.XXXXXX)
  ( while :; do cut -d' ' -f1 /proc/loadavg >> "$loadlog"; sleep 5; done ) & loadpid=$!
}
loadavg_summary() { python3 -c "import sys;v=[float(x) for x in open(sys.argv[1]) if x.strip()];print(f'load average (1 min, every 5 s) during the run: start {v[0]:.2f}, mean {sum(v)/len(v):.2f}, max {max(v):.2f}, {len(v)} samples' if v else 'load average: no sample')" "$loadlog"; }
