// Private PostgreSQL instance in .stack/postgres: initdb on first start, one database per service.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  PG_SUPERUSER,
  redactUrl,
  SERVICE_DATABASES,
  STACK_HOST,
  type Env,
  type StackEndpoints,
} from './endpoints.ts';
import { REPO_ROOT, STACK_DIR, shown } from './paths.ts';
import { findOsUser, findPostgresBin, type OsUser } from './prerequisites.ts';
import { isPortInUse, ownedPid, runCommand } from './processes.ts';
import { StackError, say, seconds, waitFor } from './progress.ts';
import {
  ownedServerStatus,
  stopOwnedServer,
  type ServerStatus,
  type StackServer,
} from './server.ts';

const PG_DIR = join(STACK_DIR, 'postgres');
const DATA_DIR = join(PG_DIR, 'data');
const LOG_FILE = join(PG_DIR, 'postgres.log');
// PostgreSQL writes (and on clean shutdown removes) its own pid file; we keep no second one. After
// a crash it may name a pid since reused by another process, which would make postgres refuse to
// start, so `up` removes it when /proc shows the pid is not ours.
const PID_FILE = join(DATA_DIR, 'postmaster.pid');
const OWNER = { cwd: DATA_DIR, marker: 'postgres' };

const START_TIMEOUT_MS = 60_000;
// SIGINT is PostgreSQL's "fast" shutdown (rolls back open transactions and exits). SIGTERM would be
// "smart" shutdown, which waits for every client to disconnect: services with pools keep it hanging.
const STOP_SIGNAL = 'SIGINT';
const STOP_TIMEOUT_MS = 30_000;

/** Dev-box tuning, rewritten on every `up` so changes here apply on the next start. */
function stackConf(port: number): string {
  return `# Written by scripts/stack/postgres.ts on every \`npm run stack -- up\`; edits are overwritten.
listen_addresses = '${STACK_HOST}'
port = ${port}
# TCP only: avoids the 107-byte socket path limit of deep checkouts and /var/run permissions.
unix_socket_directories = ''
# 4 services x replicas x pool size, plus integration tests that open their own pools.
max_connections = 200
shared_buffers = '128MB'
# Durability stays real (fsync, synchronous_commit on): the outbox/inbox guarantees are tested here.
fsync = on
synchronous_commit = on
timezone = 'UTC'
log_timezone = 'UTC'
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
`;
}

// trust is acceptable only because the server listens on 127.0.0.1 alone (see stack.conf).
const PG_HBA = `# Written by scripts/stack/postgres.ts. Loopback only, no password (dev stack).
host all all 127.0.0.1/32 trust
`;

/** initdb and postgres refuse to run as root, so as root we run them as the `postgres` OS user. */
function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = findOsUser('postgres');
  if (!user) throw new StackError('pg: no "postgres" OS user (checked by prerequisites)');
  return user;
}

