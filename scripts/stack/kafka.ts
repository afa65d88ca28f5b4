// Single-node Apache Kafka (KRaft, combined broker+controller) in .stack/kafka, run straight from
// the jars Maven resolves for scripts/stack/kafka/pom.xml: no tarball, no ZooKeeper, no Docker.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_HOST, type Env, type StackEndpoints } from './endpoints.ts';
import {
  KAFKA_POM,
  LOG4J_PROPERTIES,
  pinnedKafkaVersion,
  serverProperties,
  topicPartitions,
} from './kafka-config.ts';
import { describeClusterOnce, ensureTopics } from './kafka-topics.ts';
import { STACK_DIR, shown } from './paths.ts';
import { isPortInUse, ownedPid, runCommand } from './processes.ts';
import { resolveClasspath } from './maven.ts';
import { StackError, say, seconds, waitFor } from './progress.ts';
import {
  ownedServerStatus,
  stopOwnedServer,
  type ServerStatus,
  type StackServer,
} from './server.ts';

const KAFKA_DIR = join(STACK_DIR, 'kafka');
const DATA_DIR = join(KAFKA_DIR, 'data');
const LOG_FILE = join(KAFKA_DIR, 'kafka.log');
const PID_FILE = join(KAFKA_DIR, 'kafka.pid');
const PROPERTIES_FILE = join(KAFKA_DIR, 'server.properties');
const LOG4J_FILE = join(KAFKA_DIR, 'log4j2.properties');
const CLASSPATH_FILE = join(KAFKA_DIR, 'classpath.txt');
const OWNER = { cwd: KAFKA_DIR, marker: 'kafka.Kafka' };

