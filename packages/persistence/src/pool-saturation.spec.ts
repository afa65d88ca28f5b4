import { EventEmitter } from 'node:events';
import { Pool, type PoolClient } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable';
import {
  POOL_QUEUE_TIMEOUT_MESSAGE,
  POOL_SATURATED_CODE,
  PoolSaturatedError,
  classifyPoolTimeouts,
  isPoolSaturated,
  poolLoad,
} from './pool-saturation';

// The real pg-pool, with clients that never touch a network: a server that answers (connect
// succeeds at once) or one that does not (connect never calls back).
let answers = true;
class FakeClient extends EventEmitter {
  readonly _queryable = true;
  readonly _ending = false;
  private pending: ((error?: Error) => void) | undefined;
  connect(callback: (error?: Error) => void): void {
    if (answers) setImmediate(() => callback());
    else this.pending = callback;
  }
  // pg-pool ends a client whose connect timed out; pg then fails the connect.
  end(callback?: () => void): void {
    this.pending?.(new Error('Connection terminated'));
    this.pending = undefined;
    callback?.();
  }
  isConnected(): boolean {
    return false;
  }
}

const pools: Pool[] = [];
const held: PoolClient[] = [];
afterEach(async () => {
  answers = true;
  for (const client of held.splice(0)) client.release();
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => undefined)));
});

/** A checkout the test keeps until it ends. */
async function hold(db: Pool): Promise<PoolClient> {
  const client = await db.connect();
  held.push(client);
  return client;
}

function pool(max: number, connectionTimeoutMillis: number): Pool {
  const created = new Pool({ max, connectionTimeoutMillis, Client: FakeClient as never });
  classifyPoolTimeouts(created);
  pools.push(created);
  return created;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('classifyPoolTimeouts', () => {
  it('a queue timeout while connections keep coming back is a saturated pool, not an outage', async () => {
    const db = pool(1, 200);
    const first = await db.connect();
    // The one connection is given back and taken again: the database answers, the pool is busy.
    const second = hold(db);
    await sleep(20);
    first.release();
    await second;
    const busy = await db.connect().catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(PoolSaturatedError);
    expect(isPoolSaturated(busy)).toBe(true);
    expect(isDatabaseUnavailable(busy)).toBe(false);
    expect((busy as PoolSaturatedError).code).toBe(POOL_SATURATED_CODE);
    expect((busy as Error).message).toMatch(/within 200 ms: 1 of 1 in use, 0 more waiting/);
    expect(((busy as Error).cause as Error).message).toBe(POOL_QUEUE_TIMEOUT_MESSAGE);
  });

  it('a queue timeout while nothing came back for a while stays an outage of the database', async () => {
    const db = pool(1, 1_500);
    await hold(db);
    // Every connection hangs (a partition): nothing is given back during the wait.
    const queued = db.connect().catch((e: unknown) => e);
    await sleep(1_200);
    // The shedding reads this too: a queue that does not move is not saturation.
    expect(poolLoad(db)).toMatchObject({ waiting: 1, answering: false });
    const hung = await queued;
    expect(hung).toBeInstanceOf(Error);
    expect((hung as Error).message).toBe(POOL_QUEUE_TIMEOUT_MESSAGE);
    expect(isPoolSaturated(hung)).toBe(false);
    expect(isDatabaseUnavailable(hung)).toBe(true);
  });

  it('a connection that came back during the wait, longer ago than the window, still means saturated', async () => {
    const db = pool(1, 1_500);
    const a = await db.connect();
    const taker = hold(db);
    const late = db.connect().catch((e: unknown) => e);
    await sleep(100);
    // Handed to the first waiter, which keeps it: the last return is 1.4 s old at the timeout.
    a.release();
    await taker;
    expect(await late).toBeInstanceOf(PoolSaturatedError);
  });

  it('a connection that cannot be opened in time is left as it was (an outage)', async () => {
    answers = false;
    const db = pool(2, 100);
    const failed = await db.connect().catch((e: unknown) => e);
    expect(isPoolSaturated(failed)).toBe(false);
    expect(isDatabaseUnavailable(failed)).toBe(true);
  });

  it('callback checkouts (TypeORM, pool.query) are classified too', async () => {
    const db = pool(1, 200);
    const first = await db.connect();
    first.release();
    await hold(db);
    const error = await new Promise<unknown>((resolve) =>
      db.connect((e: Error | undefined, client: PoolClient | undefined) => {
        client?.release();
        resolve(e);
      }),
    );
    expect(error).toBeInstanceOf(PoolSaturatedError);
  });

  it('reads the load the shedding decides on', async () => {
    const db = pool(2, 1_000);
    const a = await db.connect();
    await hold(db);
    const queued = hold(db);
    await sleep(5);
    expect(poolLoad(db)).toEqual({ size: 2, total: 2, idle: 0, waiting: 1, answering: true });
    a.release();
    await queued;
    expect(poolLoad(db).waiting).toBe(0);
  });
});

describe('isPoolSaturated', () => {
  const saturated = new PoolSaturatedError(
    { size: 10, total: 10, idle: 0, waiting: 3, answering: true },
    5_000,
    {
      cause: new Error(POOL_QUEUE_TIMEOUT_MESSAGE),
    },
  );

  it.each([
    ['the error itself', saturated],
    ['wrapped by TypeORM', Object.assign(new Error('query failed'), { driverError: saturated })],
    ['in a cause chain', new Error('saving failed', { cause: saturated })],
  ])('is true for %s, and the database is not unavailable', (_what, error) => {
    expect(isPoolSaturated(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['the bare queue timeout', new Error(POOL_QUEUE_TIMEOUT_MESSAGE)],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['nothing', undefined],
  ])('is false for %s', (_what, error) => {
    expect(isPoolSaturated(error)).toBe(false);
  });
});
