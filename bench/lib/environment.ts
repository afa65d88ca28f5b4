// What the run needs before it measures anything: the native stack up (started if it is down,
// never stopped), the services built, and the stack's endpoints and process ids (the Kafka and
// Redis pids are how their CPU is counted).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveStackEndpoints, type StackEndpoints } from '../../scripts/stack/endpoints.ts';
import { createKafka as createKafkaServer } from '../../scripts/stack/kafka.ts';
import { createRedis } from '../../scripts/stack/redis.ts';
import { SERVICES } from './phases.ts';
import { progress } from './progress.ts';
import { REPO_ROOT } from './repo-root.ts';
import { describeVersions, postgresFacts, type Versions } from './versions.ts';

export interface Environment {
  readonly endpoints: StackEndpoints;
  readonly kafkaPid: number | undefined;
  readonly redisPid: number | undefined;
  /** PostgreSQL's version and durability settings, as SHOW reports them. */
  readonly postgresSettings: Record<string, string>;
  readonly versions: Versions;
}

export async function prepareEnvironment(): Promise<Environment> {
  await ensureStack();
  await ensureBuild();
  const endpoints = resolveStackEndpoints(process.env);
  const [kafkaStatus, redisStatus] = await Promise.all([
    createKafkaServer(endpoints, process.env).status(),
    createRedis(endpoints).status(),
  ]);
  const pg = await postgresFacts(endpoints.postgres.urls.orders);
  const versions = describeVersions(pg);
  progress(
    `versions: node ${versions.node}, Kafka ${versions.kafka}, PostgreSQL ${versions.postgres} (fsync ${pg['fsync']}, synchronous_commit ${pg['synchronous_commit']}), kafkajs ${versions.kafkajs}`,
  );
  return {
    endpoints,
    kafkaPid: kafkaStatus.pid,
    redisPid: redisStatus.pid,
    postgresSettings: pg,
    versions,
  };
}

function run(command: string, argv: string[]): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: REPO_ROOT, stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', (code) => done(code ?? 1));
  });
}

async function ensureStack(): Promise<void> {
  progress('native stack: npm run stack -- up (idempotent)');
  const code = await run(process.execPath, [join(REPO_ROOT, 'scripts/stack/cli.ts'), 'up']);
  if (code !== 0) throw new Error(`stack up failed with exit code ${code}`);
}

/** Builds only when a service has no dist/ at all: stale code is measured as it is (see README). */
async function ensureBuild(): Promise<void> {
  const missing = [...SERVICES].filter(
    (name) => !existsSync(join(REPO_ROOT, 'services', name, 'dist', 'main.js')),
  );
  if (missing.length === 0) return;
  progress(`building (dist missing for ${missing.join(', ')}): tsc -b`);
  const code = await run(process.execPath, [
    join(REPO_ROOT, 'node_modules/typescript/bin/tsc'),
    '-b',
  ]);
  if (code !== 0) throw new Error(`tsc -b failed with exit code ${code}`);
}
