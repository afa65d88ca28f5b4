// Fail fast, before starting anything, with the exact command that installs what is missing.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Env } from './endpoints.ts';
import { StackError } from './progress.ts';

// Kafka 4.x brokers need Java 17+ (KIP-750 dropped Java 11 for the server side).
const MIN_JAVA_MAJOR = 17;
const PG_ROOT = '/usr/lib/postgresql';

export interface Needs {
  pg: boolean;
  redis: boolean;
  kafka: boolean;
  zipkin: boolean;
  prometheus: boolean;
}

interface Missing {
  what: string;
  aptPackages: string[];
}

export function findOnPath(command: string, env: Env = process.env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this dir
    }
  }
  return undefined;
}

/**
 * PG_BIN wins; else the bin dir of the newest PostgreSQL under /usr/lib/postgresql (Debian/Ubuntu
 * layout), preferring `preferredMajor` (the version an existing data dir was initialised with,
 * since a data dir only opens with the same major version).
 */
export function findPostgresBin(env: Env, preferredMajor?: string): string | undefined {
  const fromEnv = env['PG_BIN'];
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : undefined;
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT)
    .filter((v) => existsSync(join(PG_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  const chosen = versions.find((v) => v === preferredMajor) ?? versions[0];
  return chosen === undefined ? undefined : join(PG_ROOT, chosen, 'bin');
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** uid/gid of a local OS user from /etc/passwd (no dependency on `id` being on PATH). */
export function findOsUser(name: string): OsUser | undefined {
  if (!existsSync('/etc/passwd')) return undefined;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

function javaMajor(java: string): number | undefined {
  // `java -version` prints to stderr: openjdk version "17.0.15" ... or java version "1.8.0_402"
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match?.[1]) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

export function checkPrerequisites(needs: Needs, env: Env, preferredPgMajor?: string): void {
  const missing: Missing[] = [];

  if (needs.kafka || needs.zipkin) {
    const java = findOnPath('java', env);
    const major = java ? javaMajor(java) : undefined;
    if (major === undefined || major < MIN_JAVA_MAJOR) {
      missing.push({
        what: java ? `Java ${MIN_JAVA_MAJOR}+ (found Java ${major ?? 'unknown'})` : 'java',
        aptPackages: ['openjdk-17-jre-headless'],
      });
    }
    if (!findOnPath('mvn', env))
      missing.push({ what: 'mvn (resolves the Kafka and Zipkin jars)', aptPackages: ['maven'] });
  }
  if (needs.redis && !findOnPath('redis-server', env)) {
    missing.push({ what: 'redis-server', aptPackages: ['redis-server'] });
  }
  if (needs.prometheus && !findOnPath('prometheus', env)) {
    // Debian's package also brings promtool, which the rule tests use.
    missing.push({ what: 'prometheus (and promtool)', aptPackages: ['prometheus'] });
  }
  if (needs.pg) {
    if (!findPostgresBin(env, preferredPgMajor)) {
      missing.push({
        what: env['PG_BIN']
          ? `initdb in PG_BIN=${env['PG_BIN']}`
          : `PostgreSQL server binaries (${PG_ROOT}/*/bin/initdb)`,
        aptPackages: ['postgresql'],
      });
    } else if (process.getuid?.() === 0 && !findOsUser('postgres')) {
      // initdb/postgres refuse to run as root; the Debian package creates this user.
      missing.push({
        what: 'the "postgres" OS user (PostgreSQL refuses to run as root)',
        aptPackages: ['postgresql'],
      });
    }
  }

  if (missing.length === 0) return;
  const packages = [...new Set(missing.flatMap((m) => m.aptPackages))].join(' ');
  throw new StackError(
    `missing prerequisites: ${missing.map((m) => m.what).join(', ')}\n` +
      `  install with:  apt-get install -y --no-install-recommends ${packages}\n` +
      `  (or point at existing servers with KAFKA_BROKERS / REDIS_URL / ORDERS_DATABASE_URL, ...)`,
  );
}
