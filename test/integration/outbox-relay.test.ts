import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope, type Envelope } from '@order-saga/contracts';
import { KafkaPublisher, type OutgoingRecord } from '@order-saga/messaging';
import { queryRows, type TransactionRunner } from '@order-saga/persistence';
import { OUTBOX_V1, OutboxRelay, OutboxWriter } from '@order-saga/outbox';
import { waitFor } from '../../scripts/system/wait.ts';
import { readTopics } from '../support/topic-reader.ts';
import { brokers, scratch, type Scratch } from './support/scratch.ts';

let s: Scratch;

beforeAll(async () => {
  s = await scratch('outbox', ['orders.events']);
  await s.db.query(OUTBOX_V1.up);
});

afterAll(async () => {
  await s?.dispose();
});

function fulfilled(orderId: string, n: number): Envelope {
  // OrderFulfilled carries no sequence number, so the test tags each with its correlation id.
  return createEnvelope(
    'OrderFulfilled',
    orderId,
    { orderId },
    {
      source: 'outbox-test',
      correlationId: `seq-${n}`,
      causationId: null,
      traceparent: null,
    },
  );
}

async function unpublished(): Promise<number> {
  const [row] = await queryRows<{ n: string }>(
    s.db,
    'SELECT count(*) AS n FROM outbox WHERE published_at IS NULL',
  );
  return Number(row?.n);
}

function relay(publisher: KafkaPublisher): OutboxRelay {
  return new OutboxRelay({
    db: s.db,
    databaseUrl: s.url,
    publisher,
    logger: s.logger,
    metrics: s.metrics,
    batchSize: 25,
    pollIntervalMs: 200,
  });
}

