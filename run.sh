#!/usr/bin/env bash
# Runs the gateway in dev mode on an embedded default: no Redis, no LDAP. Generates (once) a dev
# PKI under .dev/pki, a file-backed directory in .dev/directory.json, spools under .dev/spool and
# delivers the dev domain's mail to the maildir .dev/maildir (docs/developer-guide.md). The spool is
# encrypted with a key generated once in .dev/keys/spool.key, and the exchange journal (checkpoints
# signed with .dev/keys/journal.key) is written under .dev/journal (docs/security.md).
# Listeners: 127.0.0.1:2587 (STARTTLS), 2465 (implicit TLS), 2525 (relay, STARTTLS); HTTP 127.0.0.1:9090;
# the dev maildir receiver on 127.0.0.1:2526. Extra arguments go to mssgw (e.g. --Gateway:Http:Port=9191).
# MSSGW_DLL=path/to/mssgw.dll runs that build instead of building one (the dev-mode test does).
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v openssl >/dev/null; then
  echo "run.sh: installing openssl" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
mkdir -p .dev/spool .dev/maildir .dev/journal
(umask 077 && mkdir -p .dev/keys
 [ -f .dev/keys/spool.key ] || openssl rand -base64 32 > .dev/keys/spool.key
 [ -f .dev/keys/journal.key ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out .dev/keys/journal.key 2>/dev/null)
scripts/dev-pki.sh .dev/pki >/dev/null
[ -f .dev/directory.json ] || cp gateway/MssGateway.Host/dev/directory.json .dev/directory.json

cat <<'TXT'
MSSanté gateway, dev mode. Send a message with the dev CPS certificate (in another terminal):

  swaks --server 127.0.0.1:2587 --tls --tls-verify --tls-ca-path .dev/pki/ca.pem \
        --tls-cert .dev/pki/client-cps.pem --tls-key .dev/pki/client-cps.key \
        --from dev.sender@hopital-dev.mssante.test --to dev.recipient@hopital-dev.mssante.test

The gateway delivers it (mail for hopital-dev.mssante.test) to the maildir .dev/maildir/: one file
per recipient in .dev/maildir/new/, the gateway's Authentication-Results and Received on top. Read
the newest one with:

  cat "$(ls -t .dev/maildir/new/* | head -1)"

Implicit TLS: replace "--server 127.0.0.1:2587 --tls" by "--server 127.0.0.1:2465 --tlsc".
Queue:   dotnet gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll queue list --dev
Journal: dotnet gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll journal verify --dev
Metrics: http://127.0.0.1:9090/metrics   Health: /healthz /readyz   Spool: .dev/spool (encrypted)
TXT
dll=${MSSGW_DLL:-}
if [ -z "$dll" ]; then
  dotnet build -c Release -v quiet -nologo gateway/MssGateway.Host/MssGateway.Host.csproj >/dev/null
  dll=gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll
fi
# Two glibc malloc arenas, as the image and the chart run it (docs/configuration.md "Runtime settings").
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
# Run from the repository root: the dev configuration's paths (.dev/...) are relative to it.
exec dotnet "$dll" --dev "$@"
