// Idempotent topic creation, shared by `npm run stack -- up` and the integration tests.
import { Kafka, logLevel } from 'kafkajs';

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
  /** Existing topics whose partition count differs from the one asked for (left as they are). */
  mismatched: { topic: string; partitions: number }[];
}

export function stackKafka(brokers: string[], clientId = 'order-saga-stack'): Kafka {
  // NOTHING: kafkajs logs retriable errors (e.g. "coordinator is loading") at ERROR level; callers
  // get the real failures as rejected promises instead.
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 5 },
  });
}

/**
 * Creates the topics that do not exist yet with `partitions` partitions and the broker's default
 * replication factor. Existing topics are never altered: adding partitions would remap keys to
 * partitions and break per-order ordering for messages already written.
 */
export async function ensureTopics(
  brokers: string[],
  topics: readonly string[],
  partitions: number,
): Promise<EnsureTopicsResult> {
  const admin = stackKafka(brokers).admin();
  await admin.connect();
  try {
    const before = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !before.has(topic));
    if (missing.length > 0) {
      // Resolves false (without throwing) if a concurrent caller created some of them first.
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
        })
        .catch((error: unknown) => {
          // Created, but its leader wait lost patience: untilHosted below waits for them.
          if ((error as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
        });
    }
    const metadata = await untilHosted(() => admin.fetchTopicMetadata({ topics: [...topics] }));
    const mismatched = metadata.topics
      .filter((t) => t.partitions.length !== partitions)
      .map((t) => ({ topic: t.name, partitions: t.partitions.length }));
    return { created: missing, existing: topics.filter((topic) => before.has(topic)), mismatched };
  } finally {
    await admin.disconnect();
  }
}

/**
 * A busy single broker (topics being created and deleted by other suites at the same time) can
 * answer "does not host this topic-partition" for a topic it has just created, after kafkajs's
 * own leader wait gave up. The topic is there; asking again a little later is the fix.
 */
async function untilHosted<T>(fetch: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch();
    } catch (error) {
      const unknown = (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION';
      if (!unknown || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Resolves the cluster id once a broker answers a metadata request; rejects otherwise (one attempt). */
export async function describeClusterOnce(
  brokers: string[],
): Promise<{ clusterId: string; brokers: number }> {
  const kafka = new Kafka({
    clientId: 'order-saga-stack-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return { clusterId: cluster.clusterId, brokers: cluster.brokers.length };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
