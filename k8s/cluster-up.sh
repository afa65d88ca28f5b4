#!/usr/bin/env bash
# Creates the kind cluster for Order Saga Core and everything the chart needs around it:
#   1. a local image registry (localhost:5001) the nodes pull from,
#   2. the kind cluster from kind-config.yaml (Kubernetes 1.36.4, containerd reading
#      /etc/containerd/certs.d, where step 3 maps localhost:5001 to the registry container),
#   3. the registry wiring: hosts.toml on every node, the registry on the kind network, the
#      local-registry-hosting ConfigMap Tilt reads,
#   4. the operators of k8s/operators.json as Helm releases, in order, each one's CRDs first,
#   5. the application namespace.
#
# Idempotent: a re-run starts what is stopped, skips what exists, re-applies the registry wiring
# and upgrades the operator releases in place. `helm upgrade` never touches a chart's crds/
# directory, so before each release the CRDs of the pinned chart version are applied server-side
# (`helm show crds | kubectl apply --server-side`); that is how a version bump in
# k8s/operators.json reaches the CRDs. Each step prints what it waits for.
#
#   k8s/cluster-up.sh                 # everything
#   k8s/cluster-up.sh --no-operators  # cluster + registry only (Tilt installs the operators)
#   k8s/cluster-up.sh --crds-only     # only the operators' CRDs (after a version bump under Tilt)
set -euo pipefail
# shellcheck source=k8s/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_operators=1
crds_only=0
for arg in "$@"; do
  case "$arg" in
    --no-operators) install_operators=0 ;;
    --crds-only) crds_only=1 ;;
    *) echo "usage: $0 [--no-operators | --crds-only]" >&2; exit 2 ;;
  esac
done

dry() { [[ "${DRY_RUN:-0}" == "1" ]]; }

# Applies the CRDs in the crds/ directory of one pinned chart version, server-side (they are too
# large for the last-applied annotation of a client-side apply), and waits until the API serves
# them. Charts that template their CRDs print none here: `helm upgrade` updates those itself.
apply_chart_crds() {
  local name="$1" chart="$2" version="$3"
  if dry; then
    printf '+ helm show crds %q --version %q | kubectl --context %q apply --server-side --force-conflicts --field-manager=order-saga-cluster-up -f -\n' \
      "${chart}" "${version}" "${KUBE_CONTEXT}"
    return
  fi
  local crds
  crds="$(helm show crds "${chart}" --version "${version}")"
  if [[ -z "${crds//[[:space:]]/}" ]]; then
    log "  ${name}: no crds/ in the chart (its CRDs are templates, upgraded by helm itself)"
    return
  fi
  local applied
  applied="$(printf '%s\n' "${crds}" | kubectl --context "${KUBE_CONTEXT}" apply --server-side \
    --force-conflicts --field-manager=order-saga-cluster-up -o name -f -)"
  log "  ${name}: $(wc -l <<< "${applied}" | tr -d ' ') CRDs of ${chart} ${version} applied; waiting until they are Established"
  # shellcheck disable=SC2086 # one argument per CRD name
  kubectl --context "${KUBE_CONTEXT}" wait --for=condition=Established --timeout=60s ${applied} > /dev/null
}

operators() {
  while IFS=$'\t' read -r name namespace chart version values repo_name repo_url; do
    if [[ -n "${repo_name}" ]]; then
      run helm repo add --force-update "${repo_name}" "${repo_url}"
    fi
    log "operator ${name} ${version}: CRDs"
    apply_chart_crds "${name}" "${chart}" "${version}"
    if ((crds_only)); then continue; fi
    log "operator ${name} ${version} -> namespace ${namespace}; waiting (helm --wait, 10m) until its workloads are ready"
    # --wait: the next release (and the app) must not start before this one is ready; the
    # OpenTelemetry webhook in particular must be up before any app pod is created.
    run helm upgrade --install "${name}" "${chart}" --kube-context "${KUBE_CONTEXT}" \
      --namespace "${namespace}" --create-namespace --version "${version}" \
      --values "${ROOT}/${values}" --wait --timeout 10m
  done < <(releases)
}

require docker kind kubectl helm node curl

if ((crds_only)); then
  operators
  log "CRDs of every pinned operator applied"
  exit 0
fi

log "registry ${REGISTRY_NAME} on localhost:${REGISTRY_PORT}"
registry_state="$(docker inspect -f '{{.State.Running}}' "${REGISTRY_NAME}" 2> /dev/null || true)"
if dry || [[ -z "${registry_state}" ]]; then
  run docker run -d --restart=always -p "127.0.0.1:${REGISTRY_PORT}:5000" --network bridge \
    --name "${REGISTRY_NAME}" "${REGISTRY_IMAGE}"
elif [[ "${registry_state}" != "true" ]]; then
  log "  exists but is stopped: starting it"
  run docker start "${REGISTRY_NAME}"
else
  log "  already running"
fi
registry_wait="${REGISTRY_WAIT_SECONDS:-30}"
log "  waiting (${registry_wait}s) until it answers on http://localhost:${REGISTRY_PORT}/v2/"
run wait_for "${registry_wait}" curl -fsS -o /dev/null "http://localhost:${REGISTRY_PORT}/v2/"

log "kind cluster ${CLUSTER_NAME}"
if dry || ! kind get clusters 2> /dev/null | grep -qx "${CLUSTER_NAME}"; then
  log "  creating it from kind-config.yaml; waiting (kind --wait 120s) until the control plane is Ready"
  run kind create cluster --config "${ROOT}/kind-config.yaml" --wait 120s
else
  log "  already exists (delete it with k8s/cluster-down.sh to apply a changed kind-config.yaml)"
fi

# Nodes resolve localhost:5001 to the registry container: containerd reads /etc/containerd/certs.d
# (config_path, set in kind-config.yaml) and finds this hosts.toml there.
if dry; then
  nodes="${CLUSTER_NAME}-control-plane"
else
  nodes="$(kind get nodes --name "${CLUSTER_NAME}")"
fi
for node in ${nodes}; do
  dir="/etc/containerd/certs.d/localhost:${REGISTRY_PORT}"
  run docker exec "${node}" mkdir -p "${dir}"
  run docker exec "${node}" sh -c "printf '[host.\"http://${REGISTRY_NAME}:5000\"]\n' > ${dir}/hosts.toml"
done
if dry || [[ "$(docker inspect -f '{{json .NetworkSettings.Networks.kind}}' "${REGISTRY_NAME}")" == "null" ]]; then
  run docker network connect kind "${REGISTRY_NAME}"
fi
run kubectl --context "${KUBE_CONTEXT}" apply -f "${ROOT}/k8s/local-registry-hosting.yaml"

if ((install_operators)); then
  operators
fi

log "namespace ${APP_NAMESPACE}"
if dry || ! kubectl --context "${KUBE_CONTEXT}" get namespace "${APP_NAMESPACE}" > /dev/null 2>&1; then
  run kubectl --context "${KUBE_CONTEXT}" create namespace "${APP_NAMESPACE}"
fi

log "ready: kubectl context ${KUBE_CONTEXT}; next: tilt up, or k8s/build-images.sh + helm install (docs/kubernetes.md)"
