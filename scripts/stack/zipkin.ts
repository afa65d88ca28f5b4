// Zipkin (the trace backend) in .stack/zipkin: the server's self-contained exec jar, resolved by
// Maven from scripts/stack/zipkin/pom.xml into ~/.m2 and run with `java -jar`. In-memory storage:
// traces are for looking at the last runs, not for keeping.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_HOST, type StackEndpoints } from './endpoints.ts';
import { resolveClasspath } from './maven.ts';
import { STACK_DIR, shown } from './paths.ts';
import { isPortInUse, ownedPid } from './processes.ts';
import { StackError, say, seconds, waitFor } from './progress.ts';
import {
  ownedServerStatus,
  stopOwnedServer,
  type ServerStatus,
  type StackServer,
} from './server.ts';

export const ZIPKIN_POM = join(import.meta.dirname, 'zipkin', 'pom.xml');
const ZIPKIN_DIR = join(STACK_DIR, 'zipkin');
const LOG_FILE = join(ZIPKIN_DIR, 'zipkin.log');
const PID_FILE = join(ZIPKIN_DIR, 'zipkin.pid');
const CLASSPATH_FILE = join(ZIPKIN_DIR, 'classpath.txt');
const OWNER = { cwd: ZIPKIN_DIR, marker: 'zipkin-server' };

// JVM start on a 2-core box with Kafka starting beside it: 5-20 s.
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
// In-memory storage keeps at most this many spans, dropping the oldest traces: a few thousand
// orders' worth (a saga is ~30 spans), inside the heap below.
const MAX_SPANS = 100_000;
const JVM_OPTIONS = ['-Xms64m', '-Xmx384m', '-XX:+UseSerialGC', '-XX:+ExitOnOutOfMemoryError'];

/** The Zipkin version the stack pins, read from the pom so there is one place to change it. */
export function pinnedZipkinVersion(): string {
  const match = /<zipkin\.version>([^<]+)<\/zipkin\.version>/.exec(
    readFileSync(ZIPKIN_POM, 'utf8'),
  );
  if (!match?.[1]) throw new Error(`no <zipkin.version> in ${ZIPKIN_POM}`);
  return match[1];
}

/** GET /health answers {"status":"UP"} once the server (and its storage) is ready. */
async function healthy(url: string): Promise<true | undefined> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  if (!response.ok) return undefined;
  const body = (await response.json()) as { status?: string };
  return body.status === 'UP' ? true : undefined;
}

export function createZipkin(endpoints: StackEndpoints): StackServer {
  const { url, external } = endpoints.zipkin;
  const port = endpoints.ports.zipkin;

  async function up(): Promise<string> {
    const started = performance.now();
    if (external) {
      await waitFor({
        server: 'zipkin',
        what: 'waiting for the external server to answer /health',
        timeoutMs: 30_000,
        probe: () => healthy(url),
      });
      return `external at ${url}, healthy`;
    }
    const running = ownedPid(PID_FILE, OWNER);
    if (running !== undefined) {
      await waitFor({
        server: 'zipkin',
        what: 'checking the running server answers /health',
        timeoutMs: 30_000,
        probe: () => healthy(url),
        logFile: LOG_FILE,
      });
      return `already running (pid ${running}), UI ${url}/zipkin/; log: ${shown(LOG_FILE)}`;
    }
    if (await isPortInUse(STACK_HOST, port))
      throw new StackError(
        `zipkin: ${STACK_HOST}:${port} is already used by another process; set STACK_ZIPKIN_PORT to a free port`,
      );

    mkdirSync(ZIPKIN_DIR, { recursive: true });
    const jar = await resolveClasspath({
      server: 'zipkin',
      pom: ZIPKIN_POM,
      classpathFile: CLASSPATH_FILE,
    });
    say('zipkin', `starting Zipkin ${pinnedZipkinVersion()} (in-memory storage) on ${url}…`);
    const log = openSync(LOG_FILE, 'a');
    appendFileSync(log, `--- started by npm run stack at ${new Date().toISOString()} ---\n`);
    // detached: own session, so the end of this CLI does not take the server down.
    const child = spawn(
      'java',
      [
        ...JVM_OPTIONS,
        '-jar',
        jar,
        // Loopback only, like every server of the stack (Armeria binds all interfaces otherwise).
        `--armeria.ports[0].ip=${STACK_HOST}`,
        `--armeria.ports[0].port=${port}`,
        '--armeria.ports[0].protocols=http',
      ],
      {
        cwd: ZIPKIN_DIR,
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          ...process.env,
          STORAGE_TYPE: 'mem',
          MEM_MAX_SPANS: String(MAX_SPANS),
          QUERY_PORT: String(port),
          // No banner, no colour codes in the log file.
          SPRING_MAIN_BANNER_MODE: 'off',
          SPRING_OUTPUT_ANSI_ENABLED: 'never',
        },
      },
    );
    child.unref();
    child.once('error', () => undefined);
    if (child.pid === undefined) throw new StackError('zipkin: could not start java', LOG_FILE);
    writeFileSync(PID_FILE, `${child.pid}\n`);

    await waitFor({
      server: 'zipkin',
      what: 'waiting for /health',
      timeoutMs: START_TIMEOUT_MS,
      probe: () => healthy(url),
      isAlive: () => child.exitCode === null && child.signalCode === null,
      logFile: LOG_FILE,
    });
    return `ready in ${seconds(started)}, UI ${url}/zipkin/ (pid ${child.pid}); log: ${shown(LOG_FILE)}`;
  }

  const owned = { external, pidFile: PID_FILE, owner: OWNER };
  const down = (): Promise<string> =>
    stopOwnedServer(owned, { signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS, removePidFile: true });

  const status = (): Promise<ServerStatus> =>
    ownedServerStatus(owned, url, async () => (await healthy(url)) === true);

  return { name: 'zipkin', external, logFile: LOG_FILE, up, down, status };
}
