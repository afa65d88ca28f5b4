import { CompressionTypes, Partitioners, type Kafka, type Producer } from 'kafkajs';
import { traceMessageSend, type SpanParent } from '@order-saga/observability';

export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: string | Buffer;
  readonly headers: Record<string, string | Buffer>;
  /** Only where a record must land next to another (a dead letter's action record); else by key. */
  readonly partition?: number;
  /** The trace the send belongs to: the outbox row's stored context; default the current span. */
  readonly traceParent?: SpanParent;
}

/**
 * An idempotent producer that waits for all in-sync replicas. One in-flight request per
 * connection keeps per-key order even when a send is retried.
 */
export class KafkaPublisher {
  private readonly producer: Producer;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }

  /**
   * Resolves once every record is acknowledged; rejects if any was not. Each record gets a
   * `send` span in its own trace, whose context replaces the trace headers it goes out with.
   */
  async publish(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    const outgoing = records.map((record) => ({
      ...record,
      headers: { ...record.headers },
      ...(record.traceParent === undefined ? {} : { parent: record.traceParent }),
    }));
    const byTopic = new Map<string, typeof outgoing>();
    for (const record of outgoing) {
      const list = byTopic.get(record.topic) ?? [];
      list.push(record);
      byTopic.set(record.topic, list);
    }
    await traceMessageSend(outgoing, () =>
      this.producer.sendBatch({
        acks: -1,
        compression: CompressionTypes.None,
        topicMessages: [...byTopic].map(([topic, messages]) => ({
          topic,
          messages: messages.map(({ key, value, headers, partition }) => ({
            key,
            value,
            headers,
            ...(partition === undefined ? {} : { partition }),
          })),
        })),
      }),
    );
  }
}
