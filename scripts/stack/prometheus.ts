// Private Prometheus in .stack/prometheus, from Debian's `prometheus` package (which also brings
// promtool). It scrapes whatever services are running through file-based discovery
// (scrape-targets.ts) and evaluates the chart's own rule files, so the rules and dashboards the
// chart ships are exercised natively exactly as they are. Debian's packaged service (port 9090,
// /var/lib/prometheus) is never used: this one has its own port, config and data.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_HOST, type Env, type StackEndpoints } from './endpoints.ts';
import { REPO_ROOT, STACK_DIR, shown } from './paths.ts';
import { isPortInUse, ownedPid } from './processes.ts';
import { StackError, seconds, say, waitFor } from './progress.ts';
import { SCRAPE_TARGETS_DIR } from './scrape-targets.ts';
import {
  ownedServerStatus,
  stopOwnedServer,
  type ServerStatus,
  type StackServer,
} from './server.ts';

const PROMETHEUS_DIR = join(STACK_DIR, 'prometheus');
const DATA_DIR = join(PROMETHEUS_DIR, 'data');
const CONFIG_FILE = join(PROMETHEUS_DIR, 'prometheus.yml');
const LOG_FILE = join(PROMETHEUS_DIR, 'prometheus.log');
const PID_FILE = join(PROMETHEUS_DIR, 'prometheus.pid');
const OWNER = { cwd: PROMETHEUS_DIR, marker: `--config.file=${CONFIG_FILE}` };

/** The one folder of rules and dashboards the Helm chart ships (charts/order-saga/monitoring). */
export const MONITORING_DIR = join(REPO_ROOT, 'charts', 'order-saga', 'monitoring');
export const RULE_FILES = join(MONITORING_DIR, 'rules', '*.yaml');

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
// Local data is for looking at the last runs, not for history.
const RETENTION = '2d';

/**
 * Scrape and rule-evaluation interval. Short by default: test runs and the demo last seconds to
 * minutes, and a dozen local targets cost Prometheus next to nothing at this rate.
 */
export function scrapeInterval(env: Env): string {
  const value = env['STACK_PROMETHEUS_SCRAPE_INTERVAL']?.trim() || '2s';
  if (!/^[1-9][0-9]*(ms|s|m)$/.test(value))
    throw new StackError(
      `STACK_PROMETHEUS_SCRAPE_INTERVAL must be a Prometheus duration like 1s or 15s, got "${value}"`,
    );
  return value;
}

export function prometheusConfig(interval: string): string {
  return `# Written by \`npm run stack -- up\` (scripts/stack/prometheus.ts); edits are overwritten.
global:
  scrape_interval: ${interval}
  scrape_timeout: ${interval}
  evaluation_interval: ${interval}
rule_files:
  - ${RULE_FILES}
scrape_configs:
  # Every service started by scripts/system/saga-system.ts (tests, demo, benchmark) writes its
  # run's targets here, labelled service=<name>, system=order-saga, run=<run id>.
  - job_name: order-saga
    # The services label their series service=<name> themselves, as the target does: keep theirs
    # rather than renaming it exported_service (the chart's ServiceMonitors do the same).
    honor_labels: true
    file_sd_configs:
      - files: ['${join(SCRAPE_TARGETS_DIR, '*.json')}']
        refresh_interval: 30s
`;
}

async function ready(url: string): Promise<true | undefined> {
  const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
  return response.ok ? true : undefined;
}

export function createPrometheus(endpoints: StackEndpoints, env: Env): StackServer {
  const port = endpoints.ports.prometheus;
  const { url } = endpoints.prometheus;

  function writeConfig(): void {
    mkdirSync(DATA_DIR, { recursive: true });
    mkdirSync(SCRAPE_TARGETS_DIR, { recursive: true });
    writeFileSync(CONFIG_FILE, prometheusConfig(scrapeInterval(env)));
  }

  async function up(): Promise<string> {
    const started = performance.now();
    const running = ownedPid(PID_FILE, OWNER);
    if (running !== undefined) {
      // The config may have changed (scrape interval): /-/reload applies it without a restart.
      writeConfig();
      await fetch(`${url}/-/reload`, { method: 'POST' }).catch(() => undefined);
      await waitFor({
        server: 'prometheus',
        what: 'checking the running server is ready',
        timeoutMs: 10_000,
        probe: () => ready(url),
        logFile: LOG_FILE,
      });
      return `already running (pid ${running}) at ${url}; log: ${shown(LOG_FILE)}`;
    }
    if (await isPortInUse(STACK_HOST, port))
      throw new StackError(
        `prometheus: ${STACK_HOST}:${port} is already used by another process; set STACK_PROMETHEUS_PORT to a free port`,
      );

    writeConfig();
    say('prometheus', `starting Prometheus on ${url}…`);
    const log = openSync(LOG_FILE, 'a');
    appendFileSync(log, `--- started by npm run stack at ${new Date().toISOString()} ---\n`);
    // detached: own session, so Ctrl-C or the end of this CLI does not take it down.
    const child = spawn(
      'prometheus',
      [
        `--config.file=${CONFIG_FILE}`,
        `--storage.tsdb.path=${DATA_DIR}`,
        `--storage.tsdb.retention.time=${RETENTION}`,
        `--web.listen-address=${STACK_HOST}:${port}`,
        // POST /-/reload: `up` re-applies a changed config to a running server.
        '--web.enable-lifecycle',
      ],
      { cwd: PROMETHEUS_DIR, detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    child.once('error', () => undefined);
    if (child.pid === undefined)
      throw new StackError('prometheus: could not start prometheus', LOG_FILE);
    writeFileSync(PID_FILE, `${child.pid}\n`);

    await waitFor({
      server: 'prometheus',
      what: 'waiting for /-/ready',
      timeoutMs: START_TIMEOUT_MS,
      probe: () => ready(url),
      isAlive: () => child.exitCode === null && child.signalCode === null,
      logFile: LOG_FILE,
    });
    return `ready in ${seconds(started)} at ${url} (pid ${child.pid}, scrape every ${scrapeInterval(env)}); log: ${shown(LOG_FILE)}`;
  }

  const owned = { external: false, pidFile: PID_FILE, owner: OWNER };
  const down = (): Promise<string> =>
    stopOwnedServer(owned, { signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });

  const status = (): Promise<ServerStatus> =>
    ownedServerStatus(owned, url, async () => (await ready(url)) === true);

  return { name: 'prometheus', external: false, logFile: LOG_FILE, up, down, status };
}
