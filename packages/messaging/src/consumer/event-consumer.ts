import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import {
  ContractViolation,
  HEADERS,
  MESSAGES,
  decodeMessage,
  headerValue,
  type MessageName,
  type AnyEnvelope,
} from '@order-saga/contracts';
import {
  traceMessageProcessing,
  type Logger,
  type ProcessSpan,
  type SagaMetrics,
} from '@order-saga/observability';
import {
  attemptsLeft,
  retry,
  retryDelay,
  retryPolicy,
  sleep,
  type RetryPolicy,
} from '@order-saga/resilience';
import { DeadLetterPublisher } from '../dead-letters/dead-letter-publisher';
import { DependencyUnavailableError, TerminalError, errorCode, errorMessage } from '../errors';
import type { KafkaPublisher } from '../publisher';
import { GroupMembership } from './group-membership';

export interface Delivery {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly attempt: number;
}

export type EnvelopeHandler = (envelope: AnyEnvelope, delivery: Delivery) => Promise<void>;

export interface EventConsumerOptions {
  readonly groupId: string;
  /** Full topic names (already prefixed). */
  readonly topics: readonly string[];
  /**
   * The message types this consumer acts on. Others on its topics are skipped on their ce_type
   * header alone, before any decoding: a saga topic carries several types, most for others.
   */
  readonly accepts: readonly MessageName[];
  readonly handler: EnvelopeHandler;
  readonly publisher: KafkaPublisher;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /**
   * Per-message retries of a transient failure; when its attempts run out the message is
   * dead-lettered. Waits for an unavailable dependency use its delays but never its attempts.
   */
  readonly retry?: RetryPolicy;
  /** Restarts of the whole consumer after kafkajs gave up on it; never exhausted. */
  readonly restart?: RetryPolicy;
  /** Partitions processed in parallel; messages within a partition are always sequential. */
  readonly partitionsConsumedConcurrently?: number;
  /** Longest time the broker holds a fetch open waiting for data (latency vs. idle traffic). */
  readonly maxWaitTimeMs?: number;
  /** How long the group waits for a silent member before reassigning its partitions. */
  readonly sessionTimeoutMs?: number;
}

// 8 attempts span roughly 15 s of transient failure before a message is parked in its
// dead-letter topic. Outages of a dependency (the provider, the database) do not spend them.
export const DEFAULT_MESSAGE_RETRY: RetryPolicy = retryPolicy({
  baseMs: 100,
  capMs: 5_000,
  attempts: 8,
  jitter: 'full',
  whenExhausted: 'dead-letter',
});
// Equal jitter: reconnecting a group is expensive, so never a near-immediate retry.
export const DEFAULT_CONSUMER_RESTART: RetryPolicy = retryPolicy({
  baseMs: 500,
  capMs: 10_000,
  attempts: Infinity,
  jitter: 'equal',
  whenExhausted: 'fail',
});
// Offsets are committed at the end of each batch and at least this often within a long batch.
// Committing less often is safe: the inbox absorbs what a rebalance redelivers.
const COMMIT_EVERY = 100;

/**
 * Consumes saga topics with manual offset management. Each message is decoded and validated,
 * handed to the handler, retried with backoff on transient failure, and dead-lettered (with the
 * error and its original coordinates) when it is malformed, terminal or out of attempts. An offset
 * is committed only after its message was applied or dead-lettered, so nothing is dropped.
 */
