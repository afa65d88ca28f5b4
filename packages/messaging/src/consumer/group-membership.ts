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
  private current: Consumer | undefined;

  /**
   * Follows one kafkajs consumer; call before `run`. After a restart only the newest consumer
   * counts: a late event of the one it replaced must not overwrite its state.
   */
  follow(consumer: Consumer): void {
    this.current = consumer;
    this.set('joining');
    const set = (state: GroupMembership['state']) => (): void => {
      if (this.current === consumer) this.set(state);
    };
    consumer.on(consumer.events.GROUP_JOIN, set('active'));
    // The coordinator accepted a heartbeat for this member and generation: it is an active
    // member. kafkajs 2.2.4 can get back to that without a GROUP_JOIN: after a broker restart
    // its rejoin failed ("the coordinator is loading") inside the fetch loop's retrier, which
    // retried the fetch, and the member the broker restored from the group log consumed on.
    // Readiness then said "joining" for 70 s while it worked (fault matrix, kafka-restart).
    consumer.on(consumer.events.HEARTBEAT, set('active'));
    consumer.on(consumer.events.REBALANCING, set('joining'));
    // kafkajs rejoins after a retriable crash; until then the member has no partitions.
    consumer.on(consumer.events.CRASH, set('joining'));
    consumer.on(consumer.events.STOP, set('left'));
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