describe('outbox relay', () => {
  it('publishes committed rows once, in commit order per order, with two replicas running', async () => {
    const writer = new OutboxWriter(s.prefix);
    const orders = Array.from({ length: 8 }, () => randomUUID());
    const publishers = [new KafkaPublisher(s.kafka), new KafkaPublisher(s.kafka)];
    await Promise.all(publishers.map((p) => p.connect()));
    const relays = publishers.map(relay);
    await Promise.all(relays.map((r) => r.start()));

    let seq = 0;
    const written: Envelope[] = [];
    for (let batch = 0; batch < 40; batch++) {
      const envelopes = orders
        .slice(0, 1 + (batch % orders.length))
        .map((id) => fulfilled(id, seq++));
      await s.db.transaction((tx) => writer.append(tx, envelopes));
      written.push(...envelopes);
      // A transaction that rolls back must never reach Kafka.
      if (batch % 10 === 0) {
        await s.db
          .transaction(async (tx) => {
            await writer.append(tx, [fulfilled(orders[0] ?? '', -1)]);
            throw new Error('rollback');
          })
          .catch(() => undefined);
      }
    }
    await waitFor(
      'the outbox to drain',
      async () => ((await unpublished()) === 0 ? true : undefined),
      30_000,
    );
    await Promise.all(relays.map((r) => r.stop()));
    await Promise.all(publishers.map((p) => p.disconnect()));

    const messages = await readTopics(brokers, [s.topic('orders.events')]);
    expect(messages.map((m) => m.headers['ce_id']).sort()).toEqual(written.map((e) => e.id).sort());
    expect(messages.some((m) => m.headers['correlation-id'] === 'seq--1')).toBe(false);
    for (const orderId of orders) {
      const onTopic = messages
        .filter((m) => m.key === orderId)
        .sort((a, b) => Number(a.offset) - Number(b.offset));
      const sequence = onTopic.map((m) => Number(m.headers['correlation-id']?.slice(4)));
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
    }
  });

  it('loses nothing when it crashes between the send and the commit (at-least-once)', async () => {
    const writer = new OutboxWriter(s.prefix);
    const orderId = randomUUID();
    const envelopes = Array.from({ length: 5 }, (_, i) => fulfilled(orderId, 1000 + i));
    await s.db.transaction((tx) => writer.append(tx, envelopes));

    // A publisher whose acknowledgement "crashes" after Kafka accepted the batch.
    const real = new KafkaPublisher(s.kafka);
    await real.connect();
    const crashing = Object.assign(Object.create(real) as KafkaPublisher, {
      async publish(records: readonly OutgoingRecord[]): Promise<void> {
        await real.publish(records);
        throw new Error('simulated crash after send, before commit');
      },
    });
    await expect(relay(crashing).drain()).rejects.toThrow('simulated crash');
    expect(await unpublished()).toBe(5);

    await relay(real).drain();
    expect(await unpublished()).toBe(0);
    await real.disconnect();

    const messages = (await readTopics(brokers, [s.topic('orders.events')])).filter(
      (m) => m.key === orderId,
    );
    // Every event arrived; the crashed attempt's copies arrive again (consumers' inboxes dedupe).
    expect(new Set(messages.map((m) => m.headers['ce_id']))).toEqual(
      new Set(envelopes.map((e) => e.id)),
    );
    expect(messages).toHaveLength(10);
  });

  it('publishes a burst of commits that notified before its claim in one cycle', async () => {
    // Counts the relay's cycles (each is one transaction) and holds the first one back before
    // its claim until every commit of the burst has notified.
    let cycles = 0;
    let holding = false;
    let release = (): void => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const counting: TransactionRunner = {
      query: (sql, parameters) => s.db.query(sql, parameters),
      async transaction(work) {
        cycles += 1;
        if (holding) await hold;
        return s.db.transaction(work);
      },
    };
    const publisher = new KafkaPublisher(s.kafka);
    await publisher.connect();
    // A poll far beyond the test's waits: only notifications wake this relay.
    const burst = new OutboxRelay({
      db: counting,
      databaseUrl: s.url,
      publisher,
      logger: s.logger,
      metrics: s.metrics,
      pollIntervalMs: 120_000,
    });
    await burst.start();
    const woke = () => Promise.resolve(cycles > 0 ? true : undefined);
    await waitFor('the first drain', woke);
    await new Promise((resolve) => setTimeout(resolve, 300));

    holding = true;
    cycles = 0;
    const writer = new OutboxWriter(s.prefix);
    for (let i = 0; i < 10; i++)
      await s.db.transaction((tx) => writer.append(tx, [fulfilled(randomUUID(), 3000 + i)]));
    await waitFor('the relay to wake', woke);
    // Every NOTIFY reaches the LISTEN connection well within this (same machine).
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    await waitFor(
      'the burst to be published',
      async () => ((await unpublished()) === 0 ? true : undefined),
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await burst.stop();
    await publisher.disconnect();
    // Before: one more cycle for the notifications that arrived during the first, claiming none.
    expect(cycles).toBe(1);
  });

  it('listens again after losing its LISTEN connection, so commits still wake it at once', async () => {
    const listeners = async (): Promise<number[]> =>
      (
        await queryRows<{ pid: number }>(
          s.db,
          `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
        )
      ).map((row) => row.pid);
    const publisher = new KafkaPublisher(s.kafka);
    await publisher.connect();
    // A poll far beyond the test's waits: only a notification can wake this relay in time.
    const sleepy = new OutboxRelay({
      db: s.db,
      databaseUrl: s.url,
      publisher,
      logger: s.logger,
      metrics: s.metrics,
      pollIntervalMs: 120_000,
    });
    await sleepy.start();
    const [first] = await waitFor('the LISTEN connection', async () => {
      const pids = await listeners();
      return pids.length === 1 ? pids : undefined;
    });
    await s.db.query('SELECT pg_terminate_backend($1)', [first]);
    await waitFor('a new LISTEN connection', async () => {
      const pids = await listeners();
      return pids.length === 1 && pids[0] !== first ? true : undefined;
    });

    const writer = new OutboxWriter(s.prefix);
    await s.db.transaction((tx) => writer.append(tx, [fulfilled(randomUUID(), 2000)]));
    await waitFor(
      'the notified relay to publish',
      async () => ((await unpublished()) === 0 ? true : undefined),
      10_000,
    );
    await sleepy.stop();
    await publisher.disconnect();
  });
});
