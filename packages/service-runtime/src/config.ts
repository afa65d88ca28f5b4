import { z } from 'zod';
import { SAGA_MODES, problemFieldsOf } from '@order-saga/contracts';
import { retryPolicy, type RetryPolicy } from '@order-saga/resilience';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses the environment against a schema. The only place a service reads process.env; a bad
 * value stops the boot with a message naming each offending variable.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = problemFieldsOf(result.error, '(environment)').map(
    ({ field, message }) => `  ${field}: ${message}`,
  );
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

const csv = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  )
  .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port')).min(1));

/** Variables every service understands. */
export const baseConfigShape = {
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  /** Interface to listen on: all of them in a container; 127.0.0.1 for native runs. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /**
   * Operator endpoints (dead letters, compensation retry, simulator knobs) listen here, never on
   * PORT. Loopback by default, also in a container: reach it with `kubectl port-forward`, which
   * connects to the pod's own loopback, so a Service or an Ingress can never expose it.
   */
  ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).default(9080),
  ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest request body accepted (bytes); an order has at most 100 lines, far below this. */
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(10_485_760).default(65_536),
};

export const kafkaConfigShape = {
  KAFKA_BROKERS: csv,
  /** Lets tests and parallel demos share one broker in isolation. */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'may contain letters, digits, ".", "_" and "-"')
    .default(''),
  SAGA_MODE: z.enum(SAGA_MODES).default('choreography'),
  /** Partitions a consumer processes in parallel (messages within one are always sequential). */
  KAFKA_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
  /**
   * Longest time the broker holds a consumer's fetch open while there is nothing to read
   * (milliseconds). It sets only the idle fetch rate: with data the broker answers at once
   * (minBytes 1), so a longer wait adds no latency under traffic (docs/performance.md, R7).
   */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(10_000).default(500),
  /**
   * Consecutive records of one partition a consumer applies in one transaction (ADR 0016), for
   * the services whose consumers opt in; 1 applies every record in its own. The default is the
   * one measured in docs/performance.md.
   */
  KAFKA_APPLY_BATCH_MAX: z.coerce.number().int().min(1).max(1_000).default(50),
};

export const databaseConfigShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  /**
   * Whether the hot-path statements run as named prepared statements, planned once per
   * connection (docs/performance.md, Named statements). Turn it off only behind a pooler in
   * transaction mode that does not track prepared statements (PgBouncer < 1.21, or without
   * max_prepared_statements); the chart connects straight to PostgreSQL.
   */
  DATABASE_NAMED_STATEMENTS: z.stringbool().default(true),
};

const ms = (fallback: number) => z.coerce.number().int().min(0).max(600_000).default(fallback);

/**
 * Retry budgets, per deployment: a cluster whose database fails over in 30 s wants more than the
 * defaults. The consumer's per-message budget decides when a message is dead-lettered (outages
 * of a dependency never spend it); the relay retries a failed publish forever, within this cap.
 */
export const retryConfigShape = {
  CONSUMER_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(1_000).default(8),
  CONSUMER_RETRY_BASE_MS: ms(100),
  CONSUMER_RETRY_CAP_MS: ms(5_000),
  OUTBOX_RETRY_BASE_MS: ms(200),
  OUTBOX_RETRY_CAP_MS: ms(5_000),
  CONSUMER_RESTART_BASE_MS: ms(500),
  CONSUMER_RESTART_CAP_MS: ms(10_000),
  OUTBOX_RELISTEN_BASE_MS: ms(500),
  OUTBOX_RELISTEN_CAP_MS: ms(10_000),
  /**
   * How often an operator may re-drive one message from its dead-letter topic (`npm run dlt`).
   * A message that keeps failing after this many redrives needs a fix, not another try.
   */
  DEAD_LETTER_REDRIVE_CAP: z.coerce.number().int().min(0).max(100).default(3),
};

export const RetryConfig = z.object(retryConfigShape);
export type RetryConfig = z.infer<typeof RetryConfig>;

/** The consumer's per-message policy (full jitter; dead-letter when spent). */
export function messageRetryPolicy(config: RetryConfig): RetryPolicy {
  checkBaseBelowCap(config.CONSUMER_RETRY_BASE_MS, config.CONSUMER_RETRY_CAP_MS, 'CONSUMER_RETRY');
  return retryPolicy({
    baseMs: config.CONSUMER_RETRY_BASE_MS,
    capMs: config.CONSUMER_RETRY_CAP_MS,
    attempts: config.CONSUMER_RETRY_ATTEMPTS,
    jitter: 'full',
    whenExhausted: 'dead-letter',
  });
}

/** The outbox relay's publish policy (full jitter; never exhausted). */
export function outboxRetryPolicy(config: RetryConfig): RetryPolicy {
  checkBaseBelowCap(config.OUTBOX_RETRY_BASE_MS, config.OUTBOX_RETRY_CAP_MS, 'OUTBOX_RETRY');
  return retryPolicy({
    baseMs: config.OUTBOX_RETRY_BASE_MS,
    capMs: config.OUTBOX_RETRY_CAP_MS,
    attempts: Infinity,
    jitter: 'full',
    whenExhausted: 'fail',
  });
}

/**
 * Rejoining the consumer group after the consumer crashed (never exhausted). Equal jitter: a
 * rejoin makes the group rebalance, so never a near-immediate retry.
 */
export function consumerRestartPolicy(config: RetryConfig): RetryPolicy {
  const { CONSUMER_RESTART_BASE_MS: baseMs, CONSUMER_RESTART_CAP_MS: capMs } = config;
  checkBaseBelowCap(baseMs, capMs, 'CONSUMER_RESTART');
  return retryPolicy({ baseMs, capMs, attempts: Infinity, jitter: 'equal', whenExhausted: 'fail' });
}

/**
 * The relay's LISTEN for new outbox rows after the database dropped it (never exhausted). Equal
 * jitter: every replica lost its LISTEN at the same moment when the database restarted.
 */
export function outboxRelistenPolicy(config: RetryConfig): RetryPolicy {
  const { OUTBOX_RELISTEN_BASE_MS: baseMs, OUTBOX_RELISTEN_CAP_MS: capMs } = config;
  checkBaseBelowCap(baseMs, capMs, 'OUTBOX_RELISTEN');
  return retryPolicy({ baseMs, capMs, attempts: Infinity, jitter: 'equal', whenExhausted: 'fail' });
}

function checkBaseBelowCap(base: number, cap: number, prefix: string): void {
  if (base > cap)
    throw new ConfigError(
      `invalid configuration:\n  ${prefix}_BASE_MS: must not exceed ${prefix}_CAP_MS (${base} > ${cap})`,
    );
}

/**
 * Everything a saga participant reads (bootSagaParticipant's config): the base, Kafka, database
 * and retry variables. A participant's schema spreads this and adds its own.
 */
export const sagaParticipantConfigShape = {
  ...baseConfigShape,
  ...kafkaConfigShape,
  ...databaseConfigShape,
  ...retryConfigShape,
};

export const BaseConfig = z.object(baseConfigShape);
export const KafkaConfig = z.object(kafkaConfigShape);
export const DatabaseConfig = z.object(databaseConfigShape);
export type BaseConfig = z.infer<typeof BaseConfig>;
export type KafkaConfig = z.infer<typeof KafkaConfig>;
export type DatabaseConfig = z.infer<typeof DatabaseConfig>;
