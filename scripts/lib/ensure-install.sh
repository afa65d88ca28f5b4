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
    npm ci --no-audit --no-fund
  fi
}
