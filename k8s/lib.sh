# shellcheck shell=bash
# Shared by the k8s/*.sh scripts (sourced, not executed).
#
# DRY_RUN=1 prints every command that would change something instead of running it; the chart
# tests use it to check the scripts offline (test/chart/cluster-scripts.test.ts).

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

# content_tag <dir>: the image tag for the files of the git work tree at <dir>, so that a rebuild
# of changed code gets a new tag (and `helm upgrade` rolls it out) while a rebuild of the same
# code reuses the old one:
#   <commit, 12 hex>                    when tracked and untracked (not ignored) files match HEAD,
#   <commit>-dirty.<tree, 12 hex>       otherwise; <tree> is the git tree of the work tree's
#                                       content (a scratch index, HEAD untouched), so the same
#                                       edits always give the same tag.
content_tag() {
  local dir="$1" commit tree head_tree index
  commit="$(git -C "${dir}" rev-parse --short=12 HEAD)"
  head_tree="$(git -C "${dir}" rev-parse 'HEAD^{tree}')"
  index="$(mktemp)"
  rm -f "${index}"
  tree="$(GIT_INDEX_FILE="${index}" git -C "${dir}" read-tree HEAD \
    && GIT_INDEX_FILE="${index}" git -C "${dir}" add -A . \
    && GIT_INDEX_FILE="${index}" git -C "${dir}" write-tree)"
  rm -f "${index}"
  if [[ "${tree}" == "${head_tree}" ]]; then
    printf '%s\n' "${commit}"
  else
    printf '%s-dirty.%s\n' "${commit}" "${tree:0:12}"
  fi
}
