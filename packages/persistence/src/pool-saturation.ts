import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';

/** pg-pool's words when a request waited in its queue for longer than connectionTimeoutMillis. */
export const POOL_QUEUE_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

/** The code of a PoolSaturatedError, for logs and dead-letter records. */
export const POOL_SATURATED_CODE = 'DB_POOL_SATURATED';

/**
 * How recently the pool must have got a connection back from a finished query for a queue
 * timeout to mean "every connection is busy" rather than "the database stopped answering".
 */
export const POOL_PROGRESS_WINDOW_MS = 1_000;

/**
 * A request waited for a pooled connection until the pool's connect timeout while the database
 * kept answering the others: the service is at capacity, its database is not down. Nothing was
 * sent to the database for this request, so nothing changed. Not an outage of the database
 * (isDatabaseUnavailable is false for it): an HTTP request answers 503 SERVICE.OVERLOADED, a
 * consumer retries the message without spending its attempts.
 */
export class PoolSaturatedError extends Error {
  override readonly name = 'PoolSaturatedError';
  readonly code = POOL_SATURATED_CODE;
  constructor(
    readonly load: PoolLoad,
    readonly waitedMs: number,
    options: { readonly cause: unknown },
  ) {
    super(
      `no pooled database connection came free within ${waitedMs} ms: ` +
        `${load.total} of ${load.size} in use, ${load.waiting} more waiting; the database is answering`,
      options,
    );
  }
}

/** Whether the error (or what it wraps) is a saturated pool: see PoolSaturatedError. */
export function isPoolSaturated(error: unknown): boolean {
  for (let candidate = error, depth = 0; depth <= 5; depth += 1) {
    if (candidate instanceof PoolSaturatedError) return true;
    if (typeof candidate !== 'object' || candidate === null) return false;
    if ('driverError' in candidate) candidate = candidate.driverError;
    else if ('cause' in candidate) candidate = candidate.cause;
    else return false;
  }
  return false;
}

/** The pool's state now. `size` is its maximum; `total` the connections open or opening. */
export interface PoolLoad {
  readonly size: number;
  readonly total: number;
  readonly idle: number;
  /** Requests queued for a connection. */
  readonly waiting: number;
  /**
   * Whether the database is answering this pool: a connection came back from a query (or
   * opened) within the last POOL_PROGRESS_WINDOW_MS, or nothing is queued. False means the
   * queue is not moving (the database stopped answering): that is an outage, not saturation.
   */
  readonly answering: boolean;
}

/** Reads the state of a database's connection pool, synchronously (a few property reads). */
export type PoolGauge = () => PoolLoad;

/** When each watched pool last got a connection back; see classifyPoolTimeouts. */
const lastReturned = new WeakMap<object, { at: number; readonly now: () => number }>();

/** The pool's counters; what the pg Pool exposes, read only. */
type ObservedPool = Pick<Pool, 'totalCount' | 'idleCount' | 'waitingCount' | 'options'>;

function answering(pool: ObservedPool): boolean {
  const watch = lastReturned.get(pool);
  return watch === undefined || watch.now() - watch.at <= POOL_PROGRESS_WINDOW_MS;
}

export function poolLoad(pool: ObservedPool): PoolLoad {
  const waiting = pool.waitingCount;
  return {
    size: pool.options.max ?? 10,
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting,
    answering: waiting === 0 || answering(pool),
  };
}

/**
 * Teaches a pg Pool to tell its two connect timeouts apart. pg-pool answers a request that waited
 * in its queue too long with "timeout exceeded when trying to connect"; that happens both when
 * every connection is busy serving a database that answers (saturation) and when every
 * connection hangs on one that does not (a partition). The difference is whether the pool is
 * still getting connections back: if one came back from a query while the request waited, or
 * within the last POOL_PROGRESS_WINDOW_MS, the database is answering and the error becomes a
 * PoolSaturatedError;
 * otherwise it stays as it was and isDatabaseUnavailable reads it as an outage. (A connection
 * that cannot be opened fails differently, "Connection terminated due to connection timeout" or
 * a socket error, and is left alone.) Wraps `connect` on this pool instance; `pool.query` and
 * TypeORM both check out through it.
 */
export function classifyPoolTimeouts(
  pool: Pool,
  now: () => number = () => performance.now(),
): void {
  const watch = { at: Number.NEGATIVE_INFINITY, now };
  lastReturned.set(pool, watch);
  pool.on('release', (error: Error | undefined | null) => {
    if (error === undefined || error === null) watch.at = now();
  });
  // A new connection that opened is an answer from the server too.
  pool.on('connect', () => {
    watch.at = now();
  });
  const timeoutMs = pool.options.connectionTimeoutMillis ?? 0;
  // Saturated when a connection came back during this request's own wait (however long ago: an
  // event loop that lags past the window must not turn a busy pool into an outage), or recently.
  const classify = (error: unknown, queuedAt: number): unknown => {
    if (!(error instanceof Error) || error.message !== POOL_QUEUE_TIMEOUT_MESSAGE) return error;
    if (watch.at < queuedAt && !answering(pool)) return error;
    return new PoolSaturatedError(poolLoad(pool), timeoutMs, { cause: error });
  };
  const connect = pool.connect.bind(pool) as (
    callback?: (error: Error | undefined, client?: PoolClient, done?: () => void) => void,
  ) => Promise<PoolClient> | undefined;
  const classified = (
    callback?: (error: unknown, client?: PoolClient, done?: () => void) => void,
  ): Promise<PoolClient> | undefined => {
    const queuedAt = now();
    if (callback === undefined)
      return (connect() as Promise<PoolClient>).catch((error: unknown) => {
        throw classify(error, queuedAt);
      });
    return connect((error, client, done) => callback(classify(error, queuedAt), client, done));
  };
  Object.assign(pool, { connect: classified });
}

/** The pg Pool behind a TypeORM DataSource on the postgres driver, if it has one. */
export function pgPoolOf(dataSource: DataSource): Pool | undefined {
  const master: unknown = (dataSource.driver as { master?: unknown }).master;
  if (typeof master !== 'object' || master === null) return undefined;
  return 'waitingCount' in master && 'connect' in master ? (master as Pool) : undefined;
}

const NO_POOL: PoolLoad = { size: 0, total: 0, idle: 0, waiting: 0, answering: true };

/** Reads the pool of an initialized DataSource (all zeros if it has no pg pool). */
export function poolGaugeOf(dataSource: DataSource): PoolGauge {
  return () => {
    const pool = pgPoolOf(dataSource);
    return pool === undefined ? NO_POOL : poolLoad(pool);
  };
}
