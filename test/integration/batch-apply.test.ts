// Records applied in batches (ADR 0016), against the real PostgreSQL and Kafka: one transaction
// for a partition's records, and every guarantee of one-by-one kept when a batch fails.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnvelope,
  encodeEnvelope,
  type AnyEnvelope,
  type Envelope,
} from '@order-saga/contracts';
import { INBOX_V1, InboxTransactions } from '@order-saga/inbox';
import { EventConsumer, KafkaPublisher, TerminalError, type Delivery } from '@order-saga/messaging';
import { OUTBOX_V1, OutboxWriter } from '@order-saga/outbox';
import { queryRows } from '@order-saga/persistence';
import { waitFor } from '../../scripts/system/wait.ts';
import { readTopics } from '../support/topic-reader.ts';
import { brokers, scratch, type Scratch } from './support/scratch.ts';

let s: Scratch;
let publisher: KafkaPublisher;
let inbox: InboxTransactions;

beforeAll(async () => {
  // A topic per test: a new group reads its topic from the start.
  s = await scratch('batch_apply', ['one-tx', 'poison', 'poison.dlt', 'again']);
  await s.db.query(OUTBOX_V1.up);
  await s.db.query(INBOX_V1.up);
  // seq: the order effects were written in; txid: the transaction that wrote them.
  await s.db.query(
    `CREATE TABLE effects (seq bigserial, message_id uuid NOT NULL, tag text NOT NULL,
       txid bigint NOT NULL DEFAULT txid_current())`,
  );
  inbox = new InboxTransactions(s.db, new OutboxWriter(s.prefix), 'batch.test', s.metrics);
  publisher = new KafkaPublisher(s.kafka);
  await publisher.connect();
});

afterAll(async () => {
  await publisher?.disconnect();
  await s?.dispose();
});

function fulfilled(orderId: string, tag: string): Envelope {
  return createEnvelope(
    'OrderFulfilled',
    orderId,
    { orderId },
    { source: 'batch-test', correlationId: tag, causationId: null, traceparent: null },
  );
}

function records(topic: string, envelopes: readonly Envelope[]) {
  return envelopes.map((envelope) => ({ ...encodeEnvelope(envelope), topic: s.topic(topic) }));
}

/** What a service's handler does: one inbox apply, then code that must run once, after commit. */
function handler(afterCommit: Map<string, number>) {
  return async (envelope: AnyEnvelope, delivery: Delivery): Promise<void> => {
    const applied = await inbox.apply(envelope, delivery, async (tx) => {
      await tx.query('INSERT INTO effects (message_id, tag) VALUES ($1, $2)', [
        envelope.id,
        envelope.correlationId,
      ]);
      if (envelope.correlationId.startsWith('poison'))
        throw new TerminalError('ORDER.UNKNOWN', 'refused on purpose, after an effect');
      return {
        result: undefined,
        messages: [fulfilled(envelope.subject, `out-${envelope.correlationId}`)],
      };
    });
    if (applied.duplicate) return;
    // Seen from another connection: the effect is committed by the time this code runs.
    const [row] = await queryRows<{ n: string }>(
      s.db,
      'SELECT count(*) AS n FROM effects WHERE message_id = $1',
      [envelope.id],
    );
    if (row?.n !== '1') throw new Error(`after-commit code ran before the commit (${row?.n})`);
    afterCommit.set(envelope.correlationId, (afterCommit.get(envelope.correlationId) ?? 0) + 1);
  };
}

function consumer(topic: string, group: string, afterCommit: Map<string, number>) {
  return new EventConsumer(s.kafka, {
    groupId: `${s.prefix}${group}`,
    topics: [s.topic(topic)],
    accepts: ['OrderFulfilled'],
    publisher,
    logger: s.logger,
    metrics: s.metrics,
    retry: { baseMs: 10, capMs: 50, attempts: 3, jitter: 'full', whenExhausted: 'dead-letter' },
    handler: handler(afterCommit),
    batchApply: { unitOfWork: inbox.batches, maxRecords: 50 },
  });
}

async function effectsOf(tags: readonly string[]) {
  return queryRows<{ tag: string; txid: string }>(
    s.db,
    'SELECT tag, txid::text FROM effects WHERE tag = ANY($1) ORDER BY seq',
    [tags],
  );
}

async function until(tag: string): Promise<void> {
  await waitFor(`${tag} to take effect`, async () =>
    (await effectsOf([tag])).length > 0 ? true : undefined,
  );
}

async function histogram() {
  const metric = await s.metrics.consumerTransactionRecords.get();
  const value = (name: string) => metric.values.find((v) => v.metricName === name)?.value ?? 0;
  return {
    count: value('consumer_transaction_records_count'),
    sum: value('consumer_transaction_records_sum'),
  };
}

async function counter(
  get: () => Promise<{ values: { labels: object; value: number }[] }>,
  labels: object,
) {
  const metric = await get();
  return metric.values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;
}

