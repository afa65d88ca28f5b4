import type { Admin, Kafka } from 'kafkajs';
import type { Logger, SagaMetrics } from '@order-saga/observability';

/**
 * Publishes `kafka_consumer_lag{topic,partition,group}`: the distance between a group's committed
 * offset and the end of each partition. Measured from the broker's view (what a restart would
 * replay), on a timer, so it costs nothing on the message path.
 */
export class ConsumerLagReporter {
  private admin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupId: string,
    private readonly topics: readonly string[],
    private readonly metrics: SagaMetrics,
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
  ) {}

  start(): void {
    // Once now, so the gauge exists from the first scrape rather than an interval later.
    void this.report();
    this.timer = setInterval(() => void this.report(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.admin?.disconnect();
    this.admin = undefined;
  }

  async report(): Promise<void> {
    try {
      if (this.admin === undefined) {
        const admin = this.kafka.admin();
        await admin.connect();
        this.admin = admin;
      }
      const committed = await this.admin.fetchOffsets({
        groupId: this.groupId,
        topics: [...this.topics],
      });
      for (const { topic, partitions } of committed) {
        const ends = new Map(
          (await this.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p]),
        );
        for (const { partition, offset } of partitions) {
          const end = ends.get(partition);
          if (end === undefined) continue;
          // -1 means the group never committed here: everything from the low watermark is pending.
          const from = offset === '-1' ? BigInt(end.low) : BigInt(offset);
          const lag = BigInt(end.high) - from;
          this.metrics.consumerLag.set(
            { topic, partition: String(partition), group: this.groupId },
            Number(lag > 0n ? lag : 0n),
          );
        }
      }
    } catch (error) {
      this.logger.warn({ err: error, groupId: this.groupId }, 'consumer.lag_report_failed');
    }
  }
}
