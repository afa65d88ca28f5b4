// A saga system run's own state: its databases and topics, made before its services start and
// dropped when it stops (process supervision is saga-system.ts).
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { ALL_TOPICS } from '../../packages/contracts/src/topics.ts';
import type { StackEndpoints } from '../stack/endpoints.ts';
import { ensureTopics } from '../stack/kafka-topics.ts';

export interface RunState {
  /** Each service's DATABASE_URL; `saga` only in orchestration (or when not isolated). */
  readonly databases: {
    readonly orders: string;
    readonly payments: string;
    readonly fulfillment: string;
    readonly saga?: string;
  };
  /** Per-run databases and topics go with the run, unless KEEP_TEST_STATE=1 keeps them to debug. */
  drop(): Promise<void>;
}

/**
 * The run's topics (created with `topicPrefix`) and databases: with `isolated`, fresh databases
 * named after the run; without, the stack's shared ones, which `drop` leaves alone.
 */
export async function createRunState(run: {
  readonly runId: string;
  readonly isolated: boolean;
  readonly topicPrefix: string;
  readonly brokers: string[];
  readonly partitions: number;
  /** Only the orchestrator owns a saga database. */
  readonly withSagaDatabase: boolean;
  readonly endpoints: StackEndpoints;
}): Promise<RunState> {
  const { runId, isolated, topicPrefix, brokers, endpoints } = run;
  await ensureTopics(
    brokers,
    ALL_TOPICS.map((topic) => `${topicPrefix}${topic}`),
    run.partitions,
  );
  const adminUrl = endpoints.postgres.urls.orders;
  const dbNames = {
    orders: `orders_${runId}`,
    payments: `payments_${runId}`,
    fulfillment: `fulfillment_${runId}`,
    saga: `saga_${runId}`,
  };
  const databases = isolated
    ? {
        orders: await createDatabase(adminUrl, dbNames.orders),
        payments: await createDatabase(adminUrl, dbNames.payments),
        fulfillment: await createDatabase(adminUrl, dbNames.fulfillment),
        // drop() skips what was never made.
        ...(run.withSagaDatabase ? { saga: await createDatabase(adminUrl, dbNames.saga) } : {}),
      }
    : {
        orders: endpoints.postgres.urls.orders,
        payments: endpoints.postgres.urls.payments,
        fulfillment: endpoints.postgres.urls.fulfillment,
        saga: endpoints.postgres.urls.saga,
      };
  return {
    databases,
    async drop() {
      if (!isolated || process.env['KEEP_TEST_STATE'] === '1') return;
      for (const name of Object.values(dbNames)) await dropDatabase(adminUrl, name);
      await deleteTopics(brokers, topicPrefix);
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh database per suite run: suites never share rows, and nothing is cleaned by hand. */
async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'saga-test-cleanup',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}
