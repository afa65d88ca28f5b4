#!/usr/bin/env bash
# Deletes the kind cluster (with every release and volume in it) and the local registry.
#
#   k8s/cluster-down.sh                  # cluster and registry
#   k8s/cluster-down.sh --keep-registry  # keep pushed images for the next cluster-up
set -euo pipefail
# shellcheck source=k8s/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

keep_registry=0
for arg in "$@"; do
  case "$arg" in
    --keep-registry) keep_registry=1 ;;
    *) echo "usage: $0 [--keep-registry]" >&2; exit 2 ;;
  esac
done

require docker kind

log "kind cluster ${CLUSTER_NAME}"
run kind delete cluster --name "${CLUSTER_NAME}"
if ((!keep_registry)); then
  log "registry ${REGISTRY_NAME}"
  if [[ "${DRY_RUN:-0}" == "1" ]] || docker inspect "${REGISTRY_NAME}" >/dev/null 2>&1; then
    run docker rm -f "${REGISTRY_NAME}"
  fi
fi
