import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import {
  HEADERS,
  MESSAGES,
  decodeMessage,
  headerValue,
  type AnyEnvelope,
  type MessageName,
} from '@order-saga/contracts';
import {
  traceMessageProcessing,
  type Logger,
  type ProcessSpan,
  type SagaMetrics,
} from '@order-saga/observability';
import type { RetryPolicy } from '@order-saga/resilience';
import type { DeadLetterPublisher } from '../dead-letters/dead-letter-publisher';
import { BatchRolledBack } from './batch-unit-of-work';
import { waitForGate, type ConsumptionGate } from './consumption-gate';
import { NO_TRIES, decideDelivery, type Tries } from './delivery-policy';

export interface Delivery {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** 1 for the first delivery of this message in this process, then 2, 3, ... */
  readonly attempt: number;
}

// Below the group's 10 s session timeout with room to spare (kafkajs sends at most one per 1 s).
const GATED_HEARTBEAT_MS = 3_000;

export type EnvelopeHandler = (envelope: AnyEnvelope, delivery: Delivery) => Promise<void>;

/** The batch-level checks a delivery needs between tries. */
export type BatchControl = Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>;

export interface MessageDeliveryOptions {
  readonly groupId: string;
  readonly accepts: readonly MessageName[];
  readonly handler: EnvelopeHandler;
  readonly retry: RetryPolicy;
  readonly deadLetters: DeadLetterPublisher;
  readonly logger: Logger;
  readonly metrics: SagaMetrics;
  /** Aborted at shutdown: a message mid-retry is then left for redelivery. */
  readonly stopping: AbortSignal;
  /** While closed, a message waiting for its dependency waits for the gate to open. */
  readonly gate?: ConsumptionGate;
}

/**
 * Delivers one message to the handler: skipped when not ours, dead-lettered when it does not
 * decode, otherwise tried until it is applied or the delivery policy dead-letters it. Returns
 * when the offset may be committed; throws when the message must be left for redelivery
 * (shutdown, or the partition moved to another member).
 */
export class MessageDelivery {
  /** Known types this consumer does not act on; unknown types still go through validation. */
  private readonly skipped: ReadonlySet<string>;

  constructor(private readonly options: MessageDeliveryOptions) {
    const accepted = new Set<MessageName>(options.accepts);
    this.skipped = new Set(
      (Object.keys(MESSAGES) as MessageName[])
        .filter((n) => !accepted.has(n))
        .map((n) => MESSAGES[n].type),
    );
  }

  async deliver(
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: BatchControl,
  ): Promise<void> {
    if (this.skip(message)) return;
    // Skipped messages get no span: most of a saga topic is for other consumers.
    await traceMessageProcessing(this.consumed(topic, partition, message), (span) =>
      this.handle(topic, partition, message, batch, span),
    );
  }

  /** Whether the message is not ours: a known type this consumer does not act on (its header). */
  skips(message: KafkaMessage): boolean {
    const type = headerValue(message.headers, HEADERS.type);
    return type !== undefined && this.skipped.has(type);
  }

  /** `skips`, and counted as skipped if so: call once per message. */
  skip(message: KafkaMessage): boolean {
    if (!this.skips(message)) return false;
    const type = headerValue(message.headers, HEADERS.type) ?? 'unknown';
    this.options.metrics.messagesConsumed.inc({ type, result: 'skipped' });
    return true;
  }

  /**
   * One try of a decoded message inside a batch transaction (ADR 0016), in its own span: no
   * retries and no dead letters here. A failure rejects and rolls the batch back, after which
   * the batch's messages are delivered again one by one (`deliver`), where the policy applies.
   * Counted by the caller once the batch committed (`countHandled`).
   */
  async deliverInBatch(
    topic: string,
    partition: number,
    message: KafkaMessage,
    envelope: AnyEnvelope,
  ): Promise<void> {
    await traceMessageProcessing(this.consumed(topic, partition, message), async (span) => {
      try {
        await this.options.handler(envelope, {
          topic,
          partition,
          offset: message.offset,
          attempt: 1,
        });
      } catch (error) {
        // Another record's failure (or the commit's): nothing of this one was kept or went wrong.
        if (error instanceof BatchRolledBack) {
          span.rolledBack();
          return;
        }
        throw error;
      }
    });
  }

