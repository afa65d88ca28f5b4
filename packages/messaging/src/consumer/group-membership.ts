import type { Consumer } from 'kafkajs';

/**
 * Whether a consumer is an active member of its group right now, from kafkajs's instrumentation
 * events. A consumer that is joining, rebalancing or rejoining after a broker restart consumes
 * nothing, so it is not ready: a probe saying 200 meanwhile hid 7-10 s stalls after each broker
 * restart. A member the group gave no partitions (more replicas than partitions) is active: it
 * joined, and takes partitions over the moment another member leaves.
 */
export class GroupMembership {
  private state: 'joining' | 'active' | 'left' = 'joining';
  private since = Date.now();

  /** Follows one kafkajs consumer; call before `run`. */
  follow(consumer: Consumer): void {
    this.set('joining');
    consumer.on(consumer.events.GROUP_JOIN, () => this.set('active'));
    consumer.on(consumer.events.REBALANCING, () => this.set('joining'));
    // kafkajs rejoins after a retriable crash; until GROUP_JOIN the member has no partitions.
    consumer.on(consumer.events.CRASH, () => this.set('joining'));
    consumer.on(consumer.events.STOP, () => this.set('left'));
  }

  /** Undefined when active; otherwise why not, for the readiness report. */
  problem(groupId: string): string | undefined {
    if (this.state === 'active') return undefined;
    const seconds = ((Date.now() - this.since) / 1000).toFixed(1);
    return this.state === 'joining'
      ? `not an active member of group ${groupId}: joining for ${seconds} s`
      : `left group ${groupId} ${seconds} s ago`;
  }

  private set(state: GroupMembership['state']): void {
    if (state !== this.state) this.since = Date.now();
    this.state = state;
  }
}