// First start on a 2-core CI box: JVM start + storage load + coordinator topics ≈ 5-15 s.
const START_TIMEOUT_MS = 120_000;
// Controlled shutdown of a single node takes a few seconds; past this it is stuck.
const STOP_TIMEOUT_MS = 30_000;
const JVM_OPTIONS = [
  '-Xms256m',
  '-Xmx768m',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

/** Kafka cluster ids are 16 random bytes in unpadded base64url; Kafka avoids a leading '-' (CLI parsing). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

async function formatStorage(classpath: string): Promise<void> {
  const clusterId = newClusterId();
  say('kafka', `formatting KRaft storage (first run only), cluster id ${clusterId}…`);
  const args = [
    `-Dlog4j2.configurationFile=${LOG4J_FILE}`,
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '--config',
    PROPERTIES_FILE,
    '--cluster-id',
    clusterId,
  ];
  const result = await runCommand('java', args, { cwd: KAFKA_DIR });
  appendFileSync(
    LOG_FILE,
    `--- kafka-storage format (${new Date().toISOString()}) ---\n${result.output}\n`,
  );
  if (result.code !== 0) {
    rmSync(DATA_DIR, { recursive: true, force: true });
    throw new StackError(`kafka: storage format failed (exit ${result.code})`, LOG_FILE);
  }
}

async function loadTopics(): Promise<readonly string[]> {
  // The topic list is part of the wire contract, owned by the contracts package; its topics.ts is
  // import-free precisely so this script can load it before anything is built.
  const contracts = (await import('../../packages/contracts/src/topics.ts')) as {
    ALL_TOPICS: readonly string[];
  };
  return contracts.ALL_TOPICS;
}

export function createKafka(endpoints: StackEndpoints, env: Env): StackServer {
  const { brokers, external } = endpoints.kafka;
  const { kafka: port, kafkaController: controllerPort } = endpoints.ports;
  const endpoint = brokers.join(',');

  async function createTopics(): Promise<string> {
    const partitions = topicPartitions(env);
    const topics = await loadTopics();
    const result = await ensureTopics(brokers, topics, partitions);
    for (const { topic, partitions: actual } of result.mismatched) {
      say(
        'kafka',
        `note: topic ${topic} has ${actual} partitions, not ${partitions} (left unchanged)`,
      );
    }
    return result.created.length > 0
      ? `created ${result.created.length} topics (${partitions} partitions)`
      : `${topics.length} topics present`;
  }

  async function up(): Promise<string> {
    const started = performance.now();
    if (external) {
      const cluster = await waitFor({
        server: 'kafka',
        what: 'waiting for the external brokers to answer metadata',
        timeoutMs: 30_000,
        probe: () => describeClusterOnce(brokers),
      });
      return `external at ${endpoint} (cluster ${cluster.clusterId}); ${await createTopics()}`;
    }
    const running = ownedPid(PID_FILE, OWNER);
    if (running !== undefined) {
      await waitFor({
        server: 'kafka',
        what: 'checking the running broker answers metadata',
        timeoutMs: 30_000,
        probe: () => describeClusterOnce(brokers),
        logFile: LOG_FILE,
      });
      return `already running (pid ${running}) at ${endpoint}; ${await createTopics()}; log: ${shown(LOG_FILE)}`;
    }
    for (const [p, variable] of [
      [port, 'STACK_KAFKA_PORT'],
      [controllerPort, 'STACK_KAFKA_CONTROLLER_PORT'],
    ] as const) {
      if (await isPortInUse(STACK_HOST, p))
        throw new StackError(
          `kafka: ${STACK_HOST}:${p} is already used by another process; set ${variable} to a free port`,
        );
    }

    mkdirSync(DATA_DIR, { recursive: true });
    const classpath = await resolveClasspath({
      server: 'kafka',
      pom: KAFKA_POM,
      classpathFile: CLASSPATH_FILE,
    });
    writeFileSync(PROPERTIES_FILE, serverProperties(port, controllerPort, DATA_DIR));
    writeFileSync(LOG4J_FILE, LOG4J_PROPERTIES);
    if (!existsSync(join(DATA_DIR, 'meta.properties'))) await formatStorage(classpath);

    say(
      'kafka',
      `starting Kafka ${pinnedKafkaVersion()} (KRaft, broker+controller) on ${endpoint}…`,
    );
    const log = openSync(LOG_FILE, 'a');
    // A marker per start, so a log tail on failure is easy to tell from earlier runs.
    appendFileSync(log, `--- started by npm run stack at ${new Date().toISOString()} ---\n`);
    // detached: own session, so Ctrl-C or the end of this CLI does not take the broker down.
    const child = spawn(
      'java',
      [
        ...JVM_OPTIONS,
        `-Dlog4j2.configurationFile=${LOG4J_FILE}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        PROPERTIES_FILE,
      ],
      {
        cwd: KAFKA_DIR,
        detached: true,
        stdio: ['ignore', log, log],
      },
    );
    child.unref();
    // A spawn failure shows as a missing pid below; without a listener it would
    // crash the CLI with an unhandled 'error' event instead.
    child.once('error', () => undefined);
    if (child.pid === undefined) throw new StackError('kafka: could not start java', LOG_FILE);
    writeFileSync(PID_FILE, `${child.pid}\n`);

    const cluster = await waitFor({
      server: 'kafka',
      what: 'waiting for metadata',
      timeoutMs: START_TIMEOUT_MS,
      probe: () => describeClusterOnce(brokers),
      isAlive: () =>
        child.pid !== undefined && child.exitCode === null && child.signalCode === null,
      logFile: LOG_FILE,
    });
    const topics = await createTopics();
    return `ready in ${seconds(started)} at ${endpoint} (pid ${child.pid}, cluster ${cluster.clusterId}); ${topics}; log: ${shown(LOG_FILE)}`;
  }

  const owned = { external, pidFile: PID_FILE, owner: OWNER };
  const down = (): Promise<string> =>
    stopOwnedServer(owned, { signal: 'SIGTERM', timeoutMs: STOP_TIMEOUT_MS, removePidFile: true });

  const status = (): Promise<ServerStatus> =>
    ownedServerStatus(owned, endpoint, async () => {
      await describeClusterOnce(brokers);
      return true;
    });

  return { name: 'kafka', external, logFile: LOG_FILE, up, down, status };
}
