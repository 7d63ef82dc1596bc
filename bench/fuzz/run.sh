#!/usr/bin/env bash
# Coverage-guided fuzzing of the gateway's parsers: SharpFuzz-instrumented assemblies under afl++.
#
# Usage: bench/fuzz/run.sh --list                 the targets (name, dictionary, what is under test)
#        bench/fuzz/run.sh TARGET SECONDS         build, instrument, seed and fuzz TARGET that long,
#                                                 then print executions, corpus, crashes and hangs
#        bench/fuzz/run.sh --replay TARGET PATH.. run inputs (files or folders) once, uninstrumented,
#                                                 and print each outcome or the exception of a crash
#
# Installs what it needs by capability: afl-fuzz (Debian package afl++) when missing, the
# SharpFuzz.CommandLine tool into .work/tools (never globally). Work files (build, instrumented copies,
# the run's PKI with its private keys, findings) live in bench/fuzz/.work (MSSGW_FUZZ_WORK), which is
# not committed. The fuzzer runs under `nice -n 19`, one run at a time on this machine (a lock), with
# the .NET heap bounded (MSSGW_FUZZ_HEAP, default 1 GiB): unbounded memory shows as a crash.
# MSSGW_FUZZ_NO_BUILD=1 reuses the last build. Not part of CI: the seed corpora run in the normal
# test suite instead (tests/MssGateway.Host.Tests/Fuzzing/FuzzSeedCorpusTests).
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_DIR=$PWD
WORK=${MSSGW_FUZZ_WORK:-$FUZZ_DIR/.work}
SHARPFUZZ_VERSION=2.3.0
HEAP=${MSSGW_FUZZ_HEAP:-0x40000000}
TIMEOUT_MS=${MSSGW_FUZZ_TIMEOUT_MS:-5000}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export MSSGW_FUZZ_PKI="$WORK/pki"

die() { echo "fuzz: $*" >&2; exit 1; }

# Assemblies instrumented per target (the code whose branches guide the fuzzer), with optional
# type prefixes after a colon: the parser and what it drives, never the harness itself.
instrumented() {
  case "$1" in
    smtp-command) echo "MssGateway.Smtp.dll" ;;
    mime) echo "MssGateway.Policy.dll MimeKit.dll:MimeKit" ;;
    dn-text|dn-der) echo "MssGateway.Trust.dll" ;;
    certificate|crl|crl-signed|ocsp|ocsp-signed)
      echo "MssGateway.Trust.dll BouncyCastle.Cryptography.dll:Org.BouncyCastle.Asn1,Org.BouncyCastle.X509,Org.BouncyCastle.Ocsp" ;;
    liste-blanche) echo "mssgw-directory-sync.dll MssGateway.Directory.dll MssGateway.Trust.dll" ;;
    trusted-list|trusted-list-signed) echo "MssGateway.Trust.dll" ;;
    extraction) echo "mssgw-directory-sync.dll MssGateway.Directory.dll" ;;
    *) return 1 ;;
  esac
}

publish() {
  mkdir -p "$WORK"
  # MSSGW_FUZZ_NO_BUILD=1: reuse the last build (a series of runs built once, while the tree changes).
  if [ "${MSSGW_FUZZ_NO_BUILD:-0}" = 1 ] && [ -f "$WORK/publish/mssgw-fuzz.dll" ]; then
    return
  fi
  dotnet publish MssGateway.Fuzzing.Runner -c Release -o "$WORK/publish" -nologo -v quiet -clp:ErrorsOnly >&2
}

ensure_afl() {
  if command -v afl-fuzz >/dev/null 2>&1; then
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "fuzz: afl-fuzz missing: installing the Debian package afl++" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ >&2 \
      || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q afl++ >&2; }
  fi
  command -v afl-fuzz >/dev/null 2>&1 || die "afl-fuzz not found: install the Debian package afl++ (apt-get install afl++)"
}

ensure_sharpfuzz() {
  SHARPFUZZ="$WORK/tools/sharpfuzz"
  if [ -x "$SHARPFUZZ" ] && "$SHARPFUZZ" >/dev/null 2>&1; then
    return
  fi
  echo "fuzz: installing SharpFuzz.CommandLine $SHARPFUZZ_VERSION into $WORK/tools" >&2
  mkdir -p "$WORK/tools"
  dotnet tool install SharpFuzz.CommandLine --version "$SHARPFUZZ_VERSION" --tool-path "$WORK/tools" >&2 \
    || dotnet tool update SharpFuzz.CommandLine --version "$SHARPFUZZ_VERSION" --tool-path "$WORK/tools" >&2
  "$SHARPFUZZ" >/dev/null 2>&1 || die "sharpfuzz does not run from $WORK/tools"
}

list() {
  publish
  dotnet "$WORK/publish/mssgw-fuzz.dll" list | column -t -s $'\t'
}

