#!/usr/bin/env bash
# Runs the gateway in dev mode on an embedded default: no Redis, no LDAP. Generates (once) a dev
# PKI under .dev/pki, a file-backed directory in .dev/directory.json, spools under .dev/spool.
# Listeners: 127.0.0.1:2587 (STARTTLS), 2465 (implicit TLS), 2525 (relay, STARTTLS); HTTP 127.0.0.1:9090.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v openssl >/dev/null; then
  echo "run.sh: installing openssl" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi
mkdir -p .dev/spool
scripts/dev-pki.sh .dev/pki >/dev/null
[ -f .dev/directory.json ] || cp gateway/MssGateway.Host/dev/directory.json .dev/directory.json

cat <<'TXT'
MSSanté gateway, dev mode. Send a message with the dev CPS certificate (in another terminal):

  swaks --server 127.0.0.1:2587 --tls --tls-verify --tls-ca-path .dev/pki/ca.pem \
        --tls-cert .dev/pki/client-cps.pem --tls-key .dev/pki/client-cps.key \
        --from dev.sender@hopital-dev.mssante.test --to dev.recipient@hopital-dev.mssante.test

Implicit TLS: replace "--server 127.0.0.1:2587 --tls" by "--server 127.0.0.1:2465 --tlsc".
Metrics: http://127.0.0.1:9090/metrics   Health: /healthz /readyz   Spool: .dev/spool
TXT
dotnet build -c Release -v quiet -nologo gateway/MssGateway.Host/MssGateway.Host.csproj >/dev/null
# Run from the repository root: the dev configuration's paths (.dev/...) are relative to it.
exec dotnet gateway/MssGateway.Host/bin/Release/net10.0/mssgw.dll --dev "$@"
