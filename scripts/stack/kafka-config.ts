// What the stack's Kafka broker is: pinned version, broker configuration, logging configuration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STACK_HOST, type Env } from './endpoints.ts';
import { StackError } from './progress.ts';

export const KAFKA_POM = join(import.meta.dirname, 'kafka', 'pom.xml');
const DEFAULT_TOPIC_PARTITIONS = 6;

/**
 * The highest `metadata.version` feature level each pinned Kafka release line supports; the only
 * version information a broker puts on the wire (see kafka-api-versions.ts). Bumping the pom to a
 * new release line means adding its level here, which the compat test then checks.
 */
export const METADATA_VERSION_LEVELS: Readonly<Record<string, { level: number; name: string }>> = {
  '4.3': { level: 30, name: '4.3-IV0' },
};

/** The Kafka version the stack pins, read from the pom so there is one place to change it. */
export function pinnedKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(KAFKA_POM, 'utf8'));
  if (!match?.[1]) throw new Error(`no <kafka.version> in ${KAFKA_POM}`);
  return match[1];
}

export function topicPartitions(env: Env): number {
  const raw = env['KAFKA_TOPIC_PARTITIONS'];
  if (raw === undefined || raw.trim() === '') return DEFAULT_TOPIC_PARTITIONS;
  const partitions = Number(raw);
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new StackError(`KAFKA_TOPIC_PARTITIONS must be a positive integer, got "${raw}"`);
  return partitions;
}

export function serverProperties(port: number, controllerPort: number, dataDir: string): string {
  return `# Written by scripts/stack/kafka-config.ts on every \`npm run stack -- up\`; edits are overwritten.
process.roles=broker,controller
node.id=1
# Static single-voter quorum: formatting needs only a cluster id, and ports may change between runs.
controller.quorum.voters=1@${STACK_HOST}:${controllerPort}
listeners=PLAINTEXT://${STACK_HOST}:${port},CONTROLLER://${STACK_HOST}:${controllerPort}
advertised.listeners=PLAINTEXT://${STACK_HOST}:${port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
# One node: every replication factor is 1.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Internal topics default to 50 partitions each; 6 keeps first start and group joins fast.
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
share.coordinator.state.topic.num.partitions=6
# After a crash (kill -9, fault tests) the restarted broker cannot register until the old
# session expires (DUPLICATE_BROKER_REGISTRATION): 5 s instead of 9 s; heartbeats stay 5x faster.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=5000
# Consumers of tests and services join immediately instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# Topics are created explicitly (ensureTopics): a typo in a topic name must fail, not create a topic.
auto.create.topics.enable=false
num.partitions=${DEFAULT_TOPIC_PARTITIONS}
`;
}

// Kafka ships its log4j2 config only in the tarball; without one log4j2 prints errors only.
export const LOG4J_PROPERTIES = `# Written by scripts/stack/kafka-config.ts. Everything goes to stdout, which is kafka.log.
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
# Per-request and state-change chatter: useful only when debugging the broker itself.
logger.request.name=kafka.request.logger
logger.request.level=WARN
logger.state.name=state.change.logger
logger.state.level=WARN
`;