replay() {
  local target=$1; shift
  publish
  dotnet "$WORK/publish/mssgw-fuzz.dll" replay "$target" "$@"
}

stat_of() { sed -n "s/^$1 *: *//p" "$2" | head -1; }

fuzz() {
  local target=$1 seconds=$2
  [[ "$seconds" =~ ^[0-9]+$ ]] || die "SECONDS must be a whole number (got '$seconds')"
  local list; list=$(instrumented "$target") || die "unknown target '$target' (bench/fuzz/run.sh --list)"
  ensure_afl
  ensure_sharpfuzz
  publish

  # A fresh copy per target, instrumented for that target only.
  local dir="$WORK/$target"
  rm -rf "$dir/bin" "$dir/seeds"
  mkdir -p "$dir"
  cp -r "$WORK/publish" "$dir/bin"
  for entry in $list; do
    local dll=${entry%%:*} prefixes=
    [[ "$entry" == *:* ]] && prefixes=${entry#*:}
    echo "fuzz: instrumenting $dll${prefixes:+ ($prefixes)}" >&2
    # shellcheck disable=SC2086
    "$SHARPFUZZ" "$dir/bin/$dll" ${prefixes//,/ } >&2
  done

  dotnet "$WORK/publish/mssgw-fuzz.dll" seeds "$target" "$dir/seeds" >&2
  local dict; dict="$FUZZ_DIR/dict/$(dotnet "$WORK/publish/mssgw-fuzz.dll" list | awk -F'\t' -v t="$target" '$1 == t { print $2 }')"
  local out="$dir/findings-$(date -u +%Y%m%dT%H%M%SZ)"

  echo "fuzz: $target for ${seconds}s (nice 19, heap ${HEAP}, time-out ${TIMEOUT_MS} ms) -> $out" >&2
  exec 9>/tmp/mssgw-fuzz.lock
  flock 9
  local started; started=$(date +%s)
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
  AFL_AUTORESUME=0 AFL_SKIP_CRASHES=1 AFL_STATSD=0 DOTNET_GCHeapHardLimit="$HEAP" DOTNET_TieredPGO=0 \
    nice -n 19 afl-fuzz -V "$seconds" -i "$dir/seeds" -o "$out" -t "$TIMEOUT_MS" -m none -x "$dict" \
      -- dotnet "$dir/bin/mssgw-fuzz.dll" fuzz "$target" > "$out.log" 2>&1 || {
        tail -30 "$out.log" >&2
        die "afl-fuzz failed (log: $out.log)"
      }
  flock -u 9
  local elapsed=$(( $(date +%s) - started ))

  local stats="$out/default/fuzzer_stats"
  [ -f "$stats" ] || die "no fuzzer_stats in $out (log: $out.log)"
  local crashes hangs
  crashes=$(find "$out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '\n%-22s %s\n' "target" "$target"
  printf '%-22s %s\n' "date (UTC)" "$(date -u +%Y-%m-%dT%H:%MZ)"
  printf '%-22s %s s (asked %s s)\n' "wall time" "$elapsed" "$seconds"
  printf '%-22s %s\n' "executions" "$(stat_of execs_done "$stats")"
  printf '%-22s %s\n' "executions/s" "$(stat_of execs_per_sec "$stats")"
  printf '%-22s %s\n' "corpus (paths)" "$(stat_of corpus_count "$stats")"
  printf '%-22s %s\n' "seeds" "$(find "$dir/seeds" -type f | wc -l)"
  printf '%-22s %s\n' "map coverage" "$(stat_of bitmap_cvg "$stats")"
  printf '%-22s %s\n' "stability" "$(stat_of stability "$stats")"
  printf '%-22s %s\n' "crashes" "$crashes"
  printf '%-22s %s\n' "hangs" "$hangs"
  printf '%-22s %s\n' "findings" "$out"
  if [ "$crashes" -gt 0 ]; then
    echo
    echo "crashes replayed uninstrumented:"
    dotnet "$WORK/publish/mssgw-fuzz.dll" replay "$target" "$out/default/crashes"/id:* | grep -v '^ *at ' | grep -v '^$' | sort | uniq -c | sort -rn | head -20 || true
  fi
  if [ "$hangs" -gt 0 ]; then
    echo
    echo "hangs replayed (30 s each at most):"
    for h in "$out/default/hangs"/id:*; do
      timeout 30 dotnet "$WORK/publish/mssgw-fuzz.dll" replay "$target" "$h" | head -1 || echo "HANG     $h (still running after 30 s)"
    done
  fi
}

case "${1:-}" in
  --list) list ;;
  --replay) [ $# -ge 3 ] || die "usage: run.sh --replay TARGET FILE|DIR..."; shift; replay "$@" ;;
  -h|--help|"") sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) [ $# -eq 2 ] || die "usage: run.sh TARGET SECONDS (run.sh --list for the targets)"; fuzz "$1" "$2" ;;
esac
