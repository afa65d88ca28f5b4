#!/usr/bin/env bash
# Builds the production image of every service (services/<name>/Dockerfile, context = repository
# root), pushes it to the kind registry, and writes the tags it pushed to
# k8s/generated/images.yaml for `helm upgrade --install -f` (docs/kubernetes.md).
#
# Tags come from the content (k8s/lib.sh content_tag): the commit for a clean work tree, the
# commit plus the git tree of the edited files otherwise. A rebuild of changed code therefore
# always changes the pod template and rolls out, and pullPolicy IfNotPresent stays correct
# because a tag never names two different builds. Tilt does not need this: it tags its own
# development images by content and rewrites the chart's image references.
#
#   k8s/build-images.sh                       # every service with a Dockerfile
#   k8s/build-images.sh orders-service ...    # some of them (the others keep their entry)
set -euo pipefail
# shellcheck source=k8s/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require docker git node

tag="$(content_tag "${ROOT}")"
registry="localhost:${REGISTRY_PORT}"
values_file="${ROOT}/k8s/generated/images.yaml"
services=("$@")
if ((${#services[@]} == 0)); then
  for dockerfile in "${ROOT}"/services/*/Dockerfile; do
    services+=("$(basename "$(dirname "${dockerfile}")")")
  done
fi

log "tag ${tag} (content of the work tree at $(git -C "${ROOT}" rev-parse --short=12 HEAD))"
built=()
for service in "${services[@]}"; do
  if [[ ! -f "${ROOT}/services/${service}/package.json" ]]; then
    log "skipping ${service}: services/${service} has no package.json yet"
    continue
  fi
  image="${registry}/order-saga/${service}:${tag}"
  log "${image}"
  run docker build -f "${ROOT}/services/${service}/Dockerfile" -t "${image}" "${ROOT}"
  run docker push "${image}"
  built+=("${service}")
done

# The values file: one tag per service, entries of services not built in this run kept.
values="$(cd "${ROOT}" && node -e '
  const { readFileSync, existsSync } = require("node:fs");
  const { parse, stringify } = require("yaml");
  const [file, tag, ...built] = process.argv.slice(1);
  const current = existsSync(file) ? parse(readFileSync(file, "utf8")) ?? {} : {};
  const services = current.services ?? {};
  for (const name of built) services[name] = { image: { tag } };
  process.stdout.write(
    "# Written by k8s/build-images.sh: the image tag of each service in the kind registry.\n" +
      "# helm upgrade --install ... -f k8s/values/order-saga-kind.yaml -f k8s/generated/images.yaml\n" +
      stringify({ services }),
  );
' "${values_file}" "${tag}" "${built[@]}")"
if [[ "${DRY_RUN:-0}" == "1" ]]; then
  printf '+ write %s\n%s\n' "${values_file}" "${values}"
else
  mkdir -p "$(dirname "${values_file}")"
  printf '%s\n' "${values}" > "${values_file}"
  log "wrote ${values_file#"${ROOT}"/}"
fi
