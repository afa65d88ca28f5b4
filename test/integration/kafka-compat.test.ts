// Proves the client every service uses (kafkajs 2.2.4, last released in 2023) works against the
// broker the stack pins (Apache Kafka 4.x, which removed many old protocol versions in KIP-896):
// idempotent produce, consumer groups, manual commits and resuming after a restart.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Kafka,
  logLevel,
  type Consumer,
  type EachMessagePayload,
  type IHeaders,
  type Producer,
} from 'kafkajs';
import { resolveStackEndpoints } from '../../scripts/stack/endpoints.ts';
import { fetchApiVersions } from '../../scripts/stack/kafka-api-versions.ts';
import { ensureTopics } from '../../scripts/stack/kafka-topics.ts';
import { METADATA_VERSION_LEVELS, pinnedKafkaVersion } from '../../scripts/stack/kafka-config.ts';

const { brokers } = resolveStackEndpoints(process.env).kafka;
const PARTITIONS = 3;
const FIRST_BATCH = 30;
const SECOND_BATCH = 20;
const WAIT_MS = 30_000;

interface Received {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Polls `condition` until true or the deadline passes (no fixed sleeps: fast when the broker is). */
async function waitUntil(
  what: string,
  condition: () => boolean,
  timeoutMs = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function headersAsStrings(headers: IHeaders | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value !== undefined)
      result[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return result;
}

function message(seq: number): { key: string; value: string; headers: Record<string, string> } {
  // Several messages per key, as with orderId keys: per-key ordering is what the saga relies on.
  return {
    key: `order-${seq % 7}`,
    value: JSON.stringify({ seq }),
    headers: { ce_id: `event-${seq}`, ce_type: 'test.compat.v1', 'correlation-id': `corr-${seq}` },
  };
}

describe('kafkajs 2.2.4 against the stack broker', () => {
  const runId = randomUUID();
  const topic = `kafka-compat-${runId}`;
  const groupId = `kafka-compat-${runId}`;
  const kafka = new Kafka({ clientId: 'kafka-compat-test', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let producer: Producer;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    await admin.connect();
    await ensureTopics(brokers, [topic], PARTITIONS);
    // idempotent requires acks=all and at most one in-flight request per connection in kafkajs.
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    await producer?.disconnect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] });
    await admin.disconnect();
  });

  async function produce(from: number, count: number): Promise<void> {
    const messages = Array.from({ length: count }, (_, i) => message(from + i));
    const records = await producer.send({ topic, acks: -1, messages });
    expect(records.every((r) => r.errorCode === 0)).toBe(true);
  }

  /** A consumer that commits each message itself after "processing" it (autoCommit off). */
  async function startConsumer(received: Received[]): Promise<Consumer> {
    // A short fetch long-poll: disconnect() waits for the in-flight fetch, 5 s by default.
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
    consumers.push(consumer);
    await consumer.connect();
    // fromBeginning only applies without a committed offset: if commits were lost, the second
    // consumer would re-read everything and the assertions below would catch it.
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message: m }: EachMessagePayload) => {
        await consumer.commitOffsets([{ topic, partition, offset: String(Number(m.offset) + 1) }]);
        // Recorded only once committed, so "all received" also means "all committed".
        received.push({
          partition,
          offset: Number(m.offset),
          key: m.key?.toString() ?? '',
          value: m.value?.toString() ?? '',
          headers: headersAsStrings(m.headers),
        });
      },
    });
    return consumer;
  }

  it('reports the pinned broker version', async () => {
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.clusterId).not.toBe('');

    const pinned = pinnedKafkaVersion();
    const releaseLine = pinned.split('.').slice(0, 2).join('.');
    const expected = METADATA_VERSION_LEVELS[releaseLine];
    expect(expected, `METADATA_VERSION_LEVELS has no entry for Kafka ${releaseLine}`).toBeDefined();
    const versions = await fetchApiVersions(brokers[0] ?? '');
    // The highest metadata.version the broker software supports identifies its release line.
    expect(
      versions.supportedFeatures.get('metadata.version')?.max,
      `broker should support metadata.version ${expected?.name} (Kafka ${pinned})`,
    ).toBe(expected?.level);
  });

  it(
    'resumes a consumer group exactly after its manually committed offsets',
    { timeout: 90_000 },
    async () => {
      await produce(0, FIRST_BATCH);

      const first: Received[] = [];
      const consumer1 = await startConsumer(first);
      await waitUntil(
        `${FIRST_BATCH} messages on the first consumer`,
        () => first.length >= FIRST_BATCH,
      );

      // Keys, values and headers round-trip unchanged.
      const bySeq = new Map(first.map((r) => [(JSON.parse(r.value) as { seq: number }).seq, r]));
      expect([...bySeq.keys()].sort((a, b) => a - b)).toEqual(
        Array.from({ length: FIRST_BATCH }, (_, i) => i),
      );
      for (const [seq, r] of bySeq) {
        const sent = message(seq);
        expect(r.key).toBe(sent.key);
        expect(r.headers).toEqual(sent.headers);
      }

      // Per key (one key, one partition) messages arrive in the order they were produced.
      for (const key of new Set(first.map((r) => r.key))) {
        const seqsOfKey = first
          .filter((r) => r.key === key)
          .map((r) => (JSON.parse(r.value) as { seq: number }).seq);
        expect(seqsOfKey).toEqual([...seqsOfKey].sort((a, b) => a - b));
      }

      // The committed offsets are the end of every partition.
      const committed = new Map<number, number>();
      const highWatermarks = new Map(
        (await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]),
      );
      for (const { partitions } of await admin.fetchOffsets({ groupId, topics: [topic] })) {
        for (const p of partitions) committed.set(p.partition, Number(p.offset));
      }
      expect(committed).toEqual(highWatermarks);

      await consumer1.disconnect();
      await produce(FIRST_BATCH, SECOND_BATCH);

      const second: Received[] = [];
      await startConsumer(second);
      await waitUntil(
        `${SECOND_BATCH} messages on the restarted group`,
        () => second.length >= SECOND_BATCH,
      );

      // A partition is fetched in offset order from the committed position, so any re-delivery of
      // committed messages would have arrived before the new ones we just waited for.
      const seqs = second
        .map((r) => (JSON.parse(r.value) as { seq: number }).seq)
        .sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: SECOND_BATCH }, (_, i) => FIRST_BATCH + i));
      for (const [partition, offset] of committed) {
        const firstAfterRestart = Math.min(
          ...second.filter((r) => r.partition === partition).map((r) => r.offset),
        );
        if (Number.isFinite(firstAfterRestart)) expect(firstAfterRestart).toBe(offset);
      }
    },
  );
});
