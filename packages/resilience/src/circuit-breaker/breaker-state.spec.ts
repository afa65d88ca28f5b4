import { describe, expect, it } from 'vitest';
import {
  CLOSED_RECORD,
  breakerPolicy,
  nextRecord,
  shouldTrip,
  type BreakerRecord,
} from './breaker-state';

const policy = breakerPolicy({
  errorThresholdPercentage: 50,
  volumeThreshold: 5,
  windowMs: 10_000,
  resetTimeoutMs: 5_000,
});
const open: BreakerRecord = {
  state: 'open',
  openedAt: 1_000,
  reason: '5 of 6 calls failed',
  held: false,
  version: 1,
};

describe('shouldTrip', () => {
  it('never trips below the volume threshold, however bad the share', () => {
    expect(shouldTrip({ calls: 4, failures: 4 }, policy)).toBe(false);
    expect(shouldTrip({ calls: 0, failures: 0 }, policy)).toBe(false);
  });

  it('trips above the failure share only (opossum: more than the threshold)', () => {
    expect(shouldTrip({ calls: 10, failures: 5 }, policy)).toBe(false);
    expect(shouldTrip({ calls: 10, failures: 6 }, policy)).toBe(true);
  });
});

describe('nextRecord', () => {
  it('a trip opens a closed breaker and bumps the version; a second trip changes nothing', () => {
    const tripped = nextRecord(CLOSED_RECORD, { kind: 'trip', at: 1_000, reason: 'x' }, policy);
    expect(tripped).toEqual({
      state: 'open',
      openedAt: 1_000,
      reason: 'x',
      held: false,
      version: 1,
    });
    expect(nextRecord(open, { kind: 'trip', at: 2_000, reason: 'y' }, policy)).toBeUndefined();
  });

  it('half-opens only once the reset timeout has elapsed since the opening', () => {
    expect(nextRecord(open, { kind: 'reset-elapsed', at: 5_999 }, policy)).toBeUndefined();
    expect(nextRecord(open, { kind: 'reset-elapsed', at: 6_000 }, policy)).toMatchObject({
      state: 'half-open',
      openedAt: 1_000,
      version: 2,
    });
  });

  it('a probe that succeeds closes it; one that fails opens it again from now', () => {
    const half: BreakerRecord = { ...open, state: 'half-open', version: 2 };
    expect(nextRecord(half, { kind: 'probe-succeeded' }, policy)).toEqual({
      ...CLOSED_RECORD,
      version: 3,
    });
    expect(
      nextRecord(half, { kind: 'trip', at: 7_000, reason: 'the probe failed' }, policy),
    ).toMatchObject({ state: 'open', openedAt: 7_000, version: 3 });
    expect(nextRecord(open, { kind: 'probe-succeeded' }, policy)).toBeUndefined();
  });

  it('a hold opens before any failure and is never half-opened by the timer', () => {
    const held = nextRecord(CLOSED_RECORD, { kind: 'hold', at: 500, reason: 'unready' }, policy);
    expect(held).toMatchObject({ state: 'open', openedAt: 500, held: true, reason: 'unready' });
    if (held === undefined) throw new Error('expected a hold');
    expect(nextRecord(held, { kind: 'reset-elapsed', at: 1e9 }, policy)).toBeUndefined();
    expect(nextRecord(held, { kind: 'hold', at: 900, reason: 'unready' }, policy)).toBeUndefined();
  });

  it('a hold on an open breaker keeps the time the outage began', () => {
    expect(nextRecord(open, { kind: 'hold', at: 3_000, reason: 'unready' }, policy)).toMatchObject({
      state: 'open',
      openedAt: 1_000,
      held: true,
    });
  });

  it('release half-opens a held breaker at once, and does nothing to one not held', () => {
    const held: BreakerRecord = { ...open, held: true };
    expect(nextRecord(held, { kind: 'release' }, policy)).toMatchObject({
      state: 'half-open',
      held: false,
      version: 2,
    });
    expect(nextRecord(open, { kind: 'release' }, policy)).toBeUndefined();
    expect(nextRecord(CLOSED_RECORD, { kind: 'release' }, policy)).toBeUndefined();
  });
});

describe('breakerPolicy', () => {
  it('rejects thresholds that cannot work', () => {
    expect(() => breakerPolicy({ ...policy, errorThresholdPercentage: 100 })).toThrow(RangeError);
    expect(() => breakerPolicy({ ...policy, volumeThreshold: 0 })).toThrow(RangeError);
  });
});
