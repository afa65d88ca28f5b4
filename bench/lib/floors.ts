// The physical floors every figure is compared with, measured in the same run on the same
// machine: what one PostgreSQL transaction, one request through the HTTP framework and one Kafka
// hop cost when nothing else is queued in front of them.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createEnvelope, encodeEnvelope } from '@order-saga/contracts';
import { EventConsumer, KafkaPublisher, createKafka } from '@order-saga/messaging';
import { SagaMetrics, createLogger } from '@order-saga/observability';
import { OUTBOX_V1 } from '@order-saga/outbox';
import { ensureTopics } from '../../scripts/stack/kafka-topics.ts';
import { epochNow } from './http-client.ts';
import { Histogram } from './histogram.ts';
import { processCpu } from './proc.ts';

export interface FloorMeasurement {
  readonly latency: Histogram;
  /** CPU milliseconds per operation, client and server together. */
  readonly cpuMs: number;
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

// The orders table of orders-service, without its indexes on status and time (the floor is one
// order row and one outbox row; the real write also fills order_items, saga_steps and
// order_transitions, and notifies the relay).
const SCRATCH_DDL = `
CREATE TABLE orders (
  id             uuid        PRIMARY KEY,
  customer_id    text        NOT NULL,
  currency       char(3)     NOT NULL,
  total          bigint      NOT NULL,
  payment_method text        NOT NULL,
  status         text        NOT NULL,
  correlation_id text        NOT NULL,
  trace_id       char(32)    NOT NULL,
  deadline       timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
${OUTBOX_V1.up}`;

/**
 * (a) BEGIN; INSERT one order row; INSERT one outbox row; COMMIT — with the `pg` driver the
 * services use (through TypeORM), on a fresh connection, in a scratch database dropped after.
 */
export async function measureTransactionFloor(
  adminUrl: string,
  runId: string,
  iterations: number,
  warmup: number,
): Promise<FloorMeasurement> {
  const database = `bench_floor_${runId}`;
  await adminQuery(adminUrl, `CREATE DATABASE "${database}"`);
  const client = new Client({ connectionString: withDatabase(adminUrl, database) });
  const histogram = new Histogram();
  let cpuMs: number;
  try {
    await client.connect();
    await client.query(SCRATCH_DDL);
    const backend = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backendPid = backend.rows[0]?.pid;
    let cpuStart = 0;
    const headers = JSON.stringify({ ce_specversion: '1.0', ce_type: 'orders.order-created.v1' });
    const payload = JSON.stringify({ orderId: randomUUID(), total: 2_500, items: [] });
    for (let i = -warmup; i < iterations; i++) {
      if (i === 0) cpuStart = ownCpuSeconds() + processCpu(backendPid);
      const id = randomUUID();
      const started = epochNow();
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO orders (id, customer_id, currency, total, payment_method, status, correlation_id, trace_id, deadline)
         VALUES ($1, $2, 'EUR', 2500, 'pm_card_visa', 'CREATED', $3, $4, now() + interval '5 minutes')`,
        [id, 'bench-customer', id, '0af7651916cd43dd8448eb211c80319c'],
      );
      await client.query(
        `INSERT INTO outbox (message_id, topic, message_key, message_type, headers, payload)
         VALUES ($1, 'orders.events', $2, 'orders.order-created.v1', $3::jsonb, $4)`,
        [randomUUID(), id, headers, payload],
      );
      await client.query('COMMIT');
      if (i >= 0) histogram.record(epochNow() - started);
    }
    cpuMs = ((ownCpuSeconds() + processCpu(backendPid) - cpuStart) * 1_000) / iterations;
  } finally {
    await client.end().catch(() => undefined);
    await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
  return { latency: histogram, cpuMs };
}

/**
 * (c) One Kafka hop as the services make it: KafkaPublisher (idempotent, acks -1, one request in
 * flight) sends one saga envelope; an EventConsumer (maxWaitTimeInMs 500, manual commits,
 * envelope decoding and validation) hands it to its handler. Sequential round trips on a
 * scratch topic with the services' partition count.
 */
export async function measureKafkaFloor(
  brokers: string[],
  runId: string,
  partitions: number,
  iterations: number,
  warmup: number,
  brokerPid: number | undefined,
): Promise<FloorMeasurement> {
  const topic = `bench-floor-${runId}.orders.events`;
  await ensureTopics(brokers, [topic, `${topic}.dlt`], partitions);
  const logger = createLogger('bench-floor', 'error');
  const kafka = createKafka({ clientId: 'bench-floor', brokers, logger });
  const publisher = new KafkaPublisher(kafka);
  const waiting = new Map<string, () => void>();
  const consumer = new EventConsumer(kafka, {
    groupId: `bench-floor-${runId}`,
    topics: [topic],
    accepts: ['OrderFulfilled'],
    handler: (envelope) => {
      waiting.get(envelope.id)?.();
      return Promise.resolve();
    },
    publisher,
    logger,
    metrics: new SagaMetrics('bench-floor'),
    partitionsConsumedConcurrently: partitions,
  });
  const histogram = new Histogram();
  let cpuStart = 0;
  let cpuMs: number;
  try {
    await publisher.connect();
    await consumer.start();
    for (let i = -warmup; i < iterations; i++) {
      if (i === 0) cpuStart = ownCpuSeconds() + processCpu(brokerPid);
      const orderId = randomUUID();
      const envelope = createEnvelope(
        'OrderFulfilled',
        orderId,
        { orderId },
        { source: 'bench', correlationId: orderId, causationId: null, traceparent: null },
      );
      const encoded = encodeEnvelope(envelope);
      // The first delivery waits for the group to form; later ones are one hop.
      const timeoutMs = i === -warmup ? 60_000 : 10_000;
      const started = epochNow();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Kafka floor: no delivery within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiting.set(envelope.id, () => {
          clearTimeout(timer);
          resolve();
        });
        publisher
          .publish([{ topic, key: encoded.key, value: encoded.value, headers: encoded.headers }])
          .catch(reject);
      });
      waiting.delete(envelope.id);
      if (i >= 0) histogram.record(epochNow() - started);
    }
    cpuMs = ((ownCpuSeconds() + processCpu(brokerPid) - cpuStart) * 1_000) / iterations;
  } finally {
    await consumer.stop().catch(() => undefined);
    await publisher.disconnect().catch(() => undefined);
    const admin = new Kafka({
      clientId: 'bench-floor',
      brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlt`] }).catch(() => undefined);
    await admin.deleteGroups([`bench-floor-${runId}`]).catch(() => undefined);
    await admin.disconnect();
  }
  return { latency: histogram, cpuMs };
}
