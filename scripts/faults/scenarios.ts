// The fault scenarios of `npm run faults` and test/e2e/fault-matrix.test.ts: one fault each,
// injected while steady load runs. A scenario says when its fault is over (recovery is measured
// from then), what it put on the wire on purpose (duplicates, poison), and what it checks beyond
// the ledger's guarantees.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { SAGA_TOPICS } from '../../packages/contracts/src/topics.ts';
import { readTopics, type ReadMessage } from '../../test/support/topic-reader.ts';
import type { PrivateRedis } from '../system/redis-server.ts';
import type { ProcessName, SagaSystem } from '../system/saga-system.ts';
import { waitFor } from '../system/wait.ts';
import type { PrivateKafka } from './private-kafka.ts';
import type { LoadOptions, LoadResult } from './steady-load.ts';
import { loadRequest } from './steady-load.ts';
import type { TcpProxy } from './tcp-proxy.ts';

export type SagaMode = 'choreography' | 'orchestration';

/** What a scenario may break: the system, its private broker and Redis, the database proxy. */
export interface FaultTargets {
  readonly system: SagaSystem;
  readonly kafka: PrivateKafka;
  readonly redis: PrivateRedis;
  readonly database: TcpProxy;
}

export interface FaultContext extends FaultTargets {
  readonly mode: SagaMode;
  readonly load: LoadOptions;
  /** Filled while the load runs: request number -> order id, for keyed retries. */
  readonly created: LoadResult['createdBy'];
  readonly progress: (line: string) => void;
}

export interface FaultOutcome {
  /** performance.now() when the fault was over (the dependency back, the service restarted). */
  readonly endedAt: number;
  readonly notes: string[];
  /** Keys of records the scenario dead-letters on purpose. */
  readonly expectedDeadLetterKeys?: ReadonlySet<string>;
  /** Checked once every order settled: problems beyond the ledger's, e.g. a replay that differed. */
  readonly verify?: () => Promise<string[]>;
  /** The scenario re-published events on purpose: at least this many copies of one must show. */
  readonly expectCopies?: number;
  /** At most this many records may carry one event id (1: nothing was published twice). */
  readonly maxCopies?: number;
}

export interface FaultScenario {
  readonly name: string;
  readonly description: string;
  /** Only in these modes (the orchestrator exists only in orchestration). Default: both. */
  readonly modes?: readonly SagaMode[];
  inject(context: FaultContext): Promise<FaultOutcome>;
}

const PARTICIPANTS: readonly ProcessName[] = [
  'orders-service',
  'payments-adapter',
  'fulfillment-service',
];

