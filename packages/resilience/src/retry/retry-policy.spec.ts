import { describe, expect, it } from 'vitest';
import { attemptsLeft, retryDelay, retryPolicy, type RetryPolicy } from './retry-policy';
import { retry, withinTime } from './retry';

const policy: RetryPolicy = {
  baseMs: 100,
  capMs: 5_000,
  attempts: 8,
  jitter: 'full',
  whenExhausted: 'dead-letter',
};

describe('retryDelay (exponential, capped, jittered)', () => {
  it('doubles the ceiling with each retry', () => {
    const ceiling = (retry: number): number => retryDelay(policy, retry, () => 1);
    expect([0, 1, 2, 3, 4].map(ceiling)).toEqual([100, 200, 400, 800, 1_600]);
  });

  it('never exceeds the cap', () => {
    expect(retryDelay(policy, 30, () => 1)).toBe(5_000);
  });

  it('full jitter spreads delays uniformly below the ceiling', () => {
    expect(retryDelay(policy, 3, () => 0)).toBe(0);
    expect(retryDelay(policy, 3, () => 0.5)).toBe(400);
  });

  it('equal jitter never waits less than half the ceiling', () => {
    const equal = { ...policy, jitter: 'equal' } as const;
    expect(retryDelay(equal, 3, () => 0)).toBe(400);
    expect(retryDelay(equal, 3, () => 1)).toBe(800);
  });

  it('no jitter waits the ceiling itself', () => {
    expect(retryDelay({ ...policy, jitter: 'none' }, 2, () => 0)).toBe(400);
  });
});

describe('retryPolicy', () => {
  it('rejects a base above the cap and a budget below one attempt', () => {
    expect(() => retryPolicy({ ...policy, baseMs: 6_000 })).toThrow(RangeError);
    expect(() => retryPolicy({ ...policy, attempts: 0 })).toThrow(RangeError);
  });

  it('counts attempts against the budget', () => {
    expect(attemptsLeft(policy, 7)).toBe(true);
    expect(attemptsLeft(policy, 8)).toBe(false);
    expect(attemptsLeft({ ...policy, attempts: Infinity }, 1e9)).toBe(true);
  });
});

describe('retry', () => {
  const quick: RetryPolicy = {
    baseMs: 1,
    capMs: 2,
    attempts: 3,
    jitter: 'none',
    whenExhausted: 'fail',
  };

  it('retries until the work succeeds, reporting each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retry(
      () => (++calls < 3 ? Promise.reject(new Error(`try ${calls}`)) : Promise.resolve('done')),
      quick,
      { onRetry: (_error, next) => waits.push(next.attempt) },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([1, 2]);
  });

  it('throws the last error once the attempts are used up', async () => {
    let calls = 0;
    await expect(retry(() => Promise.reject(new Error(`try ${++calls}`)), quick)).rejects.toThrow(
      'try 3',
    );
  });

  it('throws at once on an error that is not retryable', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls++;
          return Promise.reject(new Error('bad request'));
        },
        quick,
        { retryable: () => false },
      ),
    ).rejects.toThrow('bad request');
    expect(calls).toBe(1);
  });

  it('stops waiting when the signal aborts', async () => {
    const stop = new AbortController();
    const slow = { ...quick, baseMs: 60_000, capMs: 60_000, attempts: Infinity };
    const running = retry(() => Promise.reject(new Error('down')), slow, {
      signal: stop.signal,
      onRetry: () => stop.abort(),
    });
    await expect(running).rejects.toThrow('down');
  });

  it('stops once the next retry would start past the time budget', async () => {
    expect(withinTime(30, 20, 50)).toBe(true);
    expect(withinTime(31, 20, 50)).toBe(false);
    expect(withinTime(1e9, 1e9)).toBe(true);
    let calls = 0;
    const endless = { ...quick, baseMs: 20, capMs: 1_000, attempts: Infinity };
    await expect(
      retry(() => Promise.reject(new Error(`try ${++calls}`)), endless, { maxElapsedMs: 50 }),
    ).rejects.toThrow('try 2');
  });
});
