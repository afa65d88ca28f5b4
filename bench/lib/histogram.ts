// An HDR (high dynamic range) latency histogram, after Gil Tene's HdrHistogram: log-linear
// buckets with 3 significant decimal digits, so every recorded value is kept within 0.1 % of its
// true value from 1 µs to ~18 minutes in a fixed 21,504-slot array, whatever the count.
// Written here rather than pulled in as a dependency: it is 100 lines and the benchmark's only
// statistic, so it is tested against exact quantiles in histogram.test.ts.

/** 2048 sub-buckets per power of two: the smallest power of two >= 2 * 10^3 (3 digits). */
const SUB_BUCKET_BITS = 11;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_HALF_BITS = SUB_BUCKET_BITS - 1;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_BITS;
/** Largest value kept exactly (µs): 2^30 µs ≈ 17.9 minutes; larger values are clamped to it. */
const HIGHEST_TRACKABLE = 2 ** 30 - 1;
const BUCKET_COUNT = 30 - SUB_BUCKET_BITS + 1;

function indexOf(value: number): number {
  // floor(log2(value | mask)) - 10: which power-of-two bucket; 0 for values below 2048.
  const bucket = 31 - Math.clz32(value | (SUB_BUCKET_COUNT - 1)) - SUB_BUCKET_HALF_BITS;
  const sub = value >>> bucket;
  return ((bucket + 1) << SUB_BUCKET_HALF_BITS) + (sub - SUB_BUCKET_HALF);
}

/** Highest value that maps to this slot (HdrHistogram reports quantiles this way). */
function highestEquivalent(index: number): number {
  let bucket = (index >> SUB_BUCKET_HALF_BITS) - 1;
  let sub = (index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF;
    bucket = 0;
  }
  return (sub << bucket) + (1 << bucket) - 1;
}

export interface Summary {
  readonly count: number;
  /** Milliseconds, 3 significant digits. */
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Records durations in milliseconds (kept as integer microseconds). */
export class Histogram {
  private readonly counts = new Float64Array((BUCKET_COUNT + 1) * SUB_BUCKET_HALF);
  private total = 0;
  private sum = 0;
  private minUs = Number.POSITIVE_INFINITY;
  private maxUs = 0;

  record(milliseconds: number): void {
    if (!Number.isFinite(milliseconds)) return;
    const us = Math.min(HIGHEST_TRACKABLE, Math.max(0, Math.round(milliseconds * 1_000)));
    const index = indexOf(us);
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    this.sum += us;
    if (us < this.minUs) this.minUs = us;
    if (us > this.maxUs) this.maxUs = us;
  }

  add(other: Histogram): void {
    for (let i = 0; i < other.counts.length; i++) {
      const c = other.counts[i] ?? 0;
      if (c > 0) this.counts[i] = (this.counts[i] ?? 0) + c;
    }
    this.total += other.total;
    this.sum += other.sum;
    this.minUs = Math.min(this.minUs, other.minUs);
    this.maxUs = Math.max(this.maxUs, other.maxUs);
  }

  get count(): number {
    return this.total;
  }

  /** The value (ms) at or below which `percentile` % of the recorded values fall; NaN if empty. */
  percentile(percentile: number): number {
    if (this.total === 0) return Number.NaN;
    if (percentile >= 100) return this.maxUs / 1_000;
    const target = Math.max(1, Math.ceil((percentile / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= target) return Math.min(highestEquivalent(i), this.maxUs) / 1_000;
    }
    return this.maxUs / 1_000;
  }

  summary(): Summary {
    const empty = this.total === 0;
    return {
      count: this.total,
      min: empty ? Number.NaN : this.minUs / 1_000,
      mean: empty ? Number.NaN : this.sum / this.total / 1_000,
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      p999: this.percentile(99.9),
      max: empty ? Number.NaN : this.maxUs / 1_000,
    };
  }
}

export function histogramOf(values: Iterable<number>): Histogram {
  const histogram = new Histogram();
  for (const value of values) histogram.record(value);
  return histogram;
}