function consumersOf(mode: SagaMode): ProcessName[] {
  return mode === 'orchestration' ? [...PARTICIPANTS, 'saga-orchestrator'] : [...PARTICIPANTS];
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Waits until every consuming service answers ready (an active member of its group again). */
async function allReady(context: FaultContext, since: number): Promise<number> {
  let waitingFor = '';
  await waitFor(
    'every consumer to be ready again',
    async () => {
      for (const name of consumersOf(context.mode)) {
        const service =
          name === 'saga-orchestrator'
            ? context.system.orchestrator
            : context.system.services[name];
        if (service === undefined) continue;
        const response = await fetch(`${service.url}/health/ready`);
        if (!response.ok) {
          waitingFor = `${name}: ${await response.text()}`;
          return undefined;
        }
      }
      return true;
    },
    60_000,
    100,
  ).catch((error: unknown) => {
    throw new Error(`${error instanceof Error ? error.message : String(error)}; ${waitingFor}`);
  });
  return performance.now() - since;
}

function kill(victim: ProcessName): FaultScenario {
  return {
    name: `kill-${victim}`,
    description: `SIGKILL ${victim} mid-saga, start it again on the same port`,
    ...(victim === 'saga-orchestrator' ? { modes: ['orchestration'] as const } : {}),
    async inject(context) {
      const killedAt = performance.now();
      await context.system.kill(victim);
      await context.system.start(victim);
      const endedAt = performance.now();
      const readyMs = await allReady(context, killedAt);
      return {
        endedAt,
        notes: [
          `${victim} ready again ${seconds(endedAt - killedAt)} after the kill; every consumer ${seconds(readyMs)}`,
        ],
      };
    },
  };
}

// Short in CI; FAULT_KAFKA_DOWN_MS=15000 keeps the broker down past kafkajs's retry window.
const KAFKA_DOWN_MS = Number(process.env['FAULT_KAFKA_DOWN_MS'] ?? 2_000);

const kafkaRestart: FaultScenario = {
  name: 'kafka-restart',
  description: `controlled shutdown of the broker, down ${seconds(KAFKA_DOWN_MS)}, started again`,
  async inject(context) {
    const stoppedAt = performance.now();
    await context.kafka.restart(KAFKA_DOWN_MS);
    const endedAt = performance.now();
    const readyMs = await allReady(context, endedAt);
    return {
      endedAt,
      notes: [
        `broker back ${seconds(endedAt - stoppedAt)} after the stop; every consumer an active member ${seconds(readyMs)} after that`,
      ],
    };
  },
};

// Short in CI; FAULT_DB_DOWN_MS=30000 is the 30 s outage under load of issue 8.
const DB_DOWN_MS = Number(process.env['FAULT_DB_DOWN_MS'] ?? 3_000);

const postgresRestart: FaultScenario = {
  name: 'postgres-restart',
  description: `every database connection reset and refused for ${seconds(DB_DOWN_MS)} (a restart, as the services see it)`,
  async inject(context) {
    await context.database.cut();
    await pause(DB_DOWN_MS);
    await context.database.restore();
    const endedAt = performance.now();
    const readyMs = await allReady(context, endedAt);
    return { endedAt, notes: [`every service ready ${seconds(readyMs)} after the database`] };
  },
};

/** Re-POSTs the first requests with their keys: each must return its first order, replayed. */
async function replayKeys(context: FaultContext, count: number): Promise<string[]> {
  const problems: string[] = [];
  const keyed = [...context.created].slice(0, count);
  for (const [n, id] of keyed) {
    const request = loadRequest(context.load, n);
    const response = await fetch(`${context.load.ordersUrl}/orders`, {
      method: 'POST',
      ...request,
    });
    const body = (await response.json()) as { id?: string };
    if (body.id !== id || response.headers.get('idempotent-replayed') !== 'true')
      problems.push(`key of request ${n}: ${response.status} ${body.id ?? '?'} instead of ${id}`);
  }
  return problems;
}

const redisFlushRestart: FaultScenario = {
  name: 'redis-flush-restart',
  description: 'FLUSHALL, keyed retries, then Redis killed for 2 s and started empty',
  async inject(context) {
    await context.redis.flushAll();
    const afterFlush = await replayKeys(context, 10);
    await context.redis.kill();
    await pause(2_000);
    await context.redis.start();
    const endedAt = performance.now();
    return {
      endedAt,
      notes: [`10 keyed retries after the flush: ${afterFlush.length} differed`],
      verify: async () => [...afterFlush, ...(await replayKeys(context, 10))],
    };
  },
};

/** The committed offsets of a group, per topic, and how many records a reset replays. */
const consumerReplay: FaultScenario = {
  name: 'consumer-replay',
  description: "payments-adapter stopped, its group's offsets reset to the earliest, restarted",
  async inject(context) {
    const { system } = context;
    const groupId = `${system.topicPrefix}payments-adapter.saga`;
    await system.stopGracefully('payments-adapter');
    const admin = new Kafka({
      clientId: 'fault-replay',
      brokers: system.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    let replayed = 0;
    try {
      const committed = await admin.fetchOffsets({ groupId });
      for (const { topic, partitions } of committed) {
        const low = await admin.fetchTopicOffsets(topic);
        for (const { partition, offset } of partitions) {
          const start = Number(low.find((p) => p.partition === partition)?.low ?? 0);
          replayed += Math.max(0, Number(offset) - start);
        }
        // The group is empty (a graceful stop leaves it at once), so the broker accepts this.
        await admin.resetOffsets({ groupId, topic, earliest: true });
      }
    } finally {
      await admin.disconnect();
    }
    await system.start('payments-adapter');
    return {
      endedAt: performance.now(),
      notes: [`${replayed} records delivered again to ${groupId.slice(system.topicPrefix.length)}`],
    };
  },
};

async function sagaRecords(
  context: FaultContext,
  orderIds: ReadonlySet<string>,
): Promise<ReadMessage[]> {
  const { system } = context;
  const messages = await readTopics(
    system.brokers,
    SAGA_TOPICS.map((topic) => `${system.topicPrefix}${topic}`),
  );
  return messages.filter((m) => orderIds.has(m.key));
}

function rawProducer(brokers: string[]): ReturnType<Kafka['producer']> {
  return new Kafka({
    clientId: 'fault-raw-producer',
    brokers,
    logLevel: logLevel.NOTHING,
  }).producer();
}

function encode(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const duplicateEvent: FaultScenario = {
  name: 'duplicate-event',
  description: 'every record of the first 10 orders produced a second time, as it was',
  async inject(context) {
    const ids = new Set([...context.created.values()].slice(0, 10));
    const records = await sagaRecords(context, ids);
    const producer = rawProducer(context.system.brokers);
    await producer.connect();
    try {
      for (const record of records)
        await producer.send({
          topic: record.topic,
          messages: [{ key: record.key, value: encode(record.value), headers: record.headers }],
        });
    } finally {
      await producer.disconnect();
    }
    return {
      endedAt: performance.now(),
      notes: [`${records.length} records of ${ids.size} orders produced again`],
      expectCopies: 2,
    };
  },
};

const poisonRecord: FaultScenario = {
  name: 'poison-record',
  description: 'a raw producer writes a record of a consumed type whose body is not JSON',
  async inject(context) {
    const first = [...context.created.values()][0];
    if (first === undefined) throw new Error('no order accepted before the fault');
    const [template] = await sagaRecords(context, new Set([first]));
    if (template === undefined) throw new Error(`no record of order ${first} on the saga topics`);
    const key = `poison-${randomUUID()}`;
    const producer = rawProducer(context.system.brokers);
    await producer.connect();
    const sentAt = Date.now();
    try {
      await producer.send({
        topic: template.topic,
        messages: [
          {
            key,
            value: '{"this is": not json',
            headers: { ...template.headers, ce_id: randomUUID() },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const dlt = `${template.topic}.dlt`;
    const parked = await waitFor(
      `the poison record in ${dlt}`,
      async () => {
        const [record] = (await readTopics(context.system.brokers, [dlt])).filter(
          (m) => m.key === key,
        );
        return record;
      },
      30_000,
      250,
    );
    return {
      endedAt: performance.now(),
      notes: [
        `poison ${template.headers['ce_type'] ?? '?'} on ${template.topic.slice(context.system.topicPrefix.length)} dead-lettered ${seconds(parked.timestamp - sentAt)} after it was written`,
      ],
      expectedDeadLetterKeys: new Set([key]),
    };
  },
};

const relayRace: FaultScenario = {
  name: 'relay-race',
  description: 'a second orders-service (relay + consumer) on the same database for 4 s',
  async inject(context) {
    const replica = await context.system.startReplica('orders-service');
    context.progress('second orders-service ready: two relays race for one outbox');
    await pause(4_000);
    await context.system.stopReplica(replica);
    return {
      endedAt: performance.now(),
      notes: ['two relays shared the outbox (advisory lock), two members the group'],
      maxCopies: 1,
    };
  },
};

export const FAULT_SCENARIOS: readonly FaultScenario[] = [
  kill('orders-service'),
  kill('payments-adapter'),
  kill('fulfillment-service'),
  kill('saga-orchestrator'),
  kafkaRestart,
  postgresRestart,
  redisFlushRestart,
  consumerReplay,
  duplicateEvent,
  poisonRecord,
  relayRace,
];