describe('batch apply', () => {
  it('applies a partition batch in one transaction, in order, with its outbox rows, after-commit code once', async () => {
    const orderId = randomUUID(); // one key: one partition, in order
    const tags = Array.from({ length: 20 }, (_, i) => `one-tx-${String(i).padStart(2, '0')}`);
    await publisher.publish(
      records(
        'one-tx',
        tags.map((tag) => fulfilled(orderId, tag)),
      ),
    );
    const before = await histogram();
    const afterCommit = new Map<string, number>();

    const c = consumer('one-tx', 'one-tx', afterCommit);
    await c.start();
    await until(tags[19] ?? '');
    await waitFor('the after-commit code of the last record', () =>
      Promise.resolve(afterCommit.has(tags[19] ?? '') ? true : undefined),
    );
    await c.stop();

    const effects = await effectsOf(tags);
    expect(effects.map((e) => e.tag)).toEqual(tags);
    expect(new Set(effects.map((e) => e.txid)).size).toBe(1);
    const outbox = await queryRows<{ n: string }>(
      s.db,
      'SELECT count(*) AS n FROM outbox WHERE message_key = $1',
      [orderId],
    );
    expect(Number(outbox[0]?.n)).toBe(20);
    expect([...afterCommit.values()]).toEqual(Array.from({ length: 20 }, () => 1));
    const after = await histogram();
    expect(after.count - before.count).toBe(1);
    expect(after.sum - before.sum).toBe(20);
  });

  it('rolls a batch with a poison record back and replays it one by one: the others once, the poison dead-lettered', async () => {
    const orderId = randomUUID();
    const a = fulfilled(orderId, 'mid-a');
    const b = fulfilled(orderId, 'mid-b');
    const poison = fulfilled(orderId, 'poison-mid');
    const d = fulfilled(orderId, 'mid-d');
    const e = fulfilled(orderId, 'mid-e');
    // a again, right behind itself: a duplicate inside the batch that rolls back.
    await publisher.publish(records('poison', [a, b, a, poison, d, e]));
    const duplicatesBefore = await counter(() => s.metrics.inboxDuplicates.get(), {
      topic: s.topic('poison'),
    });
    const fallbacksBefore = await counter(() => s.metrics.consumerBatchFallbacks.get(), {
      reason: 'record_failed',
    });
    const afterCommit = new Map<string, number>();

    const c = consumer('poison', 'poison', afterCommit);
    await c.start();
    await until('mid-e');
    const dead = await waitFor('the poison record in its dead-letter topic', async () => {
      const letters = await readTopics(brokers, [s.topic('poison.dlt')]);
      const ours = letters.filter((m) => m.headers['ce_id'] === poison.id);
      return ours.length > 0 ? ours : undefined;
    });
    await c.stop();

    const effects = await effectsOf(['mid-a', 'mid-b', 'poison-mid', 'mid-d', 'mid-e']);
    expect(effects.map((row) => row.tag)).toEqual(['mid-a', 'mid-b', 'mid-d', 'mid-e']);
    expect(dead.map((m) => m.headers['dlt-error-code'])).toEqual(['ORDER.UNKNOWN']);
    expect(Object.fromEntries(afterCommit)).toEqual({
      'mid-a': 1,
      'mid-b': 1,
      'mid-d': 1,
      'mid-e': 1,
    });
    const duplicates = await counter(() => s.metrics.inboxDuplicates.get(), {
      topic: s.topic('poison'),
    });
    expect(duplicates - duplicatesBefore).toBe(1);
    const fallbacks = await counter(() => s.metrics.consumerBatchFallbacks.get(), {
      reason: 'record_failed',
    });
    expect(fallbacks - fallbacksBefore).toBe(1);
  });

  it('counts a redelivered batch as duplicates once each and applies nothing again', async () => {
    const orderId = randomUUID();
    const tags = ['again-1', 'again-2', 'again-3', 'again-4', 'again-5'];
    const messages = tags.map((tag) => fulfilled(orderId, tag));
    await publisher.publish(records('again', messages));
    const afterFirst = new Map<string, number>();
    const first = consumer('again', 'again-first', afterFirst);
    await first.start();
    await until('again-5');
    await first.stop();

    // The same records read again from the start by a new group: a redelivery of the batch.
    const duplicatesBefore = await counter(() => s.metrics.inboxDuplicates.get(), {
      topic: s.topic('again'),
    });
    const afterSecond = new Map<string, number>();
    const second = consumer('again', 'again-second', afterSecond);
    await second.start();
    await waitFor('the redelivered batch to be counted', async () => {
      const now = await counter(() => s.metrics.inboxDuplicates.get(), {
        topic: s.topic('again'),
      });
      return now - duplicatesBefore >= 5 ? true : undefined;
    });
    await second.stop();
    const duplicates = await counter(() => s.metrics.inboxDuplicates.get(), {
      topic: s.topic('again'),
    });
    expect(duplicates - duplicatesBefore).toBe(5);

    const effects = await effectsOf(tags);
    expect(effects.map((row) => row.tag)).toEqual(tags);
    expect(afterSecond.size).toBe(0);
    expect([...afterFirst.values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
