#!/usr/bin/env bash
# `npm test`: the whole suite from a fresh clone. Installs what is missing, type-checks and builds,
# lints, starts the native stack (PostgreSQL, Redis, Kafka) unless it is already up, runs every
# Vitest project (unit, integration, e2e, chart) and stops the stack if it started it.
# Arguments go to Vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-install.sh
ensure_install

echo "==> node $(node --version)"
echo "==> type-check and build (tsc -b)"
npx tsc -b
npx tsc -p tsconfig.test.json
echo "==> lint (eslint, dependency rules) and format check"
npx eslint . --max-warnings 0
npx depcruise packages services test bench scripts --config .dependency-cruiser.cjs --output-type err
npx prettier --check . --log-level warn

started_stack=no
if ! npm run -s stack -- status > /dev/null 2>&1; then
  echo "==> starting the native stack"
  npm run -s stack -- up
  started_stack=yes
fi
cleanup() {
  if [ "$started_stack" = yes ]; then
    echo "==> stopping the native stack"
    npm run -s stack -- down || true
  fi
}
trap cleanup EXIT

# kafkajs 2.2.4 trips Node 24's TimeoutNegativeWarning on every connection (tulios/kafkajs#1751,
# harmless: Node clamps the delay to 1 ms); scripts load dependency-free contract sources as ESM.
export NODE_OPTIONS="${NODE_OPTIONS:-} --disable-warning=TimeoutNegativeWarning --disable-warning=MODULE_TYPELESS_PACKAGE_JSON"
mkdir -p .stack
report=.stack/vitest-report.json
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain summary line that any CI log reader understands. A file whose setup fails reports its
# tests as skipped, not failed: count each such file as one failure so the line never says
# "0 failed" for a red run.
if [ -f "$report" ]; then
  node -e '
    const r = require(process.argv[1]);
    const brokenFiles = r.testResults.filter(
      (f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"),
    ).length;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  ' "$(pwd)/$report"
fi
exit "$status"