export class EventConsumer {
  readonly name = 'consumer';
  private consumer: Consumer | undefined;
  private crashed: Error | undefined;
  private readonly membership = new GroupMembership();
  private readonly stopping = new AbortController();
  /** Known types this consumer does not act on; unknown types still go through validation. */
  private readonly skipped: ReadonlySet<string>;
  private readonly deadLetters: DeadLetterPublisher;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: EventConsumerOptions,
  ) {
    const accepted = new Set<MessageName>(options.accepts);
    this.skipped = new Set(
      (Object.keys(MESSAGES) as MessageName[])
        .filter((n) => !accepted.has(n))
        .map((n) => MESSAGES[n].type),
    );
    this.deadLetters = new DeadLetterPublisher(options.publisher, options.logger, options.metrics);
  }

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.groupId,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 100,
      // A member that dies without leaving (SIGKILL, OOM, node loss) holds its partitions until
      // the session times out; kafkajs's 30 s default stalled every order on them for that long.
      // 10 s is far above the 1 s heartbeat, which runs between messages and between retries.
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: 10 },
    });
    // kafkajs restarts a crashed consumer only after retriable errors. After a non-retriable one
    // (a commit refused because the group moved on) it stops for good while the process lives on:
    // orders would wait silently. This consumer is restarted instead, and readiness fails meanwhile.
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart || this.stopping.signal.aborted) return;
      this.crashed = event.payload.error;
      void this.restartAfterCrash(event.payload.error);
    });
    this.membership.follow(consumer);
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.consumeBatch(consumer, payload),
    });
    this.crashed = undefined;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
  }

  /** Readiness: fails while the consumer is down after a crash or not an active group member. */
  check(): Promise<void> {
    if (this.crashed !== undefined)
      return Promise.reject(new Error(`consumer crashed, restarting: ${this.crashed.message}`));
    const notMember = this.membership.problem(this.options.groupId);
    return notMember === undefined ? Promise.resolve() : Promise.reject(new Error(notMember));
  }

  private async restartAfterCrash(error: Error): Promise<void> {
    const { logger, groupId } = this.options;
    const policy = this.options.restart ?? DEFAULT_CONSUMER_RESTART;
    const signal = this.stopping.signal;
    logger.error({ err: error, groupId }, 'consumer.crashed');
    // kafkajs is still tearing the crashed consumer down: the first try waits too.
    await sleep(retryDelay(policy, 0), signal);
    if (signal.aborted) return;
    try {
      await retry(
        async (attempt) => {
          await this.consumer?.disconnect().catch(() => undefined);
          await this.start();
          logger.warn({ groupId, attempt }, 'consumer.restarted');
        },
        policy,
        {
          signal,
          onRetry: (restartError, next) =>
            logger.error({ err: restartError, attempt: next.attempt }, 'consumer.restart_failed'),
        },
      );
    } catch (lastError) {
      if (!signal.aborted) logger.fatal({ err: lastError, groupId }, 'consumer.restart_exhausted');
    }
  }

  private async consumeBatch(consumer: Consumer, payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    let uncommitted: string | undefined;
    let sinceCommit = 0;
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) break;
      await this.process(batch.topic, batch.partition, message, payload);
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

  private async process(
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
  ): Promise<void> {
    const type = headerValue(message.headers, HEADERS.type);
    if (type !== undefined && this.skipped.has(type)) {
      this.options.metrics.messagesConsumed.inc({ type, result: 'skipped' });
      return;
    }
    // Skipped messages get no span: most of a saga topic is for other consumers.
    await traceMessageProcessing(
      {
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString(),
        group: this.options.groupId,
        headers: message.headers ?? {},
      },
      (span) => this.handle(topic, partition, message, batch, span),
    );
  }

  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>,
    span: ProcessSpan,
  ): Promise<void> {
    const decoded = decodeMessage(message);
    if (!decoded.ok) {
      await this.deadLetters.publish(
        { topic, partition, consumerGroup: this.options.groupId },
        message,
        decoded.error.code,
        decoded.error.message,
      );
      this.options.metrics.messagesConsumed.inc({ type: 'unknown', result: 'invalid' });
      span.failed(decoded.error.code);
      return;
    }
    const { envelope } = decoded;
    const policy = this.options.retry ?? DEFAULT_MESSAGE_RETRY;
    // traceId and spanId come from the process span (the logger's mixin).
    const log = this.options.logger.child({
      orderId: envelope.subject,
      correlationId: envelope.correlationId,
      messageId: envelope.id,
      messageType: envelope.type,
    });
    // Attempts against the policy's budget; waits for an unavailable dependency do not count.
    let attempt = 0;
    for (let delivery = 1; ; delivery++) {
      try {
        await this.options.handler(envelope, {
          topic,
          partition,
          offset: message.offset,
          attempt: delivery,
        });
        this.options.metrics.messagesConsumed.inc({ type: envelope.type, result: 'handled' });
        return;
      } catch (error) {
        // A contract violation raised while handling is a bug in the handler: retrying cannot fix it.
        const terminal = error instanceof TerminalError || error instanceof ContractViolation;
        const outage = error instanceof DependencyUnavailableError;
        if (!outage) attempt++;
        if (terminal || !attemptsLeft(policy, attempt) || this.stopping.signal.aborted) {
          if (this.stopping.signal.aborted && !terminal) throw error; // redelivered after restart
          log.error({ err: error, attempt, terminal }, 'message.handler_failed');
          await this.deadLetters.publish(
            { topic, partition, consumerGroup: this.options.groupId },
            message,
            errorCode(error),
            errorMessage(error),
          );
          this.options.metrics.messagesConsumed.inc({
            type: envelope.type,
            result: 'dead_lettered',
          });
          span.failed(errorCode(error));
          return;
        }
        const delay = retryDelay(policy, delivery - 1);
        // An outage retries every few seconds for as long as it lasts: log its start, then sparsely.
        if (!outage || delivery === 1 || delivery % 20 === 0) {
          log.warn(
            { err: error, attempt, delivery, outage, retryInMs: delay },
            'message.retry_scheduled',
          );
        }
        await sleep(delay, this.stopping.signal);
        await batch.heartbeat();
        // The partition moved to another member meanwhile: leave the message to its new owner.
        if (!batch.isRunning() || batch.isStale()) throw error;
      }
    }
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
