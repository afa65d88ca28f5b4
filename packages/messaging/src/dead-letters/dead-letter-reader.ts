import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { PartitionRange, RawRecord } from './dead-letter-book';

export interface TopicScan {
  readonly records: RawRecord[];
  /** Every partition of the scanned topics, as it was when the scan started. */
  readonly ranges: PartitionRange[];
}

// A dead-letter topic is small by design (an alert fires while it grows); reading one that does
// not finish in this long means the broker is unwell, and the operator hears so.
const SCAN_TIMEOUT_MS = 20_000;

/**
 * Reads every record of the topics, from each partition's first offset to the end it had when
 * the call started: what is there now, never a moving target. kafkajs has no manual assignment,
 * so the read goes through a throwaway consumer group that commits nothing (the broker forgets
 * an empty group without offsets on its own).
 */
export async function scanTopics(
  kafka: Kafka,
  topics: readonly string[],
  groupPrefix: string,
): Promise<TopicScan> {
  const admin = kafka.admin();
  const ranges: PartitionRange[] = [];
  await admin.connect();
  try {
    for (const topic of topics)
      for (const { partition, low, high } of await admin.fetchTopicOffsets(topic))
        ranges.push({ topic, partition, low, high });
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map<string, bigint>();
  for (const range of ranges)
    if (BigInt(range.high) > BigInt(range.low))
      remaining.set(`${range.topic}/${range.partition}`, BigInt(range.high));
  const records: RawRecord[] = [];
  if (remaining.size === 0) return { records, ranges };

  const consumer = kafka.consumer({
    groupId: `${groupPrefix}.dlt-reader.${randomUUID()}`,
    maxWaitTimeInMs: 100,
    // The reader is the group's only member and leaves within seconds.
    sessionTimeout: 10_000,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({
      topics: [
        ...new Set(ranges.filter((r) => BigInt(r.high) > BigInt(r.low)).map((r) => r.topic)),
      ],
      fromBeginning: true,
    });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () =>
          fail(new Error(`reading ${topics.join(', ')} did not finish in ${SCAN_TIMEOUT_MS} ms`)),
        SCAN_TIMEOUT_MS,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: ({ topic, partition, message }) => {
            const key = `${topic}/${partition}`;
            const end = remaining.get(key);
            const offset = BigInt(message.offset);
            if (end === undefined || offset >= end) return Promise.resolve();
            const headers: Record<string, Buffer | undefined> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              const first = Array.isArray(value) ? value[0] : value;
              if (first !== undefined)
                headers[name] = Buffer.isBuffer(first) ? first : Buffer.from(first);
            }
            records.push({
              topic,
              partition,
              offset: message.offset,
              timestamp: message.timestamp,
              key: message.key,
              value: message.value,
              headers,
            });
            if (offset + 1n >= end) remaining.delete(key);
            if (remaining.size === 0) {
              clearTimeout(timer);
              done();
            }
            return Promise.resolve();
          },
        })
        .catch((error: unknown) => {
          clearTimeout(timer);
          fail(error instanceof Error ? error : new Error(String(error)));
        });
    });
  } finally {
    await consumer.disconnect();
  }
  return { records, ranges };
}
