# Sourced by scripts/test.sh and scripts/demo.sh: installs the workspace's dependencies when they
# are missing or older than the lockfile. `npm ci` is exact (the lockfile pins every version), so
# the Node that runs npm itself does not matter; the `node` devDependency then puts Node 24 first
# on the PATH of every npm script.
ensure_install() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "==> installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  fi
}
