#!/usr/bin/env bash
# Installs the Kubernetes API schemas the packaging tests validate the rendered chart against into
# ./.tools/kubernetes-models (repository root): the npm packages kubernetes-models (core, apps,
# batch, networking, policy…), @kubernetes-models/prometheus-operator (ServiceMonitor,
# PrometheusRule) and yaml (to read `helm template` output). Used by
# tests/MssGateway.Packaging.Tests/kubernetes-validate.mjs.
#
# By capability, not by folder: when node can already load the three pinned packages from there,
# nothing is fetched; otherwise they are installed again (npm, without running package scripts).
#
# Usage: scripts/install-kubernetes-models.sh          (prints the folder on success)
#        scripts/install-kubernetes-models.sh --check  (only check; exit 1 when missing)
set -euo pipefail

models="kubernetes-models@5.1.0 @kubernetes-models/prometheus-operator@6.0.0 yaml@2.9.1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/kubernetes-models"

mode=install
case "${1:-}" in
  --check) mode=check ;;
  "") ;;
  *) echo "install-kubernetes-models.sh: unknown option '$1' (use --check or nothing)" >&2; exit 2 ;;
esac

# The capability: node loads each pinned package and validates one object with it.
capable() {
  command -v node >/dev/null 2>&1 || return 1
  [ -f "$dest/.installed-from" ] && [ "$(cat "$dest/.installed-from")" = "$models" ] || return 1
  (cd "$dest" && node --input-type=module -e '
    const { Pod } = await import("kubernetes-models/v1");
    const { ServiceMonitor } = await import("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1");
    const YAML = (await import("yaml")).default;
    new Pod(YAML.parse("metadata: {name: p}\nspec: {containers: [{name: c, image: i}]}")).validate();
    new ServiceMonitor({ metadata: { name: "s" }, spec: { selector: {}, endpoints: [] } }).validate();
    let refused = false;
    try { new Pod({ metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "i", ports: [{ containerPort: "x" }] }] } }).validate(); } catch { refused = true; }
    if (!refused) process.exit(1);
  ') >/dev/null 2>&1
}

if capable; then
  [ "$mode" = check ] && echo "install-kubernetes-models.sh: $models loadable from $dest" >&2
  echo "$dest"
  exit 0
fi
if [ "$mode" = check ]; then
  echo "install-kubernetes-models.sh: missing: node with $models in $dest (run scripts/install-kubernetes-models.sh)" >&2
  exit 1
fi

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-kubernetes-models.sh: '$tool' is required (apt-get install nodejs npm)" >&2; exit 1; }
done

rm -rf "$dest"
mkdir -p "$dest"
printf '{ "name": "mssgw-kubernetes-models", "private": true, "type": "module" }\n' > "$dest/package.json"
# The packages declare node >= 22 but run on Debian's node 20 (the capability check above proves it).
# shellcheck disable=SC2086  # one package per word
(cd "$dest" && npm install --silent --no-audit --no-fund --ignore-scripts --no-package-lock $models >/dev/null 2>&1) \
  || { echo "install-kubernetes-models.sh: npm install $models failed" >&2; exit 1; }
echo "$models" > "$dest/.installed-from"
capable || { echo "install-kubernetes-models.sh: installed $models but node cannot validate with them ($(node --version))" >&2; exit 1; }
echo "install-kubernetes-models.sh: installed $models into $dest" >&2
echo "$dest"
