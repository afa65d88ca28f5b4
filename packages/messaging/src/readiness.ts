import { Kafka, logLevel, type Admin } from 'kafkajs';
import { patchKafkajsRequestQueue } from './request-queue-patch';

/** A readiness probe for the broker: one metadata round trip on a long-lived admin client. */
export class KafkaReadiness {
  readonly name = 'kafka';
  private admin: Admin | undefined;

  constructor(private readonly kafka: Kafka) {}

  async check(): Promise<void> {
    if (this.admin === undefined) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
    }
    await this.admin.describeCluster();
  }

  async close(): Promise<void> {
    await this.admin?.disconnect();
    this.admin = undefined;
  }
}

/**
 * One metadata round trip on a throwaway client that does not retry: a boot loop that retries
 * on its own schedule and logs once per attempt asks this whether the broker is there yet. (The
 * services' clients retry 8 times with backoff and log each failed connection: ~50 s and a
 * dozen error lines per attempt while a broker does not exist yet.)
 */
export async function probeBroker(options: {
  readonly clientId: string;
  readonly brokers: readonly string[];
}): Promise<void> {
  patchKafkajsRequestQueue();
  const admin = new Kafka({
    clientId: `${options.clientId}-boot-probe`,
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
