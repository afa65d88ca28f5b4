import type { KafkaMessage } from 'kafkajs';
import { deadLetterTopic } from '@order-saga/contracts';
import type { Logger, SagaMetrics } from '@order-saga/observability';
import type { KafkaPublisher } from '../publisher';
import { DLT_HEADERS } from './dead-letter-headers';

/** Where a message was when it was given up on: recorded in its dead-letter headers. */
export interface DeadLetterOrigin {
  readonly topic: string;
  readonly partition: number;
  readonly consumerGroup: string;
}

/**
 * Parks a message its consumer cannot apply in `<topic>.dlt`: the original key, value and
 * headers (a re-driven message's redrive history included), plus `dlt-*` headers with the error
 * and the original coordinates, so an operator can inspect it and redrive it to where it came
 * from (DeadLetterDesk).
 */
export class DeadLetterPublisher {
  constructor(
    private readonly publisher: KafkaPublisher,
    private readonly logger: Logger,
    private readonly metrics: SagaMetrics,
  ) {}

  async publish(
    origin: DeadLetterOrigin,
    message: KafkaMessage,
    code: string,
    reason: string,
  ): Promise<void> {
    const headers: Record<string, string | Buffer> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const first = Array.isArray(value) ? value[0] : value;
      if (first !== undefined) headers[name] = first;
    }
    Object.assign(headers, {
      [DLT_HEADERS.originalTopic]: origin.topic,
      [DLT_HEADERS.originalPartition]: String(origin.partition),
      [DLT_HEADERS.originalOffset]: message.offset,
      [DLT_HEADERS.consumerGroup]: origin.consumerGroup,
      [DLT_HEADERS.errorCode]: code,
      [DLT_HEADERS.errorMessage]: reason.slice(0, 1_000),
      [DLT_HEADERS.failedAt]: new Date().toISOString(),
    });
    const target = deadLetterTopic(origin.topic);
    await this.publisher.publish([
      {
        topic: target,
        key: message.key?.toString() ?? '',
        value: message.value ?? Buffer.alloc(0),
        headers,
      },
    ]);
    this.metrics.deadLetters.inc({ topic: target, code });
    // The ids a saga's log lines carry, when the record has them (a poison record may not).
    const text = (name: string): string | undefined => {
      const value = headers[name];
      return value === undefined ? undefined : value.toString();
    };
    this.logger.error(
      {
        topic: origin.topic,
        partition: origin.partition,
        offset: message.offset,
        code,
        reason,
        deadLetterTopic: target,
        orderId: message.key?.toString() || undefined,
        correlationId: text('correlation-id'),
        messageId: text('ce_id'),
        messageType: text('ce_type'),
      },
      'message.dead_lettered',
    );
  }
}
