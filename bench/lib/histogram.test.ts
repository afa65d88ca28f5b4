// Unit test (Vitest project unit): the histogram against exact quantiles of the same samples.
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { Histogram, histogramOf } from './histogram.ts';

function exactPercentile(sorted: readonly number[], percentile: number): number {
  const rank = Math.max(1, Math.ceil((percentile / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

function lognormalSamples(count: number, seed: number): number[] {
  // Deterministic xorshift so a failure is reproducible.
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 1) / 4_294_967_297;
  };
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const normal = Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next());
    // Milliseconds, rounded to the histogram's microsecond unit: median ~5 ms, long tail.
    samples.push(Math.round(Math.exp(1.6 + 1.2 * normal) * 1_000) / 1_000);
  }
  return samples;
}

test('quantiles are within 0.1 % of the exact ones', () => {
  const samples = lognormalSamples(50_000, 42);
  const histogram = histogramOf(samples);
  const sorted = [...samples].sort((a, b) => a - b);
  for (const p of [1, 10, 50, 90, 99, 99.9, 99.99]) {
    const exact = exactPercentile(sorted, p);
    const approx = histogram.percentile(p);
    assert.ok(approx >= exact, `p${p}: ${approx} < exact ${exact}`);
    assert.ok(approx <= exact * 1.001 + 0.001, `p${p}: ${approx} vs exact ${exact}`);
  }
  assert.equal(histogram.percentile(100), sorted[sorted.length - 1]);
  assert.equal(histogram.summary().min, sorted[0]);
  assert.equal(histogram.count, samples.length);
});

test('small values are exact and merging adds counts', () => {
  const a = histogramOf([0.001, 0.002, 0.002, 1.5]);
  const b = histogramOf([2.047, 0]);
  a.add(b);
  assert.equal(a.count, 6);
  assert.equal(a.percentile(50), 0.002);
  assert.equal(a.percentile(100), 2.047);
  assert.equal(a.summary().min, 0);
});

test('huge values are clamped, not lost', () => {
  const h = new Histogram();
  h.record(10 * 3_600_000);
  h.record(Number.NaN);
  assert.equal(h.count, 1);
  assert.ok(h.percentile(50) > 1_000_000);
  assert.ok(Number.isNaN(new Histogram().percentile(50)));
});
