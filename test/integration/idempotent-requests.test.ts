import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExpiredKeysSweeper,
  IDEMPOTENCY_V1,
  IdempotencyCache,
  IdempotencyRecords,
  IdempotentRequests,
  type IdempotencyOutcome,
  type IdempotentRequest,
  type RecordResponse,
  type StoredResponse,
} from '@order-saga/idempotency';
import { queryRows } from '@order-saga/persistence';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';
import { waitFor } from '../../scripts/system/wait.ts';
import { scratch, type Scratch } from './support/scratch.ts';

let s: Scratch;
const records = new IdempotencyRecords();
const caches: IdempotencyCache[] = [];
const redisUrl = resolveStackEndpoints(process.env).redis.url;

beforeAll(async () => {
  s = await scratch('idempotency');
  await s.db.query(IDEMPOTENCY_V1.up);
  await s.db.query('CREATE TABLE effects (id serial PRIMARY KEY, idempotency_key text NOT NULL)');
});

afterAll(async () => {
  for (const cache of caches) await cache.stop();
  await s?.dispose();
});

async function cacheAt(url: string): Promise<IdempotencyCache> {
  const cache = new IdempotencyCache({
    url,
    namespace: `it-${randomUUID()}:`,
    logger: s.logger,
  });
  caches.push(cache);
  await cache.start();
  return cache;
}

function requests(cache: IdempotencyCache | undefined, keyTtlMs = 60_000): IdempotentRequests {
  return new IdempotentRequests({
    db: s.db,
    records,
    cache,
    logger: s.logger,
    metrics: s.metrics,
    keyTtlMs,
    inFlightTtlMs: 5_000,
    cacheTtlMs: 60_000,
  });
}

/** The guarded command: one effect row and its response, in one transaction. */
function command(key: string): (record: RecordResponse) => Promise<StoredResponse> {
  return (record) =>
    s.db.transaction(async (tx) => {
      const [row] = await queryRows<{ id: number }>(
        tx,
        'INSERT INTO effects (idempotency_key) VALUES ($1) RETURNING id',
        [key],
      );
      const response: StoredResponse = {
        status: 201,
        headers: { 'content-type': 'application/json', location: `/effects/${row?.id}` },
        body: JSON.stringify({ id: row?.id, key }),
      };
      await record(response, tx);
      return response;
    });
}

async function effects(key: string): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    s.db,
    'SELECT count(*) AS n FROM effects WHERE idempotency_key = $1',
    [key],
  );
  return Number(row?.n);
}

function request(key: string, fingerprint = 'f'.repeat(64)): IdempotentRequest {
  return { scope: 'it', key, fingerprint };
}

function tally(outcomes: IdempotencyOutcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) counts[o.kind] = (counts[o.kind] ?? 0) + 1;
  return counts;
}

async function race(guard: IdempotentRequests, key: string, n: number) {
  return Promise.all(Array.from({ length: n }, () => guard.run(request(key), command(key))));
}

function counter(name: string, labels: string): Promise<number> {
  return s.metrics.registry.getSingleMetricAsString(name).then((text) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? 0 : Number(line.split(' ').at(-1));
  });
}

