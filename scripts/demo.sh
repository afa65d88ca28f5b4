#!/usr/bin/env bash
# `npm run demo`: from a fresh clone to orders flowing through the saga. Installs what is missing,
# builds, brings the native stack up (PostgreSQL, Redis, Kafka), then hands over to
# scripts/demo/run.ts, which starts the services and sends the orders.
# `npm run demo -- --help` lists the ports and settings.
set -euo pipefail
cd "$(dirname "$0")/.."

# For the total time the demo prints at the end (GNU date: epoch milliseconds).
DEMO_STARTED_AT_MS="$(date +%s%3N)"
export DEMO_STARTED_AT_MS

if [[ -t 1 && -z "${NO_COLOR:-}" ]]; then
  bold=$'\e[1m' red=$'\e[31m' dim=$'\e[2m' reset=$'\e[0m'
else
  bold='' red='' dim='' reset=''
fi
step() { printf '%s▸ %s%s %s%s%s\n' "$bold" "$1" "$reset" "$dim" "${2:-}" "$reset"; }
fail() {
  printf '%s✗ %s%s\n' "$red" "$1" "$reset" >&2
  exit 1
}

help=false
for arg in "$@"; do [[ $arg == -h || $arg == --help ]] && help=true; done

command -v npm >/dev/null ||
  fail "npm not found: install Node.js with npm (any recent version; the project brings its own Node 24), e.g. apt-get install -y nodejs npm"

source scripts/lib/ensure-install.sh
ensure_install step
# The devDependency `node@24` puts Node 24 here; the scripts rely on its TypeScript type stripping.
NODE="$PWD/node_modules/.bin/node"
[[ -x $NODE ]] || fail "$NODE is missing after the install: run \`npm ci\` and look at its output"

# Two harmless warnings the stack CLI hides too (see scripts/stack/cli.ts): contracts/src/topics.ts
# loaded from source in a package without "type", and kafkajs 2.2.4's negative timeouts.
run_ts=("$NODE" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON --disable-warning=TimeoutNegativeWarning)
if $help; then exec "${run_ts[@]}" scripts/demo/run.ts --help; fi

"$NODE" scripts/demo/preflight.ts # java, mvn, PostgreSQL, redis-server: before the slower steps

step 'building' '(tsc -b)'
node_modules/.bin/tsc -b # what `npx tsc -b` runs, without npm's spinner on a terminal

step 'starting the stack' '(npm run stack -- up; idempotent)'
npm run -s stack -- up

DEMO_SETUP_DONE_AT_MS="$(date +%s%3N)"
export DEMO_SETUP_DONE_AT_MS
exec "${run_ts[@]}" scripts/demo/run.ts "$@"
