# Sourced by the bench scripts: what every one of them repeated.
#   find_shared_bench FILE [optional]
#                           -> sets $shared to the team's shared bench directory (../shared/bench and the
#                              usual places, or SHARED_BENCH) that holds FILE; exits 2 when there is none
#                              (with "optional": leaves $shared empty, for the caller to check when it needs it).
#   loadavg_start           -> samples the 1-minute load average every 5 s into $loadlog (sampler: $loadpid;
#                              the caller's EXIT trap kills it and removes the file) — the machine is shared,
#                              and a figure taken under load is worth less.
#   loadavg_summary         -> prints the samples' start, mean and maximum.
#   workload_b DIR PORT MESSAGES PER CLOCK [WRAPPER ARGS...]
#                           -> runs workload B through the shared load tool (16 sessions of PER messages, STARTTLS with
#                              the dev CPS certificate of DIR/pki, 20 KB, the dev sender and recipient) on 127.0.0.1:PORT,
#                              under bench/cpu-split.py run (its CPU to DIR/load.cpu) and bench/lib/smtpload_clock.py (the
#                              time of its first connection to CLOCK); WRAPPER ARGS go between the two (e.g.
#                              bench/lib/smtpload_paced.py RATE). Needs $shared (find_shared_bench smtpload.py).
#   sink_field FILE NAME    -> one counter of the smart sink's stats line (accepted, last_accepted_unix_us, ...).
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
workload_b() {
  local dir=$1 port=$2 messages=$3 per=$4 clock=$5; shift 5
  python3 bench/cpu-split.py run "$dir/load.cpu" -- python3 bench/lib/smtpload_clock.py "$clock" "$@" "$shared/smtpload.py" \
    --port "$port" --mode starttls --ca "$dir/pki/ca.pem" --cert "$dir/pki/client-cps.pem" --key "$dir/pki/client-cps.key" \
    --sender dev.sender@hopital-dev.mssante.test --rcpt dev.recipient@hopital-dev.mssante.test \
    --size 20000 --concurrency 16 --per-session "$per" --messages "$messages"
}
sink_field() { sed -E "s/(.* )?$2=([0-9]+).*/\2/" "$1"; }
