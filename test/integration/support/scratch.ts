import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createLogger, SagaMetrics } from '@order-saga/observability';
import { resolveStackEndpoints } from '../../../scripts/stack/endpoints.ts';
import { ensureTopics } from '../../../scripts/stack/kafka-topics.ts';

const endpoints = resolveStackEndpoints(process.env);
export const brokers = endpoints.kafka.brokers;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    connectionString: withDatabase(endpoints.postgres.urls.orders, 'postgres'),
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface Scratch {
  readonly url: string;
  readonly db: DataSource;
  readonly prefix: string;
  readonly kafka: Kafka;
  readonly logger: ReturnType<typeof createLogger>;
  readonly metrics: SagaMetrics;
  topic(name: string): string;
  dispose(): Promise<void>;
}

/** A throwaway database and topic prefix for one integration suite, on the native stack. */
export async function scratch(suite: string, topics: readonly string[] = []): Promise<Scratch> {
  const id = `${suite}_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE "${id}"`));
  const url = withDatabase(endpoints.postgres.urls.orders, id);
  const db = new DataSource({ type: 'postgres', url, extra: { max: 10 } });
  await db.initialize();
  const prefix = `it-${id}.`;
  if (topics.length > 0)
    await ensureTopics(
      brokers,
      topics.map((t) => `${prefix}${t}`),
      3,
    );
  const kafka = new Kafka({ clientId: id, brokers, logLevel: logLevel.NOTHING });
  return {
    url,
    db,
    prefix,
    kafka,
    logger: createLogger(suite, 'silent'),
    metrics: new SagaMetrics(suite),
    topic: (name) => `${prefix}${name}`,
    async dispose() {
      await db.destroy();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${id}" WITH (FORCE)`));
      const kafkaAdmin = kafka.admin();
      await kafkaAdmin.connect();
      const ours = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(prefix));
      if (ours.length > 0) await kafkaAdmin.deleteTopics({ topics: ours });
      await kafkaAdmin.disconnect();
    },
  };
}
