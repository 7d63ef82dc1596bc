#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with the .NET SDK: installs the real
# programs the tests use (scripts/install-test-deps.sh), builds with warnings as errors, runs every
# test project, and prints "N passed, N failed" at the end.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-test-deps.sh

dotnet build Gateway.sln -c Release -nologo -v quiet -clp:ErrorsOnly
rm -rf TestResults && mkdir -p TestResults
status=0
dotnet test Gateway.sln -c Release --no-build --nologo --logger "console;verbosity=minimal" "$@" 2>&1 \
  | tee TestResults/console.log || status=$?

# One summary line over every test project, for CI ("N passed, N failed"); a project that did not
# report (crashed test host) fails the run.
(python3 - <<'PY'
import re
passed = failed = skipped = projects = 0
for line in open('TestResults/console.log', encoding='utf-8', errors='replace'):
    m = re.search(r'(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)', line)
    if m:
        projects += 1
        failed += int(m.group(2)); passed += int(m.group(3)); skipped += int(m.group(4))
import glob
expected = sum('<IsTestProject>true</IsTestProject>' in open(p).read() for p in glob.glob('tests/*/*.csproj'))
print(f"test projects run: {projects} of {expected}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
raise SystemExit(0 if projects == expected else 1)
PY
) || status=1
exit $status
