import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { MessageDelivery } from './message-delivery';

// Offsets are committed at the end of each batch and at least this often within a long batch.
// Committing less often is safe: the inbox absorbs what a rebalance redelivers.
const COMMIT_EVERY = 100;

/**
 * Runs one fetched batch of one partition, in order: each message is delivered, then its offset
 * resolved; offsets are committed only for messages that were applied or dead-lettered, so
 * nothing is dropped. A message left for redelivery (it threw) ends the batch uncommitted.
 */
export class BatchRunner {
  constructor(private readonly delivery: MessageDelivery) {}

  async run(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      await this.delivery.deliver(batch.topic, batch.partition, message, payload);
      payload.resolveOffset(message.offset);
      // Cheap: kafkajs sends one only when the heartbeat interval has passed. Without it a long
      // batch outlived the session and the member was evicted mid-batch (seen at 200 orders/s).
      await payload.heartbeat();
      uncommitted = message.offset;
      if (++sinceCommit >= COMMIT_EVERY) {
        await commit(consumer, batch.topic, batch.partition, uncommitted);
        uncommitted = undefined;
        sinceCommit = 0;
      }
    }
    if (uncommitted !== undefined)
      await commit(consumer, batch.topic, batch.partition, uncommitted);
  }
}

/** Kafka stores the offset of the next message to read, hence the + 1. */
async function commit(
  consumer: Consumer,
  topic: string,
  partition: number,
  offset: string,
): Promise<void> {
  await consumer.commitOffsets([{ topic, partition, offset: (BigInt(offset) + 1n).toString() }]);
}
