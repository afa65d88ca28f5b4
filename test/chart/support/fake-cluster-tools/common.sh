# shellcheck shell=bash
# Shared by the stand-in docker/kind/kubectl/helm/curl of test/chart/cluster-scripts.test.ts: each call is
# appended to $FAKE_STATE/calls.log, and the little state the scripts ask about (is the registry
# running, does the cluster exist, ...) lives in files under $FAKE_STATE.
: "${FAKE_STATE:?FAKE_STATE must be set}"
printf '%s %s\n' "$(basename "$0")" "$*" >> "${FAKE_STATE}/calls.log"
has() { [[ -e "${FAKE_STATE}/$1" ]]; }
set_state() { printf '%s' "${2:-}" > "${FAKE_STATE}/$1"; }
