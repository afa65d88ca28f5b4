import { Kafka, logLevel } from 'kafkajs';

export interface ReadMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: unknown;
  readonly headers: Record<string, string>;
  /** The record's timestamp (ms since the epoch), as the producer or broker set it. */
  readonly timestamp: number;
}

/**
 * Reads every message currently on the topics, from the beginning to the end offsets taken at
 * the start of the call: what a test asserts on is exactly what was on the wire.
 */
export async function readTopics(
  brokers: string[],
  topics: readonly string[],
): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'saga-test-reader', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        const end = BigInt(partition.high);
        if (end > BigInt(partition.low)) remaining.set(`${topic}/${partition.partition}`, end);
      }
    }
  } finally {
    await admin.disconnect();
  }
  const messages: ReadMessage[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `saga-test-reader-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(
        () => fail(new Error(`reading ${topics.join(', ')} timed out`)),
        30_000,
      );
      void consumer.run({
        autoCommit: false,
        eachMessage: ({ topic, partition, message }) => {
          const key = `${topic}/${partition}`;
          const end = remaining.get(key);
          if (end === undefined || BigInt(message.offset) >= end) return Promise.resolve();
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            if (value !== undefined)
              headers[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
          }
          messages.push({
            topic,
            partition,
            offset: message.offset,
            key: message.key?.toString() ?? '',
            value: parseValue(message.value),
            headers,
            timestamp: Number(message.timestamp),
          });
          if (BigInt(message.offset) + 1n >= end) remaining.delete(key);
          if (remaining.size === 0) {
            clearTimeout(timer);
            done();
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Values are JSON, except on dead-letter topics, which keep whatever could not be parsed. */
function parseValue(value: Buffer | null): unknown {
  const text = value?.toString() ?? '';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
