import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

const policy = { baseMs: 100, maxMs: 5_000 };

describe('backoffDelay (exponential, full jitter)', () => {
  it('doubles the ceiling with each attempt', () => {
    const ceiling = (attempt: number): number => backoffDelay(attempt, policy, () => 1);
    expect([0, 1, 2, 3, 4].map(ceiling)).toEqual([100, 200, 400, 800, 1_600]);
  });

  it('never exceeds the cap', () => {
    expect(backoffDelay(30, policy, () => 1)).toBe(5_000);
  });

  it('spreads delays uniformly below the ceiling', () => {
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(400);
  });
});
