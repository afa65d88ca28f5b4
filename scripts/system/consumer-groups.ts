// With `isolation: 'shared'` the services join the stack's own consumer groups. Any other member
// of those groups (a service left running from an earlier demo, a manual run without
// KAFKA_TOPIC_PREFIX) is handed a share of the partitions and silently takes that share of the
// saga's events: orders then hang half-way. So the demo and the benchmark check first.
import { setTimeout as sleep } from 'node:timers/promises';
import { stackKafka } from '../stack/kafka-topics.ts';

/**
 * `${KAFKA_TOPIC_PREFIX}${CONSUMER_NAME}` of each service with no prefix (CONSUMER_NAME lives in
 * services/<name>/src/<context>/application/*.handler.ts). The orchestrator's too: an orchestrator
 * left running would react to the same OrderCreated events.
 */
export const SHARED_CONSUMER_GROUPS = [
  'orders-service.saga',
  'payments-adapter.saga',
  'fulfillment-service.saga',
  'saga-orchestrator.saga',
] as const;

// A member that died without leaving stays until its session times out: 10 s in
// packages/messaging (EventConsumer). A little more, then whoever is still there is alive.
const STALE_MEMBER_GRACE_MS = 15_000;
const POLL_MS = 1_000;

export interface GroupMember {
  readonly group: string;
  readonly clientId: string;
  readonly host: string;
}

async function membersOf(brokers: string[], groups: readonly string[]): Promise<GroupMember[]> {
  const admin = stackKafka(brokers, 'saga-group-check').admin();
  await admin.connect();
  try {
    const { groups: described } = await admin.describeGroups([...groups]);
    return described.flatMap((g) =>
      g.members.map((m) => ({ group: g.groupId, clientId: m.clientId, host: m.clientHost })),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Resolves once none of `groups` has members, waiting out members of a killed run; rejects,
 * naming them, if some are still there after the grace period (they belong to a live process).
 */
export async function assertGroupsUnused(
  brokers: string[],
  groups: readonly string[] = SHARED_CONSUMER_GROUPS,
  onWait: (members: readonly GroupMember[], waitedMs: number) => void = () => undefined,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const members = await membersOf(brokers, groups);
    if (members.length === 0) return;
    const waited = Date.now() - started;
    if (waited >= STALE_MEMBER_GRACE_MS) {
      const list = members.map((m) => `${m.group} (client ${m.clientId} from ${m.host})`);
      throw new Error(
        `another process is consuming the stack's topics: ${list.join(', ')}.\n` +
          "  It would take a share of the saga's events and leave orders half-way.\n" +
          '  Stop it (a service left running? `ps -eo pid,args | grep dist/main.js`), ' +
          'or give it its own KAFKA_TOPIC_PREFIX.',
      );
    }
    onWait(members, waited);
    await sleep(POLL_MS);
  }
}
