#!/usr/bin/env bash
# Builds the production image of every service (services/<name>/Dockerfile, context = repository
# root) and pushes it to the kind registry, tagged with the chart's appVersion, which is the tag
# the chart deploys by default. Tilt does not need this: it builds its own development images.
#
#   k8s/build-images.sh                       # every service with a Dockerfile
#   k8s/build-images.sh orders-service ...    # some of them
set -euo pipefail
# shellcheck source=k8s/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require docker

tag="$(app_version)"
registry="localhost:${REGISTRY_PORT}"
services=("$@")
if ((${#services[@]} == 0)); then
  for dockerfile in "${ROOT}"/services/*/Dockerfile; do
    services+=("$(basename "$(dirname "${dockerfile}")")")
  done
fi

for service in "${services[@]}"; do
  if [[ ! -f "${ROOT}/services/${service}/package.json" ]]; then
    log "skipping ${service}: services/${service} has no package.json yet"
    continue
  fi
  image="${registry}/order-saga/${service}:${tag}"
  log "${image}"
  run docker build -f "${ROOT}/services/${service}/Dockerfile" -t "${image}" "${ROOT}"
  run docker push "${image}"
done
