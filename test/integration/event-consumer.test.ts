import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvelope, encodeEnvelope, type Envelope } from '@order-saga/contracts';
import {
  ConsumerLagReporter,
  EventConsumer,
  KafkaPublisher,
  TerminalError,
} from '@order-saga/messaging';
import { INBOX_V1, claimInboxMessage } from '@order-saga/inbox';
import { queryRows } from '@order-saga/persistence';
import { waitFor } from '../../scripts/system/wait.ts';
import { readTopics } from '../support/topic-reader.ts';
import { brokers, scratch, type Scratch } from './support/scratch.ts';

let s: Scratch;
let publisher: KafkaPublisher;

beforeAll(async () => {
  s = await scratch('consumer', ['orders.events', 'orders.events.dlt']);
  await s.db.query(INBOX_V1.up);
  await s.db.query('CREATE TABLE effects (message_id uuid NOT NULL, tag text NOT NULL)');
  publisher = new KafkaPublisher(s.kafka);
  await publisher.connect();
});

afterAll(async () => {
  await publisher?.disconnect();
  await s?.dispose();
});

const orderId = randomUUID(); // one key: every message lands on one partition, in order

function message(tag: string): Envelope {
  return createEnvelope(
    'OrderFulfilled',
    orderId,
    { orderId },
    {
      source: 'consumer-test',
      correlationId: tag,
      causationId: null,
      traceparent: null,
    },
  );
}

function record(envelope: Envelope, value?: string) {
  const encoded = encodeEnvelope(envelope);
  return {
    topic: s.topic('orders.events'),
    key: encoded.key,
    value: value ?? encoded.value,
    headers: encoded.headers,
  };
}