  /** A message applied in a batch that committed: counted once, after the commit. */
  countHandled(envelope: AnyEnvelope): void {
    this.options.metrics.messagesConsumed.inc({ type: envelope.type, result: 'handled' });
  }

  private consumed(topic: string, partition: number, message: KafkaMessage) {
    return {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString(),
      group: this.options.groupId,
      headers: message.headers ?? {},
    };
  }

  private async handle(
    topic: string,
    partition: number,
    message: KafkaMessage,
    batch: BatchControl,
    span: ProcessSpan,
  ): Promise<void> {
    const { metrics, groupId } = this.options;
    const origin = { topic, partition, consumerGroup: groupId };
    const decoded = decodeMessage(message);
    if (!decoded.ok) {
      await this.options.deadLetters.publish(
        origin,
        message,
        decoded.error.code,
        decoded.error.message,
      );
      metrics.messagesConsumed.inc({ type: 'unknown', result: 'invalid' });
      span.failed(decoded.error.code);
      return;
    }
    const { envelope } = decoded;
    const log = this.logFor(envelope);
    let tries: Tries = NO_TRIES;
    for (;;) {
      try {
        await this.options.handler(envelope, {
          topic,
          partition,
          offset: message.offset,
          attempt: tries.deliveries + 1,
        });
        metrics.messagesConsumed.inc({ type: envelope.type, result: 'handled' });
        return;
      } catch (error) {
        const step = decideDelivery(error, tries, this.options.retry);
        tries = step.tries;
        const { decision } = step;
        const { attempts, deliveries } = tries;
        const terminal = decision.action === 'dead-letter' && decision.why === 'terminal';
        // At shutdown only a terminal failure is final; anything else is redelivered after restart.
        if (this.options.stopping.aborted && !terminal) throw error;
        if (decision.action === 'dead-letter') {
          log.error({ err: error, attempt: attempts, terminal }, 'message.handler_failed');
          await this.options.deadLetters.publish(origin, message, decision.code, decision.reason);
          metrics.messagesConsumed.inc({ type: envelope.type, result: 'dead_lettered' });
          span.failed(decision.code);
          return;
        }
        const outage = decision.action === 'wait-for-dependency';
        const gate = outage ? this.options.gate?.closedBecause() : undefined;
        // While the gate is closed (a breaker knows the dependency is down) the message waits for
        // it to open, not for a backoff; a heartbeat every few seconds keeps the partition ours.
        const waitMs = gate === undefined ? decision.delayMs : GATED_HEARTBEAT_MS;
        // An outage retries every few seconds for as long as it lasts: log its start, then sparsely.
        if (!outage || deliveries === 1 || deliveries % 20 === 0) {
          log.warn(
            {
              err: error,
              attempt: attempts,
              delivery: deliveries,
              outage,
              retryInMs: waitMs,
              ...(gate === undefined ? {} : { gate }),
            },
            'message.retry_scheduled',
          );
        }
        // Any change of the gate ends the wait: a breaker closing lets the message go at once.
        await waitForGate(this.options.gate, waitMs, this.options.stopping);
        await batch.heartbeat();
        // The partition moved to another member meanwhile: leave the message to its new owner.
        if (!batch.isRunning() || batch.isStale()) throw error;
      }
    }
  }

  private logFor(envelope: AnyEnvelope): Logger {
    // traceId and spanId come from the process span (the logger's mixin).
    return this.options.logger.child({
      orderId: envelope.subject,
      correlationId: envelope.correlationId,
      messageId: envelope.id,
      messageType: envelope.type,
    });
  }
}
