import { z } from 'zod';

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
  const problems = result.error.issues.map(
    (issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`,
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
  SAGA_MODE: z.enum(['choreography', 'orchestration']).default('choreography'),
  /** Partitions a consumer processes in parallel (messages within one are always sequential). */
  KAFKA_PARTITIONS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
};

export const databaseConfigShape = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// URL' }),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
};

export const BaseConfig = z.object(baseConfigShape);
export const KafkaConfig = z.object(kafkaConfigShape);
export const DatabaseConfig = z.object(databaseConfigShape);
export type BaseConfig = z.infer<typeof BaseConfig>;
export type KafkaConfig = z.infer<typeof KafkaConfig>;
export type DatabaseConfig = z.infer<typeof DatabaseConfig>;
