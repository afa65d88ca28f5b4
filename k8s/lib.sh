# shellcheck shell=bash
# Shared by the k8s/*.sh scripts (sourced, not executed).
#
# DRY_RUN=1 prints every command that would change something instead of running it; the chart
# tests use it to check the scripts offline (test/chart/tooling.test.ts).

# shellcheck disable=SC2034 # the variables below are used by the scripts that source this file
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_NAME="order-saga" # kind-config.yaml `name`
KUBE_CONTEXT="kind-${CLUSTER_NAME}"
REGISTRY_NAME="kind-registry"
REGISTRY_PORT="5001"
# The registry the kind docs use, pinned.
REGISTRY_IMAGE="docker.io/library/registry:3.0.0"
APP_NAMESPACE="${APP_NAMESPACE:-saga}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command, or prints it when DRY_RUN=1.
run() {
  if [[ "${DRY_RUN:-0}" == "1" ]]; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# wait_for <seconds> <command...>: retries the command once a second until it succeeds; fails
# with the command line when it has not within the time given.
wait_for() {
  local seconds="$1"
  shift
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      echo "timed out after ${seconds}s waiting for: $*" >&2
      return 1
    fi
    sleep 1
  done
}

require() {
  [[ "${DRY_RUN:-0}" == "1" ]] && return 0
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  if ((${#missing[@]} > 0)); then
    echo "missing prerequisites: ${missing[*]} (versions: docs/kubernetes.md#prerequisites)" >&2
    exit 1
  fi
}

# Prints one tab-separated line per release of k8s/operators.json, in install order:
# name namespace chart version values repoName repoUrl
releases() {
  node -e '
    const { releases } = require(process.argv[1]);
    for (const r of releases) {
      console.log([r.name, r.namespace, r.chart, r.version, r.values, r.repo?.name ?? "", r.repo?.url ?? ""].join("\t"));
    }
  ' "${ROOT}/k8s/operators.json"
}

# The chart's appVersion: the tag of every service image.
app_version() {
  sed -n "s/^appVersion: *['\"]\{0,1\}\([^'\"]*\)['\"]\{0,1\}$/\1/p" "${ROOT}/charts/order-saga/Chart.yaml"
}
