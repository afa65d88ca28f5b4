// Private redis-server in .stack/redis. Nothing in Redis is durable state for the services
// (circuit breaker state, idempotency locks), so persistence is off.
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { STACK_HOST, redactUrl, type StackEndpoints } from './endpoints.ts';
import { STACK_DIR, shown } from './paths.ts';
import { isPortInUse, ownedPid, readPidFile, runCommand } from './processes.ts';
import { StackError, say, seconds, waitFor } from './progress.ts';
import {
  ownedServerStatus,
  stopOwnedServer,
  type ServerStatus,
  type StackServer,
} from './server.ts';

const REDIS_DIR = join(STACK_DIR, 'redis');
const LOG_FILE = join(REDIS_DIR, 'redis.log');
const PID_FILE = join(REDIS_DIR, 'redis.pid');
// redis-server rewrites its process title, but keeps "redis-server" in it and chdirs to --dir.
const OWNER = { cwd: REDIS_DIR, marker: 'redis-server' };

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * One PING over raw RESP (plus AUTH if the URL has credentials, TLS for rediss://). Raw on purpose:
 * ioredis is a dependency of one service and not guaranteed to be hoisted to the root node_modules.
 */
export function ping(url: string, timeoutMs = 2000): Promise<true> {
  const parsed = new URL(url);
  const port = Number(parsed.port || 6379);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const commands: string[][] = [];
  if (parsed.password) {
    const user = decodeURIComponent(parsed.username);
    commands.push(
      user
        ? ['AUTH', user, decodeURIComponent(parsed.password)]
        : ['AUTH', decodeURIComponent(parsed.password)],
    );
  }
  commands.push(['PING']);
  const request = commands
    .map(
      (args) =>
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`,
    )
    .join('');

  return new Promise((resolve, reject) => {
    const socket =
      parsed.protocol === 'rediss:'
        ? tlsConnect({ host, port, servername: host })
        : connect({ host, port });
    let replies = '';
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer from ${host}:${port} within ${timeoutMs}ms`)),
    );
    socket.once('error', reject);
    socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () =>
      socket.write(request),
    );
    socket.on('data', (chunk: Buffer) => {
      replies += chunk.toString();
      const lines = replies.split('\r\n').filter((line) => line !== '');
      const failure = lines.find((line) => line.startsWith('-'));
      if (failure) {
        socket.destroy();
        reject(new Error(failure.slice(1))); // e.g. "-LOADING ..." or "-NOAUTH ..."
      } else if (lines.length >= commands.length) {
        socket.end();
        if (lines.at(-1) === '+PONG') resolve(true);
        else reject(new Error(`unexpected PING reply ${lines.at(-1) ?? ''}`));
      }
    });
  });
}

export function createRedis(endpoints: StackEndpoints): StackServer {
  const { url, external } = endpoints.redis;
  const port = endpoints.ports.redis;
  const endpoint = redactUrl(url);

  async function up(): Promise<string> {
    const started = performance.now();
    if (external) {
      await waitFor({
        server: 'redis',
        what: 'waiting for the external server to answer PING',
        timeoutMs: 30_000,
        probe: () => ping(url),
      });
      return `external at ${endpoint}, answers PING`;
    }
    const running = ownedPid(PID_FILE, OWNER);
    if (running !== undefined) {
      await waitFor({
        server: 'redis',
        what: 'checking the running server answers PING',
        timeoutMs: 10_000,
        probe: () => ping(url),
      });
      return `already running (pid ${running}) at ${endpoint}; log: ${shown(LOG_FILE)}`;
    }
    if (await isPortInUse(STACK_HOST, port)) {
      throw new StackError(
        `redis: ${STACK_HOST}:${port} is already used by another process; set STACK_REDIS_PORT to a free port`,
      );
    }

    mkdirSync(REDIS_DIR, { recursive: true });
    say('redis', `starting redis-server on ${STACK_HOST}:${port}…`);
    // --daemonize: redis forks, setsids and writes the pid file itself; this command returns at once.
    const result = await runCommand('redis-server', [
      '--bind',
      STACK_HOST,
      '--port',
      String(port),
      '--protected-mode',
      'yes',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--dir',
      REDIS_DIR,
      '--pidfile',
      PID_FILE,
      '--logfile',
      LOG_FILE,
    ]);
    if (result.code !== 0)
      throw new StackError(
        `redis: redis-server exited with ${result.code}: ${result.output}`,
        LOG_FILE,
      );

    await waitFor({
      server: 'redis',
      what: 'waiting for PING',
      timeoutMs: START_TIMEOUT_MS,
      probe: () => ping(url),
      logFile: LOG_FILE,
    });
    return `ready in ${seconds(started)} at ${endpoint} (pid ${readPidFile(PID_FILE) ?? '?'}); log: ${shown(LOG_FILE)}`;
  }

  const owned = { external, pidFile: PID_FILE, owner: OWNER };
  const down = (): Promise<string> =>
    stopOwnedServer(owned, { signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS });

  const status = (): Promise<ServerStatus> => ownedServerStatus(owned, endpoint, () => ping(url));

  return { name: 'redis', external, logFile: LOG_FILE, up, down, status };
}
