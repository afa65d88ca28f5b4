// Where the native stack's servers listen, as seen by tests, the demo and the benchmark.
// Dependency-free on purpose: tests import it without pulling in pg, ioredis or kafkajs.

export type Env = Readonly<Record<string, string | undefined>>;

/** One database per service on the shared PostgreSQL server (no service reads another's). */
export const SERVICE_DATABASES = ['orders', 'payments', 'fulfillment', 'saga'] as const;
export type ServiceDatabase = (typeof SERVICE_DATABASES)[number];

/** The superuser created by initdb; trust auth, so no password (127.0.0.1 only). */
export const PG_SUPERUSER = 'saga';

/** Loopback only: the stack is a dev/CI convenience and must never be reachable from outside. */
export const STACK_HOST = '127.0.0.1';

// High ports so the stack never collides with a system PostgreSQL (5432), Redis (6379), Kafka
// (9092), Zipkin (9411) or Prometheus (9090, where Debian's prometheus package starts its own
// service).
const DEFAULT_PORTS = {
  pg: 55432,
  redis: 56379,
  kafka: 59092,
  kafkaController: 59093,
  zipkin: 59411,
  prometheus: 59090,
} as const;

export interface StackPorts {
  pg: number;
  redis: number;
  kafka: number;
  kafkaController: number;
  zipkin: number;
  prometheus: number;
}

export interface StackEndpoints {
  ports: StackPorts;
  /** `external` means the URL came from the environment and the stack does not manage that server. */
  kafka: { brokers: string[]; external: boolean };
  redis: { url: string; external: boolean };
  postgres: { urls: Record<ServiceDatabase, string>; external: boolean };
  /** The trace backend: its UI under /zipkin/, its API under /api/v2/. */
  zipkin: { url: string; external: boolean };
  /** Always the stack's own: it reads the stack's scrape-target files and the chart's rules. */
  prometheus: { url: string };
}

export function databaseUrlVariable(db: ServiceDatabase): string {
  return `${db.toUpperCase()}_DATABASE_URL`;
}

export function resolveStackPorts(env: Env): StackPorts {
  return {
    pg: readPort(env, 'STACK_PG_PORT', DEFAULT_PORTS.pg),
    redis: readPort(env, 'STACK_REDIS_PORT', DEFAULT_PORTS.redis),
    kafka: readPort(env, 'STACK_KAFKA_PORT', DEFAULT_PORTS.kafka),
    kafkaController: readPort(env, 'STACK_KAFKA_CONTROLLER_PORT', DEFAULT_PORTS.kafkaController),
    zipkin: readPort(env, 'STACK_ZIPKIN_PORT', DEFAULT_PORTS.zipkin),
    prometheus: readPort(env, 'STACK_PROMETHEUS_PORT', DEFAULT_PORTS.prometheus),
  };
}

/**
 * Endpoints from the environment, else the stack's own. A variable counts as external only if it
 * points elsewhere: after `eval "$(npm run -s stack -- env)"` the shell holds the stack's own URLs,
 * and `down` must still stop the servers the stack started.
 */
export function resolveStackEndpoints(env: Env = process.env): StackEndpoints {
  const ports = resolveStackPorts(env);
  const own = {
    brokers: `${STACK_HOST}:${ports.kafka}`,
    redis: `redis://${STACK_HOST}:${ports.redis}`,
    pg: (db: string) => `postgres://${PG_SUPERUSER}@${STACK_HOST}:${ports.pg}/${db}`,
    zipkin: `http://${STACK_HOST}:${ports.zipkin}`,
  };

  const brokers = nonEmpty(env['KAFKA_BROKERS'])
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  const redisUrl = nonEmpty(env['REDIS_URL']);
  const zipkinUrl = nonEmpty(env['ZIPKIN_URL'])?.replace(/\/+$/, '');

  return {
    ports,
    kafka: brokers?.length
      ? { brokers, external: brokers.join(',') !== own.brokers }
      : { brokers: [own.brokers], external: false },
    redis: redisUrl
      ? { url: redisUrl, external: redisUrl !== own.redis }
      : { url: own.redis, external: false },
    postgres: resolvePostgres(env, own.pg),
    zipkin: zipkinUrl
      ? { url: zipkinUrl, external: zipkinUrl !== own.zipkin }
      : { url: own.zipkin, external: false },
    prometheus: { url: `http://${STACK_HOST}:${ports.prometheus}` },
  };
}

/**
 * Any *_DATABASE_URL set (and not the stack's own) means PostgreSQL is external. Unset ones are
 * derived from the first set one by swapping the database name, so `ORDERS_DATABASE_URL=
 * postgres://u@db:5432/orders` alone points every service at that server (the databases must
 * already exist there).
 */
function resolvePostgres(env: Env, own: (db: string) => string): StackEndpoints['postgres'] {
  const given = SERVICE_DATABASES.map(
    (db) => [db, nonEmpty(env[databaseUrlVariable(db)])] as const,
  );
  const template = given.find(([, url]) => url !== undefined)?.[1];
  const urls = {} as Record<ServiceDatabase, string>;
  for (const [db, url] of given)
    urls[db] = url ?? (template ? withDatabase(template, db) : own(db));
  const external = SERVICE_DATABASES.some((db) => urls[db] !== own(db));
  return { urls, external };
}

/** For display only (status, logs): hides a password, keeps the rest copy-pastable. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url; // not a URL (e.g. host:port): nothing secret in it
  }
}

function withDatabase(url: string, db: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

function readPort(env: Env, name: string, fallback: number): number {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw}"`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