describe('idempotent requests', () => {
  it('runs 50 concurrent requests with one key once: the others are told 409 by Redis or replayed', async () => {
    const guard = requests(await cacheAt(redisUrl));
    const key = randomUUID();
    const outcomes = await race(guard, key, 50);
    expect(await effects(key)).toBe(1);
    const counts = tally(outcomes);
    expect(counts['executed']).toBe(1);
    expect((counts['in-flight'] ?? 0) + (counts['replayed'] ?? 0)).toBe(49);
    const executed = outcomes.find((o) => o.kind === 'executed');
    for (const o of outcomes)
      if (o.kind === 'replayed' && executed?.kind === 'executed')
        expect(o.response).toEqual(executed.response);
    // Once done, the next retry is answered from Redis, without PostgreSQL.
    const retry = await guard.run(request(key), command(key));
    expect(retry).toMatchObject({ kind: 'replayed', source: 'cache' });
    expect(await effects(key)).toBe(1);
  });

  it('without Redis, PostgreSQL alone lets exactly one of 50 racing requests record; the rest replay it', async () => {
    const guard = requests(undefined);
    const key = randomUUID();
    const outcomes = await race(guard, key, 50);
    expect(await effects(key)).toBe(1);
    expect(tally(outcomes)).toEqual({ executed: 1, replayed: 49 });
  });

  it('with Redis unreachable, requests still work from PostgreSQL, and the failures are counted', async () => {
    const before = await counter('idempotency_cache_errors_total', 'operation="claim"');
    const guard = requests(await cacheAt('redis://127.0.0.1:1'));
    const key = randomUUID();
    const outcomes = await race(guard, key, 20);
    expect(await effects(key)).toBe(1);
    expect(tally(outcomes)).toEqual({ executed: 1, replayed: 19 });
    expect(await counter('idempotency_cache_errors_total', 'operation="claim"')).toBe(before + 20);
  });

  it('answers a changed request under a used key with a mismatch, from Redis and from PostgreSQL', async () => {
    const key = randomUUID();
    const cached = requests(await cacheAt(redisUrl));
    expect((await cached.run(request(key), command(key))).kind).toBe('executed');
    const other = request(key, 'e'.repeat(64));
    expect(await cached.run(other, command(key))).toEqual({ kind: 'mismatch' });
    expect(await requests(undefined).run(other, command(key))).toEqual({ kind: 'mismatch' });
    expect(await effects(key)).toBe(1);
  });

  it('replays from PostgreSQL when Redis lost the response, and caches it again', async () => {
    const key = randomUUID();
    const first = requests(await cacheAt(redisUrl));
    const executed = await first.run(request(key), command(key));
    // A fresh namespace is a flushed Redis as far as this key is concerned.
    const flushed = requests(await cacheAt(redisUrl));
    const fromDatabase = await flushed.run(request(key), command(key));
    expect(fromDatabase).toMatchObject({ kind: 'replayed', source: 'database' });
    if (executed.kind === 'executed' && fromDatabase.kind === 'replayed')
      expect(fromDatabase.response).toEqual(executed.response);
    expect(await flushed.run(request(key), command(key))).toMatchObject({ source: 'cache' });
    expect(await effects(key)).toBe(1);
  });

  it('releases the key when the command fails, so a retry runs it', async () => {
    const key = randomUUID();
    const guard = requests(await cacheAt(redisUrl));
    await expect(
      guard.run(request(key), () => Promise.reject(new Error('database unreachable'))),
    ).rejects.toThrow('database unreachable');
    expect((await guard.run(request(key), command(key))).kind).toBe('executed');
  });

  it('never replays from Redis a response whose record PostgreSQL already expired', async () => {
    // The command commits 600 ms after its transaction began (PostgreSQL's now()): the cached copy
    // must expire with the record, not 600 ms after it.
    const key = randomUUID();
    const guard = requests(await cacheAt(redisUrl), 1_000);
    const slow: (record: RecordResponse) => Promise<StoredResponse> = (record) =>
      s.db.transaction(async (tx) => {
        const response: StoredResponse = { status: 201, headers: {}, body: '{}' };
        await tx.query('INSERT INTO effects (idempotency_key) VALUES ($1)', [key]);
        await record(response, tx);
        await new Promise((resolve) => setTimeout(resolve, 600));
        return response;
      });
    expect((await guard.run(request(key), slow)).kind).toBe('executed');
    await waitFor(
      'the record to expire',
      async () => ((await records.find(s.db, 'it', key)) === undefined ? true : undefined),
      5_000,
      20,
    );
    expect((await guard.run(request(key), slow)).kind).toBe('executed');
    expect(await effects(key)).toBe(2);
  });

  it('frees an expired key for a new request, and sweeps expired records in bounded batches', async () => {
    const key = randomUUID();
    const guard = requests(await cacheAt(redisUrl), 1_000);
    expect((await guard.run(request(key), command(key))).kind).toBe('executed');
    await waitFor('the key to expire', async () =>
      (await records.find(s.db, 'it', key)) === undefined ? true : undefined,
    );
    expect((await guard.run(request(key, 'd'.repeat(64)), command(key))).kind).toBe('executed');
    expect(await effects(key)).toBe(2);

    await s.db.query(
      `INSERT INTO idempotency_keys (scope, idempotency_key, fingerprint, status_code, headers, body, expires_at)
       SELECT 'sweep', 'k' || i, repeat('0', 64), 201, '{}', '', now() - interval '1 minute'
         FROM generate_series(1, 25) AS i`,
    );
    const sweeper = new ExpiredKeysSweeper({
      db: s.db,
      records,
      logger: s.logger,
      batchSize: 10,
    });
    expect(await sweeper.sweep()).toBeGreaterThanOrEqual(25);
    const [left] = await queryRows<{ n: string }>(
      s.db,
      'SELECT count(*) AS n FROM idempotency_keys WHERE expires_at <= now()',
    );
    expect(Number(left?.n)).toBe(0);
  });
});
