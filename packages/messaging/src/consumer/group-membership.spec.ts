import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { GroupMembership } from './group-membership';

// Only the instrumentation events matter here: the consumer's `on` and its event names.
function fakeConsumer(): { consumer: Consumer; emit: (event: string) => void } {
  const emitter = new EventEmitter();
  const events = {
    GROUP_JOIN: 'consumer.group_join',
    HEARTBEAT: 'consumer.heartbeat',
    REBALANCING: 'consumer.rebalancing',
    CRASH: 'consumer.crash',
    STOP: 'consumer.stop',
  };
  const consumer = {
    events,
    on: (event: string, listener: () => void) => emitter.on(event, listener),
  } as unknown as Consumer;
  return { consumer, emit: (event) => emitter.emit(event) };
}

describe('GroupMembership', () => {
  it('is joining until the group is joined, and again while it rebalances', () => {
    const membership = new GroupMembership();
    const { consumer, emit } = fakeConsumer();
    membership.follow(consumer);
    expect(membership.problem('g')).toMatch(/joining/);
    emit('consumer.group_join');
    expect(membership.problem('g')).toBeUndefined();
    emit('consumer.rebalancing');
    expect(membership.problem('g')).toMatch(/joining/);
    emit('consumer.stop');
    expect(membership.problem('g')).toMatch(/left group g/);
  });

  it('counts an accepted heartbeat as active, without a GROUP_JOIN (a rejoin kafkajs skipped)', () => {
    const membership = new GroupMembership();
    const { consumer, emit } = fakeConsumer();
    membership.follow(consumer);
    emit('consumer.rebalancing');
    emit('consumer.heartbeat');
    expect(membership.problem('g')).toBeUndefined();
  });

  it('ignores the events of a consumer it no longer follows', () => {
    const membership = new GroupMembership();
    const old = fakeConsumer();
    const replacement = fakeConsumer();
    membership.follow(old.consumer);
    membership.follow(replacement.consumer);
    old.emit('consumer.group_join');
    expect(membership.problem('g')).toMatch(/joining/);
    replacement.emit('consumer.group_join');
    old.emit('consumer.stop');
    expect(membership.problem('g')).toBeUndefined();
  });
});
