// `npm run stack -- up|down|status|logs|env`: the native (no containers) PostgreSQL + Redis + Kafka
// + Zipkin stack for development, tests, the demo and the benchmark. State lives in .stack/
// (git-ignored).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  SERVICE_DATABASES,
  databaseUrlVariable,
  resolveStackEndpoints,
  type StackEndpoints,
} from './endpoints.ts';
import { topicPartitions } from './kafka-config.ts';
import { createKafka } from './kafka.ts';
import { shown } from './paths.ts';
import { createPostgres, dataDirMajorVersion } from './postgres.ts';
import { createPrometheus, scrapeInterval } from './prometheus.ts';
import { checkPrerequisites } from './prerequisites.ts';
import { tailFile } from './processes.ts';
import { StackError, reportFailure, say, seconds, type ServerName } from './progress.ts';
import { createRedis } from './redis.ts';
import type { StackServer } from './server.ts';
import { createZipkin } from './zipkin.ts';

const USAGE = `usage: npm run stack -- <command>

  up                          start PostgreSQL, Redis, Kafka, Zipkin and Prometheus (idempotent), create databases and topics
  down                        stop the servers this stack started
  status                      each server up/down with its endpoint (exit code 3 if any is down)
  logs [pg|redis|kafka|zipkin|prometheus] [-n N] [-f]
                              last N lines (default 40) of the logs; -f keeps following
  env                         shell exports: eval "$(npm run -s stack -- env)"

Ports: STACK_PG_PORT (55432), STACK_REDIS_PORT (56379), STACK_KAFKA_PORT (59092),
STACK_KAFKA_CONTROLLER_PORT (59093), STACK_ZIPKIN_PORT (59411, the trace UI at /zipkin/),
STACK_PROMETHEUS_PORT (59090); Prometheus scrapes every STACK_PROMETHEUS_SCRAPE_INTERVAL (2s) the
services that tests, the demo and the benchmark start. External servers: set KAFKA_BROKERS,
REDIS_URL, ORDERS_DATABASE_URL (and the other *_DATABASE_URL) or ZIPKIN_URL and \`up\` only
checks them (and creates topics).`;

const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
// LSB convention for "status: program is not running".
const EXIT_NOT_RUNNING = 3;
const SERVER_NAMES: readonly ServerName[] = ['pg', 'redis', 'kafka', 'zipkin', 'prometheus'];

// Two harmless warnings would otherwise end up in every run's output:
// - MODULE_TYPELESS_PACKAGE_JSON: contracts/src/topics.ts is loaded straight from source (see
//   kafka.ts) and its package has no "type" field, so Node notes it re-parsed the file as ESM.
// - TimeoutNegativeWarning: kafkajs 2.2.4's request queue calls setTimeout(fn, -1 - Date.now())
//   when not throttled; Node >= 23 warns and uses 1 ms, which is what kafkajs meant anyway.
const IGNORED_WARNINGS = new Set(['MODULE_TYPELESS_PACKAGE_JSON', 'TimeoutNegativeWarning']);
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (!IGNORED_WARNINGS.has(warning.code ?? warning.name))
    console.error(`(node) ${warning.name}: ${warning.message}`);
});

function loadEndpoints(): StackEndpoints {
  try {
    return resolveStackEndpoints(process.env);
  } catch (error) {
    throw new StackError(error instanceof Error ? error.message : String(error));
  }
}

function createServers(endpoints: StackEndpoints): StackServer[] {
  return [
    createPostgres(endpoints, process.env),
    createRedis(endpoints),
    createKafka(endpoints, process.env),
    createZipkin(endpoints),
    createPrometheus(endpoints, process.env),
  ];
}

/** Prints the one-line summary or the failure (with log tail); resolves to success. */
async function reportOutcome(name: ServerName, work: Promise<string>): Promise<boolean> {
  try {
    say(name, await work);
    return true;
  } catch (error) {
    reportFailure(error);
    return false;
  }
}

