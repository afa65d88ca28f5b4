# shellcheck shell=bash
# Sourced by the npm entry points (test, demo, bench, stack): installs the workspace's
# dependencies when they are missing or older than the lockfile. `npm ci` is exact (the lockfile
# pins every version), so the Node that runs npm itself does not matter; the `node`
# devDependency then puts Node 24 first on the PATH of every npm script.
# Optional argument: a command that announces the install (called with a title and a detail).
ensure_install() {
  local announce="${1:-}"
  # node_modules/.package-lock.json is written by every install: older than package-lock.json
  # means the lockfile changed since (a pull); missing means nothing was installed yet.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    if [ -n "$announce" ]; then "$announce" 'installing dependencies' '(npm ci)'; else echo "==> installing dependencies (npm ci)"; fi
    npm_ci_quietly
  fi
}

# On a system Node older than 24, npm prints one EBADENGINE warning block per Node-24 package
# (35 lines on a fresh clone) although nothing is wrong: the install is exact, and every script
# then runs on Node 24 from the `node` devDependency. Those blocks, and only those, are dropped;
# every other warning and error goes through, and npm's exit status is kept.
npm_ci_quietly() {
  local -
  set -o pipefail
  local major
  major="$(node -p 'process.versions.node.split(".")[0]' 2> /dev/null || echo 0)"
  if [ "$major" -ge 24 ]; then
    npm ci --no-audit --no-fund
    return
  fi
  echo "    (npm runs on the system's Node $(node --version); the project's scripts run on Node 24 from the \`node\` devDependency)"
  { npm ci --no-audit --no-fund 2>&1 1>&3 3>&- | sed -u '/^npm warn EBADENGINE/d' 1>&2; } 3>&1
}
