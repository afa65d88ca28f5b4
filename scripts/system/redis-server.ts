// A private redis-server for one test or fault scenario: flushed, killed and restarted at will
// without touching the stack's shared Redis, which other suites use meanwhile.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { ping } from '../stack/redis.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface PrivateRedis {
  readonly url: string;
  /** FLUSHALL: every key gone, the server keeps running. */
  flushAll(): Promise<void>;
  /** SIGKILL: the server is gone until `start`. */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === 'object' && address !== null ? address.port : 0),
      );
    });
  });
}

export async function startPrivateRedis(logFile: string): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function start(): Promise<void> {
    const log = createWriteStream(logFile, { flags: 'a' });
    child = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    await waitFor(`redis-server on ${port}`, () => ping(url).catch(() => undefined), 15_000);
  }

  async function terminate(signal: NodeJS.Signals): Promise<void> {
    const current = child;
    if (current === undefined || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((done) => current.once('exit', () => done()));
    current.kill(signal);
    await exited;
  }

  await start();
  return {
    url,
    async flushAll() {
      await run('redis-cli', ['-p', String(port), 'FLUSHALL']);
    },
    kill: () => terminate('SIGKILL'),
    start,
    stop: () => terminate('SIGTERM'),
  };
}
