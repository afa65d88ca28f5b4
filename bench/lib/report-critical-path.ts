// Where a fulfilled saga spends its time: the critical path cut at the timestamps the events
// carry, for the busiest phase that kept up and for 100/s (the target's rate).
import type { PhaseResult } from './phases.ts';
import { ms, pct, table } from './report-format.ts';
import type { KeyFigures } from './report-verdicts.ts';

/** Empty when neither phase ran. */
export function criticalPathSection(key: KeyFigures): string[] {
  const { keptUp, at100 } = key;
  // Below the knee (the busiest rate that kept up) and at 100/s, the target's rate.
  const busiestKeptUp = [...keptUp].sort((a, b) => b.spec.rate - a.spec.rate)[0];
  const hopPhases = [busiestKeptUp, at100]
    .filter((p): p is PhaseResult => p !== undefined)
    .filter((p, i, all) => all.indexOf(p) === i);
  if (hopPhases.length === 0) return [];
  const out: string[] = [];
  out.push('## Where a fulfilled saga spends its time (critical path)');
  out.push('');
  out.push(
    'Cut at the timestamps the events carry: ce_time (set when the service builds the ' +
      'event, inside or just before its transaction) and the Kafka record time (set when the ' +
      "relay sends it). Clocks are the same machine's; each cut is ±1 ms (millisecond stamps).",
  );
  out.push('');
  const first = hopPhases[0];
  if (first !== undefined) {
    out.push(
      table(
        ['segment', ...hopPhases.flatMap((p) => [`${p.spec.name} p50`, 'p99', 'mean', 'share'])],
        first.hops.map((hop, i) => [
          hop.segment,
          ...hopPhases.flatMap((p) => {
            const h = p.hops[i];
            const total = p.hops.reduce((s, x) => s + (Number.isFinite(x.mean) ? x.mean : 0), 0);
            return h === undefined
              ? ['–', '–', '–', '–']
              : [ms(h.p50), ms(h.p99), ms(h.mean), pct(h.mean / total, 0)];
          }),
        ]),
      ),
    );
  }
  const backwards = hopPhases.flatMap((p) =>
    p.hops
      .filter((h) => h.mean < 0)
      .map((h) => `${h.segment} (${p.spec.name}, mean ${ms(h.mean)})`),
  );
  if (backwards.length > 0)
    out.push(
      '',
      `⚠ Negative segments: the later event was built before the earlier one was sent, so the ` +
        `saga did not take the path this mode describes: ${backwards.join('; ')}.`,
    );
  out.push('');
  return out;
}
