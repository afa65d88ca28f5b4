import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from '@order-saga/observability';
import { patchKafkajsRequestQueue } from './request-queue-patch';

export interface KafkaClientOptions {
  readonly clientId: string;
  readonly brokers: readonly string[];
  readonly logger: Logger;
}

const LEVELS: Record<logLevel, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.NOTHING]: 'debug',
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(options: KafkaClientOptions): Kafka {
  // Before any connection exists: kafkajs 2.2.4's request queues would spin on a 1 ms timer.
  patchKafkajsRequestQueue();
  const log = options.logger.child({ component: 'kafkajs' });
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    // kafkajs logs group rebalances at INFO; they are routine here, so WARN and above only.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...fields } = entry;
        log[LEVELS[level]]({ ...fields }, `kafka.${message}`);
      },
    // Measured with the fault matrix (kafka-restart): kafkajs's backoff doubles up to 30 s by
    // default, and one client slept 11 s past the broker's return. Worse, once its 8 retries ran
    // out (~13 s) a consumer crashed and rejoined as a new member, and the group then waited 10 s
    // for the old member's session to expire. Waits capped at 2 s for 30 retries (~55 s): after a
    // broker restart of 18 s the consumers were active members again as soon as it answered.
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 30 },
  };
  return new Kafka(config);
}
