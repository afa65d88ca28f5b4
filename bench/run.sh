#!/usr/bin/env bash
# `npm run bench`: works on a fresh clone too. Installs the dependencies if they are missing (the
# `node` devDependency brings Node 24, whose type stripping runs the TypeScript below), then hands
# over to bench/run.ts, which builds what is missing and starts the stack and the services.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-install.sh
ensure_install
exec node_modules/.bin/node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON bench/run.ts "$@"
