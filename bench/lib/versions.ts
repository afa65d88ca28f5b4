// Which code and which software a run measured, stored with its results: figures from
// different commits or PostgreSQL settings are not comparable, and the report says so.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { pinnedKafkaVersion } from '../../scripts/stack/kafka-config.ts';
import { SERVICES } from './phases.ts';
import { REPO_ROOT } from './repo-root.ts';

/** PostgreSQL's version and the settings that decide what a commit costs. */
export async function postgresFacts(url: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const facts: Record<string, string> = {};
    for (const setting of [
      'server_version',
      'synchronous_commit',
      'fsync',
      'shared_buffers',
      'max_connections',
    ]) {
      const result = await client.query<Record<string, string>>(`SHOW ${setting}`);
      facts[setting] = Object.values(result.rows[0] ?? {})[0] ?? '';
    }
    return facts;
  } finally {
    await client.end();
  }
}

export type Versions = Readonly<
  Record<
    | 'revision'
    | 'built'
    | 'node'
    | 'kafka'
    | 'postgres'
    | 'kafkajs'
    | 'pg'
    | 'nestjs'
    | 'fastify'
    | 'typeorm',
    string
  >
>;

/** The commit, the services' build time and the versions of what they run on. */
export function describeVersions(pg: Record<string, string>): Versions {
  return {
    revision: gitRevision(),
    // The services run from dist/: when it was last built says which code was measured.
    built: new Date(
      Math.max(
        ...SERVICES.map(
          (name) => statSync(join(REPO_ROOT, 'services', name, 'dist', 'main.js')).mtimeMs,
        ),
      ),
    ).toISOString(),
    node: process.version,
    kafka: pinnedKafkaVersion(),
    postgres: pg['server_version'] ?? '?',
    kafkajs: packageVersion('kafkajs'),
    pg: packageVersion('pg'),
    nestjs: packageVersion('@nestjs/core'),
    fastify: packageVersion('fastify'),
    typeorm: packageVersion('typeorm'),
  };
}

/** The commit measured, `-dirty` if the work tree differs from it (read only; git is not changed). */
function gitRevision(): string {
  try {
    return execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const json = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version?: string };
    return json.version ?? '?';
  } catch {
    return '?';
  }
}
