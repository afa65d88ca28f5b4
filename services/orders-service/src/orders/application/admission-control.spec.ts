import { describe, expect, it } from 'vitest';
import type { PoolLoad } from '@order-saga/persistence';
import { AdmissionControl } from './admission-control';

const backlogOnly = (maxInFlight: number, retryAfterSeconds: number) =>
  new AdmissionControl({ maxInFlight, maxPoolWaiting: 0, retryAfterSeconds });

describe('AdmissionControl', () => {
  it('admits below the bound and sheds from the bound on, with the Retry-After it was given', () => {
    const gate = backlogOnly(3, 2);
    gate.observe(2);
    expect(gate.admit()).toEqual({ admitted: true });
    expect(gate.admit()).toEqual({
      admitted: false,
      bound: 'backlog',
      level: 3,
      limit: 3,
      retryAfterSeconds: 2,
    });
  });

  it('holds a place per admitted request until the next sample, so a burst stops at the bound', () => {
    const gate = backlogOnly(5, 1);
    gate.observe(0);
    const burst = Array.from({ length: 8 }, () => gate.admit().admitted);
    expect(burst).toEqual([true, true, true, true, true, false, false, false]);
    // A request that then failed (validation passed, the database did not) gives its place back.
    gate.giveBack();
    expect(gate.admit().admitted).toBe(true);
    // The next sample counts the created orders itself; finished ones have dropped out.
    gate.observe(1);
    expect(gate.inFlight).toBe(1);
    expect(gate.admit().admitted).toBe(true);
  });

  it('never sheds with a bound of 0', () => {
    const gate = backlogOnly(0, 1);
    gate.observe(1_000_000);
    expect(gate.admit()).toEqual({ admitted: true });
  });

  it('sheds while the connection pool has the bound of requests queued, reading it per request', () => {
    let load: PoolLoad = { size: 10, total: 10, idle: 0, waiting: 3, answering: true };
    const gate = new AdmissionControl({
      maxInFlight: 100,
      maxPoolWaiting: 4,
      retryAfterSeconds: 1,
      pool: () => load,
    });
    expect(gate.admit()).toEqual({ admitted: true });
    load = { ...load, waiting: 4 };
    expect(gate.admit()).toEqual({
      admitted: false,
      bound: 'pool',
      level: 4,
      limit: 4,
      retryAfterSeconds: 1,
    });
    // A shed request holds no place in the backlog count.
    expect(gate.inFlight).toBe(1);
    // A queue that does not move is an outage, not saturation: not shed for it.
    load = { ...load, waiting: 40, answering: false };
    expect(gate.admit()).toEqual({ admitted: true });
    load = { ...load, waiting: 0, answering: true };
    expect(gate.admit()).toEqual({ admitted: true });
  });

  it('names the backlog when both bounds are passed, and never sheds on the pool with a bound of 0', () => {
    const full: PoolLoad = { size: 1, total: 1, idle: 0, waiting: 50, answering: true };
    const both = new AdmissionControl({
      maxInFlight: 1,
      maxPoolWaiting: 1,
      retryAfterSeconds: 1,
      pool: () => full,
    });
    both.observe(1);
    expect(both.admit()).toMatchObject({ admitted: false, bound: 'backlog' });
    const off = new AdmissionControl({
      maxInFlight: 0,
      maxPoolWaiting: 0,
      retryAfterSeconds: 1,
      pool: () => full,
    });
    expect(off.admit()).toEqual({ admitted: true });
  });
});
