import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { decodeMessage, type AnyEnvelope } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import { applyTogether, groupEnd, type FallbackReason } from './apply-together';
import type { BatchUnitOfWork } from './batch-unit-of-work';
import type { MessageDelivery } from './message-delivery';

// Offsets are committed at the end of each batch and at least this often within a long batch.
// Committing less often is safe: the inbox absorbs what a rebalance redelivers.
const COMMIT_EVERY = 100;

/** Applying a partition batch's records in shared transactions (ADR 0016). */
export interface BatchApplyOptions {
  readonly unitOfWork: BatchUnitOfWork;
  /** Records per transaction at most; 1 applies each in its own, as without this option. */
  readonly maxRecords: number;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
}

interface DecodedRecord {
  readonly message: KafkaMessage;
  readonly envelope: AnyEnvelope;
}

/**
 * Runs one fetched batch of one partition, in order: each message is delivered, then its offset
 * resolved; offsets are committed only for messages that were applied or dead-lettered, so
 * nothing is dropped. A message left for redelivery (it threw) ends the batch uncommitted.
 * With `batching`, up to `maxRecords` records at a time are applied in one transaction; when that
 * fails, the same records are delivered one by one, with the whole delivery policy.
 */
export class BatchRunner {
  constructor(
    private readonly delivery: MessageDelivery,
    private readonly batching?: BatchApplyOptions,
  ) {}

  async run(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const max = this.batching?.maxRecords ?? 1;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    for (let from = 0; from < batch.messages.length;) {
      if (!payload.isRunning() || payload.isStale()) break;
      const end =
        max > 1 ? groupEnd(batch.messages, from, max, (m) => this.delivery.skips(m)) : from + 1;
      const group = batch.messages.slice(from, end);
      if (!(await this.deliverGroup(batch.topic, batch.partition, group, payload))) break;
      for (const message of group) payload.resolveOffset(message.offset);
      // Cheap: kafkajs sends one only when the heartbeat interval has passed. Without it a long
      // batch outlived the session and the member was evicted mid-batch (seen at 200 orders/s).
      await payload.heartbeat();
      uncommitted = batch.messages[end - 1]?.offset;
      sinceCommit += group.length;
      from = end;
      if (sinceCommit >= COMMIT_EVERY && uncommitted !== undefined) {
        await commit(consumer, batch.topic, batch.partition, uncommitted);
        uncommitted = undefined;
        sinceCommit = 0;
      }
    }
    if (uncommitted !== undefined)
      await commit(consumer, batch.topic, batch.partition, uncommitted);
  }

  /** False when the group was left undone for redelivery (shutdown, partition revoked). */
  private async deliverGroup(
    topic: string,
    partition: number,
    group: readonly KafkaMessage[],
    payload: EachBatchPayload,
  ): Promise<boolean> {
    const batching = this.batching;
    if (batching === undefined || group.length === 1) {
      await this.oneByOne(topic, partition, group, payload);
      return true;
    }
    const records: DecodedRecord[] = [];
    for (const [i, message] of group.entries()) {
      if (this.delivery.skip(message)) continue;
      const decoded = decodeMessage(message);
      if (!decoded.ok) {
        // The dead-letter path is one by one's; the whole group goes that way (the rest of it
        // still skipped there, and counted, as before).
        this.fellBack(batching, 'undecodable', group.length, decoded.error);
        const rest = [...records.map((r) => r.message), ...group.slice(i)];
        await this.oneByOne(topic, partition, rest, payload);
        return true;
      }
      records.push({ message, envelope: decoded.envelope });
    }
    const alone = () =>
      this.oneByOne(
        topic,
        partition,
        records.map((r) => r.message),
        payload,
      );
    if (records.length <= 1) {
      await alone();
      return true;
    }
    const outcome = await applyTogether(
      batching.unitOfWork,
      records,
      (r) => this.delivery.deliverInBatch(topic, partition, r.message, r.envelope),
      // No heartbeat inside the transaction (see applyTogether): the group is capped, and the
      // runner heartbeats after it.
      () => payload.isRunning() && !payload.isStale(),
    );
    if (outcome.kind === 'abandoned') return false;
    if (outcome.kind === 'rolled-back') {
      this.fellBack(batching, outcome.reason, records.length, outcome.error);
      await alone();
      return true;
    }
    batching.metrics.consumerTransactionRecords.observe(records.length);
    for (const [i, record] of records.entries()) {
      if (outcome.settled[i]?.ok === true) this.delivery.countHandled(record.envelope);
      // Its effects committed, its code after them failed: delivered again as it would have
      // been alone, where the inbox finds it applied (a duplicate) and its retries log why.
      else await this.delivery.deliver(topic, partition, record.message, payload);
    }
    return true;
  }

  private async oneByOne(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    payload: EachBatchPayload,
  ): Promise<void> {
    for (const message of messages) {
      await this.delivery.deliver(topic, partition, message, payload);
      await payload.heartbeat();
    }
  }

  private fellBack(
    batching: BatchApplyOptions,
    reason: FallbackReason,
    records: number,
    error: unknown,
  ): void {
    batching.metrics.consumerBatchFallbacks.inc({ reason });
    // The batch's failure, not a record's: the replay logs and counts whatever a record does.
    batching.logger.info({ reason, records, err: error }, 'consumer.batch_replayed_one_by_one');
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