async function up(): Promise<number> {
  const started = performance.now();
  const endpoints = loadEndpoints();
  const servers = createServers(endpoints);
  const needs = {
    pg: !endpoints.postgres.external,
    redis: !endpoints.redis.external,
    kafka: !endpoints.kafka.external,
    zipkin: !endpoints.zipkin.external,
    prometheus: true,
  };
  checkPrerequisites(needs, process.env, dataDirMajorVersion());
  // Validate before starting anything.
  topicPartitions(process.env);
  scrapeInterval(process.env);

  // In parallel: the JVM start dominates, PostgreSQL and Redis are ready long before it.
  // A failure is reported as soon as it happens, while the others keep starting.
  const ok = await Promise.all(servers.map((server) => reportOutcome(server.name, server.up())));
  if (ok.includes(false)) {
    console.error(
      `✗ stack up failed after ${seconds(started)} (servers that did start keep running; \`npm run stack -- down\` stops them)`,
    );
    return EXIT_FAILURE;
  }
  console.log(`✓ stack up in ${seconds(started)}. For a shell: eval "$(npm run -s stack -- env)"`);
  return 0;
}

async function down(): Promise<number> {
  const servers = createServers(loadEndpoints());
  const ok = await Promise.all(servers.map((server) => reportOutcome(server.name, server.down())));
  return ok.includes(false) ? EXIT_FAILURE : 0;
}

async function status(): Promise<number> {
  const servers = createServers(loadEndpoints());
  const statuses = await Promise.all(servers.map((server) => server.status()));
  servers.forEach((server, i) => {
    const s = statuses[i];
    if (!s) return;
    const details = s.external
      ? 'external'
      : s.pid !== undefined
        ? `pid ${s.pid}, log ${shown(server.logFile)}`
        : 'not started';
    console.log(
      `${server.name.padEnd(11)}${(s.up ? 'up' : 'down').padEnd(6)}${s.endpoint}  (${details})`,
    );
  });
  return statuses.every((s) => s.up) ? 0 : EXIT_NOT_RUNNING;
}

function parseLogsArgs(
  args: string[],
): { names: ServerName[]; lines: number; follow: boolean } | undefined {
  const names: ServerName[] = [];
  let lines = 40;
  let follow = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '-f' || arg === '--follow') follow = true;
    else if (arg === '-n' || arg === '--lines') lines = Number(args[++i]);
    else if ((SERVER_NAMES as readonly string[]).includes(arg)) names.push(arg as ServerName);
    else return undefined;
  }
  if (!Number.isInteger(lines) || lines < 1) return undefined;
  return { names: names.length > 0 ? names : [...SERVER_NAMES], lines, follow };
}

async function logs(args: string[]): Promise<number> {
  const parsed = parseLogsArgs(args);
  if (!parsed) {
    console.error(USAGE);
    return EXIT_USAGE;
  }
  const servers = createServers(loadEndpoints()).filter((s) => parsed.names.includes(s.name));
  const files = servers.filter((s) => !s.external).map((s) => s.logFile);
  for (const server of servers.filter((s) => s.external))
    console.log(`${server.name}: external server, its logs are not here`);
  if (parsed.follow) {
    const tail = spawn('tail', ['-n', String(parsed.lines), '-F', ...files], { stdio: 'inherit' });
    return new Promise((resolve) => tail.once('close', (code) => resolve(code ?? 0)));
  }
  for (const file of files) {
    console.log(`==> ${shown(file)} <==`);
    console.log(
      existsSync(file)
        ? tailFile(file, parsed.lines)
        : '(no log yet: the server has not been started)',
    );
  }
  return 0;
}

/** Single-quoted for POSIX shells: safe for any URL, including passwords with $ or spaces. */
function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function env(): number {
  const endpoints = loadEndpoints();
  const exports: [string, string][] = [
    ['KAFKA_BROKERS', endpoints.kafka.brokers.join(',')],
    ['REDIS_URL', endpoints.redis.url],
    // A service started by hand from this shell (npm start) sends its spans to the stack's Zipkin.
    ['OTEL_TRACES_EXPORTER', 'zipkin'],
    ['OTEL_EXPORTER_ZIPKIN_ENDPOINT', `${endpoints.zipkin.url}/api/v2/spans`],
    ['PROMETHEUS_URL', endpoints.prometheus.url],
    ...SERVICE_DATABASES.map((db): [string, string] => [
      databaseUrlVariable(db),
      endpoints.postgres.urls[db],
    ]),
  ];
  for (const [name, value] of exports) console.log(`export ${name}=${shellQuote(value)}`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      return up();
    case 'down':
      return down();
    case 'status':
      return status();
    case 'logs':
      return logs(rest);
    case 'env':
      return env();
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(command ? `unknown command "${command}"\n\n${USAGE}` : USAGE);
      return EXIT_USAGE;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    reportFailure(error);
    process.exit(EXIT_FAILURE);
  },
);
