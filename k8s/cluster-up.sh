#!/usr/bin/env bash
# Creates the kind cluster for Order Saga Core and everything the chart needs around it:
#   1. a local image registry (localhost:5001) the nodes pull from,
#   2. the kind cluster from kind-config.yaml (Kubernetes 1.36.4),
#   3. the operators of k8s/operators.json as Helm releases, in order, each waited for,
#   4. the application namespace.
# Idempotent: re-running it skips what exists and upgrades the releases in place.
#
#   k8s/cluster-up.sh                 # everything
#   k8s/cluster-up.sh --no-operators  # cluster + registry only (Tilt installs the operators)
set -euo pipefail
# shellcheck source=k8s/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_operators=1
for arg in "$@"; do
  case "$arg" in
    --no-operators) install_operators=0 ;;
    *) echo "usage: $0 [--no-operators]" >&2; exit 2 ;;
  esac
done

require docker kind kubectl helm node

log "registry ${REGISTRY_NAME} on localhost:${REGISTRY_PORT}"
if [[ "${DRY_RUN:-0}" == "1" ]] || [[ "$(docker inspect -f '{{.State.Running}}' "${REGISTRY_NAME}" 2>/dev/null || true)" != "true" ]]; then
  run docker run -d --restart=always -p "127.0.0.1:${REGISTRY_PORT}:5000" --network bridge \
    --name "${REGISTRY_NAME}" "${REGISTRY_IMAGE}"
fi

log "kind cluster ${CLUSTER_NAME}"
if [[ "${DRY_RUN:-0}" == "1" ]] || ! kind get clusters 2>/dev/null | grep -qx "${CLUSTER_NAME}"; then
  run kind create cluster --config "${ROOT}/kind-config.yaml" --wait 120s
fi

# Nodes resolve localhost:5001 to the registry container (containerd hosts.toml). The kind node
# images pinned here read /etc/containerd/certs.d by default, so no containerdConfigPatches.
if [[ "${DRY_RUN:-0}" == "1" ]]; then
  nodes="${CLUSTER_NAME}-control-plane"
else
  nodes="$(kind get nodes --name "${CLUSTER_NAME}")"
fi
for node in ${nodes}; do
  dir="/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"
  run docker exec "${node}" mkdir -p "${dir}"
  run docker exec "${node}" sh -c "printf '[host.\"http://${REGISTRY_NAME}:5000\"]\n' > ${dir}/hosts.toml"
done
if [[ "${DRY_RUN:-0}" == "1" ]] || [[ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "${REGISTRY_NAME}")" == "null" ]]; then
  run docker network connect kind "${REGISTRY_NAME}"
fi
run kubectl --context "${KUBE_CONTEXT}" apply -f "${ROOT}/k8s/local-registry-hosting.yaml"

if ((install_operators)); then
  while IFS=$'\t' read -r name namespace chart version values repo_name repo_url; do
    log "operator ${name} ${version} -> namespace ${namespace}"
    if [[ -n "${repo_name}" ]]; then
      run helm repo add --force-update "${repo_name}" "${repo_url}"
    fi
    # --wait: the next release (and the app) must not start before this one is ready; the
    # OpenTelemetry webhook in particular must be up before any app pod is created.
    run helm upgrade --install "${name}" "${chart}" --kube-context "${KUBE_CONTEXT}" \
      --namespace "${namespace}" --create-namespace --version "${version}" \
      --values "${ROOT}/${values}" --wait --timeout 10m
  done < <(releases)
fi

log "namespace ${APP_NAMESPACE}"
if [[ "${DRY_RUN:-0}" == "1" ]] || ! kubectl --context "${KUBE_CONTEXT}" get namespace "${APP_NAMESPACE}" >/dev/null 2>&1; then
  run kubectl --context "${KUBE_CONTEXT}" create namespace "${APP_NAMESPACE}"
fi

log "ready: kubectl context ${KUBE_CONTEXT}; next: tilt up, or k8s/build-images.sh + helm install (docs/kubernetes.md)"