export function dataDirMajorVersion(): string | undefined {
  const file = join(DATA_DIR, 'PG_VERSION');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

async function query(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function adminUrl(port: number): string {
  return `postgres://${PG_SUPERUSER}@${STACK_HOST}:${port}/postgres`;
}

async function ensureDatabases(port: number): Promise<string[]> {
  const { rows } = await query(
    adminUrl(port),
    'SELECT datname FROM pg_database WHERE datname = ANY($1::text[])',
    [[...SERVICE_DATABASES]],
  );
  const existing = new Set(rows.map((row) => String(row['datname'])));
  const created: string[] = [];
  for (const db of SERVICE_DATABASES.filter((name) => !existing.has(name))) {
    try {
      await query(adminUrl(port), `CREATE DATABASE "${db}"`);
      created.push(db);
    } catch (error) {
      // 42P04 duplicate_database: a concurrent `up` created it first, which is fine.
      if ((error as { code?: string }).code !== '42P04') throw error;
    }
  }
  return created;
}

/**
 * Creates an empty data dir owned by the postgres OS user. If that user cannot reach .stack/
 * (a clone under /root, mode 700), the data lives under the temp dir instead and
 * .stack/postgres/data is a symlink to it; logs and pid checks still go through .stack/.
 */
function createDataDir(user: OsUser | undefined): string {
  rmSync(DATA_DIR, { recursive: true, force: true }); // leftovers of an interrupted initdb (or a symlink)
  mkdirSync(PG_DIR, { recursive: true });
  // A umask of 077 would make these unreachable for the postgres user.
  for (const dir of [STACK_DIR, PG_DIR]) chmodSync(dir, 0o755);
  if (!user || spawnSync('test', ['-x', PG_DIR], user).status === 0) {
    mkdirSync(DATA_DIR, { mode: 0o700 });
    if (user) chownSync(DATA_DIR, user.uid, user.gid);
    return DATA_DIR;
  }
  const outside = join(
    tmpdir(),
    `order-saga-stack-${createHash('sha256').update(REPO_ROOT).digest('hex').slice(0, 12)}`,
  );
  const target = join(outside, 'postgres-data');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(outside, { recursive: true });
  chmodSync(outside, 0o755);
  mkdirSync(target, { mode: 0o700 });
  chownSync(target, user.uid, user.gid);
  symlinkSync(target, DATA_DIR);
  say(
    'pg',
    `note: the postgres OS user cannot reach ${shown(PG_DIR)}; data in ${target} (symlinked)`,
  );
  return target;
}

async function initDataDir(pgBin: string, user: OsUser | undefined): Promise<void> {
  const dataDir = createDataDir(user);
  say('pg', `initdb (first run only) with superuser "${PG_SUPERUSER}"…`);
  // --no-sync: skipping initdb's final fsync saves seconds; a crash right after initdb only means
  // `rm -rf .stack`. Runtime fsync stays on (stack.conf).
  const args = [
    '-D',
    dataDir,
    '-U',
    PG_SUPERUSER,
    '--auth=trust',
    '--encoding=UTF8',
    '--no-locale',
    '--no-sync',
  ];
  // cwd inside the data dir: initdb resolves its working directory as the postgres user.
  const result = await runCommand(join(pgBin, 'initdb'), args, { cwd: dataDir, ...user });
  if (result.code !== 0) {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(DATA_DIR, { recursive: true, force: true });
    throw new StackError(`pg: initdb failed (exit ${result.code}):\n${result.output}`);
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), "\ninclude_if_exists = 'stack.conf'\n");
}

function writeConfig(port: number, user: OsUser | undefined): void {
  for (const [name, content] of [
    ['stack.conf', stackConf(port)],
    ['pg_hba.conf', PG_HBA],
  ] as const) {
    const file = join(DATA_DIR, name);
    writeFileSync(file, content, { mode: 0o600 });
    if (user) chownSync(file, user.uid, user.gid);
  }
}

export function createPostgres(endpoints: StackEndpoints, env: Env): StackServer {
  const { external, urls } = endpoints.postgres;
  const port = endpoints.ports.pg;
  // Server address without a database name (each service has its own); password hidden.
  const endpoint = external
    ? redactUrl(urls.orders).replace(/\/orders(\?.*)?$/, '')
    : `postgres://${PG_SUPERUSER}@${STACK_HOST}:${port}`;

  const answers = async (): Promise<boolean> => {
    const target = external ? urls.orders : adminUrl(port);
    return query(target, 'SELECT 1').then(
      () => true,
      () => false,
    );
  };

  async function up(): Promise<string> {
    const started = performance.now();
    if (external) {
      // The databases are assumed to exist there (managed by whoever runs that server).
      for (const [db, url] of Object.entries(urls)) {
        await waitFor({
          server: 'pg',
          what: `waiting for external ${db} database`,
          timeoutMs: 30_000,
          probe: () => query(url, 'SELECT 1'),
        });
      }
      return `external, databases answer (${Object.keys(urls).join(', ')})`;
    }

    const running = ownedPid(PID_FILE, OWNER);
    if (running !== undefined) {
      await waitFor({
        server: 'pg',
        what: 'checking the running server answers',
        timeoutMs: 10_000,
        probe: () => query(adminUrl(port), 'SELECT 1'),
      });
      const created = await ensureDatabases(port);
      return `already running (pid ${running}) at ${endpoint}${created.length ? `; created ${created.join(', ')}` : ''}; log: ${shown(LOG_FILE)}`;
    }
    if (await isPortInUse(STACK_HOST, port)) {
      throw new StackError(
        `pg: ${STACK_HOST}:${port} is already used by another process; set STACK_PG_PORT to a free port`,
      );
    }

    const pgBin = findPostgresBin(env, dataDirMajorVersion());
    if (!pgBin) throw new StackError('pg: no PostgreSQL binaries found (checked by prerequisites)');
    const major = dataDirMajorVersion();
    if (major !== undefined && !pgBin.includes(`/${major}/`) && !env['PG_BIN']) {
      throw new StackError(
        `pg: ${shown(DATA_DIR)} was created by PostgreSQL ${major}, which is not installed; remove it: rm -rf ${shown(PG_DIR)}`,
      );
    }
    const user = postgresOsUser();
    if (major === undefined) await initDataDir(pgBin, user);
    writeConfig(port, user);

    say('pg', `starting ${join(pgBin, 'postgres')} on ${STACK_HOST}:${port}…`);
    const log = openSync(LOG_FILE, 'a');
    // A marker per start, so a log tail on failure is easy to tell from earlier runs.
    appendFileSync(log, `--- started by npm run stack at ${new Date().toISOString()} ---\n`);
    // detached: own session, so Ctrl-C or the end of this CLI does not take the server down.
    // The real path: if DATA_DIR is a symlink out of an unreachable checkout, postgres must not
    // have to traverse the checkout to find it.
    const dataDir = realpathSync(DATA_DIR);
    const child = spawn(join(pgBin, 'postgres'), ['-D', dataDir], {
      cwd: dataDir,
      detached: true,
      stdio: ['ignore', log, log],
      env: { PATH: process.env['PATH'], TZ: 'UTC' },
      ...user,
    });
    child.unref();
    // A spawn failure shows as a missing pid below; without a listener it would
    // crash the CLI with an unhandled 'error' event instead.
    child.once('error', () => undefined);
    await waitFor({
      server: 'pg',
      what: 'waiting for it to accept queries',
      timeoutMs: START_TIMEOUT_MS,
      probe: () => query(adminUrl(port), 'SELECT 1'),
      isAlive: () =>
        child.pid !== undefined && child.exitCode === null && child.signalCode === null,
      logFile: LOG_FILE,
    });
    const created = await ensureDatabases(port);
    const dbs = created.length
      ? `created ${created.join(', ')}`
      : `databases ${SERVICE_DATABASES.join(', ')}`;
    return `ready in ${seconds(started)} at ${endpoint} (pid ${child.pid}; ${dbs}); log: ${shown(LOG_FILE)}`;
  }

  const owned = { external, pidFile: PID_FILE, owner: OWNER };
  const down = (): Promise<string> =>
    stopOwnedServer(owned, { signal: STOP_SIGNAL, timeoutMs: STOP_TIMEOUT_MS, removeStale: false });

  const status = (): Promise<ServerStatus> => ownedServerStatus(owned, endpoint, answers);

  return { name: 'pg', external, logFile: LOG_FILE, up, down, status };
}
