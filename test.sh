#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET SDK: installs the real
# programs the tests use (scripts/install-test-deps.sh), builds with warnings as errors, runs every
# test project, and prints "N passed, N failed" at the end.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-test-deps.sh

dotnet build Gateway.sln -c Release -nologo -v quiet -clp:ErrorsOnly
rm -rf TestResults
status=0
dotnet test Gateway.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory TestResults "$@" || status=$?

# One summary line over every project (the trx files), for CI.
python3 - <<'PY'
import glob, xml.etree.ElementTree as ET
ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
passed = failed = skipped = 0
for f in glob.glob('TestResults/*.trx'):
    c = ET.parse(f).getroot().find('t:ResultSummary/t:Counters', ns)
    passed += int(c.get('passed')); failed += int(c.get('failed')) + int(c.get('error')) + int(c.get('timeout')) + int(c.get('aborted'))
    skipped += int(c.get('notExecuted'))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
