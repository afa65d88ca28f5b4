// Just enough of the Prometheus text format to diff two scrapes of a service: counters and gauges
// by name and labels, histograms as cumulative buckets, and quantiles from bucket deltas computed
// the way PromQL's histogram_quantile() does (linear interpolation inside the bucket).

export type Scrape = ReadonlyMap<string, number>;

/** Parses `name{a="1",b="2"} value` lines into a map keyed by the line's series text. */
export function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space < 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isNaN(value)) continue;
    series.set(normalizeSeries(line.slice(0, space)), value);
  }
  return series;
}

/** Drops the `service` default label so the same series matches across services' scrapes. */
function normalizeSeries(series: string): string {
  return series
    .replace(/,?service="[^"]*"/, '')
    .replace('{,', '{')
    .replace('{}', '');
}

export async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}/metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}

function labelsOf(series: string): Record<string, string> {
  const open = series.indexOf('{');
  const labels: Record<string, string> = {};
  if (open < 0) return labels;
  for (const match of series.slice(open + 1, -1).matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) {
    labels[match[1] ?? ''] = match[2] ?? '';
  }
  return labels;
}

function nameOf(series: string): string {
  const open = series.indexOf('{');
  return open < 0 ? series : series.slice(0, open);
}

/**
 * Sum over the series named `name` whose labels include `match`, after minus before. Counters
 * that reset between the scrapes (a restarted process) count from zero.
 */
export function delta(
  before: Scrape,
  after: Scrape,
  name: string,
  match: Record<string, string> = {},
): number {
  let total = 0;
  for (const [series, value] of after) {
    if (nameOf(series) !== name) continue;
    const labels = labelsOf(series);
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    const previous = before.get(series) ?? 0;
    total += value >= previous ? value - previous : value;
  }
  return total;
}

/** Current value summed over matching series (gauges). */
export function current(scrape: Scrape, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const [series, value] of scrape) {
    if (nameOf(series) !== name) continue;
    const labels = labelsOf(series);
    if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += value;
  }
  return total;
}

export interface BucketDelta {
  /** Upper bound in the metric's unit; Infinity for +Inf. */
  readonly le: number;
  /** Cumulative count of observations <= le, over the interval. */
  readonly count: number;
}

/** Cumulative bucket counts of histogram `name` over the interval, summed across label sets. */
export function histogramDelta(
  before: Scrape,
  after: Scrape,
  name: string,
  match: Record<string, string> = {},
): BucketDelta[] {
  const byLe = new Map<number, number>();
  for (const [series, value] of after) {
    if (nameOf(series) !== `${name}_bucket`) continue;
    const labels = labelsOf(series);
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    const le = labels['le'] === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels['le']);
    const previous = before.get(series) ?? 0;
    byLe.set(le, (byLe.get(le) ?? 0) + (value >= previous ? value - previous : value));
  }
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

/**
 * histogram_quantile(): the bucket holding the q-th observation, interpolated linearly between
 * its bounds. A quantile that lands in +Inf reports the highest finite bound (as PromQL does).
 */
export function bucketQuantile(buckets: readonly BucketDelta[], q: number): number {
  const total = buckets[buckets.length - 1]?.count ?? 0;
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket === 0) return bucket.le;
      return lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}

/** Observation count of histogram `name` over the interval. */
export function histogramCount(buckets: readonly BucketDelta[]): number {
  return buckets[buckets.length - 1]?.count ?? 0;
}
