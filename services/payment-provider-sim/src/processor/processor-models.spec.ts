import { describe, expect, it } from 'vitest';
import { PERFECT, applyPatch, type Behaviour } from './behaviour';
import { decideFault, type Fault } from './faults';
import { sampleLatencyMs } from './latency';
import { seededRandom } from './random';

const with_ = (patch: Parameters<typeof applyPatch>[1]): Behaviour => applyPatch(PERFECT, patch);

function draws<T>(n: number, f: () => T): T[] {
  return Array.from({ length: n }, f);
}

describe('seededRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = draws(1000, seededRandom(42));
    expect(draws(1000, seededRandom(42))).toEqual(a);
    expect(draws(3, seededRandom(43))).not.toEqual(a.slice(0, 3));
    expect(Math.min(...a)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a)).toBeLessThan(1);
  });
});

describe('sampleLatencyMs', () => {
  it('is zero for the perfect processor', () => {
    const random = seededRandom(1);
    expect(new Set(draws(100, () => sampleLatencyMs(PERFECT, random)))).toEqual(new Set([0]));
  });

  it('stays within base + jitter, and a tail share pays the tail', () => {
    const random = seededRandom(7);
    const behaviour = with_({ latency: { baseMs: 40, jitterMs: 20, tailRate: 0.05, tailMs: 500 } });
    const samples = draws(10_000, () => sampleLatencyMs(behaviour, random));
    const body = samples.filter((ms) => ms < 500);
    const tail = samples.filter((ms) => ms >= 540);
    expect(Math.min(...body)).toBeGreaterThanOrEqual(40);
    expect(Math.max(...body)).toBeLessThanOrEqual(60);
    expect(body.length + tail.length).toBe(samples.length);
    // 5 % of 10 000 = 500, binomial sd ≈ 22: a seeded draw well inside ±5 sd.
    expect(tail.length).toBeGreaterThan(390);
    expect(tail.length).toBeLessThan(610);
  });

  it('adds the slow-down to every call', () => {
    const random = seededRandom(3);
    const behaviour = with_({ latency: { baseMs: 10 }, slowdownMs: 3_000 });
    expect(new Set(draws(50, () => sampleLatencyMs(behaviour, random)))).toEqual(new Set([3_010]));
  });
});

describe('decideFault', () => {
  const tally = (behaviour: Behaviour, n: number, seed = 11): Record<string, number> => {
    const random = seededRandom(seed);
    const counts: Record<string, number> = {};
    for (const fault of draws<Fault>(n, () => decideFault(behaviour, random))) {
      const key =
        fault.kind === 'server-error'
          ? `http-${fault.status}`
          : fault.kind === 'timeout' || fault.kind === 'reset'
            ? `${fault.kind}-${fault.afterCharge ? 'after' : 'before'}`
            : fault.kind;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };

  it('never fails a perfect processor, always fails one in an outage', () => {
    expect(tally(PERFECT, 1000)).toEqual({ none: 1000 });
    expect(tally(with_({ outage: true, errorRate: 0.5 }), 1000)).toEqual({ outage: 1000 });
  });

  it('fails about errorRate of the calls, split by the mix', () => {
    const counts = tally(with_({ errorRate: 0.05 }), 20_000);
    const failed = 20_000 - (counts['none'] ?? 0);
    // 5 % of 20 000 = 1000, sd ≈ 31.
    expect(failed).toBeGreaterThan(850);
    expect(failed).toBeLessThan(1150);
    const serverErrors =
      (counts['http-500'] ?? 0) + (counts['http-502'] ?? 0) + (counts['http-503'] ?? 0);
    const timeouts = (counts['timeout-before'] ?? 0) + (counts['timeout-after'] ?? 0);
    const resets = (counts['reset-before'] ?? 0) + (counts['reset-after'] ?? 0);
    for (const share of [serverErrors, timeouts, resets]) {
      expect(share).toBeGreaterThan(failed / 3 - 100);
      expect(share).toBeLessThan(failed / 3 + 100);
    }
    // Some transport failures strike after the charge: the case idempotency keys exist for.
    expect(counts['timeout-after']).toBeGreaterThan(0);
    expect(counts['reset-after']).toBeGreaterThan(0);
  });

  it('injects only the kinds with weight', () => {
    const counts = tally(
      with_({ errorRate: 1, errorMix: { serverError: 0, timeout: 0, reset: 1 } }),
      500,
    );
    expect(Object.keys(counts).sort()).toEqual(['reset-after', 'reset-before']);
  });

  it('replays the same decisions for the same seed, whatever the knobs', () => {
    expect(tally(with_({ errorRate: 0.2 }), 2000, 5)).toEqual(
      tally(with_({ errorRate: 0.2 }), 2000, 5),
    );
  });
});

describe('applyPatch', () => {
  it('changes only what the patch names, nested objects partially', () => {
    const next = applyPatch(PERFECT, { latency: { baseMs: 200 }, async: { enabled: true } });
    expect(next.latency).toEqual({ ...PERFECT.latency, baseMs: 200 });
    expect(next.async).toEqual({ ...PERFECT.async, enabled: true });
    expect(next.errorRate).toBe(PERFECT.errorRate);
  });
});
