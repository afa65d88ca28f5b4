#!/bin/sh
# PID 1 of the Tilt development image (tilt/Dockerfile.dev). Runs the service and restarts it on
# SIGHUP, which the Tiltfile's live update sends (`kill -HUP 1`) after syncing freshly compiled
# dist/ files. A shell supervisor instead of `node --watch`: with OpenTelemetry injection every
# node process inherits NODE_OPTIONS, and a node watcher would start a second, idle SDK.
#
# The service exiting on its own (a crash) ends this script with the same status, so Kubernetes
# restarts the container and Tilt shows the crash.
set -u

child=0

start() {
  # The tracing bootstrap first, as in the production image (it stands down under injection).
  node --import @order-saga/observability/tracing dist/main.js &
  child=$!
}

stop() {
  kill -TERM "$child" 2>/dev/null
  wait "$child" 2>/dev/null
}

trap 'stop; start' HUP
trap 'stop; exit 143' TERM INT

start
while :; do
  wait "$child"
  status=$?
  # `wait` also returns when a trapped signal arrives; keep waiting while the (possibly new)
  # child is alive.
  if kill -0 "$child" 2>/dev/null; then
    continue
  fi
  exit "$status"
done
