#!/usr/bin/env bash
# Directory benchmark (issue 5): sync N mailboxes (default 500,000) from slapd and from the flat file
# into redis-server, with entries/s and the sync process's peak memory, then the gateway's lookup
# latency under load. Loopback only; everything lives in a temp folder removed at the end.
#   bench/DirectoryBench/run.sh [N]
set -euo pipefail
N=${1:-500000}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d /tmp/mssgw-dirbench.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

echo "== build (Release)"
dotnet build -c Release "$ROOT/directory-sync/MssGateway.DirectorySync" -v q -nologo | tail -1
dotnet build -c Release "$ROOT/bench/DirectoryBench" -v q -nologo | tail -1
SYNC="$ROOT/directory-sync/MssGateway.DirectorySync/bin/Release/net10.0/mssgw-directory-sync.dll"
BENCH="$ROOT/bench/DirectoryBench/bin/Release/net10.0/DirectoryBench.dll"

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
LDAP_PORT=$(free_port)
mkdir -p "$WORK/db"
cat >"$WORK/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include $ROOT/tests/MssGateway.Directory.Tests/Fixtures/mssante-test.schema
pidfile $WORK/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
sizelimit unlimited
database mdb
maxsize 8589934592
suffix "dc=mssante,dc=test"
rootdn "cn=admin,dc=mssante,dc=test"
rootpw bench
directory $WORK/db
index objectClass eq
index mail eq
limits * size=unlimited size.pr=unlimited
access to * by * read
CONF
echo "== generate $N mailboxes (LDIF and flat file)"
dotnet "$BENCH" gen-ldif "$N" "$WORK/data.ldif"
dotnet "$BENCH" gen-flat "$N" "$WORK/Extraction_Correspondance_MSSante.txt"
ls -la "$WORK/data.ldif" "$WORK/Extraction_Correspondance_MSSante.txt" | awk '{print $5, $9}'
echo "== slapadd"
/usr/bin/time -f "slapadd: %e s" /usr/sbin/slapadd -q -f "$WORK/slapd.conf" -l "$WORK/data.ldif"
rm "$WORK/data.ldif"
/usr/sbin/slapd -d 0 -h "ldap://127.0.0.1:$LDAP_PORT" -f "$WORK/slapd.conf" >"$WORK/slapd.log" 2>&1 &
PIDS+=($!)
sleep 1
printf 'bench\n' >"$WORK/bind-password"

export DirectorySync__Redis__Configuration="127.0.0.1:$REDIS_PORT"
export DirectorySync__RetireDelay=00:00:00
export DirectorySync__MaxShrinkRatio=1
export Logging__LogLevel__Default=Warning

run_sync() { # label, extra env...
  local label=$1; shift
  local start end
  start=$(date +%s.%N)
  env "$@" /usr/bin/time -f "%M" -o "$WORK/rss" dotnet "$SYNC" --once --full >"$WORK/sync.log" 2>&1 || { cat "$WORK/sync.log"; exit 1; }
  end=$(date +%s.%N)
  python3 - "$label" "$N" "$start" "$end" "$(cat "$WORK/rss")" <<'PY'
import sys
label, n, s, e, rss = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
print(f"{label}: {n} mailboxes in {e-s:.1f} s = {n/(e-s):,.0f} entries/s, peak RSS {rss/1024:.0f} MiB")
PY
}

echo "== full sync from slapd (paged 500)"
run_sync "ldap" DirectorySync__Source=Ldap DirectorySync__Redis__KeyPrefix=bench-ldap \
  DirectorySync__Ldap__Host=127.0.0.1 DirectorySync__Ldap__Port="$LDAP_PORT" DirectorySync__Ldap__Security=None \
  DirectorySync__Ldap__BaseDn="ou=mailboxes,dc=mssante,dc=test" \
  DirectorySync__Ldap__BindDn="cn=admin,dc=mssante,dc=test" DirectorySync__Ldap__BindPasswordFile="$WORK/bind-password"
echo "== full sync from the flat file ($N lines + 10% duplicates)"
run_sync "flatfile" DirectorySync__Source=FlatFile DirectorySync__Redis__KeyPrefix=bench-flat \
  DirectorySync__FlatFile__Path="$WORK/Extraction_Correspondance_MSSante.txt"
echo "redis used_memory (both copies): $(redis-cli -p "$REDIS_PORT" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"

echo "== gateway lookups by address (RedisMailboxDirectory), 20 s each"
dotnet "$BENCH" lookups "127.0.0.1:$REDIS_PORT" bench-flat "$N" 20 64 0        # no local cache: one HGET per lookup
dotnet "$BENCH" lookups "127.0.0.1:$REDIS_PORT" bench-flat "$N" 20 64 10000    # cache on, uniform over N (worst case)
dotnet "$BENCH" lookups "127.0.0.1:$REDIS_PORT" bench-flat "$N" 20 64 10000 5000  # cache on, 80 % of lookups on 5,000 mailboxes
