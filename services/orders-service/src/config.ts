import { z } from 'zod';
import { ORDER_SAGA } from '@order-saga/saga-definition';
import { loadConfig, sagaParticipantConfigShape } from '@order-saga/service-runtime';

const OrdersConfig = z.object({
  ...sagaParticipantConfigShape,
  /**
   * How long a saga may run before it is compensated (milliseconds), within the declared saga's
   * bounds; an order may ask for its own (`deadlineSeconds`).
   */
  SAGA_DEADLINE_MS: z.coerce
    .number()
    .int()
    .min(ORDER_SAGA.deadline.minMs)
    .max(ORDER_SAGA.deadline.maxMs)
    .default(ORDER_SAGA.deadline.defaultMs),
  /**
   * How often the deadline sweeper (choreography) looks for sagas past their deadline, and the
   * backlog gauges are sampled (milliseconds).
   */
  SAGA_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /**
   * Load shedding: POST /orders answers 503 with Retry-After while this many sagas (or more) are
   * unfinished, every replica's (0: never shed). The default is about 40 s of work at the saga's
   * measured 50 orders/s, far inside the 5 min deadline; set it from your own knee (npm run bench)
   * times the time you are willing to let an order wait.
   */
  ORDERS_MAX_IN_FLIGHT: z.coerce.number().int().min(0).default(2_000),
  /**
   * Load shedding on what queues first: POST /orders answers 503 with Retry-After while this many
   * requests (or more) wait for one of this replica's pooled database connections
   * (DATABASE_POOL_SIZE), instead of queueing behind them until the pool's connect timeout
   * (0: never shed on the pool).
   */
  ORDERS_MAX_POOL_WAITING: z.coerce.number().int().min(0).default(10),
  /** The Retry-After of a shed POST (seconds): about how long the backlog takes to drain below the bound. */
  ORDERS_SHED_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(600).default(2),
  /**
   * Redis for the idempotency cache (in-flight markers, completed responses). Optional: without
   * it, or while it is down, Idempotency-Key is decided by PostgreSQL alone (ADR 0011).
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
  /** How long an Idempotency-Key stays taken after its request (milliseconds; default 24 h). */
  IDEMPOTENCY_KEY_TTL_MS: z.coerce.number().int().min(1_000).default(86_400_000),
  /** How long Redis keeps a completed response (milliseconds); PostgreSQL keeps it for the key's TTL. */
  IDEMPOTENCY_CACHE_TTL_MS: z.coerce.number().int().min(1_000).default(600_000),
  /**
   * How long a request's in-flight marker outlives a holder that died without releasing it
   * (milliseconds). Longer than any request; a duplicate is told 409 meanwhile.
   */
  IDEMPOTENCY_IN_FLIGHT_TTL_MS: z.coerce.number().int().min(1_000).default(10_000),
  /** Time between sweeps deleting expired idempotency records (milliseconds). */
  IDEMPOTENCY_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(60_000),
  /** Expired idempotency records deleted per statement. */
  IDEMPOTENCY_SWEEP_BATCH: z.coerce.number().int().min(1).max(100_000).default(1_000),
});

export type OrdersConfig = z.infer<typeof OrdersConfig>;

export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(OrdersConfig, env);
}
