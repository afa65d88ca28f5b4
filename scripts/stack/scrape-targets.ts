// File-based service discovery for the stack's Prometheus. Services run on ports picked at start
// (free ports in tests and the benchmark, fixed ones in the demo), so no static scrape config can
// know them: whoever starts services writes one targets file per run, and Prometheus' file_sd
// picks it up within a second (inotify) and drops its targets when the file goes.
// Dependency-free: the launcher imports it.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_DIR } from './paths.ts';
import { isAlive } from './processes.ts';

export const SCRAPE_TARGETS_DIR = join(STACK_DIR, 'prometheus', 'targets');

/**
 * The labels every target carries, the same the chart's ServiceMonitors add on Kubernetes
 * (charts/order-saga/monitoring/README.md): rules and dashboards select on them. `run` tells
 * one test run's services from another's; nothing in the chart's rules or dashboards uses it.
 */
export interface ScrapeTarget {
  service: string;
  /** host:port serving /metrics. */
  address: string;
}

// <pid>.<run id>.json: a run whose process died without cleaning up is recognised by its pid.
const FILE = /^(\d+)\.(.+)\.json$/;

function fileOf(runId: string): string {
  return join(SCRAPE_TARGETS_DIR, `${process.pid}.${runId}.json`);
}

/** Writes (or replaces) the targets of one run, atomically so Prometheus never reads half a file. */
export function writeScrapeTargets(runId: string, targets: readonly ScrapeTarget[]): void {
  mkdirSync(SCRAPE_TARGETS_DIR, { recursive: true });
  removeDeadRuns();
  const groups = targets.map((t) => ({
    targets: [t.address],
    labels: { service: t.service, system: 'order-saga', run: runId },
  }));
  const file = fileOf(runId);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function removeScrapeTargets(runId: string): void {
  rmSync(fileOf(runId), { force: true });
}

/** Targets files left by processes that are gone (killed test runs) would be scraped forever. */
function removeDeadRuns(): void {
  for (const name of readdirSync(SCRAPE_TARGETS_DIR)) {
    const pid = Number(FILE.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid > 0 && !isAlive(pid))
      rmSync(join(SCRAPE_TARGETS_DIR, name), { force: true });
  }
}
