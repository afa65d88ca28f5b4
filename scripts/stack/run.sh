#!/usr/bin/env bash
# `npm run stack -- <command>`: installs the dependencies first if they are missing (the stack is
# TypeScript run by Node 24, which the `node` devDependency brings), then runs the CLI.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/ensure-install.sh
ensure_install >&2
exec node_modules/.bin/node scripts/stack/cli.ts "$@"