describe('event consumer', () => {
  it('applies each message once, retries transient failures, dead-letters poison and terminal ones without blocking', async () => {
    const first = message('first');
    const poison = message('poison');
    const terminal = message('terminal');
    const flaky = message('flaky');
    const last = message('last');
    await publisher.publish([
      record(first),
      record(poison, '{not json'),
      record(terminal),
      record(flaky),
      record(first), // a redelivery of the first message
      // A type this consumer does not act on: skipped, never handled, never dead-lettered.
      record(
        createEnvelope(
          'OrderCancelled',
          orderId,
          { orderId, reason: 'OUT_OF_STOCK' },
          {
            source: 'consumer-test',
            correlationId: 'not-ours',
            causationId: null,
            traceparent: null,
          },
        ),
      ),
      record(last),
    ]);

    const flakyFailures = { left: 2 };
    const consumer = new EventConsumer(s.kafka, {
      groupId: `${s.prefix}group`,
      topics: [s.topic('orders.events')],
      accepts: ['OrderFulfilled'],
      publisher,
      logger: s.logger,
      metrics: s.metrics,
      retry: { baseMs: 10, capMs: 50, attempts: 4, jitter: 'full', whenExhausted: 'dead-letter' },
      handler: async (envelope) => {
        if (envelope.correlationId === 'not-ours')
          throw new TerminalError('INTERNAL.UNEXPECTED', 'handled a skipped type');
        if (envelope.correlationId === 'terminal')
          throw new TerminalError('ORDER.UNKNOWN', 'refused on purpose');
        if (envelope.correlationId === 'flaky' && flakyFailures.left-- > 0)
          throw new Error('transient');
        await s.db.transaction(async (tx) => {
          if (!(await claimInboxMessage(tx, 'test', envelope))) return;
          await tx.query('INSERT INTO effects (message_id, tag) VALUES ($1, $2)', [
            envelope.id,
            envelope.correlationId,
          ]);
        });
      },
    });
    await consumer.start();
    const effects = await waitFor('the last message to take effect', async () => {
      const rows = await queryRows<{ tag: string }>(s.db, 'SELECT tag FROM effects ORDER BY tag');
      return rows.some((row) => row.tag === 'last') ? rows.map((row) => row.tag) : undefined;
    });
    await consumer.stop();

    expect(effects).toEqual(['first', 'flaky', 'last']);
    const dead = await readTopics(brokers, [s.topic('orders.events.dlt')]);
    expect(dead.map((m) => m.headers['dlt-error-code']).sort()).toEqual([
      'ENVELOPE.INVALID_JSON',
      'ORDER.UNKNOWN',
    ]);
    for (const letter of dead) {
      expect(letter.key).toBe(orderId);
      expect(letter.headers['dlt-original-topic']).toBe(s.topic('orders.events'));
      expect(letter.headers['dlt-original-offset']).toMatch(/^\d+$/);
      expect(letter.headers['dlt-consumer-group']).toBe(`${s.prefix}group`);
      expect(letter.headers['ce_id']).toBeDefined();
    }
    expect(
      dead.find((m) => m.headers['dlt-error-code'] === 'ORDER.UNKNOWN')?.headers['ce_id'],
    ).toBe(terminal.id);
    expect(
      dead.find((m) => m.headers['dlt-error-code'] === 'ENVELOPE.INVALID_JSON')?.headers['ce_id'],
    ).toBe(poison.id);
  });

  it('resumes after the committed offset when the group restarts: nothing handled twice', async () => {
    const seen: string[] = [];
    const start = async (): Promise<EventConsumer> => {
      const consumer = new EventConsumer(s.kafka, {
        groupId: `${s.prefix}group`,
        topics: [s.topic('orders.events')],
        accepts: ['OrderFulfilled'],
        publisher,
        logger: s.logger,
        metrics: s.metrics,
        handler: (envelope) => {
          seen.push(envelope.correlationId);
          return Promise.resolve();
        },
      });
      await consumer.start();
      return consumer;
    };
    const again = await start();
    await publisher.publish([record(message('after-restart'))]);
    await waitFor('the new message', () => (seen.includes('after-restart') ? true : undefined));
    await again.stop();
    expect(seen).toEqual(['after-restart']);
  });

  it('reports consumer lag per partition from the committed offsets', async () => {
    const reporter = new ConsumerLagReporter(
      s.kafka,
      `${s.prefix}group`,
      [s.topic('orders.events')],
      s.metrics,
      s.logger,
    );
    const lagOf = async (): Promise<number> => {
      await reporter.report();
      const metric = await s.metrics.consumerLag.get();
      return metric.values
        .filter((v) => v.labels.topic === s.topic('orders.events'))
        .reduce((sum, v) => sum + v.value, 0);
    };
    expect(await lagOf()).toBe(0);
    await publisher.publish([record(message('unread-1')), record(message('unread-2'))]);
    expect(await lagOf()).toBe(2);
    await reporter.stop();
  });

  it('survives being evicted mid-message: the message is redelivered and applied once', async () => {
    const slow = message('slow');
    const later = message('after-eviction');
    const applied: string[] = [];
    let slowDeliveries = 0;
    let laterSeen = false;
    const consumer = new EventConsumer(s.kafka, {
      groupId: `${s.prefix}evicted`,
      topics: [s.topic('orders.events')],
      accepts: ['OrderFulfilled'],
      publisher,
      logger: s.logger,
      metrics: s.metrics,
      // The broker's minimum: the first call below outlives it, so the group evicts the member.
      sessionTimeoutMs: 6_000,
      handler: async (envelope) => {
        if (envelope.id === later.id) laterSeen = true;
        if (envelope.id !== slow.id) return; // earlier tests' messages: this group reads them too
        if (slowDeliveries++ === 0) await new Promise((resolve) => setTimeout(resolve, 9_000));
        await s.db.transaction(async (tx) => {
          if (await claimInboxMessage(tx, 'evicted-test', envelope)) applied.push(envelope.id);
        });
      },
    });
    await consumer.start();
    await publisher.publish([record(slow)]);
    await waitFor(
      'the redelivered message to be applied',
      () => (applied.length > 0 ? true : undefined),
      30_000,
    );
    // Still consuming afterwards, and ready.
    await publisher.publish([record(later)]);
    await waitFor('a later message', () => (laterSeen ? true : undefined), 30_000);
    await expect(consumer.check()).resolves.toBeUndefined();
    await consumer.stop();
    // Delivered at least twice (the evicted member never committed it), applied exactly once.
    expect(applied).toEqual([slow.id]);
    expect(slowDeliveries).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
